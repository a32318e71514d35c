/**
 * A paper book: pair sleeves traded from one CSV feed in one account and one journal. Replayed,
 * it equals `runBook` on the same bars (through `portfolioRun`, as `kalrev portfolio` runs it)
 * to the last digit: every sleeve's fills, trades and equity, and the book's equity and returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portfolioRun, type PortfolioRun } from '../../src/app/portfolio.js';
import type { PaperConfigInput } from '../../src/app/paper.js';
import { Journal } from '../../src/live/journal.js';
import { journalStatus } from '../../src/live/report.js';
import { BookDesk } from '../../src/live/book.js';
import { bookCsv, PAIRS } from './bookData.js';
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
        expect(want.length).toBeGreaterThan(10);
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
