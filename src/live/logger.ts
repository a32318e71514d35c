import { pino, type DestinationStream, type Logger } from 'pino';
import { LiveConfigError } from './errors.js';

/** The pino logger a paper session writes its structured log to. */
export type { Logger } from 'pino';

/**
 * The live engine's structured logger: JSON lines (pino), written synchronously so that what
 * was logged before a crash is on disk. `destination`: a file path, or a stream; default stderr.
 */
export function createLogger(
  options: { level?: string; destination?: string | DestinationStream } = {},
): Logger {
  const level = options.level ?? 'info';
  if (!(level in pino.levels.values) && level !== 'silent')
    throw new LiveConfigError(
      'level',
      `unknown log level "${level}"; expected ${Object.keys(pino.levels.values).join(', ')} or silent`,
    );
  const dest =
    typeof options.destination === 'object'
      ? options.destination
      : pino.destination({ dest: options.destination ?? 2, sync: true, mkdir: true });
  return pino({ level, base: { name: 'kalrev-live' } }, dest);
}

/** A logger that discards everything (benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
