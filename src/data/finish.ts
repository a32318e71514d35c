/**
 * What every reader shares: options, result, and the last steps of building a frame (ordering,
 * repairs, assembly, checks).
 */
import { basename, extname } from 'node:path';
import type { PriceFrame } from './frame.js';
import { forwardFill, type Repair, type RepairOptions } from './repair.js';
import { assemble, orderGroup, type Builder, type PendingRepair, type Where } from './table.js';
import { requireRows } from './validate.js';

/** Options every reader takes. */
export interface ReadOptions {
  /** Read only these symbols, in this order (an unknown one is an error naming those there are). */
  symbols?: readonly string[];
  /** Repairs to make instead of refusing the data; none by default. Every repair is reported. */
  repair?: RepairOptions;
  /** Refuse the data if a symbol has fewer priced bars than this (e.g. a strategy's lookback). */
  minRows?: number;
}

/** Options of the readers of bars (long, single-symbol, Yahoo, Parquet, folder). */
export interface BarsReadOptions extends ReadOptions {
  /**
   * When the file has an adjusted-close column (`Adj Close`): use it as `close` and scale
   * `open`, `high` and `low` by the same factor (adjusted close / close) so the bar stays
   * consistent; `volume` is left as it is. Default true; false uses the raw close and ignores the
   * adjusted column (which is still validated).
   */
  adjusted?: boolean;
  /** The symbol of a file without a `symbol` column (default: the file name without extension). */
  symbol?: string;
}

/** A frame and the repairs made while reading it. */
export interface ReadResult {
  frame: PriceFrame;
  /** Empty unless a repair was asked for and needed. */
  repairs: Repair[];
}

/** The symbol a file stands for: its name without directory and extension. */
export function symbolOfFile(file: string): string {
  return basename(file, extname(file));
}

/** Turns a {@link Located} problem into a DataError in the file's coordinates. */
export interface Coordinates {
  /** Converts a located problem (other errors pass through). */
  error(e: unknown): unknown;
  /** Words that locate a record (`line 12`). */
  where: Where;
  /** The number a repair reports for a record (its line, or its row). */
  number(record: number): number;
}

function repairText(p: PendingRepair, source: string, c: Coordinates): Repair {
  const whose = p.symbol === undefined ? 'the' : `${p.symbol}'s`;
  if (p.kind === 'sort') {
    const firstLine = c.number(p.firstRecord);
    return {
      kind: 'sort',
      source,
      ...(p.symbol === undefined ? {} : { symbol: p.symbol }),
      moved: p.moved,
      firstLine,
      message: `${source}: sorted ${whose} rows by date (${p.moved} moved; the first out of order was ${c.where(p.firstRecord)})`,
    };
  }
  const lines = p.records.map((r) => c.number(r));
  const n = lines.length;
  const shown = lines.slice(0, 10).join(', ') + (n > 10 ? ', …' : '');
  const kind = c.where(p.records[0]).split(' ')[0];
  if (p.kind === 'non-positive')
    return {
      kind: 'drop-non-positive',
      source,
      symbol: p.symbol,
      lines,
      bars: p.bars,
      message: p.bars
        ? `${source}: ${p.symbol}: dropped ${n} bar${n === 1 ? '' : 's'} with a non-positive price (${kind}${n === 1 ? '' : 's'} ${shown})`
        : `${source}: ${p.symbol}: ${n} non-positive price${n === 1 ? '' : 's'} treated as missing (${kind}${n === 1 ? '' : 's'} ${shown})`,
    };
  return {
    kind: 'drop-duplicates',
    source,
    ...(p.symbol === undefined ? {} : { symbol: p.symbol }),
    lines,
    differing: p.differing,
    message:
      `${source}: dropped ${n} ${p.symbol === undefined ? '' : `${p.symbol} `}row${n === 1 ? '' : 's'} repeating an earlier date, kept the first ` +
      `(${kind}${n === 1 ? '' : 's'} ${shown}; ${p.differing} with different values)`,
  };
}

/** Orders, assembles, repairs and checks what a builder collected. */
export function finishTable(
  builder: Builder,
  source: string,
  options: ReadOptions,
  c: Coordinates,
): ReadResult {
  try {
    const built = builder.finish();
    const repair = options.repair ?? {};
    const pending: PendingRepair[] = [...built.pending];
    for (const g of built.groups) pending.push(...orderGroup(g, repair, built.dateField));
    built.check();
    let frame = assemble(built.groups, built.symbols, source);
    const repairs = pending.map((p) => repairText(p, source, c));
    if (repair.forwardFill !== undefined) {
      const filled = forwardFill(frame, repair.forwardFill);
      frame = filled.frame;
      repairs.push(...filled.repairs);
    }
    if (options.minRows !== undefined) requireRows(frame, options.minRows);
    return { frame, repairs };
  } catch (e) {
    throw c.error(e);
  }
}
