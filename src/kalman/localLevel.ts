/**
 * EM for the local-level model on a short window, as a strategy's warm-up learns it: exactly
 * `new KalmanFilter({ initialStateMean: z[0], initialStateCovariance, transitionCovariance,
 * observationCovariance }).em(z, { nIter, emVars: [Q, R] })` followed by `.filter(z)` at the
 * last step, without the public API's per-call costs (validation of a model that is valid by
 * construction, nested-array copies, the log-likelihood trace), which dominate at n ≈ 60.
 * test/kalman/localLevel.test.ts holds it equal to the public path bit for bit.
 * @internal
 */
import { emBuffers, runEm } from './em.js';
import { runFilter } from './filter.js';
import { makeParam, type ResolvedModel } from './model.js';

/** What the warm-up learns: the noise variances and the filtered state at the window's end. */
export interface LocalLevelFit {
  /** Learned transition (level) noise variance Q. */
  transitionCovariance: number;
  /** Learned observation noise variance R. */
  observationCovariance: number;
  /** Filtered level and its variance at the last step of the window, with the learned Q and R. */
  level: number;
  levelVariance: number;
}

const scalar = (v: number) => makeParam(Float64Array.of(v), 1, 0);

/**
 * Learns Q and R of the local-level model x_t = x_{t−1} + w, z_t = x_t + v on `z` (no
 * missing values; the caller validated them) by `nIter` EM iterations from the given Q, R
 * and initial covariance, with the initial mean z[0].
 */
export function learnLocalLevel(
  z: Float64Array,
  transitionCovariance: number,
  observationCovariance: number,
  initialCovariance: number,
  nIter: number,
): LocalLevelFit {
  const n = z.length;
  const model: ResolvedModel = {
    k: 1,
    m: 1,
    A: scalar(1),
    b: scalar(0),
    Q: scalar(transitionCovariance),
    C: scalar(1),
    d: scalar(0),
    R: scalar(observationCovariance),
    mu0: Float64Array.of(z[0]),
    P0: Float64Array.of(initialCovariance),
    emVars: ['transitionCovariance', 'observationCovariance'],
    partialMissing: 'drop-row',
  };
  const buffers = emBuffers(n, 1);
  const learned = runEm(model, z, n, nIter, model.emVars, false, buffers).model;
  const f = runFilter(
    learned,
    z,
    n,
    { covariances: true, predicted: true, loglikelihood: false },
    buffers.filter,
  );
  return {
    transitionCovariance: learned.Q.data[0],
    observationCovariance: learned.R.data[0],
    level: f.means[n - 1],
    levelVariance: f.covs![n - 1],
  };
}
