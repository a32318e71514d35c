/**
 * `kalrev paper --config BOOK.json` through the real CLI: a book of pairs paper-traded from a CSV
 * feed, shown by `kalrev status`; and bad book configurations refused with exit status 2 and one
 * line naming the key or the flag.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portfolioRun } from '../../src/app/portfolio.js';
import { journalStatus } from '../../src/live/report.js';
import { bookCsv, PAIRS } from '../live/bookData.js';
import { kalrev } from './run.js';

let dir: string;
let csv: string;
const at = (name: string) => join(dir, name);
/** A book config file `name` with `portfolio` (and anything else) over the defaults. */
function config(name: string, extra: Record<string, unknown> = {}): string {
  writeFileSync(
    at(name),
    JSON.stringify({
      preset: 'kalman-pair',
      options: { execution: 'close' },
      portfolio: { pairs: PAIRS },
      ...extra,
    }),
  );
  return at(name);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kalrev-paper-book-'));
  ({ file: csv } = bookCsv(dir, ['EWA', 'EWC', 'SPY', 'IWM', 'XLE', 'USO'], 0, 300, 'prices.csv'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kalrev paper --config BOOK.json → status', () => {
  it("trades the book's three sleeves from one feed; status shows the book's equity and each sleeve's position and P&L", async () => {
    const state = at('book.db');
    const book = config('book.json', { options: { execution: 'close', capital: 90_000 } });
    const paper = await kalrev('paper', '--config', book, '--feed', `csv:${csv}`, '--state', state, '--json');
    expect(paper.status, paper.stderr).toBe(0);
    expect(JSON.parse(paper.stdout)).toMatchObject({ bars: 300, newBars: 0 + 300, stopped: 'feed ended' });
    const bt = await portfolioRun({
      file: {
        data: csv,
        preset: 'kalman-pair',
        options: { execution: 'close', capital: 90_000 },
        portfolio: { pairs: PAIRS },
      },
    });
    const st = journalStatus(state);
    expect(st.equity).toBe(bt.book.equity.at(-1));
    expect(st.capital).toBe(90_000);
    expect(st.book!.sleeves.map((s) => [s.pair, s.capital, s.equity])).toEqual(
      bt.book.sleeves.map((s) => [`${s.y}/${s.x}`, 30_000, s.finalEquity]),
    );
    const status = await kalrev('status', '--state', state);
    expect(status.status).toBe(0);
    const money = (x: number) =>
      x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    expect(status.stdout).toContain('bars      300 live');
    expect(status.stdout).toContain(`equity    ${money(st.equity)}`);
    expect(status.stdout).toContain('book      3 sleeves  free cash 0.00');
    bt.book.sleeves.forEach((s, k) => {
      const pnl = s.finalEquity - s.capital;
      const p = s.run.positions;
      const last = p.length - 2;
      expect(status.stdout).toContain(
        `sleeve ${k + 1}  ${s.y}/${s.x}  weight 0.333333  equity ${money(s.finalEquity)}  P&L ${pnl >= 0 ? '+' : ''}${money(pnl)} on ${money(30_000)}  ${s.y} ${(p[last] + 0).toFixed(4)}  ${s.x} ${(p[last + 1] + 0).toFixed(4)}  trades ${s.trades.length} (${s.trades.filter((t) => t.closed).length} closed)`,
      );
    });
    // the journal is a book's: the report of a single run refuses it, naming status
    const report = await kalrev('report', '--state', state, '--out', at('out'));
    expect(report.status).toBe(2);
    expect(report.stderr.trim()).toBe(
      `kalrev: ${state}: the journal is a book of 3 pairs: the report reads a single strategy's run; \`kalrev status --state ${state}\` shows the book`,
    );
    // resumed with other weights: another run
    const other = config('other.json', {
      options: { execution: 'close', capital: 90_000 },
      portfolio: { pairs: PAIRS, allocation: 'fixed', weights: [0.5, 0.25, 0.25] },
    });
    const again = await kalrev('paper', '--config', other, '--feed', `csv:${csv}`, '--state', state);
    expect(again.status).toBe(2);
    expect(again.stderr.trim()).toBe(
      `kalrev: ${state}: the journal belongs to another run (pairs, weights, symbols, strategy or execution/costs differ from this configuration); use a new --state file`,
    );
  }, 300_000);
});

/** [what, the config file's extra keys, the message (<tmp> for the folder)]; every case exits with status 2. */
const cases: [string, Record<string, unknown>, string][] = [
  [
    'a pair with a symbol the feed lacks',
    { portfolio: { pairs: [...PAIRS.slice(0, 2), ['XLE', 'XYZ']] } },
    'kalrev: --feed: <tmp>/prices.csv has no "XYZ" (the book trades EWA, EWC, SPY, IWM, XLE, XYZ; the file has EWA, EWC, SPY, IWM, XLE, USO)',
  ],
  [
    'weights not summing to 1',
    { portfolio: { pairs: PAIRS, allocation: 'fixed', weights: [0.5, 0.3, 0.1] } },
    'kalrev: <tmp>/bad.json: portfolio.weights: the weights must sum to 1, they sum to 0.9',
  ],
  [
    'one weight short',
    { portfolio: { pairs: PAIRS, allocation: 'fixed', weights: [0.5, 0.5] } },
    'kalrev: <tmp>/bad.json: portfolio.weights: the fixed allocation needs one weight per pair (3), got 2',
  ],
  [
    'weights without the fixed allocation',
    { portfolio: { pairs: PAIRS, weights: [0.5, 0.3, 0.2] } },
    'kalrev: <tmp>/bad.json: portfolio.weights: weights go with portfolio.allocation fixed, not equal',
  ],
  [
    'a walk-forward selection without its universe',
    { portfolio: { top: 3 } },
    'kalrev: <tmp>/bad.json: symbols: a walk-forward book selects its pairs from the universe named in "symbols" (every symbol the feed carries), e.g. ["EWA", "EWC", "SPY", "IWM"]',
  ],
  [
    'a walk-forward universe with a symbol the feed lacks',
    { symbols: ['EWA', 'EWC', 'XYZ'], portfolio: { top: 1 } },
    'kalrev: --feed: <tmp>/prices.csv has no "XYZ" (the book trades EWA, EWC, XYZ; the file has EWA, EWC, SPY, IWM, XLE, USO)',
  ],
  [
    'more pairs held than the universe forms',
    { symbols: ['EWA', 'EWC', 'SPY'], portfolio: { top: 4 } },
    'kalrev: <tmp>/bad.json: portfolio.top: top:4 is more than the 3 pairs 3 symbols can form',
  ],
  [
    'fixed pairs and a selection',
    { symbols: ['EWA', 'EWC', 'SPY'], portfolio: { pairs: PAIRS, top: 2 } },
    'kalrev: <tmp>/bad.json: portfolio.pairs or portfolio.top: a book holds either fixed pairs or the best K of each window; give one',
  ],
  [
    'fixed weights for a selection',
    { symbols: ['EWA', 'EWC', 'SPY'], portfolio: { top: 2, allocation: 'fixed' } },
    'kalrev: <tmp>/bad.json: portfolio.allocation: fixed weights go with fixed pairs (portfolio.pairs)',
  ],
  [
    'weights with inverse-vol',
    { portfolio: { pairs: PAIRS, allocation: 'inverse-vol', weights: [0.5, 0.3, 0.2] } },
    'kalrev: <tmp>/bad.json: portfolio.weights: weights go with portfolio.allocation fixed, not inverse-vol',
  ],
  [
    'a book limit below zero',
    { portfolio: { pairs: PAIRS, maxGrossLeverage: -1 } },
    'kalrev: <tmp>/bad.json: portfolio.maxGrossLeverage: Too small: expected number to be >=0',
  ],
  [
    'a pair given twice',
    { portfolio: { pairs: [...PAIRS, ['EWA', 'EWC']] } },
    'kalrev: <tmp>/bad.json: portfolio.pairs: EWA,EWC is given twice',
  ],
  [
    'a pair of one symbol',
    { portfolio: { pairs: [['EWA', 'EWA']] } },
    'kalrev: <tmp>/bad.json: portfolio.pairs: pair 1 (EWA,EWA) needs two different symbols',
  ],
  [
    'symbols as well as pairs',
    { symbols: ['EWA', 'EWC'] },
    'kalrev: <tmp>/bad.json: symbols: a paper book of fixed pairs trades the symbols of its pairs (portfolio.pairs); leave "symbols" out',
  ],
];

describe('bad book configurations: exit 2, one line naming the key or flag', () => {
  it.each(cases)('%s', async (_name, extra, expected) => {
    const r = await kalrev(
      'paper',
      '--config',
      config('bad.json', extra),
      '--feed',
      `csv:${at('prices.csv')}`,
      '--state',
      at('bad.db'),
    );
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.split(dir).join('<tmp>').trim()).toBe(expected);
  });
});
