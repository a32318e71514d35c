/**
 * The batch forward pass. Dispatches to a specialised loop for 1 state / 1 observation, for
 * 2 states / 1 observation (the dynamic regression; the pairs model itself runs through
 * pair.ts's step), and to the generic kernel otherwise. All loops follow pykalman's recursion exactly:
 *   t = 0:  x⁻ = μ0, P⁻ = Σ0 (no transition before the first observation)
 *   t ≥ 1:  x⁻ = A_{t-1} x_{t-1} + b_{t-1},  P⁻ = A_{t-1} P_{t-1} A_{t-1}ᵀ + Q_{t-1}
 *   then the update with C_t, d_t, R_t when z_t is observed.
 * @internal
 */
import { KalmanModelError } from './errors.js';
import { createWorkspace, predict, update } from './kernel.js';
import type { ResolvedModel } from './model.js';
import { PAIR_ALPHA, PAIR_BETA, pairSkip, pairStep } from './pair.js';

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

export function runFilter(
  model: ResolvedModel,
  z: Float64Array,
  n: number,
  opts: FilterOptions,
  reuse?: FilterOutput,
): FilterOutput {
  const { k } = model;
  // Iterating callers (EM) pass their previous output: every array below is overwritten in
  // full, and allocating typed arrays costs more than filtering a short series.
  const fits = (a: Float64Array | null | undefined, size: number, want: boolean) =>
    want ? (a && a.length === size ? a : new Float64Array(size)) : null;
  const out: FilterOutput = {
    n,
    k,
    means: fits(reuse?.means, n * k, true)!,
    covs: fits(reuse?.covs, n * k * k, opts.covariances),
    predMeans: fits(reuse?.predMeans, n * k, opts.predicted),
    predCovs: fits(reuse?.predCovs, n * k * k, opts.predicted),
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

/**
 * Scalar (1 state, 1 observation) model. The covariance recursion is written so its
 * loop-carried chain is as short as possible (one division): P = P⁻ R / S equals
 * P⁻ − K c P⁻ exactly in real arithmetic and cannot go negative.
 *
 * Steady state: with constant parameters and no missing data the Riccati recursion is a
 * fixed map P ↦ f(P); once f returns exactly the previous double, every later step would
 * too, so the loop stops recomputing P, S and K until a missing observation changes P.
 * This is exact, not an approximation.
 */
function filter1(model: ResolvedModel, Z: Float64Array, n: number, wantLL: boolean, out: FilterOutput): void {
  const { A, b, Q, C, d, R } = model;
  const Ad = A.data,
    bd = b.data,
    Qd = Q.data,
    Cd = C.data,
    dd = d.data,
    Rd = R.data;
  const sA = A.stride,
    sb = b.stride,
    sQ = Q.stride,
    sC = C.stride,
    sd = d.stride,
    sR = R.stride;
  const constant = sA === 0 && sb === 0 && sQ === 0 && sC === 0 && sd === 0 && sR === 0;
  const means = out.means,
    covs = out.covs,
    pm = out.predMeans,
    pc = out.predCovs,
    terms = out.loglikTerms;
  let x = model.mu0[0];
  let P = model.P0[0];
  let ll = 0;
  // steady-state cache: predicted and filtered variance, gain, 1 − K c, log S, 1/S
  let steady = false;
  let ssPp = 0,
    ssK = 0,
    ssG = 0,
    ssLogS = 0,
    ssInvS = 0;
  let prevObserved = false;
  let prevPf = NaN;
  for (let t = 0; t < n; t++) {
    if (steady) {
      t = steadyRun1(model, Z, t, n, x, P, ssPp, ssK, ssG, ssLogS, ssInvS, wantLL, out);
      if (t >= n) break;
      // step t is missing (or invalid): leave the steady state and predict normally
      x = means[t - 1];
      steady = false;
    }
    const zt = Z[t];
    if (t > 0) {
      // x⁻ = a x + b,  P⁻ = a P a + q
      const a = Ad[(t - 1) * sA];
      x = a * x + bd[(t - 1) * sb];
      P = a * a * P + Qd[(t - 1) * sQ];
    }
    if (pm !== null) {
      pm[t] = x;
      pc![t] = P;
    }
    if (zt - zt === 0) {
      // S = c P⁻ c + r,  K = P⁻ c / S,  x = x⁻ + K (z − c x⁻ − d),  P = P⁻ r / S
      const c = Cd[t * sC],
        r = Rd[t * sR];
      const S = c * c * P + r;
      const y = zt - c * x - dd[t * sd];
      if (S > 0) {
        const invS = 1 / S;
        const K = P * c * invS;
        const Pp = P;
        x += K * y;
        const Pf = P * r * invS;
        if (wantLL) {
          const term = -0.5 * (LOG_2PI + Math.log(S) + y * y * invS);
          ll += term;
          if (terms !== null) terms[t] = term;
        }
        if (constant && prevObserved && Pf === prevPf) {
          steady = true;
          ssPp = Pp;
          ssK = K;
          ssG = 1 - K * c;
          ssLogS = Math.log(S);
          ssInvS = invS;
        }
        P = Pf;
      } else if (out.singularAt < 0) out.singularAt = t; // pinv(0) = 0: no update
      prevObserved = true;
    } else {
      if (zt === zt) throw infiniteObservation(t, 0, 1, zt);
      prevObserved = false;
    }
    prevPf = P;
    means[t] = x;
    if (covs !== null) covs[t] = P;
  }
  out.loglik += ll;
}

/**
 * The steady-state stretch of {@link filter1}: from step t while observations keep coming,
 * with P⁻, K and S fixed. Returns the first step not processed (n, or a missing step).
 * A tight loop of its own so that V8 keeps everything in registers.
 */
function steadyRun1(
  model: ResolvedModel,
  Z: Float64Array,
  t: number,
  n: number,
  x: number,
  Pf: number,
  Pp: number,
  K: number,
  G: number,
  logS: number,
  invS: number,
  wantLL: boolean,
  out: FilterOutput,
): number {
  const a = model.A.data[0],
    b = model.b.data[0],
    c = model.C.data[0],
    d = model.d.data[0];
  const means = out.means,
    covs = out.covs,
    pm = out.predMeans,
    pc = out.predCovs,
    terms = out.loglikTerms;
  const plain = covs === null && pm === null && !wantLL;
  if (plain) {
    for (; t < n; t++) {
      const zt = Z[t];
      if (zt - zt !== 0) return t; // missing (NaN) or invalid (±Infinity)
      // x = (1 − K c)(a x + b) + K (z − d)
      x = G * (a * x + b) + K * (zt - d);
      means[t] = x;
    }
    return t;
  }
  let ll = 0;
  for (; t < n; t++) {
    const zt = Z[t];
    if (zt - zt !== 0) break;
    const xp = a * x + b;
    const zd = zt - d;
    x = G * xp + K * zd;
    means[t] = x;
    if (covs !== null) covs[t] = Pf;
    if (pm !== null) {
      pm[t] = xp;
      pc![t] = Pp;
    }
    if (wantLL) {
      const y = zd - c * xp;
      const term = -0.5 * (LOG_2PI + logS + y * y * invS);
      ll += term;
      if (terms !== null) terms[t] = term;
    }
  }
  out.loglik += ll;
  return t;
}
/** Two states, one observation: the dynamic regression / hedge-ratio model C_t = [x_t, 1]. */
function filter2(model: ResolvedModel, Z: Float64Array, n: number, wantLL: boolean, out: FilterOutput): void {
  const A = model.A;
  const identity = A.steps === 0 && A.data[0] === 1 && A.data[1] === 0 && A.data[2] === 0 && A.data[3] === 1;
  const { b, Q, C, d, R } = model;
  if (out.predMeans === null && !wantLL && isPairModel(model, n)) {
    filter2Pair(model, Z, n, out);
    return;
  }
  const Ad = A.data,
    bd = b.data,
    Qd = Q.data,
    Cd = C.data,
    dd = d.data,
    Rd = R.data;
  const sA = A.stride,
    sb = b.stride,
    sQ = Q.stride,
    sC = C.stride,
    sd = d.stride,
    sR = R.stride;
  const means = out.means,
    covs = out.covs,
    pm = out.predMeans,
    pc = out.predCovs,
    terms = out.loglikTerms;
  let x0 = model.mu0[0],
    x1 = model.mu0[1];
  let p00 = model.P0[0],
    p01 = model.P0[1],
    p11 = model.P0[3];
  let ll = 0;
  for (let t = 0; t < n; t++) {
    if (t > 0) {
      const bo = (t - 1) * sb;
      const qo = (t - 1) * sQ;
      if (identity) {
        // random-walk state (A = I): x⁻ = x + b, P⁻ = P + Q
        x0 += bd[bo];
        x1 += bd[bo + 1];
        p00 += Qd[qo];
        p01 += Qd[qo + 1];
        p11 += Qd[qo + 3];
      } else {
        const ao = (t - 1) * sA;
        const a00 = Ad[ao],
          a01 = Ad[ao + 1],
          a10 = Ad[ao + 2],
          a11 = Ad[ao + 3];
        // x⁻ = A x + b
        const nx0 = a00 * x0 + a01 * x1 + bd[bo];
        const nx1 = a10 * x0 + a11 * x1 + bd[bo + 1];
        x0 = nx0;
        x1 = nx1;
        // P⁻ = A P Aᵀ + Q
        const ap00 = a00 * p00 + a01 * p01,
          ap01 = a00 * p01 + a01 * p11;
        const ap10 = a10 * p00 + a11 * p01,
          ap11 = a10 * p01 + a11 * p11;
        p00 = ap00 * a00 + ap01 * a01 + Qd[qo];
        p01 = ap00 * a10 + ap01 * a11 + Qd[qo + 1];
        p11 = ap10 * a10 + ap11 * a11 + Qd[qo + 3];
      }
    }
    if (pm !== null) {
      const o = 2 * t,
        o4 = 4 * t;
      pm[o] = x0;
      pm[o + 1] = x1;
      pc![o4] = p00;
      pc![o4 + 1] = p01;
      pc![o4 + 2] = p01;
      pc![o4 + 3] = p11;
    }
    const zt = Z[t];
    if (zt - zt === 0) {
      const co = t * sC;
      const c0 = Cd[co],
        c1 = Cd[co + 1];
      // g = P⁻ cᵀ, S = c P⁻ cᵀ + r
      const g0 = p00 * c0 + p01 * c1;
      const g1 = p01 * c0 + p11 * c1;
      const S = c0 * g0 + c1 * g1 + Rd[t * sR];
      const y = zt - c0 * x0 - c1 * x1 - dd[t * sd];
      if (S > 0) {
        // K = g / S;  x = x⁻ + K y;  P = P⁻ − K gᵀ (symmetric by construction)
        const invS = 1 / S;
        const k0 = g0 * invS,
          k1 = g1 * invS;
        x0 += k0 * y;
        x1 += k1 * y;
        p00 -= k0 * g0;
        p01 -= k0 * g1;
        p11 -= k1 * g1;
        if (wantLL) {
          const term = -0.5 * (LOG_2PI + Math.log(S) + y * y * invS);
          ll += term;
          if (terms !== null) terms[t] = term;
        }
      } else if (out.singularAt < 0) out.singularAt = t;
    } else if (zt === zt) throw infiniteObservation(t, 0, 1, zt);
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

/**
 * Whether the model is exactly the pairs model of pair.ts (random-walk state, no offsets,
 * Q = q·I, constant R > 0, rows [x_t, 1]) and only filtered means and covariances are wanted:
 * then the filter is {@link pairStep}, the step every backtest and scan runs, so a
 * `KalmanFilter` on the pairs model gives their β_t and α_t to the last bit.
 */
function isPairModel(model: ResolvedModel, n: number): boolean {
  const { A, b, Q, C, d, R } = model;
  if (A.steps !== 0 || b.steps !== 0 || Q.steps !== 0 || d.steps !== 0 || R.steps !== 0) return false;
  const a = A.data,
    q = Q.data;
  if (!(a[0] === 1 && a[1] === 0 && a[2] === 0 && a[3] === 1)) return false;
  if (!(b.data[0] === 0 && b.data[1] === 0 && d.data[0] === 0 && R.data[0] > 0)) return false;
  if (!(q[1] === 0 && q[2] === 0 && q[0] === q[3] && q[0] >= 0)) return false;
  const Cd = C.data,
    sC = C.stride;
  for (let t = 0; t < n; t++) if (Cd[t * sC + 1] !== 1) return false;
  return true;
}

/** The pairs model through {@link pairStep}; a missing observation is {@link pairSkip}. */
function filter2Pair(model: ResolvedModel, Z: Float64Array, n: number, out: FilterOutput): void {
  const Cd = model.C.data,
    sC = model.C.stride;
  const s = new Float64Array(10);
  s[PAIR_BETA] = model.mu0[0];
  s[PAIR_ALPHA] = model.mu0[1];
  s[2] = model.P0[0];
  s[3] = model.P0[1];
  s[4] = model.P0[3];
  s[5] = model.Q.data[0];
  s[6] = model.R.data[0];
  const means = out.means,
    covs = out.covs;
  for (let t = 0; t < n; t++) {
    const zt = Z[t];
    if (zt - zt === 0) pairStep(s, Cd[t * sC], zt);
    else if (zt === zt) throw infiniteObservation(t, 0, 1, zt);
    else pairSkip(s);
    means[2 * t] = s[PAIR_BETA];
    means[2 * t + 1] = s[PAIR_ALPHA];
    if (covs !== null) {
      const o4 = 4 * t;
      covs[o4] = s[2];
      covs[o4 + 1] = s[3];
      covs[o4 + 2] = s[3];
      covs[o4 + 3] = s[4];
    }
  }
}

function filterGeneric(
  model: ResolvedModel,
  Z: Float64Array,
  n: number,
  wantLL: boolean,
  out: FilterOutput,
): void {
  const { k, m, A, b, Q, C, d, R } = model;
  const kk = k * k;
  const ws = createWorkspace(k, m);
  const x = new Float64Array(k);
  const P = new Float64Array(kk);
  x.set(model.mu0);
  P.set(model.P0);
  // buffers for the observed rows of a partially missing step
  const subZ = new Float64Array(m),
    subC = new Float64Array(m * k),
    subD = new Float64Array(m),
    subR = new Float64Array(m * m);
  const idx = new Int32Array(m);
  const partial = model.partialMissing === 'update-observed';
  const { means, covs, predMeans: pm, predCovs: pc, loglikTerms: terms } = out;
  let ll = 0;
  for (let t = 0; t < n; t++) {
    if (t > 0) {
      predict(
        ws,
        x,
        0,
        P,
        0,
        A.data,
        (t - 1) * A.stride,
        b.data,
        (t - 1) * b.stride,
        Q.data,
        (t - 1) * Q.stride,
        x,
        0,
        P,
        0,
      );
    }
    if (pm !== null) {
      pm.set(x, t * k);
      pc!.set(P, t * kk);
    }
    let observed = 0;
    for (let i = 0; i < m; i++) {
      const v = Z[t * m + i];
      if (v - v === 0) idx[observed++] = i;
      else if (v === v) throw infiniteObservation(t, i, m, v);
    }
    let term = 0;
    let updated = false;
    if (observed === m) {
      term = update(
        ws,
        m,
        x,
        0,
        P,
        0,
        Z,
        t * m,
        C.data,
        t * C.stride,
        d.data,
        t * d.stride,
        R.data,
        t * R.stride,
        x,
        0,
        P,
        0,
      );
      updated = true;
    } else if (observed > 0) {
      if (out.partialAt < 0) out.partialAt = t;
      if (partial) {
        const co = t * C.stride,
          dOff = t * d.stride,
          ro = t * R.stride;
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

/** ±Infinity is not a missing value: it is refused where the loop meets it. */
function infiniteObservation(t: number, i: number, m: number, v: number): KalmanModelError {
  return new KalmanModelError(
    'observations',
    `${v} at [${t}]${m > 1 ? `[${i}]` : ''} is not a valid observation (use null or NaN to mark a missing value)`,
  );
}
