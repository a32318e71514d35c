/**
 * The Kalman strategies' parameters as one block of doubles, for the loops generated from
 * their parts (scripts/fuse): the backtest's signal passes (backtest/pairTargets.generated.ts,
 * backtest/levelTargets.generated.ts) and the scan's kernel (scan/pairLoop.generated.ts). A Float64Array's slots are unboxed doubles
 * whose shape no object change can alter under the compiled loop.
 * @internal
 */
import { pairTransitionVariance } from '../kalman/pair.js';
import type { StrategySpec } from './spec.js';

export const P_Q = 0; // δ/(1−δ)
export const P_VE = 1;
export const P_INIT_COV = 2;
export const P_LOG = 3; // 1: log prices
export const P_ENTRY = 4;
export const P_EXIT = 5;
export const P_STOP = 6;
export const P_MAX_HOLD = 7;
export const P_CAPITAL_SIZING = 8; // 1: capital sizing, 0: units
export const P_UNIT_CAPITAL = 9;
/** Doubles the strategy's parameters take; a loop's own parameters follow them. */
export const PAIR_STRATEGY_PARAMS = 10;

/** Writes the parameters of a Kalman-pairs `spec` to `prm[0 … PAIR_STRATEGY_PARAMS)`. */
export function setPairStrategyParams(spec: StrategySpec, prm: Float64Array): void {
  const sp = spec.spread;
  if (sp.type !== 'kalman-hedge' || spec.normaliser.type !== 'kalman')
    throw new Error('setPairStrategyParams: not a Kalman-pairs spec');
  prm[P_Q] = pairTransitionVariance(sp.delta);
  prm[P_VE] = sp.observationVariance;
  prm[P_INIT_COV] = sp.initialCovariance;
  setRuleParams(spec, prm);
}

/**
 * Writes the parameters of a band-rule `spec`'s rule and sizing, and whether its spread works on
 * log prices, to their slots of `prm` (the `rule-state` region of scripts/fuse reads them).
 */
export function setRuleParams(spec: StrategySpec, prm: Float64Array): void {
  const sp = spec.spread;
  const rs = spec.rule;
  if (rs.type !== 'bands') throw new Error('setRuleParams: not a band rule');
  prm[P_LOG] = 'transform' in sp && sp.transform === 'log' ? 1 : 0;
  prm[P_ENTRY] = rs.entryZ;
  prm[P_EXIT] = rs.exitZ;
  prm[P_STOP] = rs.stopZ ?? Infinity; // BandRule's defaults
  prm[P_MAX_HOLD] = rs.maxHoldBars ?? Infinity;
  prm[P_CAPITAL_SIZING] = spec.sizing.type === 'capital' ? 1 : 0;
  prm[P_UNIT_CAPITAL] = spec.sizing.type === 'capital' ? spec.sizing.capital : 0;
}
