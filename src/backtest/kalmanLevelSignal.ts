/**
 * The one-asset Kalman strategy's signal in batch: what KalmanFairValueSpread and
 * RollingNormaliser publish bar by bar, for every bar at once. Each bar's values depend on
 * the prices up to that bar only (the filter runs forward; the rolling window looks back), so
 * computing them ahead is no look-ahead; the fused loop (kalmanLoop.ts) then reads them.
 * Same operations in the same order as the streaming objects: test/backtest/fast.test.ts holds
 * the results equal bit for bit. (The pairs filter stays inside the loop: measured, a separate
 * pass for it is slower, the loop hides the filter's latency behind the accounting.)
 * @internal
 */
import { learnLocalLevel } from '../kalman/localLevel.js';
import { RollingWindow } from '../stats/rolling.js';
import type { StrategySpec } from '../strategy/spec.js';

/**
 * Writes, for bars [0, n) of `close`: the model's value (the fair value, or price − fair value
 * for the `residual` signal), the fair value in price units, and the normaliser's centre and
 * scale (the rolling mean and std of the reference series). NaN where the streaming objects
 * have published nothing yet (EM warm-up, window still filling).
 */
export function kalmanLevelSignal(
  spec: StrategySpec,
  close: Float64Array,
  n: number,
  value: Float64Array,
  fairValue: Float64Array,
  centre: Float64Array,
  scale: Float64Array,
): void {
  const sp = spec.spread;
  const nm = spec.normaliser;
  if (sp.type !== 'kalman-fair-value' || nm.type !== 'rolling')
    throw new Error('kalmanLevelSignal: spec does not fit');
  const log = sp.transform === 'log';
  const residual = sp.signal === 'residual';
  // the reference series the normaliser scores against: the (transformed) price, or the value
  const reference = !log && !residual ? close : new Float64Array(n);
  let q = sp.transitionCovariance;
  let r = sp.observationCovariance;
  let P = sp.initialCovariance;
  let level = NaN;
  const warmup = sp.learn === false ? 0 : sp.learn.warmup;
  // the first bar with a value: the last warm-up bar (learned on), or bar 0
  const first = Math.min(Math.max(warmup - 1, 0), n);
  for (let t = 0; t < first; t++) {
    value[t] = NaN;
    fairValue[t] = NaN;
  }
  if (sp.learn !== false && n >= warmup) {
    const warm = new Float64Array(warmup);
    for (let t = 0; t < warmup; t++) warm[t] = log ? Math.log(close[t]) : close[t];
    const fit = learnLocalLevel(warm, q, r, P, sp.learn.nIter);
    q = fit.transitionCovariance;
    r = fit.observationCovariance;
    level = fit.level;
    P = fit.levelVariance;
  }
  // Once P maps to itself exactly, P⁻, S and the gain K are the same doubles on every later
  // bar: reusing K then gives the streaming filter's results bit for bit, without the division
  // that otherwise sits on the loop's dependency chain.
  let steady = false;
  let gain = 0;
  for (let t = first; t < n; t++) {
    const p = log ? Math.log(close[t]) : close[t];
    if (steady) level = level + gain * (p - level);
    else if (t > first || warmup === 0) {
      // S = P⁻ + R, K = P⁻ / S, x = x⁻ + K (p − x⁻), P = P⁻ R / S; the first bar centres the prior
      let xp: number;
      let Pp: number;
      const centred = level !== level;
      if (centred) {
        xp = p;
        Pp = P;
      } else {
        xp = level;
        Pp = P + q;
      }
      const S = Pp + r;
      gain = Pp / S;
      level = xp + gain * (p - xp);
      const next = (Pp * r) / S;
      steady = !centred && next === P;
      P = next;
    }
    fairValue[t] = log ? Math.exp(level) : level;
    const v = residual ? p - level : level;
    value[t] = v;
    if (reference !== close) reference[t] = residual ? v : p;
  }
  // the normaliser's window sees the reference from the first bar with a value on
  for (let t = 0; t < first; t++) {
    centre[t] = NaN;
    scale[t] = NaN;
  }
  if (first < n) {
    new RollingWindow(nm.lookback as number, { std: nm.std }).pushAllMeanStd(
      reference.subarray(first, n),
      centre.subarray(first, n),
      scale.subarray(first, n),
    );
  }
}
