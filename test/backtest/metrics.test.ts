/** Metrics on small hand-computed cases (formulas in src/execution/metrics.ts and docs/strategies.md). */
import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../../src/execution/metrics.js';

const base = (returns: number[], extra: Partial<Parameters<typeof computeMetrics>[0]> = {}) =>
  computeMetrics({
    returns: Float64Array.from(returns),
    equity: Float64Array.from(returns, () => 100),
    grossExposure: Float64Array.from(returns, () => 0),
    tradedNotional: new Float64Array(returns.length),
    tradePnl: new Float64Array(0),
    tradeClosed: new Uint8Array(0),
    periodsPerYear: 252,
    riskFreeRate: 0,
    ...extra,
  });

describe('computeMetrics', () => {
  it('compounds returns and annualises as Chan does', () => {
    const m = base([0, 0.1, -0.05, 0.02]);
    const growth = 1.1 * 0.95 * 1.02; // 1.0659
    expect(m.totalReturn).toBeCloseTo(growth - 1, 15);
    expect(m.apr).toBeCloseTo(growth ** (252 / 4) - 1, 10);
    // mean 0.0175, sample variance Σ(r − mean)² / 3
    const mean = 0.0175;
    const sd = Math.sqrt(
      ((0 - mean) ** 2 + (0.1 - mean) ** 2 + (-0.05 - mean) ** 2 + (0.02 - mean) ** 2) / 3,
    );
    expect(m.annualVolatility).toBeCloseTo(sd * Math.sqrt(252), 14);
    expect(m.sharpe).toBeCloseTo((Math.sqrt(252) * mean) / sd, 12);
    // downside deviation √(0.05² / 4) = 0.025
    expect(m.sortino).toBeCloseTo((Math.sqrt(252) * mean) / 0.025, 12);
  });

  it('measures the deepest drawdown and the longest time under water', () => {
    // wealth 1, 1.1, 0.99, 1.089, 1.1979 (new peak) , 0.95832, 1.0541
    const m = base([0, 0.1, -0.1, 0.1, 0.1, -0.2, 0.1]);
    expect(m.maxDrawdown).toBeCloseTo(0.2, 14);
    expect(m.maxDrawdownDuration).toBe(2);
    expect(m.calmar).toBeCloseTo(m.apr / 0.2, 12);
  });

  it('counts trades, wins and the profit factor over closed trades', () => {
    const m = base([0, 0], {
      tradePnl: Float64Array.of(10, -4, 6, -1, 99),
      tradeClosed: Uint8Array.of(1, 1, 1, 1, 0),
    });
    expect(m.trades).toBe(5);
    expect(m.winRate).toBe(0.5);
    expect(m.profitFactor).toBeCloseTo(16 / 5, 15);
    expect(base([0], { tradePnl: Float64Array.of(3), tradeClosed: Uint8Array.of(1) }).profitFactor).toBe(
      Infinity,
    );
  });

  it('reports exposure and annual turnover', () => {
    const m = base([0, 0, 0, 0], {
      grossExposure: Float64Array.of(0, 50, 50, 0),
      tradedNotional: Float64Array.of(0, 50, 0, 50),
      equity: Float64Array.of(100, 100, 100, 100),
    });
    expect(m.exposure).toBe(0.5);
    // 100 traded over 4 bars on mean equity 100 → 0.25 per bar → 63 per year
    expect(m.turnover).toBeCloseTo(63, 12);
  });

  it('gives NaN, not a number, for undefined ratios', () => {
    const m = base([0, 0, 0]);
    expect(m.sharpe).toBeNaN();
    expect(m.calmar).toBeNaN();
    expect(m.winRate).toBeNaN();
  });
});
