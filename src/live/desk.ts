/**
 * What a paper runner trades: its desk. A desk holds the accounts the runner decides on (the
 * strategy, wrapped by the order gate, on the backtester's {@link Simulator}), replays journaled
 * bars into them, and turns a bar into what the runner journals and sends. The runner
 * (runner.ts) does the rest, the same for every desk: the journal, the broker and its
 * reconciliation, the kill switch, the feed.
 *
 * - {@link StrategyDesk}: one strategy on its legs (`kalrev paper --pair`);
 * - `BookDesk` (book.ts): a book of pair sleeves, each its own account (`portfolio.pairs`).
 */
import { BAR_NOTIONAL, CASH, type Ledger, type Trade } from '../execution/ledger.js';
import { Simulator } from '../execution/simulator.js';
import { buildStrategy } from '../strategy/spec.js';
import type { Bar, SignalState, Strategy } from '../strategy/types.js';
import type { AssembledBar } from './assembler.js';
import type { PaperConfig } from './config.js';
import { OrderGate, type RiskAction } from './gate.js';
import type { BarRow, EventRow, JournalTrade, OrderRow, SleeveRow } from './journal.js';

/** Why the desk goes flat on a bar, set by the runner: the kill switch or a missing leg. */
export type FlattenReason = 'kill' | 'missing-leg' | null;

/** What the runner tells a desk about a bar besides its prices. */
export interface BarContext {
  seq: number;
  /** Wall-clock ms when the bar is processed (stamps events). */
  now: number;
  flatten: FlattenReason;
  /** The bar's age when it is over `risk.maxBarAgeMs` (orders refused), else 0. */
  staleAgeMs: number;
}

/** A risk action, with the sleeve it was taken on in a book (none: the whole book or a single run). */
export type DeskAction = RiskAction & { sleeve?: number };

/** What a desk decided on a bar: the rows the runner journals in one transaction, and what it logs. */
export interface Decision {
  row: BarRow;
  /** A book's sleeves' states after the bar (none for a single strategy). */
  sleeves: SleeveRow[];
  /** The orders to send (status `new`), in the order they leave. */
  orders: OrderRow[];
  actions: DeskAction[];
  events: EventRow[];
  trades: JournalTrade[];
  /** Accounts ruined on this bar: `sleeve` null for a single strategy's account. */
  ruined: { sleeve: number | null; equity: number }[];
}

/** The accounts a {@link PaperRunner} trades. */
export interface Desk {
  /** The run's identity, recorded in the journal: a resumed run must have the same. */
  readonly identity: unknown;
  /** Live bars accounted so far. */
  readonly liveBars: number;
  /** A warm-up bar (strategies only, no account), with the sleeve rows to journal with it. */
  warmup(seq: number, time: number, close: ArrayLike<number>, open: ArrayLike<number> | null): SleeveRow[];
  /** Work a live bar needs before it is decided that cannot be synchronous (a book's selection). */
  prepare?(seq: number): Promise<void>;
  /** The journal's events before a restart replays its bars (a book's selections). */
  recall?(events: readonly EventRow[]): void;
  /** The strategy's signal after a warm-up bar, for the bar's row (null for a book: in its sleeve rows). */
  warmSignal(): BarRow['signal'];
  /** Replays a journaled live bar with the targets decided then. */
  replay(row: BarRow, sleeves: readonly SleeveRow[]): void;
  /** A journaled bar's decision blocked the day (the daily loss limit): block it again. */
  blockDay(): void;
  /** Whether the state after replaying equals the one journaled with the last bar. */
  matches(last: BarRow, sleeves: readonly SleeveRow[]): boolean;
  /** Decides a live bar: the accounting kernel's steps, the gate, the orders. */
  decide(bar: AssembledBar, context: BarContext): Decision;
  /** Flat with nothing pending: a killed run stops. */
  flat(): boolean;
  /** Why the desk must stop trading (the runner throws the kill switch for it), or null. */
  readonly stopReason: string | null;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Writes a bar's prices (time, closes, and opens when given) into a simulator's bar, for legs `legs` of the bar. */
export function loadBar(
  sim: Simulator,
  time: number,
  close: ArrayLike<number>,
  open: ArrayLike<number> | null,
  legs: readonly number[],
): void {
  const bar = sim.bar;
  bar.time = time;
  const L = legs.length;
  for (let i = 0; i < L; i++) bar.close[i] = close[legs[i]];
  if (open !== null) for (let i = 0; i < L; i++) sim.open[i] = open[legs[i]];
}

/**
 * The orders that move the venue to the account after its bar `t`: with `close` execution the
 * bar's fills; otherwise the pending target's difference from the positions; and on a ruin the
 * liquidation's fills, whatever the execution. `order(leg, shares)` makes one.
 */
export function accountOrders(
  sim: Simulator,
  fillsBefore: number,
  make: (leg: number, shares: number) => OrderRow,
): OrderRow[] {
  const t = sim.bars - 1;
  const ledger = sim.ledger;
  const orders: OrderRow[] = [];
  const target = sim.target;
  const pos = ledger.pos;
  if (sim.options.execution === 'close') {
    const f = ledger.fills;
    for (let k = fillsBefore; k < f.length; k++) if (f.bar[k] === t) orders.push(make(f.leg[k], f.shares[k]));
  } else if (sim.hasPending) {
    for (let i = 0; i < sim.legs; i++) if (target[i] !== pos[i]) orders.push(make(i, target[i] - pos[i]));
  } else if (sim.ruinBar === t) {
    // ruin liquidates at this close whatever the execution: its fills are this bar's orders
    const f = ledger.fills;
    for (let k = sim.ruinFill; k < f.length; k++) orders.push(make(f.leg[k], f.shares[k]));
  }
  return orders;
}

/** The round trips the account's last bar's fills touched (a reversal closes one and opens another). */
export function barTrades(ledger: Ledger, fillsBefore: number, t: number): Trade[] {
  const trades: Trade[] = [];
  if (ledger.fills.length > fillsBefore) {
    const all = ledger.trades;
    for (let k = Math.max(0, all.length - 2); k < all.length; k++)
      if (all[k].entryBar === t || all[k].exitBar === t) trades.push(all[k]);
  }
  return trades;
}

/** Flat with no target waiting to fill. */
/** The account fields of a journal row, as after a bar: a single run's bar, or a book's sleeve's. */
export type AccountState = Pick<
  SleeveRow,
  'target' | 'positions' | 'equity' | 'cash' | 'gross' | 'net' | 'ret' | 'notional' | 'signal' | 'snapshot'
>;

/** An account's state after its bar, as the journal holds it, with its strategy's `signal`. */
export function accountState(sim: Simulator, signal: SignalState): AccountState {
  const ledger = sim.ledger;
  return {
    target: Array.from(sim.target),
    positions: Array.from(ledger.pos),
    equity: sim.equity,
    cash: ledger.sums[CASH],
    gross: sim.grossExposure,
    net: sim.netExposure,
    ret: sim.barReturn,
    notional: ledger.sums[BAR_NOTIONAL],
    signal: { ...signal },
    snapshot: sim.snapshot(),
  };
}

export const accountFlat = (sim: Simulator): boolean =>
  !sim.hasPending && sim.ledger.pos.every((p) => p === 0);

/** One strategy on its legs, wrapped by the order gate, on the backtester's Simulator. */
export class StrategyDesk implements Desk {
  readonly strategy: Strategy;
  readonly gate: OrderGate;
  readonly sim: Simulator;
  readonly identity: unknown;
  /** A single account stops on nothing but the kill switch (a ruined account trades no more by itself). */
  readonly stopReason = null;
  readonly #warmBar: Bar;
  readonly #legs: number[];

  constructor(readonly config: PaperConfig) {
    this.strategy = buildStrategy(config.strategy);
    this.gate = new OrderGate(this.strategy, config.symbols, config.orders, config.risk);
    this.sim = new Simulator(this.gate, config.options);
    this.gate.attach(this.sim);
    this.#warmBar = { index: 0, time: 0, close: new Float64Array(config.symbols.length) };
    this.#legs = config.symbols.map((_, i) => i);
    this.identity = { symbols: config.symbols, strategy: config.strategy, options: config.options };
  }

  get liveBars(): number {
    return this.sim.bars;
  }

  warmup(seq: number, time: number, close: ArrayLike<number>): SleeveRow[] {
    const b = this.#warmBar;
    b.index = seq;
    b.time = time;
    for (let i = 0; i < b.close.length; i++) b.close[i] = close[i];
    this.strategy.step(b);
    return [];
  }

  warmSignal(): BarRow['signal'] {
    return { ...this.strategy.signal };
  }

  replay(row: BarRow): void {
    loadBar(this.sim, row.time, row.close, row.open, this.#legs);
    this.gate.replay = row.target;
    this.sim.step();
    this.gate.replay = null;
  }

  blockDay(): void {
    this.gate.blockDay();
  }

  matches(last: BarRow): boolean {
    return !last.snapshot || same(this.sim.snapshot(), last.snapshot);
  }

  flat(): boolean {
    return accountFlat(this.sim);
  }

  decide(bar: AssembledBar, { seq, now, flatten, staleAgeMs }: BarContext): Decision {
    const gate = this.gate;
    gate.flatten = flatten;
    gate.staleAgeMs = staleAgeMs;
    const sim = this.sim;
    const ledger = sim.ledger;
    loadBar(sim, bar.time, bar.close, bar.open, this.#legs);
    const fillsBefore = ledger.fills.length;
    sim.step();
    const t = sim.bars - 1;
    const symbols = this.config.symbols;
    const orders = accountOrders(sim, fillsBefore, (leg, shares) => ({
      clientId: `${seq}.${leg}`,
      symbol: symbols[leg],
      leg,
      shares,
      time: bar.time,
      seq,
      status: 'new',
    }));
    const actions = gate.actions;
    const events: EventRow[] = actions.map((a) => ({ time: bar.time, at: now, kind: a.kind, detail: a }));
    // equity at or below zero: the account is ruined, closes everything and trades no more
    const ruined = sim.ruinBar === t;
    if (ruined)
      events.push({
        time: bar.time,
        at: now,
        kind: 'ruined',
        detail: { equity: sim.equity, orders: orders.length },
      });
    const decision = actions.length > 0 ? actions : orders.length > 0 ? 'trade' : 'hold';
    return {
      row: {
        seq,
        time: bar.time,
        phase: 'live',
        receivedAt: bar.receivedAt,
        close: Array.from(bar.close),
        open: bar.open === null ? null : Array.from(bar.open),
        decision,
        ...accountState(sim, this.strategy.signal),
      },
      sleeves: [],
      orders,
      actions,
      events,
      trades: barTrades(ledger, fillsBefore, t),
      ruined: ruined ? [{ sleeve: null, equity: sim.equity }] : [],
    };
  }
}
