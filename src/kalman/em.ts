/**
 * Expectation–maximisation for the linear-Gaussian state-space model, in pykalman's M-step
 * order: C, R, A, Q, μ0, Σ0, b, d. Each update uses the values already updated above it and
 * the previous offsets where offsets appear; a learned parameter becomes constant in time.
 * @internal
 */
import { symmetricSolve, symmetrize } from '../linalg/dense.js';
import { KalmanModelError } from './errors.js';
import { runFilter, type FilterOutput } from './filter.js';
import { makeParam, type Param, type ResolvedModel } from './model.js';
import { runSmoother } from './smoother.js';
import type { EmVar } from './types.js';

export interface EmResult {
  model: ResolvedModel;
  /** Log-likelihood after each iteration (with that iteration's learned parameters). */
  loglikelihoods: number[];
}

/** Solves X · den = num for X (num r×k, den k×k symmetric PSD), i.e. X = num · den⁻¹. */
function rightDivide(k: number, r: number, num: Float64Array, den: Float64Array): Float64Array {
  const bt = new Float64Array(k * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) bt[j * r + i] = num[i * k + j];
  symmetrize(k, den, 0);
  symmetricSolve(k, den, 0, bt, r, new Float64Array(k * k), new Float64Array(3 * k * k + k + k * r));
  const out = new Float64Array(r * k);
  for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) out[i * k + j] = bt[j * r + i];
  return out;
}

function loglikOrThrow(model: ResolvedModel, z: Float64Array, n: number): number {
  const f = runFilter(model, z, n, { covariances: false, predicted: false, loglikelihood: true });
  if (f.singularAt >= 0)
    throw new KalmanModelError(
      'observationCovariance',
      `the innovation covariance C P Cᵀ + R is singular at step ${f.singularAt}, so the log-likelihood is undefined; make R positive definite`,
    );
  return f.loglik;
}

export { loglikOrThrow as loglikelihoodOf };

export function runEm(
  model0: ResolvedModel,
  z: Float64Array,
  n: number,
  nIter: number,
  vars: readonly EmVar[],
  /** Record the log-likelihood after each iteration (a strategy learning on a short warm-up
   * window skips it: its log() per step costs a third of the iteration). */
  trace = true,
  buffers?: EmBuffers,
): EmResult {
  const learn = new Set(vars);
  const { k, m } = model0;
  if (model0.partialMissing === 'update-observed') {
    for (let t = 0; t < n; t++) {
      let obs = 0;
      for (let i = 0; i < m; i++) if (z[t * m + i] === z[t * m + i]) obs++;
      if (obs > 0 && obs < m)
        throw new KalmanModelError(
          'partialMissing',
          `EM has no exact M-step for partially observed steps (step ${t}); use partialMissing 'drop-row' for EM`,
        );
    }
  }
  let count = 0;
  const observedAll = buffers?.observed ?? new Int32Array(n);
  for (let t = 0; t < n; t++) {
    let all = true;
    for (let i = 0; i < m; i++) if (z[t * m + i] !== z[t * m + i]) all = false;
    if (all) observedAll[count++] = t;
  }
  const observed = observedAll.subarray(0, count);
  const needsObs = ['observationMatrices', 'observationCovariance', 'observationOffsets'].some((v) =>
    learn.has(v as EmVar),
  );
  if (needsObs && count === 0)
    throw new KalmanModelError(
      'observations',
      'EM needs at least one fully observed step to learn observation parameters',
    );
  const needsPairs = ['transitionMatrices', 'transitionCovariance', 'transitionOffsets'].some((v) =>
    learn.has(v as EmVar),
  );
  if (needsPairs && n < 2)
    throw new KalmanModelError(
      'observations',
      `EM needs at least 2 time steps to learn transition parameters, got ${n}`,
    );

  let cur = model0;
  const loglikelihoods: number[] = [];
  // buffers reused across iterations (each is overwritten in full)
  let f: FilterOutput | undefined = buffers?.filter;
  let gains: Float64Array | undefined = buffers?.gains;
  let pairsBuffer: Float64Array | undefined = buffers?.pairs;
  for (let it = 0; it < nIter; it++) {
    f = runFilter(cur, z, n, { covariances: true, predicted: true, loglikelihood: trace && it > 0 }, f);
    if (trace && it > 0) {
      if (f.singularAt >= 0) loglikelihoods.push(loglikOrThrow(cur, z, n));
      else loglikelihoods.push(f.loglik);
    }
    const s = runSmoother(cur, f, true, gains);
    gains = s.gains!;
    const pairs = needsPairs ? (pairsBuffer = pairwiseCovariances(n, k, s.covs, gains, pairsBuffer)) : s.covs;
    cur = mStep(cur, { n, k, m, z, O: observed, xs: s.means, V: s.covs, pairs }, learn);
  }
  if (trace && nIter > 0) loglikelihoods.push(loglikOrThrow(cur, z, n));
  return { model: cur, loglikelihoods };
}

/** Every buffer {@link runEm} needs for n steps of a k-state model, given up front. */
export interface EmBuffers {
  /** A filter output of n steps with covariances and predictions (overwritten in full). */
  filter: FilterOutput;
  gains: Float64Array;
  pairs: Float64Array;
  observed: Int32Array;
}

/**
 * {@link EmBuffers} for n steps and k states as views of one ArrayBuffer: on a short window the
 * eight separate typed arrays EM would otherwise allocate (each one off V8's heap) cost more
 * than the iterations.
 */
export function emBuffers(n: number, k: number): EmBuffers {
  const nk = n * k;
  const nkk = n * k * k;
  const gainsSize = Math.max(n - 1, 0) * k * k;
  const doubles = 2 * nk + 3 * nkk + gainsSize;
  const buffer = new ArrayBuffer(doubles * 8 + n * 4);
  let at = 0;
  const take = (size: number) => {
    const view = new Float64Array(buffer, at * 8, size);
    at += size;
    return view;
  };
  return {
    filter: {
      n,
      k,
      means: take(nk),
      covs: take(nkk),
      predMeans: take(nk),
      predCovs: take(nkk),
      loglik: 0,
      loglikTerms: null,
      singularAt: -1,
      partialAt: -1,
    },
    pairs: take(nkk),
    gains: take(gainsSize),
    observed: new Int32Array(buffer, doubles * 8, n),
  };
}

/** Smoothed moments the M-step reads: x̂_t (n×k), V_t (n×k×k), V_{t,t-1} (n×k×k, t ≥ 1). */
interface Moments {
  n: number;
  k: number;
  m: number;
  z: Float64Array;
  /** Fully observed steps. */
  O: Int32Array;
  xs: Float64Array;
  V: Float64Array;
  pairs: Float64Array;
}

/** Pairwise covariances V_{t,t-1} = V_t J_{t-1}ᵀ for t = 1 … n-1 (index 0 unused). */
function pairwiseCovariances(
  n: number,
  k: number,
  V: Float64Array,
  J: Float64Array,
  reuse?: Float64Array,
): Float64Array {
  const kk = k * k;
  const out = reuse?.length === n * kk ? reuse : new Float64Array(n * kk);
  for (let t = 1; t < n; t++) {
    const vo = t * kk,
      jo = (t - 1) * kk;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += V[vo + i * k + p] * J[jo + j * k + p];
        out[vo + i * k + j] = s;
      }
    }
  }
  return out;
}

const constant = (data: Float64Array, size: number): Param => makeParam(data, size, 0);

/** 1. C = [Σ_O (z_t − d_t) x̂_tᵀ] [Σ_O (V_t + x̂_t x̂_tᵀ)]⁻¹ */
function sumsC(mo: Moments, d: Param): { num: Float64Array; den: Float64Array } {
  if (mo.k === 1 && mo.m === 1) return sumsC1(mo, d);
  const dd = d.data,
    ds = d.stride;
  const { k, m, z, O, xs, V } = mo;
  const kk = k * k;
  const num = new Float64Array(m * k);
  const den = new Float64Array(kk);
  for (let o = 0; o < O.length; o++) {
    const t = O[o];
    const dOff = t * ds;
    for (let i = 0; i < m; i++) {
      const r = z[t * m + i] - dd[dOff + i];
      for (let j = 0; j < k; j++) num[i * k + j] += r * xs[t * k + j];
    }
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) den[i * k + j] += V[t * kk + i * k + j] + xs[t * k + i] * xs[t * k + j];
  }
  return { num, den };
}

/** 2. R = (1/|O|) Σ_O [e eᵀ + C_t V_t C_tᵀ],  e = z_t − C_t x̂_t − d_t */
function sumR(mo: Moments, C: Param, d: Param): Float64Array {
  if (mo.k === 1 && mo.m === 1) return sumR1(mo, C, d);
  const Cd = C.data,
    Cs = C.stride;
  const dd = d.data,
    ds = d.stride;
  const { k, m, z, O, xs, V } = mo;
  const kk = k * k;
  const acc = new Float64Array(m * m);
  const e = new Float64Array(m);
  const CV = new Float64Array(m * k);
  for (let o = 0; o < O.length; o++) {
    const t = O[o];
    const co = t * Cs,
      dOff = t * ds;
    for (let i = 0; i < m; i++) {
      let s = z[t * m + i] - dd[dOff + i];
      for (let j = 0; j < k; j++) s -= Cd[co + i * k + j] * xs[t * k + j];
      e[i] = s;
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += Cd[co + i * k + p] * V[t * kk + p * k + j];
        CV[i * k + j] = s;
      }
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        let s = e[i] * e[j];
        for (let p = 0; p < k; p++) s += CV[i * k + p] * Cd[co + j * k + p];
        acc[i * m + j] += s;
      }
    }
  }
  return acc;
}

/** 3. A = [Σ_{t≥1} (V_{t,t-1} + x̂_t x̂_{t-1}ᵀ − b_{t-1} x̂_{t-1}ᵀ)] [Σ_{t≥1} (V_{t-1} + x̂_{t-1} x̂_{t-1}ᵀ)]⁻¹ */
function sumsA(mo: Moments, b: Param): { num: Float64Array; den: Float64Array } {
  if (mo.k === 1 && mo.m === 1) return sumsA1(mo, b);
  const bd = b.data,
    bs = b.stride;
  const { n, k, xs, V, pairs } = mo;
  const kk = k * k;
  const num = new Float64Array(kk);
  const den = new Float64Array(kk);
  for (let t = 1; t < n; t++) {
    const bo = (t - 1) * bs;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const xp = xs[(t - 1) * k + j];
        num[i * k + j] += pairs[t * kk + i * k + j] + xs[t * k + i] * xp - bd[bo + i] * xp;
        den[i * k + j] += V[(t - 1) * kk + i * k + j] + xs[(t - 1) * k + i] * xp;
      }
    }
  }
  return { num, den };
}

/** 4. Q = (1/(n−1)) Σ_{t=0}^{n-2} [e eᵀ + A_t V_t A_tᵀ + V_{t+1} − V_{t+1,t} A_tᵀ − A_t V_{t+1,t}ᵀ],  e = x̂_{t+1} − A_t x̂_t − b_t */
function sumQ(mo: Moments, A: Param, b: Param): Float64Array {
  if (mo.k === 1 && mo.m === 1) return sumQ1(mo, A, b);
  const Ad = A.data,
    As = A.stride;
  const bd = b.data,
    bs = b.stride;
  const { n, k, xs, V, pairs } = mo;
  const kk = k * k;
  const acc = new Float64Array(kk);
  const e = new Float64Array(k);
  const AV = new Float64Array(kk);
  const PA = new Float64Array(kk);
  for (let t = 0; t < n - 1; t++) {
    const ao = t * As,
      bo = t * bs,
      po = (t + 1) * kk;
    for (let i = 0; i < k; i++) {
      let s = xs[(t + 1) * k + i] - bd[bo + i];
      for (let j = 0; j < k; j++) s -= Ad[ao + i * k + j] * xs[t * k + j];
      e[i] = s;
    }
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        let u = 0;
        for (let p = 0; p < k; p++) {
          s += Ad[ao + i * k + p] * V[t * kk + p * k + j];
          u += pairs[po + i * k + p] * Ad[ao + j * k + p];
        }
        AV[i * k + j] = s;
        PA[i * k + j] = u; // V_{t+1,t} A_tᵀ
      }
    }
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = e[i] * e[j] + V[po + i * k + j] - PA[i * k + j] - PA[j * k + i];
        for (let p = 0; p < k; p++) s += AV[i * k + p] * Ad[ao + j * k + p];
        acc[i * k + j] += s;
      }
    }
  }
  return acc;
}

/** 6. Σ0 = V_0 + x̂_0 x̂_0ᵀ − μ0 x̂_0ᵀ − x̂_0 μ0ᵀ + μ0 μ0ᵀ */
function learnP0(mo: Moments, mu0: Float64Array): Float64Array {
  const { k, xs, V } = mo;
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const xi = xs[i],
        xj = xs[j];
      out[i * k + j] = V[i * k + j] + xi * xj - mu0[i] * xj - xi * mu0[j] + mu0[i] * mu0[j];
    }
  }
  symmetrize(k, out, 0);
  return out;
}

/** 7. b = (1/(n−1)) Σ_{t≥1} (x̂_t − A_{t-1} x̂_{t-1}) */
function sumB(mo: Moments, A: Param): Float64Array {
  if (mo.k === 1 && mo.m === 1) return sumB1(mo, A);
  const Ad = A.data,
    As = A.stride;
  const { n, k, xs } = mo;
  const acc = new Float64Array(k);
  for (let t = 1; t < n; t++) {
    const ao = (t - 1) * As;
    for (let i = 0; i < k; i++) {
      let s = xs[t * k + i];
      for (let j = 0; j < k; j++) s -= Ad[ao + i * k + j] * xs[(t - 1) * k + j];
      acc[i] += s;
    }
  }
  return acc;
}

/** 8. d = (1/|O|) Σ_O (z_t − C_t x̂_t) */
function sumD(mo: Moments, C: Param): Float64Array {
  if (mo.k === 1 && mo.m === 1) return sumD1(mo, C);
  const Cd = C.data,
    Cs = C.stride;
  const { k, m, z, O, xs } = mo;
  const acc = new Float64Array(m);
  for (let o = 0; o < O.length; o++) {
    const t = O[o];
    const co = t * Cs;
    for (let i = 0; i < m; i++) {
      let s = z[t * m + i];
      for (let j = 0; j < k; j++) s -= Cd[co + i * k + j] * xs[t * k + j];
      acc[i] += s;
    }
  }
  return acc;
}

// Scalar (1 state, 1 observation) versions of the sums above: the same formulas without the
// k- and m-loops, which cost more than the arithmetic when k = m = 1 (EM's common case).

function sumsC1(mo: Moments, d: Param): { num: Float64Array; den: Float64Array } {
  const { z, O, xs, V } = mo;
  const dd = d.data,
    ds = d.stride;
  let num = 0,
    den = 0;
  for (let o = 0; o < O.length; o++) {
    const t = O[o];
    num += (z[t] - dd[t * ds]) * xs[t];
    den += V[t] + xs[t] * xs[t];
  }
  return { num: Float64Array.of(num), den: Float64Array.of(den) };
}

function sumR1(mo: Moments, C: Param, d: Param): Float64Array {
  const { z, O, xs, V } = mo;
  const Cd = C.data,
    Cs = C.stride,
    dd = d.data,
    ds = d.stride;
  let acc = 0;
  for (let o = 0; o < O.length; o++) {
    const t = O[o];
    const c = Cd[t * Cs];
    const e = z[t] - dd[t * ds] - c * xs[t];
    acc += e * e + c * V[t] * c;
  }
  return Float64Array.of(acc);
}

function sumsA1(mo: Moments, b: Param): { num: Float64Array; den: Float64Array } {
  const { n, xs, V, pairs } = mo;
  const bd = b.data,
    bs = b.stride;
  let num = 0,
    den = 0;
  for (let t = 1; t < n; t++) {
    const xp = xs[t - 1];
    num += pairs[t] + xs[t] * xp - bd[(t - 1) * bs] * xp;
    den += V[t - 1] + xp * xp;
  }
  return { num: Float64Array.of(num), den: Float64Array.of(den) };
}

function sumQ1(mo: Moments, A: Param, b: Param): Float64Array {
  const { n, xs, V, pairs } = mo;
  const Ad = A.data,
    As = A.stride,
    bd = b.data,
    bs = b.stride;
  let acc = 0;
  for (let t = 0; t < n - 1; t++) {
    const a = Ad[t * As];
    const e = xs[t + 1] - bd[t * bs] - a * xs[t];
    const pa = pairs[t + 1] * a;
    acc += e * e + V[t + 1] - pa - pa + a * V[t] * a;
  }
  return Float64Array.of(acc);
}

function sumB1(mo: Moments, A: Param): Float64Array {
  const { n, xs } = mo;
  const Ad = A.data,
    As = A.stride;
  let acc = 0;
  for (let t = 1; t < n; t++) acc += xs[t] - Ad[(t - 1) * As] * xs[t - 1];
  return Float64Array.of(acc);
}

function sumD1(mo: Moments, C: Param): Float64Array {
  const { z, O, xs } = mo;
  const Cd = C.data,
    Cs = C.stride;
  let acc = 0;
  for (let o = 0; o < O.length; o++) {
    const t = O[o];
    acc += z[t] - Cd[t * Cs] * xs[t];
  }
  return Float64Array.of(acc);
}

/** acc / count as a constant parameter, symmetrised when it is a covariance (dim given). */
function mean(acc: Float64Array, count: number, covarianceDim = 0): Param {
  for (let i = 0; i < acc.length; i++) acc[i] /= count;
  if (covarianceDim > 0) symmetrize(covarianceDim, acc, 0);
  return constant(acc, acc.length);
}

/**
 * One M-step in pykalman's order. Offsets in the C, R, A and Q formulas are the previous
 * iteration's (b, d as they were before this step), as pykalman does.
 */
function mStep(model: ResolvedModel, mo: Moments, learn: Set<EmVar>): ResolvedModel {
  let { A, b, Q, C, d, R, mu0, P0 } = model;
  const bPrev = b;
  const dPrev = d;
  // The sums run in functions of their own that end with their loop: V8 then never meets
  // unprofiled code after a hot loop (which would throw away the optimised loop each call).
  const { n, k, m, O } = mo;
  if (learn.has('observationMatrices')) {
    const { num, den } = sumsC(mo, dPrev);
    C = constant(rightDivide(k, m, num, den), m * k);
  }
  if (learn.has('observationCovariance')) R = mean(sumR(mo, C, dPrev), O.length, m);
  if (learn.has('transitionMatrices')) {
    const { num, den } = sumsA(mo, bPrev);
    A = constant(rightDivide(k, k, num, den), k * k);
  }
  if (learn.has('transitionCovariance')) Q = mean(sumQ(mo, A, bPrev), n - 1, k);
  if (learn.has('initialStateMean')) mu0 = mo.xs.slice(0, mo.k); // 5. μ0 = x̂_0
  if (learn.has('initialStateCovariance')) P0 = learnP0(mo, mu0);
  if (learn.has('transitionOffsets')) b = mean(sumB(mo, A), n - 1);
  if (learn.has('observationOffsets')) d = mean(sumD(mo, C), O.length);
  return {
    k: model.k,
    m: model.m,
    A,
    b,
    Q,
    C,
    d,
    R,
    mu0,
    P0,
    emVars: model.emVars,
    partialMissing: model.partialMissing,
  };
}
