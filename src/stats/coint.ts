/** The Engle-Granger two-step cointegration test. */
import { adfCore, type Autolag, type CriticalValues } from './adf.js';
import { StatsError } from './errors.js';
import { mackinnoncrit, mackinnonp } from './mackinnon.js';
import { olsColumns } from './ols.js';
import type { Regression } from './tables.js';
import { readSeries, requireOneOf, requireSameLength } from './validate.js';

/** Options of {@link coint}. */
export interface CointOptions {
  /** Deterministic terms of the step-1 (cointegrating) regression: 'c' (default), 'ct', 'ctt', 'n'. */
  trend?: Regression;
  /** maxlag of the residual ADF test (default: the ADF formula with no trend terms). */
  maxlag?: number | null;
  /** Lag selection of the residual ADF test (default 'aic'); null uses exactly maxlag lags. */
  autolag?: Autolag;
}

/** Result of {@link coint}. */
export interface CointResult {
  /** The Engle-Granger statistic: the ADF t-value (no constant) of the step-1 residuals; −∞ if collinear. */
  statistic: number;
  /** MacKinnon (1994) p-value for N = 1 + number of regressors series. Small ⇒ cointegrated. */
  pvalue: number;
  /** MacKinnon (2010) critical values for nobs = n − 1; NaN for trend 'n' (no table exists). */
  criticalValues: CriticalValues;
  /** Step-1 coefficients: one per y1 column (the hedge ratios), then the trend terms. */
  params: number[];
  /** Lags of the residual ADF regression; null when the series are collinear. */
  usedLag: number | null;
}

/** statsmodels' collinearity threshold on the step-1 R²: 1 − 100·sqrt(machine epsilon). */
const COLLINEAR_R2 = 1 - 100 * Math.sqrt(2.220446049250313e-16);

/**
 * Engle-Granger test of H0: no cointegration between y0 and y1 (one series or a list of columns),
 * as statsmodels' `coint(y0, y1, trend, method='aeg', maxlag, autolag)`:
 *
 * 1. OLS of y0 on [y1 columns…, trend terms] (t = 1..n for the trend);
 * 2. ADF (regression 'n') of the residuals with the given maxlag/autolag;
 * 3. p-value `mackinnonp(stat, { regression: trend, n: k })`, critical values
 *    `mackinnoncrit({ n: k, regression: trend, nobs: n − 1 })`, k = 1 + number of y1 columns.
 *
 * If the step-1 R² ≥ 1 − 100·√ε (exactly collinear series), the statistic is −∞ and p = 0, as
 * in statsmodels (which also warns).
 *
 * @throws StatsError on NaN/±Infinity, mismatched lengths, too many columns (k > 6 for the
 *   p-value tables), constant or collinear regressors, or a series too short for the lags.
 */
export function coint(
  y0: ArrayLike<number>,
  y1OrColumns: ArrayLike<number> | readonly ArrayLike<number>[],
  options: CointOptions = {},
): CointResult {
  const fn = 'coint';
  const trend = options.trend ?? 'c';
  requireOneOf(trend, ['n', 'c', 'ct', 'ctt'] as const, fn, 'trend');
  // y0 and the columns are only read (the regression copies what it changes)
  const y = readSeries(y0, fn, 'y0');
  const n = y.length;
  const columns: readonly ArrayLike<number>[] =
    y1OrColumns.length > 0 && typeof y1OrColumns[0] !== 'number'
      ? (y1OrColumns as readonly ArrayLike<number>[])
      : [y1OrColumns as ArrayLike<number>];
  const m = columns.length;
  if (m === 0) throw new StatsError('y1', `${fn}: y1 has no columns`);
  const k = m + 1;
  if (k > 6) {
    throw new StatsError(
      'y1',
      `${fn}: at most 5 regressor series are supported (MacKinnon tables N ≤ 6), got ${m}`,
    );
  }
  const ntrend = trend === 'n' ? 0 : trend.length;
  const K = m + ntrend;
  const design = new Float64Array(n * K);
  columns.forEach((col, j) => {
    const name = m === 1 ? 'y1' : `y1[${j}]`;
    const c = readSeries(col, fn, name);
    requireSameLength(n, c.length, fn, 'y0', name);
    design.set(c, j * n);
  });
  // Trend columns 1, t, t² with t = 1..n, after the y1 columns.
  if (ntrend > 0) design.fill(1, m * n, (m + 1) * n);
  for (let i = 0; i < n && ntrend > 1; i++) design[(m + 1) * n + i] = i + 1;
  for (let i = 0; i < n && ntrend > 2; i++) design[(m + 2) * n + i] = (i + 1) * (i + 1);
  const step1 = olsColumns(y, design, n, K, fn);
  const [c1, c5, c10] =
    trend === 'n' ? [NaN, NaN, NaN] : mackinnoncrit({ n: k, regression: trend, nobs: n - 1 });
  const criticalValues = { '1%': c1, '5%': c5, '10%': c10 };
  if (step1.rsquared >= COLLINEAR_R2) {
    return { statistic: -Infinity, pvalue: 0, criticalValues, params: step1.params, usedLag: null };
  }
  const adf = adfCore(
    step1.resid,
    {
      maxlag: options.maxlag,
      regression: 'n',
      autolag: options.autolag === undefined ? 'aic' : options.autolag,
    },
    fn,
  );
  return {
    statistic: adf.statistic,
    pvalue: mackinnonp(adf.statistic, { regression: trend, n: k }),
    criticalValues,
    params: step1.params,
    usedLag: adf.usedLag,
  };
}
