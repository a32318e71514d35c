/** The augmented Dickey-Fuller unit-root test, with statsmodels' lag search. */
import { fitLagsGram, fitLagsQr, NTREND, prepareAdf, type LagFits } from './adfRegression.js';
import { StatsError } from './errors.js';
import { mackinnoncrit, mackinnonp } from './mackinnon.js';
import type { Regression } from './tables.js';
import { requireInteger, requireLength, requireNotConstant, requireOneOf, toSeries } from './validate.js';

/** Lag-selection rule of {@link adfuller}: information criterion, t-stat rule, or none (use maxlag). */
export type Autolag = 'AIC' | 'BIC' | 't-stat' | 'aic' | 'bic' | null;

/** Options of {@link adfuller}. */
export interface AdfOptions {
  /**
   * Largest lag of Δx considered (with `autolag`) or used (without). Default
   * min(⌈12·(n/100)^¼⌉, ⌊n/2⌋ − ntrend − 1), as statsmodels.
   */
  maxlag?: number | null;
  /** Deterministic terms: 'c' constant (default), 'ct' + trend, 'ctt' + quadratic trend, 'n' none. */
  regression?: Regression;
  /** Lag selection (default 'AIC'); null uses exactly `maxlag` lags. */
  autolag?: Autolag;
}

/** Critical values of a unit-root statistic at the 1 %, 5 % and 10 % levels. */
export interface CriticalValues {
  '1%': number;
  '5%': number;
  '10%': number;
}

/** Result of {@link adfuller}. */
export interface AdfResult {
  /** The ADF statistic: the t-value of γ in Δx_t = d_t + γ·x_{t−1} + Σφ_j·Δx_{t−j} + e_t. */
  statistic: number;
  /** MacKinnon (1994) asymptotic p-value of H0: unit root (γ = 0). Small ⇒ mean reverting. */
  pvalue: number;
  /** Number of lagged differences in the reported regression. */
  usedLag: number;
  /** Observations in the reported regression, n − 1 − usedLag. */
  nobs: number;
  /** MacKinnon (2010) critical values for this nobs; reject a unit root when statistic < value. */
  criticalValues: CriticalValues;
  /** Best information criterion (or |t| for 't-stat') from the search sample; null without autolag. */
  icbest: number | null;
  /** The maxlag actually used (the default formula when none was given). */
  maxlag: number;
  /** γ, the coefficient of the lagged level (≈ −(1 − φ) for an AR(1)). */
  gamma: number;
  /** Standard error of γ. */
  gammaSe: number;
}

/** The normal 95 % quantile: statsmodels' stopping threshold for the 't-stat' rule. */
const T_STAT_STOP = 1.6448536269514722;

/**
 * Augmented Dickey-Fuller test of H0: x has a unit root, against stationarity (mean reversion
 * around the deterministic terms). Reproduces statsmodels' `adfuller(x, maxlag, regression, autolag)`:
 *
 * - `autolag` 'AIC'/'BIC': every p = 0..maxlag is fitted on the same sample (the last
 *   n − 1 − maxlag responses); the smallest criterion wins (ties to the smaller p);
 *   't-stat': from p = maxlag down, the first p whose last regressor has |t| ≥ 1.6449.
 *   The chosen p is then re-fitted on the longer sample n − 1 − p, which gives the statistic.
 * - p-value: `mackinnonp(stat, { regression, n: 1 })`; critical values:
 *   `mackinnoncrit({ n: 1, regression, nobs })`.
 *
 * @param x - the series (levels), at least a handful of points more than the lags.
 * @throws StatsError on NaN/±Infinity, a constant series, a maxlag too large for the series
 *   (more than ⌊n/2⌋ − ntrend − 1), or a singular design.
 */
export function adfuller(x: ArrayLike<number>, options: AdfOptions = {}): AdfResult {
  const fn = 'adfuller';
  const xs = toSeries(x, fn, 'x');
  return adfCore(xs, options, fn);
}

/**
 * {@link adfuller} on a validated series; `fn` names the public caller in error messages.
 * `forceQr` skips the Gram fast path (tests compare both paths).
 */
export function adfCore(xs: Float64Array, options: AdfOptions, fn: string, forceQr = false): AdfResult {
  const regression = options.regression ?? 'c';
  requireOneOf(regression, ['n', 'c', 'ct', 'ctt'] as const, fn, 'regression');
  const autolag = options.autolag === undefined ? 'AIC' : options.autolag;
  requireOneOf(autolag, ['AIC', 'BIC', 't-stat', 'aic', 'bic', null] as const, fn, 'autolag');
  const ntrend = NTREND[regression];
  const n = xs.length;
  requireLength(n, ntrend + 4, fn, 'x', `an ADF regression with regression='${regression}'`);
  requireNotConstant(xs, fn, 'x');
  const step = xs[1] - xs[0];
  let straight = true;
  for (let i = 2; i < n && straight; i++) straight = xs[i] - xs[i - 1] === step;
  if (straight) {
    throw new StatsError(
      'x',
      `${fn}: x is a straight line (every difference is ${step}): the ADF regression is degenerate`,
    );
  }
  const limit = Math.floor(n / 2) - ntrend - 1;
  let maxlag: number;
  if (options.maxlag === undefined || options.maxlag === null) {
    maxlag = Math.min(limit, Math.ceil(12 * Math.pow(n / 100, 1 / 4)));
    if (maxlag < 0) {
      throw new StatsError('x', `${fn}: x is too short (${n} observations) for regression='${regression}'`);
    }
  } else {
    requireInteger(options.maxlag, 0, Infinity, fn, 'maxlag');
    maxlag = options.maxlag;
    if (maxlag > limit) {
      throw new StatsError(
        'maxlag',
        `${fn}: x is too short for maxlag=${maxlag}: with ${n} observations and regression='${regression}' ` +
          `maxlag must be at most ⌊n/2⌋ − ${ntrend} − 1 = ${limit}`,
      );
    }
  }
  if (n - 2 - 2 * maxlag - ntrend < 1) {
    throw new StatsError(
      'maxlag',
      `${fn}: x is too short for maxlag=${maxlag}: the regression with ${maxlag} lags and regression='${regression}' ` +
        `would have no residual degrees of freedom (n = ${n})`,
    );
  }
  const data = prepareAdf(xs, regression);
  const fit = (f: number, P: number, levelFirst: boolean): LagFits =>
    (forceQr ? null : fitLagsGram(data, f, P, levelFirst, fn)) ?? fitLagsQr(data, f, P, levelFirst, fn);

  let usedLag = maxlag;
  let icbest: number | null = null;
  if (autolag !== null) {
    const search = fit(maxlag, maxlag, true);
    const N = search.nobs;
    const method = autolag.toLowerCase();
    if (method === 't-stat') {
      for (let p = maxlag; p >= 0; p--) {
        usedLag = p;
        icbest = Math.abs(search.tLast[ntrend + 1 + p]);
        if (icbest >= T_STAT_STOP) break;
      }
    } else {
      const penalty = method === 'aic' ? 2 : Math.log(N);
      let best = Infinity;
      for (let p = 0; p <= maxlag; p++) {
        const k = ntrend + 1 + p;
        // IC = −2·llf + penalty·k with llf = −N/2·(ln 2π + ln(ssr/N) + 1).
        const ic = N * (Math.log(2 * Math.PI) + Math.log(search.ssr[k] / N) + 1) + penalty * k;
        if (ic < best) {
          best = ic;
          usedLag = p;
        }
      }
      icbest = best;
    }
  }
  const final = fit(usedLag, usedLag, false);
  const statistic = final.tLast[ntrend + 1 + usedLag];
  if (Number.isNaN(statistic)) {
    throw new StatsError('x', `${fn}: the ADF regression of x is degenerate (zero residual variance)`);
  }
  const nobs = final.nobs;
  const [c1, c5, c10] = mackinnoncrit({ n: 1, regression, nobs });
  return {
    statistic,
    pvalue: mackinnonp(statistic, { regression, n: 1 }),
    usedLag,
    nobs,
    criticalValues: { '1%': c1, '5%': c5, '10%': c10 },
    icbest,
    maxlag,
    gamma: final.betaLast,
    gammaSe: final.seLast,
  };
}
