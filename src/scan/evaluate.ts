/**
 * The work of one scan job: a pair's overlapping history, the screens, and a backtest of the
 * survivor, written as one row of numbers. Every executor (in-process, worker threads, queue
 * workers) runs this same code, so results do not depend on the executor.
 *
 * The backtest is exactly `backtest()` of the pair's overlap frame (the bars on which both legs
 * have a close, as `alignFrames` keeps them): for the Kalman pairs family a metrics-only kernel
 * (pairKernel.ts: a loop generated from the strategy's parts and the accounting kernel, in one
 * pass with everything in locals, held equal to `backtest()` by test/scan/pairKernel.test.ts)
 * writes the metrics straight into the row; any other strategy goes through `backtest()` itself.
 */
import { backtest } from '../backtest/engine.js';
import { METRIC_NAMES } from '../execution/metrics.js';
import type { ResolvedBacktestOptions } from '../execution/options.js';
import { PriceFrame, type PriceField } from '../data/frame.js';
import { coint } from '../stats/coint.js';
import { halfLife } from '../stats/halflife.js';
import { olsBeta } from '../stats/spread.js';
import { warmupBars, type StrategySpec } from '../strategy/spec.js';
import { tradingCalendar } from '../data/calendar.js';
import { tradingDays } from '../data/sessions.js';
import { fitsPairKernel, kalmanPairMetrics, KERNEL_SCRATCH_PER_BAR } from './pairKernel.js';
import type { Universe } from './universe.js';

/** Screens applied to a pair's overlap before it is backtested (each optional). */
export interface Screens {
  /** Keep pairs whose legs' daily returns correlate at least this much (Pearson). */
  minCorrelation?: number;
  /** Keep pairs whose Engle-Granger p-value (y on x, statsmodels defaults) is at most this. */
  maxPValue?: number;
  /** Keep pairs whose OLS spread y − βx − α has a half-life (bars) within [min, max]. */
  halfLife?: [number, number];
  /** Keep pairs whose legs' lowest close over the overlap is at least this. */
  minPrice?: number;
  /**
   * Keep pairs whose Benjamini-Hochberg q-value of the Engle-Granger p-value, over every pair
   * tested, is at most this: the expected share of false discoveries among the pairs kept.
   * Applied after every pair is tested (a q-value needs all the p-values).
   */
  maxQValue?: number;
}

/** Everything a worker needs for a run; sent to each worker once. */
export interface TaskContext {
  universe: Universe;
  /** Strategy specs; a job names one by index (a scan has one, a sweep one per grid point). */
  specs: StrategySpec[];
  options: ResolvedBacktestOptions;
  screens: Screens;
  /** Pairs with fewer overlapping bars are skipped (status `short`). */
  minBars: number;
}

/** Ints per job: y symbol, x symbol, spec index, window start, window end (−1: to the end). */
export const JOB = 5;

/** Why a pair has no backtest (or 'ok'). Index = the status code in a row. */
export const STATUS = ['ok', 'short', 'minPrice', 'correlation', 'pvalue', 'halfLife', 'qvalue'] as const;
/** The status of a pair whose q-value is above `maxQValue` (set after the jobs ran). */
export const STATUS_QVALUE = 6;
/** Why a pair has no backtest: a screen it failed, or `'ok'` when it was backtested. */
export type PairStatus = (typeof STATUS)[number];

/** The metrics kept per row, in DESIGN.md's order. */
export const METRIC_KEYS = METRIC_NAMES;

/**
 * Numbers per result row: status, bars, first and last time, correlation, p-value, half-life,
 * OLS β, the metrics, and the time of the bar the account was ruined on (NaN when it was not).
 */
export const ROW = 9 + METRIC_KEYS.length;
export const R_STATUS = 0;
export const R_BARS = 1;
export const R_FIRST = 2;
export const R_LAST = 3;
export const R_CORR = 4;
export const R_PVALUE = 5;
export const R_HALFLIFE = 6;
export const R_BETA = 7;
export const R_METRICS = 8;
export const R_RUIN = R_METRICS + METRIC_KEYS.length;

/**
 * Evaluates jobs against one context. Holds the per-bar buffers (sized to the universe) and
 * reuses them for every pair, so a Kalman-pairs backtest allocates nothing.
 */
export class PairEvaluator {
  readonly #ctx: TaskContext;
  readonly #n: number;
  readonly #first: Int32Array;
  readonly #last: Int32Array;
  readonly #gapless: Uint8Array;
  // gather buffers for legs with gaps inside their overlap
  readonly #y: Float64Array;
  readonly #x: Float64Array;
  readonly #yo: Float64Array;
  readonly #xo: Float64Array;
  readonly #t: Float64Array;
  readonly #d: Float64Array;
  /** Each bar's trading day under the run's calendar (borrow counts the nights between them). */
  readonly #days: Float64Array;
  // scratch: the half-life screen's spread, then the kernel's (KERNEL_SCRATCH_PER_BAR doubles a bar)
  readonly #scratch: Float64Array;
  readonly #fused: boolean[];

  constructor(ctx: TaskContext) {
    this.#ctx = ctx;
    const u = ctx.universe;
    const n = (this.#n = u.times.length);
    const S = u.symbols.length;
    this.#first = new Int32Array(S);
    this.#last = new Int32Array(S);
    this.#gapless = new Uint8Array(S);
    for (let s = 0; s < S; s++) {
      const base = s * n;
      let first = -1,
        last = -1,
        priced = 0;
      for (let t = 0; t < n; t++) {
        if (!Number.isNaN(u.close[base + t])) {
          if (first < 0) first = t;
          last = t;
          priced++;
        }
      }
      this.#first[s] = first;
      this.#last[s] = last;
      this.#gapless[s] = first >= 0 && priced === last - first + 1 ? 1 : 0;
    }
    const f = () => new Float64Array(n);
    this.#y = f();
    this.#x = f();
    this.#yo = f();
    this.#xo = f();
    this.#t = f();
    this.#d = f();
    this.#days = tradingDays(tradingCalendar(ctx.options.calendar), u.times, 0, n, f());
    this.#scratch = new Float64Array(KERNEL_SCRATCH_PER_BAR * n);
    // the fused kernel has no session close-out and counts every bar in its metrics: flattening
    // and a metrics window (metricsFrom, split) run through backtest(), so every pair is scored alike
    const o = ctx.options;
    const plain = !o.flattenAtClose && o.metricsFrom === undefined && o.split === undefined;
    this.#fused = ctx.specs.map((s) => fitsPairKernel(s) && plain);
  }

  /** Evaluates jobs [from, to) of `jobs` into `out` (ROW numbers each, from `out`'s start). */
  run(jobs: Int32Array, out: Float64Array, from = 0, to = jobs.length / JOB): Float64Array {
    for (let k = from; k < to; k++) this.evaluate(jobs, k, out, (k - from) * ROW);
    return out;
  }

  /** One job: writes its row at `out[o …]`. */
  evaluate(jobs: Int32Array, k: number, out: Float64Array, o: number): void {
    const ctx = this.#ctx;
    const u = ctx.universe;
    const n = this.#n;
    const a = jobs[k * JOB];
    const b = jobs[k * JOB + 1];
    const specIndex = jobs[k * JOB + 2];
    const start = jobs[k * JOB + 3];
    const endArg = jobs[k * JOB + 4];
    for (let i = 0; i < ROW; i++) out[o + i] = NaN;
    // the overlap: bars where both legs have a close (what an inner alignFrames keeps)
    let y: Float64Array, x: Float64Array, times: Float64Array, days: Float64Array;
    let yo: Float64Array | null = null,
      xo: Float64Array | null = null;
    const open = u.open;
    if (this.#gapless[a] && this.#gapless[b]) {
      const lo = Math.max(this.#first[a], this.#first[b]);
      const hi = Math.max(lo, Math.min(this.#last[a], this.#last[b]) + 1);
      y = u.close.subarray(a * n + lo, a * n + hi);
      x = u.close.subarray(b * n + lo, b * n + hi);
      times = u.times.subarray(lo, hi);
      days = this.#days.subarray(lo, hi);
      if (open !== null) {
        yo = open.subarray(a * n + lo, a * n + hi);
        xo = open.subarray(b * n + lo, b * n + hi);
      }
    } else {
      const c = u.close;
      let m = 0;
      for (let t = 0; t < n; t++) {
        const py = c[a * n + t];
        const px = c[b * n + t];
        if (Number.isNaN(py) || Number.isNaN(px)) continue;
        this.#y[m] = py;
        this.#x[m] = px;
        this.#t[m] = u.times[t];
        this.#d[m] = this.#days[t];
        if (open !== null) {
          this.#yo[m] = open[a * n + t];
          this.#xo[m] = open[b * n + t];
        }
        m++;
      }
      y = this.#y.subarray(0, m);
      x = this.#x.subarray(0, m);
      times = this.#t.subarray(0, m);
      days = this.#d.subarray(0, m);
      if (open !== null) {
        yo = this.#yo.subarray(0, m);
        xo = this.#xo.subarray(0, m);
      }
    }
    // a window of the overlap (walk-forward)
    const end = endArg < 0 ? y.length : Math.min(endArg, y.length);
    if (start > 0 || end < y.length) {
      y = y.subarray(start, end);
      x = x.subarray(start, end);
      times = times.subarray(start, end);
      days = days.subarray(start, end);
      if (yo !== null) {
        yo = yo.subarray(start, end);
        xo = xo!.subarray(start, end);
      }
    }
    const m = y.length;
    out[o + R_BARS] = m;
    out[o + R_FIRST] = m > 0 ? times[0] : NaN;
    out[o + R_LAST] = m > 0 ? times[m - 1] : NaN;
    const spec = ctx.specs[specIndex];
    if (m < Math.max(ctx.minBars, 3) || warmupBars(spec) >= m) {
      out[o + R_STATUS] = 1;
      return;
    }
    // screens, cheapest first
    const sc = ctx.screens;
    out[o + R_BETA] = olsBeta(y, x, m);
    if (sc.minPrice !== undefined) {
      let lowest = Infinity;
      for (let t = 0; t < m; t++) {
        if (y[t] < lowest) lowest = y[t];
        if (x[t] < lowest) lowest = x[t];
      }
      if (!(lowest >= sc.minPrice)) {
        out[o + R_STATUS] = 2;
        return;
      }
    }
    if (sc.minCorrelation !== undefined) {
      const r = returnCorrelation(y, x, m);
      out[o + R_CORR] = r;
      if (!(r >= sc.minCorrelation)) {
        out[o + R_STATUS] = 3;
        return;
      }
    }
    if (sc.maxPValue !== undefined) {
      let p = NaN;
      try {
        p = coint(y, x).pvalue;
      } catch {
        // constant or collinear legs: no test, the pair does not pass
      }
      out[o + R_PVALUE] = p;
      if (!(p <= sc.maxPValue)) {
        out[o + R_STATUS] = 4;
        return;
      }
    }
    if (sc.halfLife !== undefined) {
      const beta = out[o + R_BETA];
      const alpha = mean(y, m) - beta * mean(x, m);
      const spread = this.#scratch.subarray(0, m);
      for (let t = 0; t < m; t++) spread[t] = y[t] - beta * x[t] - alpha;
      let hl = NaN;
      try {
        hl = halfLife(spread).halfLife;
      } catch {
        // a constant spread has no half-life
      }
      out[o + R_HALFLIFE] = hl;
      if (!(hl >= sc.halfLife[0] && hl <= sc.halfLife[1])) {
        out[o + R_STATUS] = 5;
        return;
      }
    }
    out[o + R_STATUS] = 0;
    if (this.#fused[specIndex]) {
      // the kernel writes the ruin bar after the metrics, at R_RUIN: made a time here
      kalmanPairMetrics(spec, ctx.options, y, x, yo, xo, days, m, this.#scratch, out, o + R_METRICS);
      const ruinBar = out[o + R_RUIN];
      out[o + R_RUIN] = ruinBar >= 0 ? times[ruinBar] : NaN;
      return;
    }
    const r = backtest(pairFrame(u, a, b, y, x, yo, xo, times), spec, {
      ...ctx.options,
      symbols: [u.symbols[a], u.symbols[b]],
    });
    const metrics = r.metrics;
    for (let i = 0; i < METRIC_KEYS.length; i++) out[o + R_METRICS + i] = metrics[METRIC_KEYS[i]];
    out[o + R_RUIN] = r.ruinTime;
  }
}

/** The pair's overlap as a PriceFrame (the frame `backtest()` would be given). */
export function pairFrame(
  u: Universe,
  a: number,
  b: number,
  y: Float64Array,
  x: Float64Array,
  yo: Float64Array | null,
  xo: Float64Array | null,
  times: Float64Array,
): PriceFrame {
  const cols = (c: Float64Array, o: Float64Array | null): Partial<Record<PriceField, Float64Array>> =>
    o === null ? { close: c } : { close: c, open: o };
  return new PriceFrame({
    times,
    columns: new Map([
      [u.symbols[a], cols(y, yo)],
      [u.symbols[b], cols(x, xo)],
    ]),
    source: u.source,
  });
}

function mean(a: Float64Array, m: number): number {
  let s = 0;
  for (let t = 0; t < m; t++) s += a[t];
  return s / m;
}

/** Pearson correlation of the legs' simple returns between consecutive overlap bars. */
function returnCorrelation(y: Float64Array, x: Float64Array, m: number): number {
  let sy = 0,
    sx = 0,
    syy = 0,
    sxx = 0,
    sxy = 0;
  const k = m - 1;
  for (let t = 1; t < m; t++) {
    const ry = y[t] / y[t - 1] - 1;
    const rx = x[t] / x[t - 1] - 1;
    sy += ry;
    sx += rx;
    syy += ry * ry;
    sxx += rx * rx;
    sxy += ry * rx;
  }
  const cov = sxy - (sy * sx) / k;
  const vy = syy - (sy * sy) / k;
  const vx = sxx - (sx * sx) / k;
  return vy > 0 && vx > 0 ? cov / Math.sqrt(vy * vx) : NaN;
}
