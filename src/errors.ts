/**
 * Base class of every error kalrev throws on purpose. User-facing code (the CLI) prints
 * `message` alone for these; anything else is a bug and keeps its stack trace.
 */
export class KalrevError extends Error {
  override name = 'KalrevError';
}

/**
 * A strategy or backtest option is invalid. The message names the parameter and what was
 * expected and given. (It sits here, below every layer, because both the strategies and the
 * execution options raise it.)
 */
export class StrategyError extends KalrevError {
  override name = 'StrategyError';
  /** The parameter at fault, as a dotted path (`spread.delta`, `rule.entryZ`, …). */
  readonly parameter: string;
  constructor(parameter: string, message: string) {
    super(`${parameter}: ${message}`);
    this.parameter = parameter;
  }
}
