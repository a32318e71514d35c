/**
 * `kalrev scan --data UNIVERSE`: every pair of a universe, screened, backtested and ranked;
 * writes scan.csv (or scan.parquet) with every pair, scan.json and scan.html with the best.
 * Parsing and printing only (src/scan does the work).
 */
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import type { Metrics } from '../execution/metrics.js';
import { LocalExecutor, type Executor } from '../scan/executor.js';
import { SCAN_TOP, writeScanOutputs, type ScanTableFormat } from '../scan/output.js';
import { progressBar } from '../scan/progress.js';
import { ScanError } from '../scan/errors.js';
import { bestPairs, scanPairs } from '../scan/scan.js';
import type { Screens } from '../scan/evaluate.js';
import { loadScanRun } from '../app/scan.js';
import { writeScanReports } from '../app/selectedReports.js';
import { ConfigError, parseRunSpec, type RunSpecLayers } from '../app/spec.js';
import { decimal, integer, number, readJson } from './common.js';
import { addSpecFlags, specFlags } from './specFlags.js';

export interface ScanFlags {
  config?: string;
  minCorr?: number;
  maxPvalue?: number;
  maxQvalue?: number;
  halfLife?: [number, number];
  minPrice?: number;
  minBars: number;
  rankBy: keyof Metrics;
  top: number;
  reports: number;
  format: ScanTableFormat[];
  out: string;
  threads?: number;
  queue?: string;
  prefix: string;
  json?: boolean;
  quiet?: boolean;
}

export const num = number;
export const whole = integer;

/** `--threads` may ask for at most this many threads per core (more only adds overhead). */
export const THREADS_PER_CORE = 4;

/** Parses `--threads`: 1 to {@link THREADS_PER_CORE} × the cores of this machine. */
export const threadCount = (v: string): number => {
  const max = THREADS_PER_CORE * availableParallelism();
  const x = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(x) || x < 1 || x > max)
    throw new InvalidArgumentError(
      `--threads expects a whole number from 1 to ${max} (${THREADS_PER_CORE} per core on this machine), got "${v}".`,
    );
  return x;
};

/** The run-spec layers of a scan, sweep or portfolio command line: its `--config` file and its flags. */
export function specLayers(
  config: string | undefined,
  cmd: Command,
  name: 'scan' | 'sweep' | 'portfolio',
): RunSpecLayers {
  return {
    ...(config !== undefined ? { file: parseRunSpec(readJson(config), config), source: config } : {}),
    flags: specFlags(cmd, name),
  };
}

/**
 * The executor the flags ask for: the queue when --queue is given (its URL checked first), else
 * worker threads. The queue's module (BullMQ and ioredis) is imported only for a queue run:
 * loading it takes longer than reading most universes.
 */
export async function executorFrom(f: {
  queue?: string;
  prefix: string;
  threads?: number;
}): Promise<Executor> {
  if (f.queue !== undefined && f.threads !== undefined)
    throw new ScanError('--threads and --queue: a queue run uses the workers’ cores, not threads; give one');
  if (f.queue !== undefined) {
    const { QueueExecutor } = await import('../scan/queue.js');
    return new QueueExecutor({
      url: f.queue,
      label: '--queue',
      prefix: f.prefix,
      idleTimeoutMs: 10 * 60_000,
    });
  }
  return new LocalExecutor({ threads: f.threads });
}

/** The options of a command whose jobs run on an executor, and its output switches. */
export function addExecutorOptions(command: Command, what: string): Command {
  return command
    .option(
      '--threads <n>',
      `worker threads for ${what} (default one per core; at most 4 per core)`,
      threadCount,
    )
    .option('--queue <url>', `run ${what} on kalrev workers through Redis (redis://host:6379 or rediss://)`)
    .option('--prefix <prefix>', 'queue key prefix', 'kalrev')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress bar or summary');
}

export function scanCommand(): Command {
  const command = new Command('scan')
    .description('screen, backtest and rank every pair of a universe')
    .option(
      '--config <file>',
      'a JSON run spec (as the run.json a backtest writes); its symbols: the universe',
    );
  addSpecFlags(command, 'scan')
    .option('--min-corr <r>', 'screen: correlation of daily returns ≥ r', num('--min-corr'))
    .option('--max-pvalue <p>', 'screen: Engle-Granger p-value ≤ p', num('--max-pvalue'))
    .option(
      '--max-qvalue <q>',
      'screen: Benjamini-Hochberg q-value of the Engle-Granger p-value ≤ q (false discovery rate over every pair tested)',
      num('--max-qvalue'),
    )
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
      'pairs (best first) in scan.json and scan.html; every pair is in scan.csv / scan.parquet',
      whole('--top'),
      SCAN_TOP,
    )
    .option(
      '--reports <n>',
      'full reports (report.html with the tear sheet) of the best n pairs, in pairs/NNN/ (NNN the rank)',
      whole('--reports', 0),
      10,
    )
    .option(
      '--format <list>',
      'the table of every pair: csv (scan.csv), parquet (scan.parquet) or csv,parquet',
      (v: string) => {
        const list = v.split(',').map((s) => s.trim());
        const bad = list.find((s) => s !== 'csv' && s !== 'parquet');
        if (bad !== undefined || list.length === 0)
          throw new InvalidArgumentError(`--format expects csv, parquet or csv,parquet, got "${v}".`);
        return [...new Set(list)] as ScanTableFormat[];
      },
      ['csv'] as ScanTableFormat[],
    )
    .option('--out <dir>', 'output folder', 'out/scan');
  return addExecutorOptions(command, 'the scan').action(async (f: ScanFlags, cmd: Command) => {
    // where the run's time goes, in --json: from the process's start to here, then each step
    const started = performance.now();
    const layers = specLayers(f.config, cmd, 'scan');
    const executor = await executorFrom(f);
    try {
      // the threads load their modules while this one reads the data
      if (executor instanceof LocalExecutor) executor.start();
      const { frame, repairs, spec, sessions } = await loadScanRun(layers, 'scan');
      const read = performance.now();
      if (!f.quiet && !f.json) for (const r of repairs) console.error(`repair: ${r.message}`);
      if (!f.quiet && !f.json && sessions) console.error(`session: ${sessions.message}`);
      if (f.minBars > frame.length)
        throw new ConfigError(
          `--min-bars ${f.minBars}: longer than the data (${spec.data} has ${frame.length} bars), so no pair could qualify`,
        );
      const screens: Screens = {};
      if (f.minCorr !== undefined) screens.minCorrelation = f.minCorr;
      if (f.maxPvalue !== undefined) screens.maxPValue = f.maxPvalue;
      if (f.maxQvalue !== undefined) screens.maxQValue = f.maxQvalue;
      if (f.halfLife !== undefined) screens.halfLife = f.halfLife;
      if (f.minPrice !== undefined) screens.minPrice = f.minPrice;
      const bar = progressBar('scan');
      const scan = await scanPairs(frame, {
        strategy: spec.strategy,
        backtest: spec.options,
        ...(spec.symbols.length > 0 ? { symbols: spec.symbols } : {}),
        screens,
        minBars: f.minBars,
        rankBy: f.rankBy,
        executor,
        onProgress: f.quiet || f.json ? undefined : bar.update,
      });
      bar.finish();
      const scanned = performance.now();
      const reports = Math.min(f.reports, f.top);
      const files = await writeScanOutputs(scan, frame, f.out, {
        top: f.top,
        formats: f.format,
        reports,
        alsoWrite: () => writeScanReports(scan, frame, f.out, reports),
      });
      const written = performance.now();
      const ms = (a: number, b: number) => Math.round(b - a);
      const timings = {
        startMs: Math.round(started),
        readMs: ms(started, read),
        scanMs: ms(read, scanned),
        writeMs: ms(scanned, written),
      };
      // the printed table: the best 10 (fewer with a smaller --top)
      const best = bestPairs(scan, Math.min(10, f.top)).map((p) => {
        const row: Record<string, string | number> = { rank: p.rank, y: p.y, x: p.x };
        row[scan.rankBy] = p.metrics![scan.rankBy];
        if (p.ruined) row.ruinedAt = p.ruinedAt;
        return row;
      });
      // backtests whose account reached zero equity: ranked after all the others
      const ruined = scan.ruined;
      const pairs = Object.values(scan.counts).reduce((a, b) => a + b, 0);
      if (f.json)
        console.log(JSON.stringify({ pairs, counts: scan.counts, ruined, best, files, timings }, null, 2));
      else if (!f.quiet) {
        console.log(
          `kalrev scan: ${scan.symbols.length} symbols, ${pairs} pairs in ${(scan.elapsedMs / 1000).toFixed(2)} s (${scan.executor})`,
        );
        console.log(
          `  ${Object.entries(scan.counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        );
        if (ruined > 0)
          console.log(`  ${ruined} backtested pairs ruined their account (equity reached zero): ranked last`);
        for (const b of best)
          console.log(
            `  ${String(b.rank).padStart(3)}  ${b.y}/${b.x}  ${scan.rankBy} ${Number(b[scan.rankBy]).toFixed(3)}${b.ruinedAt === undefined ? '' : `  ruined ${String(b.ruinedAt)}`}`,
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
