/**
 * The broker interface the runner trades through, and the paper broker: a venue that fills
 * market orders by the backtester's execution and cost model (the same {@link Ledger} formula),
 * and keeps its own book in the journal's database so it outlives a crash of the runner, as a
 * real venue would.
 */
import type Database from 'better-sqlite3';
import { Ledger } from '../execution/ledger.js';
import type { ResolvedBacktestOptions } from '../backtest/options.js';

/** A market order for one leg. `clientId` is the runner's idempotency key: one order per id, ever. */
export interface OrderRequest {
  clientId: string;
  symbol: string;
  /** Leg index in the strategy's order. */
  leg: number;
  /** Signed shares: positive buys, negative sells. */
  shares: number;
  /** Time of the bar the order was decided on (UTC ms). */
  time: number;
}

/** A fill of a whole order (the paper broker never fills partially). */
export interface FillEvent {
  clientId: string;
  symbol: string;
  leg: number;
  shares: number;
  /** Fill price, slippage included. */
  price: number;
  commission: number;
  /** Time of the bar whose price filled the order. */
  time: number;
}

/** What a broker knows of an order by its client id: never seen, open, filled (with the fill) or cancelled. */
export type OrderStatus =
  { state: 'unknown' } | { state: 'open' } | { state: 'filled'; fill: FillEvent } | { state: 'cancelled' };

/** One bar of market data as the venue sees it (prices per leg). */
export interface MarketBar {
  time: number;
  close: ArrayLike<number>;
  open: ArrayLike<number> | null;
}

/**
 * What the runner needs from a venue. Keep it this small: a real adapter maps each call to its
 * API and reports fills through `onFill` whenever they arrive.
 */
export interface Broker {
  /** Sends an order. Must be idempotent on `clientId`: a second submit of an id does nothing. */
  submit(order: OrderRequest): void;
  /** Cancels an open order; false when it is not open (unknown, filled or cancelled). */
  cancel(clientId: string): boolean;
  /** Shares held per symbol. */
  positions(): Map<string, number>;
  /** What the venue knows of an order: how the runner reconciles after a restart. */
  order(clientId: string): OrderStatus;
  /** Registers a listener for fills. */
  onFill(listener: (fill: FillEvent) => void): void;
  /** Market data, for a simulated venue (a real venue has its own). */
  onBar?(bar: MarketBar): void;
}

interface PaperOrderRow {
  client_id: string;
  leg: number;
  symbol: string;
  shares: number;
  submitted_time: number;
  status: 'open' | 'filled' | 'cancelled';
  fill_time: number | null;
  price: number | null;
  commission: number | null;
}

/**
 * Fills orders as the backtester would: with execution 'close' at the close of the bar the
 * order was decided on (the last bar the venue has seen), with 'next-open' / 'next-close' at
 * the open / close of the next bar. Slippage and commission by {@link Ledger.quote}. Every
 * submit is recorded (`paper_submits`), so a test can prove that no order was sent twice.
 */
export class PaperBroker implements Broker {
  readonly #listeners: ((fill: FillEvent) => void)[] = [];
  readonly #quoteLedger: Ledger;
  readonly #quote = new Float64Array(2);
  readonly #execution: ResolvedBacktestOptions['execution'];
  readonly #stmts: Record<string, Database.Statement>;
  readonly #submitTx: (order: OrderRequest) => FillEvent[];
  readonly #barTx: (bar: MarketBar) => FillEvent[];
  #lastTime = -Infinity;
  #last: MarketBar | null = null;
  #open = 0;

  constructor(
    readonly db: Database.Database,
    options: ResolvedBacktestOptions,
    readonly clock: () => number = Date.now,
  ) {
    this.#quoteLedger = new Ledger(1, options);
    this.#execution = options.execution;
    this.#stmts = {
      get: db.prepare('SELECT * FROM paper_orders WHERE client_id = ?'),
      insert: db.prepare(
        `INSERT INTO paper_orders (client_id, leg, symbol, shares, submitted_time, status) VALUES (?, ?, ?, ?, ?, 'open')`,
      ),
      submit: db.prepare('INSERT INTO paper_submits (client_id, at, accepted) VALUES (?, ?, ?)'),
      open: db.prepare(`SELECT * FROM paper_orders WHERE status = 'open' ORDER BY rowid`),
      fill: db.prepare(
        `UPDATE paper_orders SET status = 'filled', fill_time = ?, price = ?, commission = ? WHERE client_id = ?`,
      ),
      cancel: db.prepare(
        `UPDATE paper_orders SET status = 'cancelled' WHERE client_id = ? AND status = 'open'`,
      ),
      position: db.prepare(
        `INSERT INTO paper_positions (symbol, shares) VALUES (?, ?)
         ON CONFLICT (symbol) DO UPDATE SET shares = shares + excluded.shares`,
      ),
      positions: db.prepare('SELECT symbol, shares FROM paper_positions'),
      market: db.prepare(
        `INSERT INTO paper_market (id, time, open, close) VALUES (1, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET time = excluded.time, open = excluded.open, close = excluded.close`,
      ),
      lastMarket: db.prepare('SELECT time, open, close FROM paper_market WHERE id = 1'),
      countOpen: db.prepare(`SELECT count(*) AS n FROM paper_orders WHERE status = 'open'`),
    };
    const m = this.#stmts.lastMarket.get() as
      { time: number; open: string | null; close: string } | undefined;
    if (m) {
      this.#lastTime = m.time;
      this.#last = {
        time: m.time,
        close: JSON.parse(m.close) as number[],
        open: m.open === null ? null : (JSON.parse(m.open) as number[]),
      };
    }
    this.#open = (this.#stmts.countOpen.get() as { n: number }).n;
    this.#submitTx = db.transaction((order: OrderRequest) => {
      const known = this.#stmts.get.get(order.clientId) !== undefined;
      this.#stmts.submit.run(order.clientId, this.clock(), known ? 0 : 1);
      if (known) return [];
      this.#stmts.insert.run(order.clientId, order.leg, order.symbol, order.shares, order.time);
      this.#open++;
      if (this.#execution === 'close' && this.#last !== null) {
        const row = this.#stmts.get.get(order.clientId) as PaperOrderRow;
        return [this.#fill(row, this.#last.time, this.#last.close[row.leg])];
      }
      return [];
    });
    this.#barTx = db.transaction((bar: MarketBar) => {
      const fills: FillEvent[] = [];
      if (this.#open > 0) {
        for (const row of this.#stmts.open.all() as PaperOrderRow[]) {
          if (row.submitted_time >= bar.time) continue;
          const ref =
            this.#execution === 'next-open'
              ? (bar.open ?? bar.close)[row.leg]
              : // 'next-close', and 'close' orders the venue saw only after their bar
                bar.close[row.leg];
          fills.push(this.#fill(row, bar.time, ref));
        }
      }
      this.#stmts.market.run(
        bar.time,
        bar.open === null ? null : JSON.stringify(Array.from(bar.open)),
        JSON.stringify(Array.from(bar.close)),
      );
      return fills;
    });
  }

  #fill(row: PaperOrderRow, time: number, ref: number): FillEvent {
    const [price, commission] = this.#quoteLedger.quote(row.shares, ref, this.#quote);
    this.#stmts.fill.run(time, price, commission, row.client_id);
    this.#stmts.position.run(row.symbol, row.shares);
    this.#open--;
    return {
      clientId: row.client_id,
      symbol: row.symbol,
      leg: row.leg,
      shares: row.shares,
      price,
      commission,
      time,
    };
  }

  #emit(fills: FillEvent[]): void {
    for (const f of fills) for (const l of this.#listeners) l(f);
  }

  /** The venue sees a bar: orders waiting for it fill. A bar already seen is ignored. */
  onBar(bar: MarketBar): void {
    if (bar.time <= this.#lastTime) return;
    const fills = this.#barTx(bar);
    this.#lastTime = bar.time;
    this.#last = {
      time: bar.time,
      close: Array.from(bar.close),
      open: bar.open === null ? null : Array.from(bar.open),
    };
    this.#emit(fills);
  }

  submit(order: OrderRequest): void {
    this.#emit(this.#submitTx(order));
  }

  cancel(clientId: string): boolean {
    const changed = this.#stmts.cancel.run(clientId).changes > 0;
    if (changed) this.#open--;
    return changed;
  }

  positions(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.#stmts.positions.all() as { symbol: string; shares: number }[])
      out.set(r.symbol, r.shares);
    return out;
  }

  order(clientId: string): OrderStatus {
    const row = this.#stmts.get.get(clientId) as PaperOrderRow | undefined;
    if (row === undefined) return { state: 'unknown' };
    if (row.status === 'open') return { state: 'open' };
    if (row.status === 'cancelled') return { state: 'cancelled' };
    return {
      state: 'filled',
      fill: {
        clientId: row.client_id,
        symbol: row.symbol,
        leg: row.leg,
        shares: row.shares,
        price: row.price!,
        commission: row.commission!,
        time: row.fill_time!,
      },
    };
  }

  onFill(listener: (fill: FillEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** How many times each order id was submitted (a test's proof of no duplicate sends). */
  submissions(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.db.prepare('SELECT client_id FROM paper_submits').all() as { client_id: string }[])
      out.set(r.client_id, (out.get(r.client_id) ?? 0) + 1);
    return out;
  }
}
