/** Hurst exponent by the lag-variance method. */
import { StatsError } from './errors.js';
import { requireInteger, toSeries } from './validate.js';

/** Options of {@link hurst}. */
export interface HurstOptions {
  /** Smallest lag (default 2). */
  minLag?: number;
  /** Largest lag, inclusive (default 100); needs n ≥ maxLag + 2. */
  maxLag?: number;
}

/** Result of {@link hurst}. */
export interface HurstResult {
  /** H: ≈ 0.5 random walk, < 0.5 mean reverting, > 0.5 trending. */
  hurst: number;
  /** Intercept of the log-log fit. */
  intercept: number;
}

/**
 * Hurst exponent of a level series by the lag-variance method: τ_L = population std of
 * x[t+L] − x[t] for L = minLag..maxLag, and H = slope of the least-squares line of ln τ_L on ln L
 * (no factor 2). The std removes the mean, so a drift does not bias H.
 *
 * @throws StatsError on NaN/±Infinity, lags out of range or a series too short for maxLag, or
 *   lagged differences with zero spread (e.g. a straight line).
 */
export function hurst(x: ArrayLike<number>, options: HurstOptions = {}): HurstResult {
  const fn = 'hurst';
  const xs = toSeries(x, fn, 'x');
  const n = xs.length;
  const minLag = options.minLag ?? 2;
  const maxLag = options.maxLag ?? 100;
  requireInteger(minLag, 1, Infinity, fn, 'minLag');
  requireInteger(maxLag, minLag + 1, Infinity, fn, 'maxLag');
  if (n < maxLag + 2) {
    throw new StatsError(
      'x',
      `${fn}: x is too short for maxLag=${maxLag}: needs at least ${maxLag + 2} observations, got ${n}`,
    );
  }
  const count = maxLag - minLag + 1;
  const lx = new Float64Array(count);
  const ly = new Float64Array(count);
  for (let L = minLag; L <= maxLag; L++) {
    const m = n - L;
    let mean = 0;
    for (let i = 0; i < m; i++) mean += xs[i + L] - xs[i];
    mean /= m;
    let ss = 0;
    for (let i = 0; i < m; i++) {
      const d = xs[i + L] - xs[i] - mean;
      ss += d * d;
    }
    const tau = Math.sqrt(ss / m);
    if (!(tau > 0)) {
      throw new StatsError(
        'x',
        `${fn}: the lag-${L} differences of x have zero spread (constant or linear series)`,
      );
    }
    lx[L - minLag] = Math.log(L);
    ly[L - minLag] = Math.log(tau);
  }
  let mx = 0;
  let my = 0;
  for (let i = 0; i < count; i++) {
    mx += lx[i];
    my += ly[i];
  }
  mx /= count;
  my /= count;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < count; i++) {
    sxx += (lx[i] - mx) * (lx[i] - mx);
    sxy += (lx[i] - mx) * (ly[i] - my);
  }
  const slope = sxy / sxx;
  return { hurst: slope, intercept: my - slope * mx };
}
