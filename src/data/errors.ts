import { KalrevError } from '../errors.js';

/** Bad input data: the message names the file, and the line and column when there is one. */
export class DataError extends KalrevError {
  override name = 'DataError';
  constructor(
    message: string,
    /** The file at fault. */
    readonly file: string,
    /** 1-based line, when the problem has one. */
    readonly line?: number,
    /** 1-based column, when the problem has one. */
    readonly column?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}${column !== undefined ? `:${column}` : ''}: ${message}`);
  }
}
