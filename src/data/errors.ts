import { KalrevError } from '../errors.js';

/**
 * What kind of problem a {@link DataError} reports, for programs that react to it (the message is
 * for people). `undefined` on errors built with the three-argument constructor.
 */
export type DataErrorCode =
  | 'missing-file'
  | 'unreadable-file'
  | 'malformed-csv'
  | 'malformed-parquet'
  | 'bad-header'
  | 'no-rows'
  | 'unparseable-date'
  | 'unparseable-number'
  | 'empty-cell'
  | 'non-positive-price'
  | 'negative-volume'
  | 'decreasing-time'
  | 'duplicate-time'
  | 'empty-column'
  | 'unknown-symbol'
  | 'too-few-rows';

/**
 * Bad input data: the message names the file, and the line and column when there is one, as
 * `file:line:column: message` (the form editors and terminals turn into a link).
 *
 * For CSV files the line is the 1-based line of the file (a quoted field spanning lines counts its
 * lines) and the column is the 1-based field number (`date` is column 1), not a character offset.
 */
export class DataError extends KalrevError {
  override name = 'DataError';
  constructor(
    message: string,
    /** The file at fault. */
    readonly file: string,
    /** 1-based line, when the problem has one. */
    readonly line?: number,
    /** 1-based column (field number), when the problem has one. */
    readonly column?: number,
    /** The kind of problem; see {@link DataErrorCode}. */
    readonly code?: DataErrorCode,
  ) {
    super(
      `${file}${line !== undefined ? `:${line}` : ''}${column !== undefined ? `:${column}` : ''}: ${message}`,
    );
  }
}
