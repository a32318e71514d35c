/**
 * Intraday test data: a cointegrated pair of half-hourly bars around the clock (weekends and
 * holidays included, as a 24-hour feed gives them), written as a long OHLCV CSV file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HALF_HOUR = 1_800_000;

/**
 * Bars of Y and X every half hour from `from` (inclusive) to `to` (exclusive), UTC dates, those
 * at times `keep` accepts; X a random walk, Y = 1.5·X + 10 + a mean-reverting spread (seeded:
 * the same prices every time, whatever is kept).
 */
export function intradayPairCsv(
  from = '2024-03-04',
  to = '2024-04-06',
  keep: (time: number) => boolean = () => true,
): string {
  const seed = 11;
  let s = seed;
  const rand = () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647 - 0.5;
  };
  const lines = ['date,symbol,open,high,low,close,volume'];
  let x = 40;
  let spread = 0;
  let prevY = 1.5 * x + 10;
  let prevX = x;
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${to}T00:00:00Z`); t += HALF_HOUR) {
    x *= 1 + 0.004 * rand();
    spread = 0.8 * spread + 0.6 * rand();
    const y = 1.5 * x + 10 + spread;
    const at = new Date(t).toISOString();
    const bar = (sym: string, open: number, close: number) =>
      `${at},${sym},${open.toFixed(4)},${Math.max(open, close).toFixed(4)},${Math.min(open, close).toFixed(4)},${close.toFixed(4)},1000`;
    if (keep(t)) lines.push(bar('Y', prevY, y), bar('X', prevX, x));
    prevY = y;
    prevX = x;
  }
  const file = join(mkdtempSync(join(tmpdir(), 'kalrev-intraday-')), 'pair.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
