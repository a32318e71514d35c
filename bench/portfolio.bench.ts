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
import type { BenchResult } from './harness.js';
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
  // trading differs, from 70 to 800 round trips); the book and its pairs alone are timed in
  // turns, so that both meet the same state of the machine, and the least disturbed run of each
  // is compared
  const singles = () => plans.map((p) => backtest(frame, spec, { ...opts, symbols: [p.y, p.x] }));
  const book = () => runBook(frame, plans, opts);
  for (let i = 0; i < 20; i++) {
    singles();
    book();
  }
  const tBook: number[] = [];
  const tOne: number[] = [];
  const ms = (f: () => unknown) => {
    const t0 = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let i = 0; i < 41; i++) {
    tOne.push(ms(singles) / 20);
    tBook.push(ms(book));
  }
  tBook.sort((a, b) => a - b);
  tOne.sort((a, b) => a - b);
  const ratio = tBook[0] / tOne[0];
  const name = '20-pair book, 2,520 bars, ÷ one of its pairs backtested alone';
  console.log(
    `${name.padEnd(58)} ${ratio.toFixed(1).padStart(9)} ×       (book ${tBook[0].toFixed(2)} ms, median ${tBook[20].toFixed(2)}; one pair ${tOne[0].toFixed(3)} ms, median ${tOne[20].toFixed(3)}; best of 41 each)  target ≤ 25 ×  ${ratio <= 25 ? 'OK' : 'MISSED'}`,
  );
  results.push({
    name,
    median: ratio,
    min: ratio,
    max: tBook[40] / tOne[0],
    unit: 'ms',
    target: 25,
    ok: ratio <= 25,
  });

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
