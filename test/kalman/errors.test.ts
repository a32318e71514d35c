/** Bad input gets a KalmanModelError naming the parameter, the expected shape and what was given. */
import { describe, expect, it } from 'vitest';
import { KalmanFilter, KalmanModelError, KalrevError, pairModel } from '../../src/index.js';

function errorOf(fn: () => unknown): KalmanModelError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KalmanModelError);
    expect(e).toBeInstanceOf(KalrevError);
    return e as KalmanModelError;
  }
  throw new Error('expected a KalmanModelError, nothing was thrown');
}

describe('KalmanModelError', () => {
  it('names a wrong observation-matrix shape for the state dimension', () => {
    const e = errorOf(
      () =>
        new KalmanFilter({
          transitionMatrices: [
            [1, 0],
            [0, 1],
          ],
          observationMatrices: [
            [1, 0, 0],
            [0, 1, 0],
          ],
        }),
    );
    expect(e.parameter).toBe('observationMatrices');
    expect(e.message).toBe(
      'observationMatrices: inconsistent state dimension: transitionMatrices implies 2, observationMatrices implies 3',
    );
  });

  it('names a 3×2 observation matrix when two states are declared', () => {
    const e = errorOf(
      () =>
        new KalmanFilter({
          nDimState: 2,
          nDimObs: 2,
          observationMatrices: [
            [1, 0],
            [0, 1],
            [1, 1],
          ],
        }),
    );
    expect(e.message).toBe(
      'observationMatrices: inconsistent observation dimension: nDimObs implies 2, observationMatrices implies 3',
    );
  });

  it('gives the expected and actual shape of a wrongly shaped matrix', () => {
    const e = errorOf(
      () => new KalmanFilter({ nDimState: 2, transitionMatrices: [[[1, 0, 0]], [[0, 1, 0]]] }),
    );
    expect(e.message).toBe(
      'transitionMatrices: inconsistent state dimension: nDimState implies 2, transitionMatrices implies 3',
    );
    const f = errorOf(() => new KalmanFilter({ nDimState: 2, transitionMatrices: [[1, 0]] }));
    expect(f.message).toBe(
      'transitionMatrices: expected shape 2×2 (or n×2×2 per step) for 2 state and 1 observed dimensions, got 1×2',
    );
  });

  it('rejects NaN and Infinity inside a parameter, with the index', () => {
    expect(errorOf(() => new KalmanFilter({ transitionCovariance: [[NaN]] })).message).toBe(
      'transitionCovariance: must be finite, got NaN at [0][0]',
    );
    expect(errorOf(() => new KalmanFilter({ initialStateMean: [0, Infinity] })).message).toBe(
      'initialStateMean: must be finite, got Infinity at [1]',
    );
  });

  it('rejects a non-symmetric covariance', () => {
    const e = errorOf(
      () =>
        new KalmanFilter({
          observationCovariance: [
            [1, 0.5],
            [0.2, 1],
          ],
        }),
    );
    expect(e.message).toBe('observationCovariance: must be symmetric: entry [0][1] = 0.5 but [1][0] = 0.2');
  });

  it('rejects an indefinite covariance', () => {
    const e = errorOf(
      () =>
        new KalmanFilter({
          transitionCovariance: [
            [1, 2],
            [2, 1],
          ],
        }),
    );
    expect(e.message).toBe(
      'transitionCovariance: must be positive semi-definite: it has a negative eigenvalue -1.00000',
    );
    expect(errorOf(() => new KalmanFilter({ observationCovariance: -0.1 })).message).toBe(
      'observationCovariance: must be positive semi-definite: it has a negative eigenvalue -0.100000',
    );
  });

  it('rejects an observation of ±Infinity, in every input form and every code path', () => {
    const kf = new KalmanFilter();
    expect(errorOf(() => kf.filter([1, 2, Infinity])).message).toBe(
      'observations: Infinity at [2] is not a valid observation (use null or NaN to mark a missing value)',
    );
    expect(errorOf(() => kf.smooth(Float64Array.of(1, -Infinity, 3))).message).toBe(
      'observations: -Infinity at [1] is not a valid observation (use null or NaN to mark a missing value)',
    );
    const kf2 = new KalmanFilter({ nDimState: 2, nDimObs: 1, observationMatrices: [[1, 1]] });
    expect(errorOf(() => kf2.filter(Float64Array.of(1, 2, Infinity))).message).toContain('Infinity at [2]');
    const kf3 = new KalmanFilter({ nDimState: 3, nDimObs: 2 });
    expect(
      errorOf(() =>
        kf3.filter({
          data: Float64Array.of(1, 2, 3, -Infinity),
          shape: [2, 2],
        }),
      ).message,
    ).toBe(
      'observations: -Infinity at [1][1] is not a valid observation (use null or NaN to mark a missing value)',
    );
    // the pairs model's own loop (pairFilter.generated.ts)
    const pair = new KalmanFilter(
      pairModel(Float64Array.of(1, 2, 3, 4), {
        delta: 1e-4,
        observationVariance: 1e-3,
        initialCovariance: 0,
      }),
    );
    expect(errorOf(() => pair.filter(Float64Array.of(1, NaN, 2, -Infinity))).message).toBe(
      'observations: -Infinity at [3] is not a valid observation (use null or NaN to mark a missing value)',
    );
    expect(errorOf(() => kf.filterUpdate([0], [[1]], Infinity)).message).toBe(
      'observation: Infinity at [0] is not a valid observation (use null or NaN for missing)',
    );
  });

  it('rejects an unknown EM variable', () => {
    const kf = new KalmanFilter();
    const e = errorOf(() =>
      kf.em([1, 2, 3], { emVars: ['transitionCovariance', 'observationNoise' as never] }),
    );
    expect(e.message).toBe(
      'emVars: unknown EM variable "observationNoise"; expected one of transitionMatrices, observationMatrices, transitionOffsets, observationOffsets, transitionCovariance, observationCovariance, initialStateMean, initialStateCovariance',
    );
  });

  it('rejects an unknown model parameter (a typo would otherwise silently use a default)', () => {
    const e = errorOf(() => new KalmanFilter({ transitionCovariances: [[1]] } as never));
    expect(e.parameter).toBe('transitionCovariances');
    expect(e.message).toMatch(
      /^transitionCovariances: unknown model parameter; expected one of transitionMatrices/,
    );
  });

  it('rejects observations whose width does not match the model', () => {
    const kf = new KalmanFilter({ nDimObs: 2, nDimState: 2 });
    expect(errorOf(() => kf.filter([1, 2, 3])).message).toBe(
      'observations: a flat list holds one observed dimension, but the model observes 2: pass an n×2 array',
    );
    expect(errorOf(() => kf.filter([[1, 2], [3]])).message).toBe(
      'observations: expected 2 values at row [1], got 1',
    );
  });

  it('rejects time-varying parameters that do not cover the observations', () => {
    const kf = new KalmanFilter({ observationMatrices: [[[1]], [[1]]] });
    expect(errorOf(() => kf.filter([1, 2, 3])).message).toBe(
      'observationMatrices: has 2 time steps but 3 observations need 3',
    );
  });

  it('refuses the log-likelihood when an innovation covariance is singular', () => {
    const kf = new KalmanFilter({
      observationMatrices: [[1, 0]],
      observationCovariance: 0,
      initialStateCovariance: [
        [0, 0],
        [0, 1],
      ],
    });
    expect(errorOf(() => kf.loglikelihood([1, 2])).message).toBe(
      'observationCovariance: the innovation covariance C P Cᵀ + R is singular at step 0, so the log-likelihood is undefined; make R positive definite',
    );
  });

  it('names a bad filterUpdate argument', () => {
    const kf = new KalmanFilter({ nDimState: 2, nDimObs: 1, observationMatrices: [[1, 0]] });
    expect(errorOf(() => kf.filterUpdate([0], [1, 0, 0, 1], 1)).message).toBe(
      'mean: expected 2 values, got 1',
    );
    expect(errorOf(() => kf.filterUpdate([0, 0], [1, 0, 0], 1)).message).toBe(
      'covariance: expected shape 2×2 (or 4 values row-major), got 3 values',
    );
    expect(
      errorOf(() => kf.filterUpdate([0, 0], [1, 0, 0, 1], 1, { observationMatrix: [[1, 2, 3]] })).message,
    ).toBe('observationMatrix: expected shape 1×2, row [0] has 3 entries');
    expect(
      errorOf(() => kf.filterUpdate([0, 0], [1, 0, 0, 1], 1, { observationCovariance: -1 })).message,
    ).toBe('observationCovariance: must be positive semi-definite, got -1');
    expect(
      errorOf(() => kf.filterUpdate([0, 0], [1, 0, 0, 1], 1, { observationMatrx: [[1, 0]] } as never))
        .message,
    ).toMatch(/^observationMatrx: unknown override; expected one of transitionMatrix/);
    const tv = new KalmanFilter({ observationMatrices: [[[1]], [[2]]] });
    expect(errorOf(() => tv.filterUpdate([0], [[1]], 1)).message).toBe(
      "observationMatrix: the model's value varies in time; pass this step's observationMatrix in overrides",
    );
  });

  it('rejects non-numbers in parameters and ragged arrays', () => {
    expect(errorOf(() => new KalmanFilter({ initialStateMean: [0, '1' as never] })).message).toBe(
      'initialStateMean: expected a number at [1], got the string "1"',
    );
    expect(errorOf(() => new KalmanFilter({ transitionMatrices: [[1, 0], [0]] })).message).toBe(
      'transitionMatrices: ragged array: expected 2 entries at [1], got 1',
    );
  });
});
