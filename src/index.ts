/**
 * kalrev: Kalman-filter mean-reversion trading toolkit. This file is the whole public API.
 * @packageDocumentation
 */
export { KalrevError } from './errors.js';
export * from './stats/index.js';
export * from './kalman/index.js';
export * from './strategy/index.js';
export * from './backtest/index.js';
export * from './data/index.js';
export * from './live/index.js';
export * from './scan/index.js';
export { backtest } from './app/backtest.js';
export { BACKTEST_PRESETS, PRESET_NAMES, presetLegs, type BacktestPreset } from './app/presets.js';
export { resolvePaperConfig, type PaperConfigInput } from './app/paper.js';
export {
  ConfigError,
  parseRunSpec,
  resolveRunSpec,
  runSpecSchema,
  type RunSpec,
  type RunSpecInput,
} from './app/spec.js';
