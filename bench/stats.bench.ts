/**
 * Statistics benchmarks: `npx tsx bench/run.ts stats`. Inputs are synthetic and seeded, so every
 * run does the same work: a daily-like OU spread (n = 2,520, ten years), a cointegrated pair of the
 * same length, and 10^6 points for the rolling z-score.
 */
import { bench, type BenchResult } from './harness.js';
import { adfuller, coint, RollingWindow, rollingZScore } from '../src/stats/index.js';

/** Deterministic standard normals (mulberry32 + Box-Muller). */
function normals(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - uniform();
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

/** Benchmarks adfuller, coint and the rolling z-score against the targets. */
export function main(): BenchResult[] {
  const n = 2520;
  const e = normals(3 * n, 7);
  // OU spread: x_t = 0.97·x_{t−1} + e_t (half-life ≈ 23 days).
  const spread = new Float64Array(n);
  for (let i = 1; i < n; i++) spread[i] = 0.97 * spread[i - 1] + e[i];
  // Pair: x random walk from 50, y = 2 + 1.5·x + AR(1)(0.5) noise.
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let u = 0;
  x[0] = 50;
  for (let i = 0; i < n; i++) {
    if (i > 0) x[i] = x[i - 1] + 0.5 * e[n + i];
    u = 0.5 * u + e[2 * n + i];
    y[i] = 2 + 1.5 * x[i] + u;
  }
  const big = normals(1_000_000, 11);
  for (let i = 1; i < big.length; i++) big[i] = 0.999 * big[i - 1] + big[i];

  // Warm the JIT as a screening loop over many pairs would, so the medians measure optimised code
  // (the harness itself makes a single warm-up run).
  for (let i = 0; i < 300; i++) {
    adfuller(spread);
    coint(y, x);
  }
  rollingZScore(big.subarray(0, 100_000), 20);
  const out = new Float64Array(big.length);

  return [
    bench({
      name: 'adfuller(x, autolag AIC), n = 2,520 (maxlag 27)',
      steps: 1,
      unit: 'µs',
      target: 300,
      runs: 201,
      note: 'statsmodels: milliseconds',
      run: () => adfuller(spread, { regression: 'c', autolag: 'AIC' }).statistic,
    }),
    bench({
      name: 'coint(y0, y1), pair n = 2,520',
      steps: 1,
      unit: 'µs',
      target: 300,
      runs: 201,
      note: 'statsmodels: milliseconds',
      run: () => coint(y, x).statistic,
    }),
    bench({
      name: 'RollingWindow(20).pushAll(z-score), 10^6 points, reused output',
      steps: 1,
      unit: 'ms',
      target: 10,
      runs: 11,
      run: () => new RollingWindow(20).pushAll(big, out, 'zscore')[big.length - 1],
    }),
    bench({
      name: 'rollingZScore, 10^6 points, lookback 20 (allocates output)',
      steps: 1,
      unit: 'ms',
      target: 10,
      runs: 11,
      run: () => rollingZScore(big, 20)[big.length - 1],
    }),
  ];
}
