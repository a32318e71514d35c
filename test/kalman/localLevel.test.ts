/**
 * The strategy's warm-up learner (learnLocalLevel) is the public KalmanFilter EM + filter,
 * to the last bit, on random windows and starting values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KalmanFilter } from '../../src/kalman/index.js';
import { learnLocalLevel } from '../../src/kalman/localLevel.js';

function viaPublicApi(z: Float64Array, q: number, r: number, p0: number, nIter: number) {
  const kf = new KalmanFilter({
    initialStateMean: z[0],
    initialStateCovariance: p0,
    transitionCovariance: q,
    observationCovariance: r,
  }).em(z, { nIter, emVars: ['transitionCovariance', 'observationCovariance'] });
  const m = kf.model;
  const f = kf.filter(z);
  return {
    transitionCovariance: (m.transitionCovariance as number[][])[0][0],
    observationCovariance: (m.observationCovariance as number[][])[0][0],
    level: f.stateMeans.at(z.length - 1),
    levelVariance: f.stateCovariances.at(z.length - 1),
  };
}

describe('learnLocalLevel', () => {
  it('equals KalmanFilter.em then filter exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 120 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 1e-4, max: 10, noNaN: true }),
        fc.double({ min: 1e-4, max: 10, noNaN: true }),
        fc.constantFrom(0, 0.5, 1, 100),
        fc.integer({ min: 1, max: 15 }),
        (n, seed, q, r, p0, nIter) => {
          // a random walk around 100 with noise, from a seeded LCG
          let s = seed;
          const u = () => (s = (s * 48271) % 2147483647) / 2147483647 - 0.5;
          const z = new Float64Array(n);
          let level = 100;
          for (let t = 0; t < n; t++) {
            level += u();
            z[t] = level + 2 * u();
          }
          const fast = learnLocalLevel(z, q, r, p0, nIter);
          const slow = viaPublicApi(z, q, r, p0, nIter);
          expect(fast).toEqual(slow);
          expect(Number.isFinite(fast.transitionCovariance) && fast.transitionCovariance > 0).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});
