/** Each strategy component on its own, against independent computations. */
import { describe, expect, it } from 'vitest';
import { KalmanFilter } from '../../src/kalman/index.js';
import { ols, rollingZScore } from '../../src/stats/index.js';
import { FrozenNormaliser, KalmanNormaliser, RollingNormaliser } from '../../src/strategy/normalise.js';
import { BandRule, LinearRule } from '../../src/strategy/rules.js';
import { CapitalSizing, UnitSizing } from '../../src/strategy/sizing.js';
import {
  KalmanFairValueSpread,
  RatioSpread,
  RollingOlsSpread,
  StaticHedgeSpread,
  type SpreadModel,
} from '../../src/strategy/spread.js';
import { createStrategy, resolveStrategy, warmupBars } from '../../src/strategy/index.js';
import { wideFrame } from '../backtest/load.js';

const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
const ewc = frame.get('EWC');
const ewa = frame.get('EWA');

function feed(model: SpreadModel, n: number, legs: Float64Array[]) {
  const prices = new Float64Array(legs.length);
  const out: { ready: boolean; value: number; reference: number; weights: number[]; hedge: number }[] = [];
  for (let t = 0; t < n; t++) {
    legs.forEach((l, i) => (prices[i] = l[t]));
    model.update(prices);
    out.push({
      ready: model.ready,
      value: model.value,
      reference: model.reference,
      weights: Array.from(model.weights),
      hedge: model.hedgeRatio,
    });
  }
  return out;
}

describe('spread models', () => {
  it('rolling OLS: β and α from stats.ols on each window, this bar included', () => {
    const out = feed(new RollingOlsSpread(30, 'price'), 200, [ewc, ewa]);
    expect(out[28].ready).toBe(false);
    for (const t of [29, 77, 199]) {
      const r = ols(ewc.subarray(t - 29, t + 1), ewa.subarray(t - 29, t + 1), { addConstant: true });
      const [beta, alpha] = r.params;
      expect(out[t].hedge).toBeCloseTo(beta, 10);
      expect(out[t].value).toBeCloseTo(ewc[t] - beta * ewa[t] - alpha, 10);
      expect(out[t].weights[1]).toBeCloseTo(-beta, 10);
    }
  });

  it('static OLS hedge: fitted once on the training bars, then fixed', () => {
    const out = feed(
      new StaticHedgeSpread({ legs: 2, method: 'ols', trainBars: 100, constant: true, transform: 'price' }),
      300,
      [ewc, ewa],
    );
    const r = ols(ewc.subarray(0, 100), ewa.subarray(0, 100), { addConstant: true });
    expect(out[98].ready).toBe(false);
    expect(out[99].ready).toBe(true);
    for (const t of [99, 250]) {
      expect(out[t].weights).toEqual([1, -r.params[0]]);
      expect(out[t].value).toBeCloseTo(ewc[t] - r.params[0] * ewa[t] - r.params[1], 10);
    }
  });

  it('log prices: one unit is w dollars, so w/p shares', () => {
    const out = feed(new RatioSpread('log'), 3, [ewc, ewa]);
    expect(out[2].value).toBeCloseTo(Math.log(ewc[2] / ewa[2]), 14);
    expect(out[2].weights[0]).toBe(1);
    expect(out[2].weights[1]).toBeCloseTo(-ewc[2] / ewa[2], 14); // equal dollars on each side
    const s = feed(
      new StaticHedgeSpread({ legs: 2, method: 'ols', trainBars: 50, constant: true, transform: 'log' }),
      60,
      [ewc, ewa],
    );
    const r = ols(
      Float64Array.from(ewc.subarray(0, 50), Math.log),
      Float64Array.from(ewa.subarray(0, 50), Math.log),
      { addConstant: true },
    );
    expect(s[59].weights[0]).toBeCloseTo(1 / ewc[59], 14);
    expect(s[59].weights[1]).toBeCloseTo(-r.params[0] / ewa[59], 12);
  });

  it('Kalman fair value equals KalmanFilter.filter with the same local-level model', () => {
    const model = new KalmanFairValueSpread({
      transitionCovariance: 0.05,
      observationCovariance: 0.2,
      initialCovariance: 1,
      learn: false,
      signal: 'residual',
      transform: 'price',
    });
    const out = feed(model, 300, [ewa]);
    const f = new KalmanFilter({
      initialStateMean: ewa[0],
      transitionCovariance: 0.05,
      observationCovariance: 0.2,
    }).filter(ewa.subarray(0, 300));
    for (const t of [0, 1, 150, 299]) expect(out[t].value).toBeCloseTo(ewa[t] - f.stateMeans.at(t), 12);
  });

  it('Kalman fair value learned by EM on the warm-up, then continued from there', () => {
    const model = new KalmanFairValueSpread({
      transitionCovariance: 0.01,
      observationCovariance: 1,
      initialCovariance: 1,
      learn: { warmup: 60, nIter: 10 },
      signal: 'fair-value',
      transform: 'price',
    });
    const out = feed(model, 120, [ewa]);
    expect(out[58].ready).toBe(false);
    expect(out[59].ready).toBe(true);
    const fitted = new KalmanFilter({
      initialStateMean: ewa[0],
      transitionCovariance: 0.01,
      observationCovariance: 1,
    }).em(ewa.subarray(0, 60), { nIter: 10, emVars: ['transitionCovariance', 'observationCovariance'] });
    // the online filter after the warm-up equals the fitted model filtering the first 120 bars
    const f = fitted.filter(ewa.subarray(0, 120));
    for (const t of [59, 60, 119]) {
      expect(out[t].value).toBeCloseTo(f.stateMeans.at(t), 10);
      expect(out[t].reference).toBe(ewa[t]);
    }
  });
});

describe('normalisers', () => {
  const stub = (value: number, reference = value) =>
    ({ value, reference, forecastError: NaN, forecastStd: NaN }) as SpreadModel;

  it('rolling: the z-score of stats.rollingZScore', () => {
    const n = new RollingNormaliser(20, 'sample');
    const z = rollingZScore(ewa.subarray(0, 100), 20);
    for (let t = 0; t < 100; t++) {
      const s = n.score(stub(ewa[t]));
      if (t < 19) expect(s).toBeNaN();
      else expect(s).toBeCloseTo(z[t], 12);
    }
  });

  it('rolling on a reference series: (value − mean(reference)) / std(reference)', () => {
    const n = new RollingNormaliser(3, 'population');
    n.score(stub(0, 1));
    n.score(stub(0, 2));
    // reference 1, 2, 3: mean 2, population std √(2/3)
    expect(n.score(stub(5, 3))).toBeCloseTo((5 - 2) / Math.sqrt(2 / 3), 14);
  });

  it('frozen: mean and sample std of the training bars, then fixed', () => {
    const n = new FrozenNormaliser(4);
    for (const x of [1, 2, 3]) expect(n.score(stub(x))).toBeNaN();
    expect(n.score(stub(4))).toBeNaN(); // the last training bar
    // mean 2.5, sample std √(5/3)
    expect(n.score(stub(10))).toBeCloseTo((10 - 2.5) / Math.sqrt(5 / 3), 14);
    expect(n.score(stub(-1))).toBeCloseTo((-1 - 2.5) / Math.sqrt(5 / 3), 14);
  });

  it('kalman: forecast error over its predicted standard deviation', () => {
    const n = new KalmanNormaliser();
    expect(n.score({ forecastError: 0.3, forecastStd: 0.2 } as SpreadModel)).toBeCloseTo(1.5, 15);
  });
});

describe('rules', () => {
  const run = (rule: { next(z: number, u: number): number }, zs: number[]) => {
    let u = 0;
    return zs.map((z) => (u = rule.next(z, u)));
  };

  it('bands: enter beyond ±entryZ, exit inside ±exitZ, reverse through the far band', () => {
    expect(run(new BandRule(1.5, 0), [0, 1.6, 1, 0.1, -0.1, -1.6, -0.5, 0.2, 2, -2])).toEqual([
      0, -1, -1, -1, 0, 1, 1, 0, -1, 1,
    ]);
  });

  it("bands with exit at the entry band (Chan's rule)", () => {
    expect(run(new BandRule(1, 1), [1.2, 0.9, -1.1, -0.95, -1.01])).toEqual([-1, 0, 1, 0, 1]);
  });

  it('a NaN z keeps the position', () => {
    expect(run(new BandRule(1, 0), [NaN, -2, NaN, 0.5])).toEqual([0, 1, 1, 0]);
  });

  it('a stop beyond ±stopZ exits and blocks that side until z is back inside the entry band', () => {
    expect(run(new BandRule(1, 0, 2), [-1.5, -2.5, -1.5, -0.5, -1.2, 0.1])).toEqual([1, 0, 0, 0, 1, 0]);
  });

  it('a maximum holding period exits after that many bars', () => {
    expect(run(new BandRule(1, 0, Infinity, 3), [1.5, 1.4, 1.3, 1.2, 1.1, 0.5, 1.5])).toEqual([
      -1, -1, -1, 0, 0, 0, -1,
    ]);
  });

  it('linear: −z / zPerUnit, capped', () => {
    expect(run(new LinearRule(2, 1), [1, -1, 4, -3, NaN])).toEqual([-0.5, 0.5, -1, 1, 1]);
  });
});

describe('sizing', () => {
  it('units: weights times units', () => {
    const out = new Float64Array(2);
    new UnitSizing().shares(-2, Float64Array.of(1, -0.8), Float64Array.of(20, 25), out);
    expect(Array.from(out)).toEqual([-2, 1.6]);
  });

  it('capital: one unit is `capital` gross dollars at entry, shares then held until the position changes', () => {
    const s = new CapitalSizing(10_000);
    const out = new Float64Array(2);
    s.shares(1, Float64Array.of(1, -0.5), Float64Array.of(40, 20), out);
    // gross per unit 40 + 10 = 50 → 200 units of the weights
    expect(Array.from(out)).toEqual([200, -100]);
    s.shares(1, Float64Array.of(1, -0.6), Float64Array.of(50, 20), out);
    expect(Array.from(out)).toEqual([200, -100]); // the hedge set at entry is kept
    s.shares(-2, Float64Array.of(1, -0.6), Float64Array.of(50, 20), out);
    // gross per unit 50 + 12 = 62 → −2 · 10,000 / 62 units of the weights
    expect(out[0]).toBeCloseTo(-20_000 / 62, 10);
    expect(out[1]).toBeCloseTo((20_000 / 62) * 0.6, 10);
    s.shares(0, Float64Array.of(1, -0.6), Float64Array.of(50, 20), out);
    expect(Array.from(out).map(Math.abs)).toEqual([0, 0]);
  });
});

describe('specs and presets', () => {
  it('fills defaults and merges overrides into a preset', () => {
    const spec = resolveStrategy({ preset: 'kalman-pair', rule: { entryZ: 2, exitZ: 0.5 } });
    expect(spec.rule).toEqual({ type: 'bands', entryZ: 2, exitZ: 0.5 });
    expect(spec.spread).toEqual({
      type: 'kalman-hedge',
      delta: 1e-4,
      observationVariance: 1e-3,
      initialCovariance: 0,
      transform: 'price',
    });
    expect(resolveStrategy('kalman-single').normaliser).toEqual({
      type: 'rolling',
      lookback: 20,
      std: 'sample',
    });
  });

  it('hands out a fresh copy of a bare preset each time (changing one changes no other)', () => {
    for (const input of ['kalman-single', { preset: 'kalman-single' }] as const) {
      const a = resolveStrategy(input);
      (a.rule as { entryZ: number }).entryZ = 9;
      (a.spread as { learn: { warmup: number } }).learn.warmup = 999;
      const b = resolveStrategy(input);
      expect(b.rule).toEqual({ type: 'bands', entryZ: 1.5, exitZ: 0 });
      expect(b.spread).toMatchObject({ learn: { warmup: 60, nIter: 10 } });
      expect(b).not.toBe(a);
    }
    expect(() => resolveStrategy('no-such-preset' as never)).toThrow(/unknown preset "no-such-preset"/);
  });

  it('counts the bars a strategy needs before it can signal', () => {
    expect(warmupBars(resolveStrategy('kalman-pair'))).toBe(1);
    expect(warmupBars(resolveStrategy({ preset: 'kalman-single', spread: { learn: false } }))).toBe(20);
    expect(warmupBars(resolveStrategy('kalman-single'))).toBe(79);
  });

  it('kalman-single trades the textbook z-score of its fair value (not mean + threshold)', () => {
    const s = createStrategy('kalman-single');
    const bar = { index: 0, time: 0, close: new Float64Array(1) };
    let entries = 0;
    let prev = 0;
    for (let t = 0; t < ewa.length; t++) {
      bar.index = t;
      bar.close[0] = ewa[t];
      s.step(bar);
      const { z, units } = s.signal;
      if (units !== prev && units !== 0) {
        entries++;
        expect(Math.abs(z)).toBeGreaterThan(1.5);
        expect(Math.sign(units)).toBe(-Math.sign(z));
      }
      prev = units;
    }
    expect(entries).toBeGreaterThan(20);
  });
});
