/**
 * `kalrev worker --queue redis://host:6379`: serves scan and sweep chunks from the Redis job
 * queue until stopped (Ctrl-C or SIGTERM finish the current chunk first, a second one stops at
 * once). Start one per core on as many machines as you like; see docs/scanning.md.
 */
import { hostname } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { redact } from '../redact.js';
import { decimal } from './common.js';

interface WorkerFlags {
  queue: string;
  prefix: string;
  name?: string;
  concurrency: number;
  lockMs: number;
  json?: boolean;
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
    .requiredOption('--queue <url>', 'the Redis server, redis://[user:password@]host:6379 (or rediss://)')
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
    .option(
      '--json',
      'one JSON object a line on stdout per event (ready, chunk, failed, connection, stopping, stopped)',
    )
    .option('--quiet', 'print nothing but errors')
    .action(async (o: WorkerFlags) => {
      // imported here: BullMQ and ioredis take long to load, and every other command loads this file
      const { checkQueueUrl, runQueueWorker } = await import('../scan/queue.js');
      // the URL is checked (and its password registered for masking) before anything is printed
      checkQueueUrl(o.queue, '--queue');
      const queue = redact(o.queue);
      const name = o.name ?? `${hostname()}-${process.pid}`;
      /** An event: a JSON line on stdout with --json, else a line on stderr (errors even when quiet). */
      const report = (event: Record<string, unknown> & { event: string }, line: string, error = false) => {
        if (o.json) console.log(JSON.stringify({ ...event, worker: name }));
        else if (!o.quiet || error) console.error(`kalrev worker ${name}: ${line}`);
      };
      const handle = runQueueWorker({
        url: o.queue,
        label: '--queue',
        prefix: o.prefix,
        name,
        concurrency: o.concurrency,
        lockDurationMs: o.lockMs,
        onEvent: (e) => {
          if (e.type === 'chunk')
            report(
              { event: 'chunk', run: e.run, index: e.index, jobs: e.jobs, ms: e.ms },
              `run ${e.run.slice(0, 8)} chunk ${e.index}: ${e.jobs} jobs in ${e.ms} ms`,
            );
          else if (e.type === 'failed')
            report(
              { event: 'failed', run: e.run, index: e.index, error: e.error },
              `run ${e.run.slice(0, 8)} chunk ${e.index} failed: ${e.error}`,
              true,
            );
          else if (e.state === 'lost')
            report({ event: 'connection', state: 'lost', error: e.error }, `${e.error}; reconnecting`, true);
          else report({ event: 'connection', state: 'restored' }, `reconnected to ${queue}`, true);
        },
      });
      let signals = 0;
      let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
      const stopped = new Promise<void>((resolve) => {
        onSignal = (signal) => {
          if (++signals > 1) {
            report(
              { event: 'abort', signal },
              `${signal} again: stopping now (the current chunk goes back to the queue)`,
            );
            process.exit(signal === 'SIGINT' ? 130 : 143);
          }
          report({ event: 'stopping', signal }, `${signal}: stopping after the current chunk`);
          void handle.close().then(resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      try {
        try {
          await handle.ready;
        } catch (e) {
          await handle.close();
          throw e;
        }
        if (signals === 0)
          report(
            { event: 'ready', queue, prefix: o.prefix },
            `waiting for jobs on ${queue} (prefix ${o.prefix})`,
          );
        await stopped;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const s = handle.stats;
      report(
        { event: 'stopped', chunks: s.chunks, jobs: s.jobs, failed: s.failed },
        `stopped after ${s.chunks} chunks (${s.jobs} jobs, ${s.failed} failed)`,
      );
      // BullMQ keeps retrying a connection to a server that went away even after close(): the
      // worker is done, so the process ends here
      process.exit(0);
    });
}
