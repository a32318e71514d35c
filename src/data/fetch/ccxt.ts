/**
 * An exchange's candles through ccxt (`fetchOHLCV`), paged forward from the chunk's start.
 * Crypto has no splits or dividends: the close is as traded and there is no adjusted close.
 * A base URL (a mirror, a local test server) replaces the scheme and host of every API URL of
 * the exchange, through ccxt's own `urls` settings; the paths stay the exchange's.
 */
import ccxt from 'ccxt';
import { redactedMessage } from '../../redact.js';
import { requestedDelay, type Attempt, type Http, type RequestSubject } from './http.js';
import { FetchError } from './errors.js';
import { quote } from './answer.js';
import { INTERVAL_MS, type BarRequest, type Bars, type PriceProvider } from './provider.js';

type Exchange = InstanceType<typeof ccxt.Exchange>;

/**
 * Every URL of an exchange's `urls.api` with its scheme and host replaced by `base`'s (a host may
 * be a template such as `api.{hostname}`, which ccxt fills in later: it is replaced too).
 */
function rewriteUrls(api: unknown, base: URL): unknown {
  if (typeof api === 'string') return api.replace(/^(wss?|https?):\/\/[^/?#]+/i, base.origin);
  if (api !== null && typeof api === 'object')
    return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, rewriteUrls(v, base)]));
  return api;
}

/** ccxt's exchange `id`, its API at `baseUrl` when given. */
export function ccxtProvider(id: string, baseUrl?: string): PriceProvider {
  const name = `ccxt:${id}`;
  const Class = (ccxt as unknown as Record<string, unknown>)[id];
  if (!(ccxt.exchanges as string[]).includes(id) || typeof Class !== 'function')
    throw new FetchError(name, '', 'bad-request', `ccxt has no exchange "${id}"`);
  let exchange: Exchange | undefined;
  let markets: Promise<unknown> | undefined;
  const open = (): Exchange => {
    if (exchange !== undefined) return exchange;
    // retries and their waits are the fetch's own (src/data/fetch/http.ts), on its clock
    const e = new (Class as new (config: object) => Exchange)({
      enableRateLimit: false,
      enableLastResponseHeaders: true,
      enableLastHttpResponse: true,
      enableLastJsonResponse: true,
    });
    if (baseUrl !== undefined) {
      const base = new URL(baseUrl);
      e.urls = { ...e.urls, api: rewriteUrls(e.urls.api, base) } as typeof e.urls;
    }
    return (exchange = e);
  };
  return {
    name,
    intervals: ['1d', '1h', '1m'],
    closes: () => ({ close: 'as traded (crypto has no splits or dividends)', adjusted: false }),
    async bars(request: BarRequest, http: Http): Promise<Bars> {
      const subject: RequestSubject = { provider: name, symbol: request.symbol };
      const e = open();
      const call = <T>(f: () => Promise<T>) => http.retrying(subject, () => attempt(e, subject, http, f));
      try {
        // reload: ccxt keeps a failed load's promise, so a retry must ask again
        markets ??= call(() => e.loadMarkets(true));
        await markets;
      } catch (err) {
        markets = undefined;
        throw err;
      }
      if (Object.keys(e.markets ?? {}).length === 0)
        throw new FetchError(
          name,
          request.symbol,
          'bad-response',
          `unexpected answer: ${id} listed no markets`,
        );
      if (!e.has.fetchOHLCV)
        throw new FetchError(
          name,
          request.symbol,
          'bad-request',
          `${id} has no candles in ccxt (fetchOHLCV)`,
        );
      if (e.timeframes?.[request.interval] === undefined)
        throw new FetchError(name, request.symbol, 'bad-request', `${id} has no ${request.interval} candles`);
      if (e.markets?.[request.symbol] === undefined)
        throw new FetchError(
          name,
          request.symbol,
          'unknown-symbol',
          `unknown symbol: ${id} has no market ${request.symbol}`,
        );
      const step = INTERVAL_MS[request.interval];
      const bars: Bars = { time: [], open: [], high: [], low: [], close: [], volume: [] };
      for (let since = request.start; since < request.end;) {
        const candles = await call(() => e.fetchOHLCV(request.symbol, request.interval, since));
        // ccxt reads a body that is not JSON (an HTML page) as no candles: it is garbage
        if (e.last_json_response === undefined || e.last_json_response === null)
          throw badCandles(
            subject,
            `an answer that is not JSON (${quote(String(e.last_http_response ?? ''))})`,
          );
        if (!Array.isArray(candles)) throw badCandles(subject, 'not a list of candles');
        let last = -Infinity;
        for (const c of candles) {
          if (
            !Array.isArray(c) ||
            c.length < 6 ||
            c.slice(0, 6).some((v) => typeof v !== 'number' || !Number.isFinite(v))
          )
            throw badCandles(
              subject,
              `a candle that is not [time, open, high, low, close, volume] (${JSON.stringify(c).slice(0, 80)})`,
            );
          const [t, o, h, l, cl, v] = c as number[];
          last = t;
          if (t < since || t >= request.end) continue;
          bars.time.push(t);
          bars.open.push(o);
          bars.high.push(h);
          bars.low.push(l);
          bars.close.push(cl);
          bars.volume!.push(v);
        }
        // an exchange answers from `since` on, up to its page size; an empty page is the end
        if (candles.length === 0 || !(last >= since)) break;
        since = last + step;
      }
      return bars;
    },
  };
}

function badCandles(subject: RequestSubject, what: string): FetchError {
  return new FetchError(subject.provider, subject.symbol, 'bad-response', `unexpected answer: ${what}`);
}

/** One ccxt call, its errors sorted into retried ones and {@link FetchError}s. */
async function attempt<T>(
  e: Exchange,
  subject: RequestSubject,
  http: Http,
  f: () => Promise<T>,
): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (err) {
    const text = redactedMessage(err).replace(/\s+/g, ' ').slice(0, 200);
    const fail = (code: 'unknown-symbol' | 'bad-key' | 'bad-response' | 'bad-request', what: string) =>
      new FetchError(subject.provider, subject.symbol, code, `${what} (${text})`);
    if (err instanceof ccxt.RateLimitExceeded || err instanceof ccxt.DDoSProtection) {
      const headers = new Headers((e.last_response_headers ?? {}) as Record<string, string>);
      const wait = requestedDelay(headers, http.clock.now());
      return {
        ok: false,
        limited: true,
        what: `too many requests (${text})`,
        ...(wait === undefined ? {} : { wait }),
      };
    }
    if (err instanceof ccxt.NetworkError)
      return { ok: false, limited: false, what: `the exchange is unavailable (${text})` };
    if (err instanceof ccxt.BadSymbol) throw fail('unknown-symbol', 'unknown symbol');
    if (err instanceof ccxt.AuthenticationError)
      throw fail('bad-key', 'the exchange refused the credentials');
    if (err instanceof ccxt.BadResponse || err instanceof SyntaxError)
      throw fail('bad-response', 'unexpected answer');
    if (err instanceof ccxt.BaseError) throw fail('bad-request', 'the exchange refused the request');
    throw err;
  }
}
