/** Ornstein-Uhlenbeck half-life of mean reversion. */
import { olsColumns } from './ols.js';
import { requireLength, requireNotConstant, toSeries } from './validate.js';

/** Result of {@link halfLife}. */
export interface HalfLifeResult {
  /** −ln 2/λ in sampling periods (days for daily data). Negative or infinite when λ ≥ 0 (no reversion). */
  halfLife: number;
  /** λ, the slope of Δx_t on x_{t−1}; mean reversion needs −1 < λ < 0 (AR(1) φ = 1 + λ). */
  lambda: number;
  /** The regression constant c. */
  intercept: number;
  /** Standard error of λ. */
  lambdaSe: number;
  /** The level the series reverts to, −c/λ. */
  meanReversionLevel: number;
  /** Observations of the regression, n − 1. */
  nobs: number;
}

/**
 * Half-life of mean reversion by OLS of Δx_t = λ·x_{t−1} + c + e_t (t = 1..n−1), the discrete
 * Ornstein-Uhlenbeck fit of Chan's *Algorithmic Trading*: halfLife = −ln 2/λ. The exact AR(1)
 * mapping −ln 2/ln(1+λ) is slightly smaller; this function reports the conventional form.
 *
 * @throws StatsError on NaN/±Infinity, fewer than 3 points, or a constant series.
 */
export function halfLife(x: ArrayLike<number>): HalfLifeResult {
  const fn = 'halfLife';
  const xs = toSeries(x, fn, 'x');
  const n = xs.length;
  requireLength(n, 4, fn, 'x', 'the half-life regression');
  requireNotConstant(xs, fn, 'x');
  const nobs = n - 1;
  const dy = new Float64Array(nobs);
  const design = new Float64Array(2 * nobs);
  for (let t = 1; t < n; t++) {
    dy[t - 1] = xs[t] - xs[t - 1];
    design[t - 1] = xs[t - 1];
    design[nobs + t - 1] = 1;
  }
  const r = olsColumns(dy, design, nobs, 2, fn);
  const [lambda, intercept] = r.params;
  return {
    halfLife: -Math.LN2 / lambda,
    lambda,
    intercept,
    lambdaSe: r.bse[0],
    meanReversionLevel: -intercept / lambda,
    nobs,
  };
}
