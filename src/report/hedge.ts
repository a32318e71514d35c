/**
 * The hedge ratio's uncertainty for the report. The backtest result carries β_t but not its
 * variance, so for the `kalman-hedge` spread the same filter (same δ, Vₑ, initial covariance and
 * transform) is run once more with `KalmanFilter` to read P_t[0][0], the filtered variance of β_t.
 */
import { KalmanFilter, pairObservationMatrices } from '../kalman/index.js';
import type { StrategySpec } from '../strategy/index.js';

/** β_t and its filtered standard deviation, or null for spreads without a Kalman hedge ratio. */
export function hedgeRatioBand(
  spec: StrategySpec | undefined,
  y: Float64Array,
  x: Float64Array,
): { beta: Float64Array; std: Float64Array } | null {
  if (!spec || spec.spread.type !== 'kalman-hedge') return null;
  const s = spec.spread;
  const tr = s.transform === 'log' ? Math.log : (v: number) => v;
  const n = y.length;
  const ys = new Float64Array(n);
  const xs = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    ys[t] = tr(y[t]);
    xs[t] = tr(x[t]);
  }
  const q = s.delta / (1 - s.delta);
  const c = s.initialCovariance;
  const kf = new KalmanFilter({
    observationMatrices: pairObservationMatrices(xs),
    transitionCovariance: [
      [q, 0],
      [0, q],
    ],
    observationCovariance: [[s.observationVariance]],
    initialStateMean: [0, 0],
    initialStateCovariance: [
      [c, 0],
      [0, c],
    ],
  });
  const f = kf.filter(ys);
  const beta = new Float64Array(n);
  const std = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    beta[t] = f.stateMeans.at(t, 0);
    std[t] = Math.sqrt(Math.max(f.stateCovariances.at(t, 0, 0), 0));
  }
  return { beta, std };
}
