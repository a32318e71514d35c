/**
 * Kalman core benchmarks. Targets from the foundation issue (2 cores); pykalman 0.11.2 on
 * this machine measured 73.5 µs / 74.4 µs / 103.4 µs / 144 µs / 261 µs for the same cases.
 */
import { KalmanFilter, createPairState, pairModel, pairStep, PAIR_E } from '../src/kalman/index.js';
import { bench, type BenchResult } from './harness.js';
import { localLevelSeries, pairSeries } from './data.js';

export function main(): BenchResult[] {
  const results: BenchResult[] = [];
  const N = 1_000_000;

  const level = localLevelSeries(N);
  const kf1 = new KalmanFilter({
    transitionCovariance: 0.01,
    observationCovariance: 0.25,
    initialStateMean: 100,
  });
  results.push(
    bench({
      name: '1-D local-level filter, n = 1e6',
      steps: N,
      unit: 'ns/step',
      target: 10,
      note: 'pykalman 73,500',
      run: () => kf1.filter(level),
    }),
  );

  const { x, y } = pairSeries(N);
  const delta = 1e-4;
  const kf2 = new KalmanFilter(pairModel(x, { delta, observationVariance: 1e-3, initialCovariance: 0 }));
  results.push(
    bench({
      name: '2-state regression filter, row [x_t, 1], n = 1e6',
      steps: N,
      unit: 'ns/step',
      target: 16,
      note: 'pykalman 74,400',
      run: () => kf2.filter(y),
    }),
  );
  // The strategy, the report and the filter above call pairStep once per bar: this is its cost
  // when V8 inlines it into the caller's loop (the state stays in a typed array).
  results.push(
    bench({
      name: 'pairs step (pairStep) in a loop, n = 1e6',
      steps: N,
      unit: 'ns/step',
      target: 16,
      run: () => {
        const s = createPairState(delta, 1e-3, 0);
        let acc = 0;
        for (let t = 0; t < N; t++) {
          pairStep(s, x[t], y[t]);
          acc += s[PAIR_E];
        }
        return acc;
      },
    }),
  );
  results.push(
    bench({
      name: 'RTS smoother, 2-state regression model, n = 1e6',
      steps: N,
      unit: 'ns/step',
      target: 40,
      note: 'pykalman 103,400',
      runs: 5,
      run: () => kf2.smooth(y),
    }),
  );

  const NE = 10_000;
  const small = level.subarray(0, NE);
  const kfEm = new KalmanFilter({ initialStateMean: 100 });
  results.push(
    bench({
      name: 'EM, 10 iterations, 1-D, n = 1e4 (per step per iteration)',
      steps: NE * 10,
      unit: 'ns/step',
      target: 100,
      note: 'pykalman 144,000',
      run: () => kfEm.em(small, { nIter: 10, emVars: 'all' }),
    }),
  );

  const NU = 100_000;
  const kfu = new KalmanFilter({
    transitionCovariance: [
      [delta / (1 - delta), 0],
      [0, delta / (1 - delta)],
    ],
    observationCovariance: 1e-3,
    nDimObs: 1,
  });
  const row = [[0, 1]];
  const ov = { observationMatrix: row };
  results.push(
    bench({
      name: 'filterUpdate in a loop (2-state, per-call C), 1e5 calls',
      steps: NU,
      unit: 'ns/call',
      target: 300,
      note: 'pykalman 261,000',
      run: () => {
        let mean: ArrayLike<number> = [0, 0];
        let cov: ArrayLike<number> = [1, 0, 0, 1];
        for (let t = 0; t < NU; t++) {
          row[0][0] = x[t];
          const r = kfu.filterUpdate(mean, cov, y[t], ov);
          mean = r.mean;
          cov = r.covariance;
        }
        return mean;
      },
    }),
  );
  return results;
}
