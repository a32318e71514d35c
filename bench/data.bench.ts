/**
 * Data readers on the bundled ETF universe: the long OHLCV file (3.9 MB, 83,454 rows) and the
 * wide close file (67 columns × 1500 rows), and aligning the universe; and the scan benchmark's
 * 500-symbol × 2,520-bar universe as a wide CSV (12.6 MB), read by the plain-file path and,
 * for comparison, by csv-parse (the same file with its first header name quoted). Target from the
 * data issue: reading the long file well under a second.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alignFrames, readLongCsvSync, readWideCsvSync } from '../src/data/index.js';
import { bench, type BenchResult } from './harness.js';
import { syntheticUniverse, writeUniverseCsv } from './scan.bench.js';

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
  const dir = mkdtempSync(join(tmpdir(), 'kalrev-data-bench-'));
  try {
    const plain = join(dir, 'universe500.csv');
    writeUniverseCsv(syntheticUniverse(500, 2520), plain);
    const quoted = join(dir, 'universe500-quoted.csv');
    writeFileSync(quoted, readFileSync(plain, 'utf8').replace(/^date/, '"date"'));
    results.push(
      bench({
        name: 'wide CSV, 2,520 rows × 500 symbols (12.6 MB), to PriceFrame',
        steps: 1,
        unit: 'ms',
        target: 250,
        runs: 7,
        warmup: 2,
        note: 'the scan benchmark’s universe, plain-file path',
        run: () => readWideCsvSync(plain),
      }),
    );
    // for comparison, not a case: the csv-parse path on the same content
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      readWideCsvSync(quoted);
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    samples.sort((a, b) => a - b);
    console.log(
      `  the same file through csv-parse (its header's first name quoted): median ${samples[1].toFixed(0)} ms of 3, ${(samples[1] / results[results.length - 1].median).toFixed(1)}× the plain-file path`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
