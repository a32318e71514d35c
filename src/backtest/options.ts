/**
 * The backtest's options are the execution layer's (src/execution/options.ts); re-exported here
 * for the modules that import them from the backtest.
 */
export {
  DEFAULT_COSTS,
  costsSchema,
  backtestOptionsSchema,
  resolveBacktestOptions,
  type BacktestOptions,
  type ResolvedBacktestOptions,
  type Costs,
} from '../execution/options.js';
