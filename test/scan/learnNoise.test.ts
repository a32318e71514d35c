import { describe, expect, it } from 'vitest';
import { readWideCsvSync } from '../../src/data/index.js';
import { KalmanFilter } from '../../src/kalman/index.js';
import { learnNoise, sweep } from '../../src/scan/index.js';

const { frame } = readWideCsvSync('data/ewa_ewc.csv');
const y = frame.get('EWC').subarray(0, 500);
const x = frame.get('EWA').subarray(0, 500);

/** EM of the pairs model written out with the Kalman core (pykalman-checked), δ = q/(1+q). */
function emReference(ys: Float64Array, xs: Float64Array, delta: number, ve: number, c: number) {
  const q = delta / (1 - delta);
  const cols = new Float64Array(2 * xs.length);
  for (let t = 0; t < xs.length; t++) {
    cols[2 * t] = xs[t];
    cols[2 * t + 1] = 1;
  }
  const kf = new KalmanFilter({
    observationMatrices: { data: cols, shape: [xs.length, 1, 2] },
    transitionCovariance: [
      [q, 0],
      [0, q],
    ],
    observationCovariance: ve,
    initialStateMean: [0, 0],
    initialStateCovariance: [
      [c, 0],
      [0, c],
    ],
  });
  const m = kf.em(ys, { nIter: 10, emVars: ['transitionCovariance', 'observationCovariance'] }).model;
  const Q = m.transitionCovariance as number[][];
  const qq = (Q[0][0] + Q[1][1]) / 2;
  return { delta: qq / (1 + qq), observationVariance: (m.observationCovariance as number[][])[0][0] };
}

describe('learnNoise: the spread as the backtest filters it', () => {
  it('learns on log prices when the spread filters log prices', () => {
    const start = { delta: 1e-4, observationVariance: 1e-3, initialCovariance: 0 };
    const onLog = learnNoise(y, x, { ...start, transform: 'log' });
    expect(onLog).toEqual(learnNoise(y.map(Math.log), x.map(Math.log), { ...start, transform: 'price' }));
    expect(onLog).toEqual(emReference(y.map(Math.log), x.map(Math.log), 1e-4, 1e-3, 0));
    expect(onLog.observationVariance).not.toBe(
      learnNoise(y, x, { ...start, transform: 'price' }).observationVariance,
    );
  });

  it("starts from the spread's initial covariance (Chan's 0, or another)", () => {
    for (const c of [0, 0.5]) {
      const start = { delta: 1e-4, observationVariance: 1e-3, initialCovariance: c };
      expect(learnNoise(y, x, { ...start, transform: 'price' })).toEqual(emReference(y, x, 1e-4, 1e-3, c));
    }
  });

  it("a walk-forward sweep with learn 'em' learns each window on the spread's log prices", async () => {
    const spread = {
      type: 'kalman-hedge' as const,
      delta: 1e-4,
      observationVariance: 1e-3,
      initialCovariance: 0.25,
      transform: 'log' as const,
    };
    const r = await sweep(frame, {
      pair: ['EWC', 'EWA'],
      strategy: {
        spread,
        normaliser: { type: 'kalman' },
        rule: { type: 'bands', entryZ: 1, exitZ: 1 },
      },
      grid: 'entryZ=1,1.5',
      walkForward: { train: 500, test: 250, learn: 'em' },
      backtest: { execution: 'next-close' },
    });
    const windows = r.walkForward!.windows;
    expect(windows.length).toBeGreaterThan(1);
    for (const w of windows) {
      const ys = frame.get('EWC').subarray(w.trainStart, w.trainEnd).map(Math.log);
      const xs = frame.get('EWA').subarray(w.trainStart, w.trainEnd).map(Math.log);
      const ref = emReference(ys, xs, 1e-4, 1e-3, 0.25);
      expect(w.params.delta).toBe(ref.delta);
      expect(w.params.ve).toBe(ref.observationVariance);
    }
  });
});
