/**
 * Validates and normalises a model once, at construction: shapes, dimension inference,
 * defaults, finiteness, symmetry and positive semi-definiteness of covariances. The
 * recursions trust what comes out of here.
 * @internal
 */
import { symmetricEigen } from '../linalg/dense.js';
import { KalmanModelError } from './errors.js';
import type { EmVar, KalmanModel, KalmanModelInput, PartialMissingPolicy, ShapedArray } from './types.js';

/**
 * One parameter, flat. A constant parameter has `steps = 0`; a time-varying one holds
 * `steps` consecutive blocks of `size` values. Recursions index block t at
 * `t * stride` with `stride = steps > 0 ? size : 0`, so constant and time-varying
 * parameters share one code path without a branch.
 */
export interface Param {
  readonly data: Float64Array;
  readonly size: number;
  readonly steps: number;
  readonly stride: number;
}

export interface ResolvedModel {
  readonly k: number;
  readonly m: number;
  /** Transition matrices A (k×k blocks). */
  readonly A: Param;
  /** Transition offsets b (k blocks). */
  readonly b: Param;
  /** Transition covariance Q (k×k blocks). */
  readonly Q: Param;
  /** Observation matrices C (m×k blocks). */
  readonly C: Param;
  /** Observation offsets d (m blocks). */
  readonly d: Param;
  /** Observation covariance R (m×m blocks). */
  readonly R: Param;
  /** Initial state mean μ0 (k). */
  readonly mu0: Float64Array;
  /** Initial state covariance Σ0 (k×k). */
  readonly P0: Float64Array;
  readonly emVars: readonly EmVar[];
  readonly partialMissing: PartialMissingPolicy;
}

export const ALL_EM_VARS: readonly EmVar[] = [
  'transitionMatrices',
  'observationMatrices',
  'transitionOffsets',
  'observationOffsets',
  'transitionCovariance',
  'observationCovariance',
  'initialStateMean',
  'initialStateCovariance',
];

/** pykalman's default `em_vars`. */
export const DEFAULT_EM_VARS: readonly EmVar[] = [
  'transitionCovariance',
  'observationCovariance',
  'initialStateMean',
  'initialStateCovariance',
];

interface Raw {
  shape: number[];
  data: Float64Array;
}

const shapeText = (s: readonly number[]): string => (s.length === 0 ? 'a scalar' : s.join('×'));

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string "${v}"` : typeof v;
}

function isShaped(v: unknown): v is ShapedArray {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'data' in v && 'shape' in v;
}

/** Reads a scalar, a (nested) array, a Float64Array or a ShapedArray into shape + flat data. */
export function readRaw(name: string, v: unknown): Raw {
  if (typeof v === 'number') return { shape: [], data: Float64Array.of(v) };
  if (v instanceof Float64Array) return { shape: [v.length], data: v };
  if (isShaped(v)) {
    const shape = Array.from(v.shape);
    const count = shape.reduce((a, b) => a * b, 1);
    if (!shape.every((s) => Number.isInteger(s) && s >= 0))
      throw new KalmanModelError(name, `shape must be non-negative integers, got [${shape.join(', ')}]`);
    if (v.data.length !== count)
      throw new KalmanModelError(
        name,
        `shape ${shapeText(shape)} needs ${count} values, data has ${v.data.length}`,
      );
    return { shape, data: v.data instanceof Float64Array ? v.data : Float64Array.from(v.data) };
  }
  if (!Array.isArray(v))
    throw new KalmanModelError(name, `expected a number or an array, got ${describe(v)}`);
  const shape: number[] = [];
  let probe: unknown = v;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(count);
  let pos = 0;
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number')
        throw new KalmanModelError(name, `expected a number at ${path}, got ${describe(node)}`);
      data[pos++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth])
      throw new KalmanModelError(
        name,
        `ragged array: expected ${shape[depth]} entries at ${path || 'the top level'}, got ${Array.isArray(node) ? node.length : describe(node)}`,
      );
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1, `${path}[${i}]`);
  };
  walk(v, 0, '');
  return { shape, data };
}

interface Spec {
  name: EmVar;
  /** rank of the constant shape: 1 for vectors, 2 for matrices */
  rank: 1 | 2;
  timeVarying: boolean;
}

const SPECS: Record<'A' | 'b' | 'Q' | 'C' | 'd' | 'R' | 'mu0' | 'P0', Spec> = {
  A: { name: 'transitionMatrices', rank: 2, timeVarying: true },
  b: { name: 'transitionOffsets', rank: 1, timeVarying: true },
  Q: { name: 'transitionCovariance', rank: 2, timeVarying: true },
  C: { name: 'observationMatrices', rank: 2, timeVarying: true },
  d: { name: 'observationOffsets', rank: 1, timeVarying: true },
  R: { name: 'observationCovariance', rank: 2, timeVarying: true },
  mu0: { name: 'initialStateMean', rank: 1, timeVarying: false },
  P0: { name: 'initialStateCovariance', rank: 2, timeVarying: false },
};

/** Promotes scalars and, for matrices, vectors (as one row), like numpy's atleast_1d/2d. */
function promote(raw: Raw, spec: Spec): Raw {
  if (raw.shape.length === 0) return { shape: spec.rank === 1 ? [1] : [1, 1], data: raw.data };
  if (spec.rank === 2 && raw.shape.length === 1) return { shape: [1, raw.shape[0]], data: raw.data };
  const maxRank = spec.timeVarying ? spec.rank + 1 : spec.rank;
  if (raw.shape.length > maxRank)
    throw new KalmanModelError(
      spec.name,
      `expected ${spec.rank === 1 ? 'a vector' : 'a matrix'}${spec.timeVarying ? ' (or one per time step)' : ''}, got an array of shape ${shapeText(raw.shape)}`,
    );
  return raw;
}

function checkFinite(name: string, raw: Raw): void {
  const { data, shape } = raw;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const idx: number[] = [];
      let r = i;
      for (let d = shape.length - 1; d >= 0; d--) {
        idx.unshift(r % shape[d]);
        r = Math.floor(r / shape[d]);
      }
      throw new KalmanModelError(name, `must be finite, got ${data[i]} at [${idx.join('][')}]`);
    }
  }
}

function checkCovariance(name: string, n: number, data: Float64Array, steps: number): void {
  const size = n * n;
  const w = new Float64Array(n);
  const v = new Float64Array(size);
  const work = new Float64Array(size);
  const blocks = Math.max(steps, 1);
  for (let s = 0; s < blocks; s++) {
    const off = s * size;
    const where = steps > 0 ? ` at step ${s}` : '';
    let scale = 0;
    for (let i = 0; i < size; i++) scale = Math.max(scale, Math.abs(data[off + i]));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const a = data[off + i * n + j];
        const b = data[off + j * n + i];
        if (Math.abs(a - b) > 1e-10 * scale)
          throw new KalmanModelError(
            name,
            `must be symmetric${where}: entry [${i}][${j}] = ${a} but [${j}][${i}] = ${b}`,
          );
      }
    }
    symmetricEigen(n, data, off, w, v, work);
    let lo = Infinity;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, w[i]);
      hi = Math.max(hi, Math.abs(w[i]));
    }
    if (lo < -1e-10 * hi)
      throw new KalmanModelError(
        name,
        `must be positive semi-definite${where}: it has a negative eigenvalue ${lo.toPrecision(6)}`,
      );
  }
}

function eye(rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = 1;
  return out;
}

function param(data: Float64Array, size: number, steps: number): Param {
  return { data, size, steps, stride: steps > 0 ? size : 0 };
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new KalmanModelError(name, `must be a positive integer, got ${String(v)}`);
  return v;
}

/** Validates user input and fills in pykalman's defaults. */
export function resolveModel(input: KalmanModelInput = {}): ResolvedModel {
  if (typeof input !== 'object' || input === null)
    throw new KalmanModelError('model', `expected an object of parameters, got ${describe(input)}`);
  const known = new Set<string>([...ALL_EM_VARS, 'nDimState', 'nDimObs', 'emVars', 'partialMissing']);
  for (const key of Object.keys(input)) {
    if (!known.has(key))
      throw new KalmanModelError(key, `unknown model parameter; expected one of ${[...known].join(', ')}`);
  }
  const raws: Partial<Record<keyof typeof SPECS, Raw>> = {};
  for (const key of Object.keys(SPECS) as (keyof typeof SPECS)[]) {
    const spec = SPECS[key];
    const v = input[spec.name];
    if (v === undefined || v === null) continue;
    const raw = promote(readRaw(spec.name, v), spec);
    checkFinite(spec.name, raw);
    raws[key] = raw;
  }

  // Dimension inference as pykalman: every parameter that fixes a dimension votes; they must agree.
  const infer = (
    what: string,
    explicit: unknown,
    explicitName: string,
    votes: [string, number | undefined][],
  ) => {
    const cands: [string, number][] = [];
    if (explicit !== undefined) cands.push([explicitName, positiveInt(explicitName, explicit)]);
    for (const [n, d] of votes) if (d !== undefined) cands.push([n, d]);
    if (cands.length === 0) return 1;
    const first = cands[0];
    for (const c of cands) {
      if (c[1] !== first[1])
        throw new KalmanModelError(
          c[0],
          `inconsistent ${what}: ${first[0]} implies ${first[1]}, ${c[0]} implies ${c[1]}`,
        );
    }
    return first[1];
  };
  const last = (r: Raw | undefined) => (r ? r.shape[r.shape.length - 1] : undefined);
  const secondLast = (r: Raw | undefined) => (r ? r.shape[r.shape.length - 2] : undefined);
  const k = infer('state dimension', input.nDimState, 'nDimState', [
    ['transitionMatrices', last(raws.A)],
    ['transitionOffsets', last(raws.b)],
    ['transitionCovariance', last(raws.Q)],
    ['initialStateMean', last(raws.mu0)],
    ['initialStateCovariance', last(raws.P0)],
    ['observationMatrices', last(raws.C)],
  ]);
  const m = infer('observation dimension', input.nDimObs, 'nDimObs', [
    ['observationMatrices', secondLast(raws.C)],
    ['observationOffsets', last(raws.d)],
    ['observationCovariance', last(raws.R)],
  ]);

  const take = (key: keyof typeof SPECS, dims: number[], dflt: () => Float64Array): Param => {
    const spec = SPECS[key];
    const raw = raws[key];
    const size = dims.reduce((a, b) => a * b, 1);
    if (!raw) return param(dflt(), size, 0);
    const s = raw.shape;
    const expected = shapeText(dims);
    const constant = s.length === dims.length && s.every((x, i) => x === dims[i]);
    const perStep =
      spec.timeVarying && s.length === dims.length + 1 && s.slice(1).every((x, i) => x === dims[i]);
    if (!constant && !perStep)
      throw new KalmanModelError(
        spec.name,
        `expected shape ${expected}${spec.timeVarying ? ` (or n×${expected} per step)` : ''} for ${k} state and ${m} observed dimensions, got ${shapeText(s)}`,
      );
    if (perStep && s[0] === 0)
      throw new KalmanModelError(spec.name, `a per-step parameter needs at least one step, got 0`);
    return param(raw.data, size, constant ? 0 : s[0]);
  };

  const A = take('A', [k, k], () => eye(k, k));
  const b = take('b', [k], () => new Float64Array(k));
  const Q = take('Q', [k, k], () => eye(k, k));
  const C = take('C', [m, k], () => eye(m, k));
  const d = take('d', [m], () => new Float64Array(m));
  const R = take('R', [m, m], () => eye(m, m));
  const mu0 = take('mu0', [k], () => new Float64Array(k)).data;
  const P0 = take('P0', [k, k], () => eye(k, k)).data;
  checkCovariance('transitionCovariance', k, Q.data, Q.steps);
  checkCovariance('observationCovariance', m, R.data, R.steps);
  checkCovariance('initialStateCovariance', k, P0, 0);

  return {
    k,
    m,
    A,
    b,
    Q,
    C,
    d,
    R,
    mu0,
    P0,
    emVars: resolveEmVars('emVars', input.emVars, DEFAULT_EM_VARS),
    partialMissing: resolvePartialMissing(input.partialMissing),
  };
}

function resolvePartialMissing(v: unknown): PartialMissingPolicy {
  if (v === undefined || v === 'drop-row' || v === 'update-observed') return v ?? 'drop-row';
  throw new KalmanModelError('partialMissing', `expected 'drop-row' or 'update-observed', got ${String(v)}`);
}

/** Validates an `emVars` argument ('all' or a list of parameter names). */
export function resolveEmVars(name: string, v: unknown, dflt: readonly EmVar[]): readonly EmVar[] {
  if (v === undefined || v === null) return dflt;
  if (v === 'all') return ALL_EM_VARS;
  if (!Array.isArray(v))
    throw new KalmanModelError(name, `expected 'all' or a list of parameter names, got ${describe(v)}`);
  for (const x of v) {
    if (!ALL_EM_VARS.includes(x as EmVar))
      throw new KalmanModelError(
        name,
        `unknown EM variable ${JSON.stringify(x)}; expected one of ${ALL_EM_VARS.join(', ')}`,
      );
  }
  return ALL_EM_VARS.filter((x) => v.includes(x));
}

/** Checks that time-varying parameters cover n observations. */
export function checkStepCoverage(model: ResolvedModel, n: number): void {
  const need: [string, Param, number][] = [
    ['transitionMatrices', model.A, n - 1],
    ['transitionOffsets', model.b, n - 1],
    ['transitionCovariance', model.Q, n - 1],
    ['observationMatrices', model.C, n],
    ['observationOffsets', model.d, n],
    ['observationCovariance', model.R, n],
  ];
  for (const [name, p, steps] of need) {
    if (p.steps > 0 && p.steps < steps)
      throw new KalmanModelError(name, `has ${p.steps} time steps but ${n} observations need ${steps}`);
  }
}

function nest(data: Float64Array, shape: readonly number[], off = 0): unknown {
  if (shape.length === 1) return Array.from(data.subarray(off, off + shape[0]));
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  const out: unknown[] = [];
  for (let i = 0; i < shape[0]; i++) out.push(nest(data, shape.slice(1), off + i * inner));
  return out;
}

function nestParam(p: Param, dims: number[]): unknown {
  return nest(p.data, p.steps > 0 ? [p.steps, ...dims] : dims);
}

/** The resolved model as nested number arrays (pykalman's `KalmanFilter` attributes). */
export function modelToNested(r: ResolvedModel): KalmanModel {
  const { k, m } = r;
  return {
    transitionMatrices: nestParam(r.A, [k, k]) as KalmanModel['transitionMatrices'],
    observationMatrices: nestParam(r.C, [m, k]) as KalmanModel['observationMatrices'],
    transitionOffsets: nestParam(r.b, [k]) as KalmanModel['transitionOffsets'],
    observationOffsets: nestParam(r.d, [m]) as KalmanModel['observationOffsets'],
    transitionCovariance: nestParam(r.Q, [k, k]) as KalmanModel['transitionCovariance'],
    observationCovariance: nestParam(r.R, [m, m]) as KalmanModel['observationCovariance'],
    initialStateMean: Array.from(r.mu0),
    initialStateCovariance: nest(r.P0, [k, k]) as number[][],
    nDimState: k,
    nDimObs: m,
  };
}

/** Builds a ResolvedModel directly from flat parameters (used by EM; values already valid). */
export function withParams(
  base: ResolvedModel,
  patch: Partial<Pick<ResolvedModel, 'A' | 'b' | 'Q' | 'C' | 'd' | 'R' | 'mu0' | 'P0'>>,
): ResolvedModel {
  return { ...base, ...patch };
}

export { param as makeParam };
