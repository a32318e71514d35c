/**
 * HTTP GET for the providers, with the retry policy every provider shares: a 429 or a server
 * error (5xx), and a request that gets no answer, are retried after an exponential back-off,
 * or after the wait the provider asks for (`Retry-After`, or Alpaca's `X-RateLimit-Reset`).
 * Every wait goes through a {@link FetchClock}, so a test drives the back-off on fake time.
 */
import { redact } from '../../redact.js';
import { FetchError } from './errors.js';

/** Time for the back-off: the current time, and a wait. Injected, so tests never wait. */
export interface FetchClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  delay(ms: number): Promise<void>;
}

/** The wall clock. */
export const systemClock: FetchClock = {
  now: () => Date.now(),
  delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** How requests are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (default 5). */
  retries: number;
  /** The first back-off (ms, default 1000); it doubles with each retry. */
  baseDelayMs: number;
  /** The longest back-off, and the longest wait a provider may ask for (ms, default 60 000). */
  maxDelayMs: number;
  /** How long one request may take before it counts as unanswered (ms, default 30 000). */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  timeoutMs: 30_000,
};

/** An answer: the status, the body as text and the headers. */
export interface HttpAnswer {
  status: number;
  text: string;
  headers: Headers;
}

/** What a request is for, so that an error can name the provider and the symbol. */
export interface RequestSubject {
  provider: string;
  symbol: string;
}

/** The delay a 429 or 503 asks for, in ms, or undefined when it asks for none. */
export function requestedDelay(headers: Headers, now: number): number | undefined {
  const after = headers.get('retry-after');
  if (after !== null) {
    const t = after.trim();
    if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
    const at = Date.parse(t);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  // Alpaca: the UNIX second at which the per-minute quota is renewed
  const reset = headers.get('x-ratelimit-reset');
  if (reset !== null && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) * 1000 - now);
  return undefined;
}

/** One try's outcome: a result, or a failure worth retrying. */
export type Attempt<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      /** Whether the provider said "too many requests" (else it is down or did not answer). */
      limited: boolean;
      /** What happened, for the message. */
      what: string;
      /** The wait the provider asked for (ms), if any. */
      wait?: number;
    };

/** Fetches URLs with retries; one per fetch run, shared by its providers. */
export class Http {
  constructor(
    readonly clock: FetchClock = systemClock,
    readonly retry: RetryPolicy = DEFAULT_RETRY,
    readonly signal?: AbortSignal,
  ) {}

  /**
   * Runs `attempt` until it succeeds, waiting between tries for the back-off or for the wait
   * the provider asked for.
   * @throws FetchError `rate-limited` or `provider-down` once the retries are spent, or at once
   *   when the provider asks for a wait longer than the policy's longest.
   */
  async retrying<T>(subject: RequestSubject, attempt: () => Promise<Attempt<T>>): Promise<T> {
    for (let n = 0; ; n++) {
      this.signal?.throwIfAborted();
      const a = await attempt();
      if (a.ok) return a.value;
      const code = a.limited ? 'rate-limited' : 'provider-down';
      if (a.wait !== undefined && a.wait > this.retry.maxDelayMs)
        throw new FetchError(
          subject.provider,
          subject.symbol,
          code,
          `${a.what}, asking to wait ${Math.ceil(a.wait / 1000)} s; try again later`,
        );
      if (n >= this.retry.retries)
        throw new FetchError(
          subject.provider,
          subject.symbol,
          code,
          `${a.what}, still after ${this.retry.retries} ${this.retry.retries === 1 ? 'retry' : 'retries'}`,
        );
      await this.clock.delay(a.wait ?? Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** n));
    }
  }

  /**
   * GETs `url` and returns the first answer that is neither a 429 nor a 5xx; retries those and
   * unanswered requests as the policy says.
   * @throws FetchError `rate-limited` or `provider-down` once the retries are spent.
   */
  get(url: string, subject: RequestSubject, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.retrying(subject, async (): Promise<Attempt<HttpAnswer>> => {
      let res: Response;
      let text: string;
      try {
        const timeout = AbortSignal.timeout(this.retry.timeoutMs);
        const signal = this.signal ? AbortSignal.any([this.signal, timeout]) : timeout;
        res = await fetch(url, { headers, signal, redirect: 'follow' });
        text = await res.text();
      } catch (e) {
        if (this.signal?.aborted) throw e;
        const cause = (e as { cause?: { code?: string } }).cause?.code;
        return {
          ok: false,
          limited: false,
          what: `no answer from ${origin(url)} (${cause ?? (e as Error).name})`,
        };
      }
      if (res.status !== 429 && res.status < 500)
        return { ok: true, value: { status: res.status, text, headers: res.headers } };
      const limited = res.status === 429;
      const wait = requestedDelay(res.headers, this.clock.now());
      return {
        ok: false,
        limited,
        what: limited
          ? `too many requests (HTTP 429) from ${origin(url)}`
          : `HTTP ${res.status} from ${origin(url)}`,
        ...(wait === undefined ? {} : { wait }),
      };
    });
  }
}

/** The scheme and host of a URL (never its query, which may hold a key). */
export function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return redact(url);
  }
}
