import { KalmanModelError } from './errors.js';
import { createPairState, PAIR_ALPHA, PAIR_BETA, PAIR_E, PAIR_Q, pairSkip, pairStep } from './pair.js';

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
 * [x_t, 1], observation variance Vₑ, and a zero initial state with zero covariance (the
 * pairs model of `pairStep`, as the `kalman-pair` strategy filters it). Every value at t uses
 * data up to t only. A NaN in x or y is a missing day: the state drifts without an update and
 * e_t and √Q_t are NaN.
 * @throws KalmanModelError naming `delta`, `observationVariance` or `x` for a bad value.
 */
export function dynamicHedgeRatio(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: HedgeRatioOptions = {},
): HedgeRatioPath {
  const delta = options.delta ?? 1e-4;
  const ve = options.observationVariance ?? 1e-3;
  if (!(ve > 0 && Number.isFinite(ve)))
    throw new KalmanModelError('observationVariance', `must be a positive number, got ${ve}`);
  if (x.length !== y.length)
    throw new KalmanModelError('x', `has ${x.length} values but y has ${y.length}; the legs must be aligned`);
  const s = createPairState(delta, ve, 0);
  const n = y.length;
  const beta = new Float64Array(n);
  const alpha = new Float64Array(n);
  const forecastError = new Float64Array(n);
  const forecastStd = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const xt = x[t];
    const yt = y[t];
    if (Number.isNaN(xt) || Number.isNaN(yt)) pairSkip(s);
    else {
      if (!Number.isFinite(xt)) throw new KalmanModelError('x', `must be finite, got ${xt} at [${t}]`);
      if (!Number.isFinite(yt)) throw new KalmanModelError('y', `must be finite, got ${yt} at [${t}]`);
      pairStep(s, xt, yt);
    }
    beta[t] = s[PAIR_BETA];
    alpha[t] = s[PAIR_ALPHA];
    forecastError[t] = s[PAIR_E];
    forecastStd[t] = Math.sqrt(s[PAIR_Q]);
  }
  return { beta, alpha, forecastError, forecastStd };
}
