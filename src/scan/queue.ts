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
 *
 * Failure modes are bounded: a URL is checked (redis:// or rediss://) and the server probed
 * before anything starts; a run notices within a poll when its jobs vanish (Redis restarted or
 * flushed) and gives up when the server stays unreachable; every connection is closed when a run
 * or worker ends. Messages never show credentials (src/redact.ts).
 */
import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker as BullWorker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { KalrevError } from '../errors.js';
import { redact, redactedMessage, registerUrlSecrets } from '../redact.js';
import { ScanError } from './errors.js';
import { JOB, PairEvaluator, ROW, type TaskContext } from './evaluate.js';
import { checkJobs, jobsProblem, type Executor, type ProgressCallback } from './executor.js';
import { decodeUniverse, encodeUniverse } from './universe.js';

/** The BullMQ queue name kalrev's executors and workers share. */
export const QUEUE_NAME = 'kalrev-scan';

export interface QueueConnectionOptions {
  /** `redis://host:6379` (also `rediss://`, with user and password if needed). */
  url: string;
  /** BullMQ key prefix (default 'kalrev'); executors and workers must use the same one. */
  prefix?: string;
  /** How messages name the URL (default 'queue'; the CLI says '--queue'). */
  label?: string;
}

/** Options of {@link QueueExecutor}: the Redis connection and how jobs are cut into queue jobs. */
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

/**
 * Checks that `url` is a Redis URL (redis:// or rediss:// with a host) and registers its
 * credentials for redaction. @throws ScanError naming `label`, with the URL redacted.
 */
export function checkQueueUrl(url: string, label = 'queue'): URL {
  registerUrlSecrets(url);
  const expected = 'expected redis://host[:port][/db] or rediss://host[:port][/db]';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ScanError(`${label}: "${redact(url)}" is not a URL; ${expected}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new ScanError(`${label}: ${u.protocol}// is not a Redis URL; ${expected}, got "${redact(url)}"`);
  if (u.hostname === '') throw new ScanError(`${label}: "${redact(url)}" names no host; ${expected}`);
  return u;
}

/** What a connection error means, in words (credentials masked). */
function describeRedisError(e: unknown): string {
  const m = redactedMessage(e);
  if (/WRONGPASS|invalid password|invalid username-password/i.test(m))
    return 'Redis refused the user name or password';
  if (/NOAUTH|Authentication required/i.test(m))
    return 'Redis needs a password (give it in the URL, before the host)';
  if (/ECONNREFUSED/.test(m)) return 'nothing listens there (connection refused)';
  if (/ENOTFOUND|EAI_AGAIN/.test(m)) return 'unknown host';
  if (/ETIMEDOUT|timed? ?out/i.test(m)) return 'no answer (timed out)';
  if (/ECONNRESET|EPIPE|Connection is closed/i.test(m)) return 'the connection was closed';
  return m;
}

/** Connecting gives up after this long, and a probe's command too. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Connects to `url` once, without retrying. @throws ScanError saying why it cannot (refused,
 * unknown host, wrong password, no answer), so a bad `--queue` fails at once.
 */
export async function probeRedis(
  url: string,
  label = 'queue',
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<void> {
  checkQueueUrl(url, label);
  let last: unknown;
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', (e: Error) => (last = e));
  try {
    await r.connect();
    const pong = await r.ping();
    if (pong !== 'PONG') throw new Error(`the server answered PING with "${pong}"`);
  } catch (e) {
    throw new ScanError(`${label} ${redact(url)}: cannot use Redis: ${describeRedisError(last ?? e)}`);
  } finally {
    r.disconnect();
  }
}

/**
 * A client that reports errors to `onError` (so ioredis prints nothing itself) and reconnects:
 * for a worker, as long as it runs; for a run, for about `RUN_RECONNECT_MS`, after which its
 * pending commands fail and the run reports the lost connection.
 */
function connect(url: string, role: 'run' | 'worker', onError: (e: Error) => void): Redis {
  const options: RedisOptions = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: null,
    retryStrategy:
      role === 'worker'
        ? (times) => Math.min(times * 200, 2000)
        : (times) => (times * 500 > RUN_RECONNECT_MS ? null : 500),
  };
  const r = new Redis(url, options);
  r.on('error', onError);
  return r;
}
/** How long a run keeps trying to reconnect to a Redis that went away. */
const RUN_RECONNECT_MS = 10_000;

/** Resolves when `p` settles or after `ms`, whichever is first; never rejects. */
async function settle(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((r) => (timer = setTimeout(r, ms))),
  ]);
  clearTimeout(timer);
}

/** @internal The key of a run's context. */
export const contextKey = (prefix: string, run: string) => `${prefix}:${QUEUE_NAME}:context:${run}`;

/** The context as bytes: a JSON header (specs, options, screens, minBars), then the universe. */
/** @internal */
export function encodeContext(ctx: TaskContext): Buffer {
  const { universe, ...rest } = ctx;
  const header = Buffer.from(JSON.stringify(rest));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([len, header, encodeUniverse(universe)]);
}

/** Inverse of {@link encodeContext}. @throws on bytes that are not one (read from the network). */
function decodeContext(bytes: Buffer): TaskContext {
  const len = bytes.readUInt32LE(0);
  const rest = JSON.parse(bytes.subarray(4, 4 + len).toString()) as Omit<TaskContext, 'universe'>;
  if (!Array.isArray(rest.specs) || typeof rest.options !== 'object' || typeof rest.screens !== 'object')
    throw new Error('it has no strategy specs, options or screens');
  return { ...rest, universe: decodeUniverse(bytes.subarray(4 + len)) };
}

/** @internal */
export const toBase64 = (a: Int32Array | Float64Array) =>
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
    checkQueueUrl(options.url, options.label);
    this.#o = options;
  }

  async run(ctx: TaskContext, jobs: Int32Array, onProgress?: ProgressCallback): Promise<Float64Array> {
    checkJobs(ctx, jobs);
    const count = jobs.length / JOB;
    const out = new Float64Array(count * ROW);
    if (count === 0) return out;
    const { url, label = 'queue' } = this.#o;
    const where = `${label} ${redact(url)}`;
    await probeRedis(url, label);
    const prefix = this.#o.prefix ?? 'kalrev';
    const chunk = this.#o.chunkSize ?? 256;
    const run = randomUUID();
    // the latest connection error: what a failed command is reported with
    let lastError: unknown;
    const onError = (e: Error) => (lastError = e);
    const redis = connect(url, 'run', onError);
    const queueConnection = connect(url, 'run', onError);
    const queue = new Queue(QUEUE_NAME, { connection: queueConnection, prefix });
    queue.on('error', onError);
    const stats: QueueRunStats = { run, chunks: Math.ceil(count / chunk), retried: [], workers: {} };
    this.lastRun = stats;
    const starts: number[] = [];
    for (let s = 0; s < count; s += chunk) starts.push(s);
    const pending = new Set(starts.map((_, i) => i));
    const jobId = (index: number) => `${run}-${index}`;
    try {
      await redis.set(contextKey(prefix, run), encodeContext(ctx), 'EX', 7 * 86400);
      await queue.addBulk(
        starts.map((s, index) => ({
          name: 'chunk',
          data: {
            run,
            index,
            jobs: toBase64(jobs.subarray(s * JOB, Math.min(count, s + chunk) * JOB)),
          } satisfies ChunkData,
          opts: { jobId: jobId(index), attempts: 3, removeOnComplete: false, removeOnFail: false },
        })),
      );
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
          throw new ScanError(
            `${label}: chunk ${ours.data.index} failed on a worker: ${redact(ours.failedReason)}`,
          );
        if (pending.size === 0) break;
        // every job not yet collected, and the context, must still be in Redis: a server that
        // restarted empty or was flushed has lost them, and no worker will ever finish them
        const present = await redis.exists(
          contextKey(prefix, run),
          ...[...pending].map((i) => queue.toKey(jobId(i))),
        );
        if (present < pending.size + 1)
          throw new ScanError(
            `${where}: this run's jobs are gone from Redis (${pending.size + 1 - present} of ${pending.size + 1} keys missing: was the server restarted or flushed?); run it again`,
          );
        if (this.#o.idleTimeoutMs !== undefined && Date.now() - lastProgress > this.#o.idleTimeoutMs)
          throw new ScanError(
            `${label}: no chunk finished for ${this.#o.idleTimeoutMs} ms (${pending.size} of ${stats.chunks} left); is a kalrev worker running against ${redact(url)}?`,
          );
        await new Promise((r) => setTimeout(r, this.#o.pollMs ?? 100));
      }
      return out;
    } catch (e) {
      if (e instanceof KalrevError) throw e;
      throw new ScanError(`${where}: lost Redis: ${describeRedisError(lastError ?? e)}`);
    } finally {
      // clean up what the server still has (nothing to wait for when it is gone), then close
      // every connection: an open one would keep the process alive
      const cleanup = async () => {
        await redis.del(contextKey(prefix, run));
        // chunks of an abandoned run that no worker took yet: nobody needs them
        for (const i of pending) await queue.remove(jobId(i)).catch(() => undefined);
      };
      if (redis.status === 'ready') await settle(cleanup(), 2000);
      await settle(queue.close(), 2000);
      redis.disconnect();
      queueConnection.disconnect();
    }
  }

  async close(): Promise<void> {}
}

/** What a queue worker reports. */
export type QueueWorkerEvent =
  | { type: 'chunk'; run: string; index: number; jobs: number; ms: number }
  | { type: 'failed'; run: string; index: number; error: string }
  | { type: 'connection'; state: 'lost' | 'restored'; error?: string };

/** Options of {@link runQueueWorker}: the Redis connection, the worker's name, its concurrency and locks. */
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
  /** Called on every event: chunks done, chunks failed, the connection lost and restored. */
  onEvent?: (event: QueueWorkerEvent) => void;
}

/** A running queue worker; `close()` finishes the current chunk and stops. */
export interface QueueWorkerHandle {
  close(): Promise<void>;
  /**
   * Resolves when the worker is connected and waiting for chunks; rejects (ScanError) when the
   * URL is not a Redis URL or the server cannot be used (unreachable, wrong password).
   */
  ready: Promise<void>;
  /** Chunks completed and failed so far, and their jobs. */
  readonly stats: { chunks: number; jobs: number; failed: number };
}

/** A chunk's problem: the worker fails it at once (no retry) with this message. */
const refuse = (message: string) => new UnrecoverableError(message);

/**
 * Serves chunks from the queue until closed: loads each run's context once (the last few are
 * cached), checks every chunk's jobs against it, evaluates them in slices with a yield between
 * them so the chunk's lock is renewed while it works, and returns the rows.
 */
export function runQueueWorker(options: QueueWorkerOptions): QueueWorkerHandle {
  const { url, label = 'queue' } = options;
  const prefix = options.prefix ?? 'kalrev';
  const emit = (e: QueueWorkerEvent) => {
    if (e.type === 'chunk') options.onChunk?.(e);
    options.onEvent?.(e);
  };
  const stats = { chunks: 0, jobs: 0, failed: 0 };
  // one report per outage, not one per reconnection attempt
  let lost = false;
  const onError = (e: Error) => {
    if (lost) return;
    lost = true;
    emit({ type: 'connection', state: 'lost', error: `${label} ${redact(url)}: ${describeRedisError(e)}` });
  };
  const onReady = () => {
    if (!lost) return;
    lost = false;
    emit({ type: 'connection', state: 'restored' });
  };
  const cache = new Map<string, { ctx: TaskContext; ev: PairEvaluator }>();
  const lockDuration = options.lockDurationMs ?? 30_000;
  let redis: Redis | null = null;
  let workerConnection: Redis | null = null;
  let worker: BullWorker<ChunkData, string> | null = null;
  let closing = false;

  const evaluator = async (run: string) => {
    let entry = cache.get(run);
    if (entry) return entry;
    const bytes = await redis!.getBuffer(contextKey(prefix, run));
    if (bytes === null) throw refuse(`the context of run ${run} is gone (the run was abandoned)`);
    let ctx: TaskContext;
    try {
      ctx = decodeContext(bytes);
    } catch (e) {
      throw refuse(`the context of run ${run} in Redis is not a kalrev run's: ${redactedMessage(e)}`);
    }
    entry = { ctx, ev: new PairEvaluator(ctx) };
    cache.set(run, entry);
    if (cache.size > 4) cache.delete(cache.keys().next().value!);
    return entry;
  };

  const active = new Set<Promise<string>>();
  const processChunk = (job: Job<ChunkData, string>): Promise<string> => {
    const p = evaluateChunk(job);
    active.add(p);
    void p.finally(() => active.delete(p)).catch(() => undefined);
    return p;
  };
  const evaluateChunk = async (job: Job<ChunkData, string>) => {
    const t0 = Date.now();
    const data = job.data as Partial<ChunkData> | undefined;
    if (typeof data?.run !== 'string' || !Number.isInteger(data.index) || typeof data.jobs !== 'string')
      throw refuse(`job ${job.id} is not a kalrev scan chunk (run, index, jobs)`);
    const { ctx, ev } = await evaluator(data.run);
    const bytes = Buffer.from(data.jobs, 'base64');
    if (bytes.length % (4 * JOB) !== 0)
      throw refuse(`chunk ${data.index}: ${bytes.length} bytes of jobs are not whole jobs`);
    const jobs = fromBase64(data.jobs, Int32Array, 4);
    const problem = jobsProblem(ctx, jobs);
    if (problem !== null) throw refuse(`chunk ${data.index} of run ${data.run}: ${problem}`);
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
    stats.chunks++;
    stats.jobs += count;
    emit({ type: 'chunk', run: data.run, index: data.index!, jobs: count, ms: Date.now() - t0 });
    return toBase64(rows);
  };

  const ready = (async () => {
    await probeRedis(url, label);
    if (closing) return;
    redis = connect(url, 'worker', onError);
    redis.on('ready', onReady);
    workerConnection = connect(url, 'worker', onError);
    workerConnection.on('ready', onReady);
    worker = new BullWorker<ChunkData, string>(QUEUE_NAME, processChunk, {
      connection: workerConnection,
      prefix,
      name: options.name,
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: options.stalledIntervalMs ?? Math.max(500, Math.floor(lockDuration / 2)),
      maxStalledCount: 5,
    });
    worker.on('error', onError);
    worker.on('failed', (job, e) => {
      stats.failed++;
      const data = job?.data as Partial<ChunkData> | undefined;
      emit({
        type: 'failed',
        run: String(data?.run ?? '?'),
        index: Number(data?.index ?? -1),
        error: redactedMessage(e),
      });
    });
    await worker.waitUntilReady();
  })();
  // the caller sees a failed start through `ready`; this handles it for close()
  ready.catch(() => undefined);

  return {
    ready,
    stats,
    async close() {
      closing = true;
      await settle(ready, CONNECT_TIMEOUT_MS);
      // waits for the chunk in progress (bounded by the lock: past it the chunk is another
      // worker's anyway)
      if (worker) {
        const closed = worker.close();
        // the chunks in progress end by themselves (bounded by the lock: past it a chunk is
        // another worker's anyway); then BullMQ gets a moment to store their results
        await settle(Promise.all(active), lockDuration);
        await settle(closed, 2000);
      }
      redis?.disconnect();
      workerConnection?.disconnect();
    },
  };
}

/** Whether a Redis server answers at `url` within `timeoutMs`. */
export async function redisReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    await probeRedis(url, 'queue', timeoutMs);
    return true;
  } catch {
    return false;
  }
}
