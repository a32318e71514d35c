/**
 * CSV scanning: records handed to a callback with their index (0 = the header). A file of plain
 * records (no quotes, one line ending throughout, the same number of fields on every line, UTF-8)
 * is split here, byte by byte, with its positive decimals optionally handed over as numbers; any
 * other goes through csv-parse, streaming (`scanCsv`) or from memory (`scanCsvSync`), so that
 * every unusual file is read, and refused, exactly as csv-parse reads it. Line numbers are not
 * tracked while reading; {@link csvLines} recovers them by a second pass when a message or repair
 * needs one.
 * @internal
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Options } from 'csv-parse/sync';
import { DataError } from './errors.js';
import type { Cell } from './table.js';

const OPTIONS: Options = { bom: true, skip_empty_lines: true };

/**
 * csv-parse, loaded when a file needs it (most price files take the plain path, and loading it
 * is a noticeable part of a command's start). Its CommonJS build, for a synchronous load; its
 * errors are then that build's CsvError.
 */
let csvParse: { stream: typeof import('csv-parse'); sync: typeof import('csv-parse/sync') } | undefined;
function csvParser() {
  if (csvParse === undefined) {
    const require = createRequire(import.meta.url);
    csvParse = {
      stream: require('csv-parse') as typeof import('csv-parse'),
      sync: require('csv-parse/sync') as typeof import('csv-parse/sync'),
    };
  }
  return csvParse;
}

/**
 * Receives each record (fields as text) and its index: 0 is the header. The arrays are only
 * valid during the call (the fast path reuses them). Where `values[f]` is a number (not NaN),
 * it is field f's value and `fields[f]` is a placeholder: see {@link NumericFields}.
 */
export type RecordSink = (fields: Cell[], record: number, values?: Float64Array) => void;

/**
 * Asked once the header (of `fields` fields) has gone through the sink: for each field, whether
 * a cell holding a plain positive decimal (digits with at most one point, at most 15 digits) may
 * be handed over as its number in `values`, which is then exactly `Number(text)`, instead of as
 * text. Every other cell (empty, signed, zero, exponent, longer, anything else) stays text, so a
 * reader's checks and messages see what they would have seen. Undefined: every field is text.
 */
export type NumericFields = (fields: number) => ArrayLike<boolean> | undefined;

/** The DataError for a file that cannot be opened or read. */
export function fileError(e: unknown, file: string): DataError | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new DataError('no such file', file, undefined, undefined, 'missing-file');
  if (code === 'EISDIR')
    return new DataError('is a directory, not a file', file, undefined, undefined, 'unreadable-file');
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
    return new DataError(`cannot read the file (${code})`, file, undefined, undefined, 'unreadable-file');
  return undefined;
}

/** What each csv-parse error means, in the words of a message about the file. */
const CSV_PROBLEMS: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field, or remove the quote)',
  CSV_INVALID_CLOSING_QUOTE: 'text after the closing quote of a quoted field',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text after the closing quote of a quoted field',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_MAX_RECORD_SIZE: 'a record is too long',
  CSV_RECORD_INCONSISTENT_COLUMNS: 'a record has a different number of fields from the header',
};

/**
 * The DataError for a csv-parse error: every code it raises (`INVALID_OPENING_QUOTE` has no
 * `CSV_` prefix), located at file:line:column. A file that is not text says so, since the parse
 * error a binary file happens to hit is meaningless to its user.
 */
function csvError(e: unknown, file: string): DataError | undefined {
  // each CommonJS bundle of csv-parse has its own CsvError class
  const p = csvParse;
  if (p === undefined || !(e instanceof p.stream.CsvError || e instanceof p.sync.CsvError)) return undefined;
  const err = e as import('csv-parse').CsvError & { lines?: number; column?: number | string | null };
  const line = typeof err.lines === 'number' && err.lines > 0 ? err.lines : undefined;
  const column = typeof err.column === 'number' ? err.column + 1 : undefined;
  if (isBinary(file))
    return new DataError('not a CSV text file (binary content)', file, undefined, undefined, 'malformed-csv');
  const counts = /expect (\d+), got (\d+)/.exec(err.message);
  const text =
    err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && counts !== null
      ? `expected ${counts[1]} fields like the header, found ${counts[2]}`
      : `malformed CSV: ${CSV_PROBLEMS[err.code] ?? err.message.split(':')[0]}`;
  return new DataError(
    text,
    file,
    line,
    err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' ? undefined : column,
    'malformed-csv',
  );
}

/** Whether a file's first 64 KiB hold a NUL byte or are not UTF-8: not a text file. */
function isBinary(file: string): boolean {
  let head: Buffer;
  try {
    const fd = openSync(file, 'r');
    try {
      head = Buffer.alloc(1 << 16);
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  if (head.includes(0)) return true;
  try {
    // streaming: a multi-byte character cut at the end of the sample is not a sign of binary
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return false;
  } catch {
    return true;
  }
}

function convert(e: unknown, file: string): unknown {
  return fileError(e, file) ?? csvError(e, file) ?? e;
}

/** Files up to this size are read whole and split here when plain; larger ones are streamed. */
const WHOLE_FILE_MAX = 256 * 1024 * 1024;

/**
 * Passes a CSV file's records through `sink`: a plain file up to 256 MiB read whole and split
 * here, any other streamed through csv-parse (constant memory apart from what the sink keeps).
 */
export async function scanCsv(file: string, sink: RecordSink, numeric?: NumericFields): Promise<number> {
  let buf: Buffer | undefined;
  try {
    const s = await stat(file);
    if (s.isFile() && s.size <= WHOLE_FILE_MAX) buf = await readFile(file);
  } catch (e) {
    throw convert(e, file);
  }
  if (buf !== undefined) {
    const records = plainRecords(buf);
    if (records !== null) return deliver(buf, records, sink, numeric);
  }
  return streamCsv(file, sink);
}

async function streamCsv(file: string, sink: RecordSink): Promise<number> {
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  const parser = csvParser().stream.parse(OPTIONS);
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);
  let record = 0;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) sink(fields, record++);
  } catch (e) {
    throw convert(e, file);
  } finally {
    input.destroy();
  }
  if (record === 0) throw new DataError('the file is empty', file, undefined, undefined, 'no-rows');
  return record;
}

/** Reads a CSV file into memory and passes its records through `sink`. */
export function scanCsvSync(file: string, sink: RecordSink, numeric?: NumericFields): number {
  let records: string[][];
  try {
    const buf = readFileSync(file);
    const plain = plainRecords(buf);
    if (plain !== null) return deliver(buf, plain, sink, numeric);
    records = csvParser().sync.parse(buf, OPTIONS) as string[][];
  } catch (e) {
    throw convert(e, file);
  }
  if (records.length === 0) throw new DataError('the file is empty', file, undefined, undefined, 'no-rows');
  for (let r = 0; r < records.length; r++) sink(records[r], r);
  return records.length;
}

/**
 * The 1-based line on which each record starts (index 0 = the header), by a second pass over the
 * file. Only used to word messages and repairs, so it reads the file again rather than slowing
 * every read down with per-record bookkeeping. A file without quotes or bare carriage returns has
 * one record per non-empty line, found by a plain scan; any other goes through csv-parse again.
 */
export function csvLines(file: string): (record: number) => number {
  const starts: number[] = [];
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return () => NaN;
  }
  if (!plainLines(buf, starts)) {
    starts.length = 0;
    try {
      csvParser().sync.parse(buf, {
        ...OPTIONS,
        on_record: (fields: string[], context: { lines: number }) => {
          let newlines = 0;
          for (const f of fields)
            for (let k = f.indexOf('\n'); k >= 0; k = f.indexOf('\n', k + 1)) newlines++;
          starts.push(context.lines - newlines);
          return null;
        },
      });
    } catch {
      // the records before a parse error are all that can be asked about
    }
  }
  return (record) => starts[record] ?? NaN;
}

/** Lines of a file whose records are its non-empty lines; false if it has quotes or bare CRs. */
function plainLines(buf: Buffer, starts: number[]): boolean {
  if (buf.indexOf(0x22) >= 0) return false;
  let line = 1;
  let start = 0;
  const n = buf.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? buf[i] : 10;
    if (c === 13 && i + 1 < n && buf[i + 1] !== 10) return false;
    if (c !== 10) continue;
    const end = i > start && buf[i - 1] === 13 ? i - 1 : i;
    if (end > start) starts.push(line);
    line++;
    start = i + 1;
  }
  return true;
}

/**
 * Where the fields of a plain file are: record r's line starts at `starts[r]`, and its field f
 * ends (before the comma or line ending) at `ends[r * fields + f]`.
 */
interface PlainRecords {
  fields: number;
  count: number;
  starts: Int32Array;
  ends: Int32Array;
  ascii: boolean;
}

/**
 * The records of a file that csv-parse (with {@link OPTIONS}) would split at every comma and
 * line ending, or null when it might do anything else: a quote, a NUL byte, invalid UTF-8,
 * a carriage return that is not part of a CRLF ending used on every line, lines with different
 * numbers of fields, or no record at all. Nothing is delivered before this pass has seen the
 * whole file, so a file it refuses goes to csv-parse from its start.
 */
function plainRecords(buf: Buffer): PlainRecords | null {
  const n = buf.length;
  if (n >= 0x7fffffff || buf.indexOf(0x22) >= 0 || buf.indexOf(0) >= 0) return null;
  const ascii = isAscii(buf);
  if (!ascii && !isUtf8(buf)) return null;
  const p = n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const crlf = buf.indexOf(13, p) >= 0;
  // sized for fields of 8 bytes or more on average (prices are), so it seldom grows
  let ends: Int32Array = new Int32Array(Math.max(1 << 12, n >> 3));
  let starts: Int32Array = new Int32Array(1 << 12);
  let e = 0;
  let count = 0;
  let fields = -1;
  let inLine = 0;
  let lineStart = p;
  for (let i = p; i <= n; i++) {
    const c = i < n ? buf[i] : 10;
    if (c === 44) {
      if (e === ends.length) ends = grow(ends);
      ends[e++] = i;
      inLine++;
      continue;
    }
    if (c === 13) {
      if (i + 1 >= n || buf[i + 1] !== 10) return null;
      continue;
    }
    if (c !== 10) continue;
    let end = i;
    if (crlf && i < n) {
      if (buf[i - 1] !== 13) return null;
      end = i - 1;
    }
    if (end > lineStart) {
      if (e === ends.length) ends = grow(ends);
      ends[e++] = end;
      inLine++;
      if (fields < 0) fields = inLine;
      else if (inLine !== fields) return null;
      if (count === starts.length) starts = grow(starts);
      starts[count++] = lineStart;
    }
    inLine = 0;
    lineStart = i + 1;
  }
  if (count === 0) return null;
  return { fields, count, starts, ends, ascii };
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

/** Powers of ten that are exact doubles. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * The value of bytes [s, e) when they are a plain positive decimal of at most 15 digits, else
 * NaN. Such a decimal is an integer m < 2^53 over 10^k with k ≤ 15, both exact doubles, so the
 * one correctly rounded division is the correctly rounded value of the text: `Number(text)`.
 */
function plainDecimal(buf: Buffer, s: number, e: number): number {
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else return NaN;
  }
  if (digits === 0 || digits > 15 || m === 0) return NaN;
  return frac > 0 ? m / POW10[frac] : m;
}

function deliver(buf: Buffer, r: PlainRecords, sink: RecordSink, numeric?: NumericFields): number {
  const { fields, count, starts, ends } = r;
  const encoding = r.ascii ? 'latin1' : 'utf8';
  const text = (s: number, e: number) => (e === s ? '' : buf.toString(encoding, s, e));
  const cells = new Array<Cell>(fields).fill('');
  const values = new Float64Array(fields).fill(NaN);
  let allowed: Uint8Array | undefined;
  for (let k = 0; k < count; k++) {
    let s = starts[k];
    for (let f = 0; f < fields; f++) {
      const e = ends[k * fields + f];
      if (allowed !== undefined && allowed[f] === 1) {
        const v = plainDecimal(buf, s, e);
        values[f] = v;
        cells[f] = v === v ? '' : text(s, e);
      } else cells[f] = text(s, e);
      s = e + 1;
    }
    sink(cells, k, allowed === undefined ? undefined : values);
    if (k === 0 && numeric !== undefined) {
      const mask = numeric(fields);
      if (mask !== undefined) allowed = Uint8Array.from({ length: fields }, (_, f) => (mask[f] ? 1 : 0));
    }
  }
  return count;
}
