/**
 * scan.csv's rows as typed arrays (numbers, and indices into a table of distinct texts), and
 * their formatting into CSV bytes. Formatting a large scan's table is mostly writing millions of
 * numbers, so its rows are formatted in slices on several threads (csvWorker.ts runs
 * {@link formatCsvRows} on a slice); this module imports nothing else so that such a thread
 * starts in milliseconds.
 * @internal
 */

/** Numbers per row: rank, bars, correlation, p-value, q-value, half-life, OLS β, then the metrics. */
export const CSV_NUMBERS_BEFORE_METRICS = 7;
/** Texts per row: y, x, status, first, last, ruined, ruinedAt. */
export const CSV_TEXTS = 7;

/** Rows of scan.csv in file order, ready to format on any thread (the arrays may be shared). */
export interface CsvRows {
  rows: number;
  /** Numbers per row ({@link CSV_NUMBERS_BEFORE_METRICS} + the metrics; NaN for none). */
  width: number;
  numbers: Float64Array;
  /** {@link CSV_TEXTS} indices into `texts` per row. */
  textIndex: Int32Array;
  /** Each distinct cell text, already quoted where CSV needs it. */
  texts: string[];
}

/**
 * A number for the CSV, read back to the same double: 17 significant digits always are, and
 * toPrecision writes them several times faster than String()'s shortest form on computed values,
 * most of writing a large scan's CSV.
 */
const csvNumber = (v: number): string =>
  Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toPrecision(17) : '';

/** Rows [from, to) of `t` as CSV lines (UTF-8), each ending in a newline. */
export function formatCsvRows(t: CsvRows, from: number, to: number): Buffer {
  const { width, numbers: v, textIndex: s, texts } = t;
  let buf = Buffer.allocUnsafe(Math.max(1 << 16, (to - from) * 300));
  let o = 0;
  for (let r = from; r < to; r++) {
    const n = r * width;
    const k = r * CSV_TEXTS;
    // the template's conversions are exactly those of the rows' fields before: rank and bars as
    // String(), the rest through csvNumber
    let line = `${v[n]},${texts[s[k]]},${texts[s[k + 1]]},${texts[s[k + 2]]},${v[n + 1]},${texts[s[k + 3]]},${texts[s[k + 4]]},${csvNumber(v[n + 2])},${csvNumber(v[n + 3])},${csvNumber(v[n + 4])},${csvNumber(v[n + 5])},${csvNumber(v[n + 6])},${texts[s[k + 5]]},${texts[s[k + 6]]}`;
    for (let c = CSV_NUMBERS_BEFORE_METRICS; c < width; c++) line += `,${csvNumber(v[n + c])}`;
    line += '\n';
    if (buf.length - o < 3 * line.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * buf.length, o + 3 * line.length));
      buf.copy(grown, 0, 0, o);
      buf = grown;
    }
    o += buf.write(line, o);
  }
  return buf.subarray(0, o);
}
