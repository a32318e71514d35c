import { KalmanModelError } from './errors.js';
import type { ShapedArray } from './types.js';

/**
 * Per-step observation matrices C_t = [[x_t, 1]] (n×1×2) for the dynamic regression
 * y_t = β_t x_t + α_t, whose state is [β, α]: the hedge-ratio model of a pair (y on x).
 */
export function pairObservationMatrices(x: ArrayLike<number>): ShapedArray {
  const n = x.length;
  const data = new Float64Array(2 * n);
  for (let t = 0; t < n; t++) {
    const v = x[t];
    if (!Number.isFinite(v)) throw new KalmanModelError('x', `must be finite, got ${v} at [${t}]`);
    data[2 * t] = v;
    data[2 * t + 1] = 1;
  }
  return { data, shape: [n, 1, 2] };
}
