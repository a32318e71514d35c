/**
 * Data readers on the bundled ETF universe: the long OHLCV file (3.9 MB, 83,454 rows) and the
 * wide close file (67 columns × 1500 rows), and aligning the universe. Target from the data
 * issue: reading the long file well under a second.
 */
import { fileURLToPath } from 'node:url';
import { alignFrames, readLongCsvSync, readWideCsvSync } from '../src/data/index.js';
import { bench, type BenchResult } from './harness.js';

// compiled to .bench-build/bench/, so the data is two folders up
const bundled = (name: string) => fileURLToPath(new URL(`../../data/${name}`, import.meta.url));

export function main(): BenchResult[] {
  const results: BenchResult[] = [];
  const long = bundled('etf_universe_ohlcv.csv');
  const wide = bundled('etf_universe_close.csv');
  // the bundled universe has 21 bars with a non-positive price (see data/README.md): reported, dropped
  const repair = { dropNonPositive: true };
  results.push(
    bench({
      name: 'long CSV, 83,454 rows × 7 fields (3.9 MB), to PriceFrame',
      steps: 1,
      unit: 'ms',
      target: 500,
      runs: 7,
      warmup: 3,
      run: () => readLongCsvSync(long, { repair }),
    }),
  );
  results.push(
    bench({
      name: 'wide CSV, 1500 rows × 67 symbols (0.5 MB), to PriceFrame',
      steps: 1,
      unit: 'ms',
      target: 100,
      runs: 9,
      warmup: 5,
      run: () => readWideCsvSync(wide, { repair }),
    }),
  );
  const universe = readWideCsvSync(wide, { repair }).frame;
  results.push(
    bench({
      name: 'alignFrames, inner join of 67 symbols × 1500 bars',
      steps: 1,
      unit: 'ms',
      target: 10,
      run: () => alignFrames(universe),
    }),
  );
  return results;
}
