/**
 * The hedge ratio's uncertainty for the report. The backtest result carries β_t but not its
 * variance, so for the `kalman-hedge` spread the pairs filter (same δ, Vₑ, initial covariance
 * and transform) is run once more to read P_t[0][0], the filtered variance of β_t.
 */
import { createPairState, PAIR_BETA, PAIR_VAR_BETA, pairSkip, pairStep } from '../kalman/pair.js';
import type { StrategySpec } from '../strategy/index.js';

/** β_t and its filtered standard deviation, or null for spreads without a Kalman hedge ratio. */
export function hedgeRatioBand(
  spec: StrategySpec | undefined,
  y: Float64Array,
  x: Float64Array,
): { beta: Float64Array; std: Float64Array } | null {
  if (!spec || spec.spread.type !== 'kalman-hedge') return null;
  const sp = spec.spread;
  const tr = sp.transform === 'log' ? Math.log : (v: number) => v;
  const n = y.length;
  const s = createPairState(sp.delta, sp.observationVariance, sp.initialCovariance);
  const beta = new Float64Array(n);
  const std = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const xt = tr(x[t]);
    const yt = tr(y[t]);
    if (Number.isNaN(xt) || Number.isNaN(yt)) pairSkip(s);
    else pairStep(s, xt, yt);
    beta[t] = s[PAIR_BETA];
    std[t] = Math.sqrt(Math.max(s[PAIR_VAR_BETA], 0));
  }
  return { beta, std };
}
