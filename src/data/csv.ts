/**
 * CSV scanning with csv-parse: streaming (`scanCsv`) or from memory (`scanCsvSync`), records
 * handed to a callback with their index (0 = the header). Line numbers are not tracked on the
 * fast path; {@link csvLines} recovers them by a second pass when a message or repair needs one.
 * @internal
 */
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { parse as parseSync, type Options } from 'csv-parse/sync';
import { DataError } from './errors.js';

const OPTIONS: Options = { bom: true, skip_empty_lines: true };

/** Receives each record (fields as text) and its index: 0 is the header. */
export type RecordSink = (fields: string[], record: number) => void;

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
  if (!(e instanceof CsvError)) return undefined;
  const err = e as CsvError & { lines?: number; column?: number | string | null };
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

/** Streams a CSV file through `sink` (constant memory apart from what the sink keeps). */
export async function scanCsv(file: string, sink: RecordSink): Promise<number> {
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  const parser = parse(OPTIONS);
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
export function scanCsvSync(file: string, sink: RecordSink): number {
  let records: string[][];
  try {
    records = parseSync(readFileSync(file), OPTIONS) as string[][];
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
      parseSync(buf, {
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
