/**
 * A venue's JSON REST calls: a request that cannot reach the venue is a
 * {@link BrokerConnectionError} (the runner waits and reconciles), a 429 is retried after the
 * venue's `Retry-After` (or a growing delay) through an injectable pause, and any other error
 * answer is a {@link VenueHttpError} with the venue's own message. Messages are redacted: a URL
 * or key never leaves through an error.
 */
import type { Logger } from 'pino';
import { KalrevError } from '../../errors.js';
import { BrokerConnectionError } from '../../execution/broker.js';
import { redact } from '../../redact.js';

/** Delays between retries: the first, its growth factor, and the largest (ms). */
export interface Backoff {
  initialMs: number;
  factor: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, factor: 2, maxMs: 10_000 };

/** A pause of `ms` (the wall clock by default; tests pass a fake clock's). */
export type Pause = (ms: number) => Promise<unknown>;

export const wallClockPause: Pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The venue answered a request with an error status (other than 429, which is retried). */
export class VenueHttpError extends KalrevError {
  override name = 'VenueHttpError';
  constructor(
    readonly venue: string,
    readonly method: string,
    readonly path: string,
    readonly status: number,
    /** The venue's message (its `message` field, or the body's start). */
    readonly venueMessage: string,
  ) {
    super(redact(`${venue}: ${method} ${path}: HTTP ${status}: ${venueMessage}`));
  }
}

/** Options of {@link VenueHttp}. */
export interface VenueHttpOptions {
  /** The venue's name in messages (`alpaca`). */
  venue: string;
  baseUrl: string;
  headers: Record<string, string>;
  pause?: Pause;
  backoff?: Backoff;
  /** 429 answers in a row before giving up (as a connection error). Default 8. */
  maxRateLimited?: number;
  logger?: Logger;
}

/** A JSON REST client for one venue. */
export class VenueHttp {
  readonly #o: VenueHttpOptions;
  readonly #pause: Pause;
  readonly #backoff: Backoff;
  /** Requests answered 429 so far (for tests and logs). */
  rateLimited = 0;

  constructor(options: VenueHttpOptions) {
    this.#o = options;
    this.#pause = options.pause ?? wallClockPause;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /**
   * Sends a request; resolves to the status and the decoded body (null when empty), for 2xx
   * and 404 answers (`notFound` says which a caller may take as "none").
   * @throws BrokerConnectionError when the venue cannot be reached or keeps answering 429.
   * @throws VenueHttpError for another error status.
   */
  async request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T | null }> {
    const { venue, baseUrl, headers, logger } = this.#o;
    let delay = this.#backoff.initialMs;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(baseUrl + path, {
          method,
          headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body !== undefined ? JSON.stringify(body) : undefined,
        });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        throw new BrokerConnectionError(
          venue,
          redact(`${method} ${path}: ${cause?.code ?? cause?.message ?? (e as Error).message}`),
        );
      }
      const text = await res.text().catch(() => '');
      if (res.status === 429) {
        this.rateLimited++;
        if (attempt >= (this.#o.maxRateLimited ?? 8))
          throw new BrokerConnectionError(
            venue,
            `${method} ${path}: still rate limited (HTTP 429) after ${attempt} retries`,
          );
        const after = Number(res.headers.get('retry-after'));
        const wait = Number.isFinite(after) && after > 0 ? after * 1000 : delay;
        logger?.warn(
          { event: 'venue-rate-limited', venue, method, path, retryInMs: wait },
          `${venue} answered 429 (rate limit): retrying in ${wait} ms`,
        );
        await this.#pause(wait);
        delay = Math.min(delay * this.#backoff.factor, this.#backoff.maxMs);
        continue;
      }
      let decoded: unknown = null;
      if (text !== '') {
        try {
          decoded = JSON.parse(text) as unknown;
        } catch {
          if (res.ok)
            throw new VenueHttpError(venue, method, path, res.status, `not JSON: ${text.slice(0, 80)}`);
        }
      }
      if (res.ok || res.status === 404) return { status: res.status, body: decoded as T | null };
      const message =
        decoded !== null &&
        typeof decoded === 'object' &&
        typeof (decoded as { message?: unknown }).message === 'string'
          ? (decoded as { message: string }).message
          : text.slice(0, 200);
      throw new VenueHttpError(venue, method, path, res.status, message);
    }
  }
}
