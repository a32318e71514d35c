/**
 * Exchange calendars: when a market trades. US equities follow the NYSE's calendar (regular
 * hours 09:30–16:00 America/New_York, 13:00 early closes, holidays under NYSE Rule 7.2, the
 * special closures of the covered years); crypto trades around the clock, its trading day the
 * UTC day. Local times come from the IANA zone database (./zone.ts), so daylight saving is the
 * database's. The NYSE's days are computed from its published rules and checked against its
 * published calendars (test/data/calendar.test.ts); years outside {@link NYSE_YEARS} are refused
 * rather than guessed.
 */
import { KalrevError } from '../errors.js';
import { TimeZone } from './zone.js';

const DAY_MS = 86_400_000;

/** A calendar cannot answer: a date outside the years it covers, or an unknown calendar. */
export class CalendarError extends KalrevError {
  override name = 'CalendarError';
}

/** The calendars kalrev knows, by name. */
export const CALENDAR_NAMES = ['nyse', 'crypto'] as const;
/** One of {@link CALENDAR_NAMES}. */
export type CalendarName = (typeof CALENDAR_NAMES)[number];

/** One trading day's regular session: its local date and its open and close instants (UTC ms). */
export interface Session {
  /** The local date, as a day number (days since 1970-01-01). */
  day: number;
  open: number;
  close: number;
  /** Whether the close is an early one (13:00 on the NYSE). */
  early: boolean;
}

/** When a market trades. */
export interface TradingCalendar {
  readonly name: CalendarName;
  /** The exchange's IANA time zone. */
  readonly timeZone: string;
  /** First and last year whose sessions the calendar knows (inclusive). */
  readonly years: readonly [number, number];
  /**
   * The exchange's trading day of an instant: its calendar date in the exchange's zone, as a day
   * number (days since 1970-01-01). Defined for every instant (no table is involved).
   */
  day(time: number): number;
  /**
   * The regular session of local date `day` (a day number), or null when the market is closed.
   * @throws CalendarError when the date's year is outside {@link years}.
   */
  session(day: number): Session | null;
}

/** The day number of a date. */
export function dayOf(year: number, month: number, date: number): number {
  return Date.UTC(year, month - 1, date) / DAY_MS;
}

/** `YYYY-MM-DD` of a day number. */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** The n-th (1-based) `wd` of a month, or the last one for n = −1. */
function nthWeekday(year: number, month: number, wd: number, n: number): number {
  if (n < 0) {
    const last = dayOf(year, month + 1, 0);
    return last - ((weekday(last) - wd + 7) % 7);
  }
  const first = dayOf(year, month, 1);
  return first + ((wd - weekday(first) + 7) % 7) + 7 * (n - 1);
}

/** Easter Sunday (Gregorian), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
function easter(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const date = ((h + l - 7 * m + 114) % 31) + 1;
  return dayOf(year, month, date);
}

/**
 * A fixed-date holiday as NYSE Rule 7.2 observes it: on a Sunday, the Monday after; on a
 * Saturday, the Friday before, except New Year's Day (the Friday before ends an accounting
 * year: no holiday is observed, as on 2022-01-01). null when none is observed.
 */
function observed(day: number, newYear: boolean): number | null {
  const wd = weekday(day);
  if (wd === 0) return day + 1;
  if (wd === 6) return newYear ? null : day - 1;
  return day;
}

/** The years the NYSE calendar covers (inclusive). */
export const NYSE_YEARS: readonly [number, number] = [2008, 2030];

/**
 * Closures beyond the rules, in the covered years: days the NYSE closed by decision
 * (hurricane, national days of mourning).
 */
const NYSE_SPECIAL_CLOSURES: ReadonlyArray<readonly [string, string]> = [
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'National Day of Mourning for President George H. W. Bush'],
  ['2025-01-09', 'National Day of Mourning for President Jimmy Carter'],
];

/** The NYSE's full-day closures of a year (rules and special closures): day number → name. */
export function nyseHolidays(year: number): Map<number, string> {
  const out = new Map<number, string>();
  const add = (day: number | null, name: string) => {
    if (day !== null) out.set(day, name);
  };
  add(observed(dayOf(year, 1, 1), true), "New Year's Day");
  add(nthWeekday(year, 1, 1, 3), 'Martin Luther King, Jr. Day');
  add(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  add(easter(year) - 2, 'Good Friday');
  add(nthWeekday(year, 5, 1, -1), 'Memorial Day');
  if (year >= 2022) add(observed(dayOf(year, 6, 19), false), 'Juneteenth National Independence Day');
  add(observed(dayOf(year, 7, 4), false), 'Independence Day');
  add(nthWeekday(year, 9, 1, 1), 'Labor Day');
  add(nthWeekday(year, 11, 4, 4), 'Thanksgiving Day');
  add(observed(dayOf(year, 12, 25), false), 'Christmas Day');
  for (const [date, name] of NYSE_SPECIAL_CLOSURES)
    if (date.startsWith(`${year}-`)) add(Date.parse(`${date}T00:00:00Z`) / DAY_MS, name);
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/**
 * The NYSE's 13:00 early closes of a year: day number → name. July 3 when it falls Monday to
 * Thursday (a Friday July 3 is the observed Independence Day), the day after Thanksgiving, and
 * December 24 when it falls Monday to Thursday (a Friday December 24 is the observed Christmas).
 */
export function nyseEarlyCloses(year: number): Map<number, string> {
  const out = new Map<number, string>();
  const july3 = dayOf(year, 7, 3);
  if (weekday(july3) >= 1 && weekday(july3) <= 4) out.set(july3, 'Independence Day eve');
  out.set(nthWeekday(year, 11, 4, 4) + 1, 'Day after Thanksgiving');
  const eve = dayOf(year, 12, 24);
  if (weekday(eve) >= 1 && weekday(eve) <= 4) out.set(eve, 'Christmas Eve');
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

const OPEN_MINUTES = 9 * 60 + 30;
const CLOSE_MINUTES = 16 * 60;
const EARLY_CLOSE_MINUTES = 13 * 60;

/** The NYSE: 09:30–16:00 America/New_York on trading days, 13:00 on early-close days. */
class NyseCalendar implements TradingCalendar {
  readonly name = 'nyse' as const;
  readonly timeZone = 'America/New_York';
  readonly years = NYSE_YEARS;
  readonly #zone = new TimeZone(this.timeZone);
  readonly #closed = new Map<number, string>();
  readonly #early = new Map<number, string>();
  readonly #sessions = new Map<number, Session | null>();

  constructor() {
    for (let y = NYSE_YEARS[0]; y <= NYSE_YEARS[1]; y++) {
      for (const [d, name] of nyseHolidays(y)) this.#closed.set(d, name);
      for (const [d, name] of nyseEarlyCloses(y)) this.#early.set(d, name);
    }
  }

  day(time: number): number {
    return this.#zone.day(time);
  }

  session(day: number): Session | null {
    const known = this.#sessions.get(day);
    if (known !== undefined) return known;
    const year = Number(dayText(day).slice(0, 4));
    if (!(year >= NYSE_YEARS[0] && year <= NYSE_YEARS[1]))
      throw new CalendarError(
        `the NYSE calendar covers ${NYSE_YEARS[0]}–${NYSE_YEARS[1]}; ${dayText(day)} is outside it (its holidays and early closes are not known)`,
      );
    const wd = weekday(day);
    let s: Session | null = null;
    if (wd !== 0 && wd !== 6 && !this.#closed.has(day)) {
      const early = this.#early.has(day);
      s = {
        day,
        open: this.#zone.instant(day, OPEN_MINUTES),
        close: this.#zone.instant(day, early ? EARLY_CLOSE_MINUTES : CLOSE_MINUTES),
        early,
      };
    }
    this.#sessions.set(day, s);
    return s;
  }
}

/** Crypto: every day a trading day, the session the whole UTC day. */
class CryptoCalendar implements TradingCalendar {
  readonly name = 'crypto' as const;
  readonly timeZone = 'UTC';
  readonly years: readonly [number, number] = [1970, 9999];

  day(time: number): number {
    return Math.floor(time / DAY_MS);
  }

  session(day: number): Session {
    return { day, open: day * DAY_MS, close: (day + 1) * DAY_MS, early: false };
  }
}

const calendars = new Map<CalendarName, TradingCalendar>();

/**
 * The calendar of this name (built once, shared).
 * @throws CalendarError for an unknown name.
 */
export function tradingCalendar(name: CalendarName): TradingCalendar {
  let c = calendars.get(name);
  if (c === undefined) {
    if (name === 'nyse') c = new NyseCalendar();
    else if (name === 'crypto') c = new CryptoCalendar();
    else throw new CalendarError(`unknown calendar "${String(name)}" (known: ${CALENDAR_NAMES.join(', ')})`);
    calendars.set(name, c);
  }
  return c;
}
