/**
 * The paper broker: a venue that fills market orders by the backtester's execution and cost
 * model (the same {@link Ledger} formula), and keeps its own book in the journal's database so it
 * outlives a crash of the runner, as a real venue would. It implements the asynchronous
 * {@link Broker} contract of src/execution/broker.ts; its answers are ready at once.
 */
import type Database from 'better-sqlite3';
import type { Broker, MarketBar, OrderRequest, OrderState } from '../execution/broker.js';
import { Ledger } from '../execution/ledger.js';
import type { ResolvedBacktestOptions } from '../execution/options.js';

export type {
  Broker,
  ConnectionEvent,
  Fill,
  MarketBar,
  OrderRequest,
  OrderState,
  OrderStatus,
} from '../execution/broker.js';
export { BrokerConnectionError, filledQty, isOpen, FINAL_STATUSES } from '../execution/broker.js';

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

const stateOf = (row: PaperOrderRow): OrderState => {
  const order: OrderRequest = {
    clientId: row.client_id,
    symbol: row.symbol,
    leg: row.leg,
    shares: row.shares,
    time: row.submitted_time,
  };
  if (row.status === 'open') return { status: 'accepted', order, fills: [] };
  if (row.status === 'cancelled') return { status: 'cancelled', order, fills: [] };
  return {
    status: 'filled',
    order,
    fills: [{ qty: row.shares, price: row.price!, commission: row.commission!, time: row.fill_time! }],
  };
};

/**
 * Fills orders as the backtester would: with execution 'close' at the close of the bar the
 * order was decided on (the last bar the venue has seen), with 'next-open' / 'next-close' at
 * the open / close of the next bar; always whole. Slippage and commission by
 * {@link Ledger.quote}. Every submit is recorded (`paper_submits`), so a test can prove that no
 * order was sent twice.
 */
export class PaperBroker implements Broker {
  readonly name = 'paper';
  readonly #listeners: ((state: OrderState) => void)[] = [];
  readonly #quoteLedger: Ledger;
  readonly #quote = new Float64Array(2);
  readonly #execution: ResolvedBacktestOptions['execution'];
  readonly #stmts: Record<string, Database.Statement>;
  readonly #submitTx: (order: OrderRequest) => { state: OrderState; updates: OrderState[] };
  readonly #barTx: (bar: MarketBar) => OrderState[];
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
      const known = this.#stmts.get.get(order.clientId) as PaperOrderRow | undefined;
      this.#stmts.submit.run(order.clientId, this.clock(), known ? 0 : 1);
      if (known) return { state: stateOf(known), updates: [] };
      this.#stmts.insert.run(order.clientId, order.leg, order.symbol, order.shares, order.time);
      this.#open++;
      if (this.#execution === 'close' && this.#last !== null) {
        const row = this.#stmts.get.get(order.clientId) as PaperOrderRow;
        const filled = this.#fill(row, this.#last.time, this.#last.close[row.leg]);
        return { state: filled, updates: [filled] };
      }
      return { state: stateOf(this.#stmts.get.get(order.clientId) as PaperOrderRow), updates: [] };
    });
    this.#barTx = db.transaction((bar: MarketBar) => {
      const updates: OrderState[] = [];
      if (this.#open > 0) {
        for (const row of this.#stmts.open.all() as PaperOrderRow[]) {
          if (row.submitted_time >= bar.time) continue;
          const ref =
            this.#execution === 'next-open'
              ? (bar.open ?? bar.close)[row.leg]
              : // 'next-close', and 'close' orders the venue saw only after their bar
                bar.close[row.leg];
          updates.push(this.#fill(row, bar.time, ref));
        }
      }
      this.#stmts.market.run(
        bar.time,
        bar.open === null ? null : JSON.stringify(Array.from(bar.open)),
        JSON.stringify(Array.from(bar.close)),
      );
      return updates;
    });
  }

  #fill(row: PaperOrderRow, time: number, ref: number): OrderState {
    const [price, commission] = this.#quoteLedger.quote(row.shares, ref, this.#quote);
    this.#stmts.fill.run(time, price, commission, row.client_id);
    this.#stmts.position.run(row.symbol, row.shares);
    this.#open--;
    return stateOf({ ...row, status: 'filled', fill_time: time, price, commission });
  }

  #emit(updates: OrderState[]): void {
    for (const u of updates) for (const l of this.#listeners) l(u);
  }

  /** The venue sees a bar: orders waiting for it fill. A bar already seen is ignored. */
  onBar(bar: MarketBar): Promise<void> {
    if (bar.time <= this.#lastTime) return Promise.resolve();
    const updates = this.#barTx(bar);
    this.#lastTime = bar.time;
    this.#last = {
      time: bar.time,
      close: Array.from(bar.close),
      open: bar.open === null ? null : Array.from(bar.open),
    };
    this.#emit(updates);
    return Promise.resolve();
  }

  submit(order: OrderRequest): Promise<OrderState> {
    const { state, updates } = this.#submitTx(order);
    this.#emit(updates);
    return Promise.resolve(state);
  }

  cancel(clientId: string): Promise<OrderState | null> {
    if (this.#stmts.cancel.run(clientId).changes > 0) {
      this.#open--;
      const state = this.#state(clientId)!;
      this.#emit([state]);
      return Promise.resolve(state);
    }
    return Promise.resolve(this.#state(clientId));
  }

  #state(clientId: string): OrderState | null {
    const row = this.#stmts.get.get(clientId) as PaperOrderRow | undefined;
    return row === undefined ? null : stateOf(row);
  }

  order(clientId: string): Promise<OrderState | null> {
    return Promise.resolve(this.#state(clientId));
  }

  openOrders(): Promise<OrderState[]> {
    if (this.#open === 0) return Promise.resolve([]);
    return Promise.resolve((this.#stmts.open.all() as PaperOrderRow[]).map(stateOf));
  }

  positions(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const r of this.#stmts.positions.all() as { symbol: string; shares: number }[])
      out.set(r.symbol, r.shares);
    return Promise.resolve(out);
  }

  onUpdate(listener: (state: OrderState) => void): void {
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
