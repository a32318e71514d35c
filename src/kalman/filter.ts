/**
 * The batch forward pass. Dispatches to a specialised loop for 1 state / 1 observation and
 * for 2 states / 1 observation (the dynamic hedge-ratio model), and to the generic kernel
 * otherwise. All loops follow pykalman's recursion exactly:
 *   t = 0:  x⁻ = μ0, P⁻ = Σ0 (no transition before the first observation)
 *   t ≥ 1:  x⁻ = A_{t-1} x_{t-1} + b_{t-1},  P⁻ = A_{t-1} P_{t-1} A_{t-1}ᵀ + Q_{t-1}
 *   then the update with C_t, d_t, R_t when z_t is observed.
 * @internal
 */
import { createWorkspace, predict, update } from './kernel.js';
import type { ResolvedModel } from './model.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface FilterOptions {
  /** Keep the filtered covariances (n×k×k). */
  covariances: boolean;
  /** Keep predicted means and covariances x⁻_t, P⁻_t (needed by the smoother). */
  predicted: boolean;
  /** Accumulate the log-likelihood (and per-step terms when `loglikelihoodTerms`). */
  loglikelihood: boolean;
  loglikelihoodTerms?: boolean;
}

export interface FilterOutput {
  n: number;
  k: number;
  means: Float64Array;
  covs: Float64Array | null;
  predMeans: Float64Array | null;
  predCovs: Float64Array | null;
  loglik: number;
  loglikTerms: Float64Array | null;
  /** First step whose innovation covariance was singular (pseudo-inverse used), or −1. */
  singularAt: number;
  /** First step whose observation was partially missing, or −1. */
  partialAt: number;
}

export function runFilter(model: ResolvedModel, z: Float64Array, n: number, opts: FilterOptions): FilterOutput {
  const { k } = model;
  const out: FilterOutput = {
    n,
    k,
    means: new Float64Array(n * k),
    covs: opts.covariances ? new Float64Array(n * k * k) : null,
    predMeans: opts.predicted ? new Float64Array(n * k) : null,
    predCovs: opts.predicted ? new Float64Array(n * k * k) : null,
    loglik: 0,
    loglikTerms: opts.loglikelihoodTerms ? new Float64Array(n) : null,
    singularAt: -1,
    partialAt: -1,
  };
  if (n === 0) return out;
  if (k === 1 && model.m === 1) filter1(model, z, n, opts.loglikelihood, out);
  else if (k === 2 && model.m === 1) filter2(model, z, n, opts.loglikelihood, out);
  else filterGeneric(model, z, n, opts.loglikelihood, out);
  return out;
}

/** Scalar local-level (or any 1×1) model. */
function filter1(model: ResolvedModel, Z: Float64Array, n: number, wantLL: boolean, out: FilterOutput): void {
  const { A, b, Q, C, d, R } = model;
  const Ad = A.data, bd = b.data, Qd = Q.data, Cd = C.data, dd = d.data, Rd = R.data;
  const sA = A.stride, sb = b.stride, sQ = Q.stride, sC = C.stride, sd = d.stride, sR = R.stride;
  const means = out.means, covs = out.covs, pm = out.predMeans, pc = out.predCovs, terms = out.loglikTerms;
  let x = model.mu0[0];
  let P = model.P0[0];
  let ll = 0;
  for (let t = 0; t < n; t++) {
    if (t > 0) {
      // x⁻ = a x + b,  P⁻ = a P a + q
      const a = Ad[(t - 1) * sA];
      x = a * x + bd[(t - 1) * sb];
      P = a * P * a + Qd[(t - 1) * sQ];
    }
    if (pm !== null) {
      pm[t] = x;
      pc![t] = P;
    }
    const zt = Z[t];
    if (zt === zt) {
      // S = c P c + r,  K = P c / S,  x += K (z − c x − d),  P = P − K c P
      const c = Cd[t * sC];
      const S = c * P * c + Rd[t * sR];
      const y = zt - c * x - dd[t * sd];
      if (S > 0) {
        const K = (P * c) / S;
        x += K * y;
        P -= K * c * P;
        if (wantLL) {
          const term = -0.5 * (LOG_2PI + Math.log(S) + (y * y) / S);
          ll += term;
          if (terms !== null) terms[t] = term;
        }
      } else if (out.singularAt < 0) out.singularAt = t; // pinv(0) = 0: no update
    }
    means[t] = x;
    if (covs !== null) covs[t] = P;
  }
  out.loglik = ll;
}

/** Two states, one observation: the dynamic regression / hedge-ratio model C_t = [x_t, 1]. */
function filter2(model: ResolvedModel, Z: Float64Array, n: number, wantLL: boolean, out: FilterOutput): void {
  const { A, b, Q, C, d, R } = model;
  const Ad = A.data, bd = b.data, Qd = Q.data, Cd = C.data, dd = d.data, Rd = R.data;
  const sA = A.stride, sb = b.stride, sQ = Q.stride, sC = C.stride, sd = d.stride, sR = R.stride;
  const means = out.means, covs = out.covs, pm = out.predMeans, pc = out.predCovs, terms = out.loglikTerms;
  let x0 = model.mu0[0], x1 = model.mu0[1];
  let p00 = model.P0[0], p01 = model.P0[1], p11 = model.P0[3];
  let ll = 0;
  for (let t = 0; t < n; t++) {
    if (t > 0) {
      const ao = (t - 1) * sA;
      const a00 = Ad[ao], a01 = Ad[ao + 1], a10 = Ad[ao + 2], a11 = Ad[ao + 3];
      const bo = (t - 1) * sb;
      const qo = (t - 1) * sQ;
      // x⁻ = A x + b
      const nx0 = a00 * x0 + a01 * x1 + bd[bo];
      const nx1 = a10 * x0 + a11 * x1 + bd[bo + 1];
      x0 = nx0;
      x1 = nx1;
      // P⁻ = A P Aᵀ + Q
      const ap00 = a00 * p00 + a01 * p01, ap01 = a00 * p01 + a01 * p11;
      const ap10 = a10 * p00 + a11 * p01, ap11 = a10 * p01 + a11 * p11;
      p00 = ap00 * a00 + ap01 * a01 + Qd[qo];
      p01 = ap00 * a10 + ap01 * a11 + Qd[qo + 1];
      p11 = ap10 * a10 + ap11 * a11 + Qd[qo + 3];
    }
    if (pm !== null) {
      const o = 2 * t, o4 = 4 * t;
      pm[o] = x0;
      pm[o + 1] = x1;
      pc![o4] = p00;
      pc![o4 + 1] = p01;
      pc![o4 + 2] = p01;
      pc![o4 + 3] = p11;
    }
    const zt = Z[t];
    if (zt === zt) {
      const co = t * sC;
      const c0 = Cd[co], c1 = Cd[co + 1];
      // P⁻ cᵀ, S = c P⁻ cᵀ + r
      const g0 = p00 * c0 + p01 * c1;
      const g1 = p01 * c0 + p11 * c1;
      const S = c0 * g0 + c1 * g1 + Rd[t * sR];
      const y = zt - c0 * x0 - c1 * x1 - dd[t * sd];
      if (S > 0) {
        // K = P⁻ cᵀ / S;  x += K y;  P = P⁻ − K (c P⁻)
        const k0 = g0 / S, k1 = g1 / S;
        x0 += k0 * y;
        x1 += k1 * y;
        p00 -= k0 * g0;
        p01 -= k0 * g1;
        p11 -= k1 * g1;
        if (wantLL) {
          const term = -0.5 * (LOG_2PI + Math.log(S) + (y * y) / S);
          ll += term;
          if (terms !== null) terms[t] = term;
        }
      } else if (out.singularAt < 0) out.singularAt = t;
    }
    means[2 * t] = x0;
    means[2 * t + 1] = x1;
    if (covs !== null) {
      const o4 = 4 * t;
      covs[o4] = p00;
      covs[o4 + 1] = p01;
      covs[o4 + 2] = p01;
      covs[o4 + 3] = p11;
    }
  }
  out.loglik = ll;
}

function filterGeneric(model: ResolvedModel, Z: Float64Array, n: number, wantLL: boolean, out: FilterOutput): void {
  const { k, m, A, b, Q, C, d, R } = model;
  const kk = k * k;
  const ws = createWorkspace(k, m);
  const x = new Float64Array(k);
  const P = new Float64Array(kk);
  x.set(model.mu0);
  P.set(model.P0);
  // buffers for the observed rows of a partially missing step
  const subZ = new Float64Array(m), subC = new Float64Array(m * k), subD = new Float64Array(m), subR = new Float64Array(m * m);
  const idx = new Int32Array(m);
  const partial = model.partialMissing === 'update-observed';
  const { means, covs, predMeans: pm, predCovs: pc, loglikTerms: terms } = out;
  let ll = 0;
  for (let t = 0; t < n; t++) {
    if (t > 0) {
      predict(ws, x, 0, P, 0, A.data, (t - 1) * A.stride, b.data, (t - 1) * b.stride, Q.data, (t - 1) * Q.stride, x, 0, P, 0);
    }
    if (pm !== null) {
      pm.set(x, t * k);
      pc!.set(P, t * kk);
    }
    let observed = 0;
    for (let i = 0; i < m; i++) if (Z[t * m + i] === Z[t * m + i]) idx[observed++] = i;
    let term = 0;
    let updated = false;
    if (observed === m) {
      term = update(ws, m, x, 0, P, 0, Z, t * m, C.data, t * C.stride, d.data, t * d.stride, R.data, t * R.stride, x, 0, P, 0);
      updated = true;
    } else if (observed > 0) {
      if (out.partialAt < 0) out.partialAt = t;
      if (partial) {
        const co = t * C.stride, dOff = t * d.stride, ro = t * R.stride;
        for (let i = 0; i < observed; i++) {
          const r = idx[i];
          subZ[i] = Z[t * m + r];
          subD[i] = d.data[dOff + r];
          for (let j = 0; j < k; j++) subC[i * k + j] = C.data[co + r * k + j];
          for (let j = 0; j < observed; j++) subR[i * observed + j] = R.data[ro + r * m + idx[j]];
        }
        term = update(ws, observed, x, 0, P, 0, subZ, 0, subC, 0, subD, 0, subR, 0, x, 0, P, 0);
        updated = true;
      }
    }
    if (updated) {
      if (!ws.lastUpdateRegular) {
        if (out.singularAt < 0) out.singularAt = t;
      } else if (wantLL) {
        ll += term;
        if (terms !== null) terms[t] = term;
      }
    }
    means.set(x, t * k);
    if (covs !== null) covs.set(P, t * kk);
  }
  out.loglik = ll;
}
