/**
 * The pure Kalman kernel: one predict and one update on flat Float64Array buffers, in place,
 * for any state dimension k and observation dimension m. Strategies, the scanner and the
 * generic filter all run through these two functions; the batch filter adds specialised
 * loops for the 1-state and 2-state models on top.
 *
 * Matrices are row-major. Every array argument comes with an offset so callers can point
 * into per-step (time-varying) parameter blocks and result buffers without copying.
 */
import { cholesky, choleskyLogDet, symmetricPinv, symmetrize } from '../linalg/dense.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** Scratch space for {@link predict} and {@link update}; allocate once per (k, m). */
export interface KalmanWorkspace {
  readonly k: number;
  readonly m: number;
  /** Set by {@link update}: false when the last innovation covariance was singular (pseudo-inverse used). */
  lastUpdateRegular: boolean;
  /** Whether {@link update} computes the log-likelihood term (default true; it costs a logarithm). */
  loglikelihood: boolean;
  /** @internal */ readonly vecK: Float64Array;
  /** @internal */ readonly matKK: Float64Array;
  /** @internal */ readonly matKK2: Float64Array;
  /** @internal */ readonly y: Float64Array;
  /** @internal */ readonly pct: Float64Array;
  /** @internal */ readonly s: Float64Array;
  /** @internal */ readonly l: Float64Array;
  /** @internal */ readonly x: Float64Array;
  /** @internal */ readonly gain: Float64Array;
  /** @internal */ readonly pinvWork: Float64Array;
}

/** Allocates the scratch space for a model with k states and m observed dimensions. */
export function createWorkspace(k: number, m: number): KalmanWorkspace {
  return {
    k,
    m,
    lastUpdateRegular: true,
    loglikelihood: true,
    vecK: new Float64Array(k),
    matKK: new Float64Array(k * k),
    matKK2: new Float64Array(k * k),
    y: new Float64Array(m),
    pct: new Float64Array(k * m),
    s: new Float64Array(m * m),
    l: new Float64Array(m * m),
    x: new Float64Array(m * k),
    gain: new Float64Array(k * m),
    pinvWork: new Float64Array(3 * m * m + m),
  };
}

/**
 * Time update: x⁻ = A x + b, P⁻ = A P Aᵀ + Q (symmetrised). Reads (x, P) at the input
 * offsets and writes (x⁻, P⁻) at the output offsets; input and output may be the same buffer.
 * `b` may be null for a zero offset.
 */
export function predict(
  ws: KalmanWorkspace,
  x: Float64Array,
  xOff: number,
  P: Float64Array,
  pOff: number,
  A: Float64Array,
  aOff: number,
  b: Float64Array | null,
  bOff: number,
  Q: Float64Array,
  qOff: number,
  xOut: Float64Array,
  xOutOff: number,
  POut: Float64Array,
  pOutOff: number,
): void {
  const k = ws.k;
  const tmpX = ws.vecK;
  const AP = ws.matKK;
  // x⁻ = A x + b
  for (let i = 0; i < k; i++) {
    let s = b === null ? 0 : b[bOff + i];
    for (let j = 0; j < k; j++) s += A[aOff + i * k + j] * x[xOff + j];
    tmpX[i] = s;
  }
  // AP = A P
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[aOff + i * k + p] * P[pOff + p * k + j];
      AP[i * k + j] = s;
    }
  }
  // P⁻ = (A P) Aᵀ + Q
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = Q[qOff + i * k + j];
      for (let p = 0; p < k; p++) s += AP[i * k + p] * A[aOff + j * k + p];
      POut[pOutOff + i * k + j] = s;
    }
  }
  symmetrize(k, POut, pOutOff);
  for (let i = 0; i < k; i++) xOut[xOutOff + i] = tmpX[i];
}

/**
 * Measurement update with m observed components (m ≤ ws.m):
 * y = z − C x⁻ − d, S = C P⁻ Cᵀ + R, K = P⁻ Cᵀ S⁻¹ (Cholesky; pseudo-inverse if S is singular),
 * x = x⁻ + K y, P = (I − K C) P⁻ (I − K C)ᵀ + K R Kᵀ (Joseph form, symmetrised).
 * `C`, `d`, `R` and `z` are read with m rows; input and output buffers may coincide.
 * Returns the log-likelihood term log N(z; C x⁻ + d, S), or NaN when S is singular (then
 * `ws.lastUpdateRegular` is false).
 */
export function update(
  ws: KalmanWorkspace,
  m: number,
  x: Float64Array,
  xOff: number,
  P: Float64Array,
  pOff: number,
  z: Float64Array,
  zOff: number,
  C: Float64Array,
  cOff: number,
  d: Float64Array | null,
  dOff: number,
  R: Float64Array,
  rOff: number,
  xOut: Float64Array,
  xOutOff: number,
  POut: Float64Array,
  pOutOff: number,
): number {
  if (m === 1)
    return updateScalar(
      ws,
      x,
      xOff,
      P,
      pOff,
      z[zOff],
      C,
      cOff,
      d === null ? 0 : d[dOff],
      R[rOff],
      xOut,
      xOutOff,
      POut,
      pOutOff,
    );
  const k = ws.k;
  const { y, pct, s: S, l, x: X, gain: K } = ws;
  // y = z − C x⁻ − d
  for (let i = 0; i < m; i++) {
    let s = z[zOff + i] - (d === null ? 0 : d[dOff + i]);
    for (let j = 0; j < k; j++) s -= C[cOff + i * k + j] * x[xOff + j];
    y[i] = s;
  }
  // PCᵀ = P⁻ Cᵀ  (k×m)
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += P[pOff + i * k + p] * C[cOff + j * k + p];
      pct[i * m + j] = s;
    }
  }
  // S = C (P⁻ Cᵀ) + R
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = R[rOff + i * m + j];
      for (let p = 0; p < k; p++) s += C[cOff + i * k + p] * pct[p * m + j];
      S[i * m + j] = s;
    }
  }
  symmetrize(m, S, 0);
  // X = S⁻¹ (P⁻ Cᵀ)ᵀ, so K = Xᵀ = P⁻ Cᵀ S⁻¹
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) X[i * k + j] = pct[j * m + i];
  let ll: number;
  if (cholesky(m, S, 0, l)) {
    ws.lastUpdateRegular = true;
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < m; i++) {
        let s = X[i * k + c];
        for (let p = 0; p < i; p++) s -= l[i * m + p] * X[p * k + c];
        X[i * k + c] = s / l[i * m + i];
      }
      for (let i = m - 1; i >= 0; i--) {
        let s = X[i * k + c];
        for (let p = i + 1; p < m; p++) s -= l[p * m + i] * X[p * k + c];
        X[i * k + c] = s / l[i * m + i];
      }
    }
    // log-likelihood: −½ (m log 2π + log det S + |L⁻¹ y|²)
    ll = NaN;
    if (ws.loglikelihood) {
      let q = 0;
      for (let i = 0; i < m; i++) {
        let s = y[i];
        for (let p = 0; p < i; p++) s -= l[i * m + p] * ws.pinvWork[p];
        const w = s / l[i * m + i];
        ws.pinvWork[i] = w;
        q += w * w;
      }
      ll = -0.5 * (m * LOG_2PI + choleskyLogDet(m, l) + q);
    }
  } else {
    ws.lastUpdateRegular = false;
    symmetricPinv(m, S, 0, l, ws.pinvWork);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let p = 0; p < m; p++) s += l[i * m + p] * pct[j * m + p];
        X[i * k + j] = s;
      }
    }
    ll = NaN;
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) K[i * m + j] = X[j * k + i];
  // x = x⁻ + K y
  for (let i = 0; i < k; i++) {
    let s = x[xOff + i];
    for (let j = 0; j < m; j++) s += K[i * m + j] * y[j];
    xOut[xOutOff + i] = s;
  }
  // Joseph form: I − K C, then (I − K C) P⁻ (I − K C)ᵀ + K R Kᵀ
  const IKC = ws.matKK;
  const T = ws.matKK2;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = i === j ? 1 : 0;
      for (let p = 0; p < m; p++) s -= K[i * m + p] * C[cOff + p * k + j];
      IKC[i * k + j] = s;
    }
  }
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += IKC[i * k + p] * P[pOff + p * k + j];
      T[i * k + j] = s;
    }
  }
  // K R (k×m) into pct (no longer needed)
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < m; p++) s += K[i * m + p] * R[rOff + p * m + j];
      pct[i * m + j] = s;
    }
  }
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += T[i * k + p] * IKC[j * k + p];
      for (let p = 0; p < m; p++) s += pct[i * m + p] * K[j * m + p];
      POut[pOutOff + i * k + j] = s;
    }
  }
  symmetrize(k, POut, pOutOff);
  return ll;
}

/**
 * The update for a single observed component (m = 1), where S is a scalar:
 * g = P⁻ cᵀ, S = c g + r, K = g / S, x = x⁻ + K y, P = P⁻ − g gᵀ / S.
 * The covariance is written symmetric by construction; when S = 0 (only possible with
 * r = 0 and c P⁻ cᵀ = 0) the pseudo-inverse of S is 0 and nothing is updated.
 */
function updateScalar(
  ws: KalmanWorkspace,
  x: Float64Array,
  xOff: number,
  P: Float64Array,
  pOff: number,
  z: number,
  C: Float64Array,
  cOff: number,
  d: number,
  r: number,
  xOut: Float64Array,
  xOutOff: number,
  POut: Float64Array,
  pOutOff: number,
): number {
  const k = ws.k;
  const g = ws.vecK;
  let y = z - d;
  for (let j = 0; j < k; j++) y -= C[cOff + j] * x[xOff + j];
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += P[pOff + i * k + p] * C[cOff + p];
    g[i] = s;
  }
  let S = r;
  for (let i = 0; i < k; i++) S += C[cOff + i] * g[i];
  if (!(S > 0)) {
    ws.lastUpdateRegular = false;
    if (xOut !== x || xOutOff !== xOff) for (let i = 0; i < k; i++) xOut[xOutOff + i] = x[xOff + i];
    if (POut !== P || pOutOff !== pOff) for (let i = 0; i < k * k; i++) POut[pOutOff + i] = P[pOff + i];
    return NaN;
  }
  ws.lastUpdateRegular = true;
  const invS = 1 / S;
  for (let i = 0; i < k; i++) xOut[xOutOff + i] = x[xOff + i] + g[i] * invS * y;
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      const v = P[pOff + i * k + j] - g[i] * g[j] * invS;
      POut[pOutOff + i * k + j] = v;
      POut[pOutOff + j * k + i] = v;
    }
  }
  return ws.loglikelihood ? -0.5 * (LOG_2PI + Math.log(S) + y * y * invS) : NaN;
}
