/** Ordinary least squares by Householder QR, with statsmodels' `OLS(y, X).fit()` outputs. */
import { StatsError } from './errors.js';
import {
  applyQt,
  axpy,
  diagRtRinv,
  dot,
  firstDependentColumn,
  householderQr,
  solveR,
  sum,
  sumSqDev,
} from './matrix.js';
import { requireLength, requireNotConstant, requireSameLength, toSeries } from './validate.js';

/** Options of {@link ols}. */
export interface OlsOptions {
  /**
   * Append a column of ones as the **last** regressor (default false), so `params` reads
   * `[slope…, intercept]`, the order of the Engle-Granger step-1 regression.
   */
  addConstant?: boolean;
}

/** The fit of {@link ols}; names follow statsmodels' `RegressionResults` in camelCase. */
export interface OlsResult {
  /** Coefficients β, one per column of X (the constant last when `addConstant`). */
  params: number[];
  /** Standard errors sqrt(diag(s²·(XᵀX)⁻¹)) with s² = ssr/dfResid. */
  bse: number[];
  /** t-values β/bse. */
  tvalues: number[];
  /** Residuals y − Xβ. */
  resid: Float64Array;
  /** Sum of squared residuals. */
  ssr: number;
  /** s² = ssr/dfResid. */
  scale: number;
  /** R² = 1 − ssr/Σ(y−ȳ)² with a constant column; the uncentred 1 − ssr/Σy² without one. */
  rsquared: number;
  /** Adjusted R² = 1 − (nobs − kConstant)/dfResid·(1 − R²). */
  rsquaredAdj: number;
  /** Number of observations n. */
  nobs: number;
  /** Residual degrees of freedom n − k. */
  dfResid: number;
  /** Model degrees of freedom k − kConstant. */
  dfModel: number;
  /** 1 if some column is constant and non-zero, else 0. */
  kConstant: number;
  /** Gaussian log-likelihood −n/2·(ln 2π + ln(ssr/n) + 1). */
  llf: number;
  /** Akaike criterion −2·llf + 2k (k counts the coefficients, not σ²). */
  aic: number;
  /** Bayesian criterion −2·llf + ln(n)·k. */
  bic: number;
}

/**
 * Least squares fit of y on the columns of X, by Householder QR (no normal equations, so the
 * ill-conditioned `[1, t, t²]` design keeps about 10 significant digits). Matches statsmodels'
 * `OLS(y, X).fit()` for full-rank designs.
 *
 * @param y - the response, n values.
 * @param X - the design as n rows of k values (`X[i][j]`), or a plain array for one regressor.
 * @throws StatsError on NaN/±Infinity, mismatched lengths, n ≤ k, a constant `y`, or a singular
 *   design (a column that is a linear combination of the others, e.g. two constants).
 */
export function ols(
  y: ArrayLike<number>,
  X: ArrayLike<ArrayLike<number>> | ArrayLike<number>,
  options: OlsOptions = {},
): OlsResult {
  const fn = 'ols';
  const yy = toSeries(y, fn, 'y');
  const n = yy.length;
  requireSameLength(n, X.length, fn, 'y', 'X');
  const addConst = options.addConstant === true;
  const first = X[0];
  const oneColumn = n > 0 && typeof first === 'number';
  const kData = oneColumn ? 1 : n > 0 ? (first as ArrayLike<number>).length : 0;
  const k = kData + (addConst ? 1 : 0);
  if (k === 0) throw new StatsError('X', `${fn}: X has no columns`);
  // Column-major copy of the design, with the finiteness check.
  const a = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const row = X[i];
    if (oneColumn) {
      a[i] = checked(row as number, i, 0);
      continue;
    }
    const r = row as ArrayLike<number>;
    if (!r || r.length !== kData) {
      throw new StatsError('X', `${fn}: X row ${i} has ${r ? r.length : 0} columns, row 0 has ${kData}`);
    }
    for (let j = 0; j < kData; j++) a[j * n + i] = checked(r[j], i, j);
  }
  if (addConst) a.fill(1, kData * n, k * n);
  return olsColumns(yy, a, n, k, fn);
}

function checked(v: number, i: number, j: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new StatsError('X', `ols: X contains ${String(v)} at row ${i}, column ${j}`);
  }
  return v;
}

/**
 * OLS on a validated column-major design (overwritten). Internal entry point shared by the
 * other statistics; `fn` names the public caller in error messages.
 */
export function olsColumns(y: Float64Array, a: Float64Array, n: number, k: number, fn: string): OlsResult {
  requireLength(n, k + 1, fn, 'y', `a regression on ${k} regressor${k === 1 ? '' : 's'}`);
  requireNotConstant(y, fn, 'y');
  const kConstant = hasConstantColumn(a, n, k) ? 1 : 0;
  const design = a.slice();
  const f = householderQr(a, n, k);
  const bad = firstDependentColumn(f);
  if (bad >= 0) {
    throw new StatsError(
      'X',
      `${fn}: singular design: regressor column ${bad} is constant zero or a linear combination of ` +
        `columns 0..${bad - 1} (collinear regressors)`,
    );
  }
  const qty = y.slice();
  applyQt(f, qty);
  const beta = solveR(f, qty);
  // resid = y − Xβ from the original design; ssr = Σ resid².
  const resid = y.slice();
  for (let j = 0; j < k; j++) axpy(-beta[j], design, j * n, resid, 0, n);
  const ssr = dot(resid, 0, resid, 0, n);
  const dfResid = n - k;
  const scale = ssr / dfResid;
  const d = diagRtRinv(f);
  const params = Array.from(beta);
  const bse = params.map((_, j) => Math.sqrt(scale * d[j]));
  const tvalues = params.map((b, j) => b / bse[j]);
  const tss = kConstant === 1 ? sumSqDev(y, sum(y, 0, n) / n) : dot(y, 0, y, 0, n);
  const rsquared = 1 - ssr / tss;
  const rsquaredAdj = 1 - ((n - kConstant) / dfResid) * (1 - rsquared);
  const llf = (-n / 2) * (Math.log(2 * Math.PI) + Math.log(ssr / n) + 1);
  return {
    params,
    bse,
    tvalues,
    resid,
    ssr,
    scale,
    rsquared,
    rsquaredAdj,
    nobs: n,
    dfResid,
    dfModel: k - kConstant,
    kConstant,
    llf,
    aic: -2 * llf + 2 * k,
    bic: -2 * llf + Math.log(n) * k,
  };
}

function hasConstantColumn(a: Float64Array, n: number, k: number): boolean {
  for (let j = 0; j < k; j++) {
    const o = j * n;
    const v = a[o];
    if (v === 0) continue;
    let same = true;
    for (let i = 1; i < n && same; i++) same = a[o + i] === v;
    if (same) return true;
  }
  return false;
}
