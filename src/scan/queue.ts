/**
 * The job queue executor: BullMQ on Redis, for scans spread over many machines.
 *
 * `QueueExecutor.run` stores the run's context (the universe's prices, the strategy specs, the
 * options) once in Redis, enqueues the jobs in chunks (one BullMQ job per chunk, id
 * `<run>-<chunk>`), and collects each chunk's result rows by its index, so the results come back
 * in input order whatever worker computed them. `kalrev worker --queue redis://…` (see
 * {@link runQueueWorker}) runs on any number of machines: it loads a run's context once, then
 * evaluates chunks with the same {@link PairEvaluator} as every other executor.
 *
 * A worker that dies mid-chunk stops renewing its lock; after `lockDuration` another worker's
 * stalled-job check puts the chunk back in the queue and it is computed again elsewhere. A
 * chunk's rows are stored once, by index, so nothing is lost or counted twice; a chunk can only
 * complete for the worker that holds its lock.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker as BullWorker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { ScanError } from './errors.js';
import { JOB, PairEvaluator, ROW, type TaskContext } from './evaluate.js';
import type { Executor, ProgressCallback } from './executor.js';
import { decodeUniverse, encodeUniverse } from './universe.js';

/** The BullMQ queue name kalrev's executors and workers share. */
export const QUEUE_NAME = 'kalrev-scan';

export interface QueueConnectionOptions {
  /** `redis://host:6379` (also `rediss://`, with user and password if needed). */
  url: string;
  /** BullMQ key prefix (default 'kalrev'); executors and workers must use the same one. */
  prefix?: string;
}

export interface QueueExecutorOptions extends QueueConnectionOptions {
  /** Jobs (pairs) per queue job (default 256). */
  chunkSize?: number;
  /** How often to collect finished chunks, ms (default 100). */
  pollMs?: number;
  /** Give up when no chunk finishes for this long, ms (default: never). */
  idleTimeoutMs?: number;
}

interface ChunkData {
  run: string;
  index: number;
  /** The chunk's jobs: Int32Array bytes, base64. */
  jobs: string;
}

function connect(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

const contextKey = (prefix: string, run: string) => `${prefix}:${QUEUE_NAME}:context:${run}`;

/** The context as bytes: a JSON header (specs, options, screens, minBars), then the universe. */
function encodeContext(ctx: TaskContext): Buffer {
  const { universe, ...rest } = ctx;
  const header = Buffer.from(JSON.stringify(rest));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([len, header, encodeUniverse(universe)]);
}

function decodeContext(bytes: Buffer): TaskContext {
  const len = bytes.readUInt32LE(0);
  const rest = JSON.parse(bytes.subarray(4, 4 + len).toString()) as Omit<TaskContext, 'universe'>;
  return { ...rest, universe: decodeUniverse(bytes.subarray(4 + len)) };
}

const toBase64 = (a: Int32Array | Float64Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function fromBase64<T extends Int32Array | Float64Array>(
  s: string,
  Ctor: new (n: number) => T,
  bytesPer: number,
): T {
  const b = Buffer.from(s, 'base64');
  const out = new Ctor(b.length / bytesPer);
  Buffer.from(out.buffer).set(b);
  return out;
}

/** What the last run saw: chunks and the ids of chunks that were computed more than once. */
export interface QueueRunStats {
  run: string;
  chunks: number;
  /** Chunks whose first worker stopped (stalled or died) and that were computed again. */
  retried: string[];
  /** Worker names that completed chunks, with their counts. */
  workers: Record<string, number>;
}

/** Runs jobs on `kalrev worker` processes through BullMQ on Redis. */
export class QueueExecutor implements Executor {
  readonly name = 'queue';
  readonly #o: QueueExecutorOptions;
  /** Statistics of the last run. */
  lastRun: QueueRunStats | null = null;

  constructor(options: QueueExecutorOptions) {
    this.#o = options;
  }

  async run(ctx: TaskContext, jobs: Int32Array, onProgress?: ProgressCallback): Promise<Float64Array> {
    const count = jobs.length / JOB;
    const out = new Float64Array(count * ROW);
    if (count === 0) return out;
    const prefix = this.#o.prefix ?? 'kalrev';
    const chunk = this.#o.chunkSize ?? 256;
    const run = randomUUID();
    const redis = connect(this.#o.url);
    const queue = new Queue(QUEUE_NAME, { connection: connect(this.#o.url), prefix });
    const stats: QueueRunStats = { run, chunks: Math.ceil(count / chunk), retried: [], workers: {} };
    this.lastRun = stats;
    try {
      await redis.set(contextKey(prefix, run), encodeContext(ctx), 'EX', 7 * 86400);
      const starts: number[] = [];
      for (let s = 0; s < count; s += chunk) starts.push(s);
      await queue.addBulk(
        starts.map((s, index) => ({
          name: 'chunk',
          data: {
            run,
            index,
            jobs: toBase64(jobs.subarray(s * JOB, Math.min(count, s + chunk) * JOB)),
          } satisfies ChunkData,
          opts: { jobId: `${run}-${index}`, attempts: 3, removeOnComplete: false, removeOnFail: false },
        })),
      );
      const pending = new Set(starts.map((_, i) => i));
      let done = 0;
      let lastProgress = Date.now();
      while (pending.size > 0) {
        const finished = (await queue.getJobs(['completed'], 0, -1)) as Job<ChunkData, string>[];
        for (const job of finished) {
          if (job.data.run !== run) continue;
          const index = job.data.index;
          if (pending.has(index)) {
            const rows = fromBase64(job.returnvalue, Float64Array, 8);
            out.set(rows, starts[index] * ROW);
            pending.delete(index);
            done += rows.length / ROW;
            if (job.attemptsStarted > 1 || job.stalledCounter > 0) stats.retried.push(job.id!);
            const by = job.processedBy ?? '?';
            stats.workers[by] = (stats.workers[by] ?? 0) + 1;
            lastProgress = Date.now();
          }
          await job.remove().catch(() => undefined);
        }
        if (finished.length) onProgress?.(done, count);
        const failed = (await queue.getJobs(['failed'], 0, -1)) as Job<ChunkData>[];
        const ours = failed.find((j) => j.data.run === run);
        if (ours)
          throw new ScanError(`queue: chunk ${ours.data.index} failed on a worker: ${ours.failedReason}`);
        if (this.#o.idleTimeoutMs !== undefined && Date.now() - lastProgress > this.#o.idleTimeoutMs)
          throw new ScanError(
            `queue: no chunk finished for ${this.#o.idleTimeoutMs} ms (${pending.size} of ${stats.chunks} left); is a kalrev worker running against ${this.#o.url}?`,
          );
        if (pending.size > 0) await new Promise((r) => setTimeout(r, this.#o.pollMs ?? 100));
      }
      return out;
    } finally {
      await redis.del(contextKey(prefix, run)).catch(() => undefined);
      await queue.close();
      redis.disconnect();
    }
  }

  async close(): Promise<void> {}
}

export interface QueueWorkerOptions extends QueueConnectionOptions {
  /** Worker name (reported with each chunk; default host-pid). */
  name?: string;
  /** Chunks processed at once (default 1: a chunk is CPU-bound; run one worker per core). */
  concurrency?: number;
  /** Lock on a chunk, ms: a dead worker's chunk is retried after about this long (default 30,000). */
  lockDurationMs?: number;
  /** How often to look for chunks of dead workers, ms (default lockDuration / 2). */
  stalledIntervalMs?: number;
  /** Called after each chunk. */
  onChunk?: (info: { run: string; index: number; jobs: number; ms: number }) => void;
}

/** A running queue worker; `close()` finishes the current chunk and stops. */
export interface QueueWorkerHandle {
  close(): Promise<void>;
  /** Resolves when the worker is connected and waiting for chunks. */
  ready: Promise<void>;
}

/**
 * Serves chunks from the queue until closed: loads each run's context once (the last few are
 * cached), evaluates a chunk's jobs in slices with a yield between them so the chunk's lock is
 * renewed while it works, and returns the rows.
 */
export function runQueueWorker(options: QueueWorkerOptions): QueueWorkerHandle {
  const prefix = options.prefix ?? 'kalrev';
  const redis = connect(options.url);
  const cache = new Map<string, PairEvaluator>();
  const lockDuration = options.lockDurationMs ?? 30_000;
  const evaluator = async (run: string): Promise<PairEvaluator> => {
    let ev = cache.get(run);
    if (ev) return ev;
    const bytes = await redis.getBuffer(contextKey(prefix, run));
    if (bytes === null)
      throw new ScanError(`queue: the context of run ${run} is gone (the run was abandoned)`);
    ev = new PairEvaluator(decodeContext(bytes));
    cache.set(run, ev);
    if (cache.size > 4) cache.delete(cache.keys().next().value!);
    return ev;
  };
  const worker = new BullWorker<ChunkData, string>(
    QUEUE_NAME,
    async (job) => {
      const t0 = Date.now();
      const ev = await evaluator(job.data.run);
      const jobs = fromBase64(job.data.jobs, Int32Array, 4);
      const count = jobs.length / JOB;
      const rows = new Float64Array(count * ROW);
      let k = 0;
      while (k < count) {
        const sliceStart = Date.now();
        // ~50 ms of work, then let the event loop renew the lock
        while (k < count && Date.now() - sliceStart < 50) {
          ev.evaluate(jobs, k, rows, k * ROW);
          k++;
        }
        if (k < count) await new Promise((r) => setImmediate(r));
      }
      options.onChunk?.({ run: job.data.run, index: job.data.index, jobs: count, ms: Date.now() - t0 });
      return toBase64(rows);
    },
    {
      connection: connect(options.url),
      prefix,
      name: options.name,
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: options.stalledIntervalMs ?? Math.max(500, Math.floor(lockDuration / 2)),
      maxStalledCount: 5,
    },
  );
  return {
    ready: worker.waitUntilReady().then(() => undefined),
    async close() {
      await worker.close();
      redis.disconnect();
    },
  };
}

/** Whether a Redis server answers at `url` within `timeoutMs`. */
export async function redisReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}
