/**
 * Ruined backtests in scans and sweeps: a run whose account reached zero equity never ranks
 * above one that did not, whatever its metric.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { alignFrames, readWideCsvSync } from '../../src/data/index.js';
import { LocalExecutor, scanPairs } from '../../src/scan/index.js';
import { argBest } from '../../src/scan/sweep.js';

const { frame: universe } = readWideCsvSync('data/etf_universe_close.csv', {
  repair: { dropNonPositive: true },
});
const local = new LocalExecutor({ threads: 2 });
afterAll(() => local.close());

describe('a scan ranks every ruined pair after every pair that survived', () => {
  it('the 67-ETF universe, Engle-Granger p ≤ 0.05: 204 pairs backtested, 64 of them ruined', async () => {
    const scan = await scanPairs(universe, { executor: local, screens: { maxPValue: 0.05 } });
    expect(scan.counts.ok).toBe(204);
    const ruined = scan.ranked.filter((p) => p.ruined);
    expect(ruined.length).toBe(64);
    // live pairs take ranks 1 … 140, the ruined ones 141 … 204, whatever their Sharpe
    scan.ranked.forEach((p, i) => expect(p.ruined).toBe(i >= 140));
    for (const p of ruined) {
      expect(p.metrics!.totalReturn).toBe(-1);
      expect(p.metrics!.maxDrawdown).toBe(1);
      expect(p.metrics!.sharpe).toBeLessThanOrEqual(0);
    }
    // a live pair's account never lost everything (the worst one is still above zero)
    expect(Math.min(...scan.ranked.slice(0, 140).map((p) => p.metrics!.totalReturn))).toBeGreaterThan(-1);
    // the first ruined pair's backtest, as `kalrev backtest` runs it
    const first = ruined[0];
    const f = alignFrames(universe, { symbols: [first.y, first.x] }).frame;
    const r = backtest(f, 'kalman-pair', { symbols: [first.y, first.x], execution: 'next-close' });
    expect(r.ruined).toBe(true);
    expect(first.ruinedAt).toBe(f.date(r.ruinBar));
    expect(r.equity[r.ruinBar]).toBeLessThanOrEqual(0);
    expect(r.equity[r.ruinBar - 1]).toBeGreaterThan(0);
  });
});

describe('a sweep never chooses a ruined grid point over one that survived', () => {
  it('argBest: a ruined point loses to a live one, even to a live NaN', () => {
    expect(argBest([0.5, 2, 1], 'sharpe', [false, true, false])).toBe(2);
    expect(argBest([0.5, 2, 1], 'sharpe')).toBe(1);
    expect(argBest([NaN, 2], 'sharpe', [false, true])).toBe(0);
    expect(argBest([3, 2], 'sharpe', [true, true])).toBe(0);
    // lower is better for drawdown: a ruined point's 1 would lose anyway, 0.2 beats 0.3
    expect(argBest([0.3, 0.2, 1], 'maxDrawdown', [false, false, true])).toBe(1);
    expect(argBest([0.1, 0.3], 'maxDrawdown', [true, false])).toBe(1);
  });
});
