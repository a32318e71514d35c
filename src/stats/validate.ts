/** Input checks shared by the statistics functions: validate once at the edge, trust inside. */
import { StatsError } from './errors.js';

/** Copies a numeric series into a Float64Array, refusing NaN and ±Infinity (naming the index). */
export function toSeries(x: ArrayLike<number>, fn: string, name: string): Float64Array {
  if (x === null || x === undefined || typeof x.length !== 'number') {
    throw new StatsError(name, `${fn}: ${name} must be an array of numbers`);
  }
  const n = x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StatsError(name, `${fn}: ${name} contains ${describe(v)} at index ${i}`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * A numeric series as a Float64Array, refusing NaN and ±Infinity (naming the index): the input
 * itself when it already is one, for a caller that only reads it (no copy), else a copy.
 */
export function readSeries(x: ArrayLike<number>, fn: string, name: string): Float64Array {
  if (!(x instanceof Float64Array)) return toSeries(x, fn, name);
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i]))
      throw new StatsError(name, `${fn}: ${name} contains ${describe(x[i])} at index ${i}`);
  return x;
}

function describe(v: unknown): string {
  if (typeof v !== 'number') return `a non-number (${String(v)})`;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}

/** Throws unless the series has at least `min` points; `why` says what needs them. */
export function requireLength(n: number, min: number, fn: string, name: string, why: string): void {
  if (n < min) {
    throw new StatsError(
      name,
      `${fn}: ${name} is too short: ${why} needs at least ${min} observations, got ${n}`,
    );
  }
}

/** Throws if every value of the series is the same (nothing to test or regress). */
export function requireNotConstant(x: Float64Array, fn: string, name: string): void {
  const first = x[0];
  for (let i = 1; i < x.length; i++) if (x[i] !== first) return;
  throw new StatsError(name, `${fn}: ${name} is a constant series (every value is ${first})`);
}

/** Throws unless `value` is an integer in [min, max]. */
export function requireInteger(value: number, min: number, max: number, fn: string, name: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
    throw new StatsError(name, `${fn}: ${name} must be ${range}, got ${value}`);
  }
}

/** Throws unless `value` is one of `allowed`. */
export function requireOneOf<T>(value: T, allowed: readonly T[], fn: string, name: string): void {
  if (!allowed.includes(value)) {
    const list = allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ');
    throw new StatsError(name, `${fn}: ${name} must be one of ${list}, got ${JSON.stringify(value)}`);
  }
}

/** Throws unless two lengths agree. */
export function requireSameLength(n0: number, n1: number, fn: string, name0: string, name1: string): void {
  if (n0 !== n1) {
    throw new StatsError(
      name1,
      `${fn}: mismatched lengths: ${name0} has ${n0} observations, ${name1} has ${n1}`,
    );
  }
}
