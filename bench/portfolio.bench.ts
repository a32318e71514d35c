/**
 * Books of pairs: a 20-pair book against one pair's backtest in the same run, walk-forward
 * selection on the bundled 67-ETF universe, and on a synthetic 500-symbol universe.
 */
import { backtest } from '../src/backtest/index.js';
import { runBook, type SleevePlan } from '../src/backtest/portfolio.js';
import { portfolio } from '../src/app/portfolio.js';
import { readWideCsvSync } from '../src/data/readers.js';
import { PriceFrame } from '../src/data/frame.js';
import { resolveBacktestOptions } from '../src/execution/options.js';
import { LocalExecutor } from '../src/scan/executor.js';
import { resolveStrategy } from '../src/strategy/spec.js';
import { bench, type BenchResult } from './harness.js';
import { pairSeries } from './data.js';
import { syntheticUniverse, time } from './scan.bench.js';

export async function main(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const n = 2520;
  const closes: Record<string, Float64Array> = {};
  for (let k = 0; k < 20; k++) {
    const { x, y } = pairSeries(n, 100 + k);
    closes[`Y${k}`] = y;
    closes[`X${k}`] = x;
  }
  const dates = Array.from({ length: n }, (_, i) =>
    new Date(Date.UTC(2010, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
  );
  const frame = PriceFrame.fromCloses(dates, closes);
  const spec = resolveStrategy('kalman-pair');
  const opts = resolveBacktestOptions({ execution: 'close' });
  const plans: SleevePlan[] = Array.from({ length: 20 }, (_, k) => ({
    y: `Y${k}`,
    x: `X${k}`,
    strategy: spec,
    warmFrom: 0,
    start: 0,
    stop: n,
    onStop: 'close',
    weight: 1 / 20,
  }));
  // the unit: one of the book's pairs backtested alone, on average over its 20 pairs (their
  // trading differs: from 70 to 800 round trips)
  const singles = bench({
    name: "the book's 20 pairs backtested one by one, 2,520 bars each",
    steps: 1,
    unit: 'ms',
    target: 20 * 0.2,
    runs: 31,
    warmup: 20,
    run: () => plans.map((p) => backtest(frame, spec, { ...opts, symbols: [p.y, p.x] })),
  });
  const one = singles.median / 20;
  const book = bench({
    name: '20-pair book, 2,520 bars (runBook)',
    steps: 1,
    unit: 'ms',
    target: 25 * one,
    runs: 31,
    warmup: 20,
    run: () => runBook(frame, plans, opts),
  });
  console.log(
    `  = ${(book.median / one).toFixed(1)} × one pair's backtest (${one.toFixed(3)} ms; target ≤ 25)`,
  );
  results.push(singles, book);

  const etf = readWideCsvSync('data/etf_universe_close.csv', { repair: { dropNonPositive: true } }).frame;
  const executor = new LocalExecutor({ threads: 2 });
  try {
    executor.start();
    const walk = (u: PriceFrame) =>
      portfolio(u, {
        options: { execution: 'next-close' },
        portfolio: { top: 10, rebalance: 63, train: 252 },
        executor,
      });
    await walk(etf); // threads up and optimised
    results.push(
      await time(
        'walk-forward book, 67-ETF universe, 1,500 days, 2 threads',
        5,
        3,
        () => walk(etf),
        '20 selections (rebalance 63, train 252) of 2,211 pairs, then the book',
      ),
    );
    const big = syntheticUniverse(500, 2520);
    results.push(
      await time(
        'walk-forward book, synthetic 500 symbols × 2,520 bars',
        120,
        1,
        () => walk(big),
        '36 selections of 124,750 pairs (Engle-Granger on each), then the book',
      ),
    );
  } finally {
    await executor.close();
  }
  return results;
}
