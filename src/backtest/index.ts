export { backtest, BacktestError } from './engine.js';
export type { BacktestResult, Trade, Fills, SignalSeries } from './engine.js';
export { Simulator, type SimulatorSnapshot } from './simulator.js';
export { Ledger } from './ledger.js';
export { computeMetrics } from './metrics.js';
export type { Metrics, MetricsInput } from './metrics.js';
export {
  BACKTEST_PRESETS,
  presetLegs,
  DEFAULT_COSTS,
  backtestOptionsSchema,
  resolveBacktestOptions,
  type BacktestOptions,
  type BacktestPreset,
  type Costs,
  type ResolvedBacktestOptions,
} from './options.js';
