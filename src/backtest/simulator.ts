/**
 * One bar at a time, the backtest's six steps (see docs/strategies.md):
 *   1. charge short borrow for the positions held overnight since the previous close;
 *   2. 'next-open': fill the previous bar's target at this bar's open;
 *   3. 'next-close': fill the previous bar's target at this bar's close;
 *   4. give the bar to the strategy (it sees this bar and nothing later) → target shares;
 *   5. 'close': fill that target at this bar's close; otherwise keep it for the next bar;
 *   6. mark to this bar's close: equity, exposures, the bar's return.
 * The batch backtester loops over it; the live runner feeds it one bar as each arrives. The
 * same code, so a replay through the live runner reproduces a backtest exactly.
 */
import type { Bar, Strategy } from '../strategy/types.js';
import { BAR_NOTIONAL, CASH, FILL_GROSS, Ledger, TRADE_CASH } from './ledger.js';
import type { ResolvedBacktestOptions } from './options.js';

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
  readonly #atClose: boolean;
  readonly #atNextOpen: boolean;
  readonly #atNextClose: boolean;
  readonly #grossBasis: boolean;

  constructor(
    readonly strategy: Strategy,
    readonly options: ResolvedBacktestOptions,
  ) {
    const L = strategy.legs;
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

  /**
   * Processes the next bar. Before calling, write its prices into `bar.close` (and `open`
   * for 'next-open' execution) and its time into `bar.time`.
   */
  step(): void {
    const ledger = this.ledger;
    const sums = ledger.sums;
    const st = this.#state;
    const bar = this.bar;
    const close = bar.close;
    const pos = ledger.pos;
    const pending = this.#pending;
    const L = close.length;
    const t = this.#bars;
    bar.index = t;
    sums[FILL_GROSS] = 0;
    sums[BAR_NOTIONAL] = 0;
    if (t > 0) ledger.chargeBorrow(this.#previousClose);
    if (st[HAS_PENDING] !== 0 && this.#atNextOpen) {
      ledger.fill(t, bar.time, pending, this.open);
      st[HAS_PENDING] = 0;
    }
    if (st[HAS_PENDING] !== 0 && this.#atNextClose) {
      ledger.fill(t, bar.time, pending, close);
      st[HAS_PENDING] = 0;
    }
    const target = this.strategy.step(bar);
    this.target = target;
    let differs = false;
    for (let i = 0; i < L; i++) if (target[i] !== pos[i]) differs = true;
    if (this.#atClose) {
      if (differs) ledger.fill(t, bar.time, target, close);
    } else {
      for (let i = 0; i < L; i++) pending[i] = target[i];
      st[HAS_PENDING] = differs ? 1 : 0;
    }
    // mark to the close
    let value = 0;
    let gross = 0;
    for (let i = 0; i < L; i++) {
      const v = pos[i] * close[i];
      value += v;
      gross += v < 0 ? -v : v;
      this.#previousClose[i] = close[i];
    }
    const eq = sums[CASH] + value;
    st[EQUITY] = eq;
    st[GROSS] = gross;
    st[NET] = value;
    let r = 0;
    if (t > 0) {
      const pnl = eq - st[PREV_EQUITY];
      if (this.#grossBasis) {
        // Chan: P&L over the gross exposure held at the previous close; when flat then, over
        // the gross exposure the bar's fills opened; 0 when there was none
        const base = st[PREV_GROSS] > 0 ? st[PREV_GROSS] : sums[FILL_GROSS];
        r = base > 0 ? pnl / base : 0;
      } else r = st[PREV_EQUITY] > 0 ? pnl / st[PREV_EQUITY] : 0;
    }
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
    };
  }
}
