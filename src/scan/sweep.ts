/**
 * Parameter sweeps and walk-forward analysis of one pair.
 *
 * A sweep backtests every point of a parameter grid. Over the whole period that is an in-sample
 * exploration (the heat map); the result that means something is the walk-forward: the data are
 * cut into train/test windows, the grid point with the best metric on each training window is
 * chosen, and that point alone is run on the following test window. The out-of-sample equity is
 * the test windows' returns chained together.
 *
 * No test window can use parameters chosen with its own data, by construction: the choice for
 * window k is computed from result rows whose jobs cover bars [trainStart_k, trainEnd_k) only,
 * with trainEnd_k ≤ testStart_k (checked), and each test window is its own backtest that starts
 * flat with a fresh filter on its first bar. test/scan/sweep.test.ts plants different future
 * data and checks that nothing chosen before it changes.
 */
import { backtest, type BacktestResult } from '../backtest/engine.js';
import { computeMetrics, type Metrics } from '../execution/metrics.js';
import type { BacktestOptions, ResolvedBacktestOptions } from '../backtest/options.js';
import { alignFrames } from '../data/align.js';
import type { PriceFrame } from '../data/frame.js';
import { KalmanFilter } from '../kalman/KalmanFilter.js';
import { pairDelta, pairModel, type PairModelOptions } from '../kalman/pair.js';
import { resolveStrategy, type StrategyInput, type StrategySpec } from '../strategy/spec.js';
import { ScanError } from './errors.js';
import { JOB, METRIC_KEYS, R_METRICS, R_RUIN, R_STATUS, ROW, type TaskContext } from './evaluate.js';
import { InlineExecutor, type Executor, type ProgressCallback } from './executor.js';
import { resolveScanSetup } from './scan.js';
import { universeFromFrame } from './universe.js';

/** One axis of a grid: a strategy parameter and its values. */
export interface GridAxis {
  /** As written (`delta`, `entryZ`, `rule.stopZ`). */
  name: string;
  /** Component and key in the strategy spec. */
  component: 'spread' | 'normaliser' | 'rule' | 'sizing';
  key: string;
  values: number[];
}

/** Short names for the common parameters. */
const ALIASES: Record<string, [GridAxis['component'], string]> = {
  delta: ['spread', 'delta'],
  ve: ['spread', 'observationVariance'],
  observationVariance: ['spread', 'observationVariance'],
  initialCovariance: ['spread', 'initialCovariance'],
  lookback: ['spread', 'lookback'],
  entryZ: ['rule', 'entryZ'],
  exitZ: ['rule', 'exitZ'],
  stopZ: ['rule', 'stopZ'],
  maxHoldBars: ['rule', 'maxHoldBars'],
  capital: ['sizing', 'capital'],
};

/**
 * Parses `'delta=1e-5,1e-4,1e-3;ve=1e-3,1e-2;entryZ=1,1.5,2'`: axes separated by `;`, values
 * by `,`. Names are the short names (delta, ve, entryZ, exitZ, stopZ, maxHoldBars, lookback,
 * initialCovariance, capital) or `component.key` (`rule.entryZ`).
 * @throws ScanError naming the axis and what is wrong.
 */
export function parseGrid(text: string): GridAxis[] {
  const axes: GridAxis[] = [];
  for (const part of text.split(';').map((s) => s.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ScanError(`grid: expected name=v1,v2,… in "${part}"`);
    const name = part.slice(0, eq).trim();
    let target = ALIASES[name];
    if (target === undefined) {
      const [c, k, ...rest] = name.split('.');
      if (rest.length || !k || !['spread', 'normaliser', 'rule', 'sizing'].includes(c))
        throw new ScanError(
          `grid: unknown parameter "${name}"; use ${Object.keys(ALIASES).join(', ')} or component.key (rule.entryZ)`,
        );
      target = [c as GridAxis['component'], k];
    }
    const values = part
      .slice(eq + 1)
      .split(',')
      .map((v) => v.trim());
    const nums = values.map(Number);
    const bad = values.findIndex((v, i) => v === '' || !Number.isFinite(nums[i]));
    if (bad >= 0) throw new ScanError(`grid: ${name}: "${values[bad]}" is not a number`);
    if (axes.some((a) => a.component === target[0] && a.key === target[1]))
      throw new ScanError(`grid: ${name} is given twice`);
    axes.push({ name, component: target[0], key: target[1], values: nums });
  }
  if (axes.length === 0) throw new ScanError('grid: no parameters given');
  return axes;
}

/** Every point of the grid (the last axis varies fastest), as value tuples. */
export function gridPoints(axes: readonly GridAxis[]): number[][] {
  let points: number[][] = [[]];
  for (const a of axes) points = points.flatMap((p) => a.values.map((v) => [...p, v]));
  return points;
}

/** The spec of one grid point: the base spec with the point's values (validated). */
export function specAt(
  base: StrategySpec,
  axes: readonly GridAxis[],
  point: readonly number[],
): StrategySpec {
  const input: Record<string, Record<string, unknown>> = {
    spread: { ...base.spread },
    normaliser: { ...base.normaliser },
    rule: { ...base.rule },
    sizing: { ...base.sizing },
  };
  axes.forEach((a, i) => (input[a.component][a.key] = point[i]));
  try {
    return resolveStrategy(input as StrategyInput);
  } catch (e) {
    const at = axes.map((a, i) => `${a.name}=${point[i]}`).join(', ');
    throw new ScanError(`grid point ${at}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Walk-forward windows, in bars of the pair's overlap. */
export interface WalkForwardOptions {
  /** Bars in each training window (the first one, when anchored). */
  train: number;
  /** Bars in each test window (the last may be shorter). */
  test: number;
  /** 'anchored': training starts at bar 0 and grows; 'rolling' (default): a fixed-length window that moves. */
  mode?: 'anchored' | 'rolling';
  /**
   * 'em': learn the Kalman noise (δ and Vₑ) by EM on each training window instead of taking
   * them from the grid (the grid then must not have delta or ve).
   */
  learn?: 'em';
}

export interface Window {
  trainStart: number;
  trainEnd: number;
  testStart: number;
  testEnd: number;
}

/**
 * The windows over `bars` bars: test windows follow each other without gaps from `train` on;
 * each training window ends where its test window starts.
 */
export function walkForwardWindows(bars: number, o: WalkForwardOptions): Window[] {
  const { train, test } = o;
  if (!(Number.isInteger(train) && train >= 2))
    throw new ScanError(`walkForward.train: expected an integer ≥ 2, got ${train}`);
  if (!(Number.isInteger(test) && test >= 2))
    throw new ScanError(`walkForward.test: expected an integer ≥ 2, got ${test}`);
  const out: Window[] = [];
  for (let testStart = train; testStart + 2 <= bars; testStart += test) {
    const testEnd = Math.min(bars, testStart + test);
    out.push({
      trainStart: o.mode === 'anchored' ? 0 : testStart - train,
      trainEnd: testStart,
      testStart,
      testEnd,
    });
  }
  if (out.length === 0)
    throw new ScanError(
      `walk-forward: ${bars} bars are too few for a ${train}-bar training window and a test window`,
    );
  return out;
}

export interface SweepOptions {
  /** The pair: y (dependent) and x. */
  pair: [string, string];
  /** The grid, parsed or as text. */
  grid: GridAxis[] | string;
  strategy?: StrategyInput | string;
  backtest?: BacktestOptions;
  /** Metric that chooses the parameters (default 'sharpe'; higher is better except drawdowns). */
  metric?: keyof Metrics;
  walkForward?: WalkForwardOptions;
  executor?: Executor;
  onProgress?: ProgressCallback;
}

export interface WindowResult extends Window {
  trainFirst: string;
  trainLast: string;
  testFirst: string;
  testLast: string;
  /** Index of the chosen grid point, its values, and its in-sample metric. */
  chosen: number;
  params: Record<string, number>;
  inSample: number;
  /** The in-sample metric of every grid point on this training window. */
  inSampleGrid: number[];
  /** Out-of-sample metrics of the chosen point on the test window. */
  outOfSample: Metrics;
  /** Whether the chosen point's account was ruined on the test window. */
  outOfSampleRuined: boolean;
}

export interface SweepResult {
  pair: [string, string];
  axes: GridAxis[];
  points: number[][];
  metric: keyof Metrics;
  strategy: StrategySpec;
  options: ResolvedBacktestOptions;
  /** Overlap of the legs. */
  bars: number;
  dates: string[];
  /** Metrics of every grid point over the whole period (in-sample: exploration only). */
  fullPeriod: (Metrics | null)[];
  /** Whether each grid point's account was ruined over the whole period (equity reached zero). */
  fullPeriodRuined: boolean[];
  walkForward: null | {
    mode: 'anchored' | 'rolling';
    learn: 'em' | null;
    windows: WindowResult[];
    /** Concatenated out-of-sample series (test windows chained), from the first test bar. */
    times: Float64Array;
    returns: Float64Array;
    equity: Float64Array;
    metrics: Metrics;
    /** Whether the chained out-of-sample account was ruined (it then trades no more). */
    ruined: boolean;
  };
}

const LOWER_IS_BETTER = new Set<keyof Metrics>([
  'maxDrawdown',
  'maxDrawdownDuration',
  'annualVolatility',
  'turnover',
]);

/**
 * Index of the best value: a point whose account was ruined (`ruined[i]`) never beats one
 * that was not, and NaN never beats a number; ties keep the first point.
 */
export function argBest(
  values: readonly number[],
  metric: keyof Metrics,
  ruined: readonly boolean[] = [],
): number {
  const lower = LOWER_IS_BETTER.has(metric);
  const better = (i: number, j: number): boolean => {
    const ri = ruined[i] === true;
    if (ri !== (ruined[j] === true)) return !ri;
    const a = values[i];
    const b = values[j];
    if (Number.isNaN(a) || Number.isNaN(b)) return !Number.isNaN(a) && Number.isNaN(b);
    return lower ? a < b : a > b;
  };
  let best = 0;
  for (let i = 1; i < values.length; i++) if (better(i, best)) best = i;
  return best;
}

function rowMetrics(rows: Float64Array, k: number): Metrics | null {
  if (rows[k * ROW + R_STATUS] !== 0) return null;
  const m: Record<string, number> = {};
  METRIC_KEYS.forEach((key, i) => (m[key] = rows[k * ROW + R_METRICS + i]));
  return m as unknown as Metrics;
}

/** Whether row k's backtest ruined its account. */
function rowRuined(rows: Float64Array, k: number): boolean {
  return rows[k * ROW + R_STATUS] === 0 && !Number.isNaN(rows[k * ROW + R_RUIN]);
}

/**
 * δ and Vₑ of the pairs model learned by EM on one window's prices (10 iterations of the
 * transition and observation covariances, starting from the spread's values): the spread's
 * `transform` and `initialCovariance` apply as in the backtest, and δ = q/(1+q) from the mean
 * diagonal q of the learned state covariance.
 */
export function learnNoise(
  y: Float64Array,
  x: Float64Array,
  spread: PairModelOptions & { transform: 'price' | 'log' },
): { delta: number; observationVariance: number } {
  const log = spread.transform === 'log';
  const kf = new KalmanFilter(pairModel(log ? x.map(Math.log) : x, spread));
  const fitted = kf.em(log ? y.map(Math.log) : y, {
    nIter: 10,
    emVars: ['transitionCovariance', 'observationCovariance'],
  }).model;
  const Q = fitted.transitionCovariance as number[][];
  const R = fitted.observationCovariance as number[][];
  return { delta: pairDelta((Q[0][0] + Q[1][1]) / 2), observationVariance: R[0][0] };
}

/**
 * Backtests every grid point on a pair and, with `walkForward`, runs the walk-forward analysis.
 * @throws ScanError for a bad grid or windows, StrategyError for a bad strategy or option.
 */
export async function sweep(frame: PriceFrame, options: SweepOptions): Promise<SweepResult> {
  const [ys, xs] = options.pair;
  const { frame: pairFrame } = alignFrames(frame, { symbols: [ys, xs] });
  const universe = universeFromFrame(pairFrame, { symbols: [ys, xs] });
  const { spec: base, options: opts } = resolveScanSetup(
    options.strategy ?? 'kalman-pair',
    options.backtest,
    universe.open !== null,
  );
  const axes = typeof options.grid === 'string' ? parseGrid(options.grid) : options.grid;
  const points = gridPoints(axes);
  const metric = options.metric ?? 'sharpe';
  if (!(METRIC_KEYS as readonly string[]).includes(metric))
    throw new ScanError(
      `metric: unknown metric "${String(metric)}"; expected one of ${METRIC_KEYS.join(', ')}`,
    );
  const specs = points.map((p) => specAt(base, axes, p));
  const executor = options.executor ?? new InlineExecutor();
  const bars = pairFrame.length;
  const wf = options.walkForward;
  const learn = wf?.learn === 'em';
  if (learn) {
    if (base.spread.type !== 'kalman-hedge')
      throw new ScanError("walkForward.learn 'em' needs the kalman-hedge spread");
    if (axes.some((a) => a.component === 'spread' && (a.key === 'delta' || a.key === 'observationVariance')))
      throw new ScanError("walkForward.learn 'em' learns delta and ve: remove them from the grid");
  }
  const windows = wf ? walkForwardWindows(bars, wf) : [];
  for (const w of windows)
    if (!(w.trainEnd <= w.testStart))
      throw new Error('walk-forward: a training window overlaps its test window');
  // per window, its specs (learned noise) or the grid's
  const y = pairFrame.get(ys);
  const x = pairFrame.get(xs);
  const windowSpecs: StrategySpec[][] = windows.map((w) => {
    if (!learn) return specs;
    const sp = base.spread as Extract<StrategySpec['spread'], { type: 'kalman-hedge' }>;
    const noise = learnNoise(y.subarray(w.trainStart, w.trainEnd), x.subarray(w.trainStart, w.trainEnd), sp);
    return specs.map((s) => ({ ...s, spread: { ...(s.spread as typeof sp), ...noise } }));
  });
  const allSpecs = [specs, ...windowSpecs].flat();
  const P = points.length;
  // one executor round: the full period for every point, then every training window
  const jobs = new Int32Array((1 + windows.length) * P * JOB);
  for (let g = 0; g <= windows.length; g++)
    for (let p = 0; p < P; p++) {
      const k = (g * P + p) * JOB;
      jobs[k] = 0;
      jobs[k + 1] = 1;
      jobs[k + 2] = g * P + p;
      jobs[k + 3] = g === 0 ? 0 : windows[g - 1].trainStart;
      jobs[k + 4] = g === 0 ? -1 : windows[g - 1].trainEnd;
    }
  const ctx: TaskContext = { universe, specs: allSpecs, options: opts, screens: {}, minBars: 0 };
  const rows = await executor.run(ctx, jobs, options.onProgress);
  const fullPeriod = points.map((_, p) => rowMetrics(rows, p));
  const fullPeriodRuined = points.map((_, p) => rowRuined(rows, p));
  const dates = pairFrame.dates();
  const result: SweepResult = {
    pair: [ys, xs],
    axes,
    points,
    metric,
    strategy: base,
    options: opts,
    bars,
    dates,
    fullPeriod,
    fullPeriodRuined,
    walkForward: null,
  };
  if (!wf) return result;
  // choose on each training window (its rows only), then run the choice on the test window
  const windowResults: WindowResult[] = [];
  const tests: BacktestResult[] = [];
  windows.forEach((w, i) => {
    const inSampleGrid = points.map((_, p) => rowMetrics(rows, (i + 1) * P + p)?.[metric] ?? NaN);
    const inSampleRuined = points.map((_, p) => rowRuined(rows, (i + 1) * P + p));
    const chosen = argBest(inSampleGrid, metric, inSampleRuined);
    const spec = windowSpecs[i][chosen];
    const test = backtest(pairFrame.slice(w.testStart, w.testEnd), spec, { ...opts, symbols: [ys, xs] });
    tests.push(test);
    const params: Record<string, number> = {};
    axes.forEach((a, j) => (params[a.name] = points[chosen][j]));
    if (learn && spec.spread.type === 'kalman-hedge') {
      params.delta = spec.spread.delta;
      params.ve = spec.spread.observationVariance;
    }
    windowResults.push({
      ...w,
      trainFirst: dates[w.trainStart],
      trainLast: dates[w.trainEnd - 1],
      testFirst: dates[w.testStart],
      testLast: dates[w.testEnd - 1],
      chosen,
      params,
      inSample: inSampleGrid[chosen],
      inSampleGrid,
      outOfSample: test.metrics,
      outOfSampleRuined: test.ruined,
    });
  });
  result.walkForward = {
    mode: wf.mode ?? 'rolling',
    learn: learn ? 'em' : null,
    windows: windowResults,
    ...chain(tests, opts),
  };
  return result;
}

/**
 * The test windows' series chained into one out-of-sample run, and its metrics. Once a window's
 * account is ruined, the chained account is over: the later windows add flat bars (return 0,
 * the equity left, no trades).
 */
function chain(tests: BacktestResult[], opts: ResolvedBacktestOptions) {
  const n = tests.reduce((s, t) => s + t.returns.length, 0);
  const times = new Float64Array(n);
  const returns = new Float64Array(n);
  const equity = new Float64Array(n);
  const gross = new Float64Array(n);
  const traded = new Float64Array(n);
  const pnl: number[] = [];
  const closed: number[] = [];
  let off = 0;
  let growth = 1;
  let ruined = false;
  for (const t of tests) {
    const m = t.returns.length;
    times.set(t.times, off);
    if (ruined) {
      equity.fill(equity[off - 1], off, off + m);
      off += m;
      continue;
    }
    returns.set(t.returns, off);
    for (let i = 0; i < m; i++) {
      equity[off + i] = growth * t.equity[i];
      gross[off + i] = growth * t.grossExposure[i];
    }
    // traded notional per bar, scaled like the equity it trades
    const notional = tradedNotional(t);
    for (let i = 0; i < m; i++) traded[off + i] = growth * notional[i];
    for (const tr of t.trades) {
      pnl.push(growth * tr.pnl);
      closed.push(tr.closed ? 1 : 0);
    }
    growth *= t.equity[m - 1] / opts.capital;
    off += m;
    ruined = t.ruined;
  }
  const metrics = computeMetrics({
    returns,
    equity,
    grossExposure: gross,
    tradedNotional: traded,
    tradePnl: Float64Array.from(pnl),
    tradeClosed: Uint8Array.from(closed),
    periodsPerYear: opts.periodsPerYear,
    riskFreeRate: opts.riskFreeRate,
    ruined,
  });
  return { times, returns, equity, metrics, ruined };
}

/** Traded notional per bar of a backtest, from its fills (|shares| × reference-adjusted price). */
function tradedNotional(t: BacktestResult): Float64Array {
  const out = new Float64Array(t.returns.length);
  const f = t.fills;
  const slip = t.options.costs.slippageBps / 1e4;
  for (let i = 0; i < f.length; i++) {
    const d = f.shares[i];
    // the fill price includes slippage; the ledger counts notional at the reference price
    const ref = d > 0 ? f.price[i] / (1 + slip) : f.price[i] / (1 - slip);
    out[f.bar[i]] += Math.abs(d) * ref;
  }
  return out;
}
