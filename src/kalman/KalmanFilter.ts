import { KalmanModelError } from './errors.js';
import { loglikelihoodOf, runEm } from './em.js';
import { runFilter } from './filter.js';
import { createWorkspace, predict, update, type KalmanWorkspace } from './kernel.js';
import {
  checkStepCoverage,
  modelToNested,
  readRaw,
  resolveEmVars,
  resolveModel,
  type ResolvedModel,
} from './model.js';
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
  #online: OnlineState | undefined;
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
  filter(
    observations: ObservationsInput,
    options: FilterCallOptions & { covariances: false },
  ): FilterMeansResult;
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
    const st = (this.#online ??= createOnlineState(model));
    const x = new Float64Array(k);
    const P = new Float64Array(k * k);
    readVector('mean', mean, k, x);
    readInto('covariance', covariance, k, k, P);
    const z = st.z;
    let observed = 0;
    if (observation === null || observation === undefined) z.fill(NaN);
    else if (typeof observation === 'number') {
      if (m !== 1) throw new KalmanModelError('observation', `expected ${m} values, got a single number`);
      z[0] = observation;
    } else {
      if (observation.length !== m)
        throw new KalmanModelError(
          'observation',
          `expected ${m} value${m > 1 ? 's' : ''}, got ${observation.length}`,
        );
      for (let i = 0; i < m; i++) {
        const v = observation[i];
        z[i] = v === null || v === undefined ? NaN : v;
      }
    }
    for (let i = 0; i < m; i++) {
      const v = z[i];
      if (v === Infinity || v === -Infinity)
        throw new KalmanModelError(
          'observation',
          `${v} at [${i}] is not a valid observation (use null or NaN for missing)`,
        );
      if (v === v) observed++;
    }
    let A = model.A.data,
      b = model.b.data,
      Q = model.Q.data,
      C = model.C.data,
      d = model.d.data,
      R = model.R.data;
    if (overrides !== undefined && overrides !== null) {
      if (typeof overrides !== 'object')
        throw new KalmanModelError('overrides', `expected an object, got ${String(overrides)}`);
      for (const key in overrides) {
        const v = overrides[key as keyof FilterUpdateOverrides];
        if (v === undefined) continue;
        switch (key) {
          case 'transitionMatrix':
            A = readInto(key, v, k, k, st.A);
            break;
          case 'transitionOffset':
            b = readInto(key, v, k, 0, st.b);
            break;
          case 'transitionCovariance':
            Q = checkCovariance(key, readInto(key, v, k, k, st.Q), k);
            break;
          case 'observationMatrix':
            C = readInto(key, v, m, k, st.C);
            break;
          case 'observationOffset':
            d = readInto(key, v, m, 0, st.d);
            break;
          case 'observationCovariance':
            R = checkCovariance(key, readInto(key, v, m, m, st.R), m);
            break;
          default:
            throw new KalmanModelError(key, `unknown override; expected one of ${OVERRIDE_NAMES.join(', ')}`);
        }
      }
    }
    for (const key of st.timeVarying) {
      if (overrides?.[key] === undefined)
        throw new KalmanModelError(
          key,
          `the model's value varies in time; pass this step's ${key} in overrides`,
        );
    }
    // x⁻ = A x + b, P⁻ = A P Aᵀ + Q
    predict(st.ws, x, 0, P, 0, A, 0, b, 0, Q, 0, x, 0, P, 0);
    if (observed === m) update(st.ws, m, x, 0, P, 0, z, 0, C, 0, d, 0, R, 0, x, 0, P, 0);
    else if (observed > 0 && model.partialMissing === 'update-observed') {
      // gather the observed rows into compact blocks and update with those only
      let q = 0;
      for (let r = 0; r < m; r++) {
        if (z[r] !== z[r]) continue;
        st.subZ[q] = z[r];
        st.subD[q] = d[r];
        for (let j = 0; j < k; j++) st.subC[q * k + j] = C[r * k + j];
        q++;
      }
      let i = 0;
      for (let r = 0; r < m; r++) {
        if (z[r] !== z[r]) continue;
        let j = 0;
        for (let c = 0; c < m; c++) if (z[c] === z[c]) st.subR[i * observed + j++] = R[r * m + c];
        i++;
      }
      update(st.ws, observed, x, 0, P, 0, st.subZ, 0, st.subC, 0, st.subD, 0, st.subR, 0, x, 0, P, 0);
    }
    return { mean: x, covariance: P };
  }
}

const OVERRIDE_NAMES: readonly (keyof FilterUpdateOverrides)[] = [
  'transitionMatrix',
  'transitionOffset',
  'transitionCovariance',
  'observationMatrix',
  'observationOffset',
  'observationCovariance',
];

/** Buffers reused by every `filterUpdate` call of one filter. */
interface OnlineState {
  ws: KalmanWorkspace;
  z: Float64Array;
  A: Float64Array;
  b: Float64Array;
  Q: Float64Array;
  C: Float64Array;
  d: Float64Array;
  R: Float64Array;
  subZ: Float64Array;
  subC: Float64Array;
  subD: Float64Array;
  subR: Float64Array;
  /** Parameters that vary in time, so each call must override them. */
  timeVarying: (keyof FilterUpdateOverrides)[];
}

function createOnlineState(model: ResolvedModel): OnlineState {
  const { k, m } = model;
  const tv: [keyof FilterUpdateOverrides, number][] = [
    ['transitionMatrix', model.A.steps],
    ['transitionOffset', model.b.steps],
    ['transitionCovariance', model.Q.steps],
    ['observationMatrix', model.C.steps],
    ['observationOffset', model.d.steps],
    ['observationCovariance', model.R.steps],
  ];
  const ws = createWorkspace(k, m);
  ws.loglikelihood = false;
  return {
    ws,
    z: new Float64Array(m),
    A: new Float64Array(k * k),
    b: new Float64Array(k),
    Q: new Float64Array(k * k),
    C: new Float64Array(m * k),
    d: new Float64Array(m),
    R: new Float64Array(m * m),
    subZ: new Float64Array(m),
    subC: new Float64Array(m * k),
    subD: new Float64Array(m),
    subR: new Float64Array(m * m),
    timeVarying: tv.filter(([, steps]) => steps > 0).map(([name]) => name),
  };
}

function readVector(name: string, v: unknown, k: number, out: Float64Array): void {
  const a = v as ArrayLike<unknown> | null | undefined;
  if (a === null || a === undefined || typeof a !== 'object' || a.length !== k)
    throw new KalmanModelError(
      name,
      `expected ${k} values, got ${a == null || typeof a !== 'object' ? String(a) : a.length}`,
    );
  for (let i = 0; i < k; i++) {
    const x = a[i];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new KalmanModelError(name, `must be a finite number at [${i}], got ${String(x)}`);
    out[i] = x;
  }
}

/**
 * Reads a one-step value into `out` without allocating for the common forms: a number
 * (1×1 or length 1), a number[] / Float64Array (a vector, or a matrix row-major) and a
 * number[][]; anything else (a ShapedArray) goes through the general reader.
 * `cols = 0` means a vector of `rows` values.
 */
function readInto(name: string, v: unknown, rows: number, cols: number, out: Float64Array): Float64Array {
  const size = cols === 0 ? rows : rows * cols;
  const shapeText = cols === 0 ? `${rows}` : `${rows}×${cols}`;
  if (typeof v === 'number') {
    if (size !== 1) throw new KalmanModelError(name, `expected shape ${shapeText}, got a scalar`);
    out[0] = v;
  } else if (Array.isArray(v) && (v.length === 0 || !Array.isArray(v[0]))) {
    if (v.length !== size)
      throw new KalmanModelError(
        name,
        `expected shape ${shapeText} (or ${size} values row-major), got ${v.length} values`,
      );
    for (let i = 0; i < size; i++) out[i] = num(name, v[i], i);
  } else if (v instanceof Float64Array) {
    if (v.length !== size)
      throw new KalmanModelError(name, `expected shape ${shapeText}, got ${v.length} values`);
    out.set(v);
  } else if (Array.isArray(v) && cols !== 0) {
    if (v.length !== rows)
      throw new KalmanModelError(name, `expected shape ${shapeText}, got ${v.length} rows`);
    for (let i = 0; i < rows; i++) {
      const row = v[i] as unknown;
      if (!Array.isArray(row) || row.length !== cols)
        throw new KalmanModelError(
          name,
          `expected shape ${shapeText}, row [${i}] has ${Array.isArray(row) ? row.length : typeof row} entries`,
        );
      for (let j = 0; j < cols; j++) out[i * cols + j] = num(name, row[j], i * cols + j);
    }
  } else {
    const raw = readRaw(name, v);
    const dims = cols === 0 ? [rows] : [rows, cols];
    if (raw.shape.length !== dims.length || raw.shape.some((s, i) => s !== dims[i]))
      throw new KalmanModelError(
        name,
        `expected shape ${shapeText}, got ${raw.shape.join('×') || 'a scalar'}`,
      );
    out.set(raw.data);
  }
  for (let i = 0; i < size; i++) num(name, out[i], i);
  return out;
}

function num(name: string, x: unknown, i: number): number {
  if (typeof x !== 'number' || !Number.isFinite(x))
    throw new KalmanModelError(name, `must be a finite number, got ${String(x)} at index ${i}`);
  return x;
}

function checkCovariance(name: string, data: Float64Array, n: number): Float64Array {
  if (n === 1) {
    if (!(data[0] >= 0)) throw new KalmanModelError(name, `must be positive semi-definite, got ${data[0]}`);
    return data;
  }
  // Reuse the model validator: symmetry and positive semi-definiteness.
  resolveModel(
    name === 'transitionCovariance'
      ? { transitionCovariance: { data, shape: [n, n] } }
      : { observationCovariance: { data, shape: [n, n] } },
  );
  return data;
}
