/**
 * CSV scanning with csv-parse: streaming (`scanCsv`) or from memory (`scanCsvSync`), records
 * handed to a callback with their index (0 = the header). Line numbers are not tracked on the
 * fast path; {@link csvLines} recovers them by a second pass when a message or repair needs one.
 * @internal
 */
import { createReadStream, readFileSync } from 'node:fs';
import { parse } from 'csv-parse';
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

function csvError(e: unknown, file: string): DataError | undefined {
  const err = e as { code?: string; message?: string; lines?: number };
  if (typeof err?.code !== 'string' || !err.code.startsWith('CSV_')) return undefined;
  const counts = /expect (\d+), got (\d+)/.exec(err.message ?? '');
  const text =
    err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && counts !== null
      ? `expected ${counts[1]} fields like the header, found ${counts[2]}`
      : `malformed CSV: ${err.message ?? err.code}`;
  return new DataError(text, file, err.lines, undefined, 'malformed-csv');
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
