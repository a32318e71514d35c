import { KalmanModelError } from './errors.js';
import { pairObservationMatrices } from './helpers.js';
import { KalmanFilter } from './KalmanFilter.js';

/** Options of {@link dynamicHedgeRatio}. */
export interface HedgeRatioOptions {
  /** δ: how fast β and α may drift; the state noise is δ/(1−δ)·I (default 1e-4, Chan's). */
  delta?: number;
  /** Vₑ: variance of the observation noise (default 1e-3, Chan's). */
  observationVariance?: number;
}

/** The filtered path of the dynamic regression y_t = β_t x_t + α_t + ε_t. */
export interface HedgeRatioPath {
  /** β_t, the hedge ratio (shares of x per share of y), filtered on data up to t. */
  beta: Float64Array;
  /** α_t, the intercept. */
  alpha: Float64Array;
  /** e_t = y_t − (β⁻_t x_t + α⁻_t): the one-step forecast error (the tradable spread deviation). */
  forecastError: Float64Array;
  /** √Q_t, the standard deviation of e_t predicted before y_t is seen. */
  forecastStd: Float64Array;
}

/**
 * The Kalman dynamic hedge ratio of y on x as in Chan, *Algorithmic Trading* (2013),
 * Example 3.3: state [β, α] a random walk with covariance δ/(1−δ)·I, observation row
 * [x_t, 1], observation variance Vₑ, and a zero initial state with zero covariance.
 * Every value at t uses data up to t only. A NaN in x or y is a missing day (no update).
 */
export function dynamicHedgeRatio(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: HedgeRatioOptions = {},
): HedgeRatioPath {
  const delta = options.delta ?? 1e-4;
  const ve = options.observationVariance ?? 1e-3;
  if (!(delta > 0 && delta < 1)) throw new KalmanModelError('delta', `must be in (0, 1), got ${delta}`);
  if (!(ve > 0 && Number.isFinite(ve)))
    throw new KalmanModelError('observationVariance', `must be a positive number, got ${ve}`);
  if (x.length !== y.length)
    throw new KalmanModelError('x', `has ${x.length} values but y has ${y.length}; the legs must be aligned`);
  const n = y.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const missing = Number.isNaN(x[t]) || Number.isNaN(y[t]);
    xs[t] = missing ? 0 : x[t];
    ys[t] = missing ? NaN : y[t];
  }
  const q = delta / (1 - delta);
  const kf = new KalmanFilter({
    observationMatrices: pairObservationMatrices(xs),
    transitionCovariance: [
      [q, 0],
      [0, q],
    ],
    observationCovariance: ve,
    initialStateCovariance: [
      [0, 0],
      [0, 0],
    ],
  });
  const r = kf.filter(ys, { predicted: true, covariances: false });
  const pm = r.predictedStateMeans!.data;
  const pc = r.predictedStateCovariances!.data;
  const beta = r.stateMeans.component(0);
  const alpha = r.stateMeans.component(1);
  const forecastError = new Float64Array(n);
  const forecastStd = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const c0 = xs[t];
    // Q_t = c P⁻ cᵀ + Vₑ with c = [x_t, 1]
    const Q = c0 * c0 * pc[4 * t] + 2 * c0 * pc[4 * t + 1] + pc[4 * t + 3] + ve;
    forecastStd[t] = Math.sqrt(Q);
    forecastError[t] = ys[t] - (pm[2 * t] * c0 + pm[2 * t + 1]);
  }
  return { beta, alpha, forecastError, forecastStd };
}
