/**
 * The order gate: wraps the strategy so that the {@link Simulator} fills what the runner will
 * really trade. After the strategy's `step`, the target is rounded to lots, small changes are
 * dropped, and the risk limits cut or refuse it. With the defaults (fractional shares, no
 * limits) the target passes through untouched, so a replay reproduces the backtest exactly.
 */
import type { Ledger } from '../execution/ledger.js';
import { CASH } from '../execution/ledger.js';
import type { Simulator } from '../execution/simulator.js';
import type { Bar, SignalState, Strategy } from '../strategy/types.js';
import type { OrdersConfig, RiskConfig } from './config.js';
import { tradingCalendar, type TradingCalendar } from '../data/calendar.js';

/** One thing the gate did to a target, journaled with the bar and logged. */
export type RiskAction =
  | { kind: 'flatten'; reason: 'kill' | 'daily-loss' | 'missing-leg'; from: number[] }
  | { kind: 'refuse'; reason: 'stale-bar'; ageMs: number; wanted: number[] }
  | { kind: 'cut'; reason: 'max-gross-exposure'; limit: number; wanted: number; scale: number }
  | {
      kind: 'cut';
      reason: 'max-position-value';
      symbol: string;
      limit: number;
      wanted: number;
      scale: number;
    }
  | { kind: 'daily-loss'; dayStart: number; equity: number; loss: number; limit: number };

/**
 * The risk section's exposure limits, one rule for a single account's gate and a book: when the
 * gross exposure of the targets is above `maxGrossExposure`, every target is scaled to it; then
 * when the largest position value (of one symbol, net over whatever trades it) is above
 * `maxPositionValue`, every target is scaled to that. `gross` and `worst` measure the targets as
 * they are when called (after the first cut), `scaleAll` cuts them, and each cut is an action.
 */
export function exposureCuts(
  r: RiskConfig,
  gross: () => number,
  worst: () => { value: number; symbol: string },
  scaleAll: (scale: number) => void,
  actions: RiskAction[],
): void {
  if (r.maxGrossExposure !== undefined) {
    const wanted = gross();
    if (wanted > r.maxGrossExposure) {
      const scale = r.maxGrossExposure / wanted;
      scaleAll(scale);
      actions.push({ kind: 'cut', reason: 'max-gross-exposure', limit: r.maxGrossExposure, wanted, scale });
    }
  }
  if (r.maxPositionValue !== undefined) {
    const w = worst();
    if (w.value > r.maxPositionValue) {
      const scale = r.maxPositionValue / w.value;
      scaleAll(scale);
      actions.push({
        kind: 'cut',
        reason: 'max-position-value',
        symbol: w.symbol,
        limit: r.maxPositionValue,
        wanted: w.value,
        scale,
      });
    }
  }
}

/**
 * The daily loss limit's state for one account (a strategy's, or a whole book's): the exchange's
 * trading day (the date in its zone under the run's calendar: New York's for the NYSE, the UTC
 * date for crypto), its reference equity, and whether the limit has blocked trading for the
 * rest of it.
 */
export class DayLoss {
  #day = NaN;
  #start = NaN;
  /** Whether the limit has blocked the day (until the next trading day). */
  blocked = false;

  constructor(readonly calendar: TradingCalendar) {}

  /**
   * On the first bar of a new trading day the reference becomes `previous()`: the equity at the
   * previous bar's close (the starting capital on the first bar); the day is unblocked.
   */
  track(time: number, previous: () => number): void {
    const day = this.calendar.day(time);
    if (day === this.#day) return;
    this.#day = day;
    this.#start = previous();
    this.blocked = false;
  }

  /** A loss of `equity` against the day's reference of at least `limit` blocks the day: its action (once a day), else null. */
  check(equity: number, limit: number): RiskAction | null {
    const loss = this.#start - equity;
    if (this.blocked || !(loss >= limit)) return null;
    this.blocked = true;
    return { kind: 'daily-loss', dayStart: this.#start, equity, loss, limit };
  }
}

export class OrderGate implements Strategy {
  readonly legs: number;
  readonly target: Float64Array;
  /** The account whose position orders are measured against (the simulator's). */
  ledger: Ledger | null = null;
  #sim: Simulator | null = null;
  /** Set before a bar: go flat on it for this reason. */
  flatten: 'kill' | 'daily-loss' | 'missing-leg' | null = null;
  /** Set before a bar: the bar is this old (ms) and over the limit: refuse new orders. */
  staleAgeMs = 0;
  /** Set before a bar when replaying the journal: the target that was decided then. */
  replay: ArrayLike<number> | null = null;
  /** What the gate did on the last bar. */
  actions: RiskAction[] = [];
  /** The strategy's own target on the last bar, before the gate (also when replaying). */
  readonly raw: Float64Array;
  /**
   * The target the gate's rules start from on the bar: the strategy's, unless its caller
   * changes it between {@link propose} and {@link settle} (a book fits it into its limits).
   */
  readonly proposed: Float64Array;
  #dayLoss = new DayLoss(tradingCalendar('nyse'));

  constructor(
    readonly inner: Strategy,
    readonly symbols: readonly string[],
    readonly orders: OrdersConfig,
    readonly risk: RiskConfig,
  ) {
    this.legs = inner.legs;
    this.target = new Float64Array(inner.legs);
    this.raw = new Float64Array(inner.legs);
    this.proposed = new Float64Array(inner.legs);
  }

  /** Measures orders and losses against this simulator's account (the one that runs this gate). */
  attach(sim: Simulator): void {
    this.#sim = sim;
    this.ledger = sim.ledger;
    // the day the loss limit resets on is the account's calendar's trading day
    this.#dayLoss = new DayLoss(sim.calendar);
  }

  get signal(): SignalState {
    return this.inner.signal;
  }

  /** Whether the day's loss limit has blocked trading (until the next trading day). */
  get dayBlocked(): boolean {
    return this.#dayLoss.blocked;
  }

  step(bar: Bar): Float64Array {
    this.propose(bar);
    return this.settle(bar);
  }

  /** Steps the strategy on `bar`: its target becomes {@link raw} and {@link proposed}. */
  propose(bar: Bar): void {
    const raw = this.inner.step(bar);
    for (let i = 0; i < this.legs; i++) this.proposed[i] = this.raw[i] = raw[i];
  }

  /** The bar's target: {@link proposed} through the gate's rules (or the replayed target). */
  settle(bar: Bar): Float64Array {
    const raw = this.proposed;
    const target = this.target;
    const L = this.legs;
    if (this.replay !== null) {
      for (let i = 0; i < L; i++) target[i] = this.replay[i];
      this.#trackDay(bar);
      return target;
    }
    for (let i = 0; i < L; i++) target[i] = raw[i];
    if (this.actions.length > 0) this.actions = [];
    const pos = this.ledger!.pos;
    const { lotSize, minTradeShares } = this.orders;
    if (lotSize > 0) for (let i = 0; i < L; i++) target[i] = Math.round(target[i] / lotSize) * lotSize + 0;
    if (minTradeShares > 0)
      for (let i = 0; i < L; i++) if (Math.abs(target[i] - pos[i]) < minTradeShares) target[i] = pos[i];
    const r = this.risk;
    const close = bar.close;
    // daily loss: equity marked at this bar's close against the day's first mark
    if (r.dailyLossLimit !== undefined) {
      const blocked = this.#dayLoss.check(this.#trackDay(bar), r.dailyLossLimit);
      if (blocked !== null) this.actions.push(blocked);
    }
    const flatten = this.flatten ?? (this.#dayLoss.blocked ? 'daily-loss' : null);
    if (flatten !== null) {
      this.flattenTarget(flatten);
      return target;
    }
    if (this.staleAgeMs > 0) {
      let differs = false;
      for (let i = 0; i < L; i++) if (target[i] !== pos[i]) differs = true;
      if (differs)
        this.actions.push({
          kind: 'refuse',
          reason: 'stale-bar',
          ageMs: this.staleAgeMs,
          wanted: Array.from(target),
        });
      for (let i = 0; i < L; i++) target[i] = pos[i];
      return target;
    }
    exposureCuts(
      r,
      () => {
        let gross = 0;
        for (let i = 0; i < L; i++) gross += Math.abs(target[i]) * close[i];
        return gross;
      },
      () => {
        let worst = 0;
        let leg = -1;
        for (let i = 0; i < L; i++) {
          const v = Math.abs(target[i]) * close[i];
          if (v > worst) {
            worst = v;
            leg = i;
          }
        }
        return { value: worst, symbol: this.symbols[leg] };
      },
      (scale) => this.scaleTarget(scale),
      this.actions,
    );
    return target;
  }

  /** Scales the target (every leg alike) by a cut's `scale`; lots round toward zero so that it stays within the limit. */
  scaleTarget(scale: number): void {
    const target = this.target;
    for (let i = 0; i < this.legs; i++) target[i] *= scale;
    const lot = this.orders.lotSize;
    if (lot > 0) for (let i = 0; i < this.legs; i++) target[i] = Math.trunc(target[i] / lot) * lot + 0;
  }

  /** Sets the target flat for `reason`, with a `flatten` action when there was something to close or open. */
  flattenTarget(reason: 'kill' | 'daily-loss' | 'missing-leg'): void {
    const pos = this.ledger!.pos;
    const target = this.target;
    let any = false;
    for (let i = 0; i < this.legs; i++) if (pos[i] !== 0 || target[i] !== 0) any = true;
    if (any) this.actions.push({ kind: 'flatten', reason, from: Array.from(pos) });
    target.fill(0);
  }

  /**
   * The equity marked at this bar's close, before this bar's own fills; on the first bar of a new
   * trading day it becomes the day's reference (the equity at the previous bar's close, the starting
   * capital on the first bar).
   */
  #trackDay(bar: Bar): number {
    const ledger = this.ledger!;
    let equity = ledger.sums[CASH];
    for (let i = 0; i < this.legs; i++) equity += ledger.pos[i] * bar.close[i];
    const sim = this.#sim!;
    this.#dayLoss.track(bar.time, () => (sim.bars === 0 ? sim.options.capital : sim.equity));
    return equity;
  }

  /** Marks the day blocked (when a replay shows it was). */
  blockDay(): void {
    this.#dayLoss.blocked = true;
  }
}
