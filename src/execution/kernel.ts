/**
 * The accounting kernel: one account's execution timing, fills, costs, marking, ruin and
 * metric sums over the bars of a run, implemented once (docs/design.md). A backtest gives
 * {@link runBars} every bar's targets in one call (a metrics-only run, backtest/metricsRun.ts,
 * the same at the `'metrics'` recording level); the live runner and a journal replay one bar at
 * a time through `Simulator.step`, with the strategy between steps 1–3 and 5–6.
 */
import {
  BAR_NOTIONAL,
  BAR_PNL,
  BORROW,
  CASH,
  COMMISSION,
  FILL_GROSS,
  SLIPPAGE,
  TRADE_CASH,
} from './ledger.js';
import { commissionOf, fillPrice } from './costs.js';
import { accumulateBars, closeTrade, openTrade } from './metrics.js';
import {
  BEGIN,
  END,
  EQUITY,
  GROSS,
  HAS_PENDING,
  LAST_DAY,
  NET,
  PREV_EQUITY,
  PREV_GROSS,
  RETURN,
  type SeriesRecord,
  type Simulator,
} from './simulator.js';

// the bar's order: none, the pending target, the new target; after a ruin: every position
// to flat (a fill), or nothing left to close
const NO_FILL = 0;
const FILL_PENDING = 1;
const FILL_TARGET = 2;
// the session's close with flattenAtClose: every position to flat at this close
const FILL_CLOSE_OUT = 3;
const FILL_FLAT = 4;
const RUINED_FLAT = 5;

/**
 * The six steps of docs/strategies.md for rows [from, to) of row-major per-bar data
 * (`close`, `open`, `target`: L values a row; `open` is read for 'next-open' only; `days`: each
 * row's trading day, a day number of the account's calendar), as the account's next bars:
 *   1. charge short borrow for the nights the positions were held since the previous close
 *      (the trading days between the two bars: a Friday-to-Monday hold is three nights);
 *   2. 'next-open': fill the previous bar's target at this bar's open;
 *   3. 'next-close': fill the previous bar's target at this bar's close;
 *   4. (the strategy: its targets are given)
 *   5. 'close': fill the target at this bar's close; otherwise keep it for the next bar;
 *   6. mark to this bar's close: equity, exposures, the bar's return, the metric sums; at
 *      equity ≤ 0 the account is ruined: it closes every position at this close, the bar's
 *      return is −1 on either basis, and it trades no more.
 * With `closing` (flattenAtClose: 1 on a row that closes its session), such a bar's positions
 * are closed at its close before step 6, whatever the execution timing: a target that would
 * fill at this close is not filled (the close-out takes its place), one filled at this open
 * is, and the bar's target waits for the next bar as usual.
 * `phases` runs steps 1–3 ({@link BEGIN}), 5–6 ({@link END}) or all ({@link WHOLE}).
 * Series go to `rec` (null: none) at the account's bar index.
 */
export function runBars(
  sim: Simulator,
  from: number,
  to: number,
  times: Float64Array,
  days: Float64Array,
  closing: Uint8Array | null,
  close: Float64Array,
  open: Float64Array | null,
  target: Float64Array,
  phases: number,
  rec: SeriesRecord | null,
): void {
  const ledger = sim.ledger;
  const sums = ledger.sums;
  const pos = ledger.pos;
  const acc = ledger.acc;
  const full = ledger.full;
  const fillPrices = ledger.fillPrices;
  const st = sim.state;
  const pending = sim.pendingTarget;
  const prev = sim.previousClose;
  const goal = sim.goal;
  const L = sim.legs;
  const begin = (phases & BEGIN) !== 0;
  const end = (phases & END) !== 0;
  const atClose = sim.atClose;
  const atNextOpen = sim.atNextOpen;
  const fillAt = sim.atNextOpen ? open! : close;
  const grossBasis = sim.grossBasis;
  const rates = ledger.rates;
  const slip = rates.slip;
  const borrowRate = rates.borrowPerNight;
  // the series the metrics are accumulated from: the caller's record at the account's bar
  // index, or this simulator's own buffers from 0
  const out = rec ?? sim.ownRecord(to - from);
  const returns = out.returns;
  const grossSeries = out.grossExposure;
  const notionalSeries = out.tradedNotional;
  const equitySeries = out.equity;
  let bar = sim.barsDone;
  const k0 = rec === null ? 0 : bar;
  let k = k0;
  // The account's scalars in locals for the loop: V8 keeps a typed array's slots in memory,
  // a store and a load on every bar's dependency chain; they are written back at the end.
  let cash = sums[CASH];
  let commissionSum = sums[COMMISSION];
  let slippageSum = sums[SLIPPAGE];
  let borrowSum = sums[BORROW];
  let tradeCash = sums[TRADE_CASH];
  let fillGross = sums[FILL_GROSS];
  let notional = sums[BAR_NOTIONAL];
  let pnl = sums[BAR_PNL];
  let hasPending = st[HAS_PENDING] !== 0;
  let prevEquity = st[PREV_EQUITY];
  let prevGross = st[PREV_GROSS];
  let lastDay = st[LAST_DAY];
  let eq = st[EQUITY];
  let gross = st[GROSS];
  let value = st[NET];
  let r = st[RETURN];
  let ruined = ledger.ruinBar >= 0;
  let short = ledger.short;
  let inTrade = ledger.inTrade;
  for (let t = from; t < to; t++) {
    // The bar, on the account's state in locals: the region the scan's fused kernel is
    // generated from (scripts/fuse), with the legs unrolled and the recording level fixed.
    // The bar, in regions the scan's fused kernel is generated from (scripts/fuse): its main
    // loop takes them with `ruined` false and leaves it at a ruin for a tail of its own.
    // flattenAtClose: this bar closes its session (the scan's fused kernel has no close-out)
    const closingOut = closing !== null && closing[t] !== 0 && !ruined;
    // @fuse-begin bar-open
    const c = t * L;
    if (begin) {
      // 1: borrow on the short positions, valued at the previous close, for each night they
      // were held since it; and their move to this close: the bar's P&L so far
      pnl = 0;
      fillGross = 0;
      notional = 0;
      if (bar > 0) {
        // nothing short or no night held, nothing to charge (the fee would be 0, and adding 0
        // changes no sum)
        const nights = days[t] - lastDay;
        if (short && borrowRate !== 0 && nights > 0) {
          let shortValue = 0;
          for (let i = 0; i < L; i++) if (pos[i] < 0) shortValue -= pos[i] * prev[i];
          const fee = shortValue * borrowRate * nights;
          cash -= fee;
          borrowSum += fee;
          pnl -= fee;
          if (inTrade) tradeCash -= fee;
        }
        for (let i = 0; i < L; i++) pnl += pos[i] * (close[c + i] - prev[i]);
      }
    }
    // @fuse-end bar-open
    // The bar's order: the pending target at this open or close (steps 2–3), or the new
    // target at this close (step 5); then, when the mark finds the account ruined, everything
    // at this close (step 6). Each goes through the one fill below: the loop runs twice only
    // on the bar of a ruin.
    let kind = NO_FILL;
    // @fuse-begin bar-order
    if (begin && hasPending && !(closingOut && !atNextOpen)) {
      hasPending = false;
      kind = FILL_PENDING;
    } else if (end && atClose && !ruined && !closingOut) {
      // a ruined account trades no more (its strategy still runs and its signals are recorded)
      for (let i = 0; i < L; i++) if (target[c + i] !== pos[i]) kind = FILL_TARGET;
    }
    // @fuse-end bar-order
    for (;;) {
      // @fuse-begin fill
      if (kind !== NO_FILL && kind !== RUINED_FLAT) {
        // The fill: the position to the goal (the pending target, the target, or flat) at the
        // reference prices (this bar's fill price for a pending target, its close otherwise),
        // slippage against the trader, commission per order; the bar's P&L marks the traded
        // shares to its close. A position's direction is the sign of its first non-zero leg.
        let dirBefore = 0;
        let dirAfter = 0;
        for (let i = 0; i < L; i++) {
          const g = kind === FILL_PENDING ? pending[i] : kind === FILL_TARGET ? target[c + i] : 0;
          goal[i] = g;
          if (dirBefore === 0 && pos[i] !== 0) dirBefore = pos[i] > 0 ? 1 : -1;
          if (dirAfter === 0 && g !== 0) dirAfter = g > 0 ? 1 : -1;
        }
        const reversal = dirBefore !== 0 && dirAfter !== 0 && dirBefore !== dirAfter;
        const closing = dirBefore !== 0 && (dirAfter === 0 || reversal);
        const opening = dirAfter !== 0 && (dirBefore === 0 || reversal);
        let closeFlow = 0;
        let keepFlow = 0;
        let openFlow = 0;
        short = false;
        for (let i = 0; i < L; i++) {
          const g = goal[i];
          const d = g - pos[i];
          const rp = kind === FILL_PENDING ? fillAt[c + i] : close[c + i];
          if (d === 0) {
            if (full) fillPrices[i] = rp;
            if (g < 0) short = true;
            continue;
          }
          const px = fillPrice(d, rp, slip);
          const size = d > 0 ? d : -d;
          const traded = size * rp;
          const commission = commissionOf(size, traded, rates);
          const flow = -d * px - commission;
          cash += flow;
          commissionSum += commission;
          slippageSum += traded * slip;
          fillGross += Math.abs(g) * px;
          notional += traded;
          pnl += d * (close[c + i] - px) - commission;
          if (full) {
            fillPrices[i] = px;
            ledger.fills.push(bar, i, d, px, commission);
          }
          if (closing && opening) {
            // a reversal's order is split between the closing and the opening trade by shares
            const share = Math.abs(pos[i]) / size;
            closeFlow += pos[i] * px - commission * share;
            openFlow += -g * px - commission * (1 - share);
          } else if (closing) closeFlow += flow;
          else if (opening) openFlow += flow;
          else keepFlow += flow;
          pos[i] = g;
          if (g < 0) short = true;
        }
        if (inTrade) {
          tradeCash += closeFlow + keepFlow;
          if (closing) {
            closeTrade(acc, tradeCash);
            inTrade = false;
            if (full) ledger.closeRecord(bar, times[t], tradeCash);
          }
        }
        if (opening) {
          openTrade(acc);
          inTrade = true;
          if (full) ledger.openRecord(bar, times[t], dirAfter);
          tradeCash = openFlow;
        }
      }
      // @fuse-end fill
      if (kind >= FILL_FLAT) {
        // @fuse-begin ruined-mark
        // after a ruin: flat, equity is the cash left
        value = 0;
        gross = 0;
        eq = cash;
        // @fuse-end ruined-mark
        break;
      }
      if (!end) break;
      if (closingOut && kind !== FILL_CLOSE_OUT) {
        // the session's close: what is held is closed at it, then marked as any bar
        kind = NO_FILL;
        for (let i = 0; i < L; i++) if (pos[i] !== 0) kind = FILL_CLOSE_OUT;
        if (kind === FILL_CLOSE_OUT) continue;
      }
      // @fuse-begin mark
      // 5: the target is filled at the next bar's open or close
      if (!atClose && !ruined) {
        let differs = false;
        for (let i = 0; i < L; i++) if (target[c + i] !== pos[i]) differs = true;
        for (let i = 0; i < L; i++) pending[i] = target[c + i];
        hasPending = differs;
      }
      // 6: mark to the close
      value = 0;
      gross = 0;
      for (let i = 0; i < L; i++) {
        const v = pos[i] * close[c + i];
        value += v;
        gross += v < 0 ? -v : v;
        prev[i] = close[c + i];
      }
      lastDay = days[t];
      eq = cash + value;
      const ruinNow = eq <= 0 && !ruined;
      // @fuse-end mark
      if (!ruinNow) {
        // @fuse-begin bar-return
        if (grossBasis) {
          // Chan: P&L over the gross exposure held at the previous close; when flat then,
          // over the gross exposure the bar's fills opened; 0 when there was none
          const base = prevGross > 0 ? prevGross : fillGross;
          r = base > 0 ? pnl / base : 0;
        } else r = prevEquity > 0 ? pnl / prevEquity : 0;
        // @fuse-end bar-return
        break;
      }
      // @fuse-begin ruin
      // ruin: everything closed at this close, the whole account lost (docs/strategies.md)
      ruined = true;
      ledger.ruinBar = bar;
      if (full) sim.ruinFillAt = ledger.fills.length;
      hasPending = false;
      r = -1;
      kind = RUINED_FLAT;
      for (let i = 0; i < L; i++) if (pos[i] !== 0) kind = FILL_FLAT;
      // @fuse-end ruin
    }
    if (end) {
      // @fuse-begin bar-record
      prevEquity = eq;
      prevGross = gross;
      returns[k] = r;
      grossSeries[k] = gross;
      notionalSeries[k] = notional;
      equitySeries[k] = eq;
      if (rec !== null) {
        if (rec.netExposure !== null) rec.netExposure[k] = value;
        if (rec.cash !== null) rec.cash[k] = cash;
        if (rec.positions !== null) {
          const o = k * L;
          for (let i = 0; i < L; i++) {
            rec.positions[o + i] = pos[i];
            rec.targets![o + i] = target[c + i];
          }
        }
      }
      k++;
      bar++;
      // @fuse-end bar-record
    }
  }
  sums[CASH] = cash;
  sums[COMMISSION] = commissionSum;
  sums[SLIPPAGE] = slippageSum;
  sums[BORROW] = borrowSum;
  sums[TRADE_CASH] = tradeCash;
  sums[FILL_GROSS] = fillGross;
  sums[BAR_NOTIONAL] = notional;
  sums[BAR_PNL] = pnl;
  ledger.short = short;
  ledger.inTrade = inTrade;
  st[HAS_PENDING] = hasPending ? 1 : 0;
  st[PREV_EQUITY] = prevEquity;
  st[PREV_GROSS] = prevGross;
  st[LAST_DAY] = lastDay;
  st[EQUITY] = eq;
  st[GROSS] = gross;
  st[NET] = value;
  st[RETURN] = r;
  sim.barsDone = bar;
  if (end) accumulateBars(acc, returns, grossSeries, notionalSeries, equitySeries, k0, k);
}
