/** The explicit repairs: what they change, and the report of each. */
import { describe, expect, it } from 'vitest';
import {
  forwardFill,
  PriceFrame,
  readLongCsv,
  readWideCsv,
  readWideCsvSync,
  type Repair,
} from '../../src/data/index.js';
import { rejected, scratchFile } from './helpers.js';

const closes = (f: PriceFrame, s: string) => Array.from(f.get(s));
const dates = (f: PriceFrame) => Array.from({ length: f.length }, (_, i) => f.date(i));

describe('sort', () => {
  it('sorts rows by date, reporting how many moved (3, 6 and 1; 2 and 7 stay) and the first out of order', async () => {
    const file = scratchFile(
      'unsorted.csv',
      'date,A\n2020-01-03,3\n2020-01-02,2\n2020-01-06,6\n2020-01-01,1\n2020-01-07,7\n',
    );
    const { frame, repairs } = await readWideCsv(file, { repair: { sort: true } });
    expect(dates(frame)).toEqual(['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07']);
    expect(closes(frame, 'A')).toEqual([1, 2, 3, 6, 7]);
    expect(repairs).toEqual<Repair[]>([
      {
        kind: 'sort',
        source: file,
        moved: 3,
        firstLine: 3,
        message: `${file}: sorted the rows by date (3 moved; the first out of order was line 3)`,
      },
    ]);
  });

  it('sorts each symbol of a long file on its own', async () => {
    const file = scratchFile(
      'long-unsorted.csv',
      'date,symbol,close\n2020-01-03,A,3\n2020-01-02,A,2\n2020-01-02,B,20\n2020-01-03,B,30\n',
    );
    const { frame, repairs } = await readLongCsv(file, { repair: { sort: true } });
    expect(closes(frame, 'A')).toEqual([2, 3]);
    expect(closes(frame, 'B')).toEqual([20, 30]);
    expect(repairs.map((r) => r.message)).toEqual([
      `${file}: sorted A's rows by date (2 moved; the first out of order was line 3)`,
    ]);
  });

  it('still refuses duplicates found after sorting, naming both lines', async () => {
    const file = scratchFile('sort-dup.csv', 'date,A\n2020-01-03,3\n2020-01-02,2\n2020-01-03,4\n');
    expect(await rejected(readWideCsv(file, { repair: { sort: true } }))).toBe(
      `${file}:4:1: date 2020-01-03 also appears on line 2; timestamps must be unique`,
    );
  });
});

describe('dropDuplicates', () => {
  it('keeps the first row of each date and lists the lines dropped', async () => {
    const file = scratchFile(
      'dups.csv',
      'date,A,B\n2020-01-02,1,10\n2020-01-02,1,10\n2020-01-03,2,20\n2020-01-03,2.5,20\n2020-01-06,3,30\n',
    );
    const { frame, repairs } = await readWideCsv(file, { repair: { dropDuplicates: true } });
    expect(dates(frame)).toEqual(['2020-01-02', '2020-01-03', '2020-01-06']);
    expect(closes(frame, 'A')).toEqual([1, 2, 3]);
    expect(repairs).toEqual<Repair[]>([
      {
        kind: 'drop-duplicates',
        source: file,
        lines: [3, 5],
        differing: 1,
        message: `${file}: dropped 2 rows repeating an earlier date, kept the first (lines 3, 5; 1 with different values)`,
      },
    ]);
  });

  it('with sort, keeps the first in file order', async () => {
    const file = scratchFile('sort-dups.csv', 'date,A\n2020-01-03,3\n2020-01-02,2\n2020-01-03,4\n');
    const { frame, repairs } = await readWideCsv(file, { repair: { sort: true, dropDuplicates: true } });
    expect(closes(frame, 'A')).toEqual([2, 3]);
    expect(repairs.map((r) => r.kind)).toEqual(['sort', 'drop-duplicates']);
    expect(repairs[1].message).toBe(
      `${file}: dropped 1 row repeating an earlier date, kept the first (line 4; 1 with different values)`,
    );
  });

  it('still refuses decreasing dates without sort', async () => {
    const file = scratchFile('dups-decreasing.csv', 'date,A\n2020-01-03,3\n2020-01-02,2\n');
    expect(await rejected(readWideCsv(file, { repair: { dropDuplicates: true } }))).toBe(
      `${file}:3:1: date 2020-01-02 is before the previous row's 2020-01-03; dates must be strictly increasing`,
    );
  });
});

describe('forwardFill', () => {
  const text =
    'date,A,B\n' +
    '2020-01-01,,5\n' + // A not yet listed: never filled
    '2020-01-02,1,5\n' +
    '2020-01-03,,5\n' + // a 1-bar gap
    '2020-01-06,2,\n' +
    '2020-01-07,,\n' +
    '2020-01-08,,\n' +
    '2020-01-09,3,6\n' + // A: a 2-bar gap; B: a 3-bar gap
    '2020-01-10,,6\n'; // A's trailing bar: never filled

  it('fills gaps up to N bars with the previous close, leaves longer, leading and trailing ones', async () => {
    const file = scratchFile('gaps.csv', text);
    const { frame, repairs } = await readWideCsv(file, { repair: { forwardFill: 2 } });
    expect(closes(frame, 'A')).toEqual([NaN, 1, 1, 2, 2, 2, 3, NaN]);
    expect(closes(frame, 'B')).toEqual([5, 5, 5, NaN, NaN, NaN, 6, 6]);
    expect(repairs).toEqual<Repair[]>([
      {
        kind: 'forward-fill',
        source: file,
        symbol: 'A',
        filled: 3,
        gaps: 2,
        firstDates: ['2020-01-03', '2020-01-07', '2020-01-08'],
        longGaps: 0,
        message: `${file}: A: filled 3 missing bars in 2 gaps with the previous close (2020-01-03, 2020-01-07, 2020-01-08)`,
      },
      {
        kind: 'forward-fill',
        source: file,
        symbol: 'B',
        filled: 0,
        gaps: 0,
        firstDates: [],
        longGaps: 1,
        message: `${file}: B: filled 0 missing bars in 0 gaps with the previous close; 1 gap longer than 2 bars left missing`,
      },
    ]);
  });

  it('without the option, gaps stay NaN and nothing is reported', () => {
    const { frame, repairs } = readWideCsvSync(scratchFile('gaps2.csv', text));
    expect(closes(frame, 'A')).toEqual([NaN, 1, NaN, 2, NaN, NaN, 3, NaN]);
    expect(repairs).toEqual([]);
  });

  it('fills a bar as flat at the previous close with zero volume, on a copy', () => {
    const nan = NaN;
    const frame = new PriceFrame({
      times: [0, 86_400_000, 2 * 86_400_000],
      columns: {
        X: {
          open: Float64Array.of(1, nan, 3),
          high: Float64Array.of(2, nan, 4),
          low: Float64Array.of(0.5, nan, 2),
          close: Float64Array.of(1.5, nan, 3.5),
          volume: Float64Array.of(100, nan, 300),
        },
      },
      source: 'memory',
    });
    const { frame: filled, repairs } = forwardFill(frame, 1);
    expect(Array.from(filled.get('X', 'open'))).toEqual([1, 1.5, 3]);
    expect(Array.from(filled.get('X', 'high'))).toEqual([2, 1.5, 4]);
    expect(Array.from(filled.get('X', 'low'))).toEqual([0.5, 1.5, 2]);
    expect(Array.from(filled.get('X', 'close'))).toEqual([1.5, 1.5, 3.5]);
    expect(Array.from(filled.get('X', 'volume'))).toEqual([100, 0, 300]);
    expect(frame.get('X')[1]).toBeNaN();
    expect(repairs[0].message).toBe(
      'memory: X: filled 1 missing bar in 1 gap with the previous close (1970-01-02)',
    );
  });

  it('refuses a negative or fractional limit', () => {
    const frame = PriceFrame.fromCloses(['2020-01-02'], { A: [1] });
    expect(() => forwardFill(frame, -1)).toThrow(
      'forwardFill: maxBars must be a non-negative integer, got -1',
    );
    expect(() => forwardFill(frame, 1.5)).toThrow(
      'forwardFill: maxBars must be a non-negative integer, got 1.5',
    );
  });
});

describe('dropNonPositive', () => {
  it('makes a wide cell NaN, drops a whole bar of a bars file, and reports the lines', async () => {
    const wide = scratchFile('np-wide.csv', 'date,A,B\n2020-01-02,1,2\n2020-01-03,-1,2\n2020-01-06,0,3\n');
    const w = await readWideCsv(wide, { repair: { dropNonPositive: true } });
    expect(closes(w.frame, 'A')).toEqual([1, NaN, NaN]);
    expect(closes(w.frame, 'B')).toEqual([2, 2, 3]);
    expect(w.repairs.map((r) => r.message)).toEqual([
      `${wide}: A: 2 non-positive prices treated as missing (lines 3, 4)`,
    ]);
    const long = scratchFile(
      'np-long.csv',
      'date,symbol,open,low,close\n2020-01-02,A,1,1,1\n2020-01-03,A,1,-1,1\n2020-01-03,B,2,2,2\n',
    );
    const l = await readLongCsv(long, { repair: { dropNonPositive: true } });
    expect(dates(l.frame)).toEqual(['2020-01-02', '2020-01-03']);
    expect(Array.from(l.frame.get('A', 'open'))).toEqual([1, NaN]);
    expect(l.repairs.map((r) => r.message)).toEqual([
      `${long}: A: dropped 1 bar with a non-positive price (line 3)`,
    ]);
  });
});
