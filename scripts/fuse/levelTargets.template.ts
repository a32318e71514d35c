/**
 * The one-asset Kalman strategy's rule and sizing pass in one loop (a template: scripts/fuse.ts
 * replaces each `// @fuse` line by a region of the library's own source): from the signal that
 * kalmanLevelSignal.ts wrote (value, centre, scale) to the z-score, the weight, the band rule
 * and the sizing, every value in a local. What the strategy's objects compute bar by bar,
 * operation for operation; test/backtest/fast.test.ts holds the two equal bit for bit.
 *
 * Why fused: through the objects, each bar calls the rule and the sizing through interfaces
 * and passes the weight and the target through typed arrays.
 */
import {
  P_CAPITAL_SIZING,
  P_ENTRY,
  P_EXIT,
  P_LOG,
  P_MAX_HOLD,
  P_STOP,
  P_UNIT_CAPITAL,
} from '../strategy/pairParams.js';

/** The per-bar series of the pass, each null when not recorded (both or neither). */
export interface LevelSignalSeries {
  z: Float64Array | null;
  units: Float64Array | null;
}

/**
 * Bars [0, n) of `yc` with the parameters `prm` (strategy/pairParams.ts, the rule's slots): the
 * target shares into `targets`, the z-score and units into `rec`, from the normaliser's `value`,
 * `centre` and `scale`.
 */
export function levelTargetsLoop(
  prm: Float64Array,
  yc: Float64Array,
  value: Float64Array,
  centre: Float64Array,
  scale: Float64Array,
  n: number,
  targets: Float64Array,
  rec: LevelSignalSeries,
): void {
  // @fuse rule-state
  const zSeries = rec.z;
  const unitSeries = rec.units;
  for (let t = 0; t < n; t++) {
    const cy = yc[t];
    const sd = scale[t];
    const z = sd > 0 ? (value[t] - centre[t]) / sd : nan;
    let w0 = 0;
    // @fuse weights
    let target = units;
    // @fuse band-rule
    units = target;
    let tg0 = 0;
    if (capitalSizing) {
      // @fuse capital-sizing
    } else {
      // @fuse unit-sizing
    }
    targets[t] = tg0;
    if (zSeries !== null) {
      zSeries[t] = z;
      unitSeries![t] = units;
    }
  }
}
