import { KalrevError } from '../errors.js';

/** A scan, sweep or walk-forward cannot run as asked (bad grid, windows, screens, executor). */
export class ScanError extends KalrevError {
  override name = 'ScanError';
}
