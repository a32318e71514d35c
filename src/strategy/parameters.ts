/**
 * The strategy's section of the run spec's parameter table (the rest is in src/app/flags.ts):
 * each tunable parameter's command-line flag, help and names in a sweep grid, written once.
 * The CLI's flags and the sweep grid's names (src/scan/sweep.ts) are both generated from it.
 */
import { MAX_WINDOW } from './spec.js';

/** How a flag's text is read. */
export type FlagValue =
  | { kind: 'number' }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'choice'; choices: readonly string[] }
  | { kind: 'string' }
  | { kind: 'pair' }
  | { kind: 'pairs' }
  | { kind: 'numbers' }
  | { kind: 'range' }
  | { kind: 'top' }
  | { kind: 'list'; choices: readonly string[] }
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
    arg: '<bars>',
    value: { kind: 'integer', min: 2, max: MAX_WINDOW },
    help: 'rolling normaliser lookback',
    grid: ['lookback'],
  },
  {
    path: 'normaliser.type',
    flag: '--normaliser',
    arg: '<type>',
    value: { kind: 'choice', choices: ['rolling', 'frozen', 'kalman'] },
    help: 'z-score normaliser',
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
    value: { kind: 'choice', choices: ['units', 'capital'] },
    help: 'units of the spread or fixed capital per trade',
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
