/** The trade bootstrap: seeded and deterministic, and its interval as wide as theory says. */
import { describe, expect, it } from 'vitest';
import { tradeBootstrap, mulberry32 } from '../../src/stats/bootstrap.js';

/** Trade returns from a seeded normal (Box-Muller on mulberry32, another seed than the bootstrap's). */
function trades(n: number, mu: number, sd: number): Float64Array {
  const u = mulberry32(987654);
  return Float64Array.from(
    { length: n },
    () => mu + sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()),
  );
}

describe('tradeBootstrap', () => {
  it('gives the same interval for the same seed, another for another seed', () => {
    const r = trades(120, 0.004, 0.02);
    const a = tradeBootstrap(r, { seed: 7 });
    expect(tradeBootstrap(r, { seed: 7 })).toEqual(a);
    expect(tradeBootstrap(r, { seed: 8 }).sharpe.lower).not.toBe(a.sharpe.lower);
  });

  it("the Sharpe interval's width matches the asymptotic standard error √((1 + SR²/2)/n) (Lo 2002)", () => {
    const n = 400;
    const r = trades(n, 0.003, 0.02);
    const b = tradeBootstrap(r, { samples: 4000, level: 0.95, seed: 3 });
    const sr = b.sharpe.estimate;
    const se = Math.sqrt((1 + (sr * sr) / 2) / n);
    const width = b.sharpe.upper - b.sharpe.lower;
    expect(width / (2 * 1.959964 * se)).toBeGreaterThan(0.85);
    expect(width / (2 * 1.959964 * se)).toBeLessThan(1.15);
    expect(b.sharpe.lower).toBeLessThan(sr);
    expect(b.sharpe.upper).toBeGreaterThan(sr);
  });

  it('annualises the Sharpe ratio by √(trades per year); drawdowns are positive fractions', () => {
    const r = trades(60, 0.002, 0.03);
    const raw = tradeBootstrap(r, { seed: 1 });
    const yearly = tradeBootstrap(r, { seed: 1, tradesPerYear: 25 });
    expect(yearly.sharpe.estimate).toBeCloseTo(5 * raw.sharpe.estimate, 12);
    expect(yearly.sharpe.lower).toBeCloseTo(5 * raw.sharpe.lower, 12);
    expect(raw.maxDrawdown.lower).toBeGreaterThanOrEqual(0);
    expect(raw.maxDrawdown.upper).toBeLessThan(1);
    expect(raw.maxDrawdown.lower).toBeLessThanOrEqual(raw.maxDrawdown.upper);
  });

  it('the drawdown of [+10 %, −50 %, +10 %] is 50 %, and every resample of equal losses loses the same', () => {
    expect(tradeBootstrap([0.1, -0.5, 0.1], { seed: 2 }).maxDrawdown.estimate).toBeCloseTo(0.5, 15);
    const same = tradeBootstrap([-0.1, -0.1, -0.1], { seed: 2 });
    expect(same.maxDrawdown.lower).toBeCloseTo(1 - 0.9 ** 3, 15);
    expect(same.maxDrawdown.upper).toBeCloseTo(1 - 0.9 ** 3, 15);
    expect(same.sharpe.estimate).toBeNaN();
  });

  it('refuses a trade return of −1 or less, naming it', () => {
    expect(() => tradeBootstrap([0.1, -1])).toThrow(/tradeReturns\[1\] is -1/);
  });
});
