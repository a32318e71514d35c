/** MacKinnon (1994) approximate p-values and MacKinnon (2010) critical values for unit-root tests. */
import { StatsError } from './errors.js';
import { normalCdf } from './normal.js';
import { MACKINNON_CRIT, MACKINNON_P, type Regression } from './tables.js';
import { requireInteger, requireOneOf } from './validate.js';

export type { Regression } from './tables.js';

const REGRESSIONS: readonly Regression[] = ['n', 'c', 'ct', 'ctt'];

/** Options of {@link mackinnonp}. */
export interface MackinnonpOptions {
  /** Deterministic terms of the test regression (default 'c'). */
  regression?: Regression;
  /** Number of series: 1 for ADF, 1 + number of regressors for Engle-Granger (1..6, default 1). */
  n?: number;
}

/**
 * Asymptotic p-value of a unit-root (ADF) or Engle-Granger statistic from MacKinnon's (1994)
 * response surfaces, as statsmodels' `mackinnonp(teststat, regression, N)`.
 *
 * τ > τ_max gives exactly 1, τ < τ_min exactly 0 (so −∞ gives 0 and +∞ gives 1; statsmodels
 * returns NaN for +∞ with regression 'n', N = 1). Otherwise p = Φ(polynomial in τ), using the
 * small-p coefficients when τ ≤ τ* and the large-p ones above; p jumps slightly at τ*.
 *
 * @throws StatsError if `stat` is NaN or the options are out of range.
 */
export function mackinnonp(stat: number, options: MackinnonpOptions = {}): number {
  const fn = 'mackinnonp';
  const regression = options.regression ?? 'c';
  const n = options.n ?? 1;
  requireOneOf(regression, REGRESSIONS, fn, 'regression');
  requireInteger(n, 1, 6, fn, 'n');
  if (typeof stat !== 'number' || Number.isNaN(stat)) {
    throw new StatsError('stat', `${fn}: stat must be a number, got ${String(stat)}`);
  }
  if (stat > MACKINNON_P.tauMax[regression][n - 1]) return 1;
  if (stat === Infinity) return 1;
  if (stat < MACKINNON_P.tauMin[regression][n - 1]) return 0;
  const coef =
    stat <= MACKINNON_P.tauStar[regression][n - 1]
      ? MACKINNON_P.smallP[regression][n - 1]
      : MACKINNON_P.largeP[regression][n - 1];
  // Horner's scheme on ascending coefficients.
  let acc = 0;
  for (let i = coef.length - 1; i >= 0; i--) acc = acc * stat + coef[i];
  return normalCdf(acc);
}

/** Options of {@link mackinnoncrit}. */
export interface MackinnoncritOptions {
  /** Number of series (1..12 for 'c', 'ct', 'ctt'; 1 for 'n'). Default 1. */
  n?: number;
  /** Deterministic terms (default 'c'). */
  regression?: Regression;
  /** Sample size T of the response surface; Infinity (default) gives the asymptotic values. */
  nobs?: number;
}

/**
 * Critical values [1 %, 5 %, 10 %] from MacKinnon's (2010) response surfaces
 * crit = β∞ + β₁/T + β₂/T² + β₃/T³, as statsmodels' `mackinnoncrit(N, regression, nobs)`.
 *
 * @throws StatsError for an unknown regression, N out of range or a non-positive nobs.
 */
export function mackinnoncrit(options: MackinnoncritOptions = {}): [number, number, number] {
  const fn = 'mackinnoncrit';
  const regression = options.regression ?? 'c';
  const n = options.n ?? 1;
  const nobs = options.nobs ?? Infinity;
  requireOneOf(regression, REGRESSIONS, fn, 'regression');
  requireInteger(n, 1, regression === 'n' ? 1 : 12, fn, 'n');
  if (typeof nobs !== 'number' || !(nobs > 0)) {
    throw new StatsError('nobs', `${fn}: nobs must be a positive number or Infinity, got ${String(nobs)}`);
  }
  const b = MACKINNON_CRIT[regression][n - 1];
  if (nobs === Infinity) return [b[0][0], b[1][0], b[2][0]];
  const u = 1 / nobs;
  const at = (r: readonly number[]): number => r[0] + u * (r[1] + u * (r[2] + u * r[3]));
  return [at(b[0]), at(b[1]), at(b[2])];
}
