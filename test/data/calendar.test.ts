/**
 * Exchange calendars: the NYSE's holidays, early closes and regular hours across daylight-saving
 * changes, checked against the NYSE's published calendars; crypto's 24/7 days.
 */
import { describe, expect, it } from 'vitest';
import { CalendarError, nyseEarlyCloses, nyseHolidays, tradingCalendar } from '../../src/data/index.js';

const DAY = 86_400_000;
const day = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY;
const iso = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);
const nyse = tradingCalendar('nyse');

describe('the NYSE calendar', () => {
  // NYSE Group, "NYSE Group Announces 2022, 2023 and 2024 Holiday and Early Closings Calendar"
  // (press release of 2021-12-27): every full-day closure and every 1:00 p.m. close
  const published: Record<number, { holidays: string[]; early: string[] }> = {
    2022: {
      // New Year's Day 2022 fell on a Saturday: "No holiday observed, pursuant to NYSE Rule 7.2"
      holidays: [
        '2022-01-17',
        '2022-02-21',
        '2022-04-15',
        '2022-05-30',
        '2022-06-20',
        '2022-07-04',
        '2022-09-05',
        '2022-11-24',
        '2022-12-26',
      ],
      early: ['2022-11-25'],
    },
    2023: {
      holidays: [
        '2023-01-02',
        '2023-01-16',
        '2023-02-20',
        '2023-04-07',
        '2023-05-29',
        '2023-06-19',
        '2023-07-04',
        '2023-09-04',
        '2023-11-23',
        '2023-12-25',
      ],
      early: ['2023-07-03', '2023-11-24'],
    },
    2024: {
      holidays: [
        '2024-01-01',
        '2024-01-15',
        '2024-02-19',
        '2024-03-29',
        '2024-05-27',
        '2024-06-19',
        '2024-07-04',
        '2024-09-02',
        '2024-11-28',
        '2024-12-25',
      ],
      early: ['2024-07-03', '2024-11-29', '2024-12-24'],
    },
  };

  for (const [year, want] of Object.entries(published))
    it(`has the NYSE's published ${year} holidays and early closes, and no others`, () => {
      expect([...nyseHolidays(Number(year)).keys()].map(iso)).toEqual(want.holidays);
      expect([...nyseEarlyCloses(Number(year)).keys()].map(iso)).toEqual(want.early);
    });

  it('observes a Saturday holiday on the Friday before and a Sunday one on the Monday after', () => {
    // 2015-07-04 and 2020-07-04 were Saturdays; 2021-07-04 and 2022-12-25 Sundays
    expect(nyse.session(day('2015-07-03'))).toBeNull();
    expect(nyse.session(day('2020-07-03'))).toBeNull();
    expect(nyse.session(day('2021-07-05'))).toBeNull();
    expect(nyse.session(day('2022-12-26'))).toBeNull();
    // the day before a Friday holiday is a full day (no early close on 2015-07-02)
    expect(nyse.session(day('2015-07-02'))!.early).toBe(false);
    // Juneteenth only from 2022
    expect(nyse.session(day('2021-06-18'))).not.toBeNull();
    expect(nyse.session(day('2023-06-19'))).toBeNull();
  });

  it('is closed on a holiday and at weekends, with the special closures of the covered years', () => {
    expect(nyse.session(day('2024-03-29'))).toBeNull(); // Good Friday
    expect(nyse.session(day('2024-03-30'))).toBeNull(); // Saturday
    expect(nyse.session(day('2024-03-31'))).toBeNull(); // Sunday
    expect(nyse.session(day('2012-10-29'))).toBeNull(); // Hurricane Sandy
    expect(nyse.session(day('2012-10-30'))).toBeNull();
    expect(nyse.session(day('2018-12-05'))).toBeNull(); // President George H. W. Bush
    expect(nyse.session(day('2025-01-09'))).toBeNull(); // President Jimmy Carter
    expect(nyse.session(day('2025-01-10'))).not.toBeNull();
  });

  it('closes at 13:00 New York time on an early close (14:30–18:00 UTC in winter)', () => {
    const s = nyse.session(day('2024-11-29'))!; // the day after Thanksgiving, EST (UTC−5)
    expect(s.early).toBe(true);
    expect(s.open).toBe(Date.UTC(2024, 10, 29, 14, 30));
    expect(s.close).toBe(Date.UTC(2024, 10, 29, 18, 0));
    const eve = nyse.session(day('2024-12-24'))!;
    expect(eve.close).toBe(Date.UTC(2024, 11, 24, 18, 0));
    const july3 = nyse.session(day('2024-07-03'))!; // EDT (UTC−4)
    expect(july3.close).toBe(Date.UTC(2024, 6, 3, 17, 0));
  });

  it('follows daylight saving: 09:30–16:00 New York is 14:30–21:00 UTC in winter, 13:30–20:00 in summer', () => {
    // 2024: clocks went forward on Sunday 10 March and back on Sunday 3 November
    const before = nyse.session(day('2024-03-08'))!;
    const after = nyse.session(day('2024-03-11'))!;
    expect([before.open, before.close]).toEqual([Date.UTC(2024, 2, 8, 14, 30), Date.UTC(2024, 2, 8, 21, 0)]);
    expect([after.open, after.close]).toEqual([Date.UTC(2024, 2, 11, 13, 30), Date.UTC(2024, 2, 11, 20, 0)]);
    const summer = nyse.session(day('2024-11-01'))!;
    const winter = nyse.session(day('2024-11-04'))!;
    expect([summer.open, summer.close]).toEqual([
      Date.UTC(2024, 10, 1, 13, 30),
      Date.UTC(2024, 10, 1, 20, 0),
    ]);
    expect([winter.open, winter.close]).toEqual([
      Date.UTC(2024, 10, 4, 14, 30),
      Date.UTC(2024, 10, 4, 21, 0),
    ]);
  });

  it("dates an instant by New York's calendar: the trading day turns at local midnight, across both changes", () => {
    // midnight in New York is 05:00 UTC in winter and 04:00 UTC in summer
    expect(iso(nyse.day(Date.UTC(2024, 2, 8, 4, 59)))).toBe('2024-03-07');
    expect(iso(nyse.day(Date.UTC(2024, 2, 8, 5, 0)))).toBe('2024-03-08');
    expect(iso(nyse.day(Date.UTC(2024, 2, 11, 3, 59)))).toBe('2024-03-10');
    expect(iso(nyse.day(Date.UTC(2024, 2, 11, 4, 0)))).toBe('2024-03-11');
    expect(iso(nyse.day(Date.UTC(2024, 10, 4, 4, 59)))).toBe('2024-11-03');
    expect(iso(nyse.day(Date.UTC(2024, 10, 4, 5, 0)))).toBe('2024-11-04');
    // the Sunday of each change: 01:59 EST → 03:00 EDT in March, 01:59 EDT → 01:00 EST in November
    expect(iso(nyse.day(Date.UTC(2024, 2, 10, 6, 59)))).toBe('2024-03-10');
    expect(iso(nyse.day(Date.UTC(2024, 2, 10, 7, 0)))).toBe('2024-03-10');
    expect(iso(nyse.day(Date.UTC(2024, 10, 3, 5, 30)))).toBe('2024-11-03');
    expect(iso(nyse.day(Date.UTC(2024, 10, 3, 6, 30)))).toBe('2024-11-03');
  });

  it('refuses a date outside the years it covers, naming them', () => {
    expect(() => nyse.session(day('2031-01-02'))).toThrow(CalendarError);
    expect(() => nyse.session(day('2031-01-02'))).toThrow(
      'the NYSE calendar covers 2008–2030; 2031-01-02 is outside it',
    );
    expect(() => nyse.session(day('2007-12-31'))).toThrow(CalendarError);
  });
});

describe('the crypto calendar', () => {
  it('trades every day, the session the whole UTC day', () => {
    const crypto = tradingCalendar('crypto');
    for (const date of ['2024-03-29', '2024-03-30', '2024-12-25']) {
      const s = crypto.session(day(date))!;
      expect(s.open).toBe(Date.parse(`${date}T00:00:00Z`));
      expect(s.close - s.open).toBe(DAY);
    }
    expect(iso(crypto.day(Date.UTC(2024, 2, 10, 23, 59)))).toBe('2024-03-10');
    expect(iso(crypto.day(Date.UTC(2024, 2, 11, 0, 0)))).toBe('2024-03-11');
  });
});
