/** A full backtest (strategy + engine + metrics) on ten years of daily bars, and its HTML report. */
import { backtest } from '../src/backtest/index.js';
import { PriceFrame } from '../src/data/frame.js';
import { analyzeFrame } from '../src/app/analyze.js';
import { renderReport } from '../src/report/html.js';
import { bench, type BenchResult } from './harness.js';
import { pairSeries } from './data.js';

export function main(): BenchResult[] {
  const n = 2520;
  const { x, y } = pairSeries(n, 5);
  const dates = Array.from({ length: n }, (_, i) =>
    new Date(Date.UTC(2010, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
  );
  const frame = PriceFrame.fromCloses(dates, { Y: y, X: x });
  const single = frame.select(['Y']);
  const results: BenchResult[] = [];
  results.push(
    bench({
      name: 'kalman-pair backtest, 2,520 bars (close execution)',
      steps: 1,
      unit: 'ms',
      target: 0.2,
      runs: 201,
      warmup: 200,
      run: () => backtest(frame, 'kalman-pair', { execution: 'close' }),
    }),
  );
  results.push(
    bench({
      name: 'kalman-single backtest, 2,520 bars (close execution)',
      steps: 1,
      unit: 'ms',
      target: 0.2,
      runs: 201,
      warmup: 200,
      run: () => backtest(single, 'kalman-single', { execution: 'close' }),
    }),
  );
  const result = backtest(frame, 'kalman-pair', { execution: 'close' });
  const analysis = analyzeFrame(frame, ['Y', 'X']);
  results.push(
    bench({
      name: 'report.html of a kalman-pair run, 2,520 bars',
      steps: 1,
      unit: 'ms',
      target: 1000,
      runs: 9,
      warmup: 2,
      run: () => renderReport({ result, frame, config: {}, analysis }).length,
    }),
  );
  return results;
}
