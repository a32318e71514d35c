/** Shared helpers of the live tests: temporary journals, captured logs, a run over a feed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { resolvePaperConfig, type PaperConfigInput } from '../../src/app/paper.js';
import { openPaperSession, type PaperSession, type PaperSessionOptions } from '../../src/live/session.js';

export interface LogLine {
  level: number;
  event?: string;
  msg: string;
  [k: string]: unknown;
}

/** A pino logger whose JSON lines are parsed into `lines`. */
export function captureLogger(level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

const dirs: string[] = [];
/** A fresh temporary directory (removed by {@link cleanup}). */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kalrev-live-'));
  dirs.push(d);
  return d;
}
export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Opens a session on a fresh journal (or `state`) with a captured logger. */
export function session(
  config: PaperConfigInput,
  feed: string,
  extra: Partial<PaperSessionOptions> = {},
): PaperSession & { lines: LogLine[]; state: string } {
  const { logger, lines } = captureLogger();
  const state = extra.state ?? join(tempDir(), 'state.db');
  const s = openPaperSession({ config: resolvePaperConfig(config), state, feed, logger, ...extra });
  return Object.assign(s, { lines, state });
}
