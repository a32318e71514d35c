/**
 * The account's two rules of docs/strategies.md: ruin (equity at or below zero at a close
 * liquidates the account, which trades no more, and its metrics show the whole loss), and a
 * bar's P&L taken from positions × price moves, fills and costs rather than a difference of
 * equities (so returns on gross exposure do not depend on the capital).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/app/backtest.js';
import type { BacktestResult } from '../../src/backtest/index.js';
import { METRIC_NAMES } from '../../src/execution/metrics.js';
import { PriceFrame } from '../../src/data/frame.js';
import { kalmanPairMetricsObject } from '../../src/scan/pairKernel.js';
import { createStrategy, resolveStrategy, type StrategyInput } from '../../src/strategy/index.js';
import type { Bar, SignalState, Strategy } from '../../src/strategy/types.js';
import { resolveBacktestOptions } from '../../src/execution/options.js';
import { wideFrame } from './load.js';

/** A strategy that returns scripted targets (shares per leg) bar by bar. */
class Scripted implements Strategy {
  readonly legs: number;
  readonly signal: SignalState = {
    value: NaN,
    z: NaN,
    centre: NaN,
    scale: NaN,
    units: 0,
    hedgeRatio: NaN,
    fairValue: NaN,
  };
  readonly #out: Float64Array;
  constructor(readonly script: number[][]) {
    this.legs = script[0].length;
    this.#out = new Float64Array(this.legs);
  }
  step(bar: Bar): Float64Array {
    this.#out.set(this.script[bar.index]);
    return this.#out;
  }
}

const days = (n: number) =>
  Array.from({ length: n }, (_, i) => new Date(Date.UTC(2020, 0, 2 + i)).toISOString().slice(0, 10));

/** Everything after the ruin bar: no fill, flat, equity unchanged, returns 0. */
function expectDeadAfter(r: BacktestResult) {
  const t = r.ruinBar;
  const L = r.symbols.length;
  const n = r.returns.length;
  expect(r.ruined).toBe(true);
  expect(r.ruinTime).toBe(r.times[t]);
  expect(Math.max(...r.fills.bar)).toBe(t);
  for (let s = t; s < n; s++) for (let i = 0; i < L; i++) expect(r.positions[s * L + i]).toBe(0);
  for (let s = t + 1; s < n; s++) {
    expect(r.equity[s]).toBe(r.equity[t]);
    expect(r.returns[s]).toBe(0);
  }
  expect(r.returns[t]).toBe(-1);
  expect(r.trades.every((tr) => tr.closed && tr.exitBar <= t)).toBe(true);
  expect(r.metrics.totalReturn).toBe(-1);
  expect(r.metrics.apr).toBe(-1);
  expect(r.metrics.maxDrawdown).toBe(1);
  expect(r.metrics.sharpe).toBeLessThanOrEqual(0);
  expect(r.metrics.sortino).toBeLessThanOrEqual(0);
}

describe('ruin: equity at or below zero at a close', () => {
  // closes 10, 0.5, 0.01, 0.02: buy 100 shares on bar 0 and hold; $1,000 of capital
  const frame = PriceFrame.fromCloses(days(4), { A: [10, 0.5, 0.01, 0.02] });
  const costs = {
    commissionBps: 0,
    commissionPerShare: 0.01,
    minCommission: 1,
    slippageBps: 10,
    borrowBps: 0,
  };
  const script = [[100], [100], [100], [50]];

  it('liquidates at that close with the usual costs, then trades no more (worked by hand)', () => {
    const r = backtest(frame, new Scripted(script), { execution: 'close', capital: 1000, costs });
    // bar 0: buy 100 at 10·1.001 = 10.01, commission max(1, 0.01·100) = 1: cash −2, equity 998
    // bar 1: equity −2 + 50 = 48; bar 2: −2 + 1 = −1 ≤ 0: ruined. Sell 100 at 0.01·0.999 =
    // 0.00999, commission 1: cash −2 + 0.999 − 1 = −2.001, the equity from then on
    [998, 48, -2.001, -2.001].forEach((e, t) => expect(r.equity[t]).toBeCloseTo(e, 12));
    expect(Array.from(r.fills.bar)).toEqual([0, 2]);
    expect(Array.from(r.fills.shares)).toEqual([100, -100]);
    expect(r.fills.price[1]).toBeCloseTo(0.00999, 15);
    expect(r.ruinBar).toBe(2);
    // bar 0's costs count in its return (on the capital); the ruin bar's return is −1
    expect(r.returns[0]).toBeCloseTo(-0.002, 15);
    expect(r.returns[1]).toBeCloseTo((100 * (0.5 - 10)) / 998, 15);
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0].exitBar).toBe(2);
    expect(r.trades[0].pnl).toBeCloseTo(-1001 - 1 + 0.999 - 1, 12);
    expectDeadAfter(r);
  });

  it('liquidates at the close with next-open fills too, and on the gross basis the ruin bar is −1 as well', () => {
    const open = PriceFrame.fromCloses(days(4), { A: [10, 0.5, 0.01, 0.02] });
    const withOpen = new PriceFrame({
      times: open.times,
      columns: { A: { open: Float64Array.from([10, 10, 0.4, 0.02]), close: open.get('A') } },
      source: 'hand',
    });
    // target 100 decided on bar 0, filled at bar 1's open (10·1.001): equity at bar 1's close
    // is 1000 − 1001 − 1 + 50 = 48; bar 2: −2 + 1 = −1: ruined, sold at bar 2's close
    for (const returns of ['equity', 'gross'] as const) {
      const r = backtest(withOpen, new Scripted(script), {
        execution: 'next-open',
        capital: 1000,
        costs,
        returns,
      });
      [1000, 48, -2.001, -2.001].forEach((e, t) => expect(r.equity[t]).toBeCloseTo(e, 12));
      expect(Array.from(r.fills.bar)).toEqual([1, 2]);
      expect(r.fills.price[1]).toBeCloseTo(0.00999, 15);
      expectDeadAfter(r);
    }
  });

  it('at equity exactly zero', () => {
    const r = backtest(
      PriceFrame.fromCloses(days(3), { A: [10, 5, 6] }),
      new Scripted([[200], [200], [200]]),
      {
        execution: 'close',
        capital: 1000,
        costs: { commissionBps: 0, commissionPerShare: 0, minCommission: 0, slippageBps: 0, borrowBps: 0 },
      },
    );
    // 200 shares bought with 1000 of capital: cash −1000, equity 0 at bar 1's close of 5
    expect(Array.from(r.equity)).toEqual([1000, 0, 0]);
    expectDeadAfter(r);
  });

  // EWC/EWA, kalman-pair sized at $100,000 on a $10,000 account, filled at the close: short
  // EWC on bar 103, which then jumps 36 % and stays there
  const ewcEwa = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
  const shocked = PriceFrame.fromCloses(ewcEwa.dates(), {
    EWC: ewcEwa.get('EWC').map((v, t) => (t >= 104 ? v * 1.36 : v)),
    EWA: ewcEwa.get('EWA'),
  });
  const opts = { symbols: ['EWC', 'EWA'], execution: 'close' as const, capital: 10_000 };

  it('a pair whose equity falls to −$7,761: total return −100 %, drawdown 100 %, no positive Sharpe', () => {
    const r = backtest(shocked, 'kalman-pair', opts);
    expect(r.ruinBar).toBe(104);
    expect(r.positions[2 * 103]).toBeLessThan(0);
    expect(r.equity[103]).toBeGreaterThan(0);
    // the ruin bar by hand: the overnight positions' move, borrow on the short leg, then the
    // liquidation's slippage (5 bps) and commission (max(1, 0.005 per share)) on both legs
    const c = [shocked.get('EWC'), shocked.get('EWA')];
    let eq = r.equity[103];
    for (let i = 0; i < 2; i++) {
      const p = r.positions[2 * 103 + i];
      eq += p * (c[i][104] - c[i][103]);
      // 50 bps a year, 1/360 of it a night: 2006-09-21 (Thursday) to 2006-09-22 is one night
      if (p < 0) eq -= (-p * c[i][103] * 0.005) / 360;
      eq -= Math.abs(p) * c[i][104] * 0.0005 + Math.max(1, 0.005 * Math.abs(p));
    }
    expect(r.equity[104]).toBeCloseTo(eq, 6);
    expect(r.equity[104]).toBeCloseTo(-7760.853, 2);
    expectDeadAfter(r);
    // and the modular path and the scan's kernel agree
    const modular = backtest(shocked, createStrategy('kalman-pair'), opts);
    expect(Array.from(modular.equity)).toEqual(Array.from(r.equity));
    expect(modular.metrics).toEqual(r.metrics);
    const kernel = kalmanPairMetricsObject(
      resolveStrategy('kalman-pair'),
      resolveBacktestOptions(opts),
      shocked.get('EWC'),
      shocked.get('EWA'),
      null,
      null,
      shocked.times,
    );
    expect(kernel.ruinBar).toBe(104);
    for (const m of METRIC_NAMES) expect(kernel[m]).toBe(r.metrics[m]);
  });

  it('a commission of 1e6 bps: the first fill ruins the account', () => {
    const r = backtest(ewcEwa, 'kalman-pair', { ...opts, capital: 100_000, costs: { commissionBps: 1e6 } });
    // the first fill costs 100 × its $100,000 notional, and closing it as much again
    expect(r.ruinBar).toBe(r.fills.bar[0]);
    expect(r.equity[r.ruinBar]).toBeLessThan(-1.9e7);
    expectDeadAfter(r);
  });
});

describe('a bar’s P&L does not depend on the capital', () => {
  const ewcEwa = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);

  it("Chan's Example 3.3 at a capital of 1, 1e5 and 1e13: the same metrics (APR 0.262252, Sharpe 2.361162)", () => {
    const runs = [1, 1e5, 1e13].map((capital) =>
      backtest(ewcEwa, 'chan-2013-ex3.3', { symbols: ['EWC', 'EWA'], capital }),
    );
    for (const r of runs) {
      expect(r.ruined).toBe(false);
      expect(Math.abs(r.metrics.apr - 0.262252)).toBeLessThan(5e-6);
      expect(Math.abs(r.metrics.sharpe - 2.361162)).toBeLessThan(5e-6);
      // turnover is traded notional over mean equity: the one metric that is about the capital
      for (const m of METRIC_NAMES)
        if (m !== 'turnover')
          expect(Math.abs(r.metrics[m] - runs[1].metrics[m])).toBeLessThanOrEqual(
            1e-12 * Math.abs(runs[1].metrics[m]),
          );
    }
  });

  const strategies: StrategyInput[] = [
    { preset: 'chan-2013-ex3.3' },
    { preset: 'kalman-pair', rule: { entryZ: 0.5, exitZ: 0 } },
    { preset: 'kalman-pair', sizing: { type: 'units' }, spread: { transform: 'log' } },
    {
      spread: { type: 'rolling-ols', lookback: 30 },
      normaliser: { type: 'rolling', lookback: 15 },
      rule: { type: 'bands', entryZ: 1 },
      sizing: { type: 'units' },
    },
  ];

  it('gross returns at capitals 1e6 and 1e13 agree to 1e-12 on random pairs, costs and fills', () => {
    let trades = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: strategies.length - 1 }),
        fc.constantFrom('close' as const, 'next-close' as const),
        fc.constantFrom(0, 5, 30),
        fc.boolean(),
        (seed, k, execution, slippageBps, modular) => {
          let s = seed;
          const rand = () => {
            s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
            return s / 4_294_967_296 - 0.5;
          };
          const n = 200;
          const x: number[] = [];
          const y: number[] = [];
          let lx = 0;
          let noise = 0;
          for (let t = 0; t < n; t++) {
            lx += rand() * 0.03;
            noise = 0.7 * noise + rand() * 0.02;
            x.push(40 * Math.exp(lx));
            y.push(25 * Math.exp(0.8 * lx + noise));
          }
          const frame = PriceFrame.fromCloses(days(n), { Y: y, X: x });
          const run = (capital: number) =>
            backtest(frame, modular ? createStrategy(strategies[k]) : strategies[k], {
              symbols: ['Y', 'X'],
              execution,
              returns: 'gross',
              capital,
              costs: { slippageBps, borrowBps: 80 },
            });
          const a = run(1e6);
          const b = run(1e13);
          expect(a.ruined || b.ruined).toBe(false);
          trades += a.trades.length;
          for (let t = 0; t < n; t++)
            expect(Math.abs(a.returns[t] - b.returns[t])).toBeLessThanOrEqual(1e-12 * Math.abs(a.returns[t]));
        },
      ),
      { numRuns: 150 },
    );
    expect(trades).toBeGreaterThan(1000);
  });
});
