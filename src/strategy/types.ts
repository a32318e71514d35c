/**
 * One bar as a strategy sees it: this bar's prices for each leg, nothing later. The engine
 * and the live runner reuse one Bar object and its arrays from bar to bar, so a strategy must
 * copy what it wants to keep.
 */
export interface Bar {
  /** Position of the bar in its series (0-based). */
  index: number;
  /** Timestamp, UTC ms. */
  time: number;
  /** Close of each leg, in the strategy's leg order (dependent leg first). */
  close: Float64Array;
}

/**
 * An incremental strategy: `step(bar)` consumes one bar and returns the target position in
 * shares per leg after it. The same object runs in the backtester and the live runner.
 */
export interface Strategy {
  /** Number of legs (1 for one asset, 2 for a pair, more for a basket). */
  readonly legs: number;
  /** The target shares per leg after this bar (a view into the strategy's buffer: copy it). */
  step(bar: Bar): Float64Array;
  /** The internal series at the last step, for reports. */
  readonly signal: SignalState;
}

/** What a mean-reversion strategy knows after a bar, recorded per bar for the report. */
export interface SignalState {
  /** The quantity the normaliser scores (spread, forecast error, or fair value). */
  value: number;
  /** z = (value − centre) / scale; NaN while warming up. */
  z: number;
  /** Centre and scale used for z (the band is centre ± entryZ·scale in value units). */
  centre: number;
  scale: number;
  /** Position in units of the spread after this bar. */
  units: number;
  /** Hedge ratio β (pairs), NaN otherwise. */
  hedgeRatio: number;
  /** Kalman fair value (one asset), NaN otherwise. */
  fairValue: number;
}

export { StrategyError } from '../errors.js';
