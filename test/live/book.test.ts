/**
 * A paper book: pair sleeves traded from one CSV feed in one account and one journal. Replayed,
 * it equals `runBook` on the same bars (through `portfolioRun`, as `kalrev portfolio` runs it)
 * to the last digit: every sleeve's fills, trades and equity, and the book's equity and returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portfolioRun, type PortfolioRun } from '../../src/app/portfolio.js';
import { runBook, type SleevePlan } from '../../src/backtest/portfolio.js';
import { readLongCsvSync } from '../../src/data/readers.js';
import { resolveBacktestOptions } from '../../src/execution/options.js';
import { resolveStrategy } from '../../src/strategy/spec.js';
import type { PaperConfigInput } from '../../src/app/paper.js';
import { Journal } from '../../src/live/journal.js';
import { journalStatus } from '../../src/live/report.js';
import { BookDesk } from '../../src/live/book.js';
import { barsOf, bookCsv, PAIRS } from './bookData.js';
import { cleanup, session, tempDir } from './helpers.js';

afterAll(cleanup);

const SYMBOLS = ['EWA', 'EWC', 'SPY', 'IWM', 'XLE', 'USO'];
let csv: string;
let dates: string[];
beforeAll(() => {
  ({ file: csv, dates } = bookCsv(tempDir(), SYMBOLS, 300, 400));
});

type Execution = 'close' | 'next-open' | 'next-close';

/** The book as `kalrev portfolio` runs it on the same file. */
function backtestBook(execution: Execution, portfolio: PaperConfigInput['portfolio']): Promise<PortfolioRun> {
  return portfolioRun({ file: { data: csv, preset: 'kalman-pair', options: { execution }, portfolio } });
}

/** The book paper-traded on a replay of the file; its journal read back. */
async function paperBook(execution: Execution, portfolio: PaperConfigInput['portfolio']) {
  const s = session({ preset: 'kalman-pair', options: { execution }, portfolio }, `csv:${csv}`);
  await s.run();
  const desk = s.runner.desk as BookDesk;
  const venue = await s.broker.positions();
  s.close();
  const j = new Journal(s.state, { readonly: true });
  const bars = [...j.bars()];
  const sleeveRows = j.sleeveBars();
  const K = desk.sleeves.length;
  const fills = Array.from({ length: K }, (_, k) => j.fills(k));
  const trades = Array.from({ length: K }, (_, k) => j.trades(k));
  const out = {
    state: s.state,
    desk,
    venue,
    bars,
    sleeveEquity: (k: number) => bars.map((b) => sleeveRows.get(b.seq)![k].equity),
    fills: (k: number) => fills[k],
    trades: (k: number) => trades[k],
    orders: j.orders(),
    chain: j.verifyChain(),
  };
  j.close();
  return out;
}

const cases: [Execution, PaperConfigInput['portfolio']][] = [
  ['close', { pairs: PAIRS }],
  ['next-open', { pairs: PAIRS }],
  ['next-close', { pairs: PAIRS, allocation: 'fixed', weights: [0.5, 0.3, 0.2] }],
  // the book's limits, fitted bar by bar as runBook fits them
  ['close', { pairs: PAIRS, maxOpenPairs: 1 }],
  ['next-open', { pairs: PAIRS, maxGrossLeverage: 0.8, maxSymbolExposure: 0.3 }],
  ['close', { pairs: PAIRS, maxOpenPairs: 2, maxNetLeverage: 0.1, maxSleeveExposure: 0.5 }],
];

describe('a paper book replayed equals runBook to the last digit', () => {
  it.each(cases)(
    'execution %s, %j',
    async (execution, portfolio) => {
      const [bt, paper] = await Promise.all([
        backtestBook(execution, portfolio),
        paperBook(execution, portfolio),
      ]);
      const book = bt.book;
      expect(paper.bars).toHaveLength(dates.length);
      expect(book.equity).toHaveLength(dates.length);
      expect(paper.chain.bars).toBe(dates.length);
      // the sleeves' funding: weight × capital, as runBook funds them
      expect(paper.desk.sleeves.map((s) => s.capital)).toEqual(book.sleeves.map((s) => s.capital));
      expect(book.sleeves.map((s) => [s.y, s.x])).toEqual(PAIRS);
      // a book with limits: they bind (some sleeve's entries are scaled down or refused)
      if (Object.keys(portfolio!).some((k) => k.startsWith('max')))
        expect(book.sleeves.some((s) => s.limited > 0)).toBe(true);
      let trades = 0;
      book.sleeves.forEach((sleeve, k) => {
        const run = sleeve.run;
        // equity after every bar
        expect(paper.sleeveEquity(k)).toEqual(Array.from(run.equity));
        // fills: bar, symbol, shares, price and commission, as the venue filled them
        const legs = [sleeve.y, sleeve.x];
        const want = Array.from({ length: run.fills.length }, (_, f) => [
          Date.parse(`${dates[run.fills.bar[f]]}T00:00:00Z`),
          legs[run.fills.leg[f]],
          run.fills.shares[f],
          run.fills.price[f],
          run.fills.commission[f],
        ]);
        const got = paper
          .fills(k)
          .map((f) => [f.time, f.symbol, f.shares, f.price, f.commission] as const)
          .sort((a, b) => a[0] - b[0] || legs.indexOf(a[1]) - legs.indexOf(b[1]));
        expect(got).toEqual(want);
        if (!('maxOpenPairs' in portfolio!)) expect(want.length).toBeGreaterThan(10);
        // round trips: the closed ones exactly (the last, if open, is marked at the end by runBook)
        const closed = sleeve.trades.filter((t) => t.closed);
        expect(paper.trades(k).filter((t) => t.closed)).toEqual(closed);
        expect(paper.trades(k)).toHaveLength(sleeve.trades.length);
        trades += sleeve.trades.length;
      });
      expect(trades).toBe(book.metrics.trades);
      // the book: its equity (free cash + Σ sleeve equity) and returns after every bar
      expect(paper.bars.map((b) => b.equity)).toEqual(Array.from(book.equity));
      expect(paper.bars.map((b) => b.ret)).toEqual(Array.from(book.returns));
      expect(paper.bars.map((b) => b.gross)).toEqual(Array.from(book.grossExposure));
      expect(paper.desk.freeCash).toBe(book.freeCash[0]);
      // orders are tagged with their sleeve; the venue holds the sum of the sleeves' positions
      expect(new Set(paper.orders.map((o) => o.sleeve))).toEqual(new Set([0, 1, 2]));
      for (const sym of SYMBOLS) {
        let held = 0;
        book.sleeves.forEach((s) => {
          const p = s.run.positions;
          const last = p.length / 2 - 1;
          if (s.y === sym) held += p[2 * last];
          if (s.x === sym) held += p[2 * last + 1];
        });
        expect(paper.venue.get(sym) ?? 0).toBeCloseTo(held, 6);
      }
      // status shows the book
      const st = journalStatus(paper.state);
      expect(st.book!.sleeves.map((s) => s.pair)).toEqual(PAIRS.map(([y, x]) => `${y}/${x}`));
      expect(st.equity).toBe(book.equity.at(-1));
      book.sleeves.forEach((s, k) => {
        expect(st.book!.sleeves[k].equity).toBe(s.finalEquity);
        expect(st.book!.sleeves[k].pnl).toBe(s.finalEquity - s.capital);
        expect(st.book!.sleeves[k].capital).toBe(s.capital);
      });
    },
    120_000,
  );
});

const BOOK: PaperConfigInput = {
  preset: 'kalman-pair',
  options: { execution: 'close' },
  portfolio: { pairs: PAIRS },
};

/** Bars [from, to) through a session's runner (on `state` when given); closed. */
async function trade(cfg: PaperConfigInput, to: number, state?: string, from = 0) {
  const bars = barsOf(csv, SYMBOLS);
  const s = session(cfg, 'stdin', { ...(state ? { state } : {}), clock: () => 5_000 });
  for (let t = from; t < to; t++) await s.runner.processBar(bars[t]);
  s.close();
  return s;
}

function journalOf(state: string) {
  const j = new Journal(state, { readonly: true });
  const out = { bars: [...j.bars()], sleeves: j.sleeveBars(), events: j.events(), fills: j.fills() };
  j.close();
  return out;
}

describe('a paper book resumed', () => {
  it('restores every sleeve from the journal and continues as an uninterrupted run', async () => {
    const whole = await trade(BOOK, 300);
    const first = await trade(BOOK, 140);
    const again = await trade(BOOK, 300, first.state, 140);
    const restored = again.lines.find((l) => l.event === 'restored');
    expect(restored).toMatchObject({ bars: 140, live: 140 });
    const a = journalOf(whole.state);
    const b = journalOf(first.state);
    expect(b.bars.map((r) => [r.equity, r.positions, r.target])).toEqual(
      a.bars.map((r) => [r.equity, r.positions, r.target]),
    );
    expect([...b.sleeves.values()]).toEqual([...a.sleeves.values()]);
    expect(b.fills).toEqual(a.fills);
    expect(b.fills.length).toBeGreaterThan(30);
  }, 120_000);
});

describe('the risk section applies to the whole book', () => {
  it("daily loss: measured on the book's equity against the book's previous close; every sleeve flattens", async () => {
    const limit = 250;
    const s = await trade({ ...BOOK, risk: { dailyLossLimit: limit } }, 400);
    const { bars, sleeves, events } = journalOf(s.state);
    const hits = events.filter((e) => e.kind === 'daily-loss');
    expect(hits.length).toBeGreaterThan(3);
    for (const e of hits) {
      const d = e.detail as { dayStart: number; equity: number; loss: number; limit: number };
      const t = bars.findIndex((b) => b.time === e.time);
      expect(t).toBeGreaterThan(0);
      // the reference is the book's equity at the previous close (not a sleeve's)
      expect(d.dayStart).toBe(bars[t - 1].equity);
      expect(d.loss).toBe(d.dayStart - d.equity);
      expect(d.loss).toBeGreaterThanOrEqual(limit);
      // every sleeve goes flat on that bar (the day is one daily bar)
      for (const v of sleeves.get(bars[t].seq)!) expect(v.positions!.map((p) => p + 0)).toEqual([0, 0]);
      expect(bars[t].positions!.every((p) => p === 0)).toBe(true);
    }
    // the limit binds: without it the book loses more than the limit from one close to the next
    const free = await trade(BOOK, 400);
    const eq = journalOf(free.state).bars.map((b) => b.equity!);
    expect(eq.some((e, t) => t > 0 && eq[t - 1] - e >= limit)).toBe(true);
  }, 120_000);

  it('max gross exposure: the sum over every sleeve is held to the limit, each sleeve scaled alike', async () => {
    const limit = 60_000;
    const s = await trade({ ...BOOK, risk: { maxGrossExposure: limit } }, 300);
    const { bars, events } = journalOf(s.state);
    const cuts = events.filter((e) => e.kind === 'cut');
    expect(cuts.length).toBeGreaterThan(5);
    for (const b of bars) expect(b.gross!).toBeLessThanOrEqual(limit * (1 + 1e-12));
    // without the limit the book goes over it
    const free = await trade(BOOK, 300);
    expect(Math.max(...journalOf(free.state).bars.map((b) => b.gross!))).toBeGreaterThan(limit);
  }, 120_000);

  it("max position value: a symbol's net position over the sleeves that trade it is held to the limit", async () => {
    // EWC is the hedge leg of both pairs: its positions net across the two sleeves
    const shared: PaperConfigInput = {
      ...BOOK,
      portfolio: {
        pairs: [
          ['EWA', 'EWC'],
          ['SPY', 'EWC'],
        ],
      },
    };
    const limit = 15_000;
    const closeOf = new Map(barsOf(csv, SYMBOLS).map((b) => [b.time, b.close]));
    const netEwc = (state: string) => {
      const { bars, sleeves } = journalOf(state);
      return bars
        .filter((b) => b.phase === 'live')
        .map((b) => {
          const rows = sleeves.get(b.seq)!;
          const shares = rows[0].positions![1] + rows[1].positions![1];
          return Math.abs(shares) * closeOf.get(b.time)![SYMBOLS.indexOf('EWC')];
        });
    };
    const free = await trade(shared, 300);
    expect(Math.max(...netEwc(free.state))).toBeGreaterThan(limit);
    const s = await trade({ ...shared, risk: { maxPositionValue: limit } }, 300);
    const cuts = journalOf(s.state).events.filter(
      (e) => e.kind === 'cut' && (e.detail as { reason?: string }).reason === 'max-position-value',
    );
    expect(cuts.length).toBeGreaterThan(3);
    for (const v of netEwc(s.state)) expect(v).toBeLessThanOrEqual(limit * (1 + 1e-12));
  }, 120_000);

  it('kill switch: every sleeve flat on the next bar, then the run stops', async () => {
    const bars = barsOf(csv, SYMBOLS);
    const s = session(BOOK, 'stdin', { clock: () => 5_000 });
    let t = 0;
    // trade until at least two sleeves hold a position
    const desk = s.runner.desk as BookDesk;
    const holding = () => desk.sleeves.filter((v) => v.sim.ledger.pos[0] !== 0).length;
    for (; t < bars.length && holding() < 2; t++) await s.runner.processBar(bars[t]);
    expect(holding()).toBeGreaterThanOrEqual(2);
    const held = desk.sleeves.filter((v) => v.sim.ledger.pos[0] !== 0).map((v) => v.index);
    s.runner.kill('test');
    const out = await s.runner.processBar(bars[t]);
    const flattened = out!.actions
      .filter((a) => a.kind === 'flatten' && a.reason === 'kill')
      .map((a) => a.sleeve);
    expect(flattened).toEqual(expect.arrayContaining(held));
    expect(desk.sleeves.every((v) => v.sim.ledger.pos.every((p) => p === 0))).toBe(true);
    expect(s.runner.stopped).toBe(true);
    expect(await s.runner.processBar(bars[t + 1])).toBeNull();
    const venue = await s.broker.positions();
    expect(SYMBOLS.map((sym) => Math.abs(venue.get(sym) ?? 0))).toEqual(
      SYMBOLS.map(() => expect.closeTo(0, 9)),
    );
    s.close();
    expect(journalStatus(s.state).health).toBe('killed');
  }, 120_000);
});

describe("the book's limits and each sleeve's gate", () => {
  it('a stale bar holds every sleeve at its fitted position: nothing is traded on it', async () => {
    const bars = barsOf(csv, SYMBOLS);
    const cfg: PaperConfigInput = {
      ...BOOK,
      portfolio: { pairs: PAIRS, maxGrossLeverage: 0.8, maxSymbolExposure: 0.3 },
      risk: { maxBarAgeMs: 86_400_000 },
    };
    let now = 0;
    const s = session(cfg, 'stdin', { clock: () => now });
    const desk = s.runner.desk as BookDesk;
    // fresh bars until a sleeve holds a position the limits scaled down; every later bar arrives two days old
    const scaledHeld = () => desk.sleeves.some((v) => v.fit!.state.scale < 1 && v.sim.ledger.pos[0] !== 0);
    let fresh = -1;
    for (let t = 0; t < 300; t++) {
      if (fresh < 0 && t > 0 && scaledHeld()) fresh = t;
      now = bars[t].time + (fresh >= 0 ? 2 * 86_400_000 : 0);
      await s.runner.processBar(bars[t]);
    }
    expect(fresh).toBeGreaterThan(0);
    expect(fresh).toBeLessThan(250);
    s.close();
    const j = new Journal(s.state, { readonly: true });
    const orders = j.orders();
    const refused = j.events('refuse');
    j.close();
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.every((o) => o.seq < fresh)).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('a paper book warmed up', () => {
  it('on history before its first live bar equals runBook with sleeves warming up from bar 0 and trading from there', async () => {
    const W = 120;
    const dir = tempDir();
    const { file: history } = bookCsv(dir, SYMBOLS, 300, W, 'history.csv');
    const { file: live } = bookCsv(dir, SYMBOLS, 300 + W, 400 - W, 'live.csv');
    const s = session(BOOK, `csv:${live}`, { warmup: history });
    await s.run();
    s.close();
    const { frame } = readLongCsvSync(csv);
    const strategy = resolveStrategy({ preset: 'kalman-pair' });
    const plans: SleevePlan[] = PAIRS.map(([y, x]) => ({
      y,
      x,
      strategy,
      warmFrom: 0,
      start: W,
      stop: frame.length,
      onStop: 'close',
      weight: 1 / 3,
    }));
    const book = runBook(frame, plans, resolveBacktestOptions({ execution: 'close' }));
    const j = journalOf(s.state);
    expect(j.bars.filter((b) => b.phase === 'warmup')).toHaveLength(W);
    // the warm-up bars carry every sleeve's signal, and no account
    const first = j.sleeves.get(0)!;
    expect(first.map((v) => [v.sleeve, v.equity, v.target])).toEqual([
      [0, null, null],
      [1, null, null],
      [2, null, null],
    ]);
    const liveBars = j.bars.filter((b) => b.phase === 'live');
    expect(liveBars.map((b) => b.equity)).toEqual(Array.from(book.equity));
    book.sleeves.forEach((sleeve, k) => {
      expect(liveBars.map((b) => j.sleeves.get(b.seq)![k].equity)).toEqual(Array.from(sleeve.run.equity));
      expect(sleeve.trades.length).toBeGreaterThan(3);
    });
  }, 120_000);
});

describe('a ruined book', () => {
  it("stops as by the kill switch; up to its ruin bar it is the backtest's book", async () => {
    // a commission that takes more than a sleeve's capital on its first fill
    const options = { execution: 'next-close' as const, costs: { commissionBps: 1e6 } };
    const bt = await portfolioRun({
      file: { data: csv, preset: 'kalman-pair', options, portfolio: { pairs: PAIRS } },
    });
    const book = bt.book;
    expect(book.ruined).toBe(true);
    const r = book.ruinBar - book.from;
    expect(r).toBeGreaterThan(0);
    const s = await trade({ ...BOOK, options }, 300);
    const { bars, events } = journalOf(s.state);
    // the same book up to and including its ruin bar
    expect(bars.slice(0, r + 1).map((b) => [b.equity, b.ret])).toEqual(
      Array.from(book.equity.subarray(0, r + 1), (e, t) => [e, book.returns[t]]),
    );
    expect(bars[r].ret).toBe(-1);
    expect(events.filter((e) => e.kind === 'book-ruined').map((e) => e.time)).toEqual([bars[r].time]);
    // then the kill switch: every sleeve flat on the next bar, and the run stops there
    expect(events.find((e) => e.kind === 'kill')!.detail).toEqual({ reason: 'book ruined' });
    expect(bars).toHaveLength(r + 2);
    expect(bars[r + 1].positions!.every((p) => p === 0)).toBe(true);
  }, 120_000);
});
