/**
 * One bar at a time, the backtest's six steps (see docs/strategies.md):
 *   1. charge short borrow for the positions held overnight since the previous close;
 *   2. 'next-open': fill the previous bar's target at this bar's open;
 *   3. 'next-close': fill the previous bar's target at this bar's close;
 *   4. give the bar to the strategy (it sees this bar and nothing later) → target shares;
 *   5. 'close': fill that target at this bar's close; otherwise keep it for the next bar;
 *   6. mark to this bar's close: equity, exposures, the bar's return; at equity ≤ 0 the
 *      account is ruined: it closes every position at this close and trades no more.
 * The batch backtester loops over it; the live runner feeds it one bar as each arrives. The
 * same code, so a replay through the live runner reproduces a backtest exactly.
 */
import type { Bar, Strategy } from '../strategy/types.js';
import { BAR_NOTIONAL, BAR_PNL, CASH, FILL_GROSS, Ledger, TRADE_CASH } from './ledger.js';
import type { ResolvedBacktestOptions } from '../backtest/options.js';

/** Where the loop writes its per-bar series (any may be null to skip it: the scanner's case). */
export interface SeriesRecord {
  equity: Float64Array | null;
  returns: Float64Array;
  positions: Float64Array | null;
  targets: Float64Array | null;
  grossExposure: Float64Array;
  netExposure: Float64Array | null;
  cash: Float64Array | null;
  tradedNotional: Float64Array;
  value: Float64Array | null;
  z: Float64Array | null;
  centre: Float64Array | null;
  scale: Float64Array | null;
  units: Float64Array | null;
  hedgeRatio: Float64Array | null;
  fairValue: Float64Array | null;
}

// slots of Simulator.state
const EQUITY = 0;
const GROSS = 1;
const NET = 2;
const RETURN = 3;
const PREV_EQUITY = 4;
const PREV_GROSS = 5;
const HAS_PENDING = 6;

/** Everything a simulator needs to continue after a restart, as plain JSON-able values. */
export interface SimulatorSnapshot {
  bars: number;
  sums: number[];
  state: number[];
  positions: number[];
  pending: number[];
  previousClose: number[];
  /** The bar the account was ruined on, −1 when it was not. */
  ruinBar: number;
}

export class Simulator {
  readonly ledger: Ledger;
  /** The bar given to the strategy; its arrays are reused from bar to bar. */
  readonly bar: Bar;
  /** Per-leg open of the current bar (for 'next-open'). */
  readonly open: Float64Array;
  /** The target the strategy returned on the current bar. */
  target: Float64Array;
  readonly #pending: Float64Array;
  readonly #previousClose: Float64Array;
  /** [equity, gross, net, return, previous equity, previous gross, has pending] */
  readonly #state = new Float64Array(7);
  /** Bars processed: an integer field (V8 keeps it unboxed), not a slot of the double state. */
  #bars = 0;
  #ruinFill = -1;
  readonly #atClose: boolean;
  readonly #atNextOpen: boolean;
  readonly #atNextClose: boolean;
  readonly #grossBasis: boolean;

  /**
   * @param strategy what {@link step} calls; null for a caller that runs its strategy itself
   *   between {@link beginBar} and {@link endBar} (then give `legs`).
   */
  constructor(
    readonly strategy: Strategy | null,
    readonly options: ResolvedBacktestOptions,
    legs: number = strategy!.legs,
  ) {
    const L = legs;
    this.ledger = new Ledger(L, options);
    this.bar = { index: 0, time: 0, close: new Float64Array(L) };
    this.open = new Float64Array(L);
    this.target = new Float64Array(L);
    this.#pending = new Float64Array(L);
    this.#previousClose = new Float64Array(L);
    this.#state[PREV_EQUITY] = options.capital;
    this.#atClose = options.execution === 'close';
    this.#atNextOpen = options.execution === 'next-open';
    this.#atNextClose = options.execution === 'next-close';
    this.#grossBasis = options.returns === 'gross';
  }

  /** Number of bars processed so far (the next bar's index). */
  get bars(): number {
    return this.#bars;
  }
  /** Equity at the last bar's close. */
  get equity(): number {
    return this.#state[EQUITY];
  }
  /** Gross and net exposure at the last bar's close. */
  get grossExposure(): number {
    return this.#state[GROSS];
  }
  get netExposure(): number {
    return this.#state[NET];
  }
  /** The last bar's return on the chosen basis. */
  get barReturn(): number {
    return this.#state[RETURN];
  }
  /** Notional traded on the last bar. */
  get barNotional(): number {
    return this.ledger.sums[BAR_NOTIONAL];
  }
  /** Whether a target waits to be filled at the next bar. */
  get hasPending(): boolean {
    return this.#state[HAS_PENDING] !== 0;
  }
  /** The bar on which equity reached zero and the account was liquidated; −1 while it was not. */
  get ruinBar(): number {
    return this.ledger.ruinBar;
  }
  /** Index in the fill log of the ruin's liquidation fills (they run to its end); −1 before ruin. */
  get ruinFill(): number {
    return this.#ruinFill;
  }

  /**
   * Processes the next bar. Before calling, write its prices into `bar.close` (and `open`
   * for 'next-open' execution) and its time into `bar.time`.
   */
  step(): void {
    this.beginBar();
    this.endBar(this.strategy!.step(this.bar));
  }

  /**
   * Steps 1–3 of the next bar: borrow on the overnight positions, then the pending fills.
   * {@link step} is `beginBar`, the strategy, {@link endBar}; the backtester's fused loops call
   * the two halves around a strategy they run inline, so all paths share this accounting.
   */
  beginBar(): void {
    const ledger = this.ledger;
    const sums = ledger.sums;
    const st = this.#state;
    const bar = this.bar;
    const t = this.#bars;
    bar.index = t;
    sums[FILL_GROSS] = 0;
    sums[BAR_NOTIONAL] = 0;
    sums[BAR_PNL] = 0;
    if (t > 0) {
      const prev = this.#previousClose;
      ledger.chargeBorrow(prev);
      // the positions held overnight, marked from the previous close to this one
      const pos = ledger.pos;
      const close = bar.close;
      for (let i = 0; i < pos.length; i++) sums[BAR_PNL] += pos[i] * (close[i] - prev[i]);
    }
    if (st[HAS_PENDING] !== 0 && this.#atNextOpen) {
      ledger.fill(t, bar.time, this.#pending, this.open, bar.close);
      st[HAS_PENDING] = 0;
    }
    if (st[HAS_PENDING] !== 0 && this.#atNextClose) {
      ledger.fill(t, bar.time, this.#pending, bar.close, bar.close);
      st[HAS_PENDING] = 0;
    }
  }

  /** Steps 5–6 of the bar: fill `target` now or keep it for the next bar, then mark to the close. */
  endBar(target: Float64Array): void {
    this.#settle(target);
    this.#mark();
  }

  /** Step 5: fill `target` at this close ('close'), or keep it for the next bar. */
  #settle(target: Float64Array): void {
    const ledger = this.ledger;
    const pos = ledger.pos;
    const L = pos.length;
    this.target = target;
    // a ruined account trades no more: the strategy still runs (its signals are recorded)
    if (ledger.ruinBar >= 0) return;
    let differs = false;
    for (let i = 0; i < L; i++) if (target[i] !== pos[i]) differs = true;
    if (this.#atClose) {
      if (differs) ledger.fill(this.#bars, this.bar.time, target, this.bar.close, this.bar.close);
    } else {
      const pending = this.#pending;
      for (let i = 0; i < L; i++) pending[i] = target[i];
      this.#state[HAS_PENDING] = differs ? 1 : 0;
    }
  }

  /**
   * Step 6: mark to the close: equity, exposures, the bar's return. Equity at or below zero
   * ruins the account: {@link Ledger.liquidate} closes every position at this close, and the
   * bar's return is −1 on either basis (the whole account is lost; see docs/strategies.md).
   */
  #mark(): void {
    const ledger = this.ledger;
    const sums = ledger.sums;
    const pos = ledger.pos;
    const st = this.#state;
    const close = this.bar.close;
    const prev = this.#previousClose;
    const L = close.length;
    const t = this.#bars;
    let value = 0;
    let gross = 0;
    for (let i = 0; i < L; i++) {
      const v = pos[i] * close[i];
      value += v;
      gross += v < 0 ? -v : v;
      prev[i] = close[i];
    }
    let eq = sums[CASH] + value;
    let r: number;
    if (eq <= 0 && ledger.ruinBar < 0) {
      this.#ruinFill = ledger.fills.length;
      ledger.liquidate(t, this.bar.time, close);
      st[HAS_PENDING] = 0;
      value = 0;
      gross = 0;
      eq = sums[CASH];
      r = -1;
    } else {
      const pnl = sums[BAR_PNL];
      if (this.#grossBasis) {
        // Chan: P&L over the gross exposure held at the previous close; when flat then, over
        // the gross exposure the bar's fills opened; 0 when there was none
        const base = st[PREV_GROSS] > 0 ? st[PREV_GROSS] : sums[FILL_GROSS];
        r = base > 0 ? pnl / base : 0;
      } else r = st[PREV_EQUITY] > 0 ? pnl / st[PREV_EQUITY] : 0;
    }
    st[EQUITY] = eq;
    st[GROSS] = gross;
    st[NET] = value;
    st[RETURN] = r;
    st[PREV_EQUITY] = eq;
    st[PREV_GROSS] = gross;
    this.#bars = t + 1;
  }

  /** Marks a trade still open to the last close (call once, after the last bar). */
  markOpenTrade(): void {
    const tr = this.ledger.trade;
    if (tr === null) return;
    tr.pnl = this.ledger.sums[TRADE_CASH] + this.#state[NET];
    tr.holdingBars = this.#bars - 1 - tr.entryBar;
  }

  /** The account state after the last bar (the strategy's state is not included). */
  snapshot(): SimulatorSnapshot {
    return {
      bars: this.#bars,
      sums: Array.from(this.ledger.sums),
      state: Array.from(this.#state),
      positions: Array.from(this.ledger.pos),
      pending: Array.from(this.#pending),
      previousClose: Array.from(this.#previousClose),
      ruinBar: this.ledger.ruinBar,
    };
  }
}

/** Writes a simulator's state after bar t into a record (the series that are not null). */
export function recordBar(sim: Simulator, t: number, rec: SeriesRecord): void {
  const ledger = sim.ledger;
  rec.returns[t] = sim.barReturn;
  rec.grossExposure[t] = sim.grossExposure;
  rec.tradedNotional[t] = sim.barNotional;
  if (rec.equity !== null) rec.equity[t] = sim.equity;
  if (rec.netExposure !== null) rec.netExposure[t] = sim.netExposure;
  if (rec.cash !== null) rec.cash[t] = ledger.sums[CASH];
  if (rec.positions !== null) {
    const pos = ledger.pos;
    const target = sim.target;
    const L = pos.length;
    for (let i = 0; i < L; i++) {
      rec.positions[t * L + i] = pos[i];
      rec.targets![t * L + i] = target[i];
    }
  }
}
