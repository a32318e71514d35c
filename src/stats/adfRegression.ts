/**
 * The ADF regressions Δx_t = d_t + γ·x_{t−1} + Σ_{j≤p} φ_j·Δx_{t−j} + e_t, fitted for every lag
 * p at once. Internal to `stats`.
 *
 * Fast path: the cross-product (Gram) matrix of [trend, x_{t−1}, Δx_{t−1..t−P}, Δx_t] is built
 * from P+1 lagged dot products plus O(P²) sliding updates (the lag columns are shifted copies of
 * one series), then one Cholesky factorisation L of that augmented matrix gives, for every prefix
 * of k columns, ssr_k = L[y][y]² + Σ_{j≥k} L[y][j]² and the t-value of the prefix's last column,
 * L[y][k−1]/sqrt(ssr_k/(N−k)). Before that, the data are shifted by constants (absorbed by the
 * constant term) and the trend columns are replaced by orthogonal polynomials spanning the same
 * space; γ, its standard error and every ssr are invariant to both, and the Gram matrix stays
 * well conditioned. If a pivot still says the design is ill-conditioned, the caller falls back
 * to Householder QR on explicit columns (the slow path, also used by the tests as a cross-check).
 */
import { StatsError } from './errors.js';
import { dot, lagProducts, sum } from './matrix.js';
import { olsColumns } from './ols.js';
import type { Regression } from './tables.js';

/** Number of deterministic columns for each regression. */
export const NTREND: Readonly<Record<Regression, number>> = { n: 0, c: 1, ct: 2, ctt: 3 };

/** Below this pivot ratio (squared sine of the angle to earlier columns) the Gram path is not trusted. */
const ILL_CONDITIONED = 1e-7;

/** A series prepared for the ADF regressions (levels and differences, possibly shifted). */
export interface AdfData {
  /** Length of the series. */
  n: number;
  /** Number of deterministic columns (0..3). */
  ntrend: number;
  /** Levels x[0..n−1], shifted by a constant when a constant term is present. */
  level: Float64Array;
  /** Differences Δ[i] = x[i+1] − x[i], i = 0..n−2, shifted likewise. */
  diff: Float64Array;
  /** The constant subtracted from the differences (so level[i+1] = level[i] + diff[i] + shift). */
  shift: number;
  /** Unshifted copies for the slow path. */
  rawLevel: Float64Array;
  rawDiff: Float64Array;
}

/** Prepares a validated series for {@link fitLagsGram} and {@link fitLagsQr}. */
export function prepareAdf(x: Float64Array, regression: Regression): AdfData {
  const n = x.length;
  const ntrend = NTREND[regression];
  const rawDiff = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) rawDiff[i] = x[i + 1] - x[i];
  let level = x;
  let diff = rawDiff;
  let shift = 0;
  if (ntrend > 0) {
    let mx = 0;
    for (let i = 0; i < n; i++) mx += x[i];
    mx /= n;
    let md = 0;
    for (let i = 0; i < n - 1; i++) md += rawDiff[i];
    md /= n - 1;
    shift = md;
    level = new Float64Array(n);
    diff = new Float64Array(n - 1);
    for (let i = 0; i < n; i++) level[i] = x[i] - mx;
    for (let i = 0; i < n - 1; i++) diff[i] = rawDiff[i] - md;
  }
  return { n, ntrend, level, diff, shift, rawLevel: x, rawDiff };
}

/** Per-prefix results of one factored regression sample. */
export interface LagFits {
  /** Observations in the sample. */
  nobs: number;
  /** Sum of squared residuals for prefixes of k = 1..K columns (index k). */
  ssr: Float64Array;
  /** t-value of the last column of each prefix (index k). */
  tLast: Float64Array;
  /** Coefficient and standard error of the last column of the full design. */
  betaLast: number;
  seLast: number;
}

/**
 * Fits the sample of the last N = n−1−f responses (first response Δ[f]) with P lags, in one of two
 * column orders: `levelFirst` = [trend, x_{t−1}, Δ lags 1..P] (the lag search: every prefix is
 * the regression with fewer lags) or not = [trend, Δ lags 1..P, x_{t−1}] (the final regression:
 * the last column is γ). Returns null if the Gram path is ill-conditioned.
 */
export function fitLagsGram(
  data: AdfData,
  f: number,
  P: number,
  levelFirst: boolean,
  fn: string,
): LagFits | null {
  const { n, ntrend: d, level: L, diff: D } = data;
  const N = n - 1 - f;
  const K = d + 1 + P;
  const M = K + 1;
  const g = new Float64Array(M * M);
  const lagIdx = (j: number): number => (j === 0 ? K : levelFirst ? d + j : d + j - 1);
  const levIdx = levelFirst ? d : d + P;
  const set = (i: number, j: number, v: number): void => {
    g[i * M + j] = v;
    g[j * M + i] = v;
  };
  // A(0, h) = Σ_r Δ[f+r]·Δ[f+r−h]: the lag-h cross product with the response.
  const a = new Float64Array((P + 1) * (P + 1));
  lagProducts(D, f, N, P, a);
  // A(j+1, l+1) = A(j, l) − Δ[f+N−1−j]Δ[f+N−1−l] + Δ[f−1−j]Δ[f−1−l]  (slide the window back one step).
  for (let j = 0; j < P; j++) {
    for (let l = j; l < P; l++) {
      a[(j + 1) * (P + 1) + l + 1] =
        a[j * (P + 1) + l] - D[f + N - 1 - j] * D[f + N - 1 - l] + D[f - 1 - j] * D[f - 1 - l];
    }
  }
  for (let j = 0; j <= P; j++) for (let l = j; l <= P; l++) set(lagIdx(j), lagIdx(l), a[j * (P + 1) + l]);
  // Level column x_{t−1} = L[f+r]: its square and its products B(h) with every Δ lag. Since
  // L[i+1] = L[i] + Δ[i] + shift, B(h+1) = B(h) + L[f−1]Δ[f−1−h] − L[f+N−1]Δ[f+N−1−h]
  //   + A(1, h+1) + shift·S(h+1), where S(h) = Σ_r Δ[f+r−h] (window sums).
  set(levIdx, levIdx, dot(L, f, L, f, N));
  const sums = new Float64Array(P + 1);
  sums[0] = sum(D, f, N);
  for (let h = 1; h <= P; h++) sums[h] = sums[h - 1] + D[f - h] - D[f + N - h];
  let b = dot(L, f, D, f, N);
  set(levIdx, lagIdx(0), b);
  for (let h = 0; h < P; h++) {
    b +=
      L[f - 1] * D[f - 1 - h] - L[f + N - 1] * D[f + N - 1 - h] + a[P + 1 + h + 1] + data.shift * sums[h + 1];
    set(levIdx, lagIdx(h + 1), b);
  }
  if (d > 0) trendBlock(g, M, d, f, N, P, L, D, levIdx, lagIdx, sums);
  // Cholesky of the augmented Gram matrix, in place (lower triangle).
  let minRatio = Infinity;
  for (let j = 0; j < M; j++) {
    const gjj = g[j * M + j];
    let s = gjj;
    for (let p = 0; p < j; p++) s -= g[j * M + p] * g[j * M + p];
    if (j < K) {
      const ratio = gjj > 0 ? s / gjj : 0;
      if (!(ratio > 1e-13)) {
        throw new StatsError(
          'x',
          `${fn}: singular design: the ${columnName(j, d, levIdx, levelFirst)} column is a linear combination of ` +
            `the earlier regressors (a constant or perfectly trending series?)`,
        );
      }
      if (ratio < minRatio) minRatio = ratio;
    }
    const ljj = Math.sqrt(Math.max(s, 0));
    g[j * M + j] = ljj;
    for (let i = j + 1; i < M; i++) {
      let t = g[i * M + j];
      for (let p = 0; p < j; p++) t -= g[i * M + p] * g[j * M + p];
      g[i * M + j] = t / ljj;
    }
  }
  if (minRatio < ILL_CONDITIONED) return null;
  const yRow = K * M;
  const ssr = new Float64Array(K + 1);
  const tLast = new Float64Array(K + 1);
  let acc = g[yRow + K] * g[yRow + K];
  ssr[K] = acc;
  for (let k = K; k >= 1; k--) {
    ssr[k] = acc;
    tLast[k] = g[yRow + k - 1] / Math.sqrt(acc / (N - k));
    acc += g[yRow + k - 1] * g[yRow + k - 1];
  }
  const sigma = Math.sqrt(ssr[K] / (N - K));
  const rkk = g[(K - 1) * M + K - 1];
  return { nobs: N, ssr, tLast, betaLast: g[yRow + K - 1] / rkk, seLast: sigma / rkk };
}

function columnName(j: number, d: number, levIdx: number, levelFirst: boolean): string {
  if (j < d) return ['constant', 'linear trend', 'quadratic trend'][j];
  if (j === levIdx) return 'lagged level x[t-1]';
  return `lagged difference Δx[t-${levelFirst ? j - d : j - d + 1}]`;
}

/**
 * Fills the trend rows of the Gram matrix with orthogonal polynomials in s = 1..N:
 * u0 = 1, u1 = s − s̄, u2 = u1² − mean(u1²).
 */
function trendBlock(
  g: Float64Array,
  M: number,
  d: number,
  f: number,
  N: number,
  P: number,
  L: Float64Array,
  D: Float64Array,
  levIdx: number,
  lagIdx: (j: number) => number,
  sums: Float64Array,
): void {
  if (d === 1) {
    // Constant only: Σ1 = N, Σ L, and the window sums of Δ.
    g[0] = N;
    const sl = sum(L, f, N);
    g[levIdx] = sl;
    g[levIdx * M] = sl;
    for (let h = 0; h <= P; h++) {
      g[lagIdx(h)] = sums[h];
      g[lagIdx(h) * M] = sums[h];
    }
    return;
  }
  const sbar = (N + 1) / 2;
  const m2 = (N * N - 1) / 12;
  const u = new Float64Array(d * N);
  for (let r = 0; r < N; r++) {
    u[r] = 1;
    if (d > 1) {
      const c = r + 1 - sbar;
      u[N + r] = c;
      if (d > 2) u[2 * N + r] = c * c - m2;
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      let s = 0;
      for (let r = 0; r < N; r++) s += u[a * N + r] * u[b * N + r];
      g[a * M + b] = s;
      g[b * M + a] = s;
    }
    const s = dot(u, a * N, L, f, N);
    g[a * M + levIdx] = s;
    g[levIdx * M + a] = s;
  }
  // Constant × Δ lag h: the window sums.
  for (let h = 0; h <= P; h++) {
    g[lagIdx(h)] = sums[h];
    g[lagIdx(h) * M] = sums[h];
  }
  for (let a = 1; a < d; a++) {
    for (let h = 0; h <= P; h++) {
      const s = dot(u, a * N, D, f - h, N);
      g[a * M + lagIdx(h)] = s;
      g[lagIdx(h) * M + a] = s;
    }
  }
}

/**
 * The slow path: the same regressions by Householder QR on explicit columns, with statsmodels'
 * raw trend columns 1, s, s². Same output as {@link fitLagsGram}.
 */
export function fitLagsQr(data: AdfData, f: number, P: number, levelFirst: boolean, fn: string): LagFits {
  const { n, ntrend: d, rawLevel: x, rawDiff: D } = data;
  const N = n - 1 - f;
  const K = d + 1 + P;
  const y = D.subarray(f, f + N);
  const ssr = new Float64Array(K + 1);
  const tLast = new Float64Array(K + 1);
  let betaLast = NaN;
  let seLast = NaN;
  const kFrom = levelFirst ? d + 1 : K;
  for (let k = kFrom; k <= K; k++) {
    const cols = new Float64Array(N * k);
    let c = 0;
    for (let t = 0; t < d; t++, c++) for (let r = 0; r < N; r++) cols[c * N + r] = (r + 1) ** t;
    const order: number[] = [];
    if (levelFirst) {
      order.push(0);
      for (let j = 1; j <= k - d - 1; j++) order.push(j);
    } else {
      for (let j = 1; j <= P; j++) order.push(j);
      order.push(0);
    }
    for (const j of order) {
      for (let r = 0; r < N; r++) cols[c * N + r] = j === 0 ? x[f + r] : D[f + r - j];
      c++;
    }
    const res = olsColumns(y.slice(), cols, N, k, fn);
    ssr[k] = res.ssr;
    tLast[k] = res.tvalues[k - 1];
    if (k === K) {
      betaLast = res.params[K - 1];
      seLast = res.bse[K - 1];
    }
  }
  return { nobs: N, ssr, tLast, betaLast, seLast };
}
