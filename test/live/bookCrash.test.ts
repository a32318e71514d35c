/**
 * Crash safety of a paper book: the process is SIGKILLed at the delicate points of a bar (after
 * its journal transaction, after its orders left) and at 12 random instants, and restarted each
 * time; the final journal — every bar, every sleeve's state, orders, fills, trades, the venue —
 * must equal an uninterrupted run's, with every order sent exactly once. The random kills are
 * driven by the journal's own writes (a watch on its folder, no clock): the process is fed the
 * bars through stdin, a few past the kill's target, and is killed after a random number of
 * writes once it has journaled the target bar.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, watch, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/live/journal.js';
import { bookCsv, PAIRS } from './bookData.js';
import { cleanup, tempDir } from './helpers.js';

afterAll(cleanup);

const ENTRY = ['--import', 'tsx', 'test/live/paper-entry.ts'];
const SYMBOLS = ['EWA', 'EWC', 'SPY', 'IWM', 'XLE', 'USO'];
const N = 400;

function args(dir: string, state: string, feed: string): string[] {
  return [
    ...ENTRY,
    'paper',
    '--config',
    join(dir, 'book.json'),
    '--feed',
    feed,
    '--state',
    state,
    '--log',
    join(dir, `${basename(state)}.log`),
  ];
}

/** Everything the run decided and accounted, without wall-clock columns. */
function dump(state: string) {
  const db = new Database(state, { readonly: true });
  const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));
  const blobs = <T extends Record<string, unknown>>(r: T) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? hex(v) : v]));
  const out = {
    // the checksum covers the wall-clock receipt time, so it differs between runs too
    bars: (db.prepare('SELECT * FROM bars ORDER BY seq').all() as Record<string, unknown>[]).map(
      ({ received_at: _r, hash: _h, ...rest }) => blobs(rest),
    ),
    sleeves: (
      db.prepare('SELECT * FROM sleeve_bars ORDER BY seq, sleeve').all() as Record<string, unknown>[]
    ).map(blobs),
    orders: db
      .prepare(
        'SELECT client_id, sleeve, seq, time, leg, symbol, shares, status FROM orders ORDER BY client_id',
      )
      .all(),
    fills: db
      .prepare(
        'SELECT client_id, sleeve, time, leg, symbol, shares, price, commission FROM fills ORDER BY client_id, n',
      )
      .all(),
    trades: db.prepare('SELECT * FROM trades ORDER BY sleeve, entry_bar').all(),
    // a book's selections and its sleeves' funding, stops and releases (no wall-clock column)
    events: db
      .prepare(
        "SELECT time, kind, detail FROM events WHERE kind = 'selection' OR kind LIKE 'sleeve-%' ORDER BY id",
      )
      .all() as { time: number; kind: string; detail: string }[],
    venue: db.prepare('SELECT * FROM paper_orders ORDER BY client_id').all(),
    positions: db.prepare('SELECT * FROM paper_positions ORDER BY symbol').all(),
    submits: db
      .prepare(
        'SELECT client_id, count(*) AS n, sum(accepted) AS accepted FROM paper_submits GROUP BY client_id',
      )
      .all() as { client_id: string; n: number; accepted: number }[],
  };
  db.close();
  return out;
}

function countBars(state: string): number {
  try {
    const db = new Database(state, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM bars').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/**
 * SIGKILLs `child` once the journal holds `goal` bars and `writes` more writes to its WAL have
 * happened (or at once when it has journaled every bar it was given and waits for more).
 * @returns the signal the child ended with.
 */
function killAfter(child: ChildProcess, state: string, goal: number, given: number, writes: number) {
  const wal = `${basename(state)}-wal`;
  let left = writes;
  let exited = false;
  const watcher = watch(join(state, '..'), (_event, file) => {
    if (exited || file !== wal) return;
    const n = countBars(state);
    if (n < goal) return;
    if (left-- > 0 && n < given) return;
    exited = true;
    child.kill('SIGKILL');
  });
  return new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_c, sig) => {
      exited = true;
      watcher.close();
      resolve(sig);
    }),
  );
}

/** [name, the run spec's book: its `portfolio` section (and `symbols`, a walk-forward book's universe)] */
const BOOKS: [string, Record<string, unknown>][] = [
  ['fixed weights', { portfolio: { pairs: PAIRS, allocation: 'fixed', weights: [0.5, 0.3, 0.2] } }],
  // the limits' standing (each sleeve's raw target and scale) is rebuilt on every restart
  [
    'the book limits',
    { portfolio: { pairs: PAIRS, maxOpenPairs: 2, maxGrossLeverage: 0.8, maxSymbolExposure: 0.3 } },
  ],
  // selections journaled and replayed, sleeves funded, stopped and released across restarts
  ['a walk-forward selection', { symbols: SYMBOLS, portfolio: { top: 2, rebalance: 40, train: 60, fdr: 1 } }],
];

describe('crash safety of a paper book', () => {
  it.each(BOOKS)(
    '%s: SIGKILLs at the delicate points and at 12 random writes: the journal equals an uninterrupted run, no order sent twice',
    async (_name, book) => {
      const dir = tempDir();
      const { file: csv, dates } = bookCsv(dir, SYMBOLS, 300, N);
      writeFileSync(
        join(dir, 'book.json'),
        JSON.stringify({
          preset: 'kalman-pair',
          options: { execution: 'next-open' },
          ...book,
        }),
      );
      const run = (state: string, env: Record<string, string> = {}) =>
        spawnSync('node', args(dir, state, `csv:${csv}`), {
          env: { ...process.env, ...env },
          encoding: 'utf8',
        });
      const clean = join(dir, 'clean.db');
      expect(run(clean).status).toBe(0);
      const expected = dump(clean);
      expect(expected.bars).toHaveLength(N);
      const sleeves = new Set(expected.orders.map((o) => (o as { sleeve: number }).sleeve));
      if ('pairs' in (book.portfolio as object)) {
        expect(expected.sleeves).toHaveLength(3 * N);
        expect(sleeves).toEqual(new Set([0, 1, 2]));
      } else {
        expect(sleeves.size).toBeGreaterThan(3);
        expect(expected.events.filter((e) => e.kind === 'sleeve-released').length).toBeGreaterThan(0);
      }
      expect(expected.orders.length).toBeGreaterThan(100);

      const state = join(dir, 'crashed.db');
      // deterministic crashes at bars that trade: after the bar's transaction (orders not yet sent)
      // and after its orders left (with next-open, they wait at the venue for the next bar)
      const trading = [...new Set((expected.orders as { seq: number }[]).map((o) => o.seq))].sort(
        (a, b) => a - b,
      );
      const points = [
        `after-journal:${trading[0]}`,
        `after-submit:${trading[2]}`,
        `after-journal:${trading[10]}`,
        `after-submit:${trading[20]}`,
      ];
      for (const p of points) {
        const r = run(state, { KALREV_TEST_CRASH: p });
        expect(r.signal, `${p}: ${r.stderr}`).toBe('SIGKILL');
        expect(countBars(state)).toBe(Number(p.split(':')[1]) + 1);
      }
      // the bars as NDJSON on stdin, one message per symbol and date (with its open, for next-open)
      const rows = new Map<string, string[]>();
      const fileLines = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
      for (const line of fileLines) {
        const [date, symbol, open, , , close] = line.split(',');
        if (!rows.has(date)) rows.set(date, []);
        rows
          .get(date)!
          .push(JSON.stringify({ time: date, symbol, open: Number(open), close: Number(close) }) + '\n');
      }
      const ndjson = dates.map((d) => rows.get(d)!.join(''));
      let seed = 20260715;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const start = countBars(state);
      const targets = Array.from(
        { length: 12 },
        () => start + 10 + Math.floor(random() * (N - 40 - start)),
      ).sort((a, b) => a - b);
      const progress: number[] = [];
      let killedMidRun = 0;
      for (const target of targets) {
        const goal = Math.max(target, countBars(state) + 1);
        const given = Math.min(goal + 10, N - 1);
        expect(given).toBeGreaterThan(goal);
        const child = spawn('node', args(dir, state, 'stdin'), { stdio: ['pipe', 'ignore', 'ignore'] });
        child.stdin!.on('error', () => {}); // the pipe breaks when the child is killed
        child.stdin!.write(ndjson.slice(0, given).join(''));
        if ((await killAfter(child, state, goal, given, Math.floor(random() * 6))) === 'SIGKILL')
          killedMidRun++;
        progress.push(countBars(state));
      }
      // every kill landed mid-run, and the run advanced between them
      expect(killedMidRun).toBe(12);
      expect(progress.at(-1)).toBeLessThan(N);
      for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]);
      // resumed to the end: every sleeve restored, the same journal as the uninterrupted run
      const r = run(state);
      expect(r.status, r.stderr).toBe(0);
      const got = dump(state);
      expect(got.bars).toEqual(expected.bars);
      expect(got.sleeves).toEqual(expected.sleeves);
      expect(got.orders).toEqual(expected.orders);
      expect(got.fills).toEqual(expected.fills);
      expect(got.trades).toEqual(expected.trades);
      expect(got.events).toEqual(expected.events);
      expect(got.venue).toEqual(expected.venue);
      expect(got.positions).toEqual(expected.positions);
      // no duplicate order: every order reached the venue exactly once
      expect(got.submits).toHaveLength(expected.orders.length);
      expect(got.submits.every((s) => s.n === 1 && s.accepted === 1)).toBe(true);
      const j = new Journal(state, { readonly: true });
      expect(j.verifyChain()).toEqual({ bars: N, fills: expected.fills.length });
      j.close();
    },
    900_000,
  );
});
