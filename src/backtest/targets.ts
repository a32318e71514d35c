/**
 * Batch signal passes: a strategy built from a spec turns prices into every bar's target
 * shares at once, row-major (n × legs), for the accounting kernel to consume. A strategy
 * never reads the account (sizing does not depend on equity), so computing its targets ahead
 * is no look-ahead: bar t's target depends on prices up to bar t only. Each pass runs the
 * strategy's own parts (the Kalman pair step, `BandRule`, the sizings) in the order
 * `MeanReversionStrategy.step` runs them, so the targets equal the streaming strategy's to the
 * last bit (test/backtest/fast.test.ts).
 * @internal
 */
import { buildStrategy, type StrategySpec } from '../strategy/spec.js';
import { tf } from '../strategy/spread.js';
import { P_LOG, PAIR_STRATEGY_PARAMS, setPairStrategyParams, setRuleParams } from '../strategy/pairParams.js';
import { pairTargetsLoop } from './pairTargets.generated.js';
import { levelTargetsLoop } from './levelTargets.generated.js';
import type { Bar } from '../strategy/types.js';
import type { SeriesRecord } from '../execution/simulator.js';
import { recordSignal } from '../execution/result.js';
import { kalmanLevelSignal } from './kalmanLevelSignal.js';

/** The per-bar signal series a pass writes (each may be null to skip it). */
export type SignalRecord = Pick<
  SeriesRecord,
  'value' | 'z' | 'centre' | 'scale' | 'units' | 'hedgeRatio' | 'fairValue'
>;

/** Whether the spec is the Kalman-pairs family (spread `kalman-hedge`, normaliser `kalman`, rule `bands`). */
export function isKalmanPair(spec: StrategySpec): boolean {
  return (
    spec.spread.type === 'kalman-hedge' && spec.normaliser.type === 'kalman' && spec.rule.type === 'bands'
  );
}

/** Whether the spec is the one-asset Kalman family (`kalman-fair-value`, `rolling`, `bands`). */
export function isKalmanLevel(spec: StrategySpec): boolean {
  return (
    spec.spread.type === 'kalman-fair-value' &&
    spec.normaliser.type === 'rolling' &&
    typeof spec.normaliser.lookback === 'number' &&
    spec.normaliser.start === undefined &&
    spec.rule.type === 'bands'
  );
}

/** An empty signal record (a scan records no signals). */
export const NO_SIGNALS: SignalRecord = {
  value: null,
  z: null,
  centre: null,
  scale: null,
  units: null,
  hedgeRatio: null,
  fairValue: null,
};

/**
 * The Kalman-pairs family over bars [0, n) of y = `yc`, x = `xc`: targets (2 a bar) into
 * `target`, the signal series into `rec`. KalmanHedgeSpread + KalmanNormaliser + the rule and
 * sizing, step for step.
 */
export function kalmanPairTargets(
  spec: StrategySpec,
  yc: Float64Array,
  xc: Float64Array,
  n: number,
  target: Float64Array,
  signals: SignalRecord,
): void {
  if (!isKalmanPair(spec)) throw new Error('kalmanPairTargets: spec does not fit');
  const prm = new Float64Array(PAIR_STRATEGY_PARAMS);
  setPairStrategyParams(spec, prm);
  // the filter's inputs: the prices, or their logs (a call to Math.log in the loop would make
  // V8 keep more of the loop's values on the stack)
  let yf = yc;
  let xf = xc;
  if (prm[P_LOG] !== 0) {
    yf = new Float64Array(n);
    xf = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      yf[t] = tf(yc[t], 'log');
      xf[t] = tf(xc[t], 'log');
    }
  }
  // the loop generated from the strategy's parts (scripts/fuse)
  pairTargetsLoop(prm, yc, xc, yf, xf, n, target, signals);
  // the series that are constant for the family: no fair value, a centre of 0
  if (signals.value !== null) {
    signals.centre!.fill(0, 0, n);
    signals.fairValue!.fill(NaN, 0, n);
  }
}

/**
 * The one-asset Kalman family over bars [0, n) of `close`: targets into `target`, the signal
 * series into `rec`. The filter and the rolling window run first (kalmanLevelSignal.ts), then
 * the rule and the sizing in one generated loop.
 */
export function kalmanLevelTargets(
  spec: StrategySpec,
  close: Float64Array,
  n: number,
  target: Float64Array,
  rec: SignalRecord,
): void {
  const sp = spec.spread;
  if (sp.type !== 'kalman-fair-value' || !isKalmanLevel(spec))
    throw new Error('kalmanLevelTargets: spec does not fit');
  const scratch = () => new Float64Array(n);
  const value = rec.value ?? scratch();
  const centre = rec.centre ?? scratch();
  const scale = rec.scale ?? scratch();
  kalmanLevelSignal(spec, close, n, value, rec.fairValue ?? scratch(), centre, scale);
  const prm = new Float64Array(PAIR_STRATEGY_PARAMS);
  setRuleParams(spec, prm);
  // the loop generated from the rule and the sizing (scripts/fuse)
  levelTargetsLoop(prm, close, value, centre, scale, n, target, rec);
  if (rec.hedgeRatio !== null) rec.hedgeRatio.fill(NaN, 0, n);
}

/**
 * Any strategy built from a spec, through its own `step` bar by bar: targets (L a bar) into
 * `target`, its published state into `rec`.
 */
export function strategyTargets(
  spec: StrategySpec,
  close: readonly Float64Array[],
  times: Float64Array,
  n: number,
  target: Float64Array,
  rec: SignalRecord,
): void {
  const strategy = buildStrategy(spec);
  const L = close.length;
  const bar: Bar = { index: 0, time: 0, close: new Float64Array(L) };
  const s = strategy.signal;
  for (let t = 0; t < n; t++) {
    bar.index = t;
    bar.time = times[t];
    for (let i = 0; i < L; i++) bar.close[i] = close[i][t];
    const out = strategy.step(bar);
    for (let i = 0; i < L; i++) target[t * L + i] = out[i];
    recordSignal(s, t, rec);
  }
}

/**
 * The targets of a strategy built from `spec` over bars [0, n) (row-major, L a bar), by the
 * family's batch pass.
 */
export function specTargets(
  spec: StrategySpec,
  close: readonly Float64Array[],
  times: Float64Array,
  n: number,
  target: Float64Array,
  rec: SignalRecord,
): void {
  if (isKalmanPair(spec)) kalmanPairTargets(spec, close[0], close[1], n, target, rec);
  else if (isKalmanLevel(spec)) kalmanLevelTargets(spec, close[0], n, target, rec);
  else strategyTargets(spec, close, times, n, target, rec);
}
