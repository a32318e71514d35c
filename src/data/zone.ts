/**
 * Local time in an IANA time zone, from the runtime's own zone database (Intl): the offset of a
 * zone at an instant, the instant of a local wall-clock time, and the local calendar date of an
 * instant as a day number. Daylight-saving rules are the database's, never written here.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * One zone's offsets, found once per year: the instants at which the offset changes (found by
 * bisection on Intl's answers, to the minute) and the offset from each, so that an instant's
 * offset afterwards costs a short scan and no call to Intl.
 */
export class TimeZone {
  readonly #format: Intl.DateTimeFormat;
  /** Per UTC year: change instants and the offset in force from each (the first from the year's start). */
  readonly #years = new Map<number, { at: number[]; offset: number[] }>();

  /** @throws RangeError when the runtime does not know the zone. */
  constructor(readonly name: string) {
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The zone's offset from UTC at `time` (ms; local = UTC + offset), straight from Intl. */
  #intlOffset(time: number): number {
    const f: Record<string, number> = {};
    for (const p of this.#format.formatToParts(time)) if (p.type !== 'literal') f[p.type] = Number(p.value);
    const local = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
    return local - (time - (((time % 1000) + 1000) % 1000));
  }

  #year(y: number): { at: number[]; offset: number[] } {
    let table = this.#years.get(y);
    if (table !== undefined) return table;
    const start = Date.UTC(y, 0, 1);
    const at = [start];
    const offset = [this.#intlOffset(start)];
    // a zone changes its offset a few times a year at most: sample every two weeks, and bisect
    // to the minute between two samples that differ
    const end = Date.UTC(y + 1, 0, 1);
    let t0 = start;
    let o0 = offset[0];
    for (let t1 = start + 14 * DAY_MS; t0 < end; t1 += 14 * DAY_MS) {
      const t = Math.min(t1, end);
      const o1 = this.#intlOffset(t);
      if (o1 !== o0) {
        let lo = t0;
        let hi = t;
        while (hi - lo > 60_000) {
          const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
          if (this.#intlOffset(mid) === o0) lo = mid;
          else hi = mid;
        }
        at.push(hi);
        offset.push(o1);
      }
      t0 = t;
      o0 = o1;
    }
    table = { at, offset };
    this.#years.set(y, table);
    return table;
  }

  // the year looked up last, kept so that a run of bars in one year finds it without a Date
  #from = 0;
  #to = -1;
  #table: { at: number[]; offset: number[] } = { at: [0], offset: [0] };

  /** The zone's offset from UTC at `time` (UTC ms): local time = `time + offset(time)`. */
  offset(time: number): number {
    if (!(time >= this.#from && time < this.#to)) {
      const y = new Date(time).getUTCFullYear();
      this.#table = this.#year(y);
      this.#from = Date.UTC(y, 0, 1);
      this.#to = Date.UTC(y + 1, 0, 1);
    }
    const table = this.#table;
    let i = table.at.length - 1;
    while (i > 0 && time < table.at[i]) i--;
    return table.offset[i];
  }

  /**
   * The local calendar date of `time` as a day number (days since 1970-01-01): two instants are
   * on the same local date when their day numbers are equal.
   */
  day(time: number): number {
    return Math.floor((time + this.offset(time)) / DAY_MS);
  }

  /**
   * The instant (UTC ms) at which local clocks show `minutes` past midnight on day `day` (a
   * day number). For a wall time that does not exist or occurs twice around a change of offset,
   * the offset in force just before the change is used (no session boundary lies there).
   */
  instant(day: number, minutes: number): number {
    const local = day * DAY_MS + minutes * 60_000;
    // the offset a few hours earlier is the one before any change near this wall time
    const guess = local - this.offset(local - 3 * HOUR_MS);
    return local - this.offset(guess);
  }
}
