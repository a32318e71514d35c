/**
 * The accounting kernel (docs/design.md): the six per-bar steps of docs/strategies.md over an
 * account, once. A backtest and a scan give it every bar's targets in one call (the scan at the
 * `'metrics'` recording level); the live runner feeds it one bar as each arrives, with its
 * strategy between steps 1–3 and 5–6. The same code, so a scan, a backtest and a replay through
 * the live runner agree to the last digit.
 */
import type { Bar, Strategy } from '../strategy/types.js';
import { BAR_NOTIONAL, BAR_PNL, CASH, FILL_GROSS, Ledger, TRADE_CASH, type RecordLevel } from './ledger.js';
import { accumulateBar } from './metrics.js';
import type { ResolvedBacktestOptions } from '../backtest/options.js';

/**
 * Where the kernel writes its per-bar series. Any may be null to skip it; `returns` is always
 * written (the metrics' variance is taken over it when the run ends).
 */
export interface SeriesRecord {
  equity: Float64Array | null;
  returns: Float64Array;
  positions: Float64Array | null;
  targets: Float64Array | null;
  grossExposure: Float64Array | null;
  netExposure: Float64Array | null;
  cash: Float64Array | null;
  tradedNotional: Float64Array | null;
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

/** {@link Simulator.runBars} phases: steps 1–3 of a bar, steps 5–6, or all of it. @internal */
export const BEGIN = 1;
export const END = 2;
export const WHOLE = 3;

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

/**
 * The accounting kernel: one account's execution timing, fills, costs, marking, ruin and
 * metric accumulators. {@link runBars} is the one implementation of the six steps; a batch
 * run gives it every bar's targets at once ({@link runAccount}), a streaming run ({@link step},
 * the live runner) one bar at a time with its strategy in between.
 */
export class Simulator {
  readonly ledger: Ledger;
  readonly legs: number;
  /** The bar given to the strategy; its arrays are reused from bar to bar. */
  readonly bar: Bar;
  /** Per-leg open of the current bar (for 'next-open'). */
  readonly open: Float64Array;
  /** The target the strategy returned on the current bar. */
  target: Float64Array;
  /** Where {@link step} and {@link endBar} record each bar's series (null: nowhere). */
  record: SeriesRecord | null = null;
  readonly #pending: Float64Array;
  readonly #previousClose: Float64Array;
  readonly #time = new Float64Array(1);
  /** [equity, gross, net, return, previous equity, previous gross, has pending] */
  readonly #state = new Float64Array(7);
  /** Bars processed: an integer field (V8 keeps it unboxed), not a slot of the double state. */
  #bars = 0;
  #ruinFill = -1;
  readonly #atClose: boolean;
  readonly #atNextOpen: boolean;
  readonly #grossBasis: boolean;

  /**
   * @param strategy what {@link step} calls; null for a caller that runs its strategy itself
   *   between {@link beginBar} and {@link endBar}, or gives targets to {@link runBars} (then
   *   give `legs`).
   * @param level what the ledger records (default: everything).
   */
  constructor(
    readonly strategy: Strategy | null,
    readonly options: ResolvedBacktestOptions,
    legs: number = strategy!.legs,
    level: RecordLevel = 'full',
  ) {
    const L = legs;
    this.legs = L;
    this.ledger = new Ledger(L, options, level);
    this.bar = { index: 0, time: 0, close: new Float64Array(L) };
    this.open = new Float64Array(L);
    this.target = new Float64Array(L);
    this.#pending = new Float64Array(L);
    this.#previousClose = new Float64Array(L);
    this.#state[PREV_EQUITY] = options.capital;
    this.#atClose = options.execution === 'close';
    this.#atNextOpen = options.execution === 'next-open';
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
   * Steps 1–3 of the next bar (`bar`, `open`): borrow on the overnight positions, then the
   * pending fills. {@link step} is `beginBar`, the strategy, {@link endBar}.
   */
  beginBar(): void {
    this.bar.index = this.#bars;
    this.#time[0] = this.bar.time;
    this.runBars(0, 1, this.#time, this.bar.close, this.open, this.target, BEGIN, null);
  }

  /** Steps 5–6 of the bar: fill `target` now or keep it for the next bar, then mark to the close. */
  endBar(target: Float64Array): void {
    this.target = target;
    this.runBars(0, 1, this.#time, this.bar.close, this.open, target, END, this.record);
  }

  /**
   * The six steps of docs/strategies.md for rows [from, to) of row-major per-bar data
   * (`close`, `open`, `target`: L values a row; `open` is read for 'next-open' only), as the
   * account's next bars:
   *   1. charge short borrow for the positions held overnight since the previous close;
   *   2. 'next-open': fill the previous bar's target at this bar's open;
   *   3. 'next-close': fill the previous bar's target at this bar's close;
   *   4. (the strategy: its targets are given)
   *   5. 'close': fill the target at this bar's close; otherwise keep it for the next bar;
   *   6. mark to this bar's close: equity, exposures, the bar's return, the metric sums; at
   *      equity ≤ 0 the account is ruined: it closes every position at this close, the bar's
   *      return is −1 on either basis, and it trades no more.
   * `phases` runs steps 1–3 ({@link BEGIN}), 5–6 ({@link END}) or all ({@link WHOLE}).
   * Series go to `rec` (null: none) at the account's bar index.
   */
  runBars(
    from: number,
    to: number,
    times: Float64Array,
    close: Float64Array,
    open: Float64Array | null,
    target: Float64Array,
    phases: number,
    rec: SeriesRecord | null,
  ): void {
    const ledger = this.ledger;
    const sums = ledger.sums;
    const pos = ledger.pos;
    const acc = ledger.acc;
    const st = this.#state;
    const pending = this.#pending;
    const prev = this.#previousClose;
    const L = this.legs;
    const begin = (phases & BEGIN) !== 0;
    const end = (phases & END) !== 0;
    const atClose = this.#atClose;
    const fillAt = this.#atNextOpen ? open! : close;
    const grossBasis = this.#grossBasis;
    let bar = this.#bars;
    for (let t = from; t < to; t++) {
      const c = t * L;
      const time = times[t];
      if (begin) {
        sums[FILL_GROSS] = 0;
        sums[BAR_NOTIONAL] = 0;
        sums[BAR_PNL] = 0;
        if (bar > 0) {
          ledger.chargeBorrow(prev);
          // the positions held overnight, marked from the previous close to this one
          for (let i = 0; i < L; i++) sums[BAR_PNL] += pos[i] * (close[c + i] - prev[i]);
        }
        if (st[HAS_PENDING] !== 0) {
          ledger.fill(bar, time, pending, 0, fillAt, c, close, c);
          st[HAS_PENDING] = 0;
        }
      }
      if (!end) continue;
      // 5: fill the target now or keep it for the next bar; a ruined account trades no more
      // (its strategy still runs and its signals are recorded)
      if (ledger.ruinBar < 0) {
        let differs = false;
        for (let i = 0; i < L; i++) if (target[c + i] !== pos[i]) differs = true;
        if (atClose) {
          if (differs) ledger.fill(bar, time, target, c, close, c, close, c);
        } else {
          for (let i = 0; i < L; i++) pending[i] = target[c + i];
          st[HAS_PENDING] = differs ? 1 : 0;
        }
      }
      // 6: mark to the close
      let value = 0;
      let gross = 0;
      for (let i = 0; i < L; i++) {
        const v = pos[i] * close[c + i];
        value += v;
        gross += v < 0 ? -v : v;
        prev[i] = close[c + i];
      }
      let eq = sums[CASH] + value;
      let r: number;
      if (eq <= 0 && ledger.ruinBar < 0) {
        this.#ruinFill = ledger.fills.length;
        ledger.liquidate(bar, time, close, c);
        st[HAS_PENDING] = 0;
        value = 0;
        gross = 0;
        eq = sums[CASH];
        r = -1;
      } else {
        const pnl = sums[BAR_PNL];
        if (grossBasis) {
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
      const notional = sums[BAR_NOTIONAL];
      accumulateBar(acc, r, gross, notional, eq);
      if (rec !== null) {
        rec.returns[bar] = r;
        if (rec.grossExposure !== null) rec.grossExposure[bar] = gross;
        if (rec.tradedNotional !== null) rec.tradedNotional[bar] = notional;
        if (rec.equity !== null) rec.equity[bar] = eq;
        if (rec.netExposure !== null) rec.netExposure[bar] = value;
        if (rec.cash !== null) rec.cash[bar] = sums[CASH];
        if (rec.positions !== null) {
          const o = bar * L;
          for (let i = 0; i < L; i++) {
            rec.positions[o + i] = pos[i];
            rec.targets![o + i] = target[c + i];
          }
        }
      }
      bar++;
    }
    this.#bars = bar;
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

/**
 * A batch run: the account of `sim` over bars [0, n) of row-major closes, opens ('next-open'
 * only) and targets (n × L each), series to `rec`; an open trade is marked to the last close.
 * @internal
 */
export function runAccount(
  sim: Simulator,
  times: Float64Array,
  close: Float64Array,
  open: Float64Array | null,
  target: Float64Array,
  n: number,
  rec: SeriesRecord | null,
): void {
  sim.runBars(0, n, times, close, open, target, WHOLE, rec);
  sim.markOpenTrade();
}
