import { KalrevError } from '../errors.js';

/**
 * A Kalman model parameter, observation or option is invalid. The message names the
 * parameter, the expected shape or condition, and what was given.
 */
export class KalmanModelError extends KalrevError {
  override name = 'KalmanModelError';
  /** The parameter or argument at fault (`transitionMatrices`, `observations`, …). */
  readonly parameter: string;
  constructor(parameter: string, message: string) {
    super(`${parameter}: ${message}`);
    this.parameter = parameter;
  }
}
