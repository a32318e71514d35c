/**
 * Pair scanning: every pair of a universe with enough overlapping history, optional screens,
 * a backtest of each survivor, and a ranking by a chosen metric.
 */
import type { Metrics } from '../execution/metrics.js';
import {
  legWithoutOpens,
  resolveBacktestOptions,
  type BacktestOptions,
  type ResolvedBacktestOptions,
} from '../execution/options.js';
import { isoTime, type PriceFrame } from '../data/frame.js';
import { resolveStrategy, legsOf, type StrategyInput, type StrategySpec } from '../strategy/spec.js';
import { ScanError } from './errors.js';
import {
  JOB,
  METRIC_KEYS,
  R_BARS,
  R_BETA,
  R_CORR,
  R_FIRST,
  R_HALFLIFE,
  R_LAST,
  R_METRICS,
  R_PVALUE,
  R_RUIN,
  R_STATUS,
  ROW,
  STATUS,
  type PairStatus,
  type Screens,
  type TaskContext,
} from './evaluate.js';
import { InlineExecutor, type Executor, type ProgressCallback } from './executor.js';
import { universeFromFrame, type Universe } from './universe.js';

/** Metrics where smaller is better (ranked ascending). */
const ASCENDING = new Set<keyof Metrics>([
  'maxDrawdown',
  'maxDrawdownDuration',
  'annualVolatility',
  'turnover',
]);

/** Options of {@link scanPairs}: the strategy and backtest, the screens, the ranking and the executor. */
export interface ScanOptions {
  /** Strategy (preset name, preset with overrides, or spec); default `'kalman-pair'`. */
  strategy?: StrategyInput | string;
  /**
   * Backtest options as for `backtest()`. When `execution` is not given and the universe has no
   * opens, `'next-close'` is used (the default `'next-open'` needs opens).
   */
  backtest?: BacktestOptions;
  screens?: Screens;
  /** Fewest overlapping bars a pair needs (default 252, a year of daily bars). */
  minBars?: number;
  /** Metric to rank survivors by (default `'sharpe'`). */
  rankBy?: keyof Metrics;
  /** Symbols to pair (default: all of the frame's). */
  symbols?: readonly string[];
  /** Where jobs run (default: in this thread). */
  executor?: Executor;
  onProgress?: ProgressCallback;
}

/** One pair: y is the dependent leg (one share per unit), x the hedge leg. */
export interface PairResult {
  y: string;
  x: string;
  status: PairStatus;
  /** Overlapping bars (both legs priced). */
  bars: number;
  first: string;
  last: string;
  /** Correlation of daily returns (when screened on), Engle-Granger p-value, half-life (bars). */
  correlation: number;
  pvalue: number;
  halfLife: number;
  /** OLS hedge ratio of y on x over the overlap (with a constant). */
  olsBeta: number;
  /** Backtest metrics (null when screened out or too short). */
  metrics: Metrics | null;
  /**
   * Whether the backtest's equity reached zero (the account was liquidated and stopped
   * trading), and the date of that bar ('' when it was not). Ruined pairs rank after every
   * pair that was not.
   */
  ruined: boolean;
  ruinedAt: string;
  /** 1-based rank among backtested pairs by `rankBy` (0 when not backtested). */
  rank: number;
}

/** What {@link scanPairs} returns: the resolved setup, and every pair with its screens and metrics, ranked. */
export interface ScanResult {
  source: string;
  symbols: string[];
  strategy: StrategySpec;
  options: ResolvedBacktestOptions;
  screens: Screens;
  minBars: number;
  rankBy: keyof Metrics;
  /** Every pair in job order (i < j in universe order: y = symbols[i], x = symbols[j]). */
  pairs: PairResult[];
  /** Backtested pairs, best first. */
  ranked: PairResult[];
  /** Pairs per status. */
  counts: Record<PairStatus, number>;
  executor: string;
  elapsedMs: number;
}

/**
 * Resolves a strategy plus options as `backtest()` does; without opens in the universe the
 * execution defaults to 'next-close'. A run preset's conventions are applied by the run spec
 * (src/app) before they get here.
 */
export function resolveScanSetup(
  strategy: StrategyInput | string,
  options: BacktestOptions | undefined,
  hasOpen: boolean,
): { spec: StrategySpec; options: ResolvedBacktestOptions } {
  const spec = resolveStrategy(strategy as StrategyInput);
  if (legsOf(spec) !== 2)
    throw new ScanError(`a pair scan needs a two-leg strategy; this one trades ${legsOf(spec)} leg(s)`);
  const given = { ...(options ?? {}) };
  delete given.symbols;
  if (given.execution === undefined && !hasOpen) given.execution = 'next-close';
  const resolved = resolveBacktestOptions(given);
  if (legWithoutOpens(resolved.execution, ['universe'], () => hasOpen) !== undefined)
    throw new ScanError(
      "execution 'next-open' needs open prices, and the universe has closes only; use 'close' or 'next-close'",
    );
  return { spec, options: resolved };
}

/** Every pair i < j of `count` symbols as jobs (spec 0, whole overlap). */
export function allPairJobs(count: number): Int32Array {
  const pairs = (count * (count - 1)) / 2;
  const jobs = new Int32Array(pairs * JOB);
  let k = 0;
  for (let i = 0; i < count; i++)
    for (let j = i + 1; j < count; j++) {
      jobs[k] = i;
      jobs[k + 1] = j;
      jobs[k + 3] = 0;
      jobs[k + 4] = -1;
      k += JOB;
    }
  return jobs;
}

/**
 * The pairs that were backtested, best first by `rankBy` (NaN last; ties keep universe order),
 * every ruined pair after every pair that was not, whatever its metric.
 * Sorts indices on a typed array of the metric: a comparator reading `metrics[rankBy]` from
 * the objects costs a keyed property load per comparison, most of a 124,750-pair sort.
 */
function rank(pairs: PairResult[], rankBy: keyof Metrics): PairResult[] {
  const ok = pairs.filter((p) => p.status === 'ok');
  const key = new Float64Array(ok.length);
  const ruined = new Uint8Array(ok.length);
  for (let i = 0; i < ok.length; i++) {
    key[i] = ok[i].metrics![rankBy];
    ruined[i] = ok[i].ruined ? 1 : 0;
  }
  const asc = ASCENDING.has(rankBy);
  const order = Array.from({ length: ok.length }, (_, i) => i);
  order.sort((i, j) => {
    if (ruined[i] !== ruined[j]) return ruined[i] - ruined[j];
    const a = key[i];
    const b = key[j];
    const an = a !== a;
    const bn = b !== b;
    if (an || bn) return an === bn ? 0 : an ? 1 : -1;
    return asc ? a - b : b - a;
  });
  const ranked = new Array<PairResult>(ok.length);
  for (let i = 0; i < ok.length; i++) {
    ranked[i] = ok[order[i]];
    ranked[i].rank = i + 1;
  }
  return ranked;
}

/** Each metric's place in a row, after R_METRICS (METRIC_KEYS order). */
const M = Object.fromEntries(METRIC_KEYS.map((k, i) => [k, i])) as Record<
  (typeof METRIC_KEYS)[number],
  number
>;

/** The metrics of a result row, as an object literal (one shape for every row). */
function rowMetrics(rows: Float64Array, o: number): Metrics {
  const m = o + R_METRICS;
  return {
    totalReturn: rows[m + M.totalReturn],
    apr: rows[m + M.apr],
    annualVolatility: rows[m + M.annualVolatility],
    sharpe: rows[m + M.sharpe],
    sortino: rows[m + M.sortino],
    calmar: rows[m + M.calmar],
    maxDrawdown: rows[m + M.maxDrawdown],
    maxDrawdownDuration: rows[m + M.maxDrawdownDuration],
    trades: rows[m + M.trades],
    winRate: rows[m + M.winRate],
    profitFactor: rows[m + M.profitFactor],
    exposure: rows[m + M.exposure],
    turnover: rows[m + M.turnover],
  };
}

/**
 * Decodes one result row. `dates` memoises the ISO dates of a run: the pairs of a universe
 * share a handful of first and last bars, and formatting a date is most of a row's cost.
 */
export function rowToPair(
  u: Universe,
  y: number,
  x: number,
  rows: Float64Array,
  k: number,
  dates: Map<number, string> = new Map(),
): PairResult {
  const o = k * ROW;
  const status = STATUS[rows[o + R_STATUS]];
  const bars = rows[o + R_BARS];
  const ruinTime = rows[o + R_RUIN];
  const ruined = status === 'ok' && !Number.isNaN(ruinTime);
  const date = (ms: number) => {
    let s = dates.get(ms);
    if (s === undefined) dates.set(ms, (s = isoTime(ms)));
    return s;
  };
  return {
    y: u.symbols[y],
    x: u.symbols[x],
    status,
    bars,
    first: bars > 0 ? date(rows[o + R_FIRST]) : '',
    last: bars > 0 ? date(rows[o + R_LAST]) : '',
    correlation: rows[o + R_CORR],
    pvalue: rows[o + R_PVALUE],
    halfLife: rows[o + R_HALFLIFE],
    olsBeta: rows[o + R_BETA],
    metrics: status === 'ok' ? rowMetrics(rows, o) : null,
    ruined,
    ruinedAt: ruined ? date(ruinTime) : '',
    rank: 0,
  };
}

/**
 * Scans every pair of a universe: the overlap of each pair's legs (bars where both have a
 * close, as an inner `alignFrames` keeps them), the screens, then a backtest of each survivor
 * on its overlap, equal to `backtest(overlapFrame, strategy, options)`. Pairs are oriented by
 * universe order: for symbols i < j, y = symbols[i] and x = symbols[j].
 *
 * @example
 * const { frame } = await readWideCsv('data/etf_universe_close.csv', { repair: { dropNonPositive: true } });
 * const scan = await scanPairs(frame, { screens: { maxPValue: 0.05 }, rankBy: 'sharpe' });
 * scan.ranked.slice(0, 10);
 * @throws StrategyError for a bad strategy or option, ScanError for an unusable setup.
 */
export async function scanPairs(data: PriceFrame | Universe, options: ScanOptions = {}): Promise<ScanResult> {
  const t0 = performance.now();
  const universe =
    'close' in data && data.close instanceof Float64Array
      ? (data as Universe)
      : universeFromFrame(data as PriceFrame, { symbols: options.symbols });
  const { spec, options: opts } = resolveScanSetup(
    options.strategy ?? 'kalman-pair',
    options.backtest,
    universe.open !== null,
  );
  const screens = options.screens ?? {};
  validateScreens(screens);
  const minBars = options.minBars ?? 252;
  const rankBy = options.rankBy ?? 'sharpe';
  if (!(METRIC_KEYS as readonly string[]).includes(rankBy))
    throw new ScanError(
      `rankBy: unknown metric "${String(rankBy)}"; expected one of ${METRIC_KEYS.join(', ')}`,
    );
  const ctx: TaskContext = { universe, specs: [spec], options: opts, screens, minBars };
  const S = universe.symbols.length;
  const jobs = allPairJobs(S);
  const executor = options.executor ?? new InlineExecutor();
  const rows = await executor.run(ctx, jobs, options.onProgress);
  const pairs: PairResult[] = new Array(jobs.length / JOB);
  const dates = new Map<number, string>();
  for (let k = 0; k < pairs.length; k++)
    pairs[k] = rowToPair(universe, jobs[k * JOB], jobs[k * JOB + 1], rows, k, dates);
  const ranked = rank(pairs, rankBy);
  const counts = Object.fromEntries(STATUS.map((s) => [s, 0])) as Record<PairStatus, number>;
  for (const p of pairs) counts[p.status]++;
  return {
    source: universe.source,
    symbols: universe.symbols,
    strategy: spec,
    options: opts,
    screens,
    minBars,
    rankBy,
    pairs,
    ranked,
    counts,
    executor: executor.name,
    elapsedMs: performance.now() - t0,
  };
}

function validateScreens(s: Screens): void {
  const bad = (name: string, what: string, v: unknown) => {
    throw new ScanError(`screens.${name}: expected ${what}, got ${JSON.stringify(v)}`);
  };
  if (s.minCorrelation !== undefined && !(s.minCorrelation >= -1 && s.minCorrelation <= 1))
    bad('minCorrelation', 'a number in [-1, 1]', s.minCorrelation);
  if (s.maxPValue !== undefined && !(s.maxPValue > 0 && s.maxPValue <= 1))
    bad('maxPValue', 'a number in (0, 1]', s.maxPValue);
  if (s.minPrice !== undefined && !(s.minPrice >= 0)) bad('minPrice', 'a number ≥ 0', s.minPrice);
  if (
    s.halfLife !== undefined &&
    !(s.halfLife.length === 2 && s.halfLife[0] >= 0 && s.halfLife[1] >= s.halfLife[0])
  )
    bad('halfLife', '[min, max] with 0 ≤ min ≤ max', s.halfLife);
}
