import { afterAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { alignFrames, readWideCsvSync, type PriceFrame } from '../../src/data/index.js';
import { coint, halfLife } from '../../src/stats/index.js';
import { InlineExecutor, LocalExecutor, scanPairs, type PairResult } from '../../src/scan/index.js';

const { frame: universe } = readWideCsvSync('data/etf_universe_close.csv', {
  repair: { dropNonPositive: true },
});
const local = new LocalExecutor({ threads: 2 });
afterAll(() => local.close());

/** The overlap frame of a pair, as a user would build it for `kalrev backtest`. */
const overlap = (f: PriceFrame, y: string, x: string) => alignFrames(f, { symbols: [y, x] }).frame;

/** Every 37th pair plus every pair of legs listed on different dates with SMN (gaps inside). */
function sample(pairs: PairResult[]): PairResult[] {
  return pairs.filter((p, k) => k % 37 === 0 || p.y === 'SMN' || p.x === 'SMN');
}

describe('scanPairs on the 67-ETF universe', () => {
  it('has 2,211 pairs and every backtested pair equals backtest() of its overlap frame', async () => {
    const scan = await scanPairs(universe, { executor: local });
    expect(scan.symbols.length).toBe(67);
    expect(scan.pairs.length).toBe(2211);
    expect(scan.options.execution).toBe('next-close');
    const checked = sample(scan.pairs).filter((p) => p.status === 'ok');
    expect(checked.length).toBeGreaterThan(80);
    // legs with different listing dates: the overlap is shorter than the file
    expect(checked.some((p) => p.bars < universe.length - 100)).toBe(true);
    for (const p of checked) {
      const f = overlap(universe, p.y, p.x);
      expect(p.bars).toBe(f.length);
      expect(p.first).toBe(f.date(0));
      expect(p.last).toBe(f.date(f.length - 1));
      const r = backtest(f, 'kalman-pair', { symbols: [p.y, p.x], execution: 'next-close' });
      expect(p.metrics).toEqual(r.metrics);
      expect([p.ruined, p.ruinedAt]).toEqual([r.ruined, r.ruined ? f.date(r.ruinBar) : '']);
    }
    // ranking: the pairs whose account survived first, then the ruined ones; each by Sharpe,
    // descending, NaN last
    const ruinedFrom = scan.ranked.findIndex((p) => p.ruined);
    expect(scan.ranked.slice(ruinedFrom).every((p) => p.ruined)).toBe(true);
    for (const part of [scan.ranked.slice(0, ruinedFrom), scan.ranked.slice(ruinedFrom)]) {
      const sharpes = part.map((p) => p.metrics!.sharpe).filter((s) => !Number.isNaN(s));
      expect(sharpes).toEqual([...sharpes].sort((a, b) => b - a));
    }
    expect(scan.ranked[0].rank).toBe(1);
  });

  it('with a metrics window (metricsFrom), every pair equals backtest() with it', async () => {
    const opts = { execution: 'close' as const, metricsFrom: 100 };
    const scan = await scanPairs(universe, { backtest: opts, executor: local, minBars: 500 });
    let checked = 0;
    for (const p of sample(scan.pairs)) {
      if (p.status !== 'ok') continue;
      const f = overlap(universe, p.y, p.x);
      const r = backtest(f, 'kalman-pair', { ...opts, symbols: [p.y, p.x] });
      expect(r.metricsFrom).toBe(100);
      expect(p.metrics).toEqual(r.metrics);
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('equals backtest() with other settings: close execution, gross returns, a changed rule', async () => {
    const strategy = { preset: 'kalman-pair' as const, rule: { entryZ: 1.5, exitZ: 0.5 } };
    const opts = { execution: 'close' as const, returns: 'gross' as const };
    const scan = await scanPairs(universe, { strategy, backtest: opts, executor: local, minBars: 500 });
    for (const p of sample(scan.pairs)) {
      const f = overlap(universe, p.y, p.x);
      if (f.length < 500) {
        expect(p.status).toBe('short');
        continue;
      }
      expect(p.metrics).toEqual(backtest(f, strategy, { ...opts, symbols: [p.y, p.x] }).metrics);
    }
  });

  it('inline and worker-thread executors give identical rows', async () => {
    const a = await scanPairs(universe, { executor: new InlineExecutor(), screens: { minCorrelation: 0.5 } });
    const b = await scanPairs(universe, { executor: local, screens: { minCorrelation: 0.5 } });
    expect(b.pairs).toEqual(a.pairs);
    expect(a.executor).toBe('inline');
    expect(b.executor).toBe('local');
  });

  it('screens: each pair fails the first screen it misses, with the statistic recorded', async () => {
    const screens = {
      minPrice: 5,
      minCorrelation: 0.3,
      maxPValue: 0.1,
      halfLife: [2, 60] as [number, number],
    };
    const scan = await scanPairs(universe, { executor: local, screens });
    const c = scan.counts;
    expect(c.ok + c.short + c.minPrice + c.correlation + c.pvalue + c.halfLife).toBe(2211);
    for (const k of ['minPrice', 'correlation', 'pvalue', 'halfLife', 'ok'] as const)
      expect(c[k]).toBeGreaterThan(0);
    const byStatus = (s: string) => scan.pairs.filter((p) => p.status === s);
    for (const p of byStatus('pvalue').slice(0, 5).concat(byStatus('ok').slice(0, 5))) {
      const f = overlap(universe, p.y, p.x);
      expect(p.pvalue).toBe(coint(f.get(p.y), f.get(p.x)).pvalue);
    }
    for (const p of byStatus('pvalue')) expect(p.pvalue).toBeGreaterThan(0.1);
    for (const p of byStatus('correlation')) expect(p.correlation).toBeLessThan(0.3);
    for (const p of byStatus('halfLife')) expect(p.halfLife >= 2 && p.halfLife <= 60).toBe(false);
    for (const p of byStatus('ok')) {
      expect(p.correlation).toBeGreaterThanOrEqual(0.3);
      expect(p.pvalue).toBeLessThanOrEqual(0.1);
      const f = overlap(universe, p.y, p.x);
      const y = f.get(p.y);
      const x = f.get(p.x);
      const my = y.reduce((s, v) => s + v, 0) / y.length;
      const mx = x.reduce((s, v) => s + v, 0) / x.length;
      const spread = y.map((v, t) => v - p.olsBeta * x[t] - (my - p.olsBeta * mx));
      expect(p.halfLife).toBeCloseTo(halfLife(spread).halfLife, 9);
      expect(p.olsBeta).toBeCloseTo(coint(y, x).params[0], 9);
    }
  });
});

describe('the OLS hedge ratio in scan rows', () => {
  it('matches a two-pass OLS to 1e-12 on high, drifting price levels (no cancellation)', async () => {
    // x climbs from 1e8 by 1e5 with noise; y = 0.75 x + 3e5 + noise: the one-pass sums work on
    // deviations from the first bar, so the levels do not eat the digits (raw sums of x² would
    // lose about seven of them)
    const n = 757; // odd: the unrolled loop's tail runs
    let s = 7;
    const u = () => (s = (s * 48271) % 2147483647) / 2147483647 - 0.5;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      x[t] = 1e8 + (1e5 * t) / n + 1e4 * u();
      y[t] = 0.75 * x[t] + 3e5 + 50 * u();
    }
    const dates = Array.from({ length: n }, (_, t) =>
      new Date(Date.UTC(2020, 0, 1) + t * 86_400_000).toISOString().slice(0, 10),
    );
    const { PriceFrame } = await import('../../src/data/index.js');
    const scan = await scanPairs(PriceFrame.fromCloses(dates, { Y: y, X: x }), {
      backtest: { execution: 'close' },
    });
    const mx = x.reduce((a, v) => a + v, 0) / n;
    const my = y.reduce((a, v) => a + v, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (let t = 0; t < n; t++) {
      sxy += (x[t] - mx) * (y[t] - my);
      sxx += (x[t] - mx) ** 2;
    }
    const beta = scan.pairs[0].olsBeta;
    expect(Math.abs(beta - sxy / sxx)).toBeLessThan(1e-12 * Math.abs(sxy / sxx));
    expect(Math.abs(beta - 0.75)).toBeLessThan(1e-3);
  });
});
