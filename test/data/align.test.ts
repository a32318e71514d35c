/** Aligning legs by date: inner and outer joins and the report of what was dropped. */
import { describe, expect, it } from 'vitest';
import {
  alignFrames,
  FrameError,
  PriceFrame,
  readWideCsvSync,
  type AlignmentReport,
} from '../../src/data/index.js';

const dates = (f: PriceFrame) => Array.from({ length: f.length }, (_, i) => f.date(i));
const nan = NaN;

// A trades Mon–Fri; B misses 01-03 and 01-08 and starts a day late; C is only in a second frame
const ab = PriceFrame.fromCloses(
  ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07', '2020-01-08'],
  { A: [1, 2, 3, 4, 5, 6], B: [nan, 20, nan, 40, 50, nan] },
  'ab.csv',
);
const c = PriceFrame.fromCloses(['2020-01-02', '2020-01-06', '2020-01-09'], { C: [200, 400, 900] }, 'c.csv');

describe('alignFrames', () => {
  it('inner join (the default): keeps the bars every symbol has, reports the rest per symbol', () => {
    const { frame, report } = alignFrames(ab);
    expect(dates(frame)).toEqual(['2020-01-02', '2020-01-06', '2020-01-07']);
    expect(Array.from(frame.get('A'))).toEqual([2, 4, 5]);
    expect(Array.from(frame.get('B'))).toEqual([20, 40, 50]);
    expect(report).toEqual<AlignmentReport>({
      join: 'inner',
      calendarBars: 6,
      bars: 3,
      dropped: 3,
      droppedDates: ['2020-01-01', '2020-01-03', '2020-01-08'],
      symbols: [
        {
          symbol: 'A',
          priced: 6,
          missing: 0,
          missingDates: [],
          dropped: 3,
          droppedDates: ['2020-01-01', '2020-01-03', '2020-01-08'],
        },
        {
          symbol: 'B',
          priced: 3,
          missing: 3,
          missingDates: ['2020-01-01', '2020-01-03', '2020-01-08'],
          dropped: 0,
          droppedDates: [],
        },
      ],
      repairs: [],
      message:
        'inner join of A, B: 3 of 6 bars kept, 3 dropped (2020-01-01, 2020-01-03, 2020-01-08)\n' +
        '  A: 3 of its bars dropped (2020-01-01, 2020-01-03, 2020-01-08)\n' +
        '  B: no price on 3 bars (2020-01-01, 2020-01-03, 2020-01-08)',
    });
    expect(frame.source).toBe('ab.csv');
  });

  it('outer join over two frames: the union of their dates, NaN where a symbol has no price', () => {
    const { frame, report } = alignFrames([ab, c], { join: 'outer' });
    expect(dates(frame)).toEqual([
      '2020-01-01',
      '2020-01-02',
      '2020-01-03',
      '2020-01-06',
      '2020-01-07',
      '2020-01-08',
      '2020-01-09',
    ]);
    expect(Array.from(frame.get('C'))).toEqual([nan, 200, nan, 400, nan, nan, 900]);
    expect(Array.from(frame.get('A'))).toEqual([1, 2, 3, 4, 5, 6, nan]);
    expect(report.dropped).toBe(0);
    expect(report.symbols.map((s) => [s.symbol, s.missing, s.dropped])).toEqual([
      ['A', 1, 0],
      ['B', 4, 0],
      ['C', 4, 0],
    ]);
    expect(frame.source).toBe('ab.csv + c.csv');
  });

  it('inner join of chosen legs from two frames, in the order asked', () => {
    const { frame, report } = alignFrames([ab, c], { symbols: ['C', 'A'] });
    expect(frame.symbols).toEqual(['C', 'A']);
    expect(dates(frame)).toEqual(['2020-01-02', '2020-01-06']);
    expect(report.symbols[0]).toEqual({
      symbol: 'C',
      priced: 3,
      missing: 4,
      missingDates: ['2020-01-01', '2020-01-03', '2020-01-07', '2020-01-08'],
      dropped: 1,
      droppedDates: ['2020-01-09'],
    });
  });

  it('lists the first five dates only, and counts them all', () => {
    const days = Array.from({ length: 8 }, (_, i) => `2020-02-0${i + 1}`);
    const f = PriceFrame.fromCloses(days, {
      A: [1, 2, 3, 4, 5, 6, 7, 8],
      B: [nan, nan, nan, nan, nan, nan, 7, 8],
    });
    const { report } = alignFrames(f);
    expect(report.symbols[1].missing).toBe(6);
    expect(report.symbols[1].missingDates).toEqual(days.slice(0, 5));
    expect(report.message.split('\n')[0]).toBe(
      'inner join of A, B: 2 of 8 bars kept, 6 dropped (2020-02-01, 2020-02-02, 2020-02-03, 2020-02-04, 2020-02-05, …)',
    );
  });

  it('forward-fills short gaps before joining, and reports the fills', () => {
    const { frame, report } = alignFrames(ab, { forwardFill: 1 });
    expect(dates(frame)).toEqual(['2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07']);
    expect(Array.from(frame.get('B'))).toEqual([20, 20, 40, 50]);
    expect(report.repairs.map((r) => r.message)).toEqual([
      'ab.csv: B: filled 1 missing bar in 1 gap with the previous close (2020-01-03)',
    ]);
  });

  it('keeps every field of the kept bars', () => {
    const f = new PriceFrame({
      times: [0, 86_400_000],
      columns: {
        X: { close: Float64Array.of(1, 2), volume: Float64Array.of(10, 20) },
        Y: { close: Float64Array.of(nan, 3) },
      },
    });
    const { frame } = alignFrames(f);
    expect(Array.from(frame.get('X', 'volume'))).toEqual([20]);
  });

  it('refuses unknown symbols, a symbol in two frames, and too few rows', () => {
    expect(() => alignFrames(ab, { symbols: ['A', 'Z'] })).toThrow(FrameError);
    expect(() => alignFrames(ab, { symbols: ['A', 'Z'] })).toThrow(
      'ab.csv: unknown symbol "Z"; the data has A, B',
    );
    expect(() => alignFrames([ab, ab])).toThrow('symbol "A" is in both ab.csv and ab.csv');
    expect(() => alignFrames(ab, { minRows: 4 })).toThrow(
      'ab.csv: too few rows: A has 3 priced bars (2020-01-02 … 2020-01-07), at least 4 needed',
    );
  });

  it('EWA/GDX from two bundled files: GDX starts 19 days later (data/README.md)', () => {
    const ewa = readWideCsvSync('data/ewa_ewc.csv', { symbols: ['EWA'] }).frame;
    const gdx = readWideCsvSync('data/gld_gdx.csv', { symbols: ['GDX'] }).frame;
    const { frame, report } = alignFrames([ewa, gdx]);
    expect(frame.length).toBe(1481);
    expect(frame.date(0)).toBe('2006-05-23');
    expect(report.symbols[0].dropped).toBe(19);
    expect(report.symbols[0].droppedDates[0]).toBe('2006-04-26');
    expect(report.symbols[1].missing).toBe(19);
  });
});
