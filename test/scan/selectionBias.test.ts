/**
 * Selection bias in a scan and a sweep: the scan's q-values are the Benjamini-Hochberg step-up
 * of the p-values it tested and its q-value screen keeps exactly the pairs at or under the
 * threshold; the deflated Sharpe ratios and the probability of backtest overfitting are those of
 * the scan's and the grid's own runs.
 */
import { describe, expect, it } from 'vitest';
import { readWideCsvSync } from '../../src/data/index.js';
import { scanPairs } from '../../src/scan/scan.js';
import { sweep } from '../../src/scan/sweep.js';
import { scanTrials, sweepSelectionBias, trialsOf } from '../../src/scan/selectionBias.js';
import { ScanError } from '../../src/scan/errors.js';

const { frame: universe } = readWideCsvSync('data/etf_universe_close.csv', {
  repair: { dropNonPositive: true },
});
const symbols = ['EWA', 'EWC', 'EWG', 'EWJ', 'EWQ', 'EWU', 'EFA', 'VGK', 'FEZ', 'SPY', 'MDY', 'IWM'];

/** q-values written out (not the library's): p sorted ascending, q_(i) = min_{j ≥ i} p_(j)·m/j. */
function stepUp(p: number[]): number[] {
  const idx = p.map((_, i) => i).filter((i) => !Number.isNaN(p[i]));
  idx.sort((a, b) => p[a] - p[b]);
  const m = idx.length;
  const q = p.map(() => NaN);
  let min = Infinity;
  for (let r = m; r >= 1; r--) {
    min = Math.min(min, (p[idx[r - 1]] * m) / r, 1);
    q[idx[r - 1]] = min;
  }
  return q;
}

describe('scan q-values', () => {
  it('are the step-up of the tested p-values; the q screen keeps the pairs at or under it', async () => {
    const all = await scanPairs(universe, { symbols, screens: { maxPValue: 1 }, minBars: 500 });
    const p = all.pairs.map((x) => x.pvalue);
    const q = stepUp(p);
    all.pairs.forEach((x, i) => {
      if (Number.isNaN(q[i])) expect(x.qvalue).toBeNaN();
      else expect(x.qvalue).toBeCloseTo(q[i], 14);
    });
    // a threshold that keeps the three most significant pairs
    const threshold = q.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)[2];
    const screened = await scanPairs(universe, { symbols, screens: { maxQValue: threshold }, minBars: 500 });
    const kept = screened.pairs.filter((x) => x.status === 'ok').map((x) => `${x.y}/${x.x}`);
    const expected = all.pairs.filter((_, i) => q[i] <= threshold).map((x) => `${x.y}/${x.x}`);
    expect(kept.length).toBeGreaterThanOrEqual(3);
    expect(kept).toEqual(expected);
    // the pairs tested and above the threshold: screened as p-values above it, or by their q
    expect(screened.counts.qvalue + screened.counts.pvalue + screened.counts.ok).toBe(
      all.counts.ok + all.counts.pvalue,
    );
    expect(screened.pairs.filter((x) => x.status === 'qvalue').every((x) => x.qvalue > threshold)).toBe(true);
  });

  it('refuses a threshold outside (0, 1]', async () => {
    await expect(scanPairs(universe, { symbols, screens: { maxQValue: 0 } })).rejects.toThrow(ScanError);
    await expect(scanPairs(universe, { symbols, screens: { maxQValue: 0 } })).rejects.toThrow(
      /screens.maxQValue: expected a number in \(0, 1\]/,
    );
  });

  it("the scan's trials are its backtested pairs and their Sharpe ratios' variance", async () => {
    const scan = await scanPairs(universe, { symbols, minBars: 500 });
    const sharpes = scan.ranked.map((x) => x.metrics!.sharpe);
    const t = scanTrials(scan);
    expect(t.count).toBe(scan.counts.ok);
    const mean = sharpes.reduce((a, b) => a + b, 0) / sharpes.length;
    const v = sharpes.reduce((a, b) => a + (b - mean) ** 2, 0) / (sharpes.length - 1);
    expect(t.sharpeVariance).toBeCloseTo(v / 252, 14);
    expect(trialsOf([1, NaN, 3], 4)).toEqual({ count: 2, sharpeVariance: 2 / 4 });
  });
});

describe("a sweep's selection bias", () => {
  it("the best point's Sharpe ratio is the sweep's; its DSR is below its PSR; PBO over C(16, 8) splits", async () => {
    const { frame } = readWideCsvSync('data/ewa_ewc.csv');
    const r = await sweep(frame, {
      pair: ['EWC', 'EWA'],
      grid: 'delta=1e-5,1e-4,1e-3;entryZ=1,1.5,2',
      backtest: { execution: 'next-close' },
    });
    const b = sweepSelectionBias(frame, r);
    expect(b.trials.count).toBe(9);
    const best = r.fullPeriod.reduce((i, m, j) => (m!.sharpe > r.fullPeriod[i]!.sharpe ? j : i), 0);
    expect(b.best.index).toBe(best);
    expect(b.best.sharpe).toBeCloseTo(r.fullPeriod[best]!.sharpe, 12);
    expect(b.best.dsr).toBeLessThan(b.best.psr);
    expect(b.best.threshold).toBeGreaterThan(0);
    expect(b.pbo!.splits).toBe(12870);
    expect(b.pbo!.blocks).toBe(16);
    expect(b.pbo!.pbo).toBeGreaterThanOrEqual(0);
    expect(b.pbo!.pbo).toBeLessThanOrEqual(1);
  });
});
