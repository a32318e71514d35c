/**
 * Golden cases generated with pykalman 0.11.2 (test/fixtures/kalman, copied from
 * ../shared/reference/kalman). Tolerances as the README there recommends.
 */
import { describe, expect, it } from 'vitest';
import { KalmanFilter, type EmVar } from '../../src/kalman/index.js';
import { caseNames, expectClose, loadCase, toModelInput, type Json } from './fixtures.js';

const TOL = 1e-8;
const TOL_EM = 1e-6;

const camelVar = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as EmVar;

describe.each(caseNames())('pykalman case %s', (name) => {
  const c: Json = loadCase(name);
  const build = () => new KalmanFilter(toModelInput(c.constructor));
  // Flat observations for 1-D cases exercise the number[] path as pykalman users pass them.
  const obs = c.n_dim_obs === 1 ? c.observations.map((r: (number | null)[]) => r[0]) : c.observations;

  it('resolves the model pykalman used', () => {
    const kf = build();
    expect(kf.nDimState).toBe(c.n_dim_state);
    expect(kf.nDimObs).toBe(c.n_dim_obs);
    for (const [key, value] of Object.entries(c.model as Record<string, unknown>)) {
      expectClose((kf.model as unknown as Record<string, unknown>)[camelVar(key)], value, 0, `model.${key}`);
    }
  });

  it('filters', () => {
    const r = build().filter(obs, { predicted: true, loglikelihood: true });
    expectClose(r.stateMeans.toArray(), c.expected.filtered_state_means, TOL, 'filtered means');
    expectClose(
      r.stateCovariances.toArray(),
      c.expected.filtered_state_covariances,
      TOL,
      'filtered covariances',
    );
    expectClose(r.predictedStateMeans!.toArray(), c.expected.predicted_state_means, TOL, 'predicted means');
    if (c.expected.predicted_state_covariances)
      expectClose(
        r.predictedStateCovariances!.toArray(),
        c.expected.predicted_state_covariances,
        TOL,
        'predicted covariances',
      );
    expectClose(r.loglikelihood, c.expected.loglikelihood, TOL, 'loglikelihood');
  });

  it('keeps only means when asked, with the same values', () => {
    const r = build().filter(obs, { covariances: false });
    expect(r.stateCovariances).toBeUndefined();
    expectClose(r.stateMeans.toArray(), c.expected.filtered_state_means, TOL, 'filtered means');
  });

  it('smooths', () => {
    const r = build().smooth(obs);
    expectClose(r.stateMeans.toArray(), c.expected.smoothed_state_means, TOL, 'smoothed means');
    expectClose(
      r.stateCovariances.toArray(),
      c.expected.smoothed_state_covariances,
      TOL,
      'smoothed covariances',
    );
  });

  it('computes the log-likelihood', () => {
    expectClose(build().loglikelihood(obs), c.expected.loglikelihood, TOL, 'loglikelihood');
  });

  if (c.em_call) {
    it(`learns ${JSON.stringify(c.em_call.em_vars)} by EM`, () => {
      const call = c.em_call;
      const vars =
        call.em_vars === null ? undefined : call.em_vars === 'all' ? 'all' : call.em_vars.map(camelVar);
      let fitted: KalmanFilter;
      if (call.em_vars_passed_to === 'constructor') {
        fitted = new KalmanFilter({ ...toModelInput(c.constructor), emVars: vars }).em(obs, {
          nIter: call.n_iter,
        });
      } else {
        fitted = build().em(obs, { nIter: call.n_iter, emVars: vars });
      }
      const e = c.expected.em;
      for (const [key, value] of Object.entries(e.params as Record<string, unknown>)) {
        expectClose(
          (fitted.model as unknown as Record<string, unknown>)[camelVar(key)],
          value,
          TOL_EM,
          `em ${key}`,
        );
      }
      expectClose(fitted.emLoglikelihoods, e.loglikelihood_trace, TOL_EM, 'em loglikelihood trace');
      expectClose(fitted.loglikelihood(obs), e.loglikelihood, TOL_EM, 'em loglikelihood');
      expectClose(
        fitted.filter(obs).stateMeans.toArray(),
        e.filtered_state_means,
        TOL_EM,
        'em filtered means',
      );
      expectClose(
        fitted.smooth(obs).stateMeans.toArray(),
        e.smoothed_state_means,
        TOL_EM,
        'em smoothed means',
      );
    });
  }

  if (c.filter_update) {
    it('runs filterUpdate step by step', () => {
      const fu = c.filter_update;
      const kf = new KalmanFilter(toModelInput(c.filter_update_constructor ?? c.constructor));
      let mean: ArrayLike<number> = fu.initial_mean;
      let cov: ArrayLike<number> | number[][] = fu.initial_covariance;
      const means: number[][] = [];
      const covs: number[][] = [];
      for (const step of fu.steps) {
        const ov = step.overrides ? toModelInput(step.overrides) : undefined;
        const r = kf.filterUpdate(mean, cov, step.observation, ov);
        mean = r.mean;
        cov = r.covariance;
        means.push(Array.from(r.mean));
        covs.push(Array.from(r.covariance));
      }
      expectClose(means, c.expected.filter_update.means, TOL, 'filterUpdate means');
      expectClose(covs, c.expected.filter_update.covariances, TOL, 'filterUpdate covariances');
    });
  }

  if (c.external_reference?.filtered_state_means) {
    it("agrees with the robot dataset's own MATLAB results", () => {
      const ext = c.external_reference;
      const kf = build();
      expectClose(
        kf.filter(obs).stateMeans.toArray(),
        ext.filtered_state_means,
        1e-6,
        'external filtered means',
      );
      expectClose(
        kf.smooth(obs).stateMeans.toArray(),
        ext.smoothed_state_means,
        1e-6,
        'external smoothed means',
      );
    });
  }
});
