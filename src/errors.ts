/**
 * Base class of every error kalrev throws on purpose. User-facing code (the CLI) prints
 * `message` alone for these; anything else is a bug and keeps its stack trace.
 */
export class KalrevError extends Error {
  override name = 'KalrevError';
}
