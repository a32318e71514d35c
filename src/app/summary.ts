import type { HedgeRatioPath } from '../kalman/hedgeRatio.js';

interface Stats {
  start: number;
  end: number;
  mean: number;
  min: number;
  max: number;
  minDate: string;
  maxDate: string;
}

function stats(dates: string[], v: Float64Array, from: number): Stats {
  let sum = 0;
  let lo = from;
  let hi = from;
  for (let t = from; t < v.length; t++) {
    sum += v[t];
    if (v[t] < v[lo]) lo = t;
    if (v[t] > v[hi]) hi = t;
  }
  return {
    start: v[from],
    end: v[v.length - 1],
    mean: sum / (v.length - from),
    min: v[lo],
    max: v[hi],
    minDate: dates[lo],
    maxDate: dates[hi],
  };
}

/**
 * A summary of a hedge-ratio path for printing. The first day is left out of β and α
 * statistics: with Chan's zero initial covariance the filter cannot move on day one.
 */
export function summarisePath(dates: string[], p: HedgeRatioPath) {
  const n = dates.length;
  let s = 0;
  let s2 = 0;
  let absZ = 0;
  let beyondOne = 0;
  let count = 0;
  for (let t = 1; t < n; t++) {
    const e = p.forecastError[t];
    if (Number.isNaN(e)) continue;
    s += e;
    s2 += e * e;
    const z = Math.abs(e) / p.forecastStd[t];
    absZ += z;
    if (z > 1) beyondOne++;
    count++;
  }
  const mean = s / count;
  return {
    days: n,
    first: dates[0],
    last: dates[n - 1],
    beta: stats(dates, p.beta, 1),
    alpha: stats(dates, p.alpha, 1),
    error: { std: Math.sqrt(s2 / count - mean * mean), meanAbsZ: absZ / count, beyondOne },
  };
}
