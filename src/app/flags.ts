/**
 * The one table of a run spec's command-line flags. From it come every command's spec flags and
 * their help (src/cli/specFlags.ts), the mapping of a flag's value into the spec, the mapping of
 * an error back to the flag that set the value (./spec.ts), and the sweep grid's parameter names
 * (src/scan/sweep.ts takes them from {@link GRID_NAMES}).
 */
import { EXECUTION_TIMINGS, RETURN_BASES } from '../execution/options.js';
import { STRATEGY_PARAMETERS, type ParameterRow } from '../strategy/parameters.js';
import { PRESET_NAMES } from './presets.js';
import { METRIC_NAMES } from '../execution/metrics.js';
import { CALENDAR_NAMES } from '../data/calendar.js';
import { SESSION_HOURS } from '../data/sessions.js';

/** The commands that take run-spec flags. */
export type SpecCommand = 'backtest' | 'scan' | 'sweep' | 'paper' | 'portfolio';

/** A row of the table: a parameter, and the commands that take its flag. */
export interface SpecParameter extends ParameterRow {
  /** The commands that take the flag (default: all). */
  commands?: readonly SpecCommand[];
}

const ALL: readonly SpecCommand[] = ['backtest', 'scan', 'sweep', 'paper', 'portfolio'];
const BOOK: readonly SpecCommand[] = ['portfolio'];
const num = { kind: 'number' } as const;

/** Every run-spec parameter with a flag or a grid name, in the order the help lists them. */
export const SPEC_PARAMETERS: readonly SpecParameter[] = [
  {
    path: 'data',
    flag: '--data',
    arg: '<path>',
    value: { kind: 'string' },
    help: 'prices: a CSV (wide, long or Yahoo), a Parquet file or a folder of per-symbol files',
    commands: ['backtest', 'scan', 'sweep', 'portfolio'],
  },
  {
    path: 'symbols',
    flag: '--symbol',
    arg: '<S>',
    value: { kind: 'string' },
    help: 'one asset (kalman-single)',
    commands: ['backtest', 'paper'],
  },
  {
    path: 'symbols',
    flag: '--pair',
    arg: '<Y,X>',
    value: { kind: 'pair' },
    help: 'a pair: the dependent leg Y, then the hedge leg X',
    commands: ['backtest', 'sweep', 'paper'],
  },
  {
    path: 'preset',
    flag: '--preset',
    arg: '<name>',
    value: { kind: 'choice', choices: PRESET_NAMES },
    help: 'strategy or backtest preset',
  },
  {
    path: 'broker',
    flag: '--broker',
    arg: '<name>',
    value: { kind: 'string' },
    help: 'where orders go: paper (default: simulated fills, as the backtest), alpaca, ccxt:EXCHANGE',
    commands: ['paper'],
  },
  {
    path: 'options.execution',
    flag: '--execution',
    arg: '<when>',
    value: { kind: 'choice', choices: EXECUTION_TIMINGS },
    help: 'fill at the signal bar close, the next open (default) or the next close',
  },
  {
    path: 'options.costs.commissionBps',
    flag: '--commission-bps',
    arg: '<n>',
    value: num,
    help: 'commission, bps of notional',
  },
  {
    path: 'options.costs.commissionPerShare',
    flag: '--commission-per-share',
    arg: '<n>',
    value: num,
    help: 'commission per share',
  },
  {
    path: 'options.costs.minCommission',
    flag: '--min-commission',
    arg: '<n>',
    value: num,
    help: 'minimum commission per order',
  },
  {
    path: 'options.costs.slippageBps',
    flag: '--slippage-bps',
    arg: '<n>',
    value: num,
    help: 'slippage, bps worse than the reference price',
  },
  {
    path: 'options.costs.borrowBps',
    flag: '--borrow-bps',
    arg: '<n>',
    value: num,
    help: 'short borrow, annual bps of short market value',
  },
  {
    path: 'options.returns',
    flag: '--returns',
    arg: '<basis>',
    value: { kind: 'choice', choices: RETURN_BASES },
    help: 'returns on account equity or on gross exposure (Chan)',
  },
  { path: 'options.capital', flag: '--capital', arg: '<n>', value: num, help: 'starting cash' },
  {
    path: 'options.periodsPerYear',
    flag: '--periods-per-year',
    arg: '<n>',
    value: num,
    help: 'bars per year for annualising (252)',
  },
  {
    path: 'options.riskFreeRate',
    flag: '--risk-free',
    arg: '<n>',
    value: num,
    help: 'annual risk-free rate for Sharpe/Sortino (0)',
  },
  {
    path: 'options.metricsFrom',
    flag: '--metrics-from',
    arg: '<bar|date>',
    value: { kind: 'bar' },
    help: 'count the metrics from this bar (an index or a date): the warm-up left out',
    commands: ['backtest'],
  },
  {
    path: 'options.split',
    flag: '--split',
    arg: '<bar|date>',
    value: { kind: 'bar' },
    help: 'also give the metrics of the train set before this bar and the test set from it',
    commands: ['backtest'],
  },
  // trading sessions (docs/data.md, "Trading sessions and calendars")
  {
    path: 'options.calendar',
    flag: '--calendar',
    arg: '<name>',
    value: { kind: 'choice', choices: CALENDAR_NAMES },
    help: "the market's calendar: nyse (default) or crypto (24/7, the UTC day)",
  },
  {
    path: 'session',
    flag: '--session',
    arg: '<hours>',
    value: { kind: 'choice', choices: SESSION_HOURS },
    help: "bars kept: all (default) or rth, the calendar's regular trading hours",
    commands: ['backtest', 'scan', 'sweep', 'portfolio', 'paper'],
  },
  {
    path: 'options.flattenAtClose',
    flag: '--flatten-at-close',
    value: { kind: 'switch' },
    help: "close every position at each session's close (intraday bars; paper: with --execution close)",
  },
  ...STRATEGY_PARAMETERS.map((p) => ({
    ...p,
    path: `strategy.${p.path}`,
    ...(p.implies ? { implies: { ...p.implies, path: `strategy.${p.implies.path}` } } : {}),
  })),
  {
    path: 'portfolio.pairs',
    flag: '--pairs',
    arg: '<Y,X...>',
    value: { kind: 'pairs' },
    help: 'the book: these pairs, held throughout (instead of --select)',
    commands: BOOK,
  },
  {
    path: 'portfolio.top',
    flag: '--select',
    arg: '<top:K>',
    value: { kind: 'top' },
    help: 'the book: the K best pairs, selected walk-forward on each training window',
    commands: BOOK,
  },
  {
    path: 'portfolio.rebalance',
    flag: '--rebalance',
    arg: '<bars>',
    value: { kind: 'integer' },
    help: 'bars between selections (63)',
    commands: BOOK,
  },
  {
    path: 'portfolio.train',
    flag: '--train',
    arg: '<bars>',
    value: { kind: 'integer' },
    help: 'training window of each selection and warm-up of each new sleeve (252)',
    commands: BOOK,
  },
  {
    path: 'portfolio.allocation',
    flag: '--allocation',
    arg: '<how>',
    value: { kind: 'choice', choices: ['equal', 'inverse-vol', 'fixed'] },
    help: 'funding of the sleeves: equal, inverse spread volatility, or --weights',
    commands: BOOK,
  },
  {
    path: 'portfolio.weights',
    flag: '--weights',
    arg: '<w,...>',
    value: { kind: 'numbers' },
    help: 'fixed weights of --pairs, in order, summing to 1',
    commands: BOOK,
  },
  {
    path: 'portfolio.fdr',
    flag: '--fdr',
    arg: '<q>',
    value: num,
    help: 'false discovery rate of the Engle-Granger tests across the pairs tested (0.05)',
    commands: BOOK,
  },
  {
    path: 'portfolio.maxPValue',
    flag: '--max-pvalue',
    arg: '<p>',
    value: num,
    help: 'also a raw Engle-Granger p-value ≤ p',
    commands: BOOK,
  },
  {
    path: 'portfolio.halfLife',
    flag: '--half-life',
    arg: '<min,max>',
    value: { kind: 'range' },
    help: 'half-life of the OLS spread within [min, max] bars (1, train/2)',
    commands: BOOK,
  },
  {
    path: 'portfolio.minCorrelation',
    flag: '--min-corr',
    arg: '<r>',
    value: num,
    help: 'correlation of the legs’ daily returns ≥ r',
    commands: BOOK,
  },
  {
    path: 'portfolio.minPrice',
    flag: '--min-price',
    arg: '<p>',
    value: num,
    help: 'both legs’ lowest close over the window ≥ p',
    commands: BOOK,
  },
  {
    path: 'portfolio.rankBy',
    flag: '--rank-by',
    arg: '<metric>',
    value: { kind: 'choice', choices: METRIC_NAMES },
    help: 'in-sample metric the survivors are ranked by (sharpe)',
    commands: BOOK,
  },
  {
    path: 'portfolio.minScore',
    flag: '--min-score',
    arg: '<v>',
    value: num,
    help: 'the worst in-sample --rank-by value a pair is held with (0 for sharpe)',
    commands: BOOK,
  },
  {
    path: 'portfolio.onLeave',
    flag: '--on-leave',
    arg: '<how>',
    value: { kind: 'choice', choices: ['exit', 'close'] },
    help: 'a pair that leaves the selection: keeps its position to its exit (default), or closes at once',
    commands: BOOK,
  },
  {
    path: 'portfolio.maxGrossLeverage',
    flag: '--max-gross-leverage',
    arg: '<x>',
    value: num,
    help: "the book's gross exposure ≤ x × its equity, checked when a sleeve takes a position",
    commands: BOOK,
  },
  {
    path: 'portfolio.maxNetLeverage',
    flag: '--max-net-leverage',
    arg: '<x>',
    value: num,
    help: "|the book's net exposure| ≤ x × its equity",
    commands: BOOK,
  },
  {
    path: 'portfolio.maxSleeveExposure',
    flag: '--max-sleeve-exposure',
    arg: '<x>',
    value: num,
    help: "one sleeve's gross exposure ≤ x × the book's equity",
    commands: BOOK,
  },
  {
    path: 'portfolio.maxSymbolExposure',
    flag: '--max-symbol-exposure',
    arg: '<x>',
    value: num,
    help: "|one symbol's net exposure over every sleeve| ≤ x × the book's equity",
    commands: BOOK,
  },
  {
    path: 'portfolio.maxOpenPairs',
    flag: '--max-open-pairs',
    arg: '<n>',
    value: { kind: 'integer' },
    help: 'sleeves in a position at once ≤ n (an entry beyond is skipped)',
    commands: BOOK,
  },
  {
    path: 'report.benchmark',
    flag: '--benchmark',
    arg: '<symbol>',
    value: { kind: 'string' },
    help: "the tear sheet's benchmark, a symbol of the data (default: buy-and-hold of the legs)",
    commands: ['backtest', 'portfolio'],
  },
  {
    path: 'report.rollingWindow',
    flag: '--rolling-window',
    arg: '<bars>',
    value: { kind: 'integer' },
    help: "the tear sheet's rolling Sharpe, volatility and β window (63)",
    commands: ['backtest', 'portfolio'],
  },
  {
    path: 'repair',
    flag: '--repair',
    arg: '<what...>',
    value: { kind: 'list', choices: ['sort', 'duplicates', 'non-positive'] },
    help: 'explicit, reported data repairs',
    commands: ['backtest'],
  },
  {
    path: 'repair.forwardFill',
    flag: '--forward-fill',
    arg: '<bars>',
    value: { kind: 'integer' },
    help: 'fill gaps of at most this many bars',
    commands: ['backtest'],
  },
];

/** The parameters a command takes as flags. */
export function flagsOf(command: SpecCommand): SpecParameter[] {
  return SPEC_PARAMETERS.filter((p) => p.flag !== undefined && (p.commands ?? ALL).includes(command));
}

/** The flag that sets a spec path (`options.costs.slippageBps` → `--slippage-bps`). */
export function flagOf(path: string): string | undefined {
  return SPEC_PARAMETERS.find((p) => p.path === path && p.flag !== undefined)?.flag;
}

export { GRID_NAMES } from '../strategy/parameters.js';

/** `--repair` words as the data reader's repair options. */
const REPAIRS: Record<string, string> = {
  sort: 'sort',
  duplicates: 'dropDuplicates',
  'non-positive': 'dropNonPositive',
};

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = target;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts[parts.length - 1]] = value;
}

/**
 * A command's parsed flag values (keyed by flag, `--entry-z` → value) as a run-spec input: the
 * same shape as a config file.
 */
export function specFromFlags(
  values: ReadonlyMap<string, unknown>,
  command: SpecCommand,
): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  const params = flagsOf(command);
  for (const p of params) {
    const v = values.get(p.flag!);
    if (v === undefined) continue;
    if (p.path === 'symbols') setPath(spec, 'symbols', typeof v === 'string' ? [v] : [...(v as string[])]);
    else if (p.path === 'repair') for (const w of v as string[]) setPath(spec, `repair.${REPAIRS[w]}`, true);
    else if (p.value.kind === 'number-or-none' && v === 'none') setPath(spec, p.path, null);
    else setPath(spec, p.path, v);
  }
  for (const p of params)
    if (p.implies && values.get(p.flag!) !== undefined) {
      const other = params.find((q) => q.path === p.implies!.path);
      if (other === undefined || values.get(other.flag!) === undefined)
        setPath(spec, p.implies.path, p.implies.value);
    }
  return spec;
}
