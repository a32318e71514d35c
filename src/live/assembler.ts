/**
 * From feed messages to the strategy's bars: each message is validated (typed {@link FeedError}s,
 * logged and skipped, never thrown at the runner), and a multi-leg bar for time t is emitted
 * once every leg's bar for t has arrived.
 *
 * Policies (docs/live.md):
 * - a bar repeating a symbol's last time is a duplicate: ignored (idempotent), logged at debug;
 * - a bar older than its symbol's last, or older than a bar already emitted or dropped, is
 *   out of order: rejected and logged;
 * - a bar stamped more than `pairing.maxFutureMs` ahead of the clock (or outside the range of
 *   dates) has an implausible time: malformed, logged and skipped, so that one bad stamp can
 *   neither crash the run nor, accepted, make every real bar after it look out of order;
 * - a bar at or before `resumeAfter` (the journal's last bar) was processed before a restart:
 *   skipped silently (counted);
 * - an incomplete bar is resolved when a later bar completes (it could no longer be emitted in
 *   order) or `timeoutMs` after its first leg arrived (wall clock, via {@link tick}):
 *   'skip' drops it, 'flatten' drops it and flattens on the next complete bar.
 */
import type { Logger } from 'pino';
import { parseTime } from '../data/time.js';
import type { PairingConfig } from './config.js';
import { FeedError } from './errors.js';
import { isoTime } from './journal.js';

/** The largest epoch-ms value that is a date (±100,000,000 days). */
const MAX_DATE_MS = 8.64e15;

/** A feed message: a decoded record (or the reason it could not be decoded) and where it came from. */
export type FeedMessage =
  { source: string; line: number; data: unknown } | { source: string; line: number; error: string };

/** One symbol's bar, validated. */
export interface FeedBar {
  time: number;
  symbol: string;
  close: number;
  open?: number;
  high?: number;
  low?: number;
  volume?: number;
}

/** A complete bar: every leg's prices in the strategy's leg order. */
export interface AssembledBar {
  time: number;
  close: Float64Array;
  /** Every leg's open, or null if any leg came without one. */
  open: Float64Array | null;
  /** Set when a missing leg's policy asks to go flat on this bar. */
  flatten: boolean;
  /** Wall-clock ms when the bar became complete. */
  receivedAt: number;
}

function price(o: Record<string, unknown>, field: string, source: string, line: number, required: boolean) {
  const v = o[field];
  if (v === undefined || v === null) {
    if (required) throw new FeedError('missing-field', source, line, `missing "${field}"`);
    return undefined;
  }
  const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (Number.isNaN(x))
    throw new FeedError('bad-price', source, line, `${field} is not a number: ${JSON.stringify(v)}`);
  if (field === 'volume') {
    if (!(x >= 0) || x === Infinity)
      throw new FeedError('bad-price', source, line, `volume must be ≥ 0 and finite, got ${String(v)}`);
  } else if (!(x > 0) || x === Infinity)
    throw new FeedError(
      'bad-price',
      source,
      line,
      `${field} must be a positive finite price, got ${String(v)}`,
    );
  return x;
}

/**
 * Validates one decoded record as a bar: `{ time, symbol, close, open?, high?, low?, volume? }`,
 * `time` as epoch ms or an ISO date / timestamp with a zone, prices positive and finite.
 * @throws FeedError naming the source, line and field.
 */
export function parseFeedBar(data: unknown, source: string, line: number): FeedBar {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new FeedError('malformed', source, line, `expected a bar object, got ${JSON.stringify(data)}`);
  const o = data as Record<string, unknown>;
  if (o.time === undefined || o.time === null)
    throw new FeedError('missing-field', source, line, 'missing "time"');
  const time =
    typeof o.time === 'number' ? o.time : typeof o.time === 'string' ? parseTime(o.time) : Number.NaN;
  if (!Number.isFinite(time))
    throw new FeedError(
      'bad-time',
      source,
      line,
      `time must be epoch ms or an ISO date/timestamp with a zone, got ${JSON.stringify(o.time)}`,
    );
  if (Math.abs(time) > MAX_DATE_MS)
    throw new FeedError(
      'bad-time',
      source,
      line,
      `time ${JSON.stringify(o.time)} is not a date (out of range)`,
    );
  if (typeof o.symbol !== 'string' || o.symbol === '')
    throw new FeedError(
      'missing-field',
      source,
      line,
      `missing "symbol" (a string), got ${JSON.stringify(o.symbol)}`,
    );
  const bar: FeedBar = { time, symbol: o.symbol, close: price(o, 'close', source, line, true)! };
  for (const f of ['open', 'high', 'low', 'volume'] as const) {
    const v = price(o, f, source, line, false);
    if (v !== undefined) bar[f] = v;
  }
  return bar;
}

interface Partial {
  time: number;
  close: Float64Array;
  open: Float64Array;
  have: number;
  hasOpen: number;
  firstAt: number;
}

export interface AssemblerStats {
  accepted: number;
  emitted: number;
  duplicates: number;
  outOfOrder: number;
  malformed: number;
  rejected: number;
  skippedProcessed: number;
  otherSymbols: number;
  droppedIncomplete: number;
}

export class BarAssembler {
  readonly #index = new Map<string, number>();
  readonly #last: Float64Array;
  readonly #seen: Uint8Array;
  #unseenWarned = false;
  readonly #partials: Partial[] = [];
  #resolvedUpTo: number;
  #flattenNext = false;
  readonly stats: AssemblerStats = {
    accepted: 0,
    emitted: 0,
    duplicates: 0,
    outOfOrder: 0,
    malformed: 0,
    rejected: 0,
    skippedProcessed: 0,
    otherSymbols: 0,
    droppedIncomplete: 0,
  };

  constructor(
    readonly symbols: readonly string[],
    readonly pairing: PairingConfig,
    readonly logger: Logger,
    /** Bars at or before this time were processed before a restart (the journal's last bar). */
    readonly resumeAfter = -Infinity,
    readonly clock: () => number = Date.now,
  ) {
    symbols.forEach((s, i) => this.#index.set(s, i));
    this.#last = new Float64Array(symbols.length).fill(-Infinity);
    this.#seen = new Uint8Array(symbols.length);
    this.#resolvedUpTo = resumeAfter;
  }

  /** Takes one feed message; returns the bars it completed (usually none or one). */
  push(msg: FeedMessage): AssembledBar[] {
    if ('error' in msg) {
      this.stats.malformed++;
      this.logger.warn(
        { event: 'feed-malformed', source: msg.source, line: msg.line, reason: msg.error },
        `${msg.source}:${msg.line}: ${msg.error}; skipped`,
      );
      return [];
    }
    let bar: FeedBar;
    try {
      bar = parseFeedBar(msg.data, msg.source, msg.line);
    } catch (e) {
      if (!(e instanceof FeedError)) throw e;
      if (e.code === 'malformed' || e.code === 'missing-field' || e.code === 'bad-time')
        this.stats.malformed++;
      else this.stats.rejected++;
      this.logger.warn(
        {
          event: e.code === 'bad-price' ? 'feed-rejected' : 'feed-malformed',
          code: e.code,
          source: e.source,
          line: e.line,
          reason: e.reason,
        },
        `${e.message}; skipped`,
      );
      return [];
    }
    return this.accept(bar, msg.source, msg.line);
  }

  /** Takes one validated bar. */
  accept(bar: FeedBar, source = 'feed', line = 0): AssembledBar[] {
    const leg = this.#index.get(bar.symbol);
    if (leg === undefined) {
      this.stats.otherSymbols++;
      return [];
    }
    this.#seen[leg] = 1;
    const now = this.clock();
    if (bar.time > now + this.pairing.maxFutureMs) {
      this.stats.malformed++;
      const reason = `${bar.symbol} bar at ${isoTime(bar.time)} is more than ${this.pairing.maxFutureMs} ms ahead of the clock (${isoTime(now)}): implausible time`;
      this.logger.warn(
        { event: 'feed-malformed', code: 'bad-time', source, line, symbol: bar.symbol, reason },
        `${source}:${line}: ${reason}; skipped`,
      );
      return [];
    }
    if (bar.time <= this.resumeAfter) {
      this.stats.skippedProcessed++;
      return [];
    }
    const last = this.#last[leg];
    if (bar.time === last) {
      this.stats.duplicates++;
      this.logger.debug(
        { event: 'feed-duplicate', source, line, symbol: bar.symbol, barTime: bar.time },
        'duplicate bar ignored',
      );
      return [];
    }
    if (bar.time < last || bar.time <= this.#resolvedUpTo) {
      this.stats.outOfOrder++;
      const after = Math.max(last, this.#resolvedUpTo);
      this.logger.warn(
        {
          event: 'feed-out-of-order',
          source,
          line,
          symbol: bar.symbol,
          barTime: isoTime(bar.time),
          after: isoTime(after),
        },
        `${source}:${line}: ${bar.symbol} bar at ${isoTime(bar.time)} arrived after ${isoTime(after)}; rejected`,
      );
      return [];
    }
    this.#last[leg] = bar.time;
    this.stats.accepted++;
    let p = this.#partials.find((q) => q.time === bar.time);
    if (p === undefined) {
      const L = this.symbols.length;
      p = {
        time: bar.time,
        close: new Float64Array(L),
        open: new Float64Array(L),
        have: 0,
        hasOpen: 0,
        firstAt: this.clock(),
      };
      this.#partials.push(p);
      this.#partials.sort((a, b) => a.time - b.time);
    }
    p.close[leg] = bar.close;
    p.have |= 1 << leg;
    if (bar.open !== undefined) {
      p.open[leg] = bar.open;
      p.hasOpen |= 1 << leg;
    }
    const full = (1 << this.symbols.length) - 1;
    if (p.have !== full) return [];
    // complete: anything older can no longer be emitted in order
    const out: AssembledBar[] = [];
    while (this.#partials[0] !== p) this.#drop(this.#partials[0], 'a later bar completed first');
    this.#partials.shift();
    this.#resolvedUpTo = p.time;
    this.stats.emitted++;
    out.push({
      time: p.time,
      close: p.close,
      open: p.hasOpen === full ? p.open : null,
      flatten: this.#flattenNext,
      receivedAt: this.clock(),
    });
    this.#flattenNext = false;
    return out;
  }

  /** Resolves incomplete bars older than the timeout (call from a timer). */
  tick(now = this.clock()): void {
    while (this.#partials.length > 0 && now - this.#partials[0].firstAt >= this.pairing.timeoutMs)
      this.#drop(this.#partials[0], `timed out after ${this.pairing.timeoutMs} ms`);
  }

  /** The strategy's symbols of which no valid bar has come (a feed that does not carry them). */
  unseenSymbols(): string[] {
    return this.symbols.filter((_, i) => this.#seen[i] === 0);
  }

  /** Incomplete bars waiting for a leg. */
  get waiting(): number {
    return this.#partials.length;
  }

  #drop(p: Partial, why: string): void {
    this.#partials.splice(this.#partials.indexOf(p), 1);
    this.#resolvedUpTo = Math.max(this.#resolvedUpTo, p.time);
    this.stats.droppedIncomplete++;
    const missing = this.symbols.filter((_, i) => (p.have & (1 << i)) === 0);
    // a stream's symbols are not known in advance: one that has never come is likely not carried
    const never = missing.filter((s) => this.#seen[this.#index.get(s)!] === 0);
    if (never.length > 0 && !this.#unseenWarned) {
      this.#unseenWarned = true;
      this.logger.warn(
        { event: 'feed-symbol-missing', missing: never },
        `no bar for ${never.join(', ')} has come from the feed yet: check that it carries ${never.length > 1 ? 'them' : 'it'}`,
      );
    }
    const flatten = this.pairing.missingLeg === 'flatten';
    if (flatten) this.#flattenNext = true;
    this.logger.warn(
      {
        event: 'leg-missing',
        time: isoTime(p.time),
        missing,
        policy: this.pairing.missingLeg,
        why,
      },
      `bar at ${isoTime(p.time)} is missing ${missing.join(', ')} (${why}); ${flatten ? 'dropped, flattening on the next bar' : 'skipped'}`,
    );
  }
}
