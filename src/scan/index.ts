/** Pair scanning, parameter sweeps and walk-forward, on executors (threads or a job queue). */
export { ScanError } from './errors.js';
export { universeFromFrame, encodeUniverse, decodeUniverse, type Universe } from './universe.js';
export {
  PairEvaluator,
  METRIC_KEYS,
  STATUS,
  type Screens,
  type TaskContext,
  type PairStatus,
} from './evaluate.js';
export {
  InlineExecutor,
  LocalExecutor,
  checkJobs,
  jobsProblem,
  type Executor,
  type LocalExecutorOptions,
  type ProgressCallback,
} from './executor.js';
export { scanPairs, allPairJobs, type ScanOptions, type ScanResult, type PairResult } from './scan.js';
export {
  sweep,
  parseGrid,
  gridPoints,
  specAt,
  walkForwardWindows,
  learnNoise,
  argBest,
  type GridAxis,
  type SweepOptions,
  type SweepResult,
  type WalkForwardOptions,
  type Window,
  type WindowResult,
} from './sweep.js';
export {
  QueueExecutor,
  runQueueWorker,
  redisReachable,
  probeRedis,
  checkQueueUrl,
  QUEUE_NAME,
  type QueueExecutorOptions,
  type QueueWorkerOptions,
  type QueueWorkerHandle,
  type QueueWorkerEvent,
  type QueueRunStats,
} from './queue.js';
export {
  writeScanOutputs,
  writeSweepOutputs,
  scanCsv,
  scanParquet,
  SCAN_TOP,
  type ScanOutputOptions,
  type ScanTableFormat,
} from './output.js';
export { progressBar } from './progress.js';
export {
  sweepSelectionBias,
  scanTrials,
  sharpeSignificance,
  trialsOf,
  type SelectionTrials,
  type SharpeSignificance,
  type SweepSelectionBias,
} from './selectionBias.js';
