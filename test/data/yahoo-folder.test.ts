/** The Yahoo Finance download format and folders of per-symbol files (fixtures in test/fixtures/data/). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  readFolder,
  readPrices,
  readYahooCsv,
  readYahooCsvSync,
  type PriceFrame,
} from '../../src/data/index.js';
import { rejected, scratchDir, scratchFile } from './helpers.js';

const FIX = 'test/fixtures/data';
const SPY = `${FIX}/yahoo/SPY.csv`;
const col = (f: PriceFrame, s: string, field: 'open' | 'high' | 'low' | 'close' | 'volume' = 'close') =>
  Array.from(f.get(s, field));
const dates = (f: PriceFrame) => Array.from({ length: f.length }, (_, i) => f.date(i));

describe('readYahooCsv', () => {
  // SPY.csv: Date,Open,High,Low,Close,Adj Close,Volume
  //          2020-01-02,100,102,99,101,96,1000 / 2020-01-03,101,103,100,102,97,1100 / 2020-01-06,102,104,100,104,100,1200
  it('uses Adj Close as close and scales open, high, low by Adj Close / Close; volume as is', async () => {
    const { frame, repairs } = await readYahooCsv(SPY);
    expect(frame.symbols).toEqual(['SPY']);
    expect(dates(frame)).toEqual(['2020-01-02', '2020-01-03', '2020-01-06']);
    expect(col(frame, 'SPY')).toEqual([96, 97, 100]);
    const open = col(frame, 'SPY', 'open');
    expect(open[0]).toBeCloseTo((100 * 96) / 101, 12);
    expect(open[1]).toBeCloseTo((101 * 97) / 102, 12);
    expect(open[2]).toBeCloseTo((102 * 100) / 104, 12);
    expect(col(frame, 'SPY', 'high')[0]).toBeCloseTo((102 * 96) / 101, 12);
    expect(col(frame, 'SPY', 'low')[2]).toBeCloseTo((100 * 100) / 104, 12);
    expect(col(frame, 'SPY', 'volume')).toEqual([1000, 1100, 1200]);
    expect(repairs).toEqual([]);
  });

  it('adjusted: false keeps the raw prices', () => {
    const { frame } = readYahooCsvSync(SPY, { adjusted: false });
    expect(col(frame, 'SPY')).toEqual([101, 102, 104]);
    expect(col(frame, 'SPY', 'open')).toEqual([100, 101, 102]);
  });

  it('names the symbol by the file or by the option', async () => {
    expect((await readYahooCsv(SPY, { symbol: 'SPY.US' })).frame.symbols).toEqual(['SPY.US']);
  });

  it("refuses Yahoo's null rows with their location, and a file without Adj Close", async () => {
    expect(await rejected(readYahooCsv(`${FIX}/yahoo_null.csv`))).toBe(
      `${FIX}/yahoo_null.csv:3:2: unparseable number "null" in column Open`,
    );
    expect(await rejected(readYahooCsv(`${FIX}/yahoo_noadj.csv`))).toBe(
      `${FIX}/yahoo_noadj.csv:1: no "Adj Close" column (read with adjusted: false to use the raw close)`,
    );
    const raw = await readYahooCsv(`${FIX}/yahoo_noadj.csv`, { adjusted: false });
    expect(col(raw.frame, 'yahoo_noadj')).toEqual([101]);
  });

  it('refuses a non-positive adjusted close', async () => {
    const file = scratchFile(
      'NEG.csv',
      'Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,1,1,1,1,-0.5,10\n',
    );
    expect(await rejected(readYahooCsv(file))).toBe(
      `${file}:2:6: non-positive price -0.5 in column Adj Close`,
    );
  });

  it('readPrices recognises the format', async () => {
    const { frame } = await readPrices(SPY);
    expect(col(frame, 'SPY')).toEqual([96, 97, 100]);
  });
});

describe('readFolder', () => {
  it('reads each .csv as the symbol of its name, outer-joined, ignoring other files', async () => {
    const r = await readFolder(`${FIX}/yahoo`);
    expect(r.files).toEqual([`${FIX}/yahoo/GLD.csv`, `${FIX}/yahoo/SPY.csv`, `${FIX}/yahoo/ewa.csv`]);
    expect(r.frame.symbols).toEqual(['GLD', 'SPY', 'ewa']);
    expect(dates(r.frame)).toEqual(['2020-01-02', '2020-01-03', '2020-01-06']);
    expect(col(r.frame, 'GLD')).toEqual([150.5, NaN, 152]);
    expect(col(r.frame, 'SPY')).toEqual([96, 97, 100]);
    expect(col(r.frame, 'ewa')).toEqual([NaN, 20, 21]);
    expect(r.frame.fields('ewa')).toEqual(['close']);
    expect(r.frame.source).toBe(`${FIX}/yahoo`);
    expect(r.alignment.dropped).toBe(0);
    expect(r.alignment.symbols.map((s) => [s.symbol, s.missing])).toEqual([
      ['GLD', 1],
      ['SPY', 0],
      ['ewa', 1],
    ]);
  });

  it('an inner join keeps the common dates and reports the drops', async () => {
    const r = await readFolder(`${FIX}/yahoo`, { join: 'inner', symbols: ['SPY', 'GLD'] });
    expect(r.frame.symbols).toEqual(['SPY', 'GLD']);
    expect(dates(r.frame)).toEqual(['2020-01-02', '2020-01-06']);
    expect(r.alignment.message).toBe(
      'inner join of SPY, GLD: 2 of 3 bars kept, 1 dropped (2020-01-03)\n' +
        '  SPY: 1 of its bars dropped (2020-01-03)\n' +
        '  GLD: no price on 1 bar (2020-01-03)',
    );
    expect(await readPrices(`${FIX}/yahoo`).then((x) => x.frame.symbols)).toEqual(['GLD', 'SPY', 'ewa']);
  });

  it('refuses an unknown symbol, an empty folder, and names the file of a bad cell', async () => {
    expect(await rejected(readFolder(`${FIX}/yahoo`, { symbols: ['QQQ'] }))).toBe(
      `${FIX}/yahoo: unknown symbol "QQQ"; the folder has GLD, SPY, ewa`,
    );
    const empty = `${scratchDir()}/empty`;
    mkdirSync(empty, { recursive: true });
    expect(await rejected(readFolder(empty))).toBe(`${empty}: no .csv or .parquet files in the folder`);
    const bad = `${scratchDir()}/bad`;
    mkdirSync(bad, { recursive: true });
    writeFileSync(`${bad}/A.csv`, 'date,close\n2020-01-02,1\n');
    writeFileSync(`${bad}/B.csv`, 'date,close\n2020-01-02,1\n2020-01-03,zero\n');
    expect(await rejected(readFolder(bad))).toBe(
      `${bad}/B.csv:3:2: unparseable number "zero" in column close`,
    );
    expect(await rejected(readFolder(`${scratchDir()}/none`))).toBe(`${scratchDir()}/none: no such file`);
  });
});
