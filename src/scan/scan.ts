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
  STATUS_QVALUE,
  type PairStatus,
  type Screens,
  type TaskContext,
} from './evaluate.js';
import { InlineExecutor, type Executor, type ProgressCallback } from './executor.js';
import { benjaminiHochberg } from '../stats/multipleTesting.js';
import { universeFromFrame, type Universe } from './universe.js';

/** Metrics where smaller is better (ranked ascending). */
export const ASCENDING_METRICS = new Set<keyof Metrics>([
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
  /**
   * Benjamini-Hochberg q-value of `pvalue` among every pair whose p-value was computed (NaN
   * when it was not: no p-value screen, or the pair failed an earlier screen).
   */
  qvalue: number;
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
  /**
   * Every pair in job order (i < j in universe order: y = symbols[i], x = symbols[j]). Made
   * when first read: a large scan's outputs are written from its rows without these objects.
   */
  pairs: PairResult[];
  /** Backtested pairs, best first (the same objects as in `pairs`; made when first read). */
  ranked: PairResult[];
  /** Pairs per status. */
  counts: Record<PairStatus, number>;
  /** Backtested pairs whose account was ruined (ranked after all the others). */
  ruined: number;
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
 * The pairs that were backtested (indices in job order), best first by `rankBy` (NaN last; ties
 * keep job order), every ruined pair after every pair that was not, whatever its metric.
 */
function rankRows(rows: Float64Array, count: number, rankBy: keyof Metrics): Int32Array {
  let ok = 0;
  for (let k = 0; k < count; k++) if (rows[k * ROW + R_STATUS] === 0) ok++;
  const index = new Int32Array(ok);
  const key = new Float64Array(ok);
  const ruined = new Uint8Array(ok);
  const m = R_METRICS + M[rankBy];
  for (let k = 0, i = 0; k < count; k++) {
    const o = k * ROW;
    if (rows[o + R_STATUS] !== 0) continue;
    index[i] = k;
    key[i] = rows[o + m];
    ruined[i] = rowRuined(rows, o) ? 1 : 0;
    i++;
  }
  const order = sortedOrder(key, ruined, ASCENDING_METRICS.has(rankBy));
  for (let i = 0; i < ok; i++) order[i] = index[order[i]];
  return order;
}

/**
 * The order of `key`'s entries: those not flagged in `last` before those flagged; within each,
 * numbers ascending (or descending), then NaN; ties in index order. A stable sort with a
 * comparator does this; here each entry becomes one exact double, (rank of its key among the
 * distinct keys) × n + its index, and those are sorted natively (several times faster).
 * @internal exported for the test that holds it equal to the comparator sort
 */
export function sortedOrder(key: Float64Array, last: Uint8Array, ascending: boolean): Int32Array {
  const n = key.length;
  // sign-adjusted keys (−0 as 0, so that it ties with 0 as the comparator's a − b does)
  const k = new Float64Array(n);
  for (let i = 0; i < n; i++) k[i] = (ascending ? key[i] : -key[i]) + 0;
  const distinct = k.slice().sort();
  let u = 0;
  for (let i = 0; i < n; i++) {
    const v = distinct[i];
    if (v !== v) break;
    if (u === 0 || v !== distinct[u - 1]) distinct[u++] = v;
  }
  // ranks: 0 … u − 1 for numbers, u for NaN, then u + 1 more for the flagged entries
  const groups = 2 * (u + 1);
  if (groups * n > Number.MAX_SAFE_INTEGER) return comparatorOrder(k, last);
  const composite = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = k[i];
    let r = u;
    if (v === v) {
      let lo = 0;
      let hi = u - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (distinct[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      r = lo;
    }
    composite[i] = (r + (last[i] ? u + 1 : 0)) * n + i;
  }
  composite.sort();
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = composite[i] % n;
  return order;
}

/** {@link sortedOrder} by a stable comparator sort (ascending keys given). */
function comparatorOrder(k: Float64Array, last: Uint8Array): Int32Array {
  const order = Array.from({ length: k.length }, (_, i) => i);
  order.sort((i, j) => {
    if (last[i] !== last[j]) return last[i] - last[j];
    const a = k[i];
    const b = k[j];
    const an = a !== a;
    const bn = b !== b;
    if (an || bn) return an === bn ? 0 : an ? 1 : -1;
    return a - b;
  });
  return Int32Array.from(order);
}

/** Whether the pair of the row at `o` was backtested and its account ruined. */
const rowRuined = (rows: Float64Array, o: number): boolean =>
  rows[o + R_STATUS] === 0 && !Number.isNaN(rows[o + R_RUIN]);

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
 * The texts of result row k (status, first and last date, ruinedAt: '' when none), as
 * {@link PairResult} has them, into `out`. `dates` memoises the ISO dates of a run: the pairs of
 * a universe share a handful of first and last bars, and formatting a date is most of a row's
 * cost.
 * @internal
 */
export function rowTexts(rows: Float64Array, k: number, dates: Map<number, string>, out: string[]): void {
  const o = k * ROW;
  const date = (ms: number) => {
    let s = dates.get(ms);
    if (s === undefined) dates.set(ms, (s = isoTime(ms)));
    return s;
  };
  const bars = rows[o + R_BARS];
  out[0] = STATUS[rows[o + R_STATUS]];
  out[1] = bars > 0 ? date(rows[o + R_FIRST]) : '';
  out[2] = bars > 0 ? date(rows[o + R_LAST]) : '';
  out[3] = rowRuined(rows, o) ? date(rows[o + R_RUIN]) : '';
}

/** Decodes one result row (rank 0: set by the caller). */
export function rowToPair(
  u: Universe,
  y: number,
  x: number,
  rows: Float64Array,
  k: number,
  dates: Map<number, string> = new Map(),
  qvalues?: Float64Array,
): PairResult {
  const o = k * ROW;
  const t: string[] = [];
  rowTexts(rows, k, dates, t);
  const status = t[0] as PairStatus;
  return {
    y: u.symbols[y],
    x: u.symbols[x],
    status,
    bars: rows[o + R_BARS],
    first: t[1],
    last: t[2],
    correlation: rows[o + R_CORR],
    pvalue: rows[o + R_PVALUE],
    qvalue: qvalues ? qvalues[k] : NaN,
    halfLife: rows[o + R_HALFLIFE],
    olsBeta: rows[o + R_BETA],
    metrics: status === 'ok' ? rowMetrics(rows, o) : null,
    ruined: rowRuined(rows, o),
    ruinedAt: t[3],
    rank: 0,
  };
}

/**
 * A scan's result rows, for its outputs: scan.csv is formatted from these, without the
 * {@link PairResult} objects, unless the result's `pairs` or `ranked` were read (their objects
 * may then have been changed, and the outputs show them).
 * @internal
 */
export interface ScanRows {
  universe: Universe;
  jobs: Int32Array;
  rows: Float64Array;
  /** The backtested pairs' indices, best first. */
  order: Int32Array;
  /** Each pair's Benjamini-Hochberg q-value (NaN where its p-value was not computed). */
  qvalues: Float64Array;
  /** Pair k's object (made once, shared with `pairs` and `ranked`). */
  pairAt(k: number): PairResult;
  /** Whether `pairs` or `ranked` have been read or replaced. */
  read: boolean;
}

const SCAN_ROWS = new WeakMap<ScanResult, ScanRows>();

/** The rows of a result of {@link scanPairs} (undefined for another object). @internal */
export function scanRows(scan: ScanResult): ScanRows | undefined {
  return SCAN_ROWS.get(scan);
}

/** The best `n` ranked pairs, making only their objects when the rest were never read. @internal */
export function bestPairs(scan: ScanResult, n: number): PairResult[] {
  const t = SCAN_ROWS.get(scan);
  if (t === undefined || t.read) return scan.ranked.slice(0, n);
  return Array.from(t.order.subarray(0, Math.min(n, t.order.length)), (k) => t.pairAt(k));
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
  // q ≥ p, so a pair above the q threshold is above it as a p-value too: the workers test every
  // pair's p-value and screen on the threshold, and the q-values come after every test
  const jobScreens =
    screens.maxQValue === undefined
      ? screens
      : { ...screens, maxPValue: Math.min(screens.maxPValue ?? 1, screens.maxQValue) };
  const ctx: TaskContext = { universe, specs: [spec], options: opts, screens: jobScreens, minBars };
  const S = universe.symbols.length;
  const jobs = allPairJobs(S);
  const executor = options.executor ?? new InlineExecutor();
  const rows = await executor.run(ctx, jobs, options.onProgress);
  const count = jobs.length / JOB;
  const qvalues = pairQValues(rows, count);
  if (screens.maxQValue !== undefined)
    for (let k = 0; k < count; k++)
      if (rows[k * ROW + R_STATUS] === 0 && !(qvalues[k] <= screens.maxQValue))
        rows[k * ROW + R_STATUS] = STATUS_QVALUE;
  const order = rankRows(rows, count, rankBy);
  const rankOf = new Int32Array(count);
  for (let i = 0; i < order.length; i++) rankOf[order[i]] = i + 1;
  const counts = Object.fromEntries(STATUS.map((s) => [s, 0])) as Record<PairStatus, number>;
  let ruined = 0;
  for (let k = 0; k < count; k++) {
    counts[STATUS[rows[k * ROW + R_STATUS]]]++;
    if (rowRuined(rows, k * ROW)) ruined++;
  }
  // the PairResult objects, made when first asked for: 124,750 of them take longer to make
  // (and to collect) than writing scan.csv from the rows
  const dates = new Map<number, string>();
  const made: (PairResult | undefined)[] = new Array<PairResult | undefined>(count);
  const pairAt = (k: number): PairResult => {
    let p = made[k];
    if (p === undefined) {
      p = made[k] = rowToPair(universe, jobs[k * JOB], jobs[k * JOB + 1], rows, k, dates, qvalues);
      p.rank = rankOf[k];
    }
    return p;
  };
  let pairs: PairResult[] | undefined;
  let ranked: PairResult[] | undefined;
  const table: ScanRows = { universe, jobs, rows, order, qvalues, pairAt, read: false };
  const result: ScanResult = {
    source: universe.source,
    symbols: universe.symbols,
    strategy: spec,
    options: opts,
    screens,
    minBars,
    rankBy,
    get pairs(): PairResult[] {
      table.read = true;
      return (pairs ??= Array.from({ length: count }, (_, k) => pairAt(k)));
    },
    set pairs(v: PairResult[]) {
      table.read = true;
      pairs = v;
    },
    get ranked(): PairResult[] {
      table.read = true;
      return (ranked ??= Array.from(order, (k) => pairAt(k)));
    },
    set ranked(v: PairResult[]) {
      table.read = true;
      ranked = v;
    },
    counts,
    ruined,
    executor: executor.name,
    elapsedMs: performance.now() - t0,
  };
  SCAN_ROWS.set(result, table);
  return result;
}

/** The Benjamini-Hochberg q-values of the rows' p-values (NaN where a pair was not tested). */
function pairQValues(rows: Float64Array, count: number): Float64Array {
  const p = new Float64Array(count);
  for (let k = 0; k < count; k++) p[k] = rows[k * ROW + R_PVALUE];
  return benjaminiHochberg(p);
}

function validateScreens(s: Screens): void {
  const bad = (name: string, what: string, v: unknown) => {
    throw new ScanError(`screens.${name}: expected ${what}, got ${JSON.stringify(v)}`);
  };
  if (s.minCorrelation !== undefined && !(s.minCorrelation >= -1 && s.minCorrelation <= 1))
    bad('minCorrelation', 'a number in [-1, 1]', s.minCorrelation);
  if (s.maxPValue !== undefined && !(s.maxPValue > 0 && s.maxPValue <= 1))
    bad('maxPValue', 'a number in (0, 1]', s.maxPValue);
  if (s.maxQValue !== undefined && !(s.maxQValue > 0 && s.maxQValue <= 1))
    bad('maxQValue', 'a number in (0, 1]', s.maxQValue);
  if (s.minPrice !== undefined && !(s.minPrice >= 0)) bad('minPrice', 'a number ≥ 0', s.minPrice);
  if (
    s.halfLife !== undefined &&
    !(s.halfLife.length === 2 && s.halfLife[0] >= 0 && s.halfLife[1] >= s.halfLife[0])
  )
    bad('halfLife', '[min, max] with 0 ≤ min ≤ max', s.halfLife);
}
