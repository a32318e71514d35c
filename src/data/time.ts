/**
 * Timestamps in data files: `YYYY-MM-DD` (a daily bar, stamped midnight UTC) or a full ISO 8601
 * timestamp with a time and a zone (`2020-01-02T15:30:00Z`, `2020-01-02 15:30:00.250-05:00`).
 * A time without a zone is refused: which zone was meant cannot be known from the file.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = m === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0);
  return d <= DAYS_IN_MONTH[m - 1] + (leap ? 1 : 0);
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

/**
 * Parses a data file's timestamp to UTC milliseconds since the epoch; NaN when it is not a valid
 * `YYYY-MM-DD` date or an ISO 8601 timestamp with a zone. Calendar dates are checked
 * (`2021-02-29` is NaN). Surrounding spaces are ignored.
 * @example parseTime('2006-04-26') === Date.UTC(2006, 3, 26)
 * @example parseTime('2020-01-02T09:30:00-05:00') === Date.UTC(2020, 0, 2, 14, 30)
 */
export function parseTime(text: string): number {
  if (text.length === 10 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45) {
    const y = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
    const m = digit(text, 5) * 10 + digit(text, 6);
    const d = digit(text, 8) * 10 + digit(text, 9);
    if (y < 0 || !validDate(y, m, d)) return NaN;
    return Date.UTC(y, m - 1, d);
  }
  const t = text.trim();
  if (t.length === 10 && t !== text) return parseTime(t);
  const g = ISO_TIMESTAMP.exec(t);
  if (g === null || g[8] === undefined) return NaN;
  const [y, mo, d, h, mi] = [g[1], g[2], g[3], g[4], g[5]].map(Number);
  const s = g[6] === undefined ? 0 : Number(g[6]);
  const ms = g[7] === undefined ? 0 : Math.round(Number(`0.${g[7]}`) * 1000);
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return NaN;
  let offset = 0;
  const zone = g[8];
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return NaN;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset;
}

/** Why {@link parseTime} refused a text, as the tail of an error message. */
export function timeProblem(text: string): string {
  const g = ISO_TIMESTAMP.exec(text.trim());
  if (g !== null && g[8] === undefined)
    return `unparseable date "${text}": a timestamp needs a time zone (Z or ±HH:MM)`;
  return `unparseable date "${text}" (expected YYYY-MM-DD or an ISO timestamp with a zone)`;
}
