/**
 * Job lists are checked against their run's context before anything is evaluated: a job that
 * names a symbol or strategy outside the run, or no window, fails with a message naming the job
 * and the index, in every executor and in a queue worker (which fails the chunk at once,
 * without a retry), instead of "completing" with NaN metrics.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { readPrices } from '../../src/data/readers.js';
import type { TaskContext } from '../../src/scan/evaluate.js';
import {
  InlineExecutor,
  LocalExecutor,
  checkJobs,
  jobsProblem,
  type Executor,
} from '../../src/scan/executor.js';
import {
  QUEUE_NAME,
  contextKey,
  encodeContext,
  redisReachable,
  runQueueWorker,
  toBase64,
  type QueueWorkerEvent,
} from '../../src/scan/queue.js';
import { scanPairs } from '../../src/scan/scan.js';
import { ScanError } from '../../src/scan/errors.js';

// the context and jobs of a real scan of three ETFs (3 pairs), captured from its executor
let captured: { ctx: TaskContext; jobs: Int32Array } | undefined;
const spy: Executor = {
  name: 'spy',
  run(ctx, jobs, onProgress) {
    captured = { ctx, jobs: jobs.slice() };
    return new InlineExecutor().run(ctx, jobs, onProgress);
  },
  close: async () => undefined,
};
const { frame } = await readPrices('data/ewa_ewc_ige.csv');
await scanPairs(frame, { executor: spy, minBars: 100 });
const { ctx, jobs } = captured!;
const reference = await new InlineExecutor().run(ctx, jobs);

/** The scan's jobs with job 0's field `field` set to `value`. */
function tampered(field: number, value: number): Int32Array {
  const bad = jobs.slice();
  bad[field] = value;
  return bad;
}

describe('jobsProblem', () => {
  it('accepts the jobs of a scan', () => {
    expect(ctx.universe.symbols).toEqual(['EWA', 'EWC', 'IGE']);
    expect(jobs.length).toBe(3 * 5);
    expect(jobsProblem(ctx, jobs)).toBeNull();
  });

  it.each([
    [0, 3, 'job 0: symbol index 3 is out of range (the universe has 3 symbols)'],
    [1, -1, 'job 0: symbol index -1 is out of range (the universe has 3 symbols)'],
    [1, 0, 'job 0: both legs are symbol 0 (EWA)'],
    [2, 1, 'job 0: strategy index 1 is out of range (the run has 1 strategies)'],
    [3, -2, 'job 0: window [-2, -1) is not a window (start ≥ 0, end −1 or ≥ start)'],
    [4, -5, 'job 0: window [0, -5) is not a window (start ≥ 0, end −1 or ≥ start)'],
  ])('field %i = %i: %s', (field, value, message) => {
    expect(jobsProblem(ctx, tampered(field, value))).toBe(message);
    expect(() => checkJobs(ctx, tampered(field, value))).toThrow(new ScanError(`scan jobs: ${message}`));
  });

  it('names the first bad job, and a list that is not whole jobs', () => {
    const bad = jobs.slice();
    bad[2 * 5 + 1] = 99;
    expect(jobsProblem(ctx, bad)).toBe('job 2: symbol index 99 is out of range (the universe has 3 symbols)');
    expect(jobsProblem(ctx, jobs.subarray(0, 7))).toBe('a job list of 7 numbers is not whole jobs of 5');
  });

  it('every executor refuses a bad job list before evaluating it', async () => {
    const bad = tampered(0, 3);
    const message = 'scan jobs: job 0: symbol index 3 is out of range (the universe has 3 symbols)';
    await expect(new InlineExecutor().run(ctx, bad)).rejects.toThrow(message);
    const local = new LocalExecutor({ threads: 1 });
    await expect(local.run(ctx, bad)).rejects.toThrow(message);
    await local.close();
  });
});

const url = 'redis://127.0.0.1:6379';
const up = await redisReachable(url);
const prefix = `kalrev-jobs-${process.pid}-${Date.now()}`;
afterAll(async () => {
  if (!up) return;
  const q = new Queue(QUEUE_NAME, { connection: { url }, prefix });
  await q.obliterate({ force: true });
  await q.close();
});

describe.skipIf(!up)('a queue worker checks each chunk (local redis-server on 6379)', () => {
  it('fails a chunk with an out-of-range symbol at once, and computes a good one', async () => {
    const events: QueueWorkerEvent[] = [];
    const next = new Map<string, () => void>();
    const worker = runQueueWorker({
      url,
      prefix,
      onEvent: (e) => {
        events.push(e);
        next.get(e.type)?.();
      },
    });
    const seen = (type: string) => new Promise<void>((resolve) => next.set(type, resolve));
    await worker.ready;
    const run = randomUUID();
    const redis = new Redis(url);
    const queue = new Queue(QUEUE_NAME, { connection: { url }, prefix });
    try {
      await redis.set(contextKey(prefix, run), encodeContext(ctx));
      const failed = seen('failed');
      await queue.add(
        'chunk',
        { run, index: 0, jobs: toBase64(tampered(0, 3)) },
        { jobId: `${run}-0`, attempts: 3 },
      );
      await failed;
      expect(events.at(-1)).toEqual({
        type: 'failed',
        run,
        index: 0,
        error: `chunk 0 of run ${run}: job 0: symbol index 3 is out of range (the universe has 3 symbols)`,
      });
      const bad = (await queue.getJob(`${run}-0`))!;
      expect(await bad.getState()).toBe('failed');
      expect(bad.attemptsMade).toBe(1);
      expect(bad.returnvalue ?? null).toBeNull();

      const done = seen('chunk');
      await queue.add('chunk', { run, index: 1, jobs: toBase64(jobs) }, { jobId: `${run}-1` });
      await done;
      // the 'chunk' event comes as the rows are returned; BullMQ stores them just after
      while ((await queue.getJobState(`${run}-1`)) !== 'completed')
        await new Promise((r) => setTimeout(r, 20));
      const stored = (await queue.getJob(`${run}-1`))!;
      const bytes = Buffer.from(stored.returnvalue as string, 'base64');
      const rows = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      expect(rows).toEqual(reference);
      expect(worker.stats).toEqual({ chunks: 1, jobs: 3, failed: 1 });
    } finally {
      await queue.close();
      redis.disconnect();
      await worker.close();
    }
  }, 120_000);
});
