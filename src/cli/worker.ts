/**
 * `kalrev worker --queue redis://host:6379`: serves scan and sweep chunks from the Redis job
 * queue until stopped (Ctrl-C or SIGTERM finish the current chunk first). Start one per core on
 * as many machines as you like; see docs/scanning.md.
 */
import { hostname } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { runQueueWorker } from '../scan/queue.js';
import { decimal } from './common.js';

interface WorkerFlags {
  queue: string;
  prefix: string;
  name?: string;
  concurrency: number;
  lockMs: number;
  quiet?: boolean;
}

const whole = (flag: string, min: number) => (v: string) => {
  const x = decimal(v);
  if (!Number.isInteger(x) || x < min)
    throw new InvalidArgumentError(`${flag} expects a whole number ≥ ${min}, got "${v}".`);
  return x;
};

export function workerCommand(): Command {
  return new Command('worker')
    .description('serve scan and sweep jobs from a Redis queue (run one per core, on any number of machines)')
    .requiredOption('--queue <url>', 'the Redis server, redis://host:6379')
    .option('--prefix <prefix>', 'queue key prefix (the same as the scan’s)', 'kalrev')
    .option('--name <name>', 'worker name in reports (default host-pid)')
    .option(
      '--concurrency <n>',
      'chunks at once (CPU-bound: keep 1 and start one worker per core)',
      whole('--concurrency', 1),
      1,
    )
    .option(
      '--lock-ms <ms>',
      'chunk lock: a dead worker’s chunk is retried after about this long',
      whole('--lock-ms', 100),
      30_000,
    )
    .option('--quiet', 'print nothing but errors')
    .action(async (o: WorkerFlags) => {
      const name = o.name ?? `${hostname()}-${process.pid}`;
      const handle = runQueueWorker({
        url: o.queue,
        prefix: o.prefix,
        name,
        concurrency: o.concurrency,
        lockDurationMs: o.lockMs,
        onChunk: o.quiet
          ? undefined
          : (c) =>
              console.error(
                `kalrev worker ${name}: run ${c.run.slice(0, 8)} chunk ${c.index}: ${c.jobs} jobs in ${c.ms} ms`,
              ),
      });
      await handle.ready;
      if (!o.quiet)
        console.error(`kalrev worker ${name}: waiting for jobs on ${o.queue} (prefix ${o.prefix})`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          if (!o.quiet) console.error(`kalrev worker ${name}: stopping after the current chunk`);
          void handle.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
