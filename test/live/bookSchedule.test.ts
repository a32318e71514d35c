/**
 * Paper books whose sleeves start after a training window: fixed pairs weighted by the inverse
 * volatility of their spreads, and the best pairs of a universe selected walk-forward. Replayed
 * bar by bar, each equals `kalrev portfolio`'s backtest of the same bars to the last digit:
 * the selections, every sleeve's funding, fills and equity, the book's equity and returns; a
 * restart replays the journaled selections and continues as an uninterrupted run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portfolioRun, type PortfolioRun } from '../../src/app/portfolio.js';
import type { PaperConfigInput } from '../../src/app/paper.js';
import type { AssembledBar } from '../../src/live/assembler.js';
import type { BookDesk } from '../../src/live/book.js';
import Database from 'better-sqlite3';
import { JournalError } from '../../src/live/errors.js';
import { Journal, type FillRow } from '../../src/live/journal.js';
import { journalStatus } from '../../src/live/report.js';
import { barsOf, bookCsv, PAIRS } from './bookData.js';
import { cleanup, session, tempDir } from './helpers.js';

afterAll(cleanup);

const SYMBOLS = ['EWA', 'EWC', 'SPY', 'IWM', 'XLE', 'USO'];
const FROM = 300;
const N = 400;
const TRAIN = 60;
let dir: string;
let csv: string;
let dates: string[];
let bars: AssembledBar[];
beforeAll(() => {
  dir = tempDir();
  ({ file: csv, dates } = bookCsv(dir, SYMBOLS, FROM, N));
  bars = barsOf(csv, SYMBOLS);
});

type Execution = 'close' | 'next-open';
type Portfolio = NonNullable<PaperConfigInput['portfolio']>;

/** A walk-forward book over the six ETFs: every pair tested passes the false-discovery screen, so several are held. */
const SELECT: Portfolio = { top: 2, rebalance: 40, train: TRAIN, fdr: 1 };

function config(execution: Execution, portfolio: Portfolio): PaperConfigInput {
  return {
    preset: 'kalman-pair',
    options: { execution },
    ...(portfolio.top !== undefined ? { symbols: SYMBOLS } : {}),
    portfolio,
  };
}

/** The backtest of the book on a file of the same bars, as `kalrev portfolio` runs it. */
function backtest(data: string, execution: Execution, portfolio: Portfolio): Promise<PortfolioRun> {
  return portfolioRun({ file: { data, preset: 'kalman-pair', options: { execution }, portfolio } });
}

/** Warm-up bars [0, warm), then live bars [warm, to) (from `start`), through a session's runner; closed. */
async function trade(
  cfg: PaperConfigInput,
  to: number,
  opts: { warm?: number; state?: string; start?: number } = {},
) {
  const s = session(cfg, 'stdin', { ...(opts.state ? { state: opts.state } : {}), clock: () => 5_000 });
  for (let t = opts.start ?? 0; t < to; t++)
    if (t < (opts.warm ?? 0)) s.runner.warmup(bars[t]);
    else await s.runner.processBar(bars[t]);
  const desk = s.runner.desk as BookDesk;
  s.close();
  return { state: s.state, desk, lines: s.lines };
}

function journalOf(state: string) {
  const j = new Journal(state, { readonly: true });
  const out = {
    bars: [...j.bars()],
    sleeves: j.sleeveBars(),
    events: j.events(),
    fills: (() => {
      const by = new Map<number, FillRow[]>();
      for (const f of j.fills()) by.set(f.sleeve!, [...(by.get(f.sleeve!) ?? []), f]);
      return by;
    })(),
    trades: [...Array(50).keys()].map((k) => j.trades(k)),
    chain: j.verifyChain(),
  };
  j.close();
  return out;
}

/**
 * The paper book (journal and desk) against the backtest `bt` of the same bars, whose bar 0 is
 * the paper run's bar `offset`.
 */
function expectSameBook(
  paper: { state: string; desk: BookDesk },
  bt: PortfolioRun,
  offset: number,
  selections: boolean,
): void {
  const book = bt.book;
  const j = journalOf(paper.state);
  expect(j.chain.bars).toBe(j.bars.length);
  // the selections: the same pairs on the same bars
  if (selections) {
    const picked = j.events
      .filter((e) => e.kind === 'selection')
      .map((e) => {
        const d = e.detail as { seq: number; pairs: { y: string; x: string }[] };
        return [d.seq - offset, d.pairs.map((p) => `${p.y}/${p.x}`)] as const;
      });
    expect(picked).toEqual(bt.periods!.map((p) => [p.start, p.pairs.map((q) => `${q.y}/${q.x}`)]));
    expect(new Set(picked.flatMap(([, p]) => [...p])).size).toBeGreaterThan(2);
  }
  // the sleeves: pairs, start and funding as runBook funds them
  const sleeves = paper.desk.sleeves;
  expect(sleeves.map((s) => [s.config.y, s.config.x, s.capital])).toEqual(
    book.sleeves.map((s) => [s.y, s.x, s.capital]),
  );
  const live = j.bars.filter((b) => b.phase === 'live');
  let fills = 0;
  book.sleeves.forEach((sleeve, k) => {
    const run = sleeve.run;
    // its equity on every bar it was in the book (a released one is flat from then on)
    const rows = [...j.sleeves.entries()]
      .filter(([, rs]) => rs.some((r) => r.sleeve === k && r.equity !== null))
      .map(([seq, rs]) => [seq, rs.find((r) => r.sleeve === k)!.equity!] as const);
    expect(rows[0][0] - offset).toBe(sleeve.start);
    expect(rows.map(([, e]) => e)).toEqual(Array.from(run.equity.subarray(0, rows.length)));
    for (let t = rows.length; t < run.equity.length; t++) expect(run.equity[t]).toBe(rows.at(-1)![1]);
    // fills: bar, symbol, shares, price and commission
    const legs = [sleeve.y, sleeve.x];
    const want = Array.from({ length: run.fills.length }, (_, f) => [
      Date.parse(`${dates[offset + sleeve.start + run.fills.bar[f]]}T00:00:00Z`),
      legs[run.fills.leg[f]],
      run.fills.shares[f],
      run.fills.price[f],
      run.fills.commission[f],
    ]);
    const got = (j.fills.get(k) ?? [])
      .map((f) => [f.time, f.symbol, f.shares, f.price, f.commission] as const)
      .sort((a, b) => a[0] - b[0] || legs.indexOf(a[1]) - legs.indexOf(b[1]));
    expect(got).toEqual(want);
    fills += want.length;
    expect(j.trades[k].filter((t) => t.closed)).toEqual(sleeve.trades.filter((t) => t.closed));
  });
  expect(fills).toBeGreaterThan(20);
  // the book: cash until its first start, then its equity and returns after every bar
  const first = offset + book.from;
  const before = live.filter((b) => b.seq < first);
  for (const b of before) expect([b.equity, b.ret]).toEqual([bt.spec.options.capital, 0]);
  const after = live.filter((b) => b.seq >= first);
  expect(after.map((b) => b.equity)).toEqual(Array.from(book.equity));
  expect(after.map((b) => b.ret)).toEqual(Array.from(book.returns));
  expect(after.map((b) => b.gross)).toEqual(Array.from(book.grossExposure));
  expect(paper.desk.freeCash).toBe(book.freeCash.at(-1));
}

describe('a walk-forward paper book equals the backtest of its bars', () => {
  const cases: [Execution, Portfolio][] = [
    ['close', SELECT],
    ['next-open', { ...SELECT, onLeave: 'close', allocation: 'inverse-vol' }],
    ['close', { ...SELECT, top: 3, maxOpenPairs: 2, maxGrossLeverage: 1.5 }],
  ];
  it.each(cases)(
    'execution %s, %j (no warm-up: cash until a training window has passed)',
    async (execution, portfolio) => {
      const bt = await backtest(csv, execution, portfolio);
      const paper = await trade(config(execution, portfolio), N);
      expect(bt.book.from).toBe(TRAIN);
      // pairs leave the selection, and a stopped, flat sleeve gives its equity back
      expect(bt.book.sleeves.some((s) => s.stop < N)).toBe(true);
      expect(paper.desk.sleeves.some((s) => s.released)).toBe(true);
      expectSameBook(paper, bt, 0, true);
      if (portfolio.maxOpenPairs !== undefined) expect(bt.book.sleeves.some((s) => s.limited > 0)).toBe(true);
      // status: the sleeves as funded, the released ones among them
      const st = journalStatus(paper.state);
      expect(st.book!.sleeves.map((s) => [s.pair, s.capital])).toEqual(
        bt.book.sleeves.map((s) => [`${s.y}/${s.x}`, s.capital]),
      );
      expect(st.equity).toBe(bt.book.equity.at(-1));
    },
    240_000,
  );

  it('a warm-up of the training window: the first selection on the first live bar', async () => {
    const warm = 100;
    // the backtest's data starts one training window before the first live bar
    const { file } = bookCsv(dir, SYMBOLS, FROM + warm - TRAIN, N - warm + TRAIN, 'late.csv');
    const bt = await backtest(file, 'close', SELECT);
    const paper = await trade(config('close', SELECT), N, { warm });
    const j = journalOf(paper.state);
    expect(j.events.find((e) => e.kind === 'selection')!.detail).toMatchObject({ seq: warm });
    expectSameBook(paper, bt, warm - TRAIN, true);
  }, 240_000);

  it('resumed after a stop: the journaled selections replayed, then as an uninterrupted run', async () => {
    const cfg = config('close', SELECT);
    const whole = await trade(cfg, N);
    const first = await trade(cfg, 150);
    const again = await trade(cfg, N, { state: first.state, start: 150 });
    expect(again.lines.find((l) => l.event === 'restored')).toMatchObject({ bars: 150, live: 150 });
    const a = journalOf(whole.state);
    const b = journalOf(first.state);
    expect(b.bars.map((r) => [r.equity, r.positions, r.target])).toEqual(
      a.bars.map((r) => [r.equity, r.positions, r.target]),
    );
    expect([...b.sleeves.values()]).toEqual([...a.sleeves.values()]);
    const kinds = (e: typeof a.events) =>
      e.filter((x) => x.kind.startsWith('sleeve-') || x.kind === 'selection').map((x) => [x.kind, x.detail]);
    expect(kinds(b.events)).toEqual(kinds(a.events));
  }, 240_000);
});

describe('a walk-forward journal without its selections', () => {
  it('is refused on resume, naming the file and the bar (it would have to select again)', async () => {
    const cfg = config('close', SELECT);
    const first = await trade(cfg, 100);
    const db = new Database(first.state);
    expect(db.prepare("DELETE FROM events WHERE kind = 'selection'").run().changes).toBe(1);
    db.close();
    expect(() => session(cfg, 'stdin', { state: first.state })).toThrow(
      new JournalError(
        first.state,
        `bar ${TRAIN} starts a selection the journal holds no 'selection' event for`,
      ),
    );
  });
});

describe('an inverse-vol paper book equals the backtest of its bars', () => {
  it.each(['close', 'next-open'] as const)(
    'execution %s',
    async (execution) => {
      const portfolio: Portfolio = { pairs: PAIRS, allocation: 'inverse-vol', train: TRAIN };
      const bt = await backtest(csv, execution, portfolio);
      const paper = await trade(config(execution, portfolio), N);
      expect(bt.book.from).toBe(TRAIN);
      // risk parity: the weights differ, and sum to 1
      const w = paper.desk.sleeves.map((s) => s.config.weight);
      expect(new Set(w).size).toBe(3);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expectSameBook(paper, bt, 0, false);
    },
    240_000,
  );
});
