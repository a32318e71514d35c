/**
 * A ccxt exchange for kalrev: built by id, in sandbox mode unless `live`, its API URLs' host
 * replaced when a base URL is given (a local server), keys from the environment (`CCXT_API_KEY`,
 * `CCXT_SECRET`, `CCXT_PASSWORD`) and registered with src/redact.ts. Every call goes through
 * {@link CcxtCaller}: a rate-limit answer is retried after a growing delay on an injectable
 * pause, a network failure is a {@link BrokerConnectionError}.
 */
import ccxt, { type Exchange } from 'ccxt';
import type { Logger } from 'pino';
import { BrokerConnectionError } from '../../execution/broker.js';
import { redact, redactedMessage, registerSecret } from '../../redact.js';
import { LiveConfigError } from '../errors.js';
import { DEFAULT_BACKOFF, wallClockPause, type Backoff, type Pause } from './http.js';

/** Connection settings given on the command line. */
export interface CcxtFlags {
  /** Trade on the exchange's live endpoint (real money); its sandbox otherwise. */
  live?: boolean;
  /** Replace the host of every API URL with this base (`http://127.0.0.1:PORT` for a local server). */
  url?: string;
}

/** Options of {@link openCcxtExchange}. */
export interface CcxtVenueOptions {
  env: Readonly<Record<string, string | undefined>>;
  flags?: CcxtFlags;
  /** Whether the exchange needs keys (a broker does, a market-data feed does not). */
  keys: boolean;
  /** ccxt's own request throttle (on by default; tests turn it off, it paces on the wall clock). */
  throttle?: boolean;
  parameter: string;
}

/**
 * The ccxt exchange `id`, configured.
 * @throws LiveConfigError naming the flag or variable: an exchange ccxt does not know, one without
 * a sandbox (without `--live`), keys missing, a bad URL.
 */
export function openCcxtExchange(id: string, options: CcxtVenueOptions): Exchange {
  const { env, flags = {}, parameter } = options;
  const classes = ccxt as unknown as Record<string, new (config: Record<string, unknown>) => Exchange>;
  if (!(ccxt.exchanges as string[]).includes(id))
    throw new LiveConfigError(
      parameter,
      `ccxt has no exchange "${id}" (ccxt.exchanges lists them: binance, bybit, okx, …)`,
    );
  const config: Record<string, unknown> = { enableRateLimit: options.throttle ?? true };
  if (options.keys) {
    const apiKey = env.CCXT_API_KEY ?? '';
    const secret = env.CCXT_SECRET ?? '';
    for (const [name, value] of [
      ['CCXT_API_KEY', apiKey],
      ['CCXT_SECRET', secret],
    ] as const)
      if (value.trim() === '')
        throw new LiveConfigError(
          name,
          `not set: export the ${id} API key and secret (see docs/brokers.md); keys are read from the environment only`,
        );
    registerSecret(apiKey);
    registerSecret(secret);
    config.apiKey = apiKey;
    config.secret = secret;
    if (env.CCXT_PASSWORD) {
      registerSecret(env.CCXT_PASSWORD);
      config.password = env.CCXT_PASSWORD;
    }
  }
  const exchange = new classes[id](config);
  if (!flags.live) {
    try {
      exchange.setSandboxMode(true);
    } catch {
      throw new LiveConfigError(
        '--live',
        `ccxt's ${id} has no sandbox (test) endpoint; trading on its live endpoint needs the explicit --live flag`,
      );
    }
  }
  if (flags.url !== undefined) {
    let base: URL;
    try {
      base = new URL(flags.url);
    } catch {
      throw new LiveConfigError('--ccxt-url', 'not a URL (expected http://HOST[:PORT] or https://HOST)');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new LiveConfigError(
        '--ccxt-url',
        `expected an http:// or https:// URL, got "${base.protocol}//…"`,
      );
    const origin = base.origin;
    const rewrite = (v: unknown): unknown =>
      typeof v === 'string'
        ? v.replace(/^https?:\/\/[^/]+/, origin)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x)]))
          : v;
    (exchange.urls as Record<string, unknown>).api = rewrite(exchange.urls.api);
  }
  return exchange;
}

const isError = (e: unknown, name: keyof typeof ccxt): boolean =>
  e instanceof (ccxt as unknown as Record<string, new () => Error>)[name];

/** A ccxt error that is the exchange's answer to the request (not a lost connection). */
export const isExchangeError = (e: unknown) => isError(e, 'ExchangeError');
export const isOrderNotFound = (e: unknown) => isError(e, 'OrderNotFound');
export const isAuthenticationError = (e: unknown) => isError(e, 'AuthenticationError');

/** Calls a ccxt method with kalrev's rate-limit retries and connection errors. */
export class CcxtCaller {
  readonly #pause: Pause;
  readonly #backoff: Backoff;
  /** Rate-limit answers so far. */
  rateLimited = 0;
  constructor(
    readonly venue: string,
    readonly logger?: Logger,
    pause?: Pause,
    backoff?: Backoff,
    readonly maxRateLimited = 8,
  ) {
    this.#pause = pause ?? wallClockPause;
    this.#backoff = backoff ?? DEFAULT_BACKOFF;
  }

  /**
   * Runs `fn`, retrying it after a rate-limit answer.
   * @throws BrokerConnectionError for a network failure or a rate limit that does not end;
   * ccxt's exchange errors (an answer) as they are.
   */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let delay = this.#backoff.initialMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (isError(e, 'RateLimitExceeded') || isError(e, 'DDoSProtection')) {
          this.rateLimited++;
          if (attempt >= this.maxRateLimited)
            throw new BrokerConnectionError(
              this.venue,
              `${what}: still rate limited after ${attempt} retries`,
            );
          this.logger?.warn(
            { event: 'venue-rate-limited', venue: this.venue, what, retryInMs: delay },
            `${this.venue} rate limit: retrying ${what} in ${delay} ms`,
          );
          await this.#pause(delay);
          delay = Math.min(delay * this.#backoff.factor, this.#backoff.maxMs);
          continue;
        }
        if (isError(e, 'NetworkError'))
          throw new BrokerConnectionError(this.venue, `${what}: ${redactedMessage(e)}`);
        throw e;
      }
    }
  }
}

/** A ccxt error's message without keys, shortened. */
export const ccxtMessage = (e: unknown): string =>
  redact((e instanceof Error ? e.message : String(e)).slice(0, 300));
