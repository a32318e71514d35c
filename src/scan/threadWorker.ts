/**
 * Entry point of a {@link LocalExecutor} worker thread: receives a run's context once (the
 * universe and job list on shared memory), then job ranges, and answers with result rows
 * (copied: see the message below).
 */
import { parentPort } from 'node:worker_threads';
import { PairEvaluator, ROW } from './evaluate.js';
import type { FromWorker, ToWorker } from './executor.js';

const port = parentPort!;
let run = -1;
let evaluator: PairEvaluator | null = null;
let jobs: Int32Array | null = null;

port.on('message', (msg: ToWorker) => {
  try {
    if (msg.type === 'context') {
      run = msg.run;
      evaluator = new PairEvaluator(msg.ctx);
      jobs = msg.jobs;
      return;
    }
    if (msg.run !== run || evaluator === null || jobs === null) return;
    const rows = new Float64Array((msg.end - msg.start) * ROW);
    evaluator.run(jobs, rows, msg.start, msg.end);
    // copied, not transferred: detaching a buffer in this thread would invalidate V8's
    // no-detached-buffers assumption and make every typed-array access in the kernel check for it
    port.postMessage({ type: 'rows', run, start: msg.start, rows } satisfies FromWorker);
  } catch (e) {
    port.postMessage({
      type: 'error',
      run: msg.run,
      message: e instanceof Error ? e.message : String(e),
    } satisfies FromWorker);
  }
});
