import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { adfuller, coint, halfLife, type Regression } from '../../src/stats/index.js';
import { adfCore } from '../../src/stats/adf.js';

/** An AR(1) path with coefficient phi from a seeded LCG (uniform innovations, mean 0). */
function ar1(n: number, phi: number, seed: number): number[] {
  let s = seed >>> 0;
  let v = 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v = phi * v + (s / 4294967296 - 0.5);
    out.push(v);
  }
  return out;
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

const seriesArb = fc.record({
  n: fc.integer({ min: 60, max: 400 }),
  phi: fc.double({ min: 0.3, max: 1, noNaN: true }),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

describe('adfuller: invariances that hold for statsmodels too', () => {
  it('the statistic and lag do not change under x → a·x + b (with a constant term)', () => {
    fc.assert(
      fc.property(
        seriesArb,
        fc.constantFrom<Regression>('c', 'ct', 'ctt'),
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        fc.double({ min: -1e4, max: 1e4, noNaN: true }),
        ({ n, phi, seed }, regression, a, b) => {
          const x = ar1(n, phi, seed);
          const r0 = adfuller(x, { regression });
          const r1 = adfuller(
            x.map((v) => a * v + b),
            { regression },
          );
          expect(r1.usedLag).toBe(r0.usedLag);
          expect(rel(r1.statistic, r0.statistic)).toBeLessThan(1e-8);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the Gram fast path agrees with Householder QR on arbitrary series', () => {
    fc.assert(
      fc.property(
        seriesArb,
        fc.constantFrom<Regression>('n', 'c', 'ct', 'ctt'),
        fc.constantFrom('AIC' as const, 'BIC' as const, 't-stat' as const, null),
        ({ n, phi, seed }, regression, autolag) => {
          const x = Float64Array.from(ar1(n, phi, seed), (v, i) => v + 0.001 * i);
          const fast = adfCore(x, { regression, autolag }, 'adfuller');
          const slow = adfCore(x, { regression, autolag }, 'adfuller', true);
          expect(fast.usedLag).toBe(slow.usedLag);
          expect(rel(fast.statistic, slow.statistic)).toBeLessThan(1e-9);
          expect(rel(fast.gammaSe, slow.gammaSe)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('coint and halfLife: invariances', () => {
  it('coint does not depend on the scale of y1 (the hedge ratio absorbs it)', () => {
    fc.assert(
      fc.property(seriesArb, fc.double({ min: 0.01, max: 100, noNaN: true }), ({ n, seed }, a) => {
        const x = ar1(n, 1, seed).map((v) => v + 50);
        const noise = ar1(n, 0.5, seed + 1);
        const y = x.map((v, i) => 2 + 1.5 * v + noise[i]);
        const r0 = coint(y, x);
        const r1 = coint(
          y,
          x.map((v) => a * v),
        );
        expect(r1.usedLag).toBe(r0.usedLag);
        expect(rel(r1.statistic, r0.statistic)).toBeLessThan(1e-8);
        expect(rel(r1.params[0] * a, r0.params[0])).toBeLessThan(1e-8);
      }),
      { numRuns: 40 },
    );
  });

  it('halfLife does not depend on the units of the series', () => {
    fc.assert(
      fc.property(seriesArb, fc.double({ min: 0.001, max: 1000, noNaN: true }), ({ n, phi, seed }, a) => {
        const x = ar1(n, Math.min(phi, 0.98), seed);
        const h0 = halfLife(x);
        const h1 = halfLife(x.map((v) => a * v + 7));
        expect(rel(h1.halfLife, h0.halfLife)).toBeLessThan(1e-8);
      }),
      { numRuns: 60 },
    );
  });
});
