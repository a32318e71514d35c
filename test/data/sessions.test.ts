/**
 * Sessions applied to bars: the regular-hours filter on intraday and daily data, and which bar
 * closes a session.
 */
import { describe, expect, it } from 'vitest';
import { PriceFrame, regularHours, tradingCalendar } from '../../src/data/index.js';
import { inRegularHours, SessionCloser } from '../../src/data/sessions.js';

const HALF_HOUR = 1_800_000;

/** Half-hourly bars around the clock (UTC) on each date, one symbol. */
export function halfHourly(dates: readonly string[]): PriceFrame {
  const times: number[] = [];
  for (const d of dates) {
    const start = Date.parse(`${d}T00:00:00Z`);
    for (let k = 0; k < 48; k++) times.push(start + k * HALF_HOUR);
  }
  const close = Float64Array.from(times, (_, i) => 100 + (i % 7));
  return new PriceFrame({
    times,
    columns: { SPY: { close, open: close.map((c) => c - 0.5) } },
    source: 'bars.csv',
  });
}

const iso = (t: number) => new Date(t).toISOString();

describe('the regular-hours filter (rth)', () => {
  const nyse = tradingCalendar('nyse');
  // Friday before the March clock change, the Saturday, the Monday after it, Good Friday, and
  // the day after Thanksgiving (a 13:00 close)
  const frame = halfHourly(['2024-03-08', '2024-03-09', '2024-03-11', '2024-03-29', '2024-11-29']);

  it('keeps the bars that start in 09:30–16:00 New York on trading days, 09:30–13:00 on an early close', () => {
    const { frame: kept, report } = regularHours(frame, nyse);
    const times = Array.from(kept.times, iso);
    const on = (d: string) => times.filter((t) => t.startsWith(d));
    // EST (UTC−5): 14:30 … 20:30 UTC, 13 bars
    expect(on('2024-03-08')).toHaveLength(13);
    expect(on('2024-03-08')[0]).toBe('2024-03-08T14:30:00.000Z');
    expect(on('2024-03-08').at(-1)).toBe('2024-03-08T20:30:00.000Z');
    // EDT (UTC−4) after the change: 13:30 … 19:30 UTC
    expect(on('2024-03-11')[0]).toBe('2024-03-11T13:30:00.000Z');
    expect(on('2024-03-11').at(-1)).toBe('2024-03-11T19:30:00.000Z');
    expect(on('2024-03-11')).toHaveLength(13);
    // closed at the weekend and on Good Friday
    expect(on('2024-03-09')).toEqual([]);
    expect(on('2024-03-29')).toEqual([]);
    // the day after Thanksgiving: 09:30 … 12:30 EST, nothing from 13:00
    expect(on('2024-11-29')).toEqual([
      '2024-11-29T14:30:00.000Z',
      '2024-11-29T15:00:00.000Z',
      '2024-11-29T15:30:00.000Z',
      '2024-11-29T16:00:00.000Z',
      '2024-11-29T16:30:00.000Z',
      '2024-11-29T17:00:00.000Z',
      '2024-11-29T17:30:00.000Z',
    ]);
    expect(report.kept).toBe(33);
    expect(report.dropped).toBe(5 * 48 - 33);
    expect(report.message).toBe(
      'bars.csv: regular hours of the NYSE calendar: 33 of 240 bars kept, 207 outside them dropped',
    );
    // every field of every kept bar is the original bar's
    const i = Array.from(frame.times).indexOf(Date.UTC(2024, 10, 29, 16, 0));
    const j = Array.from(kept.times).indexOf(Date.UTC(2024, 10, 29, 16, 0));
    expect(kept.get('SPY')[j]).toBe(frame.get('SPY')[i]);
    expect(kept.get('SPY', 'open')[j]).toBe(frame.get('SPY', 'open')[i]);
  });

  it('keeps every bar of the crypto calendar, and the frame itself', () => {
    const { frame: kept, report } = regularHours(frame, tradingCalendar('crypto'));
    expect(kept).toBe(frame);
    expect(report.dropped).toBe(0);
  });

  it('keeps the daily bars dated on trading days', () => {
    const daily = PriceFrame.fromCloses(['2024-03-28', '2024-03-29', '2024-03-30', '2024-04-01'], {
      SPY: [1, 2, 3, 4],
    });
    const { frame: kept } = regularHours(daily, nyse);
    expect(kept.dates()).toEqual(['2024-03-28', '2024-04-01']);
    expect(Array.from(kept.get('SPY'))).toEqual([1, 4]);
  });

  it('refuses bars outside the years the calendar covers', () => {
    const old = PriceFrame.fromCloses(['2007-06-01T14:30:00Z'], { SPY: [1] });
    expect(() => regularHours(old, nyse)).toThrow(
      'the NYSE calendar covers 2008–2030; 2007-06-01 is outside it',
    );
  });
});

describe('the bar that closes a session', () => {
  it('is the last to start before the close, by the shortest spacing seen; any bar outside regular hours', () => {
    const closer = new SessionCloser(tradingCalendar('nyse'));
    const frame = halfHourly(['2024-11-27', '2024-11-29']);
    const closing = Array.from(frame.times)
      .filter((t) => closer.closes(t) && inRegularHours(tradingCalendar('nyse'), t, false))
      .map(iso);
    // 15:30 EST on a full day, 12:30 EST on the early close
    expect(closing).toEqual(['2024-11-27T20:30:00.000Z', '2024-11-29T17:30:00.000Z']);
    const other = new SessionCloser(tradingCalendar('nyse'));
    expect(other.closes(Date.UTC(2024, 10, 27, 12, 0))).toBe(true); // 07:00 New York: pre-market
    expect(other.closes(Date.UTC(2024, 10, 27, 14, 30))).toBe(false); // the first bar: no spacing known yet
  });

  it('is the last bar of the UTC day on the crypto calendar', () => {
    const closer = new SessionCloser(tradingCalendar('crypto'));
    const frame = halfHourly(['2024-03-09', '2024-03-10']);
    const closing = Array.from(frame.times)
      .filter((t) => closer.closes(t))
      .map(iso);
    expect(closing).toEqual(['2024-03-09T23:30:00.000Z', '2024-03-10T23:30:00.000Z']);
  });
});
