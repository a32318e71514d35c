/**
 * Metrics over a window of a run's bars: the figures from a first bar on (the warm-up left
 * out), and a train/test split's two sets side by side. The run itself is the same; only which
 * bars' returns, exposures and trades the one metrics formula counts changes.
 */
import { KalrevError } from '../errors.js';
import { computeMetrics, type Metrics } from './metrics.js';
import type { Trade } from './ledger.js';

/** A bar given as its index (0-based) or as an ISO date (the first bar at or after it). */
export type BarRef = number | string;

/** A run's metrics over bars [from, to): a train or test set. */
export interface MetricsWindow {
  from: number;
  to: number;
  metrics: Metrics;
}

/** A train/test split's metrics: train [metricsFrom, at), test [at, n). */
export interface SplitMetrics {
  /** The first bar of the test set. */
  at: number;
  train: MetricsWindow;
  test: MetricsWindow;
}

/** A window option names no bar of the data. */
export class WindowError extends KalrevError {
  override name = 'WindowError';
  constructor(
    /** The option that names the bar (`metricsFrom`, `split`); the message starts with it. */
    readonly option: string,
    problem: string,
  ) {
    super(`${option}: ${problem}`);
  }
}

/**
 * The bar index of `ref` in bars stamped `times` (UTC ms): an index as it is, a date as the
 * first bar at or after its midnight UTC.
 * @throws WindowError naming `option` when the bar is outside the data or the date unreadable.
 */
export function resolveBar(ref: BarRef, times: Float64Array, option: string): number {
  const n = times.length;
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref) || ref < 0 || ref >= n)
      throw new WindowError(option, `bar ${ref} is outside the data (bars 0–${n - 1})`);
    return ref;
  }
  const ms = Date.parse(ref.length === 10 ? `${ref}T00:00:00Z` : ref);
  if (Number.isNaN(ms))
    throw new WindowError(option, `${JSON.stringify(ref)} is neither a bar number nor a date (YYYY-MM-DD)`);
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < ms) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= n)
    throw new WindowError(
      option,
      `${ref} is after the last bar (${new Date(times[n - 1]).toISOString().slice(0, 10)})`,
    );
  return lo;
}

/** The per-bar series a window's metrics are computed from. */
export interface WindowSeries {
  returns: Float64Array;
  equity: Float64Array;
  grossExposure: Float64Array;
  tradedNotional: Float64Array;
  trades: readonly Trade[];
  /** The bar the account was ruined on (−1: never). */
  ruinBar: number;
}

/**
 * The metrics of bars [from, to) of a run: its returns, exposures and traded notional on those
 * bars, and the trades that opened on them (a trade still open at `to` counts as open, marked
 * as the run marked it). Ruined when the ruin bar is in the window.
 */
export function windowMetrics(
  s: WindowSeries,
  from: number,
  to: number,
  periodsPerYear: number,
  riskFreeRate: number,
): MetricsWindow {
  const trades = s.trades.filter((t) => t.entryBar >= from && t.entryBar < to);
  const tradePnl = Float64Array.from(trades, (t) => t.pnl);
  const tradeClosed = Uint8Array.from(trades, (t) => (t.closed && t.exitBar < to ? 1 : 0));
  const metrics = computeMetrics({
    returns: s.returns.subarray(from, to),
    equity: s.equity.subarray(from, to),
    grossExposure: s.grossExposure.subarray(from, to),
    tradedNotional: s.tradedNotional.subarray(from, to),
    tradePnl,
    tradeClosed,
    periodsPerYear,
    riskFreeRate,
    ruined: s.ruinBar >= from && s.ruinBar < to,
  });
  return { from, to, metrics };
}
