/** Behaviours beyond the pykalman reference: kalrev's documented differences and its fast paths. */
import { describe, expect, it } from 'vitest';
import {
  KalmanFilter,
  createWorkspace,
  pairObservationMatrices,
  predict,
  update,
  type KalmanModelInput,
} from '../../src/kalman/index.js';
import { loadCase } from './fixtures.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

function pair(n: number, seed: number): { x: Float64Array; y: Float64Array } {
  const r = rng(seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let px = 40;
  let beta = 1.1;
  for (let t = 0; t < n; t++) {
    px = Math.max(5, px + 0.3 * r());
    beta += 2e-4 * r();
    x[t] = px;
    y[t] = beta * px + 2 + 0.3 * r();
  }
  return { x, y };
}

const hedgeModel = (x: Float64Array, delta = 1e-4): KalmanModelInput => ({
  observationMatrices: pairObservationMatrices(x),
  transitionCovariance: [
    [delta / (1 - delta), 0],
    [0, delta / (1 - delta)],
  ],
  observationCovariance: 1e-3,
  initialStateCovariance: [
    [0, 0],
    [0, 0],
  ],
});

/** Filter with the exported generic kernel, one predict/update per step (no specialised loop). */
function kernelFilter(model: KalmanModelInput, k: number, z: Float64Array, C: (t: number) => Float64Array) {
  const kf = new KalmanFilter(model);
  const md = kf.model;
  const A = Float64Array.from((md.transitionMatrices as number[][]).flat());
  const b = Float64Array.from(md.transitionOffsets as number[]);
  const Q = Float64Array.from((md.transitionCovariance as number[][]).flat());
  const d = Float64Array.from(md.observationOffsets as number[]);
  const R = Float64Array.from((md.observationCovariance as number[][]).flat());
  const ws = createWorkspace(k, 1);
  const x = Float64Array.from(md.initialStateMean);
  const P = Float64Array.from(md.initialStateCovariance.flat());
  const means = new Float64Array(z.length * k);
  const covs = new Float64Array(z.length * k * k);
  for (let t = 0; t < z.length; t++) {
    if (t > 0) predict(ws, x, 0, P, 0, A, 0, b, 0, Q, 0, x, 0, P, 0);
    if (!Number.isNaN(z[t])) update(ws, 1, x, 0, P, 0, z, t, C(t), 0, d, 0, R, 0, x, 0, P, 0);
    means.set(x, t * k);
    covs.set(P, t * k * k);
  }
  return { means, covs };
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-300));
  return worst;
}

describe('specialised loops agree with the generic kernel', () => {
  it('pairs model (2 states, random walk, row [x_t, 1]) with missing steps', () => {
    const { x, y } = pair(5000, 7);
    for (let t = 100; t < 5000; t += 97) y[t] = NaN;
    const r = new KalmanFilter(hedgeModel(x)).filter(y);
    const g = kernelFilter(hedgeModel(x), 2, y, (t) => Float64Array.of(x[t], 1));
    expect(maxRelDiff(r.stateMeans.data, g.means)).toBeLessThan(1e-9);
    expect(maxRelDiff(r.stateCovariances.data, g.covs)).toBeLessThan(1e-9);
  });

  it('2 states with a general transition matrix and offsets', () => {
    const { x, y } = pair(3000, 8);
    const model: KalmanModelInput = {
      ...hedgeModel(x),
      transitionMatrices: [
        [0.999, 0.001],
        [-0.002, 0.998],
      ],
      transitionOffsets: [0.001, -0.002],
      initialStateCovariance: [
        [1, 0.2],
        [0.2, 1],
      ],
    };
    const r = new KalmanFilter(model).filter(y);
    const g = kernelFilter(model, 2, y, (t) => Float64Array.of(x[t], 1));
    expect(maxRelDiff(r.stateMeans.data, g.means)).toBeLessThan(1e-9);
    expect(maxRelDiff(r.stateCovariances.data, g.covs)).toBeLessThan(1e-9);
  });

  it('1 state, including the exact steady-state shortcut and its exit on missing data', () => {
    const r0 = rng(3);
    const z = new Float64Array(4000);
    let level = 50;
    for (let t = 0; t < z.length; t++) {
      level += 0.1 * r0();
      z[t] = level + 0.4 * r0();
    }
    for (const t of [1500, 1501, 1502, 2600, 3999]) z[t] = NaN;
    const model: KalmanModelInput = {
      transitionMatrices: 0.999,
      transitionOffsets: 0.05,
      transitionCovariance: 0.01,
      observationCovariance: 0.16,
      initialStateMean: 50,
    };
    const r = new KalmanFilter(model).filter(z);
    const g = kernelFilter(model, 1, z, () => Float64Array.of(1));
    expect(maxRelDiff(r.stateMeans.data, g.means)).toBeLessThan(1e-12);
    expect(maxRelDiff(r.stateCovariances.data, g.covs)).toBeLessThan(1e-12);
    // the same model with Q given per step cannot take the steady-state shortcut
    const tv = new KalmanFilter({
      ...model,
      transitionCovariance: Array.from({ length: z.length - 1 }, () => [[0.01]]),
    });
    const f = new KalmanFilter(model).filter(z, { predicted: true, loglikelihood: true });
    const h = tv.filter(z, { predicted: true, loglikelihood: true });
    expect(maxRelDiff(f.stateMeans.data, h.stateMeans.data)).toBeLessThan(1e-12);
    expect(maxRelDiff(f.predictedStateMeans!.data, h.predictedStateMeans!.data)).toBeLessThan(1e-12);
    expect(f.predictedStateCovariances!.data).toEqual(h.predictedStateCovariances!.data);
    expect(Math.abs(f.loglikelihood! - h.loglikelihood!)).toBeLessThan(1e-9 * Math.abs(h.loglikelihood!));
  });
});

describe('numerical soundness over long runs', () => {
  it('keeps every covariance of a 10⁶-step pairs filter and smoother symmetric PSD', () => {
    const { x, y } = pair(1_000_000, 11);
    const kf = new KalmanFilter(hedgeModel(x));
    for (const covs of [kf.filter(y).stateCovariances.data, kf.smooth(y).stateCovariances.data]) {
      let bad = 0;
      for (let t = 0; t < 1_000_000; t++) {
        const a = covs[4 * t],
          b = covs[4 * t + 1],
          c = covs[4 * t + 2],
          d = covs[4 * t + 3];
        if (b !== c || a < 0 || d < 0 || a * d - b * c < -1e-12 * a * d) bad++;
      }
      expect(bad).toBe(0);
    }
  });

  it('keeps every covariance of a 10⁶-step 3-state, 2-observation filter symmetric PSD', () => {
    const c = loadCase('state_space_3s_2o');
    const model = Object.fromEntries(
      Object.entries(c.constructor as Record<string, unknown>).map(([k, v]) => [
        k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()),
        v,
      ]),
    );
    const n = 1_000_000;
    const r = rng(5);
    const z = new Float64Array(2 * n);
    for (let i = 0; i < z.length; i++) z[i] = 3 * r();
    const covs = new KalmanFilter(model).filter({ data: z, shape: [n, 2] }).stateCovariances.data;
    let bad = 0;
    for (let t = 0; t < n; t++) {
      const o = 9 * t;
      const m = (i: number, j: number) => covs[o + 3 * i + j];
      const sym = m(0, 1) === m(1, 0) && m(0, 2) === m(2, 0) && m(1, 2) === m(2, 1);
      const det =
        m(0, 0) * (m(1, 1) * m(2, 2) - m(1, 2) ** 2) -
        m(0, 1) * (m(0, 1) * m(2, 2) - m(1, 2) * m(0, 2)) +
        m(0, 2) * (m(0, 1) * m(1, 2) - m(1, 1) * m(0, 2));
      if (!sym || m(0, 0) < 0 || m(1, 1) < 0 || m(2, 2) < 0 || m(0, 0) * m(1, 1) < m(0, 1) ** 2 || det < 0)
        bad++;
    }
    expect(bad).toBe(0);
  });
});

describe('where kalrev differs from pykalman (documented in docs/kalman.md)', () => {
  it('treats NaN exactly like null', () => {
    const c = loadCase('missing_local_level');
    const withNull = c.observations.map((r: (number | null)[]) => r[0]);
    const withNaN = withNull.map((v: number | null) => (v === null ? NaN : v));
    const kf = new KalmanFilter({ transitionCovariance: 0.05, observationCovariance: 0.8 });
    expect(kf.filter(withNaN).stateMeans.data).toEqual(kf.filter(withNull).stateMeans.data);
    expect(kf.smooth(Float64Array.from(withNaN)).stateMeans.data).toEqual(
      kf.smooth(withNull).stateMeans.data,
    );
    expect(kf.loglikelihood(withNaN)).toBe(kf.loglikelihood(withNull));
  });

  it('never transposes a single 1×m observation', () => {
    const kf = new KalmanFilter({ nDimState: 2, nDimObs: 2 });
    const r = kf.filter([[1, 3]]);
    expect(r.stateMeans.length).toBe(1);
    // one step from μ0 = 0, Σ0 = I, C = I, R = I: x = z / 2
    const [m0, m1] = r.stateMeans.row(0);
    expect(m0).toBeCloseTo(0.5, 15);
    expect(m1).toBeCloseTo(1.5, 15);
    const P = r.stateCovariances.matrix(0);
    [0.5, 0, 0, 0.5].forEach((v, i) => expect(P[i]).toBeCloseTo(v, 15));
  });

  it('computes the log-likelihood with a time-varying observation covariance', () => {
    const z = [1.2, 0.7, 2.5, null, 1.9];
    const R = [0.5, 2, 1, 1, 0.25];
    const kf = new KalmanFilter({ observationCovariance: R.map((r) => [[r]]), transitionCovariance: 0.3 });
    // by hand: predicted mean/variance m⁻, P⁻; S = P⁻ + R_t; Σ log N(z; m⁻, S)
    let m = 0;
    let P = 1;
    let ll = 0;
    for (let t = 0; t < z.length; t++) {
      if (t > 0) P += 0.3;
      const zt = z[t];
      if (zt === null) continue;
      const S = P + R[t];
      ll += -0.5 * (Math.log(2 * Math.PI * S) + (zt - m) ** 2 / S);
      const K = P / S;
      m += K * (zt - m);
      P -= K * P;
    }
    expect(kf.loglikelihood(z)).toBeCloseTo(ll, 12);
  });

  it("updates with the observed components of a partly missing row under partialMissing 'update-observed'", () => {
    const model: KalmanModelInput = {
      observationMatrices: [
        [1, 0.5],
        [0.2, 1],
      ],
      observationOffsets: [0.1, -0.3],
      observationCovariance: [
        [0.4, 0.1],
        [0.1, 0.3],
      ],
      transitionMatrices: [
        [0.9, 0.1],
        [0, 0.95],
      ],
    };
    const obs = [
      [1, 2],
      [null, 1.5],
      [0.7, null],
      [1.1, 0.4],
    ];
    const drop = new KalmanFilter(model).filter(obs).stateMeans;
    const upd = new KalmanFilter({ ...model, partialMissing: 'update-observed' }).filter(obs);
    // default: pykalman's behaviour, a partly missing row is ignored entirely
    expect(drop.row(1)).toEqual(
      new KalmanFilter(model)
        .filter([
          [1, 2],
          [null, null],
        ])
        .stateMeans.row(1),
    );
    // update-observed at t = 1 equals an update by a model that observes only component 1
    const full = new KalmanFilter({ ...model, partialMissing: 'update-observed' });
    const t0 = full.filter(obs.slice(0, 1));
    const second = new KalmanFilter({
      transitionMatrices: model.transitionMatrices,
      observationMatrices: [[0.2, 1]],
      observationOffsets: [-0.3],
      observationCovariance: [[0.3]],
    }).filterUpdate(t0.stateMeans.row(0), t0.stateCovariances.matrix(0), 1.5);
    for (let i = 0; i < 2; i++) expect(upd.stateMeans.at(1, i)).toBeCloseTo(second.mean[i], 13);
    for (let i = 0; i < 4; i++)
      expect(upd.stateCovariances.matrix(1)[i]).toBeCloseTo(second.covariance[i], 13);
    // and filterUpdate on the full model does the same
    const online = full.filterUpdate(t0.stateMeans.row(0), t0.stateCovariances.matrix(0), [null, 1.5]);
    for (let i = 0; i < 2; i++) expect(online.mean[i]).toBeCloseTo(second.mean[i], 13);
  });

  it('uses the pseudo-inverse when the innovation covariance is singular (as pykalman)', () => {
    // two identical noiseless sensors of state 0: S = [[1,1],[1,1]] is singular; pinv(S) = S/4
    const kf = new KalmanFilter({
      observationMatrices: [
        [1, 0],
        [1, 0],
      ],
      observationCovariance: [
        [0, 0],
        [0, 0],
      ],
    });
    const r = kf.filter([[3, 3]]);
    // K = P Cᵀ S⁺ = [[½, ½], [0, 0]] so x = [3, 0] and the observed state becomes exact
    expect(r.stateMeans.toArray()[0]).toEqual([3, 0]);
    const P = r.stateCovariances.toArray()[0];
    expect(P[0][0]).toBeCloseTo(0, 15);
    expect(P[1][1]).toBe(1);
  });
});

describe('inputs and outputs', () => {
  it('accepts typed arrays with shapes as nested arrays', () => {
    const c = loadCase('tv_offsets_2s_2o');
    const toCamel = (s: string) => s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
    const nested = Object.fromEntries(
      Object.entries(c.constructor as Record<string, unknown>).map(([k, v]) => [toCamel(k), v]),
    );
    const shaped = Object.fromEntries(
      Object.entries(nested).map(([k, v]) => {
        const shape: number[] = [];
        for (let p: unknown = v; Array.isArray(p); p = p[0]) shape.push(p.length);
        return [k, { data: Float64Array.from((v as number[]).flat(3) as number[]), shape }];
      }),
    );
    const a = new KalmanFilter(nested).smooth(c.observations);
    const b = new KalmanFilter(shaped).smooth({
      data: Float64Array.from(c.observations.flat()),
      shape: [c.n_timesteps, 2],
    });
    expect(b.stateMeans.data).toEqual(a.stateMeans.data);
    expect(b.stateCovariances.data).toEqual(a.stateCovariances.data);
  });

  it('round-trips its resolved model', () => {
    const c = loadCase('state_space_3s_2o');
    const toCamel = (s: string) => s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
    const kf = new KalmanFilter(
      Object.fromEntries(
        Object.entries(c.constructor as Record<string, unknown>).map(([k, v]) => [toCamel(k), v]),
      ),
    );
    const again = new KalmanFilter(kf.model);
    expect(again.filter(c.observations).stateMeans.data).toEqual(kf.filter(c.observations).stateMeans.data);
  });

  it('builds the pairs observation rows [x_t, 1]', () => {
    expect(pairObservationMatrices([2, 3.5])).toEqual({
      data: Float64Array.of(2, 1, 3.5, 1),
      shape: [2, 1, 2],
    });
  });

  it('leaves the filter it was called on unchanged after EM', () => {
    const kf = new KalmanFilter({ transitionCovariance: 0.5 });
    const before = JSON.stringify(kf.model);
    const fitted = kf.em([1, 2, 1.5, 2.5, 2, 3, 2.2], { nIter: 3 });
    expect(JSON.stringify(kf.model)).toBe(before);
    expect(kf.emLoglikelihoods).toBeUndefined();
    expect(fitted.emLoglikelihoods).toHaveLength(3);
  });
});
