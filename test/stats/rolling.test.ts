import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RollingWindow, rollingMean, rollingStd, rollingZScore } from '../../src/stats/index.js';

/** Independent oracle: two-pass mean and std of x[i−L+1..i], NaN before the window fills. */
function oracle(x: ArrayLike<number>, L: number, ddof: number, i: number): { mean: number; std: number } {
  if (i < L - 1) return { mean: NaN, std: NaN };
  let s = 0;
  for (let j = i - L + 1; j <= i; j++) s += x[j];
  const mean = s / L;
  let ss = 0;
  for (let j = i - L + 1; j <= i; j++) ss += (x[j] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (L - ddof)) };
}

/** Deterministic pseudo-random normals (LCG + Box-Muller) for long series. */
function noise(n: number, seed: number): Float64Array {
  let s = seed;
  const u = (): number => {
    s = (s * 1664525 + 1013904223) % 4294967296;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

describe('rolling windows: hand-computed values', () => {
  const x = [1, 2, 3, 4, 5, 7];
  it('mean over 3', () => {
    expect(Array.from(rollingMean(x, 3))).toEqual([NaN, NaN, 2, 3, 4, 16 / 3]);
  });
  it('sample std over 3 (default)', () => {
    const s = rollingStd(x, 3);
    expect(s[2]).toBe(1);
    expect(s[3]).toBe(1);
    expect(s[4]).toBe(1);
    // {4, 5, 7}: mean 16/3, Σ(x − mean)² = 14/3, sample variance 7/3.
    expect(s[5]).toBeCloseTo(Math.sqrt(7 / 3), 14);
  });
  it('population std over 3', () => {
    const s = rollingStd(x, 3, { std: 'population' });
    expect(s[2]).toBeCloseTo(Math.sqrt(2 / 3), 15);
    expect(s[5]).toBeCloseTo(Math.sqrt(14 / 9), 14);
  });
  it('z-score includes the current value in the window', () => {
    const z = rollingZScore(x, 3);
    expect(z[2]).toBe(1); // (3 − 2)/1
    expect(z[5]).toBeCloseTo((7 - 16 / 3) / Math.sqrt(7 / 3), 14);
  });
  it('default lookback is 20', () => {
    const v = Array.from({ length: 25 }, (_, i) => i * i);
    const m = rollingMean(v);
    expect(Number.isNaN(m[18])).toBe(true);
    expect(m[19]).toBe((19 * 20 * 39) / 6 / 20); // Σ_{i<20} i² / 20
  });
  it('a constant window has std 0 and z-score 0', () => {
    const w = new RollingWindow(4);
    for (let i = 0; i < 10; i++) w.push(3.5);
    expect(w.std).toBe(0);
    expect(w.zscore).toBe(0);
    expect(w.mean).toBe(3.5);
  });
  it('streaming reports NaN until ready, then the window statistics', () => {
    const w = new RollingWindow(3);
    w.push(1);
    w.push(2);
    expect(w.ready).toBe(false);
    expect(w.size).toBe(2);
    expect(w.mean).toBeNaN();
    w.push(3);
    expect(w.ready).toBe(true);
    expect(w.mean).toBe(2);
    expect(w.std).toBe(1);
    w.reset();
    expect(w.size).toBe(0);
    expect(w.mean).toBeNaN();
  });
});

describe('rolling windows: batch and streaming are the same code', () => {
  it('push(x) one at a time equals rollingZScore bit for bit', () => {
    const x = noise(5000, 3).map((v, i) => 100 + v + 0.01 * i);
    const z = rollingZScore(x, 20);
    const m = rollingMean(x, 20);
    const s = rollingStd(x, 20);
    const w = new RollingWindow(20);
    for (let i = 0; i < x.length; i++) {
      w.push(x[i]);
      expect(Object.is(w.zscore, z[i]) || w.zscore === z[i]).toBe(true);
      expect(Object.is(w.mean, m[i]) || w.mean === m[i]).toBe(true);
      expect(Object.is(w.std, s[i]) || w.std === s[i]).toBe(true);
    }
  });

  it('pushAllMeanStd gives push()’s mean and std bit for bit, across the exact recomputes', () => {
    const x = noise(5000, 9);
    for (const std of ['sample', 'population'] as const) {
      const w = new RollingWindow(25, { std });
      const mean = new Float64Array(5000);
      const sd = new Float64Array(5000);
      new RollingWindow(25, { std }).pushAllMeanStd(x, mean, sd);
      for (let i = 0; i < 5000; i++) {
        w.push(x[i]);
        expect(Object.is(mean[i], w.mean)).toBe(true);
        expect(Object.is(sd[i], w.std)).toBe(true);
      }
    }
    const bad = Float64Array.of(1, 2, 3, NaN);
    expect(() => new RollingWindow(2).pushAllMeanStd(bad, new Float64Array(4), new Float64Array(4))).toThrow(
      /pushAllMeanStd: x contains NaN at index 3/,
    );
  });

  it('pushAll continues a stream that push started', () => {
    const x = noise(3000, 5);
    const whole = rollingZScore(x, 30);
    const w = new RollingWindow(30);
    for (let i = 0; i < 1000; i++) w.push(x[i]);
    const rest = w.pushAll(x.subarray(1000), new Float64Array(2000), 'zscore');
    expect(Array.from(rest)).toEqual(Array.from(whole.subarray(1000)));
  });
});

describe('rolling windows: numerically stable over 10^6 steps', () => {
  it('a price level of 1e8 with unit noise: no cancellation, no drift', () => {
    const n = 1_000_000;
    const e = noise(n, 11);
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = 1e8 + e[i];
    const s = rollingStd(x, 20);
    const m = rollingMean(x, 20);
    for (const i of [19, 1000, 123_456, 500_000, 999_999]) {
      const o = oracle(x, 20, 1, i);
      expect(Math.abs(s[i] - o.std)).toBeLessThanOrEqual(1e-7 * o.std);
      expect(Math.abs(m[i] - o.mean)).toBeLessThanOrEqual(1e-15 * o.mean);
    }
  });

  it('a regime change from 1e6-scale values to 1e-3-scale values recovers exactly', () => {
    const n = 1_000_000;
    const e = noise(n, 13);
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = i < n / 2 ? 1e6 * e[i] : 1e-3 * e[i];
    const w = new RollingWindow(50);
    const out = w.pushAll(x, new Float64Array(n), 'std');
    // Naive Σx and Σx² would keep an error of about 1e12·1e-16 = 1e-4 in the variance (vs 1e-6 true).
    for (const i of [n - 1, n - 777, n - 12_345]) {
      const o = oracle(x, 50, 1, i);
      expect(Math.abs(out[i] - o.std)).toBeLessThanOrEqual(1e-9 * o.std);
    }
  });
});

describe('rolling windows: property tests against a two-pass oracle', () => {
  it('mean, sample and population std match for arbitrary series and lookbacks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 2, max: 30 }),
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        (values, L, offset) => {
          const x = values.map((v) => v + offset);
          for (const [opt, ddof] of [
            ['sample', 1],
            ['population', 0],
          ] as const) {
            const m = rollingMean(x, L, { std: opt });
            const s = rollingStd(x, L, { std: opt });
            for (let i = 0; i < x.length; i++) {
              const o = oracle(x, L, ddof, i);
              if (i < L - 1) {
                expect(m[i]).toBeNaN();
                expect(s[i]).toBeNaN();
                continue;
              }
              // Sliding updates carry rounding of values that already left the window, so the
              // error scale is the largest magnitude seen so far, not only the current window's.
              const scale = Math.max(...x.slice(0, i + 1).map(Math.abs));
              expect(Math.abs(m[i] - o.mean)).toBeLessThanOrEqual(1e-12 * scale + 1e-300);
              expect(Math.abs(s[i] - o.std)).toBeLessThanOrEqual(1e-6 * scale + 1e-300);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
