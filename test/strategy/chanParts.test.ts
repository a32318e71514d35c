/**
 * The parts the Chan presets are built from, each on its own: against independent computations
 * (src/stats on the same bars), as properties, and under perturbation (changing every bar after
 * t changes nothing up to t). The in-sample fits look ahead by design: they are checked to look
 * no further than their fitting window, and to say so.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtest, type BacktestResult } from '../../src/backtest/index.js';
import { PriceFrame } from '../../src/data/frame.js';
import { computeMetrics } from '../../src/execution/metrics.js';
import { halfLife, ols } from '../../src/stats/index.js';
import { FixedNormaliser, halfLifeLookback, RollingNormaliser } from '../../src/strategy/normalise.js';
import { LinearRule } from '../../src/strategy/rules.js';
import { EqualDollarSizing } from '../../src/strategy/sizing.js';
import { RollingOlsSpread, StaticHedgeSpread, type SpreadModel } from '../../src/strategy/spread.js';
import { createStrategy, resolveStrategy, StrategyError } from '../../src/strategy/index.js';
import { wideFrame } from '../backtest/load.js';

const frame = wideFrame('data/gld_uso.csv', ['USO', 'GLD']);
const uso = frame.get('USO');
const gld = frame.get('GLD');
const CLOSE = { execution: 'close', returns: 'gross' } as const;

function feed(model: SpreadModel, n: number) {
  const p = new Float64Array(2);
  const out: { ready: boolean; value: number; beta: number }[] = [];
  for (let t = 0; t < n; t++) {
    p[0] = uso[t];
    p[1] = gld[t];
    model.update(p);
    out.push({ ready: model.ready, value: model.value, beta: model.hedgeRatio });
  }
  return out;
}

const window = (a: Float64Array, t: number, L: number) => a.subarray(t - L + 1, t + 1);

describe('rolling OLS: the intercept subtracted, kept, or not fitted', () => {
  const L = 20;
  const subtract = feed(new RollingOlsSpread(L, 'price', 'subtract'), 300);
  const keep = feed(new RollingOlsSpread(L, 'price', 'keep'), 300);
  const none = feed(new RollingOlsSpread(L, 'price', 'none'), 300);

  it('keep: the same β as with a constant, and the spread y − βx (the residual plus α)', () => {
    for (const t of [19, 100, 299]) {
      const r = ols(window(uso, t, L), window(gld, t, L), { addConstant: true });
      const [beta, alpha] = r.params;
      expect(keep[t].beta).toBeCloseTo(beta, 10);
      expect(keep[t].value).toBeCloseTo(uso[t] - beta * gld[t], 9);
      expect(keep[t].value - subtract[t].value).toBeCloseTo(alpha, 9);
    }
  });

  it('none: β of a regression through the origin, spread y − βx', () => {
    for (const t of [19, 150, 299]) {
      const beta = ols(window(uso, t, L), window(gld, t, L)).params[0];
      expect(none[t].beta).toBeCloseTo(beta, 12);
      expect(none[t].value).toBeCloseTo(uso[t] - beta * gld[t], 10);
    }
  });

  it('every mode is ready from the first full window on, and not before', () => {
    for (const s of [subtract, keep, none]) {
      expect(s[L - 2].ready).toBe(false);
      expect(s[L - 1].ready).toBe(true);
    }
  });
});

describe('static spread: fixed weights, OLS without a constant', () => {
  it('fixed: w · p − intercept from the first bar, the hedge ratio −w₁', () => {
    const out = feed(
      new StaticHedgeSpread({
        legs: 2,
        method: 'fixed',
        trainBars: 252,
        constant: true,
        weights: [1, -0.4],
        intercept: 3,
        transform: 'price',
      }),
      5,
    );
    expect(out[0].ready).toBe(true);
    for (let t = 0; t < 5; t++) expect(out[t].value).toBe(uso[t] - 0.4 * gld[t] - 3);
    expect(out[0].beta).toBe(0.4);
  });

  it('OLS without a constant: β of stats.ols through the origin on the training bars, no intercept', () => {
    const out = feed(
      new StaticHedgeSpread({ legs: 2, method: 'ols', trainBars: 120, constant: false, transform: 'price' }),
      200,
    );
    const beta = ols(uso.subarray(0, 120), gld.subarray(0, 120)).params[0];
    expect(out[118].ready).toBe(false);
    expect(out[119].beta).toBeCloseTo(beta, 12);
    expect(out[150].value).toBeCloseTo(uso[150] - beta * gld[150], 10);
  });

  it('publishes the half-life of its spread over the training window when fitted', () => {
    const m = new StaticHedgeSpread({
      legs: 2,
      method: 'ols',
      trainBars: 250,
      constant: true,
      transform: 'price',
    });
    feed(m, 250);
    const r = ols(uso.subarray(0, 250), gld.subarray(0, 250), { addConstant: true });
    const spread = Float64Array.from(uso.subarray(0, 250), (y, t) => y - r.params[0] * gld[t] - r.params[1]);
    expect(m.halfLife).toBeCloseTo(halfLife(spread).halfLife, 8);
  });
});

describe('normalisers: a first bar, a fixed centre and scale, a half-life lookback', () => {
  const model = { reference: 0, value: 0 } as SpreadModel;
  const series = Array.from({ length: 80 }, (_, t) => Math.sin(t * 0.7) * 3 + t * 0.05);

  it('a rolling window from its first bar is the window of the series cut there', () => {
    const late = new RollingNormaliser(10, 'sample', 30);
    const cut = new RollingNormaliser(10, 'sample');
    for (let t = 0; t < series.length; t++) {
      model.reference = model.value = series[t];
      const z = late.score(model, t);
      if (t < 39) expect(Number.isNaN(z)).toBe(true);
      if (t >= 30) expect(Object.is(z, cut.score(model, t - 30))).toBe(true);
    }
  });

  it('fixed: z = (value − centre) / scale on every bar from its first', () => {
    const n = new FixedNormaliser(2, 4, 3);
    model.value = 10;
    expect(Number.isNaN(n.score(model, 2))).toBe(true);
    expect(n.score(model, 3)).toBe(2);
  });

  it('a half-life lookback rounds the half-life and refuses one that does not revert', () => {
    expect(halfLifeLookback(22.662578)).toBe(23);
    expect(halfLifeLookback(2.5)).toBe(3);
    expect(() => halfLifeLookback(-40)).toThrow(/half-life over the fitting window is -40/);
    expect(() => halfLifeLookback(1.2)).toThrow(/rounds to 1 bar/);
    expect(() => halfLifeLookback(NaN)).toThrow(StrategyError);
  });

  it('a causal static spread sets the lookback when it is fitted, from its training window only', () => {
    const spec = {
      spread: { type: 'static', method: 'ols', trainBars: 250 },
      normaliser: { type: 'rolling', lookback: 'half-life' },
      rule: { type: 'bands', entryZ: 1, exitZ: 0 },
      sizing: { type: 'units' },
    } as const;
    const r = backtest(frame, spec as never, CLOSE);
    const fit = ols(uso.subarray(0, 250), gld.subarray(0, 250), { addConstant: true });
    const spread = Float64Array.from(
      uso.subarray(0, 250),
      (y, t) => y - fit.params[0] * gld[t] - fit.params[1],
    );
    const L = Math.round(halfLife(spread).halfLife);
    // the first z once the window of L spread values from bar 249 on is full
    expect(Number.isNaN(r.signals.z[249 + L - 2])).toBe(true);
    expect(Number.isNaN(r.signals.z[249 + L - 1])).toBe(false);
  });
});

describe('linear rule uncapped, equal-dollar sizing', () => {
  it('an uncapped linear rule holds −z / zPerUnit units, however large', () => {
    const rule = new LinearRule(0.5, Infinity);
    expect(rule.next(7, 0)).toBe(-14);
    expect(rule.next(-3, 0)).toBe(6);
    expect(rule.next(NaN, 2)).toBe(2);
    expect(resolveStrategy({ preset: 'kalman-pair', rule: { type: 'linear', maxUnits: null } }).rule).toEqual(
      {
        type: 'linear',
        zPerUnit: 1,
        maxUnits: null,
      },
    );
  });

  it('equal dollars: each leg holds ±dollars at this bar’s price, with the sign of its weight', () => {
    const s = new EqualDollarSizing(1000);
    const out = new Float64Array(3);
    const prices = Float64Array.of(50, 20, 8);
    for (const units of [1, -2.5, 0]) {
      s.shares(units, Float64Array.of(1, -1.7, 0.3), prices, out);
      expect(out[0] * 50).toBeCloseTo(units * 1000, 10);
      expect(out[1] * 20).toBeCloseTo(-units * 1000, 10);
      expect(out[2] * 8).toBeCloseTo(units * 1000, 10);
    }
  });
});

describe('metrics over a window and a train/test split', () => {
  const spec = { preset: 'chan-2013-ex3.3' } as const;
  const ewc = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
  const all = backtest(ewc, spec, CLOSE);

  it('metricsFrom: the metrics of the returns from that bar on; the run itself is unchanged', () => {
    const from = backtest(ewc, spec, { ...CLOSE, metricsFrom: 100 });
    expect(Array.from(from.returns)).toEqual(Array.from(all.returns));
    const r = all.returns.subarray(100);
    const growth = r.reduce((g, x) => g * (1 + x), 1);
    expect(from.metrics.totalReturn).toBeCloseTo(growth - 1, 12);
    expect(from.metrics.apr).toBeCloseTo(growth ** (252 / r.length) - 1, 12);
    expect(from.metricsFrom).toBe(100);
    // a date is the first bar at or after it
    const byDate = backtest(ewc, spec, { ...CLOSE, metricsFrom: ewc.date(100) });
    expect(byDate.metrics).toEqual(from.metrics);
  });

  it('split: the train and test sets tile the counted bars, and their trades are the run’s', () => {
    const r = backtest(ewc, spec, { ...CLOSE, metricsFrom: 10, split: 700 });
    const { train, test } = r.split!;
    expect([train.from, train.to, test.from, test.to]).toEqual([10, 700, 700, ewc.length]);
    const g = (w: typeof train) => 1 + w.metrics.totalReturn;
    expect(g(train) * g(test)).toBeCloseTo(1 + r.metrics.totalReturn, 12);
    expect(train.metrics.trades + test.metrics.trades).toBe(r.trades.filter((t) => t.entryBar >= 10).length);
    const ref = computeMetrics({
      returns: r.returns.subarray(700),
      equity: r.equity.subarray(700),
      grossExposure: r.grossExposure.subarray(700),
      tradedNotional: new Float64Array(ewc.length - 700),
      tradePnl: new Float64Array(0),
      tradeClosed: new Uint8Array(0),
      periodsPerYear: 252,
      riskFreeRate: 0,
    });
    expect(test.metrics.sharpe).toBe(ref.sharpe);
    expect(test.metrics.maxDrawdown).toBe(ref.maxDrawdown);
  });
});

describe('spec checks', () => {
  const base = { normaliser: { type: 'rolling' }, rule: { type: 'linear' } };
  const bad =
    (spread: Record<string, unknown>, normaliser: Record<string, unknown> = base.normaliser) =>
    () =>
      resolveStrategy({ ...base, spread, normaliser });

  it('names what cannot work', () => {
    expect(bad({ type: 'static', method: 'fixed' })).toThrow(/spread\.weights: method 'fixed' needs/);
    expect(bad({ type: 'static', trainBars: 'all' })).toThrow(
      /spread\.trainBars: 'all' fits on the whole sample/,
    );
    expect(bad({ type: 'static', method: 'johansen', constant: false })).toThrow(
      /spread\.constant: applies to method 'ols'/,
    );
    expect(bad({ type: 'static', weights: [1, -1] })).toThrow(
      /spread\.weights: given weights need method 'fixed'/,
    );
    expect(bad({ type: 'rolling-ols' }, { type: 'rolling', lookback: 'half-life' })).toThrow(
      /normaliser\.lookback: 'half-life' is the half-life of a static spread/,
    );
    expect(bad({ type: 'rolling-ols', intercept: 'drop' })).toThrow(/spread\.intercept/);
  });

  it('fixed weights set the number of legs', () => {
    const s = resolveStrategy({
      ...base,
      spread: { type: 'static', method: 'fixed', weights: [1, -0.5, 0.25] },
    });
    expect(s.spread.type === 'static' && s.spread.legs).toBe(3);
  });

  it('an in-sample fit cannot run bar by bar (paper trading): it needs the whole sample', () => {
    const spec = { ...base, spread: { type: 'static', trainBars: 'all', fit: 'in-sample' } };
    expect(() => createStrategy(spec)).toThrow(
      /spread\.fit: 'in-sample' fits the weights on bars it then trades/,
    );
    expect(() =>
      createStrategy({
        ...base,
        spread: { type: 'ratio' },
        normaliser: { type: 'frozen', fit: 'in-sample' },
      }),
    ).toThrow(/normaliser\.fit: 'in-sample' scores the training bars/);
  });
});

/** The same frame with every bar after t changed. */
function perturbAfter(f: PriceFrame, t: number): PriceFrame {
  const columns: Record<string, { close: Float64Array }> = {};
  for (const s of f.symbols) {
    const a = f.get(s, 'close').slice();
    for (let i = t + 1; i < a.length; i++) a[i] *= 1 + 0.3 * Math.sin(i * 7.1 + s.charCodeAt(2));
    columns[s] = { close: a };
  }
  return new PriceFrame({ times: f.times, columns });
}

function upTo(r: BacktestResult, t: number) {
  const L = r.symbols.length;
  const f = (a: Float64Array, w = 1) => Array.from(a.subarray(0, (t + 1) * w));
  return {
    targets: f(r.targets, L),
    positions: f(r.positions, L),
    returns: f(r.returns),
    z: f(r.signals.z),
    value: f(r.signals.value),
  };
}

describe('no look-ahead: bars after t change nothing up to t', () => {
  const short = frame.slice(0, 400);
  const three = wideFrame('data/ewa_ewc_ige.csv', ['EWC', 'EWA', 'IGE']).slice(0, 400);
  const cases: { name: string; spec: Record<string, unknown>; frame: PriceFrame; after?: number }[] = [
    {
      name: 'rolling OLS keeping the level, a rolling z from bar 20, uncapped linear',
      spec: {
        spread: { type: 'rolling-ols', lookback: 20, intercept: 'keep' },
        normaliser: { type: 'rolling', lookback: 20, start: 20 },
        rule: { type: 'linear', maxUnits: null },
      },
      frame: short,
    },
    {
      name: 'rolling OLS through the origin, bands, equal dollars',
      spec: {
        spread: { type: 'rolling-ols', lookback: 30, intercept: 'none' },
        normaliser: { type: 'rolling', lookback: 15 },
        rule: { type: 'bands', entryZ: 1, exitZ: 0 },
        sizing: { type: 'equal-dollar', dollars: 1000 },
      },
      frame: short,
    },
    {
      name: 'fixed weights on a basket, a fixed normaliser',
      spec: {
        spread: { type: 'static', method: 'fixed', weights: [1, -0.7, -0.2], intercept: 1 },
        normaliser: { type: 'fixed', centre: 0.5, scale: 0.8 },
        rule: { type: 'linear', maxUnits: null },
      },
      frame: three,
    },
    {
      name: 'OLS without a constant on 100 bars, a half-life lookback, a frozen z from bar 120',
      spec: {
        spread: { type: 'static', method: 'ols', constant: false, trainBars: 100 },
        normaliser: { type: 'rolling', lookback: 'half-life' },
        rule: { type: 'bands', entryZ: 1, exitZ: 0 },
      },
      frame: short,
    },
    {
      name: 'Johansen on 150 bars, a frozen normaliser from bar 160',
      spec: {
        spread: { type: 'static', method: 'johansen', legs: 3, trainBars: 150 },
        normaliser: { type: 'frozen', trainBars: 60, start: 160 },
        rule: { type: 'linear', maxUnits: null },
      },
      frame: three,
    },
    {
      // in-sample: looks ahead within its fitting window (labelled), never beyond it
      name: 'in-sample OLS and z on the first 150 bars, beyond them',
      spec: {
        spread: { type: 'static', constant: false, trainBars: 150, fit: 'in-sample' },
        normaliser: { type: 'frozen', trainBars: 150, fit: 'in-sample' },
        rule: { type: 'bands', entryZ: 1, exitZ: 0.5 },
        sizing: { type: 'equal-dollar' },
      },
      frame: short,
      after: 149,
    },
  ];
  for (const c of cases)
    for (const execution of ['close', 'next-close'] as const)
      it(`${c.name} (${execution})`, () => {
        const spec = { sizing: { type: 'units' }, ...c.spec };
        const base = backtest(c.frame, spec as never, { execution, returns: 'gross' });
        expect(base.trades.length).toBeGreaterThan(0);
        for (const t of [0, 37, 150, 210, 398].filter((t) => t >= (c.after ?? 0))) {
          const moved = backtest(perturbAfter(c.frame, t), spec as never, { execution, returns: 'gross' });
          expect(upTo(moved, t)).toEqual(upTo(base, t));
          expect(Array.from(moved.signals.value.subarray(t + 1))).not.toEqual(
            Array.from(base.signals.value.subarray(t + 1)),
          );
        }
      });

  it('an in-sample fit does look ahead inside its window, and says so', () => {
    const spec = {
      spread: { type: 'static', trainBars: 150, fit: 'in-sample' },
      normaliser: { type: 'rolling', lookback: 20 },
      rule: { type: 'linear' },
      sizing: { type: 'units' },
    };
    const base = backtest(short, spec as never, CLOSE);
    const moved = backtest(perturbAfter(short, 100), spec as never, CLOSE);
    expect(moved.signals.value[50]).not.toBe(base.signals.value[50]);
    expect(base.lookAhead).toEqual([
      expect.stringMatching(/^spread: OLS weights .* fitted on bars 0–149 and traded from bar 0$/),
    ]);
    const causal = backtest(short, { ...spec, spread: { type: 'static', trainBars: 150 } } as never, CLOSE);
    expect(causal.lookAhead).toEqual([]);
  });
});

describe('properties over generated inputs', () => {
  /** Prices from a seeded LCG: a positive random walk. */
  const walk = (n: number, seed: number, start: number) => {
    let s = seed >>> 0;
    const out = new Float64Array(n);
    let p = start;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      p *= 1 + (s / 2 ** 32 - 0.5) * 0.04;
      out[i] = p;
    }
    return out;
  };

  it('rolling OLS: keep − subtract is the fitted α; through the origin the residuals are orthogonal to x', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 3, max: 40 }), (seed, L) => {
        const y = walk(L + 30, seed, 50);
        const x = walk(L + 30, seed ^ 0x5bd1e995, 20);
        const run = (mode: 'subtract' | 'keep' | 'none') => {
          const m = new RollingOlsSpread(L, 'price', mode);
          const p = new Float64Array(2);
          const out: number[][] = [];
          for (let t = 0; t < y.length; t++) {
            p[0] = y[t];
            p[1] = x[t];
            m.update(p);
            out.push([m.value, m.hedgeRatio]);
          }
          return out;
        };
        const [sub, keep, none] = [run('subtract'), run('keep'), run('none')];
        const t = y.length - 1;
        const xs = window(x, t, L);
        const ys = window(y, t, L);
        const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
        const alpha = mean(ys) - keep[t][1] * mean(xs);
        expect(keep[t][0] - sub[t][0]).toBeCloseTo(alpha, 6);
        const beta0 = none[t][1];
        const scale = xs.reduce((s, v, i) => s + Math.abs(v * ys[i]), 0);
        expect(Math.abs(xs.reduce((s, v, i) => s + v * (ys[i] - beta0 * v), 0)) / scale).toBeLessThan(1e-12);
      }),
      { numRuns: 80 },
    );
  });

  it('equal dollars: every leg holds |units| × dollars, signed by its weight, whatever the prices', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 2, maxLength: 5 }),
        fc.array(fc.double({ min: 0.5, max: 2000, noNaN: true }), { minLength: 5, maxLength: 5 }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        (w, px, units) => {
          const L = w.length;
          const out = new Float64Array(L);
          new EqualDollarSizing(250).shares(
            units,
            Float64Array.from(w),
            Float64Array.from(px.slice(0, L)),
            out,
          );
          for (let i = 0; i < L; i++) expect(out[i] * px[i]).toBeCloseTo(units * Math.sign(w[i]) * 250, 8);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a split tiles its bars: train growth × test growth is the growth from metricsFrom on', () => {
    const ewc = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
    const base = backtest(ewc, 'chan-2013-ex3.3', CLOSE);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 700 }), fc.integer({ min: 2, max: 700 }), (from, gap) => {
        const r = backtest(ewc, 'chan-2013-ex3.3', { ...CLOSE, metricsFrom: from, split: from + gap });
        const { train, test } = r.split!;
        expect((1 + train.metrics.totalReturn) * (1 + test.metrics.totalReturn)).toBeCloseTo(
          1 + r.metrics.totalReturn,
          10,
        );
        expect(
          train.metrics.exposure * (train.to - train.from) + test.metrics.exposure * (test.to - test.from),
        ).toBeCloseTo(Array.from(base.grossExposure.subarray(from)).filter((g) => g > 0).length, 9);
      }),
      { numRuns: 25 },
    );
  });
});
