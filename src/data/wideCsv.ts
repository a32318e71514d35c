/**
 * Reader for the wide price CSV (`date,SYM1,SYM2,…`, one row per day), validated strictly:
 * every problem is reported with file, line and column, nothing is silently repaired.
 * @internal until the data module (PriceFrame, other formats) lands.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DataError } from './errors.js';

export interface WideTable {
  file: string;
  /** ISO dates (YYYY-MM-DD), strictly increasing. */
  dates: string[];
  /** Column names after `date`, in file order. */
  symbols: string[];
  /** One Float64Array per symbol; NaN where a cell is empty. */
  columns: Map<string, Float64Array>;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function readWideCsv(file: string): WideTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? String(e)})`, file);
  }
  let rows: string[][];
  try {
    rows = parse(text, { relax_column_count: false, skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    const err = e as { message: string; lines?: number };
    throw new DataError(`malformed CSV: ${err.message}`, file, err.lines);
  }
  if (rows.length === 0) throw new DataError('the file is empty', file);
  const header = rows[0];
  if (header[0]?.toLowerCase() !== 'date')
    throw new DataError(`the first column must be "date", found "${header[0] ?? ''}"`, file, 1, 1);
  const symbols = header.slice(1);
  if (symbols.length === 0) throw new DataError('no price columns after "date"', file, 1);
  const seen = new Set<string>();
  symbols.forEach((s, i) => {
    if (s === '') throw new DataError('empty column name', file, 1, i + 2);
    if (seen.has(s)) throw new DataError(`duplicate column "${s}"`, file, 1, i + 2);
    seen.add(s);
  });
  const n = rows.length - 1;
  const dates: string[] = new Array<string>(n);
  const columns = new Map(symbols.map((s) => [s, new Float64Array(n)] as const));
  const cols = symbols.map((s) => columns.get(s)!);
  for (let r = 1; r <= n; r++) {
    const row = rows[r];
    const line = r + 1;
    const date = row[0];
    if (!ISO_DATE.test(date) || Number.isNaN(Date.parse(date)))
      throw new DataError(`unparseable date "${date}" (expected YYYY-MM-DD)`, file, line, 1);
    if (r > 1 && date <= dates[r - 2])
      throw new DataError(
        `date ${date} is ${date === dates[r - 2] ? 'a duplicate of' : 'before'} the previous row's ${dates[r - 2]}; dates must be strictly increasing`,
        file,
        line,
        1,
      );
    dates[r - 1] = date;
    for (let c = 0; c < symbols.length; c++) {
      const cell = row[c + 1];
      if (cell === '') {
        cols[c][r - 1] = NaN;
        continue;
      }
      const v = Number(cell);
      if (!Number.isFinite(v))
        throw new DataError(`unparseable number "${cell}" in column ${symbols[c]}`, file, line, c + 2);
      if (v <= 0) throw new DataError(`non-positive price ${cell} in column ${symbols[c]}`, file, line, c + 2);
      cols[c][r - 1] = v;
    }
  }
  return { file, dates, symbols, columns };
}
