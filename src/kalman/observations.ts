/**
 * Normalises observations to one flat n×m Float64Array with NaN for missing values.
 * @internal
 */
import { KalmanModelError } from './errors.js';
import type { ObservationsInput } from './types.js';

export interface Observations {
  readonly n: number;
  readonly m: number;
  /** n×m row-major; NaN = missing. */
  readonly z: Float64Array;
}

function cell(v: unknown, where: string): number {
  if (v === null || v === undefined) return NaN;
  if (typeof v !== 'number')
    throw new KalmanModelError('observations', `expected a number or null at ${where}, got ${typeof v}`);
  if (v === Infinity || v === -Infinity)
    throw new KalmanModelError(
      'observations',
      `${v} at ${where} is not a valid observation (use null or NaN to mark a missing value)`,
    );
  return v;
}

/**
 * Reads observations for a model with `m` observed dimensions. A flat array or Float64Array
 * holds n×m values row-major (n values when m = 1); a nested array must be n×m. A row of a
 * nested array that is `null` is entirely missing. Unlike pykalman, a single 1×m observation
 * is never transposed.
 */
export function readObservations(obs: ObservationsInput, m: number): Observations {
  if (obs instanceof Float64Array || (typeof obs === 'object' && obs !== null && !Array.isArray(obs))) {
    let data: Float64Array;
    if (obs instanceof Float64Array) data = obs;
    else {
      const shaped = obs as { data?: unknown; shape?: unknown };
      if (
        !Array.isArray(shaped.shape) ||
        !(shaped.data instanceof Float64Array || Array.isArray(shaped.data))
      )
        throw new KalmanModelError('observations', 'expected an array, a Float64Array or { data, shape }');
      const cols = shaped.shape.length === 1 ? 1 : shaped.shape[1];
      if (shaped.shape.length > 2 || cols !== m)
        throw new KalmanModelError('observations', `expected shape n×${m}, got ${shaped.shape.join('×')}`);
      data = shaped.data instanceof Float64Array ? shaped.data : Float64Array.from(shaped.data as number[]);
    }
    if (data.length % m !== 0)
      throw new KalmanModelError(
        'observations',
        `a flat array holds n×${m} values row-major, but its length ${data.length} is not a multiple of ${m}`,
      );
    // ±Infinity in a typed array is refused by the filter loops themselves, where the check is free.
    return { n: data.length / m, m, z: data };
  }
  if (!Array.isArray(obs))
    throw new KalmanModelError('observations', `expected an array or a Float64Array, got ${typeof obs}`);
  const n = obs.length;
  const nested = obs.some((r) => Array.isArray(r));
  if (!nested) {
    if (m !== 1)
      throw new KalmanModelError(
        'observations',
        `a flat list holds one observed dimension, but the model observes ${m}: pass an n×${m} array`,
      );
    const z = new Float64Array(n);
    for (let t = 0; t < n; t++) z[t] = cell(obs[t], `[${t}]`);
    return { n, m, z };
  }
  const z = new Float64Array(n * m);
  for (let t = 0; t < n; t++) {
    const row = obs[t] as unknown;
    if (row === null || row === undefined) {
      z.fill(NaN, t * m, t * m + m);
      continue;
    }
    if (!Array.isArray(row) || row.length !== m)
      throw new KalmanModelError(
        'observations',
        `expected ${m} value${m > 1 ? 's' : ''} at row [${t}], got ${Array.isArray(row) ? row.length : typeof row}`,
      );
    for (let j = 0; j < m; j++) z[t * m + j] = cell(row[j], `[${t}][${j}]`);
  }
  return { n, m, z };
}
