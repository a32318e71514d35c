/**
 * The journal: one SQLite file (WAL, synchronous FULL) holding every bar received, the state
 * after it, the decision, the orders and the fills. A bar's rows are written in one transaction
 * before any of its orders leaves; a restart replays the journaled bars and reconciles the
 * orders with the broker (docs/live.md). The schema is versioned (`PRAGMA user_version`) and
 * upgraded by the migrations below, in order, each in its own transaction.
 *
 * Integrity: SQLite's `quick_check` runs on every open; each bar row (with the orders decided on
 * it) and each fill row carries a SHA-256 over its content and the previous row's hash, so a row
 * changed, inserted or removed outside kalrev breaks the chain; the chain's head is kept in
 * `meta` in the same transaction as the row. A writer holds a lock row naming its process.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import type { Trade } from '../execution/ledger.js';
import type { SimulatorSnapshot } from '../execution/simulator.js';
import type { SignalState } from '../strategy/types.js';
import { FINAL_STATUSES, type OrderState, type OrderStatus } from '../execution/broker.js';
import { JournalCorruptError, JournalError, JournalLockedError } from './errors.js';

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
  // 3: the checksum chain; existing rows are chained once by the Journal ('pending' until then)
  `ALTER TABLE bars ADD COLUMN hash TEXT;
   ALTER TABLE fills ADD COLUMN hash TEXT;
   INSERT INTO meta (key, value) VALUES ('chain', 'pending')
     ON CONFLICT (key) DO UPDATE SET value = excluded.value;`,
  // 4: an order's venue states (accepted, partially filled, expired; the shares filled, why it
  // was rejected) and fills in parts (numbered within their order)
  `CREATE TABLE orders_v4 (
     id INTEGER PRIMARY KEY,
     client_id TEXT NOT NULL UNIQUE,
     seq INTEGER NOT NULL,
     time INTEGER NOT NULL,
     leg INTEGER NOT NULL,
     symbol TEXT NOT NULL,
     shares REAL NOT NULL,
     status TEXT NOT NULL CHECK (status IN
       ('new', 'accepted', 'partially-filled', 'filled', 'rejected', 'cancelled', 'expired')),
     filled REAL NOT NULL DEFAULT 0,
     reason TEXT
   );
   INSERT INTO orders_v4 (id, client_id, seq, time, leg, symbol, shares, status, filled)
     SELECT id, client_id, seq, time, leg, symbol, shares, status,
       (SELECT coalesce(sum(f.shares), 0) FROM fills f WHERE f.client_id = orders.client_id)
     FROM orders;
   DROP TABLE orders;
   ALTER TABLE orders_v4 RENAME TO orders;
   CREATE INDEX orders_status ON orders (status);
   CREATE TABLE fills_v4 (
     id INTEGER PRIMARY KEY,
     client_id TEXT NOT NULL,
     n INTEGER NOT NULL DEFAULT 0,
     time INTEGER NOT NULL,
     leg INTEGER NOT NULL,
     symbol TEXT NOT NULL,
     shares REAL NOT NULL,
     price REAL NOT NULL,
     commission REAL NOT NULL,
     hash TEXT,
     UNIQUE (client_id, n)
   );
   INSERT INTO fills_v4 (id, client_id, n, time, leg, symbol, shares, price, commission, hash)
     SELECT id, client_id, 0, time, leg, symbol, shares, price, commission, hash FROM fills;
   DROP TABLE fills;
   ALTER TABLE fills_v4 RENAME TO fills;`,
  // 5: a book of sleeves in one journal: orders and fills tagged with their sleeve (NULL for a
  // single strategy's run), each sleeve's state after a bar, and round trips keyed by sleeve
  // (0 for a single strategy's run)
  `ALTER TABLE orders ADD COLUMN sleeve INTEGER;
   ALTER TABLE fills ADD COLUMN sleeve INTEGER;
   CREATE TABLE sleeve_bars (
     seq INTEGER NOT NULL,
     sleeve INTEGER NOT NULL,
     target BLOB,
     positions BLOB,
     equity REAL, cash REAL, gross REAL, net REAL, ret REAL, notional REAL,
     signal TEXT,
     snapshot TEXT,
     PRIMARY KEY (seq, sleeve)
   );
   CREATE TABLE trades_v5 (
     sleeve INTEGER NOT NULL DEFAULT 0,
     entry_bar INTEGER NOT NULL,
     direction INTEGER NOT NULL,
     entry_time INTEGER NOT NULL,
     exit_bar INTEGER NOT NULL,
     exit_time INTEGER,
     entry_prices TEXT NOT NULL,
     exit_prices TEXT NOT NULL,
     pnl REAL NOT NULL,
     holding_bars INTEGER NOT NULL,
     closed INTEGER NOT NULL,
     PRIMARY KEY (sleeve, entry_bar)
   );
   INSERT INTO trades_v5 (sleeve, entry_bar, direction, entry_time, exit_bar, exit_time, entry_prices,
       exit_prices, pnl, holding_bars, closed)
     SELECT 0, entry_bar, direction, entry_time, exit_bar, exit_time, entry_prices, exit_prices, pnl,
       holding_bars, closed FROM trades;
   DROP TABLE trades;
   ALTER TABLE trades_v5 RENAME TO trades;`,
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

/**
 * One sleeve's state after a journaled bar (a book's run): the target decided for it, its
 * positions and account, its strategy's signal and its simulator's snapshot. A warm-up bar's has
 * the signal only.
 */
export interface SleeveRow {
  seq: number;
  /** The sleeve's index in the book (its order in `portfolio.pairs`). */
  sleeve: number;
  target: number[] | null;
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

/** A round trip as journaled: a single run's, or a book's sleeve's (`sleeve`, default 0). */
export type JournalTrade = Trade & { sleeve?: number };

/** A journaled order: `new` until the venue answers, then the venue's last known status. */
export interface OrderRow {
  clientId: string;
  /** The book's sleeve that decided it (null or absent for a single strategy's run). */
  sleeve?: number | null;
  seq: number;
  time: number;
  leg: number;
  symbol: string;
  shares: number;
  status: OrderStatus;
  /** Shares filled so far (signed). */
  filled?: number;
  /** Why the venue rejected it. */
  reason?: string | null;
}

export interface FillRow {
  clientId: string;
  /** The sleeve of its order (null for a single strategy's run). */
  sleeve?: number | null;
  /** The fill's number within its order (0 for the first; an order may fill in parts). */
  n: number;
  /** Time of the bar whose price filled it. */
  time: number;
  leg: number;
  symbol: string;
  shares: number;
  price: number;
  commission: number;
}

/** What journaling order states added: new fills, and orders that ended without filling whole. */
export interface StatesRecorded {
  fills: FillRow[];
  closed: OrderState[];
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

interface RawSleeve {
  seq: number;
  sleeve: number;
  target: Buffer | null;
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

function sleeveFromRaw(r: RawSleeve): SleeveRow {
  return {
    seq: r.seq,
    sleeve: r.sleeve,
    target: fromBlob(r.target),
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

function sleeveToRaw(r: SleeveRow): RawSleeve {
  return {
    seq: r.seq,
    sleeve: r.sleeve,
    target: r.target === null ? null : toBlob(r.target),
    positions: r.positions === null ? null : toBlob(r.positions),
    equity: r.equity,
    cash: r.cash,
    gross: r.gross,
    net: r.net,
    ret: r.ret,
    notional: r.notional,
    signal: r.signal === null ? null : toJson(r.signal),
    snapshot: r.snapshot === null ? null : toJson(r.snapshot),
  };
}

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
  hash?: string | null;
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

/** A time for a message: ISO when it is a valid date, else the number as given. */
export const isoTime = (t: number): string =>
  Number.isFinite(t) && Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : String(t);

/**
 * What a SQLite failure means for the journal's user: damage → {@link JournalCorruptError},
 * a lock held too long, a full disk or a file that cannot be written → {@link JournalError}.
 * Anything else is returned as it was.
 */
export function journalFailure(file: string, e: unknown): unknown {
  if (e instanceof JournalError) return e;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return e;
  const message = (e as Error).message;
  if (code.startsWith('SQLITE_NOTADB'))
    return new JournalCorruptError(file, 'not a SQLite database (or its header is damaged)');
  if (code.startsWith('SQLITE_CORRUPT')) return new JournalCorruptError(file, message);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new JournalError(file, `the journal stayed locked by another process (${message})`);
  if (code.startsWith('SQLITE_FULL')) return new JournalError(file, `cannot write the journal: disk full`);
  if (['SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_PERM'].some((c) => code.startsWith(c)))
    return new JournalError(file, `cannot read or write the journal: ${message}`);
  return e;
}

/** Runs `fn`, turning SQLite failures into the journal errors of {@link journalFailure}. */
export function guardJournal<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw journalFailure(file, e);
  }
}

/** SQLite's own check of the file's pages and indexes (reads the whole file). */
function quickCheck(db: Database.Database, file: string): void {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  if (rows.length === 1 && rows[0].quick_check === 'ok') return;
  const first = (rows[0]?.quick_check ?? 'no result').replace(/\s+/g, ' ').slice(0, 160);
  throw new JournalCorruptError(
    file,
    `SQLite's check of the file failed: ${first}${rows.length > 1 ? ` (and ${rows.length - 1} more problems)` : ''}`,
  );
}

/**
 * Opens (creating or upgrading) a journal database, after SQLite's check of the file.
 * @throws JournalError for a newer schema or a file that cannot be opened, JournalCorruptError
 * for a damaged one.
 */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): Database.Database {
  if (options.readonly && !existsSync(file)) throw new JournalError(file, 'no such journal');
  let db: Database.Database;
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
  } catch (e) {
    throw new JournalError(file, `cannot open the journal: ${(e as Error).message}`);
  }
  try {
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
    }
    quickCheck(db, file);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION)
      throw new JournalError(
        file,
        `journal schema version ${version} was written by a newer kalrev (this one reads up to ${SCHEMA_VERSION})`,
      );
    if (version < SCHEMA_VERSION) {
      if (options.readonly)
        throw new JournalError(
          file,
          version === 0
            ? 'not a kalrev journal (no schema)'
            : `journal schema version ${version} is older than ${SCHEMA_VERSION}; open it once with \`kalrev paper\` to upgrade it`,
        );
      for (let v = version; v < SCHEMA_VERSION; v++)
        db.transaction(() => {
          // another process may have upgraded it meanwhile: the write lock orders us
          if ((db.pragma('user_version', { simple: true }) as number) !== v) return;
          db.exec(MIGRATIONS[v]);
          db.pragma(`user_version = ${v + 1}`);
        }).immediate();
    }
  } catch (e) {
    db.close();
    throw journalFailure(file, e);
  }
  return db;
}

const GENESIS = '';
const sha = (prev: string, content: string) =>
  createHash('sha256').update(prev).update('\n').update(content).digest('hex');
const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));
/** Numbers as SQLite gives them back: NaN is stored as NULL, −0 as 0. */
const canonNum = (x: number | null) => (x === null || Number.isNaN(x) ? null : x + 0);

/** The immutable part of an order row, as chained with its bar. */
interface RawOrderKey {
  client_id: string;
  seq: number;
  time: number;
  leg: number;
  symbol: string;
  shares: number;
  sleeve: number | null;
}

interface RawFill {
  client_id: string;
  n: number;
  time: number;
  leg: number;
  symbol: string;
  shares: number;
  price: number;
  commission: number;
  sleeve?: number | null;
  hash?: string | null;
}

/**
 * A bar's content as chained: its row, its orders and (a book's) its sleeves' rows; an order's
 * sleeve and the sleeves' rows only when there are (journals of a single run chain without them).
 */
function barContent(r: RawBar, orders: readonly RawOrderKey[], sleeves: readonly RawSleeve[] = []): string {
  return JSON.stringify([
    r.seq,
    r.time,
    r.phase,
    r.received_at,
    hex(r.close),
    hex(r.open),
    hex(r.target),
    r.decision,
    hex(r.positions),
    canonNum(r.equity),
    canonNum(r.cash),
    canonNum(r.gross),
    canonNum(r.net),
    canonNum(r.ret),
    canonNum(r.notional),
    r.signal,
    r.snapshot,
    orders.map((o) => [
      o.client_id,
      o.seq,
      o.time,
      o.leg,
      o.symbol,
      canonNum(o.shares),
      ...(o.sleeve === null || o.sleeve === undefined ? [] : [o.sleeve]),
    ]),
    ...(sleeves.length === 0
      ? []
      : [
          sleeves.map((v) => [
            v.sleeve,
            hex(v.target),
            hex(v.positions),
            canonNum(v.equity),
            canonNum(v.cash),
            canonNum(v.gross),
            canonNum(v.net),
            canonNum(v.ret),
            canonNum(v.notional),
            v.signal,
            v.snapshot,
          ]),
        ]),
  ]);
}

/** A fill's content as chained; the part number only from the second part on (older journals chained without it). */
const fillContent = (f: RawFill): string =>
  JSON.stringify([
    f.client_id,
    f.time,
    f.leg,
    f.symbol,
    canonNum(f.shares),
    canonNum(f.price),
    canonNum(f.commission),
    ...(f.n > 0 ? [f.n] : []),
    ...(f.sleeve === null || f.sleeve === undefined ? [] : [{ sleeve: f.sleeve }]),
  ]);

/** The last hash of each chain and its length, kept in `meta` with every write. */
interface ChainHead {
  bars: string;
  barCount: number;
  fills: string;
  fillCount: number;
}

/** Who holds a journal: enough to tell a live holder from a killed one (and a reused pid). */
export interface JournalLock {
  pid: number;
  /** The process's start time (Linux /proc), null where unknown. */
  start: string | null;
  host: string;
  at: number;
}

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the lock's holder still runs (a holder on another host is assumed to). */
export function lockHolderAlive(lock: JournalLock): boolean {
  if (lock.host !== hostname()) return true;
  try {
    process.kill(lock.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(lock.pid);
  return lock.start === null || start === null || start === lock.start;
}

export interface JournalOptions {
  readonly?: boolean;
  /**
   * Take the journal for this process (a writer): refused with {@link JournalLockedError} while
   * another live process holds it; a holder that died (SIGKILL) is taken over. The chain is
   * checked once the lock is held. Released by {@link Journal.close}.
   */
  lock?: boolean;
  /** The clock stamping events (migration, lock takeover). */
  clock?: () => number;
}

/** The run's journal: typed reads and writes over {@link openDatabase}'s schema. */
export class Journal {
  readonly db: Database.Database;
  readonly #insertBar: Database.Statement;
  readonly #insertOrder: Database.Statement;
  readonly #insertFill: Database.Statement;
  readonly #orderState: Database.Statement;
  readonly #fillCount: Database.Statement;
  readonly #insertEvent: Database.Statement;
  readonly #upsertTrade: Database.Statement;
  readonly #insertSleeve: Database.Statement;
  readonly #setHead: Database.Statement;
  readonly #recordBar: (
    bar: BarRow,
    orders: OrderRow[],
    updates: OrderState[],
    events: EventRow[],
    trades: JournalTrade[],
    at: number,
    sleeves: SleeveRow[],
  ) => StatesRecorded;
  readonly #recordStates: (updates: OrderState[], at: number, time: number | null) => StatesRecorded;
  #openOrders: Database.Statement | null = null;
  #head: ChainHead = { bars: GENESIS, barCount: 0, fills: GENESIS, fillCount: 0 };
  #lock: JournalLock | null = null;
  /** The holder whose lock was taken over on open (it had died), if any. */
  takenOver: JournalLock | null = null;

  constructor(
    readonly file: string,
    options: JournalOptions = {},
  ) {
    this.db = openDatabase(file, options);
    const db = this.db;
    if (options.readonly) {
      // statements that write are prepared lazily below only for writable journals
      const fail = () => {
        throw new JournalError(file, 'the journal is open read-only');
      };
      const stub = { run: fail } as unknown as Database.Statement;
      this.#insertBar = this.#insertOrder = this.#insertFill = this.#orderState = stub;
      this.#fillCount = this.#insertEvent = this.#upsertTrade = this.#setHead = this.#insertSleeve = stub;
      this.#recordBar = fail;
      this.#recordStates = fail;
      return;
    }
    const clock = options.clock ?? Date.now;
    try {
      if (options.lock) this.#takeLock(clock());
      if (this.getMeta('chain') === 'pending') this.#chainOnce(clock());
      else if (options.lock) this.verifyChain();
    } catch (e) {
      this.close();
      throw journalFailure(file, e);
    }
    const head = this.getMeta('chain-head');
    if (head !== undefined) this.#head = JSON.parse(head) as ChainHead;
    this.#insertBar = db.prepare(
      `INSERT INTO bars (seq, time, phase, received_at, close, open, target, decision, positions,
         equity, cash, gross, net, ret, notional, signal, snapshot, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#insertOrder = db.prepare(
      'INSERT INTO orders (client_id, seq, time, leg, symbol, shares, status, sleeve) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#insertFill = db.prepare(
      `INSERT INTO fills (client_id, n, time, leg, symbol, shares, price, commission, sleeve, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (client_id, n) DO NOTHING`,
    );
    this.#insertSleeve = db.prepare(
      `INSERT INTO sleeve_bars (seq, sleeve, target, positions, equity, cash, gross, net, ret, notional, signal, snapshot)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // the fills journaled for an order so far, and the sleeve its order was decided for
    this.#fillCount = db.prepare(
      `SELECT (SELECT count(*) FROM fills WHERE client_id = ?) AS n,
              (SELECT sleeve FROM orders WHERE client_id = ?) AS sleeve`,
    );
    // a final status is never left: a late report of an earlier state changes nothing
    this.#orderState = db.prepare(
      `UPDATE orders SET status = ?, filled = ?, reason = ?
       WHERE client_id = ? AND status IN ('new', 'accepted', 'partially-filled')`,
    );
    this.#insertEvent = db.prepare('INSERT INTO events (time, at, kind, detail) VALUES (?, ?, ?, ?)');
    this.#setHead = db.prepare(
      `INSERT INTO meta (key, value) VALUES ('chain-head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    this.#upsertTrade = db.prepare(
      `INSERT INTO trades (sleeve, entry_bar, direction, entry_time, exit_bar, exit_time, entry_prices, exit_prices,
         pnl, holding_bars, closed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (sleeve, entry_bar) DO UPDATE SET exit_bar = excluded.exit_bar, exit_time = excluded.exit_time,
         exit_prices = excluded.exit_prices, pnl = excluded.pnl, holding_bars = excluded.holding_bars,
         closed = excluded.closed`,
    );
    // the head advances in memory only once its transaction has committed
    /** Journals what the venue reports of orders: their new fills (chained) and their status. */
    const statesTx = (
      updates: OrderState[],
      head: ChainHead,
      at: number,
      time: number | null,
    ): StatesRecorded => {
      const added: FillRow[] = [];
      const closed: OrderState[] = [];
      for (const u of updates) {
        const o = u.order;
        const { n: known, sleeve } = this.#fillCount.get(o.clientId, o.clientId) as {
          n: number;
          sleeve: number | null;
        };
        let filled = 0;
        for (let n = 0; n < u.fills.length; n++) {
          const f = u.fills[n];
          filled += f.qty;
          if (n < known) continue;
          const raw: RawFill = {
            client_id: o.clientId,
            n,
            time: f.time,
            leg: o.leg,
            symbol: o.symbol,
            shares: f.qty,
            price: f.price,
            commission: f.commission,
            sleeve,
          };
          const hash = sha(head.fills, fillContent(raw));
          const { changes } = this.#insertFill.run(
            raw.client_id,
            raw.n,
            raw.time,
            raw.leg,
            raw.symbol,
            raw.shares,
            raw.price,
            raw.commission,
            sleeve,
            hash,
          );
          if (changes > 0) {
            head.fills = hash;
            head.fillCount++;
            added.push({
              clientId: raw.client_id,
              sleeve,
              n,
              time: raw.time,
              leg: raw.leg,
              symbol: raw.symbol,
              shares: raw.shares,
              price: raw.price,
              commission: raw.commission,
            });
          }
        }
        // a venue reporting fewer fills than journaled is not believed over the journal's record
        if (u.fills.length < known) continue;
        const reason = u.status === 'rejected' ? u.reason : null;
        const { changes } = this.#orderState.run(u.status, filled, reason, o.clientId);
        // an order that ends without filling whole is an event of the run
        if (changes > 0 && u.status !== 'filled' && FINAL_STATUSES.has(u.status)) {
          closed.push(u);
          this.#insertEvent.run(
            time,
            at,
            `order-${u.status}`,
            toJson({ clientId: o.clientId, symbol: o.symbol, shares: o.shares, filled, reason }),
          );
        }
      }
      return { fills: added, closed };
    };
    const statesOnly = db.transaction(
      (updates: OrderState[], head: ChainHead, at: number, time: number | null) => {
        const done = statesTx(updates, head, at, time);
        this.#setHead.run(JSON.stringify(head));
        return done;
      },
    );
    this.#recordStates = (updates, at, time) => {
      const head = { ...this.#head };
      const done = statesOnly(updates, head, at, time);
      this.#head = head;
      return done;
    };
    const barTx = db.transaction(
      (
        bar: BarRow,
        orders: OrderRow[],
        updates: OrderState[],
        events: EventRow[],
        trades: JournalTrade[],
        at: number,
        sleeves: SleeveRow[],
        head: ChainHead,
      ): StatesRecorded => {
        const raw: RawBar = {
          seq: bar.seq,
          time: bar.time,
          phase: bar.phase,
          received_at: bar.receivedAt,
          close: toBlob(bar.close),
          open: bar.open === null ? null : toBlob(bar.open),
          target: bar.target === null ? null : toBlob(bar.target),
          decision: bar.decision === null ? null : toJson(bar.decision),
          positions: bar.positions === null ? null : toBlob(bar.positions),
          equity: bar.equity,
          cash: bar.cash,
          gross: bar.gross,
          net: bar.net,
          ret: bar.ret,
          notional: bar.notional,
          signal: bar.signal === null ? null : toJson(bar.signal),
          snapshot: bar.snapshot === null ? null : toJson(bar.snapshot),
        };
        const keys: RawOrderKey[] = orders.map((o) => ({
          client_id: o.clientId,
          seq: o.seq,
          time: o.time,
          leg: o.leg,
          symbol: o.symbol,
          shares: o.shares,
          sleeve: o.sleeve ?? null,
        }));
        const rawSleeves = sleeves.map(sleeveToRaw);
        const hash = sha(head.bars, barContent(raw, keys, rawSleeves));
        this.#insertBar.run(
          raw.seq,
          raw.time,
          raw.phase,
          raw.received_at,
          raw.close,
          raw.open,
          raw.target,
          raw.decision,
          raw.positions,
          raw.equity,
          raw.cash,
          raw.gross,
          raw.net,
          raw.ret,
          raw.notional,
          raw.signal,
          raw.snapshot,
          hash,
        );
        head.bars = hash;
        head.barCount++;
        for (const v of rawSleeves)
          this.#insertSleeve.run(
            v.seq,
            v.sleeve,
            v.target,
            v.positions,
            v.equity,
            v.cash,
            v.gross,
            v.net,
            v.ret,
            v.notional,
            v.signal,
            v.snapshot,
          );
        for (const o of orders)
          this.#insertOrder.run(
            o.clientId,
            o.seq,
            o.time,
            o.leg,
            o.symbol,
            o.shares,
            o.status,
            o.sleeve ?? null,
          );
        const done = statesTx(updates, head, at, bar.time);
        for (const e of events) this.#insertEvent.run(e.time, e.at, e.kind, toJson(e.detail));
        for (const t of trades)
          this.#upsertTrade.run(
            t.sleeve ?? 0,
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
        this.#setHead.run(JSON.stringify(head));
        return done;
      },
    );
    this.#recordBar = (bar, orders, updates, events, trades, at, sleeves) => {
      const head = { ...this.#head };
      const done = barTx(bar, orders, updates, events, trades, at, sleeves, head);
      this.#head = head;
      return done;
    };
  }

  /**
   * Writes one bar with everything decided on it, in one transaction: its orders (status
   * `new`, before any leaves), the order states the venue reported meanwhile, events, trades and
   * (a book's) every sleeve's state. `at` stamps the events of orders that ended unfilled.
   */
  recordBar(
    bar: BarRow,
    orders: OrderRow[],
    updates: OrderState[],
    events: EventRow[],
    trades: JournalTrade[],
    at: number,
    sleeves: SleeveRow[] = [],
  ): StatesRecorded {
    return this.#recordBar(bar, orders, updates, events, trades, at, sleeves);
  }

  /**
   * Journals order states reported by the venue, in one transaction: fills not yet journaled
   * (an order's fills are numbered, so a state reported twice adds nothing) and the status; an
   * order that ends rejected, cancelled or expired is also an event (`order-rejected`, …) stamped
   * `at`, for bar `time`.
   */
  recordOrderStates(updates: OrderState[], at: number, time: number | null): StatesRecorded {
    return updates.length > 0 ? this.#recordStates(updates, at, time) : { fills: [], closed: [] };
  }

  /** Who holds the journal (a writer's lock row), or null. */
  lockHolder(): JournalLock | null {
    const v = this.getMeta('lock');
    return v === undefined ? null : (JSON.parse(v) as JournalLock);
  }

  #takeLock(at: number): void {
    const mine: JournalLock = { pid: process.pid, start: processStart(process.pid), host: hostname(), at };
    this.db
      .transaction(() => {
        const held = this.lockHolder();
        if (held !== null) {
          if (lockHolderAlive(held)) throw new JournalLockedError(this.file, held.pid);
          this.takenOver = held;
        }
        this.setMeta('lock', JSON.stringify(mine));
      })
      .immediate();
    this.#lock = mine;
  }

  /**
   * Chains a journal written before checksums existed (schema 2), once, and records that it
   * did: rows written before this point are vouched for by nothing but the file as found.
   */
  #chainOnce(at: number): void {
    this.db
      .transaction(() => {
        const head: ChainHead = { bars: GENESIS, barCount: 0, fills: GENESIS, fillCount: 0 };
        const orders = this.#ordersBySeq();
        const setBar = this.db.prepare('UPDATE bars SET hash = ? WHERE seq = ?');
        for (const r of this.db.prepare('SELECT * FROM bars ORDER BY seq').all() as RawBar[]) {
          head.bars = sha(head.bars, barContent(r, orders.get(r.seq) ?? []));
          head.barCount++;
          setBar.run(head.bars, r.seq);
        }
        const setFill = this.db.prepare('UPDATE fills SET hash = ? WHERE client_id = ?');
        for (const f of this.db.prepare('SELECT * FROM fills ORDER BY id').all() as RawFill[]) {
          head.fills = sha(head.fills, fillContent(f));
          head.fillCount++;
          setFill.run(head.fills, f.client_id);
        }
        this.setMeta('chain', 'sha256');
        this.setMeta('chain-head', JSON.stringify(head));
        if (head.barCount + head.fillCount > 0)
          this.db
            .prepare('INSERT INTO events (time, at, kind, detail) VALUES (NULL, ?, ?, ?)')
            .run(at, 'checksum-migration', toJson({ bars: head.barCount, fills: head.fillCount }));
      })
      .immediate();
  }

  #ordersBySeq(): Map<number, RawOrderKey[]> {
    const out = new Map<number, RawOrderKey[]>();
    for (const o of this.db
      .prepare('SELECT client_id, seq, time, leg, symbol, shares, sleeve FROM orders ORDER BY id')
      .all() as RawOrderKey[]) {
      const list = out.get(o.seq);
      if (list === undefined) out.set(o.seq, [o]);
      else list.push(o);
    }
    return out;
  }

  #rawSleevesBySeq(): Map<number, RawSleeve[]> {
    const out = new Map<number, RawSleeve[]>();
    for (const v of this.db.prepare('SELECT * FROM sleeve_bars ORDER BY seq, sleeve').all() as RawSleeve[]) {
      const list = out.get(v.seq);
      if (list === undefined) out.set(v.seq, [v]);
      else list.push(v);
    }
    return out;
  }

  /** A book's sleeve rows, by the seq of their bar (each bar's in sleeve order); empty for a single run. */
  sleeveBars(): Map<number, SleeveRow[]> {
    const out = new Map<number, SleeveRow[]>();
    for (const [seq, rows] of this.#rawSleevesBySeq()) out.set(seq, rows.map(sleeveFromRaw));
    return out;
  }

  /** The sleeve rows of the last live bar (a book's state now), empty when there is none. */
  lastSleeveRows(): SleeveRow[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM sleeve_bars WHERE seq = (SELECT max(seq) FROM bars WHERE phase = 'live') ORDER BY sleeve`,
        )
        .all() as RawSleeve[]
    ).map(sleeveFromRaw);
  }

  /**
   * Recomputes the checksum chain over every bar (with its orders) and fill, in one read
   * transaction (consistent while a writer appends).
   * @throws JournalCorruptError naming the first row that does not match, or a missing tail.
   */
  verifyChain(): { bars: number; fills: number } {
    return this.db.transaction(() => {
      const state = this.getMeta('chain');
      if (state === 'pending') return { bars: 0, fills: 0 };
      if (state !== 'sha256')
        throw new JournalCorruptError(this.file, `the checksum chain is missing (meta "chain" is ${state})`);
      const headText = this.getMeta('chain-head');
      const head: ChainHead = headText
        ? (JSON.parse(headText) as ChainHead)
        : { bars: GENESIS, barCount: 0, fills: GENESIS, fillCount: 0 };
      const orders = this.#ordersBySeq();
      const sleeves = this.#rawSleevesBySeq();
      let prev = GENESIS;
      let n = 0;
      for (const r of this.db.prepare('SELECT * FROM bars ORDER BY seq').iterate() as Iterable<RawBar>) {
        const want = sha(prev, barContent(r, orders.get(r.seq) ?? [], sleeves.get(r.seq) ?? []));
        if (r.hash !== want)
          throw new JournalCorruptError(
            this.file,
            `bar ${r.seq} (${isoTime(r.time)}) or its orders${sleeves.size > 0 ? ' or sleeves' : ''} do not match the checksum chain: the journal was changed outside kalrev`,
          );
        prev = want;
        n++;
      }
      if (n !== head.barCount || prev !== head.bars)
        throw new JournalCorruptError(
          this.file,
          `the journal recorded ${head.barCount} bars but holds ${n} that chain: bars were removed or replaced outside kalrev`,
        );
      prev = GENESIS;
      let m = 0;
      for (const f of this.db.prepare('SELECT * FROM fills ORDER BY id').iterate() as Iterable<RawFill>) {
        const want = sha(prev, fillContent(f));
        if (f.hash !== want)
          throw new JournalCorruptError(
            this.file,
            `fill ${f.client_id} does not match the checksum chain: the journal was changed outside kalrev`,
          );
        prev = want;
        m++;
      }
      if (m !== head.fillCount || prev !== head.fills)
        throw new JournalCorruptError(
          this.file,
          `the journal recorded ${head.fillCount} fills but holds ${m} that chain: fills were removed or replaced outside kalrev`,
        );
      return { bars: n, fills: m };
    })();
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

  deleteMeta(key: string): void {
    this.db.prepare('DELETE FROM meta WHERE key = ?').run(key);
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

  /** Orders that may still fill as far as the journal knows: new (maybe never sent), accepted, partially filled. */
  openOrders(): OrderRow[] {
    // asked before every bar: prepared once
    this.#openOrders ??= this.db.prepare(
      `SELECT * FROM orders WHERE status IN ('new', 'accepted', 'partially-filled') ORDER BY id`,
    );
    return (this.#openOrders.all() as RawOrder[]).map(orderFromRaw);
  }

  /** Shares held per symbol by the journal's fills (summed in the order they were journaled). */
  positions(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.db.prepare('SELECT symbol, shares FROM fills ORDER BY id').iterate() as Iterable<{
      symbol: string;
      shares: number;
    }>)
      out.set(r.symbol, (out.get(r.symbol) ?? 0) + r.shares);
    return out;
  }

  orders(): OrderRow[] {
    return (this.db.prepare('SELECT * FROM orders ORDER BY seq, leg').all() as RawOrder[]).map(orderFromRaw);
  }

  /** Every fill (or a book's sleeve's), by bar, leg and part. */
  fills(sleeve?: number): FillRow[] {
    const all = sleeve === undefined;
    return (
      this.db
        .prepare(`SELECT * FROM fills ${all ? '' : 'WHERE sleeve = ?'} ORDER BY time, leg, n`)
        .all(...(all ? [] : [sleeve])) as (Omit<FillRow, 'clientId'> & {
        client_id: string;
      })[]
    ).map((r) => ({
      clientId: r.client_id,
      ...(r.sleeve === null || r.sleeve === undefined ? {} : { sleeve: r.sleeve }),
      n: r.n,
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

  /** The round trips journaled (every one, sleeve by sleeve, or one sleeve's), by entry bar. */
  trades(sleeve?: number): Trade[] {
    const all = sleeve === undefined;
    const rows = this.db
      .prepare(`SELECT * FROM trades ${all ? '' : 'WHERE sleeve = ?'} ORDER BY sleeve, entry_bar`)
      .all(...(all ? [] : [sleeve])) as {
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

  /** Releases the lock (if this journal holds it) and closes the database. */
  close(): void {
    if (this.#lock !== null && this.db.open) {
      try {
        this.db.prepare(`DELETE FROM meta WHERE key = 'lock' AND value = ?`).run(JSON.stringify(this.#lock));
      } catch {
        // a failed release leaves a lock whose holder is gone: the next start takes it over
      }
      this.#lock = null;
    }
    if (this.db.open) this.db.close();
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
    filled: r.filled,
    reason: r.reason ?? null,
    ...(r.sleeve === null || r.sleeve === undefined ? {} : { sleeve: r.sleeve }),
  };
}
