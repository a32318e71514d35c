export type { Bar, Strategy, SignalState } from './types.js';
export { StrategyError } from './types.js';
export { MeanReversionStrategy } from './meanReversion.js';
export {
  createStrategy,
  resolveStrategy,
  legsOf,
  warmupBars,
  MAX_WINDOW,
  STRATEGY_PRESETS,
  strategySchema,
  type StrategyInput,
  type StrategyPresetName,
  type StrategySpec,
  type SpreadSpec,
  type NormaliserSpec,
  type RuleSpec,
  type SizingSpec,
} from './spec.js';
