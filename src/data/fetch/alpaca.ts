/**
 * Alpaca's market-data API, historical stock bars (`GET /v2/stocks/bars`), with the keys in the
 * `APCA-API-KEY-ID` and `APCA-API-SECRET-KEY` headers. Each chunk is asked for twice, with
 * `adjustment=raw` (the close as traded) and `adjustment=all` (splits, dividends and spin-offs),
 * and each answer is paged through with `next_page_token`.
 */
import { registerSecret } from '../../redact.js';
import { badKey, badShape, num, parseJson } from './answer.js';
import { FetchError } from './errors.js';
import type { Http, RequestSubject } from './http.js';
import type { BarRequest, Bars, FetchInterval, PriceProvider } from './provider.js';

/** Where Alpaca's market-data API is. */
export const ALPACA_DATA_URL = 'https://data.alpaca.markets';

/** Alpaca's keys, as its users set them: `APCA_API_KEY_ID` and `APCA_API_SECRET_KEY`. */
export interface AlpacaKeys {
  keyId: string;
  secretKey: string;
}

const TIMEFRAME: Record<FetchInterval, string> = { '1d': '1Day', '1h': '1Hour', '1m': '1Min' };
const DAY_MS = 86_400_000;
/** The most bars Alpaca returns in one page. */
const PAGE = 10_000;

interface AlpacaBar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** Alpaca at `baseUrl`, with `keys` (registered as secrets, so no message shows them). */
export function alpacaProvider(
  keys: AlpacaKeys | undefined,
  baseUrl = ALPACA_DATA_URL,
  feed = 'iex',
): PriceProvider {
  const base = baseUrl.replace(/\/+$/, '');
  if (keys) {
    registerSecret(keys.keyId);
    registerSecret(keys.secretKey);
  }
  return {
    name: 'alpaca',
    intervals: ['1d', '1h', '1m'],
    closes: () => ({ close: 'as traded (adjustment=raw)', adjusted: true }),
    async bars(request: BarRequest, http: Http): Promise<Bars> {
      const subject: RequestSubject = { provider: 'alpaca', symbol: request.symbol };
      if (keys === undefined)
        throw new FetchError(
          'alpaca',
          request.symbol,
          'bad-key',
          'no keys: set APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment',
        );
      const headers = {
        'APCA-API-KEY-ID': keys.keyId,
        'APCA-API-SECRET-KEY': keys.secretKey,
        accept: 'application/json',
      };
      const page = (adjustment: string) => pages(base, request, adjustment, feed, http, subject, headers);
      const raw = await page('raw');
      const adjusted = await page('all');
      if (raw.length !== adjusted.length || raw.some((b, i) => b.t !== adjusted[i].t))
        throw badShape(subject, 'the raw and the adjusted bars are not on the same timestamps');
      const daily = request.interval === '1d';
      const bars: Bars = { time: [], open: [], high: [], low: [], close: [], adjClose: [], volume: [] };
      for (let i = 0; i < raw.length; i++) {
        const b = raw[i];
        // a daily bar is stamped midnight New York time: its UTC date is its trading date
        bars.time.push(daily ? Math.floor(b.t / DAY_MS) * DAY_MS : b.t);
        bars.open.push(b.o);
        bars.high.push(b.h);
        bars.low.push(b.l);
        bars.close.push(b.c);
        bars.adjClose!.push(adjusted[i].c);
        bars.volume!.push(b.v);
      }
      return bars;
    },
  };
}

async function pages(
  base: string,
  request: BarRequest,
  adjustment: string,
  feed: string,
  http: Http,
  subject: RequestSubject,
  headers: Record<string, string>,
): Promise<AlpacaBar[]> {
  const out: AlpacaBar[] = [];
  let token: string | undefined;
  const seen = new Set<string>();
  do {
    const params = new URLSearchParams({
      symbols: request.symbol,
      timeframe: TIMEFRAME[request.interval],
      // Alpaca's end is inclusive
      start: new Date(request.start).toISOString(),
      end: new Date(request.end - 1).toISOString(),
      limit: String(PAGE),
      adjustment,
      feed,
      sort: 'asc',
    });
    if (token !== undefined) params.set('page_token', token);
    const answer = await http.get(`${base}/v2/stocks/bars?${params}`, subject, headers);
    const body = safeParse(answer.text) as
      { message?: unknown; bars?: unknown; next_page_token?: unknown } | undefined;
    const message = typeof body?.message === 'string' ? body.message : '';
    if (answer.status === 401 || answer.status === 403) throw badKey(subject, answer.status, message);
    if ((answer.status === 400 || answer.status === 422) && /invalid symbol/i.test(message))
      throw new FetchError('alpaca', request.symbol, 'unknown-symbol', `unknown symbol (${message})`);
    if (answer.status !== 200)
      throw new FetchError(
        'alpaca',
        request.symbol,
        'bad-request',
        `refused the request (HTTP ${answer.status}${message === '' ? '' : `: ${message}`})`,
      );
    const page = parseJson(answer.text, subject, answer.status) as typeof body;
    if (page === null || typeof page !== 'object') throw badShape(subject, 'the body is not an object');
    const bars = page.bars;
    if (bars !== null && (typeof bars !== 'object' || Array.isArray(bars)))
      throw badShape(subject, '"bars" is not an object');
    const list = (bars as Record<string, unknown> | null)?.[request.symbol] ?? [];
    if (!Array.isArray(list)) throw badShape(subject, `"bars.${request.symbol}" is not a list`);
    for (const b of list) out.push(readBar(b, subject));
    const next = page.next_page_token;
    if (next !== null && next !== undefined && typeof next !== 'string')
      throw badShape(subject, 'next_page_token is not text');
    token = next ?? undefined;
    if (token !== undefined) {
      if (seen.has(token)) throw badShape(subject, 'the same next_page_token twice');
      seen.add(token);
    }
  } while (token !== undefined);
  return out;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readBar(b: unknown, subject: RequestSubject): AlpacaBar {
  const r = (b ?? {}) as Record<string, unknown>;
  const t = typeof r.t === 'string' ? Date.parse(r.t) : NaN;
  const bar = { t, o: num(r.o), h: num(r.h), l: num(r.l), c: num(r.c), v: num(r.v) };
  if (Object.values(bar).some(Number.isNaN))
    throw badShape(subject, `a bar that is not t, o, h, l, c, v (${JSON.stringify(b).slice(0, 80)})`);
  return bar;
}
