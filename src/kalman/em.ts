/**
 * Expectation–maximisation for the linear-Gaussian state-space model, in pykalman's M-step
 * order: C, R, A, Q, μ0, Σ0, b, d. Each update uses the values already updated above it and
 * the previous offsets where offsets appear; a learned parameter becomes constant in time.
 * @internal
 */
import { symmetricSolve, symmetrize } from '../linalg/dense.js';
import { KalmanModelError } from './errors.js';
import { runFilter } from './filter.js';
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

export function runEm(model0: ResolvedModel, z: Float64Array, n: number, nIter: number, vars: readonly EmVar[]): EmResult {
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
  const observedSteps: number[] = [];
  for (let t = 0; t < n; t++) {
    let all = true;
    for (let i = 0; i < m; i++) if (z[t * m + i] !== z[t * m + i]) all = false;
    if (all) observedSteps.push(t);
  }
  const needsObs = ['observationMatrices', 'observationCovariance', 'observationOffsets'].some((v) => learn.has(v as EmVar));
  if (needsObs && observedSteps.length === 0)
    throw new KalmanModelError('observations', 'EM needs at least one fully observed step to learn observation parameters');
  const needsPairs = ['transitionMatrices', 'transitionCovariance', 'transitionOffsets'].some((v) => learn.has(v as EmVar));
  if (needsPairs && n < 2)
    throw new KalmanModelError('observations', `EM needs at least 2 time steps to learn transition parameters, got ${n}`);

  let cur = model0;
  const trace: number[] = [];
  for (let it = 0; it < nIter; it++) {
    const f = runFilter(cur, z, n, { covariances: true, predicted: true, loglikelihood: it > 0 });
    if (it > 0) {
      if (f.singularAt >= 0) trace.push(loglikOrThrow(cur, z, n));
      else trace.push(f.loglik);
    }
    const s = runSmoother(cur, f, true);
    cur = mStep(cur, z, n, observedSteps, learn, s.means, s.covs, s.gains!);
  }
  if (nIter > 0) trace.push(loglikOrThrow(cur, z, n));
  void k;
  return { model: cur, loglikelihoods: trace };
}

function mStep(
  model: ResolvedModel,
  z: Float64Array,
  n: number,
  O: number[],
  learn: Set<EmVar>,
  xs: Float64Array,
  V: Float64Array,
  J: Float64Array,
): ResolvedModel {
  const { k, m } = model;
  const kk = k * k;
  let { A, b, Q, C, d, R } = model;
  let mu0 = model.mu0;
  let P0 = model.P0;
  const bPrev = b;
  const dPrev = d;
  const constant = (data: Float64Array, size: number): Param => makeParam(data, size, 0);

  // pairwise covariance V_{t,t-1} = V_t J_{t-1}ᵀ, written into `pair` for one t at a time
  const pair = new Float64Array(kk);
  const pairwise = (t: number): Float64Array => {
    const vo = t * kk, jo = (t - 1) * kk;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += V[vo + i * k + p] * J[jo + j * k + p];
        pair[i * k + j] = s;
      }
    }
    return pair;
  };

  // 1. C = [Σ_O (z_t − d_t) x̂_tᵀ] [Σ_O (V_t + x̂_t x̂_tᵀ)]⁻¹
  if (learn.has('observationMatrices')) {
    const num = new Float64Array(m * k);
    const den = new Float64Array(kk);
    for (const t of O) {
      const dOff = t * dPrev.stride;
      for (let i = 0; i < m; i++) {
        const r = z[t * m + i] - dPrev.data[dOff + i];
        for (let j = 0; j < k; j++) num[i * k + j] += r * xs[t * k + j];
      }
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++) den[i * k + j] += V[t * kk + i * k + j] + xs[t * k + i] * xs[t * k + j];
    }
    C = constant(rightDivide(k, m, num, den), m * k);
  }

  // 2. R = (1/|O|) Σ_O [e eᵀ + C_t V_t C_tᵀ],  e = z_t − C_t x̂_t − d_t
  if (learn.has('observationCovariance')) {
    const acc = new Float64Array(m * m);
    const e = new Float64Array(m);
    const CV = new Float64Array(m * k);
    for (const t of O) {
      const co = t * C.stride, dOff = t * dPrev.stride;
      for (let i = 0; i < m; i++) {
        let s = z[t * m + i] - dPrev.data[dOff + i];
        for (let j = 0; j < k; j++) s -= C.data[co + i * k + j] * xs[t * k + j];
        e[i] = s;
      }
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < k; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += C.data[co + i * k + p] * V[t * kk + p * k + j];
          CV[i * k + j] = s;
        }
      }
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          let s = e[i] * e[j];
          for (let p = 0; p < k; p++) s += CV[i * k + p] * C.data[co + j * k + p];
          acc[i * m + j] += s;
        }
      }
    }
    for (let i = 0; i < m * m; i++) acc[i] /= O.length;
    symmetrize(m, acc, 0);
    R = constant(acc, m * m);
  }

  // 3. A = [Σ_{t≥1} (V_{t,t-1} + x̂_t x̂_{t-1}ᵀ − b_{t-1} x̂_{t-1}ᵀ)] [Σ_{t≥1} (V_{t-1} + x̂_{t-1} x̂_{t-1}ᵀ)]⁻¹
  if (learn.has('transitionMatrices')) {
    const num = new Float64Array(kk);
    const den = new Float64Array(kk);
    for (let t = 1; t < n; t++) {
      const pw = pairwise(t);
      const bo = (t - 1) * bPrev.stride;
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const xp = xs[(t - 1) * k + j];
          num[i * k + j] += pw[i * k + j] + xs[t * k + i] * xp - bPrev.data[bo + i] * xp;
          den[i * k + j] += V[(t - 1) * kk + i * k + j] + xs[(t - 1) * k + i] * xp;
        }
      }
    }
    A = constant(rightDivide(k, k, num, den), kk);
  }

  // 4. Q = (1/(n−1)) Σ_{t=0}^{n-2} [e eᵀ + A_t V_t A_tᵀ + V_{t+1} − V_{t+1,t} A_tᵀ − A_t V_{t+1,t}ᵀ]
  if (learn.has('transitionCovariance')) {
    const acc = new Float64Array(kk);
    const e = new Float64Array(k);
    const AV = new Float64Array(kk);
    const PA = new Float64Array(kk);
    for (let t = 0; t < n - 1; t++) {
      const ao = t * A.stride, bo = t * bPrev.stride;
      for (let i = 0; i < k; i++) {
        let s = xs[(t + 1) * k + i] - bPrev.data[bo + i];
        for (let j = 0; j < k; j++) s -= A.data[ao + i * k + j] * xs[t * k + j];
        e[i] = s;
      }
      const pw = pairwise(t + 1);
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          let s = 0;
          let u = 0;
          for (let p = 0; p < k; p++) {
            s += A.data[ao + i * k + p] * V[t * kk + p * k + j];
            u += pw[i * k + p] * A.data[ao + j * k + p];
          }
          AV[i * k + j] = s;
          PA[i * k + j] = u; // V_{t+1,t} A_tᵀ
        }
      }
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          let s = e[i] * e[j] + V[(t + 1) * kk + i * k + j] - PA[i * k + j] - PA[j * k + i];
          for (let p = 0; p < k; p++) s += AV[i * k + p] * A.data[ao + j * k + p];
          acc[i * k + j] += s;
        }
      }
    }
    for (let i = 0; i < kk; i++) acc[i] /= n - 1;
    symmetrize(k, acc, 0);
    Q = constant(acc, kk);
  }

  // 5. μ0 = x̂_0
  if (learn.has('initialStateMean')) mu0 = xs.slice(0, k);

  // 6. Σ0 = V_0 + x̂_0 x̂_0ᵀ − μ0 x̂_0ᵀ − x̂_0 μ0ᵀ + μ0 μ0ᵀ
  if (learn.has('initialStateCovariance')) {
    const out = new Float64Array(kk);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const xi = xs[i], xj = xs[j];
        out[i * k + j] = V[i * k + j] + xi * xj - mu0[i] * xj - xi * mu0[j] + mu0[i] * mu0[j];
      }
    }
    symmetrize(k, out, 0);
    P0 = out;
  }

  // 7. b = (1/(n−1)) Σ_{t≥1} (x̂_t − A_{t-1} x̂_{t-1})
  if (learn.has('transitionOffsets')) {
    const acc = new Float64Array(k);
    for (let t = 1; t < n; t++) {
      const ao = (t - 1) * A.stride;
      for (let i = 0; i < k; i++) {
        let s = xs[t * k + i];
        for (let j = 0; j < k; j++) s -= A.data[ao + i * k + j] * xs[(t - 1) * k + j];
        acc[i] += s;
      }
    }
    for (let i = 0; i < k; i++) acc[i] /= n - 1;
    b = constant(acc, k);
  }

  // 8. d = (1/|O|) Σ_O (z_t − C_t x̂_t)
  if (learn.has('observationOffsets')) {
    const acc = new Float64Array(m);
    for (const t of O) {
      const co = t * C.stride;
      for (let i = 0; i < m; i++) {
        let s = z[t * m + i];
        for (let j = 0; j < k; j++) s -= C.data[co + i * k + j] * xs[t * k + j];
        acc[i] += s;
      }
    }
    for (let i = 0; i < m; i++) acc[i] /= O.length;
    d = constant(acc, m);
  }

  return { ...model, A, b, Q, C, d, R, mu0, P0 };
}
