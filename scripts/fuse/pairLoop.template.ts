/**
 * The scan's pair backtest in one pass (a template: scripts/fuse.ts replaces each `// @fuse`
 * line by a region of the library's own source). The Kalman pairs strategy (the filter step,
 * the z-score, the hedge weights, the band rule, the sizing) and the accounting kernel's bar,
 * both legs unrolled and every value in a local, at the `'metrics'` recording level: what
 * `backtest()` computes, operation for operation, with nothing allocated.
 *
 * Why fused: the strategy's batch pass and the kernel each keep their state in typed arrays
 * and objects, which V8 reads and writes through memory on every bar; here every value is a
 * local, the pair's legs are two names instead of an index, and the recording level's branches
 * are gone. The filter runs one bar ahead of the rest: the rule's and the fill's branches on z
 * are coin flips that the CPU often mispredicts, and a misprediction then does not discard the
 * filter's next step, which comes before it in program order.
 */
import { commissionOf, fillPrice, type CostRates } from '../execution/costs.js';
import { closeTrade, openTrade } from '../execution/metrics.js';
import {
  PAIR_STRATEGY_PARAMS,
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

/** Slots of the parameter block {@link pairLoop} reads after the strategy's (one double each). */
export const P_MODE = PAIR_STRATEGY_PARAMS; // 0 close, 1 next-open, 2 next-close
export const P_GROSS = PAIR_STRATEGY_PARAMS + 1; // 1: returns on gross exposure
export const P_CAPITAL = PAIR_STRATEGY_PARAMS + 2;
/** Doubles in the parameter block. */
export const PARAMS = PAIR_STRATEGY_PARAMS + 3;

/**
 * The backtest of bars [0, n) of y = `yc`, x = `xc` with the parameters `prm` and cost rates
 * `rates` (strategy/pairParams.ts, then the slots above): the trades into `acc` as they close, each bar's terms of the metric sums into `acc`,
 * the per-bar returns into `returns` (for their variance). The filter
 * takes `yf`, `xf` (the closes, or their logs); `yo`, `xo` are the fill prices of a pending
 * target (the opens for next-open, the closes otherwise); `days` each bar's trading day (the
 * nights between two are what short borrow is charged for). Returns the ruin bar (−1: none).
 */
export function pairLoop(
  prm: Float64Array,
  rates: CostRates,
  acc: Float64Array,
  yc: Float64Array,
  xc: Float64Array,
  yf: Float64Array,
  xf: Float64Array,
  yo: Float64Array,
  xo: Float64Array,
  days: Float64Array,
  n: number,
  returns: Float64Array,
): number {
  // @fuse strategy-state
  // @fuse rule-state
  let h1 = 0;
  const atClose = prm[P_MODE] === 0;
  const grossBasis = prm[P_GROSS] !== 0;
  const slip = rates.slip;
  const borrowRate = rates.borrowPerNight;
  // the account
  let pos0 = 0;
  let pos1 = 0;
  let prevY = 0;
  let prevX = 0;
  let lastDay = 0;
  let pend0 = 0;
  let pend1 = 0;
  let goal0 = 0;
  let goal1 = 0;
  let cash = prm[P_CAPITAL];
  let tradeCash = 0;
  let fillGross = 0;
  let notional = 0;
  let pnl = 0;
  let hasPending = false;
  let prevEquity = prm[P_CAPITAL];
  let prevGross = 0;
  let eq = 0;
  let gross = 0;
  let value = 0;
  let r = 0;
  let ruinBar = -1;
  let short = false;
  let inTrade = false;
  // iteration s takes bar s's filter step, then everything else for bar s − 1
  let zNext = 0;
  let betaNext = 0;
  // the sums the metrics are finished from
  // @fuse accumulator-load
  let s = 0;
  for (; s <= n; s++) {
    const z = zNext;
    const hedge = betaNext;
    if (s < n) {
      const x = xf[s];
      const y = yf[s];
      const started = s > 0;
      // @fuse pair-step
      // the z-score of the forecast error (KalmanNormaliser)
      const scale = Math.sqrt(Qt);
      zNext = scale > 0 ? e / scale : nan;
      betaNext = beta;
    }
    if (s === 0) continue;
    const t = s - 1;
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
    // @fuse bar-open
    let kind = 0;
    // @fuse bar-order
    // @fuse fill
    // @fuse mark
    // a ruin leaves the loop: its code and state stay out of the live account's bars
    if (ruinNow) break;
    // @fuse bar-return
    // @fuse bar-record
    // @fuse accumulate
  }
  if (s <= n) {
    // ruined on bar s − 1: everything closed at its close, then flat to the end
    let t = s - 1;
    let cy = yc[t];
    let cx = xc[t];
    let kind = 0;
    // @fuse ruin
    // @fuse fill-ruined
    // @fuse ruined-mark
    // @fuse bar-record
    // @fuse accumulate
    for (s++; s <= n; s++) {
      t = s - 1;
      cy = yc[t];
      cx = xc[t];
      // @fuse bar-open-ruined
      kind = 0;
      // @fuse bar-order-ruined
      // @fuse fill-ruined
      // @fuse mark-ruined
      // @fuse bar-return
      // @fuse bar-record
      // @fuse accumulate
    }
  }
  // @fuse accumulator-store
  return ruinBar;
}
