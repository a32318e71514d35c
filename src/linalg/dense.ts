/**
 * Small dense float64 kernels on row-major Float64Array matrices. Every routine works in
 * place on caller-owned buffers (with an explicit offset) so that hot loops allocate nothing.
 * Sizes are small (state dimensions of a Kalman filter), so plain loops beat any BLAS call.
 * @internal
 */

/** out[n×n] = (a + aᵀ) / 2 in place (a may equal out). */
export function symmetrize(n: number, a: Float64Array, aOff = 0): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (a[aOff + i * n + j] + a[aOff + j * n + i]);
      a[aOff + i * n + j] = v;
      a[aOff + j * n + i] = v;
    }
  }
}

/**
 * Cholesky factorisation of a symmetric positive-definite n×n matrix: writes the lower
 * factor L (with A = L Lᵀ) into `l` (upper part zeroed). Returns false when a pivot is not
 * strictly positive (the matrix is singular or indefinite), leaving `l` undefined.
 */
export function cholesky(n: number, a: Float64Array, aOff: number, l: Float64Array): boolean {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[aOff + i * n + j];
      for (let p = 0; p < j; p++) s -= l[i * n + p] * l[j * n + p];
      if (i === j) {
        // A pivot that is not positive, or that lost all its digits to cancellation, means
        // the matrix is numerically singular: the caller falls back to a pseudo-inverse.
        if (!(s > 1e-14 * Math.abs(a[aOff + i * n + i])) || !(s > 0)) return false;
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
    for (let j = i + 1; j < n; j++) l[i * n + j] = 0;
  }
  return true;
}

/**
 * Solves (L Lᵀ) X = B in place for X, where B is n×r row-major (r right-hand sides as columns).
 */
export function choleskySolve(n: number, l: Float64Array, b: Float64Array, r: number): void {
  for (let c = 0; c < r; c++) {
    // forward: L y = b
    for (let i = 0; i < n; i++) {
      let s = b[i * r + c];
      for (let p = 0; p < i; p++) s -= l[i * n + p] * b[p * r + c];
      b[i * r + c] = s / l[i * n + i];
    }
    // backward: Lᵀ x = y
    for (let i = n - 1; i >= 0; i--) {
      let s = b[i * r + c];
      for (let p = i + 1; p < n; p++) s -= l[p * n + i] * b[p * r + c];
      b[i * r + c] = s / l[i * n + i];
    }
  }
}

/** log det(A) from its Cholesky factor: 2 Σ log L_ii. */
export function choleskyLogDet(n: number, l: Float64Array): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

/**
 * Eigen-decomposition of a symmetric n×n matrix by cyclic Jacobi rotations.
 * Writes eigenvalues into `w` (length n) and eigenvectors as the columns of `v` (n×n).
 * `work` must hold n×n values. Accurate to working precision for the small sizes used here.
 */
export function symmetricEigen(
  n: number,
  a: Float64Array,
  aOff: number,
  w: Float64Array,
  v: Float64Array,
  work: Float64Array,
): void {
  for (let i = 0; i < n * n; i++) work[i] = a[aOff + i];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = i === j ? 1 : 0;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += work[i * n + i] * work[i * n + i];
      for (let j = i + 1; j < n; j++) off += work[i * n + j] * work[i * n + j];
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = work[p * n + q];
        if (apq === 0) continue;
        const app = work[p * n + p];
        const aqq = work[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = work[k * n + p];
          const akq = work[k * n + q];
          work[k * n + p] = c * akp - s * akq;
          work[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = work[p * n + k];
          const aqk = work[q * n + k];
          work[p * n + k] = c * apk - s * aqk;
          work[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) w[i] = work[i * n + i];
}

/**
 * Moore–Penrose pseudo-inverse of a symmetric n×n matrix, written to `out` (n×n).
 * Eigenvalues below 1e-15 × the largest in magnitude count as zero (numpy.linalg.pinv's
 * default cut-off), so a singular innovation or predicted covariance behaves as in pykalman.
 * `work` must hold 3n² + n values.
 */
export function symmetricPinv(
  n: number,
  a: Float64Array,
  aOff: number,
  out: Float64Array,
  work: Float64Array,
): void {
  const w = work.subarray(0, n);
  const v = work.subarray(n, n + n * n);
  const tmp = work.subarray(n + n * n, n + 2 * n * n);
  symmetricEigen(n, a, aOff, w, v, tmp);
  let big = 0;
  for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(w[i]));
  const cut = 1e-15 * big;
  for (let i = 0; i < n; i++) w[i] = Math.abs(w[i]) > cut ? 1 / w[i] : 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += v[i * n + p] * w[p] * v[j * n + p];
      out[i * n + j] = s;
    }
  }
}

/**
 * Solves S X = B for X (S symmetric positive semi-definite n×n, B n×r row-major, X written
 * over B). Uses Cholesky; if S is singular falls back to the pseudo-inverse. Returns true
 * when the Cholesky path was taken. `l` needs n² values, `work` 3n² + n + n·r.
 */
export function symmetricSolve(
  n: number,
  s: Float64Array,
  sOff: number,
  b: Float64Array,
  r: number,
  l: Float64Array,
  work: Float64Array,
): boolean {
  if (cholesky(n, s, sOff, l)) {
    choleskySolve(n, l, b, r);
    return true;
  }
  const pinv = l; // reuse: n×n
  symmetricPinv(n, s, sOff, pinv, work);
  const tmp = work.subarray(3 * n * n + n, 3 * n * n + n + n * r);
  for (let i = 0; i < n * r; i++) tmp[i] = b[i];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < r; c++) {
      let acc = 0;
      for (let p = 0; p < n; p++) acc += pinv[i * n + p] * tmp[p * r + c];
      b[i * r + c] = acc;
    }
  }
  return false;
}
