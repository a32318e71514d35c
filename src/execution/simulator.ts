/**
 * The accounting kernel (docs/design.md): the six per-bar steps of docs/strategies.md over an
 * account, once. A backtest and a scan give it every bar's targets in one call (the scan at the
 * `'metrics'` recording level); the live runner feeds it one bar as each arrives, with its
 * strategy between steps 1–3 and 5–6. The same code, so a scan, a backtest and a replay through
 * the live runner agree to the last digit.
 */
import type { Bar, Strategy } from '../strategy/types.js';
import {
  BAR_NOTIONAL,
  BAR_PNL,
  BORROW,
  CASH,
  COMMISSION,
  direction,
  FILL_GROSS,
  Ledger,
  SLIPPAGE,
  TRADE_CASH,
  type RecordLevel,
} from './ledger.js';
import { commissionOf, fillPrice } from './costs.js';
import { accumulateBars, closeTrade, openTrade } from './metrics.js';
import type { ResolvedBacktestOptions } from '../backtest/options.js';

/**
 * Where the kernel writes its per-bar series. Any may be null to skip it but the four the
 * metrics are accumulated from (returns, equity, gross exposure, traded notional).
 */
export interface SeriesRecord {
  equity: Float64Array;
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

const NO_SERIES = {
  positions: null,
  targets: null,
  netExposure: null,
  cash: null,
  value: null,
  z: null,
  centre: null,
  scale: null,
  units: null,
  hedgeRatio: null,
  fairValue: null,
};

/**
 * A record of the series the metrics need only, over `n` bars (a scan's; reuse it run after run).
 * @internal
 */
export function metricsRecord(n: number): SeriesRecord {
  return {
    ...NO_SERIES,
    returns: new Float64Array(n),
    grossExposure: new Float64Array(n),
    tradedNotional: new Float64Array(n),
    equity: new Float64Array(n),
  };
}

// slots of Simulator.state
const EQUITY = 0;
const GROSS = 1;
const NET = 2;
const RETURN = 3;
const PREV_EQUITY = 4;
const PREV_GROSS = 5;
const HAS_PENDING = 6;

// the stages of a bar in runBars
const PENDING = 0;
const SETTLE = 1;
const MARK = 2;
const RUINED = 3;
const DONE = 4;

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
  readonly #flat: Float64Array;
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
    this.#flat = new Float64Array(L);
    this.#state[PREV_EQUITY] = options.capital;
    this.#atClose = options.execution === 'close';
    this.#atNextOpen = options.execution === 'next-open';
    this.#grossBasis = options.returns === 'gross';
  }

  /**
   * Back to the state of a new simulator with the same options and legs, for another run (a
   * scan's next pair): no allocation. Results taken from the previous run keep their trades.
   */
  reset(): void {
    this.ledger.reset(this.options);
    this.#state.fill(0);
    this.#state[PREV_EQUITY] = this.options.capital;
    this.#pending.fill(0);
    this.#previousClose.fill(0);
    this.target = this.#flat;
    this.#bars = 0;
    this.#ruinFill = -1;
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
    const full = ledger.full;
    const fillPrices = ledger.fillPrices;
    const st = this.#state;
    const pending = this.#pending;
    const prev = this.#previousClose;
    const flat = this.#flat;
    const L = this.legs;
    const begin = (phases & BEGIN) !== 0;
    const end = (phases & END) !== 0;
    const atClose = this.#atClose;
    const fillAt = this.#atNextOpen ? open! : close;
    const grossBasis = this.#grossBasis;
    const rates = ledger.rates;
    const slip = rates.slip;
    const borrowRate = rates.borrowPerBar;
    // the series the metrics are accumulated from: the caller's record at the account's bar
    // index, or this simulator's own buffers from 0
    const out = rec ?? this.#ownRecord(to - from);
    const returns = out.returns;
    const grossSeries = out.grossExposure;
    const notionalSeries = out.tradedNotional;
    const equitySeries = out.equity;
    let bar = this.#bars;
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
    let eq = st[EQUITY];
    let gross = st[GROSS];
    let value = st[NET];
    let r = st[RETURN];
    let ruined = ledger.ruinBar >= 0;
    let short = ledger.short;
    let inTrade = ledger.inTrade;
    for (let t = from; t < to; t++) {
      const c = t * L;
      if (begin) {
        // 1: borrow on the positions held overnight, valued at the previous close, and their
        // move to this close: the bar's P&L so far
        pnl = 0;
        fillGross = 0;
        notional = 0;
        if (bar > 0) {
          // nothing short, nothing to charge (the fee would be 0, and adding 0 changes no sum)
          if (short && borrowRate !== 0) {
            let shortValue = 0;
            for (let i = 0; i < L; i++) if (pos[i] < 0) shortValue -= pos[i] * prev[i];
            const fee = shortValue * borrowRate;
            cash -= fee;
            borrowSum += fee;
            pnl -= fee;
            if (inTrade) tradeCash -= fee;
          }
          for (let i = 0; i < L; i++) pnl += pos[i] * (close[c + i] - prev[i]);
        }
      }
      // The bar's fills, in this order, each through the one fill below: the pending target at
      // this open or close (steps 2–3), the new target at this close (step 5), everything at
      // this close when the mark finds the account ruined (step 6).
      let stage = begin ? PENDING : end ? SETTLE : DONE;
      while (stage !== DONE) {
        let goal = flat;
        let go = 0;
        let ref = close;
        if (stage === PENDING) {
          stage = end ? SETTLE : DONE;
          if (!hasPending) continue;
          hasPending = false;
          goal = pending;
          ref = fillAt;
        } else if (stage === SETTLE) {
          // 5: fill the target now or keep it for the next bar; a ruined account trades no
          // more (its strategy still runs and its signals are recorded)
          stage = MARK;
          if (ruined) continue;
          let differs = false;
          for (let i = 0; i < L; i++) if (target[c + i] !== pos[i]) differs = true;
          if (!atClose) {
            for (let i = 0; i < L; i++) pending[i] = target[c + i];
            hasPending = differs;
            continue;
          }
          if (!differs) continue;
          goal = target;
          go = c;
        } else if (stage === MARK) {
          // 6: mark to the close
          value = 0;
          gross = 0;
          for (let i = 0; i < L; i++) {
            const v = pos[i] * close[c + i];
            value += v;
            gross += v < 0 ? -v : v;
            prev[i] = close[c + i];
          }
          eq = cash + value;
          stage = DONE;
          if (!(eq <= 0) || ruined) {
            if (grossBasis) {
              // Chan: P&L over the gross exposure held at the previous close; when flat then,
              // over the gross exposure the bar's fills opened; 0 when there was none
              const base = prevGross > 0 ? prevGross : fillGross;
              r = base > 0 ? pnl / base : 0;
            } else r = prevEquity > 0 ? pnl / prevEquity : 0;
            continue;
          }
          // ruin: everything closed at this close, the whole account lost (docs/strategies.md)
          ruined = true;
          ledger.ruinBar = bar;
          this.#ruinFill = ledger.fills.length;
          hasPending = false;
          r = -1;
          stage = RUINED;
          let open = false;
          for (let i = 0; i < L; i++) if (pos[i] !== 0) open = true;
          if (!open) continue;
        } else {
          // after the ruin's fills: flat, equity is the cash left
          value = 0;
          gross = 0;
          eq = cash;
          stage = DONE;
          continue;
        }
        // The fill: the position to goal[go …] at reference prices ref[c …], slippage against
        // the trader, commission per order; the bar's P&L marks the traded shares to its close.
        const dirBefore = direction(pos, 0, L);
        const dirAfter = direction(goal, go, L);
        const reversal = dirBefore !== 0 && dirAfter !== 0 && dirBefore !== dirAfter;
        const closing = dirBefore !== 0 && (dirAfter === 0 || reversal);
        const opening = dirAfter !== 0 && (dirBefore === 0 || reversal);
        let closeFlow = 0;
        let keepFlow = 0;
        let openFlow = 0;
        short = false;
        for (let i = 0; i < L; i++) {
          const g = goal[go + i];
          const d = g - pos[i];
          if (d === 0) {
            if (full) fillPrices[i] = ref[c + i];
            if (g < 0) short = true;
            continue;
          }
          const rp = ref[c + i];
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
      if (!end) continue;
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
    st[EQUITY] = eq;
    st[GROSS] = gross;
    st[NET] = value;
    st[RETURN] = r;
    this.#bars = bar;
    if (end) accumulateBars(acc, returns, grossSeries, notionalSeries, equitySeries, k0, k);
  }

  /** Buffers for the metrics' series of a run that records none (at least `m` bars). */
  #ownRecord(m: number): SeriesRecord {
    let own = this.#own;
    if (own === null || own.returns.length < m) {
      own = {
        ...NO_SERIES,
        returns: new Float64Array(m),
        grossExposure: new Float64Array(m),
        tradedNotional: new Float64Array(m),
        equity: new Float64Array(m),
      };
      this.#own = own;
    }
    return own;
  }
  #own: SeriesRecord | null = null;

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
