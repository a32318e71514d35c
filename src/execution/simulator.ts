/**
 * One account run through the accounting kernel (kernel.ts, the six per-bar steps of
 * docs/strategies.md): its state between bars, and the streaming entry the live runner uses
 * ({@link Simulator.step}: one bar as it arrives, with the strategy between steps 1–3 and 5–6).
 * A backtest runs the same kernel over all its bars at once ({@link runAccount}), so a backtest
 * and a replay through the live runner agree to the last digit.
 */
import type { Bar, Strategy } from '../strategy/types.js';
import { BAR_NOTIONAL, Ledger, TRADE_CASH, type RecordLevel } from './ledger.js';
import { runBars } from './kernel.js';
import type { ResolvedBacktestOptions } from './options.js';
import { tradingCalendar, type TradingCalendar } from '../data/calendar.js';
import { SessionCloser, tradingDays } from '../data/sessions.js';

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

/** Slots of {@link Simulator.state}. @internal */
export const EQUITY = 0;
export const GROSS = 1;
export const NET = 2;
export const RETURN = 3;
export const PREV_EQUITY = 4;
export const PREV_GROSS = 5;
export const HAS_PENDING = 6;
/** The trading day (a day number of the account's calendar) of the last bar. */
export const LAST_DAY = 7;

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
 * An account for the accounting kernel ({@link runBars}, the one implementation of the six
 * steps): its ledger and its state between bars. A batch run gives the kernel every bar's
 * targets at once ({@link runAccount}), a streaming run ({@link step}, the live runner) one bar
 * at a time with its strategy in between. Fields without TSDoc are the kernel's. @internal
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
  readonly pendingTarget: Float64Array;
  readonly previousClose: Float64Array;
  readonly time1 = new Float64Array(1);
  /** The current bar's trading day (streaming). */
  readonly day1 = new Float64Array(1);
  /** The account's calendar: its trading days count the nights borrow is charged for. */
  readonly calendar: TradingCalendar;
  /** With flattenAtClose: which bar closes a session (streaming: fed bar by bar). */
  closer: SessionCloser | null;
  /** The current bar's close-out flag (streaming; null without flattenAtClose). */
  readonly closing1: Uint8Array | null;
  readonly flat: Float64Array;
  /** The fill's goal per leg (the accounting kernel's scratch). */
  readonly goal: Float64Array;
  /** [equity, gross, net, return, previous equity, previous gross, has pending, last day] */
  readonly state = new Float64Array(8);
  /** Bars processed: an integer field (V8 keeps it unboxed), not a slot of the double state. */
  barsDone = 0;
  ruinFillAt = -1;
  readonly atClose: boolean;
  readonly atNextOpen: boolean;
  readonly grossBasis: boolean;

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
    this.pendingTarget = new Float64Array(L);
    this.previousClose = new Float64Array(L);
    this.flat = new Float64Array(L);
    this.goal = new Float64Array(L);
    this.state[PREV_EQUITY] = options.capital;
    this.atClose = options.execution === 'close';
    this.atNextOpen = options.execution === 'next-open';
    this.grossBasis = options.returns === 'gross';
    this.calendar = tradingCalendar(options.calendar);
    this.closer = options.flattenAtClose ? new SessionCloser(this.calendar) : null;
    this.closing1 = options.flattenAtClose ? new Uint8Array(1) : null;
  }

  /**
   * Back to the state of a new simulator with the same options and legs, for another run (a
   * scan's next pair): no allocation. Results taken from the previous run keep their trades.
   */
  reset(): void {
    this.ledger.reset(this.options);
    this.state.fill(0);
    this.state[PREV_EQUITY] = this.options.capital;
    this.pendingTarget.fill(0);
    this.previousClose.fill(0);
    this.target = this.flat;
    this.barsDone = 0;
    this.ruinFillAt = -1;
    if (this.closer !== null) this.closer = new SessionCloser(this.calendar);
  }

  /** Number of bars processed so far (the next bar's index). */
  get bars(): number {
    return this.barsDone;
  }
  /** Equity at the last bar's close. */
  get equity(): number {
    return this.state[EQUITY];
  }
  /** Gross and net exposure at the last bar's close. */
  get grossExposure(): number {
    return this.state[GROSS];
  }
  get netExposure(): number {
    return this.state[NET];
  }
  /** The last bar's return on the chosen basis. */
  get barReturn(): number {
    return this.state[RETURN];
  }
  /** Notional traded on the last bar. */
  get barNotional(): number {
    return this.ledger.sums[BAR_NOTIONAL];
  }
  /** Whether a target waits to be filled at the next bar. */
  get hasPending(): boolean {
    return this.state[HAS_PENDING] !== 0;
  }
  /** The bar on which equity reached zero and the account was liquidated; −1 while it was not. */
  get ruinBar(): number {
    return this.ledger.ruinBar;
  }
  /** Index in the fill log of the ruin's liquidation fills (they run to its end); −1 before ruin. */
  get ruinFill(): number {
    return this.ruinFillAt;
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
    this.bar.index = this.barsDone;
    this.time1[0] = this.bar.time;
    this.day1[0] = this.calendar.day(this.bar.time);
    if (this.closer !== null) this.closing1![0] = this.closer.closes(this.bar.time) ? 1 : 0;
    this.runBars(
      0,
      1,
      this.time1,
      this.day1,
      this.closing1,
      this.bar.close,
      this.open,
      this.target,
      BEGIN,
      null,
    );
  }

  /** Steps 5–6 of the bar: fill `target` now or keep it for the next bar, then mark to the close. */
  endBar(target: Float64Array): void {
    this.target = target;
    this.runBars(
      0,
      1,
      this.time1,
      this.day1,
      this.closing1,
      this.bar.close,
      this.open,
      target,
      END,
      this.record,
    );
  }

  /** {@link runBars} on this simulator. */
  runBars(
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
    runBars(this, from, to, times, days, closing, close, open, target, phases, rec);
  }

  /**
   * The trading days of bars [0, n) of `times` under the account's calendar, in a buffer this
   * simulator keeps for the next run (grown when too short: no allocation run after run).
   */
  daysOf(times: Float64Array, n: number): Float64Array {
    if (this.days === null || this.days.length < n) this.days = new Float64Array(n);
    return tradingDays(this.calendar, times, 0, n, this.days);
  }
  days: Float64Array | null = null;

  /**
   * With flattenAtClose, which of bars [0, n) of `times` close their session (1) as a stream of
   * them would find (data/sessions.ts {@link SessionCloser}); null without it.
   */
  closingOf(times: Float64Array, n: number): Uint8Array | null {
    if (!this.options.flattenAtClose) return null;
    if (this.closing === null || this.closing.length < n) this.closing = new Uint8Array(n);
    const closer = new SessionCloser(this.calendar);
    for (let t = 0; t < n; t++) this.closing[t] = closer.closes(times[t]) ? 1 : 0;
    return this.closing;
  }
  closing: Uint8Array | null = null;

  /** Buffers for the metrics' series of a run that records none (at least `m` bars). */
  ownRecord(m: number): SeriesRecord {
    let own = this.own;
    if (own === null || own.returns.length < m) {
      own = {
        ...NO_SERIES,
        returns: new Float64Array(m),
        grossExposure: new Float64Array(m),
        tradedNotional: new Float64Array(m),
        equity: new Float64Array(m),
      };
      this.own = own;
    }
    return own;
  }
  own: SeriesRecord | null = null;

  /** Marks a trade still open to the last close (call once, after the last bar). */
  markOpenTrade(): void {
    const tr = this.ledger.trade;
    if (tr === null) return;
    tr.pnl = this.ledger.sums[TRADE_CASH] + this.state[NET];
    tr.holdingBars = this.barsDone - 1 - tr.entryBar;
  }

  /** The account state after the last bar (the strategy's state is not included). */
  snapshot(): SimulatorSnapshot {
    return {
      bars: this.barsDone,
      sums: Array.from(this.ledger.sums),
      state: Array.from(this.state),
      positions: Array.from(this.ledger.pos),
      pending: Array.from(this.pendingTarget),
      previousClose: Array.from(this.previousClose),
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
  sim.runBars(0, n, times, sim.daysOf(times, n), sim.closingOf(times, n), close, open, target, WHOLE, rec);
  sim.markOpenTrade();
}
