/**
 * Synthetic universes for portfolio tests: symbols driven by a few common random walks plus
 * their own mean-reverting noise (so pairs on the same factor cointegrate), some listed late,
 * with opens, from a seed.
 */
import { PriceFrame, type PriceField } from '../../src/data/frame.js';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gauss(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** `S` symbols over `n` bars; with `late`, every fourth symbol is listed a random time after bar 0. */
export function syntheticUniverse(S: number, n: number, seed: number, late = false): PriceFrame {
  const u = rng(seed);
  const F = Math.max(1, Math.floor(S / 4));
  const factors = Array.from({ length: F }, () => new Float64Array(n));
  for (const f of factors) {
    let level = 50 + 50 * u();
    for (let t = 0; t < n; t++) f[t] = level = Math.max(5, level + gauss(u));
  }
  const columns: Record<string, Partial<Record<PriceField, Float64Array>>> = {};
  for (let s = 0; s < S; s++) {
    const f = factors[s % F];
    const beta = 0.5 + u();
    const kappa = 0.05 + 0.2 * u();
    const close = new Float64Array(n);
    const open = new Float64Array(n);
    let e = 0;
    const listed = late && s % 4 === 3 ? Math.floor(u() * n * 0.5) : 0;
    for (let t = 0; t < n; t++) {
      e += -kappa * e + 0.8 * gauss(u);
      const c = beta * f[t] + 10 + e;
      close[t] = t < listed ? NaN : Math.max(1, c);
      open[t] = t < listed ? NaN : Math.max(1, c + 0.3 * gauss(u));
    }
    columns[`S${String(s).padStart(3, '0')}`] = { close, open };
  }
  const times = Array.from({ length: n }, (_, i) => Date.UTC(2010, 0, 4) + i * 86_400_000);
  return new PriceFrame({ times, columns, source: `synthetic-${seed}` });
}
