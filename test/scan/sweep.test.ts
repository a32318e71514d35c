import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { PriceFrame, readWideCsvSync } from '../../src/data/index.js';
import {
  argBest,
  learnNoise,
  parseGrid,
  sweep,
  walkForwardWindows,
  ScanError,
} from '../../src/scan/index.js';

const { frame } = readWideCsvSync('data/ewa_ewc.csv');
const pair: [string, string] = ['EWC', 'EWA'];
const grid = 'delta=1e-5,1e-4;entryZ=0.5,1,1.5,2;exitZ=0,0.5';
const walkForward = { train: 500, test: 250 };

describe('grid and windows', () => {
  it('parses a grid with short names and component.key', () => {
    const axes = parseGrid('delta=1e-5,1e-4,1e-3;ve=1e-3,1e-2;entryZ=1,1.5,2; rule.stopZ=3');
    expect(axes.map((a) => [a.name, a.component, a.key, a.values])).toEqual([
      ['delta', 'spread', 'delta', [1e-5, 1e-4, 1e-3]],
      ['ve', 'spread', 'observationVariance', [1e-3, 1e-2]],
      ['entryZ', 'rule', 'entryZ', [1, 1.5, 2]],
      ['rule.stopZ', 'rule', 'stopZ', [3]],
    ]);
    expect(() => parseGrid('gamma=1')).toThrow(/unknown parameter "gamma"/);
    expect(() => parseGrid('delta=1e-4,x')).toThrow(ScanError);
    expect(() => parseGrid('delta=1;delta=2')).toThrow(/given twice/);
  });

  it('cuts rolling and anchored windows whose training ends where the test starts', () => {
    expect(walkForwardWindows(1000, { train: 400, test: 250 })).toEqual([
      { trainStart: 0, trainEnd: 400, testStart: 400, testEnd: 650 },
      { trainStart: 250, trainEnd: 650, testStart: 650, testEnd: 900 },
      { trainStart: 500, trainEnd: 900, testStart: 900, testEnd: 1000 },
    ]);
    expect(walkForwardWindows(1000, { train: 400, test: 300, mode: 'anchored' })).toEqual([
      { trainStart: 0, trainEnd: 400, testStart: 400, testEnd: 700 },
      { trainStart: 0, trainEnd: 700, testStart: 700, testEnd: 1000 },
    ]);
    expect(() => walkForwardWindows(100, { train: 400, test: 50 })).toThrow(/too few/);
  });

  it('argBest: higher is better except drawdowns; NaN never wins', () => {
    expect(argBest([1, NaN, 3, 3], 'sharpe')).toBe(2);
    expect(argBest([0.2, 0.1, NaN], 'maxDrawdown')).toBe(1);
  });
});

describe('sweep and walk-forward on EWC/EWA', () => {
  it('full-period grid metrics equal backtest() of each point', async () => {
    const r = await sweep(frame, { pair, grid, backtest: { execution: 'next-close' } });
    expect(r.points.length).toBe(16);
    r.points.forEach((p, i) => {
      const m = backtest(
        frame,
        { preset: 'kalman-pair', spread: { delta: p[0] }, rule: { entryZ: p[1], exitZ: p[2] } },
        {
          symbols: pair,
          execution: 'next-close',
        },
      ).metrics;
      expect(r.fullPeriod[i]).toEqual(m);
    });
  });

  it('by construction: each choice is the best point of a backtest of its training bars alone', async () => {
    const r = await sweep(frame, { pair, grid, walkForward, backtest: { execution: 'next-close' } });
    const wf = r.walkForward!;
    expect(wf.windows.map((w) => [w.trainStart, w.testStart, w.testEnd])).toEqual([
      [0, 500, 750],
      [250, 750, 1000],
      [500, 1000, 1250],
      [750, 1250, 1500],
    ]);
    for (const w of wf.windows) {
      expect(w.trainEnd).toBeLessThanOrEqual(w.testStart);
      const alone = await sweep(frame.slice(w.trainStart, w.trainEnd), {
        pair,
        grid,
        backtest: { execution: 'next-close' },
      });
      expect(w.inSampleGrid).toEqual(alone.fullPeriod.map((m) => m!.sharpe));
      expect(w.chosen).toBe(argBest(w.inSampleGrid, 'sharpe'));
      // the test window is its own backtest of the chosen point
      const test = backtest(
        frame.slice(w.testStart, w.testEnd),
        {
          preset: 'kalman-pair',
          spread: { delta: w.params.delta },
          rule: { entryZ: w.params.entryZ, exitZ: w.params.exitZ },
        },
        { symbols: pair, execution: 'next-close' },
      );
      expect(w.outOfSample).toEqual(test.metrics);
    }
    // the OOS series covers exactly the test bars, chained
    expect(wf.returns.length).toBe(1000);
    expect(wf.times[0]).toBe(frame.times[500]);
    expect(wf.equity[249]).toBeCloseTo(100_000 * (1 + wf.windows[0].outOfSample.totalReturn), 6);
    const growth = wf.windows.reduce((g, w) => g * (1 + w.outOfSample.totalReturn), 1);
    expect(wf.metrics.totalReturn).toBeCloseTo(growth - 1, 10);
  });

  it('planted future data: nothing chosen before the plant changes, although the plant favours another point', async () => {
    const base = await sweep(frame, { pair, grid, walkForward, backtest: { execution: 'next-close' } });
    // from bar 1000 on (window 2's test), EWC becomes EWA times a fast oscillation: a spread that
    // reverts every few bars, that the chosen point trades badly and a wider band well
    const plantAt = 1000;
    const ewc = Float64Array.from(frame.get('EWC'));
    const ewa = frame.get('EWA');
    for (let t = plantAt; t < ewc.length; t++) ewc[t] = ewa[t] * (1.1 + 0.08 * Math.sin(t / 5));
    const planted = new PriceFrame({
      times: frame.times,
      columns: { EWC: { close: ewc }, EWA: { close: ewa } },
    });
    const r = await sweep(planted, { pair, grid, walkForward, backtest: { execution: 'next-close' } });
    const [a, b] = [base.walkForward!.windows, r.walkForward!.windows];
    // windows whose training ends at or before the plant: the same choice and in-sample grid
    for (let i = 0; i < a.length; i++) {
      if (a[i].trainEnd > plantAt) continue;
      expect(b[i].chosen).toBe(a[i].chosen);
      expect(b[i].inSampleGrid).toEqual(a[i].inSampleGrid);
      if (a[i].testEnd <= plantAt) expect(b[i].outOfSample).toEqual(a[i].outOfSample);
    }
    // the plant matters (window 2's out-of-sample changed) and favours a point not chosen
    const w2 = b[2];
    expect(w2.trainEnd).toBe(plantAt);
    expect(w2.outOfSample).not.toEqual(a[2].outOfSample);
    const onTest = await sweep(planted.slice(w2.testStart, w2.testEnd), {
      pair,
      grid,
      backtest: { execution: 'next-close' },
    });
    const bestOnTest = argBest(
      onTest.fullPeriod.map((m) => m!.sharpe),
      'sharpe',
    );
    expect(bestOnTest).not.toBe(w2.chosen);
    expect(onTest.fullPeriod[bestOnTest]!.sharpe).toBeGreaterThan(w2.outOfSample.sharpe);
  });

  it("learn 'em': noise learned on each training window only", async () => {
    const r = await sweep(frame, {
      pair,
      grid: 'entryZ=1,1.5',
      walkForward: { ...walkForward, learn: 'em' },
      backtest: { execution: 'next-close' },
    });
    const wf = r.walkForward!;
    expect(wf.learn).toBe('em');
    for (const w of wf.windows) {
      const noise = learnNoise(
        frame.get('EWC').subarray(w.trainStart, w.trainEnd),
        frame.get('EWA').subarray(w.trainStart, w.trainEnd),
        { delta: 1e-4, observationVariance: 1e-3, initialCovariance: 0, transform: 'price' },
      );
      expect(w.params.delta).toBe(noise.delta);
      expect(w.params.ve).toBe(noise.observationVariance);
      expect(w.params.delta).toBeGreaterThan(0);
      expect(w.params.delta).toBeLessThan(1);
    }
    expect(new Set(wf.windows.map((w) => w.params.ve)).size).toBe(wf.windows.length);
    await expect(
      sweep(frame, { pair, grid: 'delta=1e-4', walkForward: { ...walkForward, learn: 'em' } }),
    ).rejects.toThrow(/remove them from the grid/);
  });
});
