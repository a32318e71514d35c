/** The pairs model of src/kalman/pair.ts: one step, the same bits on every path that filters a pair. */
import { describe, expect, it } from 'vitest';
import { readWideCsvSync } from '../../src/data/index.js';
import {
  KalmanFilter,
  KalmanModelError,
  createPairState,
  dynamicHedgeRatio,
  pairModel,
  pairObservationRow,
  pairStep,
  pairTransitionVariance,
  PAIR_BETA,
  PAIR_E,
  PAIR_Q,
} from '../../src/kalman/index.js';
import { hedgeRatioBand } from '../../src/report/hedge.js';
import { KalmanHedgeSpread } from '../../src/strategy/spread.js';
import { resolveStrategy } from '../../src/strategy/spec.js';

const { frame } = readWideCsvSync('data/ewa_ewc.csv');
const y = frame.get('EWC');
const x = frame.get('EWA');

describe('pairs model', () => {
  it('maps δ to the state noise δ/(1−δ) and names delta when it is out of (0, 1)', () => {
    expect(pairTransitionVariance(0.5)).toBe(1);
    expect(pairTransitionVariance(0.2)).toBe(0.25);
    for (const bad of [0, 1, -0.1, NaN, Infinity]) {
      expect(() => pairTransitionVariance(bad)).toThrow(KalmanModelError);
      expect(() => pairTransitionVariance(bad)).toThrow(/^delta: must be in \(0, 1\)/);
    }
    expect(() => createPairState(1, 1e-3, 0)).toThrow(/^delta:/);
    const row = new Float64Array(4);
    pairObservationRow(2.5, row, 2);
    expect(Array.from(row)).toEqual([0, 0, 2.5, 1]);
  });

  it('one step by hand, from Chan’s zero prior and from a drifted one', () => {
    // P⁻ = 0 at the first bar: g = 0, Q = Vₑ, e = y, and the state does not move
    const s = createPairState(1e-4, 1e-3, 0);
    pairStep(s, 2, 3);
    expect([s[PAIR_BETA], s[1], s[PAIR_E], s[PAIR_Q]]).toEqual([0, 0, 3, 1e-3]);
    // second bar: P⁻ = q·I with q = 0.25 (δ = 0.2), row [1, 1]: g = [q, q], Q = 2q + Vₑ
    const t = createPairState(0.2, 0.5, 0);
    pairStep(t, 1, 0);
    pairStep(t, 1, 2);
    expect(t[PAIR_Q]).toBe(1); // 0.25 + 0.25 + 0.5
    expect(t[PAIR_E]).toBe(2);
    expect(t[PAIR_BETA]).toBe(0.5); // K e = 0.25 · 2
    expect(t[1]).toBe(0.5);
  });

  it('KalmanFilter, dynamicHedgeRatio, the strategy and the report band give the same β to the last bit', () => {
    const opts = { delta: 1e-4, observationVariance: 1e-3, initialCovariance: 0 };
    const kf = new KalmanFilter(pairModel(x, opts)).filter(y);
    const path = dynamicHedgeRatio(y, x);
    const spread = new KalmanHedgeSpread(1e-4, 1e-3, 0, 'price');
    const band = hedgeRatioBand(resolveStrategy('kalman-pair'), y, x)!;
    const prices = new Float64Array(2);
    for (let t = 0; t < y.length; t++) {
      prices[0] = y[t];
      prices[1] = x[t];
      spread.update(prices);
      expect(kf.stateMeans.at(t, 0)).toBe(path.beta[t]);
      expect(kf.stateMeans.at(t, 1)).toBe(path.alpha[t]);
      expect(spread.hedgeRatio).toBe(path.beta[t]);
      expect(spread.forecastError).toBe(path.forecastError[t]);
      expect(spread.forecastStd).toBe(path.forecastStd[t]);
      expect(band.beta[t]).toBe(path.beta[t]);
      expect(band.std[t]).toBe(Math.sqrt(kf.stateCovariances.at(t, 0, 0)));
    }
  });

  it('a missing day drifts the state without an update, as the general 2-state recursion does', () => {
    const ys = y.slice(0, 300);
    ys[0] = NaN;
    ys[100] = NaN;
    ys[101] = NaN;
    const kf = new KalmanFilter(
      pairModel(x.subarray(0, 300), { delta: 1e-4, observationVariance: 1e-3, initialCovariance: 0.1 }),
    );
    const fast = kf.filter(ys);
    // asking for the log-likelihood takes the general 2-state loop (pykalman's recursion)
    const general = kf.filter(ys, { loglikelihood: true });
    for (let t = 0; t < 300; t++) {
      expect(fast.stateMeans.at(t, 0)).toBeCloseTo(general.stateMeans.at(t, 0), 12);
      expect(fast.stateMeans.at(t, 1)).toBeCloseTo(general.stateMeans.at(t, 1), 10);
      expect(fast.stateCovariances.at(t, 1, 1)).toBeCloseTo(general.stateCovariances.at(t, 1, 1), 12);
    }
    expect(fast.stateCovariances.at(0, 0, 0)).toBe(0.1);
    const path = dynamicHedgeRatio(ys, x.subarray(0, 300));
    expect(path.forecastError[100]).toBeNaN();
    expect(path.beta[101]).toBe(path.beta[99]);
  });
});
