/**
 * Every validation rule, on small broken files, with its exact message (`file:line:column: …`)
 * from both the streaming and the synchronous reader.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DataError,
  readLongCsv,
  readLongCsvSync,
  readWideCsv,
  readWideCsvSync,
  type DataErrorCode,
} from '../../src/data/index.js';
import { rejected, scratchDir, scratchFile, thrown } from './helpers.js';

type Reader = 'wide' | 'long';

/** Expects both readers of a layout (streaming and sync) to refuse `text` with `message` at `where`. */
async function refuses(
  layout: Reader,
  name: string,
  text: string,
  where: string,
  message: string,
  code: DataErrorCode,
  options: { minRows?: number; symbols?: string[] } = {},
) {
  const file = scratchFile(name, text);
  const expected = `${file}${where}: ${message}`;
  const [async, sync] = layout === 'wide' ? [readWideCsv, readWideCsvSync] : [readLongCsv, readLongCsvSync];
  expect(await rejected(async(file, options))).toBe(expected);
  expect(thrown(() => sync(file, options))).toBe(expected);
  const err = await async(file, options).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DataError);
  expect((err as DataError).code).toBe(code);
  expect((err as DataError).file).toBe(file);
}

describe('wide CSV validation', () => {
  it('unparseable number: the line and the field number', async () => {
    await refuses(
      'wide',
      'x7.csv',
      'date,A,B\n2020-01-02,1,2\n2020-01-03,1.5,x7\n',
      ':3:3',
      'unparseable number "x7" in column B',
      'unparseable-number',
    );
    await refuses(
      'wide',
      'comma.csv',
      'date,A,B\n2020-01-02,"1,5",2\n',
      ':2:2',
      'unparseable number "1,5" in column A',
      'unparseable-number',
    );
    await refuses(
      'wide',
      'hex.csv',
      'date,A\n2020-01-02,0x1F\n',
      ':2:2',
      'unparseable number "0x1F" in column A',
      'unparseable-number',
    );
    await refuses(
      'wide',
      'inf.csv',
      'date,A\n2020-01-02,Infinity\n',
      ':2:2',
      'unparseable number "Infinity" in column A',
      'unparseable-number',
    );
  });

  it('unparseable date, impossible calendar date, and a timestamp without a zone', async () => {
    await refuses(
      'wide',
      'date.csv',
      'date,A\n2020-01-02,1\n02/01/2020,2\n',
      ':3:1',
      'unparseable date "02/01/2020" (expected YYYY-MM-DD or an ISO timestamp with a zone)',
      'unparseable-date',
    );
    await refuses(
      'wide',
      'feb29.csv',
      'date,A\n2021-02-28,1\n2021-02-29,2\n',
      ':3:1',
      'unparseable date "2021-02-29" (expected YYYY-MM-DD or an ISO timestamp with a zone)',
      'unparseable-date',
    );
    await refuses(
      'wide',
      'nozone.csv',
      'date,A\n2020-01-02T15:30:00,1\n',
      ':2:1',
      'unparseable date "2020-01-02T15:30:00": a timestamp needs a time zone (Z or ±HH:MM)',
      'unparseable-date',
    );
    await refuses('wide', 'nodate.csv', 'date,A\n,1\n', ':2:1', 'empty date', 'unparseable-date');
  });

  it('decreasing and duplicate dates', async () => {
    await refuses(
      'wide',
      'decreasing.csv',
      'date,A,B\n2020-01-03,1,2\n2020-01-02,1.5,2\n',
      ':3:1',
      "date 2020-01-02 is before the previous row's 2020-01-03; dates must be strictly increasing",
      'decreasing-time',
    );
    await refuses(
      'wide',
      'duplicate.csv',
      'date,A\n2020-01-02,1\n2020-01-03,2\n2020-01-03,2\n',
      ':4:1',
      "date 2020-01-03 is a duplicate of the previous row's 2020-01-03; dates must be strictly increasing",
      'duplicate-time',
    );
    // the same instant written in two zones is a duplicate
    await refuses(
      'wide',
      'zones.csv',
      'date,A\n2020-01-02T15:00:00Z,1\n2020-01-02T10:00:00-05:00,2\n',
      ':3:1',
      "date 2020-01-02T15:00:00.000Z is a duplicate of the previous row's 2020-01-02T15:00:00.000Z; dates must be strictly increasing",
      'duplicate-time',
    );
  });

  it('non-positive prices', async () => {
    await refuses(
      'wide',
      'zero.csv',
      'date,A,B\n2020-01-02,1,2\n2020-01-03,0,2\n',
      ':3:2',
      'non-positive price 0 in column A',
      'non-positive-price',
    );
    await refuses(
      'wide',
      'negative.csv',
      'date,A,B\n2020-01-02,1,-2.5\n',
      ':2:3',
      'non-positive price -2.5 in column B',
      'non-positive-price',
    );
  });

  it('an empty column (a symbol with no price at all)', async () => {
    await refuses(
      'wide',
      'empty-column.csv',
      'date,A,B\n2020-01-02,1,\n2020-01-03,2,\n',
      ':1:3',
      'column B has no prices (every cell is empty)',
      'empty-column',
    );
  });

  it('too few rows for a lookback', async () => {
    await refuses(
      'wide',
      'short.csv',
      'date,A,B\n2020-01-02,1,\n2020-01-03,2,3\n2020-01-06,2,3\n',
      '',
      'too few rows: B has 2 priced bars (2020-01-03 … 2020-01-06), at least 3 needed',
      'too-few-rows',
      { minRows: 3 },
    );
    const file = scratchFile('short-ok.csv', 'date,A\n2020-01-02,1\n2020-01-03,2\n2020-01-06,2\n');
    expect(readWideCsvSync(file, { minRows: 3 }).frame.length).toBe(3);
  });

  it('header problems', async () => {
    await refuses(
      'wide',
      'first.csv',
      'day,A\n2020-01-02,1\n',
      ':1:1',
      'the first column must be "date", found "day"',
      'bad-header',
    );
    await refuses(
      'wide',
      'dupcol.csv',
      'date,A,A\n2020-01-02,1,2\n',
      ':1:3',
      'duplicate column "A" (also column 2)',
      'bad-header',
    );
    await refuses(
      'wide',
      'emptyname.csv',
      'date,,B\n2020-01-02,1,2\n',
      ':1:2',
      'empty column name',
      'bad-header',
    );
    await refuses(
      'wide',
      'onlydate.csv',
      'date\n2020-01-02\n',
      ':1',
      'no price columns after "date"',
      'bad-header',
    );
  });

  it('malformed CSV, empty files, missing files, unknown symbols', async () => {
    await refuses(
      'wide',
      'ragged.csv',
      'date,A,B\n2020-01-02,1,2\n2020-01-03,1\n',
      ':3',
      'expected 3 fields like the header, found 2',
      'malformed-csv',
    );
    await refuses('wide', 'empty.csv', '', '', 'the file is empty', 'no-rows');
    await refuses('wide', 'header-only.csv', 'date,A\n', ':1', 'no data rows after the header', 'no-rows');
    const missing = join(scratchDir(), 'missing.csv');
    expect(await rejected(readWideCsv(missing))).toBe(`${missing}: no such file`);
    expect(thrown(() => readWideCsvSync(missing))).toBe(`${missing}: no such file`);
    expect(await rejected(readWideCsv(scratchDir()))).toBe(`${scratchDir()}: is a directory, not a file`);
    await refuses(
      'wide',
      'unknown.csv',
      'date,A,B\n2020-01-02,1,2\n',
      '',
      'unknown symbol "SPY"; the file has A, B',
      'unknown-symbol',
      { symbols: ['A', 'SPY'] },
    );
  });

  it('counts real lines: blank lines, CRLF, a BOM and quoted fields spanning lines', async () => {
    await refuses(
      'wide',
      'blank.csv',
      'date,A\n\n2020-01-02,1\n\n\n2020-01-03,oops\n',
      ':6:2',
      'unparseable number "oops" in column A',
      'unparseable-number',
    );
    await refuses(
      'wide',
      'crlf.csv',
      '\ufeffdate,A\r\n2020-01-02,1\r\n2020-01-03,-1\r\n',
      ':3:2',
      'non-positive price -1 in column A',
      'non-positive-price',
    );
    await refuses(
      'wide',
      'quoted.csv',
      'date,"A\nB",C\n2020-01-02,1,2\n2020-01-03,1,"2\n"\n2020-01-06,1,0\n',
      ':6:3',
      'non-positive price 0 in column C',
      'non-positive-price',
    );
  });

  it('unselected columns are not read (a bad cell there does not matter)', () => {
    const file = scratchFile('unselected.csv', 'date,A,B\n2020-01-02,1,x\n');
    expect(Array.from(readWideCsvSync(file, { symbols: ['A'] }).frame.get('A'))).toEqual([1]);
  });
});

describe('long CSV validation', () => {
  const H = 'date,symbol,open,high,low,close,volume\n';
  it('unparseable numbers and dates, empty cells', async () => {
    await refuses(
      'long',
      'l-number.csv',
      `${H}2020-01-02,A,1,2,0.5,1.5,100\n2020-01-03,A,1,2,0.5,1.5x,100\n`,
      ':3:6',
      'unparseable number "1.5x" in column close',
      'unparseable-number',
    );
    await refuses(
      'long',
      'l-date.csv',
      `${H}2020-01-02,A,1,2,0.5,1.5,100\n2020-1-3,A,1,2,0.5,1.5,100\n`,
      ':3:1',
      'unparseable date "2020-1-3" (expected YYYY-MM-DD or an ISO timestamp with a zone)',
      'unparseable-date',
    );
    await refuses(
      'long',
      'l-empty.csv',
      `${H}2020-01-02,A,1,2,0.5,,100\n`,
      ':2:6',
      'empty cell in column close',
      'empty-cell',
    );
    await refuses(
      'long',
      'l-nosym.csv',
      `${H}2020-01-02,,1,2,0.5,1,100\n`,
      ':2:2',
      'empty symbol',
      'empty-cell',
    );
  });

  it('non-positive prices and negative volume (zero volume is fine)', async () => {
    await refuses(
      'long',
      'l-low.csv',
      `${H}2020-01-02,A,1,2,-0.5,1.5,100\n`,
      ':2:5',
      'non-positive price -0.5 in column low',
      'non-positive-price',
    );
    await refuses(
      'long',
      'l-vol.csv',
      `${H}2020-01-02,A,1,2,0.5,1.5,-100\n`,
      ':2:7',
      'negative volume -100',
      'negative-volume',
    );
    const file = scratchFile('l-zero-volume.csv', `${H}2020-01-02,A,1,2,0.5,1.5,0\n`);
    expect(readLongCsvSync(file).frame.get('A', 'volume')[0]).toBe(0);
  });

  it('dates must increase per symbol, with the line of the row they collide with', async () => {
    await refuses(
      'long',
      'l-decreasing.csv',
      `${H}2020-01-03,A,1,2,0.5,1.5,100\n2020-01-02,B,1,2,0.5,1.5,100\n2020-01-02,A,1,2,0.5,1.5,100\n`,
      ':4:1',
      "date 2020-01-02 of A is before the previous A row's 2020-01-03 (line 2); dates must be strictly increasing per symbol",
      'decreasing-time',
    );
    await refuses(
      'long',
      'l-duplicate.csv',
      `${H}2020-01-02,A,1,2,0.5,1.5,100\n2020-01-02,B,1,2,0.5,1.5,100\n2020-01-02,A,1,2,0.5,1.6,100\n`,
      ':4:1',
      "date 2020-01-02 of A repeats the previous A row's (line 2); dates must be strictly increasing per symbol",
      'duplicate-time',
    );
  });

  it('header problems', async () => {
    await refuses(
      'long',
      'l-unknown.csv',
      'date,symbol,close,vwap\n2020-01-02,A,1,1\n',
      ':1:4',
      'unknown column "vwap"; expected date, symbol, open, high, low, close, adj close, volume',
      'bad-header',
    );
    await refuses(
      'long',
      'l-noclose.csv',
      'date,symbol,open\n2020-01-02,A,1\n',
      ':1',
      'no close column; expected date, symbol, open, high, low, close, adj close, volume',
      'bad-header',
    );
    await refuses(
      'long',
      'l-dupcol.csv',
      'Date,symbol,close,Close\n2020-01-02,A,1,1\n',
      ':1:4',
      'duplicate column "Close" (same as column 3, "close")',
      'bad-header',
    );
    await refuses(
      'long',
      'l-unknown-symbol.csv',
      `${H}2020-01-02,A,1,2,0.5,1.5,100\n2020-01-02,B,1,2,0.5,1.5,100\n`,
      '',
      'unknown symbol "C"; the file has A, B',
      'unknown-symbol',
      { symbols: ['C'] },
    );
  });

  it('too few rows counts each symbol', async () => {
    await refuses(
      'long',
      'l-short.csv',
      `${H}2020-01-02,A,1,2,0.5,1.5,100\n2020-01-03,A,1,2,0.5,1.5,100\n2020-01-03,B,1,2,0.5,1.5,100\n`,
      '',
      'too few rows: B has 1 priced bar (2020-01-03), at least 2 needed',
      'too-few-rows',
      { minRows: 2 },
    );
  });
});
