/**
 * The tear sheet's benchmark named by a run spec (`--benchmark SYMBOL`): read from the run's
 * data and put on the run's bars.
 */
import { readPrices } from '../data/readers.js';
import { alignedReturns, type BenchmarkSeries } from '../report/tearSheet.js';
import { flagOf } from './flags.js';
import { ConfigError, type RunSpec } from './spec.js';

/** A benchmark's closes at its own bars. */
export interface BenchmarkCloses {
  symbol: string;
  times: Float64Array;
  close: Float64Array;
}

const named = (symbol: string) => `${flagOf('report.benchmark')} ${symbol}`;

/**
 * Reads the benchmark symbol of `run.report` from `data` (with the run's repairs, non-positive
 * prices dropped as a scan does); undefined when the spec names none.
 * @throws ConfigError naming the flag when the data has no such symbol or cannot be read.
 */
export async function readBenchmark(
  run: Pick<RunSpec, 'report' | 'repair'>,
  data: string,
): Promise<BenchmarkCloses | undefined> {
  const symbol = run.report?.benchmark;
  if (symbol === undefined) return undefined;
  let frame;
  try {
    ({ frame } = await readPrices(data, {
      symbols: [symbol],
      repair: { ...run.repair, dropNonPositive: true },
    }));
  } catch (e) {
    throw new ConfigError(`${named(symbol)}: ${(e as Error).message}`);
  }
  return { symbol, times: frame.times, close: frame.get(symbol, 'close') };
}

/**
 * The benchmark's returns on a run's bars (each bar takes the benchmark's last close at or
 * before it).
 * @throws ConfigError when the benchmark has no close at or before the run's first bar.
 */
export function benchmarkOnBars(b: BenchmarkCloses, times: Float64Array): BenchmarkSeries {
  const returns = alignedReturns(times, b.times, b.close);
  if (returns === null)
    throw new ConfigError(
      `${named(b.symbol)}: no close at or before the run's first bar, ${new Date(times[0]).toISOString().slice(0, 10)}`,
    );
  return { label: b.symbol, returns };
}
