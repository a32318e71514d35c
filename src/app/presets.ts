/**
 * Run presets: a strategy preset, or a backtest preset that pins a publication's whole setup
 * (strategy, execution, costs, returns and the legs it was published on). Applied once, by the
 * run spec's resolver (./spec.ts).
 */
import type { BacktestOptions } from '../execution/options.js';
import { STRATEGY_PRESETS, type StrategyInput } from '../strategy/spec.js';

/** A preset that pins a complete setup: the strategy and the backtest conventions. */
export interface BacktestPreset {
  description: string;
  strategy: StrategyInput;
  options: BacktestOptions;
  /**
   * The legs it was published on (dependent first): a run given no symbols trades them when the
   * data has them, so the preset reproduces its publication on any file holding them.
   */
  legs?: string[];
}

/** The named complete setups (`--preset`), such as `'chan-2013-ex3.3'`: a strategy and backtest conventions. */
export const BACKTEST_PRESETS: Record<string, BacktestPreset> = {
  'chan-2013-ex3.3': {
    description:
      'Chan, Algorithmic Trading (2013), Example 3.3 exactly: kalman-pair in units (1 share of y, β of x), filled at the signal bar’s close, no costs, returns on the previous day’s gross exposure',
    strategy: { preset: 'chan-2013-ex3.3' },
    legs: ['EWC', 'EWA'],
    options: {
      execution: 'close',
      returns: 'gross',
      costs: { commissionBps: 0, commissionPerShare: 0, minCommission: 0, slippageBps: 0, borrowBps: 0 },
    },
  },
};

/** Every preset a run may name: the strategy presets and the backtest presets. */
export const PRESET_NAMES = [
  ...new Set([...Object.keys(STRATEGY_PRESETS), ...Object.keys(BACKTEST_PRESETS)]),
] as [string, ...string[]];

/** The legs of a backtest preset, if it has legs and `available` holds them all. */
export function presetLegs(preset: string | undefined, available: readonly string[]): string[] | undefined {
  const legs = preset !== undefined ? BACKTEST_PRESETS[preset]?.legs : undefined;
  return legs && legs.every((s) => available.includes(s)) ? [...legs] : undefined;
}
