/**
 * Explicit repairs. Readers refuse unsorted, duplicated or gappy data unless a repair is asked for,
 * and every repair made is returned as a {@link Repair} so that it can be printed and audited.
 */
import { PriceFrame, type PriceField } from './frame.js';

/** Repairs a reader (or {@link alignFrames}) may make when asked; none by default. */
export interface RepairOptions {
  /** Sort rows by timestamp (stable) instead of refusing decreasing timestamps. */
  sort?: boolean;
  /** Drop rows whose timestamp repeats an earlier row's (per symbol), keeping the first. */
  dropDuplicates?: boolean;
  /**
   * Treat non-positive prices as missing instead of refusing them: the cell becomes NaN in a wide
   * file, the whole bar is dropped in a bars file. (Chan's ETF data, bundled in data/, has a few:
   * it adjusts for dividends by subtracting them from earlier closes.)
   */
  dropNonPositive?: boolean;
  /**
   * Fill gaps of at most this many consecutive missing bars with the previous close (a flat bar:
   * open = high = low = close = previous close, volume 0). Only gaps with a price on both sides
   * are filled: bars before a symbol's first price (not yet listed) or after its last are never
   * invented. Longer gaps are left missing and counted in the repair.
   */
  forwardFill?: number;
}

interface RepairBase {
  /** The file (or frame source) repaired. */
  source: string;
  /** The symbol repaired; absent when the repair applies to whole rows of a wide file. */
  symbol?: string;
  /** One line for people, naming what was changed and where. */
  message: string;
}

/** Rows were sorted by timestamp. */
export interface SortRepair extends RepairBase {
  /** Which repair. */
  kind: 'sort';
  /** How many rows changed position. */
  moved: number;
  /** The first row that was out of order: its line in a CSV file (its row in a Parquet file). */
  firstLine: number;
}

/** Rows repeating an earlier timestamp were dropped (the first one kept). */
export interface DropDuplicatesRepair extends RepairBase {
  /** Which repair. */
  kind: 'drop-duplicates';
  /** Lines (CSV) or rows (Parquet) dropped, in file order. */
  lines: number[];
  /** How many of the dropped rows had values different from the row kept. */
  differing: number;
}

/** Non-positive prices were treated as missing. */
export interface NonPositiveRepair extends RepairBase {
  /** Which repair. */
  kind: 'drop-non-positive';
  /** The symbol whose prices were dropped. */
  symbol: string;
  /** Lines (CSV) or rows (Parquet) holding the non-positive prices, in file order. */
  lines: number[];
  /** Whether whole bars were dropped (bars files) or single cells made NaN (wide files). */
  bars: boolean;
}

/** Short gaps were filled with the previous close. */
export interface ForwardFillRepair extends RepairBase {
  /** Which repair. */
  kind: 'forward-fill';
  /** The symbol filled. */
  symbol: string;
  /** Bars filled. */
  filled: number;
  /** Gaps (runs of missing bars) filled. */
  gaps: number;
  /** The first few filled bars' dates. */
  firstDates: string[];
  /** Gaps longer than the limit, left missing. */
  longGaps: number;
}

/** A repair that was made; see {@link RepairOptions}. */
export type Repair = SortRepair | DropDuplicatesRepair | NonPositiveRepair | ForwardFillRepair;

/** How many dates a report lists before it only counts. */
export const REPORT_DATES = 5;

/**
 * Fills gaps of at most `maxBars` missing bars (NaN close) with the previous close, for each of
 * `symbols` (default all). Returns a new frame (unchanged symbols share their arrays) and one
 * {@link ForwardFillRepair} per symbol that had gaps. See {@link RepairOptions.forwardFill}.
 */
export function forwardFill(
  frame: PriceFrame,
  maxBars: number,
  symbols: readonly string[] = frame.symbols,
): { frame: PriceFrame; repairs: ForwardFillRepair[] } {
  if (!Number.isInteger(maxBars) || maxBars < 0)
    throw new RangeError(`forwardFill: maxBars must be a non-negative integer, got ${maxBars}`);
  const todo = new Set(symbols);
  for (const s of todo) frame.get(s);
  const repairs: ForwardFillRepair[] = [];
  const columns = new Map<string, Partial<Record<PriceField, Float64Array>>>();
  for (const symbol of frame.symbols) {
    const fields: Partial<Record<PriceField, Float64Array>> = {};
    for (const f of frame.fields(symbol)) fields[f] = frame.get(symbol, f);
    columns.set(symbol, fields);
    if (!todo.has(symbol) || fields.close === undefined) continue;
    const close = fields.close;
    const n = close.length;
    let filled = 0;
    let gaps = 0;
    let longGaps = 0;
    const firstDates: string[] = [];
    let copied = false;
    let last = -1;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(close[i])) continue;
      const gap = i - last - 1;
      if (last >= 0 && gap > 0) {
        if (gap > maxBars) longGaps++;
        else {
          if (!copied) {
            for (const f of Object.keys(fields) as PriceField[]) fields[f] = Float64Array.from(fields[f]!);
            copied = true;
          }
          const p = fields.close![last];
          for (let j = last + 1; j < i; j++) {
            fields.close![j] = p;
            if (fields.open) fields.open[j] = p;
            if (fields.high) fields.high[j] = p;
            if (fields.low) fields.low[j] = p;
            if (fields.volume) fields.volume[j] = 0;
            if (firstDates.length < REPORT_DATES) firstDates.push(frame.date(j));
          }
          filled += gap;
          gaps++;
        }
      }
      last = i;
    }
    if (gaps > 0 || longGaps > 0) {
      const long =
        longGaps > 0
          ? `; ${longGaps} gap${longGaps > 1 ? 's' : ''} longer than ${maxBars} bars left missing`
          : '';
      repairs.push({
        kind: 'forward-fill',
        source: frame.source,
        symbol,
        filled,
        gaps,
        firstDates,
        longGaps,
        message:
          `${frame.source}: ${symbol}: filled ${filled} missing bar${filled === 1 ? '' : 's'} in ${gaps} gap${gaps === 1 ? '' : 's'} ` +
          `with the previous close${firstDates.length > 0 ? ` (${listDates(firstDates, filled)})` : ''}${long}`,
      });
    }
  }
  return { frame: new PriceFrame({ times: frame.times, columns, source: frame.source }), repairs };
}

/** `a, b, c, …` for a sample of `total` dates. */
export function listDates(sample: readonly string[], total: number): string {
  return sample.join(', ') + (total > sample.length ? ', …' : '');
}
