/**
 * Rauch–Tung–Striebel smoother over a stored forward pass:
 *   x̂_{n-1} = x_{n-1}, V_{n-1} = P_{n-1}; for t = n-2 … 0:
 *   J_t = P_t A_tᵀ (P⁻_{t+1})⁻¹          (Cholesky solve; pseudo-inverse when P⁻_{t+1} is singular)
 *   x̂_t = x_t + J_t (x̂_{t+1} − x⁻_{t+1})
 *   V_t = P_t + J_t (V_{t+1} − P⁻_{t+1}) J_tᵀ
 * @internal
 */
import { cholesky, choleskySolve, symmetricPinv, symmetrize } from '../linalg/dense.js';
import type { FilterOutput } from './filter.js';
import type { ResolvedModel } from './model.js';

/**
 * The smoothed values are written over the filtered ones in `f.means` / `f.covs` (the backward
 * pass reads step t's filtered values just before replacing them), which halves the memory a
 * smooth of a long series touches.
 */
export interface SmootherOutput {
  means: Float64Array;
  covs: Float64Array;
  /** Smoother gains J_t, t = 0 … n-2 ((n-1)×k×k), when requested (EM needs them). */
  gains: Float64Array | null;
}

export function runSmoother(
  model: ResolvedModel,
  f: FilterOutput,
  keepGains: boolean,
  gainsBuffer?: Float64Array,
): SmootherOutput {
  const { n, k } = f;
  const size = Math.max(n - 1, 0) * k * k;
  const out: SmootherOutput = {
    means: f.means,
    covs: f.covs!,
    gains: keepGains ? (gainsBuffer?.length === size ? gainsBuffer : new Float64Array(size)) : null,
  };
  if (n === 0) return out;
  if (k === 1) smooth1(model, f, out);
  else if (k === 2) smooth2(model, f, out);
  else smoothGeneric(model, f, out);
  return out;
}

function smooth1(model: ResolvedModel, f: FilterOutput, out: SmootherOutput): void {
  const n = f.n;
  const Ad = model.A.data,
    sA = model.A.stride;
  const fm = f.means,
    fc = f.covs!,
    pm = f.predMeans!,
    pc = f.predCovs!;
  const sm = out.means,
    sc = out.covs,
    gains = out.gains;
  let xs = fm[n - 1];
  let V = fc[n - 1];
  for (let t = n - 2; t >= 0; t--) {
    const P = fc[t];
    const Pp = pc[t + 1];
    // J = P a / P⁻ (pinv(0) = 0)
    const J = Pp > 0 ? (P * Ad[t * sA]) / Pp : 0;
    xs = fm[t] + J * (xs - pm[t + 1]);
    V = P + J * (V - Pp) * J;
    sm[t] = xs;
    sc[t] = V;
    if (gains !== null) gains[t] = J;
  }
}

function smooth2(model: ResolvedModel, f: FilterOutput, out: SmootherOutput): void {
  const n = f.n;
  const Ad = model.A.data,
    sA = model.A.stride;
  const fm = f.means,
    fc = f.covs!,
    pm = f.predMeans!,
    pc = f.predCovs!;
  const sm = out.means,
    sc = out.covs,
    gains = out.gains;
  const pinv = new Float64Array(4);
  const work = new Float64Array(3 * 4 + 2);
  let s0 = fm[2 * n - 2],
    s1 = fm[2 * n - 1];
  let v00 = fc[4 * n - 4],
    v01 = fc[4 * n - 3],
    v11 = fc[4 * n - 1];
  for (let t = n - 2; t >= 0; t--) {
    const o4 = 4 * t,
      n4 = o4 + 4;
    const p00 = fc[o4],
      p01 = fc[o4 + 1],
      p11 = fc[o4 + 3];
    const q00 = pc[n4],
      q01 = pc[n4 + 1],
      q11 = pc[n4 + 3];
    // inverse of P⁻_{t+1} (closed form; pseudo-inverse when numerically singular)
    const det = q00 * q11 - q01 * q01;
    let i00: number, i01: number, i11: number;
    if (det > 1e-14 * q00 * q11 && det > 0) {
      const invDet = 1 / det;
      i00 = q11 * invDet;
      i01 = -q01 * invDet;
      i11 = q00 * invDet;
    } else {
      symmetricPinv(2, pc, n4, pinv, work);
      i00 = pinv[0];
      i01 = 0.5 * (pinv[1] + pinv[2]);
      i11 = pinv[3];
    }
    const ao = t * sA;
    const a00 = Ad[ao],
      a01 = Ad[ao + 1],
      a10 = Ad[ao + 2],
      a11 = Ad[ao + 3];
    // P Aᵀ
    const m00 = p00 * a00 + p01 * a01,
      m01 = p00 * a10 + p01 * a11;
    const m10 = p01 * a00 + p11 * a01,
      m11 = p01 * a10 + p11 * a11;
    // J = P Aᵀ (P⁻)⁻¹
    const j00 = m00 * i00 + m01 * i01,
      j01 = m00 * i01 + m01 * i11;
    const j10 = m10 * i00 + m11 * i01,
      j11 = m10 * i01 + m11 * i11;
    // x̂ = x + J (x̂_{t+1} − x⁻_{t+1})
    const e0 = s0 - pm[2 * t + 2],
      e1 = s1 - pm[2 * t + 3];
    s0 = fm[2 * t] + j00 * e0 + j01 * e1;
    s1 = fm[2 * t + 1] + j10 * e0 + j11 * e1;
    // V = P + J (V_{t+1} − P⁻_{t+1}) Jᵀ
    const d00 = v00 - q00,
      d01 = v01 - q01,
      d11 = v11 - q11;
    const w00 = j00 * d00 + j01 * d01,
      w01 = j00 * d01 + j01 * d11;
    const w10 = j10 * d00 + j11 * d01,
      w11 = j10 * d01 + j11 * d11;
    v00 = p00 + w00 * j00 + w01 * j01;
    v01 = p01 + 0.5 * (w00 * j10 + w01 * j11 + w10 * j00 + w11 * j01);
    v11 = p11 + w10 * j10 + w11 * j11;
    sm[2 * t] = s0;
    sm[2 * t + 1] = s1;
    sc[o4] = v00;
    sc[o4 + 1] = v01;
    sc[o4 + 2] = v01;
    sc[o4 + 3] = v11;
    if (gains !== null) {
      gains[o4] = j00;
      gains[o4 + 1] = j01;
      gains[o4 + 2] = j10;
      gains[o4 + 3] = j11;
    }
  }
}

function smoothGeneric(model: ResolvedModel, f: FilterOutput, out: SmootherOutput): void {
  const { n, k } = f;
  const kk = k * k;
  const Ad = model.A.data,
    sA = model.A.stride;
  const fm = f.means,
    fc = f.covs!,
    pm = f.predMeans!,
    pc = f.predCovs!;
  const sm = out.means,
    sc = out.covs,
    gains = out.gains;
  const l = new Float64Array(kk);
  const Y = new Float64Array(kk);
  const J = new Float64Array(kk);
  const D = new Float64Array(kk);
  const W = new Float64Array(kk);
  const e = new Float64Array(k);
  const pinv = new Float64Array(kk);
  const work = new Float64Array(3 * kk + k);
  for (let t = n - 2; t >= 0; t--) {
    const ao = t * sA,
      po = t * kk,
      qo = (t + 1) * kk;
    // Y = A P_t  (k×k), then Y ← (P⁻_{t+1})⁻¹ A P_t, and J = Yᵀ = P_t Aᵀ (P⁻_{t+1})⁻¹
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += Ad[ao + i * k + p] * fc[po + p * k + j];
        Y[i * k + j] = s;
      }
    }
    if (cholesky(k, pc, qo, l)) choleskySolve(k, l, Y, k);
    else {
      symmetricPinv(k, pc, qo, pinv, work);
      for (let i = 0; i < kk; i++) W[i] = Y[i];
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += pinv[i * k + p] * W[p * k + j];
          Y[i * k + j] = s;
        }
      }
    }
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) J[i * k + j] = Y[j * k + i];
    // x̂_t = x_t + J (x̂_{t+1} − x⁻_{t+1})
    for (let i = 0; i < k; i++) e[i] = sm[(t + 1) * k + i] - pm[(t + 1) * k + i];
    for (let i = 0; i < k; i++) {
      let s = fm[t * k + i];
      for (let j = 0; j < k; j++) s += J[i * k + j] * e[j];
      sm[t * k + i] = s;
    }
    // V_t = P_t + J (V_{t+1} − P⁻_{t+1}) Jᵀ
    for (let i = 0; i < kk; i++) D[i] = sc[qo + i] - pc[qo + i];
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += J[i * k + p] * D[p * k + j];
        W[i * k + j] = s;
      }
    }
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = fc[po + i * k + j];
        for (let p = 0; p < k; p++) s += W[i * k + p] * J[j * k + p];
        sc[po + i * k + j] = s;
      }
    }
    symmetrize(k, sc, po);
    if (gains !== null) gains.set(J, t * kk);
  }
}
