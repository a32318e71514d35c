/**
 * The Kalman-pairs strategy's signal pass in one loop (a template: scripts/fuse.ts replaces
 * each `// @fuse` line by a region of the library's own source): the filter step, the z-score
 * of its forecast error, the hedge weights, the band rule and the sizing, both legs unrolled
 * and every value in a local. What the strategy's objects compute bar by bar, operation for
 * operation; test/backtest/fast.test.ts holds the two equal bit for bit.
 *
 * Why fused: the objects keep their state in typed arrays and fields, which V8 reads and writes
 * through memory on every bar, and their calls do not all fit V8's inlining budget.
 */
import {
  P_CAPITAL_SIZING,
  P_ENTRY,
  P_EXIT,
  P_INIT_COV,
  P_LOG,
  P_MAX_HOLD,
  P_Q,
  P_STOP,
  P_UNIT_CAPITAL,
  P_VE,
} from '../strategy/pairParams.js';

/** The per-bar signal series of the pass, each null when not recorded (all or none). */
export interface PairSignalSeries {
  value: Float64Array | null;
  z: Float64Array | null;
  scale: Float64Array | null;
  units: Float64Array | null;
  hedgeRatio: Float64Array | null;
}

/**
 * Bars [0, n) of y = `yc`, x = `xc` with the parameters `prm` (strategy/pairParams.ts): the
 * target shares (2 a bar) into `targets`, the signal series into `rec`. The filter takes `yf`,
 * `xf` (the closes, or their logs).
 */
export function pairTargetsLoop(
  prm: Float64Array,
  yc: Float64Array,
  xc: Float64Array,
  yf: Float64Array,
  xf: Float64Array,
  n: number,
  targets: Float64Array,
  rec: PairSignalSeries,
): void {
  // @fuse strategy-state
  // @fuse rule-state
  let h1 = 0;
  const valueSeries = rec.value;
  const zSeries = rec.z;
  const scaleSeries = rec.scale;
  const unitSeries = rec.units;
  const hedgeSeries = rec.hedgeRatio;
  for (let t = 0; t < n; t++) {
    const x = xf[t];
    const y = yf[t];
    const started = t > 0;
    // @fuse pair-step
    // the z-score of the forecast error (KalmanNormaliser)
    const scale = Math.sqrt(Qt);
    const z = scale > 0 ? e / scale : nan;
    const hedge = beta;
    const cy = yc[t];
    const cx = xc[t];
    let w0 = 0;
    let w1 = 0;
    // @fuse weights
    let target = units;
    // @fuse band-rule
    units = target;
    let tg0 = 0;
    let tg1 = 0;
    if (capitalSizing) {
      // @fuse capital-sizing
    } else {
      // @fuse unit-sizing
    }
    targets[2 * t] = tg0;
    targets[2 * t + 1] = tg1;
    if (valueSeries !== null) {
      valueSeries[t] = e;
      zSeries![t] = z;
      scaleSeries![t] = scale;
      unitSeries![t] = units;
      hedgeSeries![t] = hedge;
    }
  }
}
