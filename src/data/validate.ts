/** Checks on a built frame that depend on what it will be used for. */
import { DataError } from './errors.js';
import type { PriceFrame } from './frame.js';

/** How many bars of a symbol are priced (close not NaN), and the first and last of them. */
export function pricedRange(
  frame: PriceFrame,
  symbol: string,
): { count: number; first: number; last: number } {
  const close = frame.get(symbol);
  let count = 0;
  let first = -1;
  let last = -1;
  for (let i = 0; i < close.length; i++) {
    if (Number.isNaN(close[i])) continue;
    if (first < 0) first = i;
    last = i;
    count++;
  }
  return { count, first, last };
}

/**
 * Refuses a frame in which one of `symbols` (default all) has fewer than `minRows` priced bars,
 * e.g. fewer than a strategy's lookback needs.
 * @throws DataError naming the file, the symbol, how many bars it has (and their dates) and how
 *   many are needed.
 */
export function requireRows(
  frame: PriceFrame,
  minRows: number,
  symbols: readonly string[] = frame.symbols,
): void {
  for (const symbol of symbols) {
    const { count, first, last } = pricedRange(frame, symbol);
    if (count >= minRows) continue;
    const has =
      count === 0
        ? 'no priced bars'
        : `${count} priced bar${count === 1 ? '' : 's'} (${frame.date(first)}${count > 1 ? ` … ${frame.date(last)}` : ''})`;
    throw new DataError(
      `too few rows: ${symbol} has ${has}, at least ${minRows} needed`,
      frame.source,
      undefined,
      undefined,
      'too-few-rows',
    );
  }
}
