export { backtest, BacktestError } from './engine.js';
export type { BacktestResult, Trade, Fills, SignalSeries } from './engine.js';
export { Simulator, type SimulatorSnapshot } from '../execution/simulator.js';
export { Ledger } from '../execution/ledger.js';
export { computeMetrics } from '../execution/metrics.js';
export type { Metrics, MetricsInput } from '../execution/metrics.js';
export {
  DEFAULT_COSTS,
  backtestOptionsSchema,
  resolveBacktestOptions,
  type BacktestOptions,
  type Costs,
  type ResolvedBacktestOptions,
} from '../execution/options.js';
