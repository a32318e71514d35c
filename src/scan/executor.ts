/**
 * Executors run a list of independent jobs (pair × parameters × window) and return one result
 * row per job, in input order (DESIGN.md, "Scale"). Every executor evaluates jobs with the same
 * {@link PairEvaluator}, so results do not depend on the executor.
 *
 * - {@link InlineExecutor}: in this thread (small runs, tests, and the reference).
 * - {@link LocalExecutor}: worker threads, one per core by default. The universe and the job
 *   list live on SharedArrayBuffers: each worker receives them once per run, without a copy,
 *   and is then sent only job ranges.
 * - `QueueExecutor` (queue.ts): BullMQ on Redis, for workers on many machines.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ScanError } from './errors.js';
import { JOB, PairEvaluator, ROW, type TaskContext } from './evaluate.js';
import type { Universe } from './universe.js';

/** Called as jobs complete: jobs done so far and the total. */
export type ProgressCallback = (done: number, total: number) => void;

/**
 * Where a scan's or a sweep's backtests run: {@link InlineExecutor} (this thread),
 * {@link LocalExecutor} (worker threads) or {@link QueueExecutor} (workers through Redis).
 */
export interface Executor {
  readonly name: string;
  /**
   * Runs every job (JOB ints each in `jobs`) against `ctx` and resolves to their result rows
   * (ROW numbers each) in input order.
   */
  run(ctx: TaskContext, jobs: Int32Array, onProgress?: ProgressCallback): Promise<Float64Array>;
  /** Releases threads or connections. */
  close(): Promise<void>;
}

/**
 * Why `jobs` cannot run against `ctx`, naming the first bad job, or null. Every executor checks
 * its job list once per run, and a queue worker each chunk it receives, so a job outside the
 * universe fails with this message instead of evaluating to NaN.
 */
export function jobsProblem(ctx: TaskContext, jobs: Int32Array): string | null {
  if (jobs.length % JOB !== 0) return `a job list of ${jobs.length} numbers is not whole jobs of ${JOB}`;
  const symbols = ctx.universe.symbols.length;
  const specs = ctx.specs.length;
  for (let k = 0, i = 0; i < jobs.length; k++, i += JOB) {
    const a = jobs[i];
    const b = jobs[i + 1];
    if (!(a >= 0 && a < symbols && b >= 0 && b < symbols)) {
      const s = a >= 0 && a < symbols ? b : a;
      return `job ${k}: symbol index ${s} is out of range (the universe has ${symbols} symbols)`;
    }
    if (a === b) return `job ${k}: both legs are symbol ${a} (${ctx.universe.symbols[a]})`;
    const spec = jobs[i + 2];
    if (!(spec >= 0 && spec < specs))
      return `job ${k}: strategy index ${spec} is out of range (the run has ${specs} strategies)`;
    const start = jobs[i + 3];
    const end = jobs[i + 4];
    if (start < 0 || end < -1 || (end >= 0 && end < start))
      return `job ${k}: window [${start}, ${end}) is not a window (start ≥ 0, end −1 or ≥ start)`;
  }
  return null;
}

/** @throws ScanError when {@link jobsProblem} finds a bad job. */
export function checkJobs(ctx: TaskContext, jobs: Int32Array): void {
  const problem = jobsProblem(ctx, jobs);
  if (problem !== null) throw new ScanError(`scan jobs: ${problem}`);
}

/** Runs jobs in the calling thread. */
export class InlineExecutor implements Executor {
  readonly name = 'inline';
  async run(ctx: TaskContext, jobs: Int32Array, onProgress?: ProgressCallback): Promise<Float64Array> {
    checkJobs(ctx, jobs);
    const count = jobs.length / JOB;
    const out = new Float64Array(count * ROW);
    const ev = new PairEvaluator(ctx);
    const step = 256;
    for (let k = 0; k < count; k += step) {
      const end = Math.min(count, k + step);
      ev.run(jobs, out.subarray(k * ROW, end * ROW), k, end);
      onProgress?.(end, count);
    }
    return out;
  }
  async close(): Promise<void> {}
}

/** Options of {@link LocalExecutor}. */
export interface LocalExecutorOptions {
  /** Worker threads (default: one per core, `os.availableParallelism()`). */
  threads?: number;
  /** Jobs per message (default: enough chunks for even load, between 16 and 1,024). */
  chunkSize?: number;
}

/** Messages between the executor and its threads. @internal */
export type ToWorker =
  | { type: 'context'; run: number; ctx: TaskContext; jobs: Int32Array }
  | { type: 'jobs'; run: number; start: number; end: number };
export type FromWorker =
  | { type: 'rows'; run: number; start: number; rows: Float64Array }
  | { type: 'error'; run: number; message: string };

function sharedCopy<T extends Float64Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  (out as Float64Array).set(a as Float64Array);
  return out;
}

function sharedUniverse(u: Universe): Universe {
  return {
    ...u,
    times: sharedCopy(u.times),
    close: sharedCopy(u.close),
    open: u.open === null ? null : sharedCopy(u.open),
  };
}

/**
 * A worker thread running the module `name` of this folder (`threadWorker`, `csvWorker`). From
 * TypeScript sources (tests), the thread first registers tsx's loader, then imports the .ts
 * module; should that fail, it posts `{ type: 'error', run: -1, message }`.
 * @internal
 */
export function moduleWorker(name: string): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here));
  const script = JSON.stringify(new URL(`./${name}.ts`, here).href);
  const code =
    `const { parentPort } = require('node:worker_threads');` +
    `import('tsx/esm/api').then((api) => { api.register(); return import(${script}); })` +
    `.catch((e) => parentPort.postMessage({ type: 'error', run: -1, message: String(e && e.stack) }));`;
  return new Worker(code, { eval: true });
}

const startWorker = (): Worker => moduleWorker('threadWorker');

/** Worker threads on this machine. */
export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly threads: number;
  readonly #chunkSize: number | undefined;
  #workers: Worker[] = [];
  #run = 0;

  constructor(options: LocalExecutorOptions = {}) {
    this.threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    this.#chunkSize = options.chunkSize;
  }

  #spawn(): Worker[] {
    if (this.#workers.length === 0) for (let i = 0; i < this.threads; i++) this.#workers.push(startWorker());
    return this.#workers;
  }

  /**
   * Starts the threads now rather than at the first run, so that they load their modules while
   * this thread does something else (reads the data). `close()` ends them.
   */
  start(): void {
    this.#spawn();
  }

  run(ctx: TaskContext, jobs: Int32Array, onProgress?: ProgressCallback): Promise<Float64Array> {
    try {
      checkJobs(ctx, jobs);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const count = jobs.length / JOB;
    const out = new Float64Array(count * ROW);
    if (count === 0) return Promise.resolve(out);
    const workers = this.#spawn();
    const run = ++this.#run;
    const chunk = this.#chunkSize ?? Math.max(16, Math.min(1024, Math.ceil(count / (workers.length * 16))));
    const shared: TaskContext = { ...ctx, universe: sharedUniverse(ctx.universe) };
    const sharedJobs = sharedCopy(jobs);
    return new Promise<Float64Array>((resolve, reject) => {
      let next = 0;
      let done = 0;
      let failed = false;
      const cleanup = () => {
        for (const w of workers) {
          w.removeAllListeners('message');
          w.removeAllListeners('error');
          w.removeAllListeners('exit');
        }
      };
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        cleanup();
        // a failed run leaves the threads in an unknown state: start fresh ones next time
        void this.close();
        reject(e);
      };
      const send = (w: Worker) => {
        if (next >= count) return;
        const start = next;
        next = Math.min(count, next + chunk);
        w.postMessage({ type: 'jobs', run, start, end: next } satisfies ToWorker);
      };
      for (const w of workers) {
        w.on('message', (msg: FromWorker) => {
          if ((msg.run !== run && msg.run !== -1) || failed) return;
          if (msg.type === 'error') return fail(new ScanError(`worker thread: ${msg.message}`));
          out.set(msg.rows, msg.start * ROW);
          done += msg.rows.length / ROW;
          onProgress?.(done, count);
          if (done === count) {
            cleanup();
            resolve(out);
          } else send(w);
        });
        w.on('error', (e) => fail(e));
        w.on('exit', (code) => fail(new ScanError(`a worker thread exited (code ${code}) during a run`)));
        w.postMessage({ type: 'context', run, ctx: shared, jobs: sharedJobs } satisfies ToWorker);
        // two chunks in flight per worker: it never waits for the next message
        send(w);
        send(w);
      }
    });
  }

  async close(): Promise<void> {
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
