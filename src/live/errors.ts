import { KalrevError } from '../errors.js';

/** What was wrong with one message of a feed, for programs that react to it. */
export type FeedErrorCode =
  'malformed' | 'missing-field' | 'bad-time' | 'bad-price' | 'unknown-symbol' | 'out-of-order' | 'duplicate';

/**
 * One bad message from a feed: names the source and where (line or message number), and what
 * was expected and found. The runner logs it and skips the message; it never stops on one.
 */
export class FeedError extends KalrevError {
  override name = 'FeedError';
  constructor(
    readonly code: FeedErrorCode,
    /** The feed (`csv:prices.csv`, `stdin`, `ws://…`). */
    readonly source: string,
    /** Line of a file or stdin, or number of the message on a socket (1-based). */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${source}:${line}: ${reason}`);
  }
}

/** The paper-trading configuration is invalid: names the parameter, expected and found. */
export class LiveConfigError extends KalrevError {
  override name = 'LiveConfigError';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
  }
}

/**
 * The journal cannot be used: a newer schema, another run's configuration, or a state that does
 * not replay to what was recorded. Names the file and what differs.
 */
export class JournalError extends KalrevError {
  override name = 'JournalError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/**
 * A journaled bar cannot be replayed into a desk: a row or event it needs is missing (the runner
 * names the journal's file: {@link JournalError}).
 */
export class ReplayError extends KalrevError {
  override name = 'ReplayError';
}

/**
 * The journal's file is damaged (not a SQLite database, pages that fail SQLite's check) or its
 * rows no longer match their checksum chain (edited outside kalrev). Never repaired silently:
 * the run refuses to start on it.
 */
export class JournalCorruptError extends JournalError {
  override name = 'JournalCorruptError';
  constructor(
    file: string,
    readonly reason: string,
  ) {
    super(file, `journal corrupt: ${reason}`);
  }
}

/** Another live process holds the journal: two engines on one journal would corrupt it. */
export class JournalLockedError extends JournalError {
  override name = 'JournalLockedError';
  constructor(
    file: string,
    readonly pid: number,
  ) {
    super(file, `journal in use by pid ${pid}; stop that run first, or use another --state file`);
  }
}

/**
 * The broker's positions or open orders differ from the journal's: the venue is the truth, so
 * the run halts (a `halt` event is journaled) rather than trade on a guess. Names what differs.
 */
export class BrokerMismatchError extends JournalError {
  override name = 'BrokerMismatchError';
  constructor(
    file: string,
    readonly broker: string,
    readonly difference: string,
  ) {
    super(
      file,
      `halted: broker "${broker}" disagrees with the journal (${difference}); nothing more was traded. Make the account at the broker match the journal's positions and orders (kalrev status --state ${file}), then restart; or start a new --state file`,
    );
  }
}
