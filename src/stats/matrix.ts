/**
 * Small dense float64 helpers private to `stats`: Householder QR least squares, Cholesky and
 * a Jacobi symmetric eigensolver. Matrices are column-major Float64Arrays: element (i, j) of an
 * n×k matrix `a` is `a[j * n + i]`.
 */
import { symmetricEigen as jacobiEigen } from '../linalg/dense.js';

/** Machine epsilon of float64. */
export const EPS = 2.220446049250313e-16;

/** Σ_{r<len} a[ia + r]·b[ib + r], with four partial sums (the loop is latency-bound otherwise). */
export function dot(a: Float64Array, ia: number, b: Float64Array, ib: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = ia;
  let j = ib;
  const end = ia + len;
  for (; i + 3 < end; i += 4, j += 4) {
    s0 += a[i] * b[j];
    s1 += a[i + 1] * b[j + 1];
    s2 += a[i + 2] * b[j + 2];
    s3 += a[i + 3] * b[j + 3];
  }
  for (; i < end; i++, j++) s0 += a[i] * b[j];
  return s0 + s1 + (s2 + s3);
}

/** Σ_{r<len} a[ia + r], with four partial sums. */
export function sum(a: Float64Array, ia: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = ia;
  const end = ia + len;
  for (; i + 3 < end; i += 4) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
  }
  for (; i < end; i++) s0 += a[i];
  return s0 + s1 + (s2 + s3);
}

/** Σ (a[i] − c)² over the whole array, with four partial sums. */
export function sumSqDev(a: Float64Array, c: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end = a.length;
  for (; i + 3 < end; i += 4) {
    const d0 = a[i] - c;
    const d1 = a[i + 1] - c;
    const d2 = a[i + 2] - c;
    const d3 = a[i + 3] - c;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < end; i++) s0 += (a[i] - c) * (a[i] - c);
  return s0 + s1 + (s2 + s3);
}

/** b[ib + r] += alpha·a[ia + r] for r < len. */
export function axpy(
  alpha: number,
  a: Float64Array,
  ia: number,
  b: Float64Array,
  ib: number,
  len: number,
): void {
  const end = ia + len;
  for (let i = ia, j = ib; i < end; i++, j++) b[j] += alpha * a[i];
}

/**
 * Lagged cross products out[h] = Σ_{i=f}^{f+len−1} d[i]·d[i−h] for h = 0..maxLag (needs f ≥ maxLag),
 * four lags per pass over the data (each d[i] is loaded once for four independent sums).
 */
export function lagProducts(
  d: Float64Array,
  f: number,
  len: number,
  maxLag: number,
  out: Float64Array,
): void {
  const end = f + len;
  let h = 0;
  for (; h + 3 <= maxLag; h += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = f, j = f - h; i < end; i++, j++) {
      const v = d[i];
      s0 += v * d[j];
      s1 += v * d[j - 1];
      s2 += v * d[j - 2];
      s3 += v * d[j - 3];
    }
    out[h] = s0;
    out[h + 1] = s1;
    out[h + 2] = s2;
    out[h + 3] = s3;
  }
  for (; h <= maxLag; h++) out[h] = dot(d, f, d, f - h, len);
}

/** A Householder QR factorisation of an n×k matrix (k ≤ n), as in LAPACK's compact form. */
export interface QR {
  /** Rows of the factored matrix. */
  n: number;
  /** Columns of the factored matrix. */
  k: number;
  /** Householder vectors below and on the diagonal, R strictly above it (column-major n×k). */
  qr: Float64Array;
  /** Diagonal of R. */
  rdiag: Float64Array;
  /** Euclidean norm of each original column (for the rank test). */
  colNorm: Float64Array;
}

/**
 * Factors the column-major n×k matrix `a` (overwritten) as A = QR. Does not pivot: columns keep
 * their order, so a regression's coefficients come out in the order the caller gave.
 */
export function householderQr(a: Float64Array, n: number, k: number): QR {
  const rdiag = new Float64Array(k);
  const colNorm = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    colNorm[j] = Math.sqrt(dot(a, j * n, a, j * n, n));
  }
  for (let c = 0; c < k; c++) {
    const oc = c * n;
    // nrm = ‖a[c:, c]‖
    let nrm = Math.sqrt(dot(a, oc + c, a, oc + c, n - c));
    if (nrm !== 0) {
      if (a[oc + c] < 0) nrm = -nrm;
      // v = a[c:, c] / nrm + e1  (so that H = I − v vᵀ / v[0])
      const inv = 1 / nrm;
      for (let i = c; i < n; i++) a[oc + i] *= inv;
      a[oc + c] += 1;
      const v0 = a[oc + c];
      for (let j = c + 1; j < k; j++) {
        const oj = j * n;
        axpy(-dot(a, oc + c, a, oj + c, n - c) / v0, a, oc + c, a, oj + c, n - c);
      }
    }
    rdiag[c] = -nrm;
  }
  return { n, k, qr: a, rdiag, colNorm };
}

/** Index of the first column that is (numerically) a linear combination of earlier ones, or −1. */
export function firstDependentColumn(f: QR): number {
  const tol = 10 * Math.max(f.n, f.k) * EPS;
  for (let j = 0; j < f.k; j++) {
    if (!(Math.abs(f.rdiag[j]) > tol * f.colNorm[j])) return j;
  }
  return -1;
}

/** y ← Qᵀy in place (y has n entries, or n entries starting at `offset`). */
export function applyQt(f: QR, y: Float64Array, offset = 0): void {
  const { n, k, qr } = f;
  for (let c = 0; c < k; c++) {
    const oc = c * n;
    const v0 = qr[oc + c];
    if (v0 === 0) continue;
    axpy(-dot(qr, oc + c, y, offset + c, n - c) / v0, qr, oc + c, y, offset + c, n - c);
  }
}

/** y ← Qy in place. */
export function applyQ(f: QR, y: Float64Array, offset = 0): void {
  const { n, k, qr } = f;
  for (let c = k - 1; c >= 0; c--) {
    const oc = c * n;
    const v0 = qr[oc + c];
    if (v0 === 0) continue;
    axpy(-dot(qr, oc + c, y, offset + c, n - c) / v0, qr, oc + c, y, offset + c, n - c);
  }
}

/** Solves R x = b (b's first k entries) by back substitution; returns x. */
export function solveR(f: QR, b: Float64Array): Float64Array {
  const { n, k, qr, rdiag } = f;
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i];
    for (let j = i + 1; j < k; j++) s -= qr[j * n + i] * x[j];
    x[i] = s / rdiag[i];
  }
  return x;
}

/** diag((RᵀR)⁻¹) = squared row norms of R⁻¹ (the unscaled coefficient variances). */
export function diagRtRinv(f: QR): Float64Array {
  const { n, k, qr, rdiag } = f;
  // Rinv is upper triangular; build it column by column (column-major k×k).
  const rinv = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    rinv[j * k + j] = 1 / rdiag[j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let l = i + 1; l <= j; l++) s += qr[l * n + i] * rinv[j * k + l];
      rinv[j * k + i] = -s / rdiag[i];
    }
  }
  const d = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i <= j; i++) d[i] += rinv[j * k + i] * rinv[j * k + i];
  }
  return d;
}

/**
 * Residuals of every column of the column-major n×q matrix `y` regressed on the factored design:
 * r = Q·[0; (Qᵀy)[k:]], which is accurate even when the fit is nearly perfect. Returns a new array.
 */
export function lstsqResiduals(f: QR, y: Float64Array, q: number): Float64Array {
  const r = y.slice();
  for (let c = 0; c < q; c++) {
    const o = c * f.n;
    applyQt(f, r, o);
    for (let i = 0; i < f.k; i++) r[o + i] = 0;
    applyQ(f, r, o);
  }
  return r;
}

/**
 * Lower Cholesky factor of a symmetric positive-definite m×m matrix (row-major or column-major,
 * it is symmetric). Returns L row-major, or null if a pivot is not positive.
 */
export function cholesky(a: Float64Array, m: number): Float64Array | null {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * m + j];
      for (let p = 0; p < j; p++) s -= l[i * m + p] * l[j * m + p];
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * m + i] = Math.sqrt(s);
      } else {
        l[i * m + j] = s / l[j * m + j];
      }
    }
  }
  return l;
}

/** Solves L X = B for lower-triangular L (row-major m×m) and B row-major m×q; returns X. */
export function forwardSolve(l: Float64Array, m: number, b: Float64Array, q: number): Float64Array {
  const x = b.slice();
  for (let c = 0; c < q; c++) {
    for (let i = 0; i < m; i++) {
      let s = x[i * q + c];
      for (let p = 0; p < i; p++) s -= l[i * m + p] * x[p * q + c];
      x[i * q + c] = s / l[i * m + i];
    }
  }
  return x;
}

/** Solves Lᵀ X = B for lower-triangular L (row-major m×m) and B row-major m×q; returns X. */
export function backSolveT(l: Float64Array, m: number, b: Float64Array, q: number): Float64Array {
  const x = b.slice();
  for (let c = 0; c < q; c++) {
    for (let i = m - 1; i >= 0; i--) {
      let s = x[i * q + c];
      for (let p = i + 1; p < m; p++) s -= l[p * m + i] * x[p * q + c];
      x[i * q + c] = s / l[i * m + i];
    }
  }
  return x;
}

/**
 * Eigen-decomposition of a symmetric m×m matrix (row-major) by cyclic Jacobi rotations (the
 * shared kernel in src/linalg). Returns eigenvalues (unsorted) and eigenvectors as the columns
 * of a row-major m×m matrix.
 */
export function symmetricEigen(a: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const values = new Float64Array(m);
  const vectors = new Float64Array(m * m);
  jacobiEigen(m, a, 0, values, vectors, new Float64Array(m * m));
  return { values, vectors };
}
