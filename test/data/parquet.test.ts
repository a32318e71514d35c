/** Parquet: files written here with hyparquet-writer, read back with readParquet. */
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readParquet, readPrices, readWideCsvSync, type PriceFrame } from '../../src/data/index.js';
import { rejected, scratchDir, scratchFile } from './helpers.js';

type ColumnSource = Parameters<typeof parquetWriteFile>[0]['columnData'][number];

function writeParquet(name: string, columnData: ColumnSource[]): string {
  const filename = join(scratchDir(), name);
  parquetWriteFile({ filename, columnData });
  return filename;
}

const dates = (f: PriceFrame) => Array.from({ length: f.length }, (_, i) => f.date(i));

describe('readParquet', () => {
  it('round trip: the bundled EWA/EWC prices written as a long Parquet file read back identical', async () => {
    const csv = readWideCsvSync('data/ewa_ewc.csv').frame;
    const n = csv.length;
    const symbols = ['EWA', 'EWC'];
    const file = writeParquet('ewa_ewc.parquet', [
      {
        name: 'date',
        data: symbols.flatMap(() => Array.from(csv.times, (t) => new Date(t))),
        type: 'TIMESTAMP',
      },
      { name: 'symbol', data: symbols.flatMap((s) => Array<string>(n).fill(s)), type: 'STRING' },
      {
        name: 'close',
        data: Float64Array.from(symbols.flatMap((s) => Array.from(csv.get(s)))),
        type: 'DOUBLE',
      },
    ]);
    const { frame, repairs } = await readParquet(file);
    expect(frame.symbols).toEqual(symbols);
    expect(frame.length).toBe(1500);
    expect(frame.date(0)).toBe('2006-04-26');
    expect(frame.date(1499)).toBe('2012-04-09');
    expect(frame.get('EWA')[0]).toBe(16.1);
    expect(frame.get('EWC')[1499]).toBe(27.46);
    expect(Array.from(frame.times)).toEqual(Array.from(csv.times));
    for (const s of symbols) expect(Array.from(frame.get(s))).toEqual(Array.from(csv.get(s)));
    expect(repairs).toEqual([]);
    expect((await readPrices(file)).frame.symbols).toEqual(symbols);
  });

  it('a wide file with text dates and nulls (unpriced), and a single-symbol bars file', async () => {
    const wide = writeParquet('wide.parquet', [
      { name: 'date', data: ['2020-01-02', '2020-01-03', '2020-01-06'], type: 'STRING' },
      { name: 'A', data: [1, 1.5, 2], type: 'DOUBLE' },
      { name: 'B', data: [null, 20, 21], type: 'DOUBLE', nullable: true },
    ]);
    const w = await readParquet(wide);
    expect(w.frame.symbols).toEqual(['A', 'B']);
    expect(dates(w.frame)).toEqual(['2020-01-02', '2020-01-03', '2020-01-06']);
    expect(Array.from(w.frame.get('B'))).toEqual([NaN, 20, 21]);
    const bars = writeParquet('QQQ.parquet', [
      {
        name: 'Date',
        data: [new Date('2020-01-02T14:30:00Z'), new Date('2020-01-02T14:31:00Z')],
        type: 'TIMESTAMP',
      },
      { name: 'Open', data: [10, 11], type: 'DOUBLE' },
      { name: 'Close', data: [11, 12], type: 'DOUBLE' },
      { name: 'Volume', data: [500n, 0n], type: 'INT64' },
    ]);
    const b = await readParquet(bars);
    expect(b.frame.symbols).toEqual(['QQQ']);
    expect(dates(b.frame)).toEqual(['2020-01-02T14:30:00.000Z', '2020-01-02T14:31:00.000Z']);
    expect(Array.from(b.frame.get('QQQ', 'volume'))).toEqual([500, 0]);
  });

  it('errors name the row and column', async () => {
    const neg = writeParquet('neg.parquet', [
      { name: 'date', data: ['2020-01-02', '2020-01-03'], type: 'STRING' },
      { name: 'symbol', data: ['A', 'A'], type: 'STRING' },
      { name: 'close', data: [1, -1], type: 'DOUBLE' },
    ]);
    expect(await rejected(readParquet(neg))).toBe(
      `${neg}: row 2, column "close": non-positive price -1 in column close`,
    );
    const order = writeParquet('order.parquet', [
      { name: 'date', data: ['2020-01-03', '2020-01-02'], type: 'STRING' },
      { name: 'symbol', data: ['A', 'A'], type: 'STRING' },
      { name: 'close', data: [1, 2], type: 'DOUBLE' },
    ]);
    expect(await rejected(readParquet(order))).toBe(
      `${order}: row 2, column "date": date 2020-01-02 of A is before the previous A row's 2020-01-03 (row 1); dates must be strictly increasing per symbol`,
    );
    const sorted = await readParquet(order, { repair: { sort: true } });
    expect(sorted.repairs.map((r) => r.message)).toEqual([
      `${order}: sorted A's rows by date (2 moved; the first out of order was row 2)`,
    ]);
    const intDates = writeParquet('int-dates.parquet', [
      { name: 'date', data: [18263], type: 'INT32' },
      { name: 'close', data: [1], type: 'DOUBLE' },
    ]);
    expect(await rejected(readParquet(intDates))).toBe(
      `${intDates}: row 1, column "date": unparseable date 18263 (a number; expected a date or timestamp, or YYYY-MM-DD text)`,
    );
    const header = writeParquet('header.parquet', [
      { name: 'when', data: ['2020-01-02'], type: 'STRING' },
      { name: 'A', data: [1], type: 'DOUBLE' },
    ]);
    expect(await rejected(readParquet(header))).toBe(
      `${header}: the schema, column "when": the first column must be "date", found "when"`,
    );
  });

  it('refuses a missing file and a file that is not Parquet', async () => {
    const missing = join(scratchDir(), 'missing.parquet');
    expect(await rejected(readParquet(missing))).toBe(`${missing}: no such file`);
    const text = scratchFile('text.parquet', 'date,A\n2020-01-02,1\n');
    expect(await rejected(readParquet(text))).toMatch(
      new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable Parquet file \\(.+\\)$`),
    );
  });
});
