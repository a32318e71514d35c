/** Johansen's cointegration rank test, a port of statsmodels' `coint_johansen` (LeSage's johansen.m). */
import { StatsError } from './errors.js';
import {
  backSolveT,
  cholesky,
  firstDependentColumn,
  forwardSolve,
  householderQr,
  lstsqResiduals,
  symmetricEigen,
} from './matrix.js';
import { JOHANSEN_CRIT } from './tables.js';
import { requireInteger, requireOneOf, requireSameLength, toSeries } from './validate.js';

/** Options of {@link johansen}. */
export interface JohansenOptions {
  /** −1: no deterministic terms; 0: demean (constant); 1: remove a linear trend. Default 0. */
  detOrder?: -1 | 0 | 1;
  /** Number of lagged differences in the VECM (default 1). */
  kArDiff?: number;
}

/** Result of {@link johansen}. Index i of each statistic tests H0: rank ≤ i. */
export interface JohansenResult {
  /** Eigenvalues λ₁ ≥ … ≥ λ_m (squared canonical correlations, in [0, 1)). */
  eigenvalues: number[];
  /** Trace statistics −T·Σ_{j≥i} ln(1 − λ_j). */
  traceStatistics: number[];
  /** Maximum-eigenvalue statistics −T·ln(1 − λ_i). */
  maxEigenStatistics: number[];
  /** Critical values of the trace statistics, rows of [90 %, 95 %, 99 %]. */
  traceCriticalValues: number[][];
  /** Critical values of the max-eigenvalue statistics, rows of [90 %, 95 %, 99 %]. */
  maxEigenCriticalValues: number[][];
  /**
   * Cointegrating vectors as **columns** (m×m, `eigenvectors[row][col]`), in eigenvalue order,
   * scaled so vᵀ·Skk·v = 1 and with a positive first entry. Column 0 equals statsmodels'
   * `evec[:, 0]`; the signs of statsmodels' other columns come from LAPACK and may differ.
   * Dividing a column by its first entry gives hedge ratios.
   */
  eigenvectors: number[][];
  /** Effective observations T = n − 1 − kArDiff. */
  nobs: number;
}

/**
 * Johansen test for the number of cointegrating relations among m series, reproducing
 * statsmodels' `coint_johansen(endog, det_order, k_ar_diff)`: deterministic terms are removed by
 * pre-detrending the data (not Johansen's five cases, so numbers differ from R's urca or EViews);
 * the eigenvalues solve Sk0·S00⁻¹·S0k·v = λ·Skk·v. Computed in a symmetric form (Cholesky of
 * Skk, then a Jacobi eigensolver), which is more accurate than the non-symmetric original.
 *
 * @param columns - m series of equal length (a list of columns), 1 ≤ m ≤ 12.
 * @throws StatsError on NaN/±Infinity, mismatched lengths, too few observations for the lags,
 *   or collinear series (singular moment matrices).
 */
export function johansen(
  columns: readonly ArrayLike<number>[],
  options: JohansenOptions = {},
): JohansenResult {
  const fn = 'johansen';
  const detOrder = options.detOrder ?? 0;
  const k = options.kArDiff ?? 1;
  requireOneOf(detOrder, [-1, 0, 1] as const, fn, 'detOrder');
  requireInteger(k, 0, Infinity, fn, 'kArDiff');
  const m = columns.length;
  if (m < 1 || m > 12) throw new StatsError('columns', `${fn}: needs 1 to 12 series (columns), got ${m}`);
  const series = columns.map((c, j) => toSeries(c, fn, `columns[${j}]`));
  const n = series[0].length;
  series.forEach((s, j) => requireSameLength(n, s.length, fn, 'columns[0]', `columns[${j}]`));
  const T = n - 1 - k;
  const f = detOrder > -1 ? 0 : -1;
  const need = k * m + (f + 1) + m + 1;
  if (T < need) {
    throw new StatsError(
      'columns',
      `${fn}: series are too short for kArDiff=${k}: ${n} observations leave ${T} after lags, need at least ${need}`,
    );
  }
  // 1. Y ← detrend(Y, detOrder); ΔY = diff(Y). Column-major n×m.
  let Y: Float64Array = new Float64Array(n * m);
  series.forEach((s, j) => Y.set(s, j * n));
  Y = detrend(Y, n, m, detOrder, fn);
  const dY = new Float64Array((n - 1) * m);
  for (let j = 0; j < m; j++)
    for (let i = 0; i < n - 1; i++) dY[j * (n - 1) + i] = Y[j * n + i + 1] - Y[j * n + i];
  // 2. Z_t = [ΔY_{t−1}, …, ΔY_{t−k}] for ΔY rows t = k … n−2, then detrend(Z, f).
  const kz = k * m;
  let Z: Float64Array = new Float64Array(T * kz);
  for (let lag = 1; lag <= k; lag++) {
    for (let j = 0; j < m; j++) {
      const o = ((lag - 1) * m + j) * T;
      for (let r = 0; r < T; r++) Z[o + r] = dY[j * (n - 1) + k + r - lag];
    }
  }
  Z = detrend(Z, T, kz, f, fn);
  // 3. R0 = resid(detrend(ΔY[k:], f) on Z); Rk = resid(detrend(Y[1 : n−k], f) on Z).
  let d0: Float64Array = new Float64Array(T * m);
  let lk: Float64Array = new Float64Array(T * m);
  for (let j = 0; j < m; j++) {
    for (let r = 0; r < T; r++) {
      d0[j * T + r] = dY[j * (n - 1) + k + r];
      lk[j * T + r] = Y[j * n + 1 + r];
    }
  }
  d0 = detrend(d0, T, m, f, fn);
  lk = detrend(lk, T, m, f, fn);
  let r0 = d0;
  let rk = lk;
  if (kz > 0) {
    const qr = householderQr(Z.slice(), T, kz);
    if (firstDependentColumn(qr) >= 0) {
      throw new StatsError('columns', `${fn}: singular design: the lagged differences are collinear`);
    }
    r0 = lstsqResiduals(qr, d0, m);
    rk = lstsqResiduals(qr, lk, m);
  }
  // 4. S00 = R0ᵀR0/T, Sk0 = RkᵀR0/T, Skk = RkᵀRk/T (row-major m×m).
  const cross = (a: Float64Array, b: Float64Array): Float64Array => {
    const s = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        let acc = 0;
        for (let r = 0; r < T; r++) acc += a[i * T + r] * b[j * T + r];
        s[i * m + j] = acc / T;
      }
    }
    return s;
  };
  const s00 = cross(r0, r0);
  const sk0 = cross(rk, r0);
  const skk = cross(rk, rk);
  // 5. Skk = C Cᵀ, S00 = L0 L0ᵀ; A = (C⁻¹ Sk0 S00⁻¹ S0k C⁻ᵀ) = EᵀE with E = L0⁻¹ (C⁻¹ Sk0)ᵀ.
  const c = cholesky(skk, m);
  const l0 = cholesky(s00, m);
  if (!c || !l0) {
    throw new StatsError(
      'columns',
      `${fn}: singular moment matrix: the series (or their differences) are collinear`,
    );
  }
  const b = forwardSolve(c, m, sk0, m);
  const bt = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) bt[i * m + j] = b[j * m + i];
  const e = forwardSolve(l0, m, bt, m);
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let p = 0; p < m; p++) acc += e[p * m + i] * e[p * m + j];
      a[i * m + j] = acc;
    }
  }
  const { values, vectors } = symmetricEigen(a, m);
  const order = Array.from({ length: m }, (_, i) => i).sort((p, q) => values[q] - values[p]);
  const w = new Float64Array(m * m);
  for (let col = 0; col < m; col++) for (let i = 0; i < m; i++) w[i * m + col] = vectors[i * m + order[col]];
  // V = C⁻ᵀ W, so that Vᵀ Skk V = I.
  const v = backSolveT(c, m, w, m);
  const eigenvalues = order.map((i) => values[i]);
  for (let i = 0; i < m; i++) {
    if (!(eigenvalues[i] < 1)) {
      throw new StatsError(
        'columns',
        `${fn}: eigenvalue ${eigenvalues[i]} ≥ 1: the series are (nearly) collinear`,
      );
    }
    if (eigenvalues[i] < 0) eigenvalues[i] = 0;
  }
  // 6. Statistics.
  const lr2 = eigenvalues.map((lam) => -T * Math.log1p(-lam));
  const lr1 = lr2.map((_, i) => lr2.slice(i).reduce((s, x) => s + x, 0));
  // 7. Critical values: rows for m − i series, columns [90 %, 95 %, 99 %].
  const key = String(detOrder) as '-1' | '0' | '1';
  const cvt = eigenvalues.map((_, i) => [...JOHANSEN_CRIT.traceCSjt[key][m - i - 1]]);
  const cvm = eigenvalues.map((_, i) => [...JOHANSEN_CRIT.maxEigCSja[key][m - i - 1]]);
  const eigenvectors: number[][] = Array.from({ length: m }, () => new Array<number>(m));
  for (let col = 0; col < m; col++) {
    const sign = v[col] < 0 ? -1 : 1;
    for (let i = 0; i < m; i++) eigenvectors[i][col] = sign * v[i * m + col];
  }
  return {
    eigenvalues,
    traceStatistics: lr1,
    maxEigenStatistics: lr2,
    traceCriticalValues: cvt,
    maxEigenCriticalValues: cvm,
    eigenvectors,
    nobs: T,
  };
}

/**
 * LeSage's detrend: residuals of each column (column-major rows×cols) on
 * vander(linspace(−1, 1, rows), order + 1); the input unchanged for order −1.
 */
function detrend(a: Float64Array, rows: number, cols: number, order: number, fn: string): Float64Array {
  if (order < 0 || cols === 0) return a;
  const p = order + 1;
  const v = new Float64Array(rows * p);
  const step = 2 / (rows - 1);
  for (let r = 0; r < rows; r++) {
    const t = r === rows - 1 ? 1 : -1 + r * step;
    for (let d = 0; d < p; d++) v[d * rows + r] = t ** d;
  }
  const qr = householderQr(v, rows, p);
  if (firstDependentColumn(qr) >= 0)
    throw new StatsError('columns', `${fn}: too few observations to detrend`);
  return lstsqResiduals(qr, a, cols);
}
