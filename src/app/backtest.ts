/**
 * The library's `backtest()`: a strategy or a run preset over a frame. A backtest preset
 * (`chan-2013-ex3.3`) brings its execution, costs, returns and legs, applied here once; the run
 * then goes to the backtest engine.
 */
import { backtest as runEngine, type BacktestResult } from '../backtest/engine.js';
import type { PriceFrame } from '../data/frame.js';
import { resolveBacktestOptions, type BacktestOptions } from '../execution/options.js';
import { resolveStrategy, type StrategyInput } from '../strategy/spec.js';
import type { Strategy } from '../strategy/types.js';
import { BACKTEST_PRESETS, presetLegs } from './presets.js';

/**
 * Runs a strategy over aligned bars and accounts for every fill, cost and return.
 *
 * @param frame aligned prices; the legs are `options.symbols` (default: the frame's symbols, or
 *   a backtest preset's own legs when the frame has them).
 * @param strategy a preset name (`'kalman-pair'`, `'kalman-single'`, or the backtest preset
 *   `'chan-2013-ex3.3'`, which also sets its execution, costs and returns), a strategy input
 *   (`{ preset, rule: { entryZ: 2 } }`), or a fresh {@link Strategy} object.
 * @param options execution timing, costs, returns basis, capital; defaults in docs/strategies.md.
 * @throws StrategyError for an invalid option or parameter, BacktestError for unusable data.
 * @example
 * const r = backtest(frame, 'chan-2013-ex3.3'); // Chan's Example 3.3: APR 0.262252, Sharpe 2.361162
 */
export function backtest(
  frame: PriceFrame,
  strategy: Strategy | StrategyInput | string,
  options: BacktestOptions = {},
): BacktestResult {
  const preset = typeof strategy === 'string' ? BACKTEST_PRESETS[strategy] : undefined;
  if (preset === undefined) return runEngine(frame, strategy, options);
  const symbols = options.symbols ?? presetLegs(strategy as string, frame.symbols);
  return runEngine(
    frame,
    resolveStrategy(preset.strategy),
    resolveBacktestOptions({ ...options, ...(symbols ? { symbols } : {}) }, preset.options),
  );
}
