import { describe, expect, it } from 'vitest';
import { backtest, BacktestError, type BacktestResult } from '../../src/backtest/index.js';
import { FrameError, PriceFrame } from '../../src/data/frame.js';
import { createStrategy } from '../../src/strategy/index.js';
import { StrategyError, type Bar, type SignalState, type Strategy } from '../../src/strategy/types.js';
import { ohlcFrame, wideFrame } from './load.js';

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

describe('costs are charged as documented', () => {
  // closes 100, 102, 101, 99; targets +10, +10, −5, 0 shares; fills at the close
  const frame = PriceFrame.fromCloses(days(4), { A: [100, 102, 101, 99] });
  const costs = {
    commissionBps: 10,
    commissionPerShare: 0.01,
    minCommission: 1,
    slippageBps: 20,
    borrowBps: 360, // 1 bp a night
  };
  const r = backtest(frame, new Scripted([[10], [10], [-5], [0]]), {
    execution: 'close',
    capital: 10_000,
    costs,
  });

  it('fills with slippage against the trader and commission max(min, bps·notional + per-share)', () => {
    // bar 0: buy 10 at 100·1.002 = 100.2; commission max(1, 0.001·1000 + 0.01·10) = 1.1
    // bar 2: sell 15 at 101·0.998 = 100.798; commission max(1, 0.001·1515 + 0.01·15) = 1.665
    // bar 3: buy 5 at 99·1.002 = 99.198; commission max(1, 0.495 + 0.05) = 1 (the minimum)
    expect(Array.from(r.fills.bar)).toEqual([0, 2, 3]);
    expect(Array.from(r.fills.shares)).toEqual([10, -15, 5]);
    [100.2, 100.798, 99.198].forEach((p, i) => expect(r.fills.price[i]).toBeCloseTo(p, 12));
    [1.1, 1.665, 1].forEach((c, i) => expect(r.fills.commission[i]).toBeCloseTo(c, 12));
  });

  it('charges borrow on the short value for each night held', () => {
    // short 5 shares held from close 2 (101, on 2020-01-04) to bar 3 (2020-01-05): one night,
    // 505 · 360 bps / 360 = 0.0505
    expect(r.costs.borrow).toBeCloseTo(0.0505, 12);
    expect(r.costs.commission).toBeCloseTo(3.765, 12);
    expect(r.costs.slippage).toBeCloseTo(2 + 3.03 + 0.99, 12);
  });

  it('keeps cash, equity and returns in step', () => {
    [8996.9, 8996.9, 10507.205, 10010.1645].forEach((c, i) => expect(r.cash[i]).toBeCloseTo(c, 9));
    [9996.9, 10016.9, 10002.205, 10010.1645].forEach((e, i) => expect(r.equity[i]).toBeCloseTo(e, 9));
    // bar 0's fill costs (slippage 2, commission 1.1) count in its return, on the capital
    expect(r.returns[0]).toBeCloseTo(9996.9 / 10_000 - 1, 14);
    expect(r.returns[1]).toBeCloseTo(10016.9 / 9996.9 - 1, 14);
    expect(r.returns[2]).toBeCloseTo(10002.205 / 10016.9 - 1, 14);
    expect(r.returns[3]).toBeCloseTo(10010.1645 / 10002.205 - 1, 14);
  });

  it('splits a reversal between the trade it closes and the one it opens', () => {
    expect(r.trades).toHaveLength(2);
    const [a, b] = r.trades;
    expect([a.direction, a.entryBar, a.exitBar, a.holdingBars, a.closed]).toEqual([1, 0, 2, 2, true]);
    // −(10·100.2 + 1.1) + (10·100.798 − 1.665·10/15)
    expect(a.pnl).toBeCloseTo(3.77, 10);
    expect([b.direction, b.entryBar, b.exitBar]).toEqual([-1, 2, 3]);
    // (5·100.798 − 1.665·5/15) − 0.0505 − (5·99.198 + 1)
    expect(b.pnl).toBeCloseTo(6.3945, 10);
    expect(a.pnl + b.pnl).toBeCloseTo(r.equity[3] - 10_000, 9);
  });

  it("divides by the previous close's gross exposure on the gross basis", () => {
    const g = backtest(frame, new Scripted([[10], [10], [-5], [0]]), {
      execution: 'close',
      capital: 10_000,
      costs,
      returns: 'gross',
    });
    expect(g.returns[1]).toBeCloseTo(20 / 1000, 14);
    expect(g.returns[2]).toBeCloseTo((10002.205 - 10016.9) / 1020, 12);
  });
});

describe('execution timing', () => {
  const frame = new PriceFrame({
    times: days(3).map((d) => Date.parse(d)),
    columns: { A: { open: Float64Array.of(10, 11, 12), close: Float64Array.of(10.5, 11.5, 12.5) } },
  });
  const zero = { commissionBps: 0, commissionPerShare: 0, minCommission: 0, slippageBps: 0, borrowBps: 0 };
  const script = () => new Scripted([[1], [1], [1]]);

  it('fills a target at the signal bar’s close, the next open or the next close', () => {
    const close = backtest(frame, script(), { execution: 'close', costs: zero });
    const nextOpen = backtest(frame, script(), { execution: 'next-open', costs: zero });
    const nextClose = backtest(frame, script(), { execution: 'next-close', costs: zero });
    expect([close.fills.bar[0], close.fills.price[0]]).toEqual([0, 10.5]);
    expect([nextOpen.fills.bar[0], nextOpen.fills.price[0]]).toEqual([1, 11]);
    expect([nextClose.fills.bar[0], nextClose.fills.price[0]]).toEqual([1, 11.5]);
    expect(Array.from(nextOpen.positions)).toEqual([0, 1, 1]);
  });

  it('charges borrow for each night held: a Friday-to-Monday hold is three nights', () => {
    // Thursday 2 January 2020, Friday 3, Monday 6, Tuesday 7
    const f = new PriceFrame({
      times: ['2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07'].map((d) => Date.parse(d)),
      columns: {
        A: { open: Float64Array.of(10, 11, 12, 13), close: Float64Array.of(10.5, 11.5, 12.5, 13.5) },
      },
    });
    const costs = { ...zero, borrowBps: 360 }; // 1 bp a night (the annual rate / 360)
    const r = backtest(f, new Scripted([[-10], [-10], [0], [0]]), { execution: 'next-open', costs });
    // short 10 from Friday's open to Tuesday's open: Friday's close (11.5) held three nights to
    // Monday, Monday's close (12.5) one night to Tuesday
    expect(Array.from(r.fills.bar)).toEqual([1, 3]);
    expect(r.costs.borrow).toBeCloseTo(10 * 11.5 * 3e-4 + 10 * 12.5 * 1e-4, 14);
    expect(r.costs.borrow).toBeCloseTo(0.047, 14);
    // the same hold on the crypto calendar and on intraday bars: nights are UTC days on the one,
    // and bars within one day hold no night
    const crypto = backtest(f, new Scripted([[-10], [-10], [0], [0]]), {
      execution: 'next-open',
      costs,
      calendar: 'crypto',
    });
    expect(crypto.costs.borrow).toBeCloseTo(0.047, 14);
  });

  it('charges no borrow between bars of one trading day, and a night across New York midnight', () => {
    // New York (EST, UTC−5): 10:00, 15:00 and 23:30 on Tuesday 7 January 2020, 00:30 on Wednesday
    const times = [
      Date.UTC(2020, 0, 7, 15, 0),
      Date.UTC(2020, 0, 7, 20, 0),
      Date.UTC(2020, 0, 8, 4, 30),
      Date.UTC(2020, 0, 8, 5, 30),
    ];
    const f = new PriceFrame({
      times,
      columns: { A: { open: Float64Array.of(10, 10, 10, 10), close: Float64Array.of(20, 20, 20, 20) } },
    });
    const costs = { ...zero, borrowBps: 360 };
    const r = backtest(f, new Scripted([[-10], [-10], [-10], [-10]]), { execution: 'close', costs });
    // short from the first bar: 10:00 → 15:00 → 23:30 on one New York date, then 00:30 the next
    expect(r.costs.borrow).toBeCloseTo(10 * 20 * 1e-4, 14);
    // on the crypto calendar (UTC days) the night falls between 20:00 and 04:30 UTC instead
    const utc = backtest(f, new Scripted([[-10], [-10], [-10], [-10]]), {
      execution: 'close',
      costs,
      calendar: 'crypto',
    });
    expect(utc.costs.borrow).toBeCloseTo(10 * 20 * 1e-4, 14);
    expect(Array.from(utc.cash)).not.toEqual(Array.from(r.cash));
  });

  it('defaults to next-open with non-zero costs', () => {
    const r = backtest(frame, script());
    expect(r.options.execution).toBe('next-open');
    expect(r.fills.commission[0]).toBe(1); // the $1 minimum
    expect(r.fills.price[0]).toBeCloseTo(11 * 1.0005, 12);
  });
});

/** Every per-bar output up to and including bar t. */
function upTo(r: BacktestResult, t: number) {
  const L = r.symbols.length;
  const f = (a: Float64Array, w = 1) => Array.from(a.subarray(0, (t + 1) * w));
  const fills: number[][] = [];
  for (let i = 0; i < r.fills.length; i++)
    if (r.fills.bar[i] <= t)
      fills.push([
        r.fills.bar[i],
        r.fills.leg[i],
        r.fills.shares[i],
        r.fills.price[i],
        r.fills.commission[i],
      ]);
  return {
    targets: f(r.targets, L),
    positions: f(r.positions, L),
    equity: f(r.equity),
    returns: f(r.returns),
    cash: f(r.cash),
    z: f(r.signals.z),
    value: f(r.signals.value),
    fills,
  };
}

/** The same frame with every bar after t changed (prices scaled by varying factors). */
function perturbAfter(frame: PriceFrame, t: number): PriceFrame {
  const columns: Record<string, Partial<Record<'open' | 'close', Float64Array>>> = {};
  for (const s of frame.symbols) {
    columns[s] = {};
    for (const field of ['open', 'close'] as const) {
      if (!frame.has(s, field)) continue;
      const a = frame.get(s, field).slice();
      for (let i = t + 1; i < a.length; i++) a[i] *= 1 + 0.3 * Math.sin(i * 7.1 + s.charCodeAt(2));
      columns[s][field] = a;
    }
  }
  return new PriceFrame({ times: frame.times, columns });
}

describe('no look-ahead', () => {
  const pair = ohlcFrame(['EWC', 'EWA']).slice(0, 400);
  const single = pair.select(['EWA']);
  const cases = [
    { preset: 'kalman-pair', frame: pair },
    { preset: 'chan-2013-ex3.3', frame: pair },
    { preset: 'kalman-single', frame: single },
    {
      preset: {
        preset: 'kalman-single',
        spread: { learn: false, signal: 'residual', transitionCovariance: 0.05, observationCovariance: 0.02 },
        rule: { exitZ: 0.5, stopZ: 2.5 },
      },
      frame: single,
    },
    {
      preset: {
        spread: { type: 'rolling-ols', lookback: 30 },
        normaliser: { type: 'rolling', lookback: 20 },
        rule: { type: 'bands', entryZ: 2, exitZ: 0.5, stopZ: 3, maxHoldBars: 15 },
      },
      frame: pair,
    },
    {
      preset: {
        spread: { type: 'static', method: 'johansen', trainBars: 100 },
        normaliser: { type: 'frozen', trainBars: 50 },
        rule: { type: 'linear', zPerUnit: 2, maxUnits: 1 },
      },
      frame: pair,
    },
    {
      preset: {
        spread: { type: 'ratio', transform: 'log' },
        normaliser: { type: 'rolling', lookback: 20 },
        rule: { type: 'bands' },
      },
      frame: pair,
    },
  ] as const;
  for (const c of cases) {
    for (const execution of ['close', 'next-open', 'next-close'] as const) {
      it(`${JSON.stringify(c.preset)} with ${execution} execution: bars after t change nothing up to t`, () => {
        const base = backtest(c.frame, c.preset as never, { execution });
        expect(base.trades.length).toBeGreaterThan(0);
        for (const t of [0, 37, 150, 398]) {
          const moved = backtest(perturbAfter(c.frame, t), c.preset as never, { execution });
          expect(upTo(moved, t)).toEqual(upTo(base, t));
          // and the perturbation is real: the strategy sees different bars after t
          expect(Array.from(moved.signals.value.subarray(t + 1))).not.toEqual(
            Array.from(base.signals.value.subarray(t + 1)),
          );
        }
      });
    }
  }
});

describe('batch = streaming', () => {
  it('the engine’s targets are exactly the strategy stepped bar by bar on its own', () => {
    const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
    for (const preset of ['kalman-pair', 'chan-2013-ex3.3'] as const) {
      const r = backtest(frame, preset, { execution: 'next-close' });
      const s = createStrategy(preset);
      const bar: Bar = { index: 0, time: 0, close: new Float64Array(2) };
      for (let t = 0; t < frame.length; t++) {
        bar.index = t;
        bar.time = frame.times[t];
        bar.close[0] = frame.get('EWC')[t];
        bar.close[1] = frame.get('EWA')[t];
        const target = s.step(bar);
        expect(target[0]).toBe(r.targets[2 * t]);
        expect(target[1]).toBe(r.targets[2 * t + 1]);
        expect(s.signal.z).toBe(r.signals.z[t]);
      }
    }
  });
});

describe('bad input gets a typed error naming it', () => {
  const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
  const err = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as Error;
    }
    throw new Error('nothing thrown');
  };

  it('legs of different lengths', () => {
    const e = err(() => PriceFrame.fromCloses(days(3), { A: [1, 2, 3], B: [1, 2] }));
    expect(e).toBeInstanceOf(FrameError);
    expect(e.message).toBe('memory: B.close has 2 values for 3 timestamps');
  });

  it('misaligned (decreasing) dates', () => {
    const e = err(() => PriceFrame.fromCloses(['2020-01-03', '2020-01-02'], { A: [1, 2] }));
    expect(e.message).toBe(
      'memory: timestamps must be strictly increasing (bar 1 is 2020-01-02, after 2020-01-03)',
    );
  });

  it('non-positive and NaN prices, with the symbol and date', () => {
    const bad = PriceFrame.fromCloses(days(30), {
      A: Array.from({ length: 30 }, (_, i) => (i === 12 ? 0 : 10 + i)),
      B: Array(30).fill(5),
    });
    let e = err(() => backtest(bad, 'kalman-pair'));
    expect(e).toBeInstanceOf(BacktestError);
    expect(e.message).toBe(
      'memory: A close is 0 on 2020-01-14 (bar 12); every leg needs a positive price on every bar: align or repair the data first',
    );
    const nan = PriceFrame.fromCloses(days(30), {
      A: Array(30).fill(10),
      B: Array.from({ length: 30 }, (_, i) => (i === 3 ? NaN : 5)),
    });
    e = err(() => backtest(nan, 'kalman-pair'));
    expect(e.message).toBe(
      'memory: B close is missing (NaN) on 2020-01-05 (bar 3); every leg needs a positive price on every bar: align or repair the data first',
    );
  });

  it('a lookback longer than the data', () => {
    const e = err(() => backtest(frame.slice(0, 15).select(['EWA']), 'kalman-single'));
    expect(e).toBeInstanceOf(BacktestError);
    expect(e.message).toBe(
      'data/ewa_ewc.csv: the strategy needs 79 bars before its first signal (lookback and training windows), but the data has 15',
    );
  });

  it('an unknown preset, parameter or option', () => {
    let e = err(() => backtest(frame, 'kalman-triple'));
    expect(e).toBeInstanceOf(StrategyError);
    expect(e.message).toBe(
      'preset: unknown preset "kalman-triple"; expected one of kalman-single, kalman-pair, chan-2013-ex3.3',
    );
    e = err(() => backtest(frame, { preset: 'kalman-pair', rule: { entryz: 2 } }));
    expect(e.message).toBe('rule.entryz: unknown parameter');
    e = err(() => backtest(frame, { preset: 'kalman-pair', spread: { delta: 2 } }));
    expect(e.message).toBe('spread.delta: Too big: expected number to be <1');
    e = err(() => backtest(frame, 'kalman-pair', { executon: 'close' } as never));
    expect(e.message).toBe('executon: unknown option');
    e = err(() => backtest(frame, 'kalman-pair', { execution: 'tomorrow' as never }));
    expect(e.message).toMatch(
      /^execution: Invalid option: expected one of "close"\|"next-open"\|"next-close"/,
    );
    e = err(() => backtest(frame, 'kalman-pair', { costs: { slippageBps: -1 } }));
    expect(e.message).toBe('costs.slippageBps: Too small: expected number to be >=0');
    e = err(() => backtest(frame, { preset: 'kalman-pair', rule: { exitZ: 2 } }));
    expect(e.message).toBe('rule.exitZ: must not exceed entryZ (1), got 2');
    e = err(() =>
      backtest(frame, { spread: { type: 'ratio' }, normaliser: { type: 'kalman' }, rule: { type: 'bands' } }),
    );
    expect(e.message).toBe(
      "normaliser.type: 'kalman' scores a Kalman forecast error, but spread.type 'ratio' has none; use 'rolling' or 'frozen'",
    );
  });

  it('symbols that do not fit the strategy or the data', () => {
    let e = err(() => backtest(frame, 'kalman-pair', { symbols: ['EWC'] }));
    expect(e.message).toBe('symbols: the strategy trades 2 legs but 1 symbol was given (EWC)');
    e = err(() => backtest(frame, 'kalman-pair', { symbols: ['EWC', 'SPY'] }));
    expect(e).toBeInstanceOf(FrameError);
    expect(e.message).toBe('data/ewa_ewc.csv: unknown symbol "SPY"; the data has EWC, EWA');
    e = err(() => backtest(frame, 'kalman-pair'));
    // the default next-open fill on closes only: the message says what to do
    expect(e.message).toBe(
      "data/ewa_ewc.csv: execution 'next-open' (the default) fills at the next bar's open, but EWC has closes only; pass { execution: 'close' } or 'next-close', or a frame with open prices (readLongCsv, readYahooCsv, or new PriceFrame with open columns)",
    );
  });
});
