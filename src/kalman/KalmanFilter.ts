import { KalmanModelError } from './errors.js';
import { loglikelihoodOf, runEm } from './em.js';
import { runFilter } from './filter.js';
import { createWorkspace, predict, update, type KalmanWorkspace } from './kernel.js';
import { checkStepCoverage, modelToNested, readRaw, resolveEmVars, resolveModel, type ResolvedModel } from './model.js';
import { readObservations } from './observations.js';
import { MatrixSequence, VectorSequence } from './sequences.js';
import { runSmoother } from './smoother.js';
import type { EmVar, KalmanModel, KalmanModelInput, ObservationsInput, ShapedArray } from './types.js';

/** Options of {@link KalmanFilter.filter}. */
export interface FilterCallOptions {
  /**
   * Keep the filtered covariances (default true). With `false` only the means are stored,
   * so a 10⁷-step series needs 80 MB per state dimension and nothing more.
   */
  covariances?: boolean;
  /** Also return the one-step predictions x⁻_t = E[x_t | z_0..t-1] and P⁻_t (default false). */
  predicted?: boolean;
  /** Also return the log-likelihood of the observations (default false). */
  loglikelihood?: boolean;
}

/** Filtered states: E[x_t | z_0..t] and their covariances. */
export interface FilterResult {
  /** n×k filtered means. */
  stateMeans: VectorSequence;
  /** n×k×k filtered covariances. */
  stateCovariances: MatrixSequence;
  /** n×k predicted means x⁻_t (when `predicted: true`). */
  predictedStateMeans?: VectorSequence;
  /** n×k×k predicted covariances P⁻_t (when `predicted: true`). */
  predictedStateCovariances?: MatrixSequence;
  /** Log-likelihood (when `loglikelihood: true`). */
  loglikelihood?: number;
}

/** Filtered means only (from `filter(obs, { covariances: false })`). */
export type FilterMeansResult = Omit<FilterResult, 'stateCovariances'> & { stateCovariances?: undefined };

/** RTS-smoothed states: E[x_t | z_0..n-1] and their covariances. */
export interface SmoothResult {
  /** n×k smoothed means. */
  stateMeans: VectorSequence;
  /** n×k×k smoothed covariances. */
  stateCovariances: MatrixSequence;
}

/** Options of {@link KalmanFilter.em}. */
export interface EmOptions {
  /** Number of EM iterations (default 10). */
  nIter?: number;
  /** Parameters to learn: 'all' or a list; default the constructor's `emVars`, else Q, R, μ0, Σ0. */
  emVars?: 'all' | readonly EmVar[];
}

/** One step's replacement values for {@link KalmanFilter.filterUpdate}. */
export interface FilterUpdateOverrides {
  transitionMatrix?: number[][] | ShapedArray | number;
  transitionOffset?: number[] | Float64Array | number;
  transitionCovariance?: number[][] | ShapedArray | number;
  observationMatrix?: number[][] | number[] | ShapedArray | number;
  observationOffset?: number[] | Float64Array | number;
  observationCovariance?: number[][] | ShapedArray | number;
}

/** Result of one {@link KalmanFilter.filterUpdate} call. */
export interface FilterUpdateResult {
  /** k filtered mean. */
  mean: Float64Array;
  /** k×k filtered covariance, flat row-major (pass it back as is). */
  covariance: Float64Array;
}

const OVERRIDE_SHAPES: Record<keyof FilterUpdateOverrides, (k: number, m: number) => number[]> = {
  transitionMatrix: (k) => [k, k],
  transitionOffset: (k) => [k],
  transitionCovariance: (k) => [k, k],
  observationMatrix: (k, m) => [m, k],
  observationOffset: (_k, m) => [m],
  observationCovariance: (_k, m) => [m, m],
};

function boolOption(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new KalmanModelError(name, `expected true or false, got ${String(v)}`);
  return v;
}

/**
 * A linear-Gaussian state-space model with pykalman's API and semantics (camelCase):
 * filter, RTS smoother, log-likelihood, EM and the online `filterUpdate`, matching pykalman
 * to float64 precision. See docs/kalman.md for the model, its notation and the differences
 * from pykalman.
 *
 * @example Dynamic hedge ratio of y on x (state [β, α], observation row [x_t, 1]):
 * ```ts
 * const kf = new KalmanFilter({
 *   observationMatrices: pairObservationMatrices(x),
 *   transitionCovariance: [[1e-4 / (1 - 1e-4), 0], [0, 1e-4 / (1 - 1e-4)]],
 *   observationCovariance: 1e-3,
 *   initialStateCovariance: [[0, 0], [0, 0]],
 * });
 * const beta = kf.filter(y).stateMeans.component(0);
 * ```
 */
export class KalmanFilter {
  #m: ResolvedModel;
  #nested: KalmanModel | undefined;
  #ws: KalmanWorkspace | undefined;
  #trace: readonly number[] | undefined;

  /**
   * @param model the parameters; all optional (pykalman's defaults and dimension inference).
   * @throws KalmanModelError naming the parameter, the expected shape and what was given.
   */
  constructor(model: KalmanModelInput = {}) {
    this.#m = resolveModel(model);
  }

  /** Wraps a model that is already valid (EM's output) without validating it again. */
  static #fromResolved(model: ResolvedModel, trace: readonly number[]): KalmanFilter {
    const kf = new KalmanFilter({ nDimState: model.k, nDimObs: model.m });
    kf.#m = model;
    kf.#trace = trace;
    return kf;
  }

  /** Log-likelihood after each EM iteration, on a filter returned by {@link KalmanFilter.em}; otherwise undefined. */
  get emLoglikelihoods(): readonly number[] | undefined {
    return this.#trace;
  }

  /** The state dimension k. */
  get nDimState(): number {
    return this.#m.k;
  }

  /** The observation dimension m. */
  get nDimObs(): number {
    return this.#m.m;
  }

  /** The resolved model: all eight parameters with defaults filled in, as nested number arrays. */
  get model(): KalmanModel {
    this.#nested ??= modelToNested(this.#m);
    return this.#nested;
  }

  #observations(obs: ObservationsInput) {
    const o = readObservations(obs, this.#m.m);
    checkStepCoverage(this.#m, o.n);
    return o;
  }

  /**
   * Kalman filter: E[x_t | z_0..t] and Cov[x_t | z_0..t] for every step.
   * A missing observation (`null`/`NaN`) skips the update for that step.
   */
  filter(observations: ObservationsInput, options?: FilterCallOptions & { covariances?: true }): FilterResult;
  filter(observations: ObservationsInput, options: FilterCallOptions & { covariances: false }): FilterMeansResult;
  filter(observations: ObservationsInput, options: FilterCallOptions = {}): FilterResult | FilterMeansResult {
    const covariances = boolOption('covariances', options.covariances, true);
    const predicted = boolOption('predicted', options.predicted, false);
    const wantLL = boolOption('loglikelihood', options.loglikelihood, false);
    const { n, z } = this.#observations(observations);
    const m = this.#m;
    const f = runFilter(m, z, n, { covariances, predicted, loglikelihood: wantLL });
    const result: FilterResult | FilterMeansResult = {
      stateMeans: new VectorSequence(f.means, n, m.k),
      stateCovariances: f.covs ? new MatrixSequence(f.covs, n, m.k, m.k) : undefined,
    } as FilterResult;
    if (predicted) {
      result.predictedStateMeans = new VectorSequence(f.predMeans!, n, m.k);
      result.predictedStateCovariances = new MatrixSequence(f.predCovs!, n, m.k, m.k);
    }
    if (wantLL) result.loglikelihood = f.singularAt >= 0 ? loglikelihoodOf(m, z, n) : f.loglik;
    return result;
  }

  /** Rauch–Tung–Striebel smoother: E[x_t | z_0..n-1] and Cov[x_t | z_0..n-1] for every step. */
  smooth(observations: ObservationsInput): SmoothResult {
    const { n, z } = this.#observations(observations);
    const m = this.#m;
    const f = runFilter(m, z, n, { covariances: true, predicted: true, loglikelihood: false });
    const s = runSmoother(m, f, false);
    return {
      stateMeans: new VectorSequence(s.means, n, m.k),
      stateCovariances: new MatrixSequence(s.covs, n, m.k, m.k),
    };
  }

  /**
   * Log-likelihood Σ_t log N(z_t; C_t x⁻_t + d_t, C_t P⁻_t C_tᵀ + R_t) over the observed steps
   * (missing steps contribute 0). Works with a time-varying R.
   * @throws KalmanModelError when an innovation covariance is singular (likelihood undefined).
   */
  loglikelihood(observations: ObservationsInput): number {
    const { n, z } = this.#observations(observations);
    return loglikelihoodOf(this.#m, z, n);
  }

  /**
   * Expectation–maximisation: learns the parameters in `emVars` (pykalman's M-step order) and
   * returns a new filter with them; this one is unchanged. The new filter's
   * `emLoglikelihoods` holds the log-likelihood after each iteration.
   */
  em(observations: ObservationsInput, options: EmOptions = {}): KalmanFilter {
    const nIter = options.nIter ?? 10;
    if (!Number.isInteger(nIter) || nIter < 0)
      throw new KalmanModelError('nIter', `must be a non-negative integer, got ${String(nIter)}`);
    const vars = resolveEmVars('emVars', options.emVars, this.#m.emVars);
    const { n, z } = this.#observations(observations);
    const { model, loglikelihoods } = runEm(this.#m, z, n, nIter, vars);
    return KalmanFilter.#fromResolved(model, loglikelihoods);
  }

  /**
   * One online step, as pykalman's `filter_update`: predict from (mean, covariance) with A, b, Q,
   * then update with the observation (C, d, R). `observation = null` (or all NaN) only predicts.
   * `overrides` replace model values for this call only (required for time-varying models).
   * Note that, unlike `filter` at t = 0, this always applies the transition first.
   */
  filterUpdate(
    mean: ArrayLike<number>,
    covariance: ArrayLike<number> | readonly (readonly number[])[],
    observation: number | ArrayLike<number | null> | null = null,
    overrides?: FilterUpdateOverrides,
  ): FilterUpdateResult {
    const model = this.#m;
    const { k, m } = model;
    const ws = (this.#ws ??= createWorkspace(k, m));
    const x = new Float64Array(k);
    const P = new Float64Array(k * k);
    if (mean === null || mean === undefined || mean.length !== k)
      throw new KalmanModelError('mean', `expected ${k} values, got ${mean == null ? String(mean) : mean.length}`);
    for (let i = 0; i < k; i++) {
      x[i] = mean[i];
      if (!Number.isFinite(x[i])) throw new KalmanModelError('mean', `must be finite, got ${x[i]} at [${i}]`);
    }
    readCovariance(covariance, k, P);
    const z = new Float64Array(m);
    let observed = 0;
    if (observation !== null && observation !== undefined) {
      const vals: ArrayLike<number | null> = typeof observation === 'number' ? [observation] : observation;
      if (vals.length !== m)
        throw new KalmanModelError('observation', `expected ${m} value${m > 1 ? 's' : ''}, got ${vals.length}`);
      for (let i = 0; i < m; i++) {
        const v = vals[i];
        z[i] = v === null || v === undefined ? NaN : v;
        if (z[i] === Infinity || z[i] === -Infinity)
          throw new KalmanModelError('observation', `${z[i]} at [${i}] is not a valid observation (use null or NaN for missing)`);
        if (z[i] === z[i]) observed++;
      }
    }
    let A = model.A.data, b = model.b.data, Q = model.Q.data, C = model.C.data, d = model.d.data, R = model.R.data;
    if (overrides !== undefined) {
      if (typeof overrides !== 'object' || overrides === null)
        throw new KalmanModelError('overrides', `expected an object, got ${String(overrides)}`);
      for (const key of Object.keys(overrides) as (keyof FilterUpdateOverrides)[]) {
        const shape = OVERRIDE_SHAPES[key];
        if (!shape)
          throw new KalmanModelError(key, `unknown override; expected one of ${Object.keys(OVERRIDE_SHAPES).join(', ')}`);
        const v = overrides[key];
        if (v === undefined) continue;
        const data = readOverride(key, v, shape(k, m));
        if (key === 'transitionMatrix') A = data;
        else if (key === 'transitionOffset') b = data;
        else if (key === 'transitionCovariance') Q = checkedCovariance(key, data, k);
        else if (key === 'observationMatrix') C = data;
        else if (key === 'observationOffset') d = data;
        else R = checkedCovariance(key, data, m);
      }
    }
    const timeVarying: [keyof FilterUpdateOverrides, number][] = [
      ['transitionMatrix', model.A.steps],
      ['transitionOffset', model.b.steps],
      ['transitionCovariance', model.Q.steps],
      ['observationMatrix', model.C.steps],
      ['observationOffset', model.d.steps],
      ['observationCovariance', model.R.steps],
    ];
    for (const [key, steps] of timeVarying) {
      if (steps > 0 && overrides?.[key] === undefined)
        throw new KalmanModelError(key, `the model's value varies in time; pass this step's ${key} in overrides`);
    }
    // x⁻ = A x + b, P⁻ = A P Aᵀ + Q
    predict(ws, x, 0, P, 0, A, 0, b, 0, Q, 0, x, 0, P, 0);
    if (observed === m) update(ws, m, x, 0, P, 0, z, 0, C, 0, d, 0, R, 0, x, 0, P, 0);
    else if (observed > 0 && model.partialMissing === 'update-observed') {
      const idx: number[] = [];
      for (let i = 0; i < m; i++) if (z[i] === z[i]) idx.push(i);
      const q = idx.length;
      const sz = new Float64Array(q), sc = new Float64Array(q * k), sd = new Float64Array(q), sr = new Float64Array(q * q);
      idx.forEach((r, i) => {
        sz[i] = z[r];
        sd[i] = d[r];
        for (let j = 0; j < k; j++) sc[i * k + j] = C[r * k + j];
        idx.forEach((c, j) => (sr[i * q + j] = R[r * m + c]));
      });
      const wsq = createWorkspace(k, q);
      update(wsq, q, x, 0, P, 0, sz, 0, sc, 0, sd, 0, sr, 0, x, 0, P, 0);
    }
    return { mean: x, covariance: P };
  }
}

function readCovariance(v: unknown, k: number, out: Float64Array): void {
  if (v instanceof Float64Array || (Array.isArray(v) && v.every((e) => typeof e === 'number'))) {
    const a = v as ArrayLike<number>;
    if (a.length !== k * k)
      throw new KalmanModelError('covariance', `expected a ${k}×${k} matrix (or ${k * k} values row-major), got ${a.length} values`);
    for (let i = 0; i < k * k; i++) out[i] = a[i];
  } else {
    const raw = readRaw('covariance', v);
    if (raw.shape.length !== 2 || raw.shape[0] !== k || raw.shape[1] !== k)
      throw new KalmanModelError('covariance', `expected a ${k}×${k} matrix, got shape ${raw.shape.join('×') || 'scalar'}`);
    out.set(raw.data);
  }
  for (let i = 0; i < k * k; i++)
    if (!Number.isFinite(out[i])) throw new KalmanModelError('covariance', `must be finite, got ${out[i]} at [${Math.floor(i / k)}][${i % k}]`);
}

function readOverride(name: string, v: unknown, dims: number[]): Float64Array {
  const raw = readRaw(name, v);
  let shape = raw.shape;
  if (shape.length === 0) shape = dims.map(() => 1);
  else if (dims.length === 2 && shape.length === 1) shape = [1, shape[0]];
  if (shape.length !== dims.length || shape.some((s, i) => s !== dims[i]))
    throw new KalmanModelError(name, `expected shape ${dims.join('×')}, got ${raw.shape.join('×') || 'a scalar'}`);
  for (let i = 0; i < raw.data.length; i++)
    if (!Number.isFinite(raw.data[i])) throw new KalmanModelError(name, `must be finite, got ${raw.data[i]}`);
  return raw.data;
}

function checkedCovariance(name: string, data: Float64Array, n: number): Float64Array {
  // Reuse the model validator: it checks symmetry and positive semi-definiteness.
  resolveModel(name === 'transitionCovariance' ? { transitionCovariance: { data, shape: [n, n] } } : { observationCovariance: { data, shape: [n, n] } });
  return data;
}
