/**
 * The strategy's section of the run spec's parameter table (the rest is in src/app/flags.ts):
 * each tunable parameter's command-line flag, help and names in a sweep grid, written once.
 * The CLI's flags and the sweep grid's names (src/scan/sweep.ts) are both generated from it.
 */
import { MAX_WINDOW, normaliserSchema, ruleSchema, sizingSchema, spreadSchema } from './spec.js';

/** The `type`s a component's schema names, for its flag's choices. */
const typesOf = (schema: { options: readonly { shape: { type: { value: string } } }[] }) =>
  schema.options.map((o) => o.shape.type.value);

/** How a flag's text is read. */
export type FlagValue =
  | { kind: 'number' }
  | { kind: 'integer'; min?: number; max?: number; /** A word also accepted (`half-life`). */ or?: string }
  | { kind: 'choice'; choices: readonly string[] }
  | { kind: 'string' }
  | { kind: 'pair' }
  | { kind: 'pairs' }
  | { kind: 'numbers' }
  | { kind: 'range' }
  | { kind: 'top' }
  | { kind: 'list'; choices: readonly string[] }
  /** A bar: its index or an ISO date. */
  | { kind: 'bar' }
  /** A positive number, or `none` (null: no limit). */
  | { kind: 'number-or-none' }
  /** A flag without a value: given, it sets `true`. */
  | { kind: 'switch' };

/** One run-spec parameter: where it lives in the spec, its flag, and its name in a sweep grid. */
export interface ParameterRow {
  /** Dotted path in the spec (`rule.entryZ`; in the run spec `strategy.rule.entryZ`). */
  path: string;
  /** The command-line flag (none: the parameter is set in a config file or a grid only). */
  flag?: string;
  /** The flag's argument as shown in the help (`<z>`). */
  arg?: string;
  value: FlagValue;
  help: string;
  /** Names in a sweep grid, the first canonical (strategy parameters only). */
  grid?: readonly string[];
  /**
   * Set alongside the value when a flag implies another parameter (`--trade-capital` picks
   * capital sizing), unless that parameter is given too.
   */
  implies?: { path: string; value: string };
}

const NUMBER = { kind: 'number' } as const;

/** The strategy parameters with a flag or a grid name, in the order the help lists them. */
export const STRATEGY_PARAMETERS: readonly ParameterRow[] = [
  {
    path: 'rule.entryZ',
    flag: '--entry-z',
    arg: '<n>',
    value: NUMBER,
    help: 'enter beyond this z',
    grid: ['entryZ'],
  },
  {
    path: 'rule.exitZ',
    flag: '--exit-z',
    arg: '<n>',
    value: NUMBER,
    help: 'exit inside this z',
    grid: ['exitZ'],
  },
  {
    path: 'rule.stopZ',
    flag: '--stop-z',
    arg: '<n>',
    value: NUMBER,
    help: 'stop beyond this z',
    grid: ['stopZ'],
  },
  {
    path: 'rule.maxHoldBars',
    flag: '--max-hold',
    arg: '<bars>',
    value: { kind: 'integer' },
    help: 'exit after this many bars',
    grid: ['maxHoldBars'],
  },
  {
    path: 'normaliser.lookback',
    flag: '--lookback',
    arg: '<bars|half-life>',
    value: { kind: 'integer', min: 2, max: MAX_WINDOW, or: 'half-life' },
    help: "rolling normaliser lookback (half-life: a static spread's, rounded)",
    grid: ['lookback'],
  },
  {
    path: 'normaliser.type',
    flag: '--normaliser',
    arg: '<type>',
    value: { kind: 'choice', choices: typesOf(normaliserSchema) },
    help: 'z-score normaliser',
  },
  {
    path: 'normaliser.start',
    flag: '--score-from',
    arg: '<bar>',
    value: { kind: 'integer', min: 0, max: MAX_WINDOW },
    help: 'first bar the normaliser scores (earlier bars only warm the spread model)',
  },
  {
    path: 'spread.type',
    flag: '--spread',
    arg: '<type>',
    value: { kind: 'choice', choices: typesOf(spreadSchema) },
    help: 'spread model',
  },
  {
    path: 'spread.lookback',
    flag: '--hedge-lookback',
    arg: '<bars>',
    value: { kind: 'integer', min: 3, max: MAX_WINDOW },
    help: 'rolling-ols regression window',
    grid: ['hedgeLookback'],
  },
  {
    path: 'spread.intercept',
    flag: '--intercept',
    arg: '<how>',
    value: { kind: 'choice', choices: ['subtract', 'keep', 'none'] },
    help: 'rolling-ols: subtract the fitted intercept, keep the level (y − βx), or fit none',
  },
  {
    path: 'spread.method',
    flag: '--hedge-method',
    arg: '<m>',
    value: { kind: 'choice', choices: ['ols', 'johansen', 'fixed'] },
    help: 'static spread: OLS, Johansen or fixed weights',
  },
  {
    path: 'spread.trainBars',
    flag: '--train-bars',
    arg: '<bars>',
    value: { kind: 'integer', min: 10, max: MAX_WINDOW },
    help: 'static spread: bars its weights are fitted on',
    grid: ['trainBars'],
  },
  {
    path: 'spread.weights',
    flag: '--hedge-weights',
    arg: '<w,...>',
    value: { kind: 'numbers' },
    help: 'static spread: fixed weight of each leg (implies --hedge-method fixed)',
    implies: { path: 'spread.method', value: 'fixed' },
  },
  {
    path: 'rule.type',
    flag: '--rule',
    arg: '<type>',
    value: { kind: 'choice', choices: typesOf(ruleSchema) },
    help: 'trading rule: z-score bands or linear units',
  },
  {
    path: 'rule.zPerUnit',
    flag: '--z-per-unit',
    arg: '<n>',
    value: NUMBER,
    help: 'linear rule: z per unit held',
    grid: ['zPerUnit'],
  },
  {
    path: 'rule.maxUnits',
    flag: '--max-units',
    arg: '<n|none>',
    value: { kind: 'number-or-none' },
    help: 'linear rule: cap on |units| (none: uncapped)',
  },
  {
    path: 'spread.delta',
    flag: '--delta',
    arg: '<n>',
    value: NUMBER,
    help: 'kalman-hedge δ (state drift)',
    grid: ['delta'],
  },
  {
    path: 'spread.observationVariance',
    flag: '--ve',
    arg: '<n>',
    value: NUMBER,
    help: 'kalman-hedge Vₑ (observation variance)',
    grid: ['ve', 'observationVariance'],
  },
  {
    path: 'spread.initialCovariance',
    value: NUMBER,
    help: 'initial covariance of the Kalman state',
    grid: ['initialCovariance'],
  },
  {
    path: 'spread.transform',
    flag: '--transform',
    arg: '<t>',
    value: { kind: 'choice', choices: ['price', 'log'] },
    help: 'spread on prices or log prices',
  },
  {
    path: 'sizing.type',
    flag: '--sizing',
    arg: '<type>',
    value: { kind: 'choice', choices: typesOf(sizingSchema) },
    help: 'units of the spread, fixed capital per trade, or equal dollars per leg',
  },
  {
    path: 'sizing.capital',
    flag: '--trade-capital',
    arg: '<n>',
    value: NUMBER,
    help: 'capital per trade (capital sizing)',
    grid: ['tradeCapital', 'capital'],
    implies: { path: 'sizing.type', value: 'capital' },
  },
];

/** A sweep grid's parameter names: name → [component, key] of the strategy spec. */
export const GRID_NAMES: Readonly<Record<string, readonly [string, string]>> = Object.fromEntries(
  STRATEGY_PARAMETERS.flatMap((p) => {
    const [component, key] = p.path.split('.');
    return (p.grid ?? []).map((name) => [name, [component, key] as const]);
  }),
);
