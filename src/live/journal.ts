/**
 * The journal: one SQLite file (WAL, synchronous FULL) holding every bar received, the state
 * after it, the decision, the orders and the fills. A bar's rows are written in one transaction
 * before any of its orders leaves; a restart replays the journaled bars and reconciles the
 * orders with the broker (docs/live.md). The schema is versioned (`PRAGMA user_version`) and
 * upgraded by the migrations below, in order, each in its own transaction.
 */
import Database from 'better-sqlite3';
import type { Trade } from '../backtest/ledger.js';
import type { SimulatorSnapshot } from '../backtest/simulator.js';
import type { SignalState } from '../strategy/types.js';
import { JournalError } from './errors.js';

/** Schema migrations: entry k upgrades version k to k + 1. Never edit one that has shipped. */
export const MIGRATIONS: readonly string[] = [
  // 1: the journal and the paper venue
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE bars (
     seq INTEGER PRIMARY KEY,
     time INTEGER NOT NULL UNIQUE,
     phase TEXT NOT NULL CHECK (phase IN ('warmup', 'live')),
     received_at INTEGER NOT NULL,
     close BLOB NOT NULL,
     open BLOB,
     target BLOB,
     decision TEXT,
     positions BLOB,
     equity REAL, cash REAL, gross REAL, net REAL, ret REAL, notional REAL,
     signal TEXT,
     snapshot TEXT
   );
   CREATE TABLE orders (
     id INTEGER PRIMARY KEY,
     client_id TEXT NOT NULL UNIQUE,
     seq INTEGER NOT NULL,
     time INTEGER NOT NULL,
     leg INTEGER NOT NULL,
     symbol TEXT NOT NULL,
     shares REAL NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('new', 'filled', 'cancelled', 'rejected'))
   );
   CREATE TABLE fills (
     id INTEGER PRIMARY KEY,
     client_id TEXT NOT NULL UNIQUE,
     time INTEGER NOT NULL,
     leg INTEGER NOT NULL,
     symbol TEXT NOT NULL,
     shares REAL NOT NULL,
     price REAL NOT NULL,
     commission REAL NOT NULL
   );
   CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     time INTEGER,
     at INTEGER NOT NULL,
     kind TEXT NOT NULL,
     detail TEXT
   );
   CREATE TABLE paper_orders (
     client_id TEXT PRIMARY KEY,
     leg INTEGER NOT NULL,
     symbol TEXT NOT NULL,
     shares REAL NOT NULL,
     submitted_time INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('open', 'filled', 'cancelled')),
     fill_time INTEGER, price REAL, commission REAL
   );
   CREATE TABLE paper_submits (id INTEGER PRIMARY KEY, client_id TEXT NOT NULL, at INTEGER NOT NULL, accepted INTEGER NOT NULL);
   CREATE TABLE paper_positions (symbol TEXT PRIMARY KEY, shares REAL NOT NULL);
   CREATE TABLE paper_market (id INTEGER PRIMARY KEY CHECK (id = 1), time INTEGER NOT NULL, open TEXT, close TEXT NOT NULL);`,
  // 2: round trips, and the lookups a restart makes
  `CREATE TABLE trades (
     entry_bar INTEGER PRIMARY KEY,
     direction INTEGER NOT NULL,
     entry_time INTEGER NOT NULL,
     exit_bar INTEGER NOT NULL,
     exit_time INTEGER,
     entry_prices TEXT NOT NULL,
     exit_prices TEXT NOT NULL,
     pnl REAL NOT NULL,
     holding_bars INTEGER NOT NULL,
     closed INTEGER NOT NULL
   );
   CREATE INDEX orders_status ON orders (status);
   CREATE INDEX paper_orders_status ON paper_orders (status);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** One journaled bar with the state after it. */
export interface BarRow {
  seq: number;
  time: number;
  phase: 'warmup' | 'live';
  receivedAt: number;
  close: number[];
  open: number[] | null;
  /** The target decided on this bar (after order rounding and risk), null for warm-up bars. */
  target: number[] | null;
  /** What happened: 'hold', 'trade', or the risk actions taken. */
  decision: unknown;
  positions: number[] | null;
  equity: number | null;
  cash: number | null;
  gross: number | null;
  net: number | null;
  ret: number | null;
  notional: number | null;
  signal: SignalState | null;
  snapshot: SimulatorSnapshot | null;
}

export interface OrderRow {
  clientId: string;
  seq: number;
  time: number;
  leg: number;
  symbol: string;
  shares: number;
  status: 'new' | 'filled' | 'cancelled' | 'rejected';
}

export interface FillRow {
  clientId: string;
  /** Time of the bar whose price filled it. */
  time: number;
  leg: number;
  symbol: string;
  shares: number;
  price: number;
  commission: number;
}

export interface EventRow {
  time: number | null;
  at: number;
  kind: string;
  detail: unknown;
}

const num = (v: number | null): number => (v === null ? NaN : v);
/**
 * Price and share vectors are stored as the bytes of a Float64Array: exact to the bit (−0 and
 * NaN included, which JSON loses) and cheaper to write than text.
 */
const toBlob = (v: ArrayLike<number>): Buffer => Buffer.from(Float64Array.from(v).buffer);
const fromBlob = (b: Buffer | null): number[] | null =>
  b === null ? null : Array.from(new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
/** JSON with NaN kept (as null) and read back as NaN. */
const toJson = (v: unknown): string => JSON.stringify(v);
const signalFrom = (s: Record<string, number | null>): SignalState => ({
  value: num(s.value),
  z: num(s.z),
  centre: num(s.centre),
  scale: num(s.scale),
  units: num(s.units),
  hedgeRatio: num(s.hedgeRatio),
  fairValue: num(s.fairValue),
});

interface RawBar {
  seq: number;
  time: number;
  phase: 'warmup' | 'live';
  received_at: number;
  close: Buffer;
  open: Buffer | null;
  target: Buffer | null;
  decision: string | null;
  positions: Buffer | null;
  equity: number | null;
  cash: number | null;
  gross: number | null;
  net: number | null;
  ret: number | null;
  notional: number | null;
  signal: string | null;
  snapshot: string | null;
}

function barFromRaw(r: RawBar): BarRow {
  return {
    seq: r.seq,
    time: r.time,
    phase: r.phase,
    receivedAt: r.received_at,
    close: fromBlob(r.close)!,
    open: fromBlob(r.open),
    target: fromBlob(r.target),
    decision: r.decision === null ? null : JSON.parse(r.decision),
    positions: fromBlob(r.positions),
    equity: r.equity,
    cash: r.cash,
    gross: r.gross,
    net: r.net,
    ret: r.ret,
    notional: r.notional,
    signal: r.signal === null ? null : signalFrom(JSON.parse(r.signal) as Record<string, number | null>),
    snapshot: r.snapshot === null ? null : (JSON.parse(r.snapshot) as SimulatorSnapshot),
  };
}

/** Opens (creating or upgrading) a journal database. @throws JournalError for a newer schema. */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
  } catch (e) {
    throw new JournalError(file, `cannot open the journal: ${(e as Error).message}`);
  }
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new JournalError(
      file,
      `journal schema version ${version} was written by a newer kalrev (this one reads up to ${SCHEMA_VERSION})`,
    );
  }
  if (version < SCHEMA_VERSION) {
    if (options.readonly) {
      db.close();
      throw new JournalError(
        file,
        version === 0
          ? 'not a kalrev journal (no schema)'
          : `journal schema version ${version} is older than ${SCHEMA_VERSION}; open it once with \`kalrev paper\` to upgrade it`,
      );
    }
    for (let v = version; v < SCHEMA_VERSION; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]);
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }
  return db;
}

/** The run's journal: typed reads and writes over {@link openDatabase}'s schema. */
export class Journal {
  readonly db: Database.Database;
  readonly #insertBar: Database.Statement;
  readonly #insertOrder: Database.Statement;
  readonly #insertFill: Database.Statement;
  readonly #fillOrder: Database.Statement;
  readonly #insertEvent: Database.Statement;
  readonly #upsertTrade: Database.Statement;
  readonly #recordBar: (
    bar: BarRow,
    orders: OrderRow[],
    fills: FillRow[],
    events: EventRow[],
    trades: Trade[],
  ) => void;
  readonly #recordFills: (fills: FillRow[]) => void;

  constructor(
    readonly file: string,
    options: { readonly?: boolean } = {},
  ) {
    this.db = openDatabase(file, options);
    const db = this.db;
    if (options.readonly) {
      // statements that write are prepared lazily below only for writable journals
      const fail = () => {
        throw new JournalError(file, 'the journal is open read-only');
      };
      const stub = { run: fail } as unknown as Database.Statement;
      this.#insertBar = this.#insertOrder = this.#insertFill = this.#fillOrder = stub;
      this.#insertEvent = this.#upsertTrade = stub;
      this.#recordBar = fail;
      this.#recordFills = fail;
      return;
    }
    this.#insertBar = db.prepare(
      `INSERT INTO bars (seq, time, phase, received_at, close, open, target, decision, positions,
         equity, cash, gross, net, ret, notional, signal, snapshot)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#insertOrder = db.prepare(
      'INSERT INTO orders (client_id, seq, time, leg, symbol, shares, status) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#insertFill = db.prepare(
      `INSERT INTO fills (client_id, time, leg, symbol, shares, price, commission) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (client_id) DO NOTHING`,
    );
    this.#fillOrder = db.prepare(`UPDATE orders SET status = 'filled' WHERE client_id = ?`);
    this.#insertEvent = db.prepare('INSERT INTO events (time, at, kind, detail) VALUES (?, ?, ?, ?)');
    this.#upsertTrade = db.prepare(
      `INSERT INTO trades (entry_bar, direction, entry_time, exit_bar, exit_time, entry_prices, exit_prices,
         pnl, holding_bars, closed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (entry_bar) DO UPDATE SET exit_bar = excluded.exit_bar, exit_time = excluded.exit_time,
         exit_prices = excluded.exit_prices, pnl = excluded.pnl, holding_bars = excluded.holding_bars,
         closed = excluded.closed`,
    );
    const fillsTx = (fills: FillRow[]) => {
      for (const f of fills) {
        this.#insertFill.run(f.clientId, f.time, f.leg, f.symbol, f.shares, f.price, f.commission);
        this.#fillOrder.run(f.clientId);
      }
    };
    this.#recordFills = db.transaction(fillsTx);
    this.#recordBar = db.transaction(
      (bar: BarRow, orders: OrderRow[], fills: FillRow[], events: EventRow[], trades: Trade[]) => {
        this.#insertBar.run(
          bar.seq,
          bar.time,
          bar.phase,
          bar.receivedAt,
          toBlob(bar.close),
          bar.open === null ? null : toBlob(bar.open),
          bar.target === null ? null : toBlob(bar.target),
          bar.decision === null ? null : toJson(bar.decision),
          bar.positions === null ? null : toBlob(bar.positions),
          bar.equity,
          bar.cash,
          bar.gross,
          bar.net,
          bar.ret,
          bar.notional,
          bar.signal === null ? null : toJson(bar.signal),
          bar.snapshot === null ? null : toJson(bar.snapshot),
        );
        for (const o of orders)
          this.#insertOrder.run(o.clientId, o.seq, o.time, o.leg, o.symbol, o.shares, o.status);
        fillsTx(fills);
        for (const e of events) this.#insertEvent.run(e.time, e.at, e.kind, toJson(e.detail));
        for (const t of trades)
          this.#upsertTrade.run(
            t.entryBar,
            t.direction,
            t.entryTime,
            t.exitBar,
            Number.isNaN(t.exitTime) ? null : t.exitTime,
            toJson(t.entryPrices),
            toJson(t.exitPrices),
            t.pnl,
            t.holdingBars,
            t.closed ? 1 : 0,
          );
      },
    );
  }

  /** Writes one bar with everything decided on it, in one transaction. */
  recordBar(bar: BarRow, orders: OrderRow[], fills: FillRow[], events: EventRow[], trades: Trade[]): void {
    this.#recordBar(bar, orders, fills, events, trades);
  }

  /** Writes fills (and marks their orders filled) in one transaction. */
  recordFills(fills: FillRow[]): void {
    if (fills.length > 0) this.#recordFills(fills);
  }

  /** Writes one event outside a bar's transaction (feed rejections, kill switch, restarts). */
  event(e: EventRow): void {
    this.#insertEvent.run(e.time, e.at, e.kind, toJson(e.detail));
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  /** Every journaled bar in order. */
  *bars(): Generator<BarRow> {
    for (const r of this.db.prepare('SELECT * FROM bars ORDER BY seq').iterate() as Iterable<RawBar>)
      yield barFromRaw(r);
  }

  lastBar(): BarRow | undefined {
    const r = this.db.prepare('SELECT * FROM bars ORDER BY seq DESC LIMIT 1').get() as RawBar | undefined;
    return r && barFromRaw(r);
  }

  count(table: 'bars' | 'orders' | 'fills' | 'events' | 'trades', where = ''): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${table} ${where}`).get() as { n: number }).n;
  }

  /** Orders journaled but not (yet) known to be filled. */
  unfilledOrders(): OrderRow[] {
    return (this.db.prepare(`SELECT * FROM orders WHERE status = 'new' ORDER BY id`).all() as RawOrder[]).map(
      orderFromRaw,
    );
  }

  orders(): OrderRow[] {
    return (this.db.prepare('SELECT * FROM orders ORDER BY seq, leg').all() as RawOrder[]).map(orderFromRaw);
  }

  fills(): FillRow[] {
    return (
      this.db.prepare('SELECT * FROM fills ORDER BY time, leg').all() as (Omit<FillRow, 'clientId'> & {
        client_id: string;
      })[]
    ).map((r) => ({
      clientId: r.client_id,
      time: r.time,
      leg: r.leg,
      symbol: r.symbol,
      shares: r.shares,
      price: r.price,
      commission: r.commission,
    }));
  }

  events(kind?: string): EventRow[] {
    const rows = (
      kind === undefined
        ? this.db.prepare('SELECT * FROM events ORDER BY id').all()
        : this.db.prepare('SELECT * FROM events WHERE kind = ? ORDER BY id').all(kind)
    ) as { time: number | null; at: number; kind: string; detail: string | null }[];
    return rows.map((r) => ({
      time: r.time,
      at: r.at,
      kind: r.kind,
      detail: r.detail === null ? null : JSON.parse(r.detail),
    }));
  }

  trades(): Trade[] {
    const rows = this.db.prepare('SELECT * FROM trades ORDER BY entry_bar').all() as {
      entry_bar: number;
      direction: 1 | -1;
      entry_time: number;
      exit_bar: number;
      exit_time: number | null;
      entry_prices: string;
      exit_prices: string;
      pnl: number;
      holding_bars: number;
      closed: number;
    }[];
    const nums = (s: string) => (JSON.parse(s) as (number | null)[]).map(num);
    return rows.map((r) => ({
      direction: r.direction,
      entryBar: r.entry_bar,
      entryTime: r.entry_time,
      exitBar: r.exit_bar,
      exitTime: r.exit_time ?? NaN,
      entryPrices: nums(r.entry_prices),
      exitPrices: nums(r.exit_prices),
      pnl: r.pnl,
      holdingBars: r.holding_bars,
      closed: r.closed === 1,
    }));
  }

  close(): void {
    this.db.close();
  }
}

type RawOrder = Omit<OrderRow, 'clientId'> & { client_id: string };

function orderFromRaw(r: RawOrder): OrderRow {
  return {
    clientId: r.client_id,
    seq: r.seq,
    time: r.time,
    leg: r.leg,
    symbol: r.symbol,
    shares: r.shares,
    status: r.status,
  };
}
