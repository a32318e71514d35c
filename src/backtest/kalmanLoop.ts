/**
 * The fused loop for the Kalman strategy families: pairs (spread `kalman-hedge`, normaliser
 * `kalman`, rule `bands`: the `kalman-pair` and Chan presets) and one asset (spread
 * `kalman-fair-value`, normaliser `rolling`, rule `bands`: the `kalman-single` preset). The
 * strategy's steps and the simulator's steps are written as one loop over the bars, with the
 * state in locals and no per-bar object plumbing. It is the one place that repeats the
 * Simulator's accounting instead of calling its beginBar/endBar (as fusedLoop.ts does): with
 * the state in locals the loop runs ~15 % faster for pairs and ~40 % for one asset (measured),
 * and it is the scan's hottest loop. The pairs filter runs inline; the one-asset signal (the
 * local-level filter and the rolling mean and std of its reference series) is a pure function
 * of the prices up to each bar, so it is computed first in batch passes (kalmanLevelSignal.ts)
 * and the loop reads it. Every step calls the very functions the modular path calls
 * (`kalmanHedgeStep`'s arithmetic, `BandRule`, the sizings, `Ledger`) in the same order, so
 * its results are identical to the last bit; test/backtest/fast.test.ts checks that on every
 * output. The batch backtester and the pair scanner use it when a strategy fits; everything
 * else runs through `Simulator` + `MeanReversionStrategy`.
 */
import { BandRule } from '../strategy/rules.js';
import { CapitalSizing, UnitSizing, type Sizing } from '../strategy/sizing.js';
import type { StrategySpec } from '../strategy/spec.js';
import { kalmanHedgeState, tf } from '../strategy/spread.js';
import { kalmanLevelSignal } from './kalmanLevelSignal.js';
import { BAR_NOTIONAL, BAR_PNL, CASH, FILL_GROSS, Ledger, TRADE_CASH } from '../execution/ledger.js';
import type { ResolvedBacktestOptions } from './options.js';
import type { SeriesRecord } from '../execution/simulator.js';

/** Whether the pairs family fits {@link runKalmanLoop}. */
function fitsKalmanPairLoop(spec: StrategySpec): boolean {
  return (
    spec.spread.type === 'kalman-hedge' && spec.normaliser.type === 'kalman' && spec.rule.type === 'bands'
  );
}

/** Whether the one-asset family fits {@link runKalmanLoop}. */
function fitsKalmanLevelLoop(spec: StrategySpec): boolean {
  return (
    spec.spread.type === 'kalman-fair-value' &&
    spec.normaliser.type === 'rolling' &&
    spec.rule.type === 'bands'
  );
}

/** Whether {@link runKalmanLoop} can run this strategy. */
export function fitsKalmanLoop(spec: StrategySpec): boolean {
  return fitsKalmanPairLoop(spec) || fitsKalmanLevelLoop(spec);
}

/**
 * Runs a Kalman-family strategy over bars [0, n) of close[0] (y, or the one asset) and close[1]
 * (x, pairs) and returns the ledger (fills, trades, costs); per-bar series go to `rec`.
 */
export function runKalmanLoop(
  spec: StrategySpec,
  close: readonly Float64Array[],
  open: readonly Float64Array[] | null,
  times: Float64Array,
  n: number,
  opts: ResolvedBacktestOptions,
  rec: SeriesRecord,
): Ledger {
  const sp = spec.spread;
  const r = spec.rule;
  if (r.type !== 'bands' || !fitsKalmanLoop(spec)) throw new Error('runKalmanLoop: spec does not fit');
  const pair = sp.type === 'kalman-hedge';
  const L = pair ? 2 : 1;
  const transform = sp.transform;
  const log = transform === 'log';
  // the pairs filter's state in locals (registers), initialised as kalmanHedgeState does
  const init = pair ? kalmanHedgeState(sp.delta, sp.observationVariance, sp.initialCovariance) : null;
  let b = 0,
    a = 0,
    p00 = 0,
    p01 = 0,
    p11 = 0,
    q = 0,
    ve = 0;
  if (init !== null) {
    b = init[0];
    a = init[1];
    p00 = init[2];
    p01 = init[3];
    p11 = init[4];
    q = init[5];
    ve = init[6];
  }
  // the one-asset signal, computed ahead (into the record's series, or scratch for a scanner)
  const scratch = () => new Float64Array(n);
  const value = pair ? null : (rec.value ?? scratch());
  const centre = pair ? null : (rec.centre ?? scratch());
  const scale = pair ? null : (rec.scale ?? scratch());
  if (!pair) kalmanLevelSignal(spec, close[0], n, value!, rec.fairValue ?? scratch(), centre!, scale!);
  const rule = new BandRule(r.entryZ, r.exitZ, r.stopZ, r.maxHoldBars);
  const sizing: Sizing =
    spec.sizing.type === 'units' ? new UnitSizing() : new CapitalSizing(spec.sizing.capital);
  const ledger = new Ledger(L, opts);
  const sums = ledger.sums;
  const pos = ledger.pos;
  const yc = close[0];
  const xc = pair ? close[1] : yc;
  const yo = open === null ? null : open[0];
  const xo = open === null || !pair ? null : open[1];
  // Per-bar state lives in locals (y and x: the legs' closes; pos0/pos1: the ledger's
  // positions, re-read after each fill, the only thing that changes them). The small arrays
  // below exist for the calls that take arrays (sizing, fills); every typed-array access costs
  // a bounds check, and they were most of the loop's time.
  const px = new Float64Array(L);
  const po = new Float64Array(L);
  const weights = new Float64Array(L);
  const target = new Float64Array(L);
  const pending = new Float64Array(L);
  let hasPending = false;
  const atClose = opts.execution === 'close';
  const atNextOpen = opts.execution === 'next-open';
  const atNextClose = opts.execution === 'next-close';
  const grossBasis = opts.returns === 'gross';
  let units = 0;
  let pos0 = 0;
  let pos1 = 0;
  let prevEquity = opts.capital;
  let prevGross = 0;
  let ruined = false;
  const { equity, returns, positions, targets, grossExposure, netExposure, cash, tradedNotional } = rec;
  const zs = rec.z;
  const unitSeries = rec.units;
  for (let t = 0; t < n; t++) {
    const time = times[t];
    const yt = yc[t];
    const xt = xc[t];
    // 1: borrow on the positions held overnight, at the previous closes (still in px), and
    // those positions' move to this close: the bar's P&L so far (Simulator.beginBar)
    sums[BAR_PNL] = 0;
    if (t > 0) {
      ledger.chargeBorrow(px);
      let pnl = sums[BAR_PNL];
      pnl += pos0 * (yt - px[0]);
      if (pair) pnl += pos1 * (xt - px[1]);
      sums[BAR_PNL] = pnl;
    }
    px[0] = yt;
    if (pair) px[1] = xt;
    // at most one fill a bar (the pending one, or this close's): the sums it leaves
    let fillGross = 0;
    let notional = 0;
    // 2–3: the pending fill, as Simulator.beginBar
    if (hasPending && (atNextOpen || atNextClose)) {
      if (atNextOpen) {
        po[0] = yo![t];
        if (pair) po[1] = xo![t];
      }
      sums[FILL_GROSS] = 0;
      sums[BAR_NOTIONAL] = 0;
      ledger.fill(t, time, pending, atNextOpen ? po : px, px);
      fillGross = sums[FILL_GROSS];
      notional = sums[BAR_NOTIONAL];
      pos0 = pos[0];
      if (pair) pos1 = pos[1];
      hasPending = false;
    }
    // 4: the strategy, as MeanReversionStrategy.step with its spread model and normaliser
    let z: number;
    if (pair) {
      // KalmanHedgeSpread + KalmanNormaliser: kalmanHedgeStep, operation for operation
      const x = tf(xt, transform);
      const y = tf(yt, transform);
      if (t > 0) {
        p00 += q;
        p11 += q;
      }
      const g0 = p00 * x + p01;
      const g1 = p01 * x + p11;
      const Qt = x * g0 + g1 + ve;
      const e = y - (b * x + a);
      const invQ = 1 / Qt;
      b += g0 * invQ * e;
      a += g1 * invQ * e;
      const n00 = p00 - g0 * g0 * invQ;
      const n01 = p01 - g0 * g1 * invQ;
      p11 = p11 - g1 * g1 * invQ;
      p00 = n00;
      p01 = n01;
      const sd = Math.sqrt(Qt);
      const beta = b;
      // setWeights of [1, −β]: shares per unit, or dollars (w / price) on log prices
      weights[0] = log ? 1 / yt : 1;
      weights[1] = log ? -beta / xt : -beta;
      z = sd > 0 ? e / sd : NaN;
      if (rec.value !== null) {
        rec.value[t] = e;
        rec.scale![t] = sd;
        rec.hedgeRatio![t] = beta;
      }
    } else {
      // KalmanFairValueSpread + RollingNormaliser, from the batch passes
      weights[0] = log ? 1 / yt : 1;
      const sd = scale![t];
      z = sd > 0 ? (value![t] - centre![t]) / sd : NaN;
    }
    units = rule.next(z, units);
    sizing.shares(units, weights, px, target);
    const t0 = target[0];
    const t1 = pair ? target[1] : 0;
    if (zs !== null) {
      zs[t] = z;
      unitSeries![t] = units;
    }
    // 5: fill now or keep for the next bar (a ruined account trades no more)
    const differs = !ruined && (t0 !== pos0 || (pair && t1 !== pos1));
    if (atClose) {
      if (differs) {
        sums[FILL_GROSS] = 0;
        sums[BAR_NOTIONAL] = 0;
        ledger.fill(t, time, target, px, px);
        fillGross = sums[FILL_GROSS];
        notional = sums[BAR_NOTIONAL];
        pos0 = pos[0];
        if (pair) pos1 = pos[1];
      }
    } else {
      pending[0] = t0;
      if (pair) pending[1] = t1;
      hasPending = differs;
    }
    // 6: mark to the close (sums in the Simulator's order: 0 + leg 0 + leg 1)
    const v0 = pos0 * yt;
    let marked = 0 + v0;
    let gross = 0 + (v0 < 0 ? -v0 : v0);
    if (pair) {
      const v1 = pos1 * xt;
      marked += v1;
      gross += v1 < 0 ? -v1 : v1;
    }
    let cashNow = sums[CASH];
    let eq = cashNow + marked;
    let ret: number;
    if (eq <= 0 && !ruined) {
      // ruin: everything closed at this close (Simulator's mark)
      ruined = true;
      sums[BAR_NOTIONAL] = notional;
      ledger.liquidate(t, time, px);
      notional = sums[BAR_NOTIONAL];
      hasPending = false;
      // read back (a leg held at −0 stays −0, as a fill leaves an untraded leg)
      pos0 = pos[0];
      if (pair) pos1 = pos[1];
      marked = 0;
      gross = 0;
      cashNow = sums[CASH];
      eq = cashNow;
      ret = -1;
    } else {
      const pnl = sums[BAR_PNL];
      if (grossBasis) {
        const base = prevGross > 0 ? prevGross : fillGross;
        ret = base > 0 ? pnl / base : 0;
      } else ret = prevEquity > 0 ? pnl / prevEquity : 0;
    }
    prevEquity = eq;
    prevGross = gross;
    returns[t] = ret;
    grossExposure[t] = gross;
    tradedNotional[t] = notional;
    if (equity !== null) equity[t] = eq;
    if (netExposure !== null) netExposure[t] = marked;
    if (cash !== null) cash[t] = cashNow;
    if (positions !== null) {
      if (pair) {
        positions[2 * t] = pos0;
        positions[2 * t + 1] = pos1;
        targets![2 * t] = t0;
        targets![2 * t + 1] = t1;
      } else {
        positions[t] = pos0;
        targets![t] = t0;
      }
    }
  }
  // the series that are constant for a family: a pair has no fair value and a centre of 0, one
  // asset no hedge ratio
  if (rec.value !== null) {
    if (pair) {
      rec.centre!.fill(0, 0, n);
      rec.fairValue!.fill(NaN, 0, n);
    } else rec.hedgeRatio!.fill(NaN, 0, n);
  }
  // an open trade is marked to the last close (as Simulator.markOpenTrade)
  const tr = ledger.trade;
  if (tr !== null) {
    let marked = 0;
    for (let i = 0; i < L; i++) marked += pos[i] * px[i];
    tr.pnl = ledger.sums[TRADE_CASH] + marked;
    tr.holdingBars = n - 1 - tr.entryBar;
  }
  return ledger;
}
