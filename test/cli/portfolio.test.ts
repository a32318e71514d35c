/**
 * `kalrev portfolio` end to end on the bundled 67-ETF universe: walk-forward selection and a
 * book of fixed pairs, their output folders, run.json reproducing the run, and bad input.
 */
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readWideCsvSync } from '../../src/data/readers.js';
import { kalrevInProcess } from './run.js';

const DATA = 'data/etf_universe_close.csv';
const dir = mkdtempSync(join(tmpdir(), 'kalrev-portfolio-'));
const csv = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('kalrev portfolio --select top:K (walk-forward)', () => {
  const out = join(dir, 'wf');
  let summary: { periods: number; sleeves: number; finalEquity: number; metrics: Record<string, unknown> };
  beforeAll(async () => {
    const r = await kalrevInProcess(
      'portfolio',
      '--data',
      DATA,
      '--select',
      'top:10',
      '--rebalance',
      '63',
      '--train',
      '252',
      '--execution',
      'next-close',
      '--out',
      out,
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    summary = JSON.parse(r.stdout);
  }, 60_000);

  it('re-selects every 63 bars after the first 252 and writes the folder', () => {
    // 1,500 days: rebalances at bars 252, 315, … 1,497
    expect(summary.periods).toBe(20);
    expect(summary.sleeves).toBeGreaterThan(5);
    for (const f of ['report.html', 'metrics.json', 'equity.csv', 'sleeves.csv', 'selection.csv', 'run.json'])
      expect(existsSync(join(out, f))).toBe(true);
    const equity = csv(join(out, 'equity.csv'));
    // the book's series start at the first rebalance: bar 252 of 1,500
    expect(equity.length - 1).toBe(1500 - 252);
    expect(Number(equity[equity.length - 1][1])).toBeCloseTo(summary.finalEquity, 6);
    // held in cash until the first pair passes (the first windows select none): not ruined
    expect(Number(equity[1][1])).toBe(100_000);
    expect(summary.metrics.ruined).toBe(false);
  });

  it('selects only pairs whose legs both have a close on every bar of their training window', () => {
    const frame = readWideCsvSync(DATA, { repair: { dropNonPositive: true } }).frame;
    const dates = frame.dates();
    const rows = csv(join(out, 'selection.csv')).slice(1);
    expect(rows.length).toBeGreaterThan(5);
    for (const [start, , y, x, , q] of rows) {
      const s = dates.indexOf(start);
      expect(s).toBeGreaterThanOrEqual(252);
      for (const sym of [y, x]) {
        const c = frame.get(sym, 'close');
        for (let t = s - 252; t < s; t++) expect(c[t]).toBeGreaterThan(0);
      }
      expect(Number(q)).toBeLessThanOrEqual(0.05);
    }
  });

  it('run.json reproduces the run', async () => {
    const again = await kalrevInProcess(
      'portfolio',
      '--config',
      join(out, 'run.json'),
      '--out',
      join(dir, 'wf2'),
      '--json',
    );
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).finalEquity).toBe(summary.finalEquity);
  }, 60_000);
});

describe('kalrev portfolio --pairs', () => {
  it('holds fixed pairs at fixed weights from their first common bar', async () => {
    const out = join(dir, 'fixed');
    const r = await kalrevInProcess(
      'portfolio',
      '--data',
      DATA,
      '--pairs',
      'EWA,EWC',
      'SPY,IWM',
      '--allocation',
      'fixed',
      '--weights',
      '0.6,0.4',
      '--execution',
      'close',
      '--out',
      out,
      '--json',
    );
    expect(r.status).toBe(0);
    const sleeves = csv(join(out, 'sleeves.csv'));
    expect(sleeves.slice(1).map((row) => [row[0], row[1], row[2], Number(row[6])])).toEqual([
      ['EWA', 'EWC', '2006-04-26', 60_000],
      ['SPY', 'IWM', '2006-04-26', 40_000],
    ]);
    const s = JSON.parse(r.stdout);
    const pnl = Object.values(s.pnlByPair as Record<string, { pnl: number }>).reduce((a, v) => a + v.pnl, 0);
    expect(s.finalEquity - 100_000).toBeCloseTo(pnl, 6);
  });
});

describe('kalrev portfolio: bad input exits 2 naming the option', () => {
  it('names the config file and the key when the value came from the file', async () => {
    const file = join(dir, 'bad-book.json');
    writeFileSync(
      file,
      JSON.stringify({
        data: join(process.cwd(), DATA),
        portfolio: {
          pairs: [
            ['EWA', 'EWC'],
            ['SPY', 'IWM'],
          ],
          allocation: 'fixed',
          weights: [0.6, 0.5],
        },
      }),
    );
    const r = await kalrevInProcess('portfolio', '--config', file, '--quiet', '--out', join(dir, 'bad'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `kalrev: ${file}: portfolio.weights: the weights must sum to 1, they sum to 1.1`,
    );
  });

  const rows: [string[], RegExp][] = [
    [['--pairs', 'EWA,NOPE'], /^kalrev: --pairs: NOPE \(pair EWA,NOPE\) is not in the data/],
    [['--select', 'top:5000'], /^kalrev: --select: top:5000 is more than the 2211 pairs 67 symbols can form/],
    [
      ['--pairs', 'EWA,EWC', 'SPY,IWM', '--allocation', 'fixed', '--weights', '0.6,0.5'],
      /^kalrev: --weights: the weights must sum to 1, they sum to 1.1/,
    ],
    [['--select', 'top:5', '--max-gross-leverage', '-1'], /^kalrev: --max-gross-leverage: .*>=0/],
    [['--select', 'top:5', '--max-open-pairs', '0'], /--max-open-pairs expects a whole number from 1/],
    [
      ['--select', 'top:5', '--pairs', 'EWA,EWC'],
      /^kalrev: --pairs or --select: a book holds either fixed pairs or the best K/,
    ],
    [[], /^kalrev: --pairs or --select/],
    [['--select', 'top:5', '--train', '5'], /^kalrev: --train: .*>=20/],
    [['--select', 'top:0'], /--select expects top:K with K a whole number ≥ 1/],
    [['--pairs', 'EWA,EWC', '--weights', '1'], /^kalrev: --weights: weights go with --allocation fixed/],
    [
      ['--select', 'top:3', '--allocation', 'fixed'],
      /^kalrev: --allocation: fixed weights go with fixed pairs/,
    ],
    [['--pairs', 'EWA,EWC', 'EWA,EWC'], /^kalrev: --pairs: EWA,EWC is given twice/],
  ];
  it.each(rows)('%j', async (args, message) => {
    const r = await kalrevInProcess(
      'portfolio',
      '--data',
      DATA,
      '--quiet',
      '--out',
      join(dir, 'bad'),
      ...args,
    );
    expect(r.status).toBe(2);
    const text = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('repair:'));
    expect(text.length).toBeLessThanOrEqual(2);
    expect(text[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at |this is a bug/);
  });
});
