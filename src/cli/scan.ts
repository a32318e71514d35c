/**
 * `kalrev scan --data UNIVERSE`: every pair of a universe, screened, backtested and ranked;
 * writes scan.csv, scan.json and scan.html. Parsing and printing only (src/scan does the work).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Metrics } from '../backtest/metrics.js';
import { readPrices } from '../data/readers.js';
import { LocalExecutor, type Executor } from '../scan/executor.js';
import { writeScanOutputs } from '../scan/output.js';
import { progressBar } from '../scan/progress.js';
import { QueueExecutor } from '../scan/queue.js';
import { scanPairs } from '../scan/scan.js';
import type { Screens } from '../scan/evaluate.js';
import { ConfigError } from '../report/config.js';
import { decimal, integer, number } from './common.js';

export interface ScanFlags {
  data: string;
  preset: string;
  execution?: 'close' | 'next-open' | 'next-close';
  minCorr?: number;
  maxPvalue?: number;
  halfLife?: [number, number];
  minPrice?: number;
  minBars: number;
  rankBy: keyof Metrics;
  top?: number;
  out: string;
  threads?: number;
  queue?: string;
  prefix: string;
  json?: boolean;
  quiet?: boolean;
}

export const num = number;
export const whole = integer;

/** The executor the flags ask for: the queue when --queue is given, else worker threads. */
export function executorFrom(f: { queue?: string; prefix: string; threads?: number }): Executor {
  return f.queue
    ? new QueueExecutor({ url: f.queue, prefix: f.prefix, idleTimeoutMs: 10 * 60_000 })
    : new LocalExecutor({ threads: f.threads });
}

export function scanCommand(): Command {
  return new Command('scan')
    .description('screen, backtest and rank every pair of a universe')
    .requiredOption('--data <path>', 'universe: wide CSV (date,SYM1,SYM2,…), bars file, Parquet or folder')
    .option('--preset <name>', 'strategy preset', 'kalman-pair')
    .addOption(
      new Option('--execution <when>', 'fills (default next-open, or next-close without opens)').choices([
        'close',
        'next-open',
        'next-close',
      ]),
    )
    .option('--min-corr <r>', 'screen: correlation of daily returns ≥ r', num('--min-corr'))
    .option('--max-pvalue <p>', 'screen: Engle-Granger p-value ≤ p', num('--max-pvalue'))
    .option(
      '--half-life <min,max>',
      'screen: half-life of the OLS spread within [min, max] bars',
      (v: string) => {
        const parts = v.split(',').map(decimal);
        if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x)))
          throw new InvalidArgumentError(`--half-life expects min,max, got "${v}".`);
        return parts as [number, number];
      },
    )
    .option('--min-price <p>', 'screen: both legs’ lowest close ≥ p', num('--min-price'))
    .option('--min-bars <n>', 'fewest overlapping bars a pair needs', whole('--min-bars'), 252)
    .option('--rank-by <metric>', 'metric to rank by', 'sharpe')
    .option(
      '--top <n>',
      'keep the best n pairs in scan.json, the page and the printed table (default: all; 10 printed)',
      whole('--top'),
    )
    .option('--out <dir>', 'output folder', 'out/scan')
    .option('--threads <n>', 'worker threads (default one per core)', whole('--threads'))
    .option('--queue <url>', 'run on kalrev workers through Redis (redis://host:6379)')
    .option('--prefix <prefix>', 'queue key prefix', 'kalrev')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress bar or summary')
    .action(async (f: ScanFlags) => {
      const { frame, repairs } = await readPrices(f.data, { repair: { dropNonPositive: true } });
      if (!f.quiet && !f.json) for (const r of repairs) console.error(`repair: ${r.message}`);
      if (f.minBars > frame.length)
        throw new ConfigError(
          `--min-bars ${f.minBars}: longer than the data (${f.data} has ${frame.length} bars), so no pair could qualify`,
        );
      const screens: Screens = {};
      if (f.minCorr !== undefined) screens.minCorrelation = f.minCorr;
      if (f.maxPvalue !== undefined) screens.maxPValue = f.maxPvalue;
      if (f.halfLife !== undefined) screens.halfLife = f.halfLife;
      if (f.minPrice !== undefined) screens.minPrice = f.minPrice;
      const executor = executorFrom(f);
      const bar = progressBar('scan');
      try {
        const scan = await scanPairs(frame, {
          strategy: f.preset,
          backtest: f.execution ? { execution: f.execution } : undefined,
          screens,
          minBars: f.minBars,
          rankBy: f.rankBy,
          executor,
          onProgress: f.quiet || f.json ? undefined : bar.update,
        });
        bar.finish();
        const files = writeScanOutputs(scan, frame, f.out, { top: f.top });
        // the printed table: the best --top pairs (at most 10 without --top)
        const best = scan.ranked
          .slice(0, f.top ?? 10)
          .map((p) => ({ rank: p.rank, y: p.y, x: p.x, [scan.rankBy]: p.metrics![scan.rankBy] }));
        if (f.json)
          console.log(
            JSON.stringify({ pairs: scan.pairs.length, counts: scan.counts, best, files }, null, 2),
          );
        else if (!f.quiet) {
          console.log(
            `kalrev scan: ${scan.symbols.length} symbols, ${scan.pairs.length} pairs in ${(scan.elapsedMs / 1000).toFixed(2)} s (${scan.executor})`,
          );
          console.log(
            `  ${Object.entries(scan.counts)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
          );
          for (const b of best)
            console.log(
              `  ${String(b.rank).padStart(3)}  ${b.y}/${b.x}  ${scan.rankBy} ${Number(b[scan.rankBy]).toFixed(3)}`,
            );
          console.log(`  wrote ${files.join(', ')}`);
          console.log(
            '  in-sample results of many tests: confirm a pair with kalrev sweep --train/--test before trusting it',
          );
        }
      } finally {
        await executor.close();
      }
    });
}
