/**
 * Trading sessions applied to bars: which bars fall in regular hours (the `rth` filter), each
 * bar's trading day (what borrow's nights and the daily loss limit count), and which bar closes
 * a session (flattening at the close). Intraday bars are stamped at their start, as Alpaca,
 * Yahoo and ccxt stamp them; a daily bar is its date (midnight UTC, docs/data.md).
 */
import type { TradingCalendar } from './calendar.js';
import { PriceFrame, type PriceField } from './frame.js';

const DAY_MS = 86_400_000;

/** Which bars a run keeps: all of them, or those in the calendar's regular trading hours. */
export const SESSION_HOURS = ['all', 'rth'] as const;
/** One of {@link SESSION_HOURS}. */
export type SessionHours = (typeof SESSION_HOURS)[number];

/** Whether every bar is a date (midnight UTC): a frame of daily bars. */
export function isDaily(times: ArrayLike<number>): boolean {
  for (let i = 0; i < times.length; i++) if (times[i] % DAY_MS !== 0) return false;
  return times.length > 0;
}

/**
 * Whether the bar at `time` is in regular trading hours: an intraday bar that starts at or after
 * a session's open and before its close; a daily bar (`daily`) dated on a trading day.
 * @throws CalendarError for a date outside the calendar's years.
 */
export function inRegularHours(cal: TradingCalendar, time: number, daily: boolean): boolean {
  if (daily) return cal.session(time / DAY_MS) !== null;
  const s = cal.session(cal.day(time));
  return s !== null && time >= s.open && time < s.close;
}

/** What {@link regularHours} kept. */
export interface SessionFilterReport {
  kept: number;
  dropped: number;
  /** One line for people: how many bars were kept, and which calendar. */
  message: string;
}

/**
 * The bars of `frame` in `cal`'s regular trading hours (see {@link inRegularHours}); the frame
 * itself when every bar is.
 * @throws CalendarError for a bar outside the calendar's years.
 */
export function regularHours(
  frame: PriceFrame,
  cal: TradingCalendar,
): { frame: PriceFrame; report: SessionFilterReport } {
  const times = frame.times;
  const n = times.length;
  const daily = isDaily(times);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (inRegularHours(cal, times[i], daily)) keep.push(i);
  const dropped = n - keep.length;
  const message = `${frame.source}: regular hours of the ${cal.name.toUpperCase()} calendar: ${keep.length} of ${n} bars kept, ${dropped} outside them dropped`;
  if (dropped === 0) return { frame, report: { kept: n, dropped: 0, message } };
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]);
  const columns = new Map<string, Partial<Record<PriceField, Float64Array>>>();
  for (const s of frame.symbols) {
    const fields: Partial<Record<PriceField, Float64Array>> = {};
    for (const f of frame.fields(s)) fields[f] = pick(frame.get(s, f));
    columns.set(s, fields);
  }
  return {
    frame: new PriceFrame({ times: pick(times), columns, source: frame.source }),
    report: { kept: keep.length, dropped, message },
  };
}

/**
 * Each bar's trading day under `cal` (its date in the exchange's zone, a day number) into
 * `out[from …]`. Two bars `nights` apart in days held a position over that many nights.
 */
export function tradingDays(
  cal: TradingCalendar,
  times: ArrayLike<number>,
  from: number,
  to: number,
  out: Float64Array,
): Float64Array {
  for (let t = from; t < to; t++) out[t] = cal.day(times[t]);
  return out;
}

/**
 * Which bars close their session, fed one bar at a time in time order (so a backtest and a
 * stream decide alike): a bar that starts outside regular hours, or whose end reaches the
 * session's close. A bar's length is the shortest spacing seen so far between two bars of the
 * same session (unknown until two such bars have been seen: no bar before then closes a
 * session but one outside regular hours).
 */
export class SessionCloser {
  #length = Infinity;
  #prevTime = NaN;
  #prevDay = NaN;

  constructor(readonly calendar: TradingCalendar) {}

  /**
   * Whether the bar at `time` (after every earlier bar) is its session's last.
   * @throws CalendarError for a date outside the calendar's years.
   */
  closes(time: number): boolean {
    const cal = this.calendar;
    const s = cal.session(cal.day(time));
    const inside = s !== null && time >= s.open && time < s.close;
    const day = inside ? s.day : NaN;
    if (inside && day === this.#prevDay) this.#length = Math.min(this.#length, time - this.#prevTime);
    this.#prevTime = time;
    this.#prevDay = day;
    return !inside || (this.#length < Infinity && time + this.#length >= s.close);
  }
}
