/** Property tests on random valid models (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KalmanFilter, type KalmanModelInput } from '../../src/kalman/index.js';

interface RandomCase {
  model: KalmanModelInput;
  k: number;
  m: number;
  obs: (number | null)[][];
}

/** Seeded uniform and standard-normal generators (mulberry32 + Box–Muller). */
function seeded(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    normal: () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
  };
}

/** B Bᵀ + εI: symmetric positive definite. */
function spd(n: number, vals: number[], eps: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    out.push([]);
    for (let j = 0; j < n; j++) {
      let s = i === j ? eps : 0;
      for (let p = 0; p < n; p++) s += vals[i * n + p] * vals[j * n + p];
      out[i].push(s);
    }
  }
  return out;
}

const matrix = (rows: number, cols: number, vals: number[]): number[][] =>
  Array.from({ length: rows }, (_, i) => vals.slice(i * cols, (i + 1) * cols));

// rounded to 1e-6 so products never underflow into subnormal numbers
const unit = fc.double({ min: -1, max: 1, noNaN: true }).map((v) => Math.round(v * 1e6) / 1e6);

const randomCase = (opts: { missingRate?: number; minSteps?: number } = {}): fc.Arbitrary<RandomCase> =>
  fc
    .record({
      k: fc.integer({ min: 1, max: 3 }),
      m: fc.integer({ min: 1, max: 2 }),
      n: fc.integer({ min: opts.minSteps ?? 2, max: 40 }),
    })
    .chain(({ k, m, n }) =>
      fc
        .record({
          A: fc.array(unit, { minLength: k * k, maxLength: k * k }),
          C: fc.array(unit, { minLength: m * k, maxLength: m * k }),
          Q: fc.array(unit, { minLength: k * k, maxLength: k * k }),
          R: fc.array(unit, { minLength: m * m, maxLength: m * m }),
          P0: fc.array(unit, { minLength: k * k, maxLength: k * k }),
          b: fc.array(unit, { minLength: k, maxLength: k }),
          d: fc.array(unit, { minLength: m, maxLength: m }),
          mu0: fc.array(unit, { minLength: k, maxLength: k }),
          seed: fc.integer(),
        })
        .map(({ A, C, Q, R, P0, b, d, mu0, seed }) => {
          // keep the dynamics stable: scale A to spectral norm < 1 (Frobenius bound)
          const fro = Math.sqrt(A.reduce((s, v) => s + v * v, 0)) || 1;
          const As = A.map((v) => (0.95 * v) / Math.max(fro, 1));
          // observations simulated from the state-space model itself (unit noise), so they vary
          const { normal: rand, uniform } = seeded(seed);
          let x = mu0.map(() => rand());
          const obs: (number | null)[][] = [];
          for (let t = 0; t < n; t++) {
            if (t > 0)
              x = x.map((_, i) => x.reduce((s, xj, j) => s + As[i * k + j] * xj, b[i]) + 0.3 * rand());
            const z = Array.from(
              { length: m },
              (_, i) => x.reduce((s, xj, j) => s + C[i * k + j] * xj, d[i]) + 0.5 * rand(),
            );
            obs.push(uniform() < (opts.missingRate ?? 0.15) ? Array(m).fill(null) : z);
          }
          return {
            k,
            m,
            obs,
            model: {
              transitionMatrices: matrix(k, k, As),
              observationMatrices: matrix(m, k, C),
              transitionCovariance: spd(k, Q, 0.01),
              observationCovariance: spd(m, R, 0.05),
              initialStateCovariance: spd(k, P0, 0),
              transitionOffsets: b,
              observationOffsets: d,
              initialStateMean: mu0,
            },
          };
        }),
    );

/**
 * Symmetric and positive semi-definite, for k ≤ 3: every principal minor is ≥ 0 up to
 * rounding (relative to the matrix's scale raised to the minor's order).
 */
function isSymmetricPsd(a: Float64Array, k: number): boolean {
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  if (scale === 0) return true;
  const at = (i: number, j: number) => a[i * k + j];
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) if (Math.abs(at(i, j) - at(j, i)) > 1e-12 * scale) return false;
  const tol = 1e-10;
  for (let i = 0; i < k; i++) if (at(i, i) < -tol * scale) return false;
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++)
      if (at(i, i) * at(j, j) - at(i, j) * at(j, i) < -tol * scale * scale) return false;
  if (k === 3) {
    const det =
      at(0, 0) * (at(1, 1) * at(2, 2) - at(1, 2) * at(2, 1)) -
      at(0, 1) * (at(1, 0) * at(2, 2) - at(1, 2) * at(2, 0)) +
      at(0, 2) * (at(1, 0) * at(2, 1) - at(1, 1) * at(2, 0));
    if (det < -tol * scale ** 3) return false;
  }
  return true;
}

describe('Kalman properties on random valid models', () => {
  it('keeps filtered and smoothed covariances symmetric positive semi-definite', () => {
    fc.assert(
      fc.property(randomCase(), ({ model, k, obs }) => {
        const kf = new KalmanFilter(model);
        for (const seq of [kf.filter(obs).stateCovariances, kf.smooth(obs).stateCovariances])
          for (let t = 0; t < seq.length; t++) expect(isSymmetricPsd(seq.matrix(t), k)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('smoothed variances never exceed filtered variances', () => {
    fc.assert(
      fc.property(randomCase(), ({ model, k, obs }) => {
        const kf = new KalmanFilter(model);
        const f = kf.filter(obs).stateCovariances;
        const s = kf.smooth(obs).stateCovariances;
        for (let t = 0; t < f.length; t++)
          for (let i = 0; i < k; i++)
            expect(s.at(t, i, i)).toBeLessThanOrEqual(f.at(t, i, i) * (1 + 1e-9) + 1e-12);
      }),
      { numRuns: 150 },
    );
  });

  it('never lets the EM log-likelihood trace decrease', () => {
    fc.assert(
      fc.property(
        randomCase({ missingRate: 0.1, minSteps: 20 }),
        fc.constantFrom<'all' | undefined>('all', undefined),
        ({ model, obs }, vars) => {
          // EM on data it can fit exactly drives R to 0 (the likelihood is unbounded): not a valid case
          fc.pre(obs.filter((row) => row[0] !== null).length >= 10);
          const kf = new KalmanFilter(model);
          const fitted = kf.em(obs, { nIter: 6, emVars: vars });
          const trace = [kf.loglikelihood(obs), ...fitted.emLoglikelihoods!];
          for (let i = 1; i < trace.length; i++)
            expect(trace[i]).toBeGreaterThanOrEqual(trace[i - 1] - 1e-9 * Math.abs(trace[i - 1]));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('is pure prediction when every observation is missing', () => {
    fc.assert(
      fc.property(randomCase({ missingRate: 1.1 }), ({ model, k, obs }) => {
        const r = new KalmanFilter(model).filter(obs);
        // independent prediction loop: x_t = A x_{t-1} + b, P_t = A P_{t-1} Aᵀ + Q
        const A = model.transitionMatrices as number[][];
        const Q = model.transitionCovariance as number[][];
        const b = model.transitionOffsets as number[];
        let x = (model.initialStateMean as number[]).slice();
        let P = (model.initialStateCovariance as number[][]).map((row) => row.slice());
        for (let t = 0; t < obs.length; t++) {
          if (t > 0) {
            x = A.map((row, i) => row.reduce((s, a, j) => s + a * x[j], b[i]));
            const AP = A.map((row) => P[0].map((_, j) => row.reduce((s, a, p) => s + a * P[p][j], 0)));
            P = AP.map((row, i) => A.map((arow, j) => row.reduce((s, v, p) => s + v * arow[p], Q[i][j])));
          }
          for (let i = 0; i < k; i++) {
            expect(r.stateMeans.at(t, i)).toBeCloseTo(x[i], 10);
            for (let j = 0; j < k; j++) expect(r.stateCovariances.at(t, i, j)).toBeCloseTo(P[i][j], 10);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('filterUpdate step by step equals filter on the whole sequence', () => {
    fc.assert(
      fc.property(randomCase(), ({ model, k, obs }) => {
        const kf = new KalmanFilter(model);
        const r = kf.filter(obs);
        // t = 0 convention: the batch filter applies no transition before the first observation,
        // so the online loop starts from the batch result at t = 0.
        let mean: ArrayLike<number> = r.stateMeans.row(0);
        let cov: ArrayLike<number> = r.stateCovariances.matrix(0);
        for (let t = 1; t < obs.length; t++) {
          const u = kf.filterUpdate(mean, cov, obs[t]);
          for (let i = 0; i < k; i++) expect(u.mean[i]).toBeCloseTo(r.stateMeans.at(t, i), 9);
          for (let i = 0; i < k * k; i++)
            expect(u.covariance[i]).toBeCloseTo(r.stateCovariances.matrix(t)[i], 9);
          mean = u.mean;
          cov = u.covariance;
        }
      }),
      { numRuns: 150 },
    );
  });
});
