/**
 * The fused loop for any mean-reversion strategy built from a spec: the strategy's four parts
 * called directly (as `MeanReversionStrategy.step` calls them) and the simulator's six steps
 * (as `Simulator.step`) written as one loop, recording straight into the result's arrays. It
 * exists for speed: the modular path spends more time passing state between objects than
 * computing. Same calls, same order, same arithmetic: test/backtest/fast.test.ts holds every
 * output equal to the modular path bit for bit. (The Kalman-pairs family has a loop of its own
 * with the filter inlined: kalmanPairLoop.ts.)
 */
import type { MeanReversionStrategy } from '../strategy/meanReversion.js';
import { BAR_NOTIONAL, CASH, FILL_GROSS, Ledger, TRADE_CASH } from './ledger.js';
import type { SeriesRecord } from './kalmanPairLoop.js';
import type { ResolvedBacktestOptions } from './options.js';

/** Runs `strategy` (fresh) over bars [0, n) and returns the ledger; per-bar series go to `rec`. */
export function runFused(
  strategy: MeanReversionStrategy,
  close: readonly Float64Array[],
  open: readonly Float64Array[] | null,
  times: Float64Array,
  n: number,
  opts: ResolvedBacktestOptions,
  rec: SeriesRecord,
): Ledger {
  const { spread: model, normaliser, rule, sizing } = strategy;
  const L = close.length;
  const ledger = new Ledger(L, opts);
  const sums = ledger.sums;
  const pos = ledger.pos;
  const px = new Float64Array(L);
  const po = new Float64Array(L);
  const prevClose = new Float64Array(L);
  const target = new Float64Array(L);
  const pending = new Float64Array(L);
  let hasPending = false;
  const atClose = opts.execution === 'close';
  const atNextOpen = opts.execution === 'next-open';
  const atNextClose = opts.execution === 'next-close';
  const grossBasis = opts.returns === 'gross';
  let units = 0;
  let prevEquity = opts.capital;
  let prevGross = 0;
  const { equity, returns, positions, targets, grossExposure, netExposure, cash, tradedNotional } = rec;
  for (let t = 0; t < n; t++) {
    const time = times[t];
    for (let i = 0; i < L; i++) px[i] = close[i][t];
    sums[FILL_GROSS] = 0;
    sums[BAR_NOTIONAL] = 0;
    // 1–3: borrow and pending fills, as Simulator.step
    if (t > 0) ledger.chargeBorrow(prevClose);
    if (hasPending && atNextOpen) {
      for (let i = 0; i < L; i++) po[i] = open![i][t];
      ledger.fill(t, time, pending, po);
      hasPending = false;
    }
    if (hasPending && atNextClose) {
      ledger.fill(t, time, pending, px);
      hasPending = false;
    }
    // 4: the strategy, as MeanReversionStrategy.step
    model.update(px);
    const z = model.ready ? normaliser.score(model) : NaN;
    units = rule.next(z, units);
    sizing.shares(units, model.weights, px, target);
    if (rec.value !== null) {
      rec.value[t] = model.value;
      rec.z![t] = z;
      rec.centre![t] = normaliser.centre;
      rec.scale![t] = normaliser.scale;
      rec.units![t] = units;
      rec.hedgeRatio![t] = model.hedgeRatio;
      rec.fairValue![t] = model.fairValue;
    }
    // 5: fill now or keep for the next bar
    let differs = false;
    for (let i = 0; i < L; i++) if (target[i] !== pos[i]) differs = true;
    if (atClose) {
      if (differs) ledger.fill(t, time, target, px);
    } else {
      for (let i = 0; i < L; i++) pending[i] = target[i];
      hasPending = differs;
    }
    // 6: mark to the close
    let value = 0;
    let gross = 0;
    for (let i = 0; i < L; i++) {
      const v = pos[i] * px[i];
      value += v;
      gross += v < 0 ? -v : v;
      prevClose[i] = px[i];
    }
    const eq = sums[CASH] + value;
    let ret = 0;
    if (t > 0) {
      const pnl = eq - prevEquity;
      if (grossBasis) {
        const base = prevGross > 0 ? prevGross : sums[FILL_GROSS];
        ret = base > 0 ? pnl / base : 0;
      } else ret = prevEquity > 0 ? pnl / prevEquity : 0;
    }
    prevEquity = eq;
    prevGross = gross;
    returns[t] = ret;
    grossExposure[t] = gross;
    tradedNotional[t] = sums[BAR_NOTIONAL];
    if (equity !== null) equity[t] = eq;
    if (netExposure !== null) netExposure[t] = value;
    if (cash !== null) cash[t] = sums[CASH];
    if (positions !== null) {
      for (let i = 0; i < L; i++) {
        positions[t * L + i] = pos[i];
        targets![t * L + i] = target[i];
      }
    }
  }
  // an open trade is marked to the last close (as Simulator.markOpenTrade)
  const tr = ledger.trade;
  if (tr !== null) {
    let value = 0;
    for (let i = 0; i < L; i++) value += pos[i] * prevClose[i];
    tr.pnl = ledger.sums[TRADE_CASH] + value;
    tr.holdingBars = n - 1 - tr.entryBar;
  }
  return ledger;
}
