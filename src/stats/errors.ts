import { KalrevError } from '../errors.js';

/**
 * Thrown by every function in `stats` for input it cannot answer honestly: a series too short
 * for the requested lags, a constant series or collinear regressors (a singular design),
 * NaN or ±Infinity inside a series, mismatched lengths, or an option out of range.
 *
 * The message names the function, the parameter and what was expected versus found, e.g.
 * `adfuller: x contains NaN at index 17`. The statistics never return a NaN silently instead.
 */
export class StatsError extends KalrevError {
  override name = 'StatsError';
  /** The offending parameter (`x`, `y`, `X`, `maxlag`, ...). */
  readonly parameter: string;

  /**
   * @param parameter - the offending parameter's name.
   * @param message - the full message, starting with the function name.
   */
  constructor(parameter: string, message: string) {
    super(message);
    this.parameter = parameter;
  }
}
