/**
 * Readers: wide CSV, long (and single-symbol) CSV, Yahoo Finance CSV, a folder of per-symbol
 * files, and any of them chosen by looking at the file (`readPrices`). Each returns a
 * {@link PriceFrame} and the repairs it made (none unless asked for).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { alignFrames, type AlignmentReport, type Join } from './align.js';
import { csvLines, fileError, scanCsv, scanCsvSync, type NumericFields, type RecordSink } from './csv.js';
import { DataError } from './errors.js';
import {
  finishTable,
  symbolOfFile,
  type BarsReadOptions,
  type Coordinates,
  type ReadOptions,
  type ReadResult,
} from './finish.js';
import type { PriceFrame } from './frame.js';
import type { Repair } from './repair.js';
import { BarsBuilder, isBarsHeader, Located, WideBuilder, type Builder, type Cell } from './table.js';
import { requireRows } from './validate.js';

/** The layouts {@link readPrices} knows; `auto` looks at the path and the header. */
export type PriceFormat = 'auto' | 'wide' | 'long' | 'yahoo' | 'parquet' | 'folder';

function csvCoordinates(file: string): Coordinates {
  let lines: ((record: number) => number) | undefined;
  const line = (record: number) => (lines ??= csvLines(file))(record);
  return {
    where: (record) => `line ${line(record)}`,
    number: line,
    error: (e) => {
      if (!(e instanceof Located)) return e;
      const l = e.record >= 0 ? line(e.record) : undefined;
      const column = l !== undefined && e.field >= 0 ? e.field + 1 : undefined;
      return new DataError(
        e.render((record) => `line ${line(record)}`),
        file,
        l,
        column,
        e.code,
      );
    },
  };
}

type CsvKind = 'wide' | 'long' | 'yahoo' | 'auto';

function csvJob(file: string, kind: CsvKind, options: BarsReadOptions) {
  let builder: Builder | undefined;
  const c = csvCoordinates(file);
  const makeBuilder = (header: Cell[]): Builder => {
    const bars = kind === 'long' || kind === 'yahoo' || (kind === 'auto' && isBarsHeader(header));
    if (!bars) return new WideBuilder(header, options.symbols, options.repair?.dropNonPositive);
    return new BarsBuilder(header, {
      symbol: options.symbol ?? symbolOfFile(file),
      ...(options.symbols === undefined ? {} : { symbols: options.symbols }),
      adjusted: options.adjusted ?? true,
      requireAdjClose: kind === 'yahoo',
      dropNonPositive: options.repair?.dropNonPositive ?? false,
    });
  };
  const sink: RecordSink = (fields, record, values) => {
    if (builder === undefined) builder = makeBuilder(fields);
    else builder.row(fields, record, values);
  };
  // a wide file's columns after the date are all prices: their plain decimals may come as numbers
  const numeric: NumericFields = (fields) =>
    builder instanceof WideBuilder ? Array.from({ length: fields }, (_, f) => f > 0) : undefined;
  return {
    sink,
    numeric,
    convert: (e: unknown) => c.error(e),
    finish: () => finishTable(builder!, file, options, c),
  };
}

async function readCsvAsync(file: string, kind: CsvKind, options: BarsReadOptions): Promise<ReadResult> {
  const job = csvJob(file, kind, options);
  try {
    await scanCsv(file, job.sink, job.numeric);
  } catch (e) {
    throw job.convert(e);
  }
  return job.finish();
}

function readCsvSync(file: string, kind: CsvKind, options: BarsReadOptions): ReadResult {
  const job = csvJob(file, kind, options);
  try {
    scanCsvSync(file, job.sink, job.numeric);
  } catch (e) {
    throw job.convert(e);
  }
  return job.finish();
}

/**
 * Reads a wide CSV: `date` (YYYY-MM-DD or an ISO timestamp with zone), then one column of
 * closes per symbol; an empty cell means the symbol has no price that day (NaN), e.g. before it
 * was listed. Streams the file.
 * @example const { frame } = await readWideCsv('data/ewa_ewc.csv'); frame.get('EWA')
 * @throws DataError `file:line:column: message` for any invalid cell, header or row order.
 */
export function readWideCsv(file: string, options: ReadOptions = {}): Promise<ReadResult> {
  return readCsvAsync(file, 'wide', options);
}

/** {@link readWideCsv}, reading the file in one go, synchronously. */
export function readWideCsvSync(file: string, options: ReadOptions = {}): ReadResult {
  return readCsvSync(file, 'wide', options);
}

/**
 * Reads a long CSV, `date,symbol,open,high,low,close,volume` (any subset of the price fields that
 * includes close; header case, spaces and `_` ignored), one row per symbol per bar, in any row
 * order between symbols; each symbol's dates must increase. Without a `symbol` column the file is
 * one symbol's bars (named by `options.symbol` or the file name). Every cell must hold a value.
 * The frame's calendar is the union of all symbols' dates (NaN where a symbol has no bar).
 * Streams the file.
 * @throws DataError `file:line:column: message`.
 */
export function readLongCsv(file: string, options: BarsReadOptions = {}): Promise<ReadResult> {
  return readCsvAsync(file, 'long', options);
}

/** {@link readLongCsv}, reading the file in one go, synchronously. */
export function readLongCsvSync(file: string, options: BarsReadOptions = {}): ReadResult {
  return readCsvSync(file, 'long', options);
}

/**
 * Reads a Yahoo Finance download, `Date,Open,High,Low,Close,Adj Close,Volume`, as one symbol
 * (`options.symbol`, default the file name: `SPY.csv` is SPY). By default `close` is the
 * adjusted close and open, high and low are scaled by adjusted close / close (see
 * {@link BarsReadOptions.adjusted}); `adjusted: false` keeps Yahoo's raw (split-adjusted) prices.
 * @throws DataError `file:line:column: message` (a `null` cell, as Yahoo writes for missing
 *   days, is an unparseable number).
 */
export function readYahooCsv(file: string, options: BarsReadOptions = {}): Promise<ReadResult> {
  return readCsvAsync(file, 'yahoo', options);
}

/** {@link readYahooCsv}, reading the file in one go, synchronously. */
export function readYahooCsvSync(file: string, options: BarsReadOptions = {}): ReadResult {
  return readCsvSync(file, 'yahoo', options);
}

/** Options of {@link readFolder} and {@link readPrices}. */
export interface FolderReadOptions extends BarsReadOptions {
  /** How to combine the files' calendars (default `outer`: nothing is dropped; see `alignFrames`). */
  join?: Join;
}

const DATA_FILE = /\.(csv|parquet)$/i;

/** A read of several files: the combined frame, the repairs and what alignment did. */
export interface FolderResult extends ReadResult {
  alignment: AlignmentReport;
  /** The files read, in order. */
  files: string[];
}

/**
 * Reads every `.csv` and `.parquet` file of a folder (other files and subfolders are ignored),
 * each as {@link readPrices} would, a file without a `symbol` column standing for the symbol
 * of its name (`GLD.csv`), and aligns them (outer join by default: nothing is dropped).
 * `options.symbols` reads only those files' symbols.
 * @throws DataError for an empty folder, an unknown symbol or any file's problem.
 */
export async function readFolder(dir: string, options: FolderReadOptions = {}): Promise<FolderResult> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new DataError('not a folder', dir, undefined, undefined, 'unreadable-file');
    throw fileError(e, dir) ?? e;
  }
  let files = names
    .filter((n) => DATA_FILE.test(n) && !n.startsWith('.'))
    .sort()
    .map((n) => join(dir, n))
    .filter((f) => statSync(f).isFile());
  if (files.length === 0)
    throw new DataError('no .csv or .parquet files in the folder', dir, undefined, undefined, 'no-rows');
  const wanted = options.symbols;
  if (wanted !== undefined) {
    const stems = files.map(symbolOfFile);
    for (const s of wanted)
      if (!stems.includes(s))
        throw new DataError(
          `unknown symbol "${s}"; the folder has ${stems.join(', ')}`,
          dir,
          undefined,
          undefined,
          'unknown-symbol',
        );
    files = wanted.map((s) => files[stems.indexOf(s)]);
  }
  const { repair, minRows, join: how, symbols: _symbols, ...rest } = options;
  const frames: PriceFrame[] = [];
  const repairs: Repair[] = [];
  for (const f of files) {
    const r = await readPrices(f, { ...rest, repair: { ...repair, forwardFill: undefined } });
    frames.push(r.frame);
    repairs.push(...r.repairs);
  }
  const { frame, report } = alignFrames(frames, {
    join: how ?? 'outer',
    source: dir,
    ...(repair?.forwardFill === undefined ? {} : { forwardFill: repair.forwardFill }),
  });
  repairs.push(...report.repairs);
  if (minRows !== undefined) requireRows(frame, minRows);
  return { frame, repairs, alignment: report, files };
}

/**
 * Reads prices in whatever layout the path has: a folder ({@link readFolder}), a `.parquet` file
 * ({@link readParquet}), or a CSV whose header decides: a `symbol` column or only price-field
 * columns (`date,open,…,close`, Yahoo's `Adj Close` included) is read as bars
 * ({@link readLongCsv}), anything else as a wide file ({@link readWideCsv}).
 */
export async function readPrices(
  path: string,
  options: FolderReadOptions & { format?: PriceFormat } = {},
): Promise<ReadResult> {
  const { format = 'auto', ...rest } = options;
  let kind = format;
  if (kind === 'auto') {
    let dir: boolean;
    try {
      dir = statSync(path).isDirectory();
    } catch (e) {
      throw fileError(e, path) ?? e;
    }
    kind = dir ? 'folder' : /\.parquet$/i.test(path) ? 'parquet' : 'auto';
  }
  if (kind === 'folder') return readFolder(path, rest);
  // imported here: the Parquet reader's library is not needed to read CSV, and takes long to load
  if (kind === 'parquet') return (await import('./parquet.js')).readParquet(path, rest);
  return readCsvAsync(path, kind, rest);
}
