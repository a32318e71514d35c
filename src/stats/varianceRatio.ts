/** The Lo-MacKinlay (1988) variance-ratio test. */
import { StatsError } from './errors.js';
import { normalSf } from './normal.js';
import { requireInteger, toSeries } from './validate.js';

/** Result of {@link varianceRatio}. */
export interface VarianceRatioResult {
  /** VR(q) = σ²_c/σ²_a: 1 for a random walk, < 1 mean reverting, > 1 trending. */
  ratio: number;
  /** Homoskedastic z-statistic (VR − 1)/sqrt(φ). */
  z: number;
  /** Heteroskedasticity-robust z*-statistic sqrt(T)·(VR − 1)/sqrt(θ). */
  zStar: number;
  /** Two-sided p-value of z, 2·(1 − Φ(|z|)). */
  pvalueZ: number;
  /** Two-sided p-value of z*. */
  pvalueZStar: number;
}

/**
 * Lo-MacKinlay variance ratio of the q-period increments of a level series x_0..x_T (e.g. log
 * prices), with overlapping, bias-corrected q-period variance; T need not be a multiple of q.
 * H0: random walk (VR = 1). Definitions as in the reference README:
 * σ²_a = Σ(d_t)²/(T − 1), σ²_c = Σ(x_t − x_{t−q} − qμ)²/m, m = q(T − q + 1)(1 − q/T),
 * φ = 2(2q − 1)(q − 1)/(3qT), θ = Σ_{j<q} (2(q − j)/q)²·δ_j.
 *
 * @throws StatsError on NaN/±Infinity, q not an integer in [2, T − 1], or constant increments.
 */
export function varianceRatio(x: ArrayLike<number>, q: number): VarianceRatioResult {
  const fn = 'varianceRatio';
  const xs = toSeries(x, fn, 'x');
  const T = xs.length - 1;
  if (T < 3)
    throw new StatsError('x', `${fn}: x is too short: needs at least 4 observations, got ${xs.length}`);
  requireInteger(q, 2, T - 1, fn, 'q');
  const mu = (xs[T] - xs[0]) / T;
  // d_t = x_t − x_{t−1} − μ, stored at d[t − 1].
  const d = new Float64Array(T);
  let s2 = 0;
  for (let t = 1; t <= T; t++) {
    const v = xs[t] - xs[t - 1] - mu;
    d[t - 1] = v;
    s2 += v * v;
  }
  if (!(s2 > 0))
    throw new StatsError('x', `${fn}: the increments of x are constant (no variance to compare)`);
  const sigma2a = s2 / (T - 1);
  const m = q * (T - q + 1) * (1 - q / T);
  let sc = 0;
  for (let t = q; t <= T; t++) {
    const v = xs[t] - xs[t - q] - q * mu;
    sc += v * v;
  }
  const ratio = sc / m / sigma2a;
  const phi = (2 * (2 * q - 1) * (q - 1)) / (3 * q * T);
  let theta = 0;
  for (let j = 1; j < q; j++) {
    let num = 0;
    for (let t = j + 1; t <= T; t++) num += d[t - 1] * d[t - 1] * d[t - j - 1] * d[t - j - 1];
    const delta = (T * num) / (s2 * s2);
    const w = (2 * (q - j)) / q;
    theta += w * w * delta;
  }
  const z = (ratio - 1) / Math.sqrt(phi);
  const zStar = (Math.sqrt(T) * (ratio - 1)) / Math.sqrt(theta);
  return { ratio, z, zStar, pvalueZ: 2 * normalSf(Math.abs(z)), pvalueZStar: 2 * normalSf(Math.abs(zStar)) };
}
