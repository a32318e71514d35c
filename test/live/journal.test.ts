/**
 * The journal's integrity: one engine per journal (a lock naming its process, taken over from a
 * killed one), damage and hand edits refused by SQLite's check and the checksum chain, older
 * journals chained once on upgrade, and configuration changes journaled rather than taken
 * silently.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssembledBar } from '../../src/live/assembler.js';
import type { PaperConfigInput } from '../../src/app/paper.js';
import { JournalCorruptError, JournalError, JournalLockedError } from '../../src/live/errors.js';
import { Journal, SCHEMA_VERSION } from '../../src/live/journal.js';
import { journalStatus } from '../../src/live/report.js';
import { wideFrame } from '../backtest/load.js';
import { kalrev } from '../cli/run.js';
import { cleanup, session, tempDir } from './helpers.js';

afterAll(cleanup);

const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
const ewc = frame.get('EWC');
const ewa = frame.get('EWA');
const barAt = (t: number): AssembledBar => ({
  time: frame.times[t],
  close: Float64Array.of(ewc[t], ewa[t]),
  open: null,
  flatten: false,
  receivedAt: 1_000 + t,
});
const base = (extra: Partial<PaperConfigInput> = {}): PaperConfigInput => ({
  preset: 'kalman-pair',
  symbols: ['EWC', 'EWA'],
  options: { execution: 'close' },
  ...extra,
});

/** A journal of bars [from, to) (continuing `state` when given); closed. */
async function journal(cfg: PaperConfigInput, to: number, state?: string, from = 0) {
  const s = session(cfg, 'stdin', { ...(state ? { state } : {}), clock: () => 5_000 });
  for (let t = from; t < to; t++) await s.runner.processBar(barAt(t));
  s.close();
  return s;
}

/** A copy of a journal with one raw SQL edit, as a hand edit outside kalrev would make. */
function edited(state: string, name: string, sql: string, ...params: unknown[]): string {
  const copy = join(tempDir(), name);
  copyFileSync(state, copy);
  const db = new Database(copy);
  db.prepare(sql).run(...params);
  db.close();
  return copy;
}

/** SQL taking a journal of the current schema back to schema 4 (before books: no sleeves). */
const BEFORE_BOOKS = `DROP TABLE sleeve_bars; ALTER TABLE orders DROP COLUMN sleeve; ALTER TABLE fills DROP COLUMN sleeve;
  CREATE TABLE t4 (entry_bar INTEGER PRIMARY KEY, direction INTEGER NOT NULL, entry_time INTEGER NOT NULL,
    exit_bar INTEGER NOT NULL, exit_time INTEGER, entry_prices TEXT NOT NULL, exit_prices TEXT NOT NULL,
    pnl REAL NOT NULL, holding_bars INTEGER NOT NULL, closed INTEGER NOT NULL);
  INSERT INTO t4 SELECT entry_bar, direction, entry_time, exit_bar, exit_time, entry_prices, exit_prices, pnl,
    holding_bars, closed FROM trades;
  DROP TABLE trades; ALTER TABLE t4 RENAME TO trades;`;

const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('one engine per journal', () => {
  it('a second session on a held journal is refused with the holder pid; closing releases it', () => {
    const first = session(base(), 'stdin');
    let error: unknown;
    try {
      session(base(), 'stdin', { state: first.state });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JournalLockedError);
    expect((error as Error).message).toBe(
      `${first.state}: journal in use by pid ${process.pid}; stop that run first, or use another --state file`,
    );
    expect(journalStatus(first.state).runningPid).toBe(process.pid);
    first.close();
    expect(journalStatus(first.state).runningPid).toBeNull();
    session(base(), 'stdin', { state: first.state }).close();
  });

  it('the lock of a process that died (or whose pid was reused) is taken over, and said so', async () => {
    const { state } = await journal(base(), 10);
    for (const lock of [
      { pid: deadPid(), start: null, host: hostname(), at: 0 },
      // a live pid (this one) with another start time: the holder died and its pid was reused
      { pid: process.pid, start: 'another process', host: hostname(), at: 0 },
    ]) {
      const db = new Database(state);
      db.prepare(`INSERT INTO meta (key, value) VALUES ('lock', ?)`).run(JSON.stringify(lock));
      db.close();
      const s = session(base(), 'stdin', { state });
      expect(s.journal.takenOver).toEqual(lock);
      expect(s.lines.find((l) => l.event === 'lock-taken-over')).toMatchObject({ level: 40, pid: lock.pid });
      expect(s.runner.seq).toBe(10);
      s.close();
    }
  });

  it('kalrev paper on a journal another kalrev paper runs on: exit 2, "journal in use by pid N"', async () => {
    const state = join(tempDir(), 'state.db');
    const first = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'paper', '--pair', 'EWC,EWA', '--execution', 'close'].concat([
        '--feed',
        'stdin',
        '--state',
        state,
        '--quiet',
      ]),
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    const exited = new Promise<number | null>((r) => first.on('exit', (c) => r(c)));
    // wait (on the journal, not the clock) until the first run holds the lock
    const holder = () => {
      try {
        const db = new Database(state, { readonly: true, fileMustExist: true });
        try {
          return (
            db.prepare(`SELECT value FROM meta WHERE key = 'lock'`).get() as { value: string } | undefined
          )?.value;
        } finally {
          db.close();
        }
      } catch {
        return undefined;
      }
    };
    while (holder() === undefined) await new Promise((r) => setTimeout(r, 20));
    const r = await kalrev(
      'paper',
      '--pair',
      'EWC,EWA',
      '--execution',
      'close',
      '--feed',
      'csv:data/ewa_ewc.csv',
      '--state',
      state,
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `kalrev: ${state}: journal in use by pid ${first.pid}; stop that run first, or use another --state file`,
    );
    first.stdin.end(); // the feed ends: the first run exits 0 and releases the lock
    expect(await exited).toBe(0);
    expect(holder()).toBeUndefined();
  });
});

describe('a damaged or hand-edited journal is refused', () => {
  let state = '';
  beforeAll(async () => {
    state = (await journal(base(), 300)).state;
  }, 300_000);

  it('the chain of an untouched journal verifies, and the journal restores', () => {
    const j = new Journal(state, { readonly: true });
    const fills = j.count('fills');
    expect(j.verifyChain()).toEqual({ bars: 300, fills });
    expect(fills).toBeGreaterThan(100);
    j.close();
    expect(journalStatus(state).health).toBe('ok');
  });

  it.each([
    [
      "a bar's positions",
      `UPDATE bars SET positions = ? WHERE seq = 150`,
      [Buffer.from(Float64Array.of(1, -1).buffer)],
      /^bar 150 \(\S+\) or its orders do not match the checksum chain/,
    ],
    [
      "a bar's close",
      `UPDATE bars SET close = ? WHERE seq = 7`,
      [Buffer.from(Float64Array.of(30, 20).buffer)],
      /^bar 7 /,
    ],
    [
      "an order's shares",
      `UPDATE orders SET shares = shares * 2 WHERE id = (SELECT min(id) FROM orders WHERE seq > 200)`,
      [],
      /^bar 2\d\d .* do not match the checksum chain/,
    ],
    ["a fill's price", `UPDATE fills SET price = price + 0.01 WHERE id = 5`, [], /^fill \S+ does not match/],
    [
      'the last bar removed',
      `DELETE FROM bars WHERE seq = 299`,
      [],
      /^the journal recorded 300 bars but holds 299 that chain/,
    ],
    [
      'a bar inserted',
      `INSERT INTO bars (seq, time, phase, received_at, close) SELECT 300, time + 1, phase, received_at, close FROM bars WHERE seq = 299`,
      [],
      /^bar 300 /,
    ],
  ])('%s: restart and status refuse it, naming the row', (name, sql, params, reason) => {
    const copy = edited(state, `${name.replace(/\W+/g, '-')}.db`, sql, ...params);
    const refusals: unknown[] = [];
    for (const open of [() => session(base(), 'stdin', { state: copy }), () => journalStatus(copy)])
      try {
        open();
      } catch (e) {
        refusals.push(e);
      }
    expect(refusals).toHaveLength(2);
    for (const e of refusals) {
      expect(e).toBeInstanceOf(JournalCorruptError);
      expect((e as JournalCorruptError).reason).toMatch(reason);
      expect((e as Error).message).toMatch(/: journal corrupt: /);
    }
  });

  it('an older journal (schema 2, no checksums) is chained once on upgrade, journaled as such', async () => {
    const old = edited(state, 'old.db', `UPDATE meta SET value = value WHERE 0`);
    const db = new Database(old);
    db.exec(`${BEFORE_BOOKS} ALTER TABLE bars DROP COLUMN hash; ALTER TABLE fills DROP COLUMN hash;
             DELETE FROM meta WHERE key IN ('chain', 'chain-head'); PRAGMA user_version = 2;`);
    const fills = (db.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n;
    db.close();
    // reading it needs the upgrade first
    expect(() => journalStatus(old)).toThrow(
      `${old}: journal schema version 2 is older than ${SCHEMA_VERSION}; open it once with \`kalrev paper\` to upgrade it`,
    );
    const s = await journal(base(), 350, old, 300);
    expect(s.runner.seq).toBe(350);
    const j = new Journal(old, { readonly: true });
    expect(j.events('checksum-migration')).toEqual([
      { time: null, at: 5_000, kind: 'checksum-migration', detail: { bars: 300, fills } },
    ]);
    expect(j.verifyChain().bars).toBe(350);
    j.close();
    // from then on, edits are caught as in any journal
    const copy = edited(old, 'old-edited.db', `UPDATE bars SET equity = 1 WHERE seq = 10`);
    expect(() => journalStatus(copy)).toThrow(/journal corrupt: bar 10 /);
  });
});

describe('schema upgrades', () => {
  it('a journal of schema 3 (one fill per order, statuses new/filled) is upgraded in place and continues', async () => {
    const { state } = await journal(base(), 120);
    // the same journal with schema 3's orders and fills tables
    const old = edited(state, 'v3.db', `UPDATE meta SET value = value WHERE 0`);
    const db = new Database(old);
    db.exec(`${BEFORE_BOOKS} CREATE TABLE o3 (id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL,
               time INTEGER NOT NULL, leg INTEGER NOT NULL, symbol TEXT NOT NULL, shares REAL NOT NULL,
               status TEXT NOT NULL CHECK (status IN ('new', 'filled', 'cancelled', 'rejected')));
             INSERT INTO o3 SELECT id, client_id, seq, time, leg, symbol, shares, status FROM orders;
             DROP TABLE orders; ALTER TABLE o3 RENAME TO orders; CREATE INDEX orders_status ON orders (status);
             CREATE TABLE f3 (id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, time INTEGER NOT NULL,
               leg INTEGER NOT NULL, symbol TEXT NOT NULL, shares REAL NOT NULL, price REAL NOT NULL,
               commission REAL NOT NULL, hash TEXT);
             INSERT INTO f3 SELECT id, client_id, time, leg, symbol, shares, price, commission, hash FROM fills;
             DROP TABLE fills; ALTER TABLE f3 RENAME TO fills; PRAGMA user_version = 3;`);
    const fills = db.prepare('SELECT client_id, shares, price FROM fills ORDER BY id').all();
    db.close();
    expect(fills.length).toBeGreaterThan(20);
    expect(() => journalStatus(old)).toThrow(
      `${old}: journal schema version 3 is older than ${SCHEMA_VERSION}; open it once with \`kalrev paper\` to upgrade it`,
    );
    // upgraded on open, reconciled with the paper broker, and run on
    const s = await journal(base(), 200, old, 120);
    expect(s.runner.seq).toBe(200);
    const j = new Journal(old, { readonly: true });
    expect(j.events('halt')).toEqual([]);
    expect(j.verifyChain().bars).toBe(200);
    const after = j.db.prepare('SELECT client_id, shares, price, n FROM fills ORDER BY id').all();
    expect(after.slice(0, fills.length)).toEqual(fills.map((f) => ({ ...(f as object), n: 0 })));
    expect(j.orders().every((o) => o.status === 'filled' && o.filled === o.shares)).toBe(true);
    j.close();
  });
});

describe('schema upgrades to books', () => {
  it('a journal of schema 4 (before books) is upgraded in place: its trades keyed by sleeve 0, and it continues', async () => {
    const { state } = await journal(base(), 150);
    const old = edited(state, 'v4.db', `UPDATE meta SET value = value WHERE 0`);
    const db = new Database(old);
    db.exec(`${BEFORE_BOOKS} PRAGMA user_version = 4;`);
    const trades = db.prepare('SELECT * FROM trades ORDER BY entry_bar').all() as { entry_bar: number }[];
    db.close();
    expect(trades.length).toBeGreaterThan(2);
    expect(() => journalStatus(old)).toThrow(`journal schema version 4 is older than ${SCHEMA_VERSION}`);
    const s = await journal(base(), 250, old, 150);
    expect(s.runner.seq).toBe(250);
    const j = new Journal(old, { readonly: true });
    expect(j.verifyChain().bars).toBe(250);
    expect(j.events('halt')).toEqual([]);
    const after = j.db.prepare('SELECT * FROM trades ORDER BY entry_bar').all() as { sleeve: number }[];
    expect(after.slice(0, trades.length - 1)).toEqual(trades.slice(0, -1).map((t) => ({ sleeve: 0, ...t })));
    expect(after.every((t) => t.sleeve === 0)).toBe(true);
    expect(j.orders().every((o) => o.sleeve === undefined)).toBe(true);
    j.close();
    // the same bars as a journal that was never downgraded
    const { state: fresh } = await journal(base(), 250);
    const a = new Journal(old, { readonly: true });
    const b = new Journal(fresh, { readonly: true });
    expect(a.trades()).toEqual(b.trades());
    expect(a.fills()).toEqual(b.fills());
    a.close();
    b.close();
  });
});

describe('configuration changes between runs', () => {
  it('risk limits and lotSize changed on restart are journaled as a config-change, shown by status', async () => {
    const { state } = await journal(base(), 100);
    const changed = base({ orders: { lotSize: 1 }, risk: { maxGrossExposure: 50_000 } });
    const s = await journal(changed, 200, state, 100);
    const warn = s.lines.find((l) => l.event === 'config-change')!;
    expect(warn).toMatchObject({ level: 40 });
    const expected = {
      orders: { from: { lotSize: 0, minTradeShares: 0 }, to: { lotSize: 1, minTradeShares: 0 } },
      risk: { from: {}, to: { maxGrossExposure: 50_000 } },
    };
    expect(warn.changed).toEqual(expected);
    const st = journalStatus(state);
    expect(st.configChanges).toEqual([
      {
        at: new Date(5_000).toISOString(),
        afterBar: new Date(frame.times[99]).toISOString(),
        changed: expected,
      },
    ]);
    expect(st.events['config-change']).toBe(1);
    // the new limits hold from the change on; a restart with them unchanged journals nothing
    const j = new Journal(state, { readonly: true });
    for (const b of j.bars()) if (b.seq >= 100) expect(b.gross!).toBeLessThanOrEqual(50_000 * (1 + 1e-12));
    j.close();
    await journal(changed, 210, state, 200);
    expect(journalStatus(state).configChanges).toHaveLength(1);
  });

  it('the run identity (symbols, strategy, execution, costs) still may not change', async () => {
    const { state } = await journal(base(), 20);
    expect(() => session(base({ options: { execution: 'next-close' } }), 'stdin', { state })).toThrow(
      JournalError,
    );
  });

  it('a journal written before an execution option existed resumes: the option at its default is the same run', async () => {
    const { state } = await journal(base(), 40);
    // the recorded identity as a kalrev without the calendar and flatten-at-close options wrote it
    const db = new Database(state);
    const cfg = JSON.parse(
      (db.prepare("SELECT value FROM meta WHERE key = 'config'").get() as { value: string }).value,
    );
    expect(cfg.options).toMatchObject({ calendar: 'nyse', flattenAtClose: false });
    delete cfg.options.calendar;
    delete cfg.options.flattenAtClose;
    db.prepare("UPDATE meta SET value = ? WHERE key = 'config'").run(JSON.stringify(cfg));
    db.close();
    const whole = await journal(base(), 60);
    const again = await journal(base(), 60, state, 40);
    const rows = (f: string) => {
      const j = new Journal(f, { readonly: true });
      const out = [...j.bars()].map((b) => [b.equity, b.positions]);
      j.close();
      return out;
    };
    expect(again.lines.find((l) => l.event === 'restored')).toMatchObject({ bars: 40 });
    expect(rows(state)).toEqual(rows(whole.state));
    // a changed option still makes it another run
    expect(() =>
      session(base({ options: { execution: 'close', calendar: 'crypto' } }), 'stdin', { state }),
    ).toThrow(JournalError);
  });
});
