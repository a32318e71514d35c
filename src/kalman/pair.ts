/**
 * The pairs model, in one place: the dynamic regression y_t = β_t x_t + α_t + ε_t of Chan,
 * *Algorithmic Trading* (2013), Example 3.3. The state [β, α] is a random walk with covariance
 * δ/(1−δ)·I, the observation row is [x_t, 1] and Var ε = Vₑ. The strategy, the backtester's and
 * the scan's loops, the report and the sweep all run this model through the functions below, so
 * every path filters a pair with the same arithmetic.
 */
import { KalmanModelError } from './errors.js';
import type { KalmanModelInput, ShapedArray } from './types.js';

/**
 * δ → q = δ/(1−δ), the variance per bar of each state component's random walk (Chan's
 * parameterisation: δ near 0 is a hedge ratio that barely moves, δ near 1 one that follows
 * every bar).
 * @throws KalmanModelError naming `delta` unless 0 < δ < 1.
 */
export function pairTransitionVariance(delta: number): number {
  if (!(delta > 0 && delta < 1)) throw new KalmanModelError('delta', `must be in (0, 1), got ${delta}`);
  return delta / (1 - delta);
}

/** q → δ = q/(1+q), the inverse of {@link pairTransitionVariance} (for a learned q). */
export function pairDelta(transitionVariance: number): number {
  return transitionVariance / (1 + transitionVariance);
}

/** The observation row [x_t, 1] of the pairs model, written into `out` at `offset`. */
export function pairObservationRow(x: number, out: Float64Array, offset = 0): void {
  out[offset] = x;
  out[offset + 1] = 1;
}

/**
 * Per-step observation matrices C_t = [[x_t, 1]] (n×1×2) for the dynamic regression
 * y_t = β_t x_t + α_t, whose state is [β, α]: the hedge-ratio model of a pair (y on x).
 * @throws KalmanModelError naming `x` for a value that is not finite.
 */
export function pairObservationMatrices(x: ArrayLike<number>): ShapedArray {
  const n = x.length;
  const data = new Float64Array(2 * n);
  for (let t = 0; t < n; t++) {
    const v = x[t];
    if (!Number.isFinite(v)) throw new KalmanModelError('x', `must be finite, got ${v} at [${t}]`);
    pairObservationRow(v, data, 2 * t);
  }
  return { data, shape: [n, 1, 2] };
}

/** Parameters of the pairs model. */
export interface PairModelOptions {
  /** δ: how fast β and α may drift; the state noise is δ/(1−δ)·I. */
  delta: number;
  /** Vₑ: variance of the observation noise. */
  observationVariance: number;
  /** The initial covariance of [β, α] is this times I (Chan uses 0); the initial state is 0. */
  initialCovariance: number;
}

/**
 * The pairs model on the hedge leg's series `x` as a {@link KalmanFilter} model, for what the
 * step below does not do (smoothing, EM, the log-likelihood).
 */
export function pairModel(x: ArrayLike<number>, options: PairModelOptions): KalmanModelInput {
  const q = pairTransitionVariance(options.delta);
  const c = options.initialCovariance;
  return {
    observationMatrices: pairObservationMatrices(x),
    transitionCovariance: [
      [q, 0],
      [0, q],
    ],
    observationCovariance: options.observationVariance,
    initialStateMean: [0, 0],
    initialStateCovariance: [
      [c, 0],
      [0, c],
    ],
  };
}

/** Slot of β_t, the hedge ratio, in the pairs filter's state (see {@link createPairState}). */
export const PAIR_BETA = 0;
/** Slot of α_t, the intercept. */
export const PAIR_ALPHA = 1;
/** Filtered variance of β_t, P_t[0][0]. */
export const PAIR_VAR_BETA = 2;
/** The last step's forecast error e_t = y_t − (β⁻ x_t + α⁻). */
export const PAIR_E = 8;
/** The last step's forecast variance Q_t = c P⁻ cᵀ + Vₑ. */
export const PAIR_Q = 9;

/**
 * The pairs filter's state in one typed array (V8 boxes doubles held in object fields):
 * [β, α, p00, p01, p11, δ/(1−δ), Vₑ, started, e_t, Q_t], starting from [β, α] = 0 with
 * covariance `initialCovariance`·I.
 * @throws KalmanModelError naming `delta` unless 0 < δ < 1.
 */
export function createPairState(
  delta: number,
  observationVariance: number,
  initialCovariance: number,
): Float64Array {
  const s = new Float64Array(10);
  s[2] = initialCovariance;
  s[4] = initialCovariance;
  s[5] = pairTransitionVariance(delta);
  s[6] = observationVariance;
  return s;
}

/**
 * One step of the pairs filter, in place: predict P⁻ = P + δ/(1−δ)·I (not before the first
 * bar: the prior is the initial state, as in pykalman), then update with the row c = [x, 1]
 * and the observation y. Leaves e_t and Q_t in slots {@link PAIR_E} and {@link PAIR_Q}.
 * Every path that filters a pair calls this (or is generated from it): the operation order
 * fixes the results to the last bit, so it must not be rewritten in one place only.
 */
export function pairStep(s: Float64Array, x: number, y: number): void {
  // every slot is read once and written once: V8 keeps a typed array's values in memory across
  // the caller's loop, so fewer round trips through it are a shorter loop-carried chain
  let p00 = s[2],
    p01 = s[3],
    p11 = s[4],
    beta = s[0],
    alpha = s[1];
  const started = s[7] !== 0,
    q = s[5],
    ve = s[6];
  // The step on the state in locals (p00, p01, p11, beta, alpha; q, ve; the flag `started`),
  // leaving e and Qt: the region the scan's fused kernel is generated from (scripts/fuse).
  // @fuse-begin pair-step
  if (started) {
    p00 += q;
    p11 += q;
  }
  // g = P⁻ cᵀ, Q_t = c P⁻ cᵀ + Vₑ, e = y − (β⁻ x + α⁻)
  const g0 = p00 * x + p01;
  const g1 = p01 * x + p11;
  const Qt = x * g0 + g1 + ve;
  const e = y - (beta * x + alpha);
  // K = g / Q_t, state += K e, P = P⁻ − g gᵀ / Q_t
  const invQ = 1 / Qt;
  beta = beta + g0 * invQ * e;
  alpha = alpha + g1 * invQ * e;
  const n00 = p00 - g0 * g0 * invQ;
  const n01 = p01 - g0 * g1 * invQ;
  p11 = p11 - g1 * g1 * invQ;
  p00 = n00;
  p01 = n01;
  // @fuse-end pair-step
  s[0] = beta;
  s[1] = alpha;
  s[2] = p00;
  s[3] = p01;
  s[4] = p11;
  s[7] = 1;
  s[8] = e;
  s[9] = Qt;
}

/**
 * A bar without an observation: the predict half of {@link pairStep} only (the state drifts,
 * nothing is learned); e_t and Q_t become NaN.
 */
export function pairSkip(s: Float64Array): void {
  if (s[7] !== 0) {
    s[2] += s[5];
    s[4] += s[5];
  }
  s[7] = 1;
  s[8] = NaN;
  s[9] = NaN;
}
