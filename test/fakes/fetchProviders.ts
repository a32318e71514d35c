/**
 * A local stand-in for the price providers `kalrev fetch` talks to, on 127.0.0.1: Yahoo's chart
 * API, Stooq's CSV download, Alpaca's historical bars and Binance's public market data (what
 * ccxt reads), each answering with the recorded responses of test/fixtures/fetch/ cut to the
 * range asked for, and its documented answers for an unknown symbol, a bad key, a rate limit
 * and an outage. Tests script trouble with `queue` (the next answers), `down` and `failAfter`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'fetch');
const DAY = 86_400_000;

/** An answer the fake gives in place of the normal one. */
export interface Reply {
  /** Given only to a request whose path starts with this (default: any request). */
  path?: string;
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** A request the fake saw. */
export interface Seen {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

export interface FetchFake {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Every request, in order. */
  readonly seen: Seen[];
  /** Answers given, in order, to the next requests instead of the normal ones. */
  queue: Reply[];
  /** Answer 503 to everything. */
  down: boolean;
  /** Normal answers given so far. */
  answered: number;
  /** After `answered` reaches this, answer 503 to everything (a provider going away mid-fetch). */
  failAfter: number;
  /** Alpaca's bars per page. */
  alpacaPage: number;
  /** Binance's candles per page. */
  binancePage: number;
  /** The Alpaca keys it accepts. */
  alpacaKeys: { id: string; secret: string };
  close(): Promise<void>;
}

const fixture = (name: string) => join(FIXTURES, name);
const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

function yahoo(symbol: string, q: URLSearchParams): Reply {
  const file = fixture(`yahoo-chart-${symbol}-${q.get('interval')}.json`);
  if (!existsSync(file))
    return { ...json(404, JSON.parse(readFileSync(fixture('yahoo-chart-not-found.json'), 'utf8'))) };
  const body = JSON.parse(readFileSync(file, 'utf8'));
  const r = body.chart.result[0];
  const p1 = Number(q.get('period1'));
  const p2 = Number(q.get('period2'));
  const keep = (r.timestamp as number[]).map((t) => t >= p1 && t < p2);
  const cut = (xs: unknown[]) => xs.filter((_, i) => keep[i]);
  r.timestamp = cut(r.timestamp);
  for (const k of Object.keys(r.indicators.quote[0]))
    r.indicators.quote[0][k] = cut(r.indicators.quote[0][k]);
  // intraday answers have no adjusted close
  if (r.indicators.adjclose) r.indicators.adjclose[0].adjclose = cut(r.indicators.adjclose[0].adjclose);
  if (r.timestamp.length === 0) {
    // Yahoo's answer for a range without trading: no timestamps, empty indicators
    delete r.timestamp;
    r.indicators = { quote: [{}], ...(r.indicators.adjclose ? { adjclose: [{}] } : {}) };
  }
  return json(200, body);
}

function stooq(q: URLSearchParams): Reply {
  const file = fixture(`stooq-${q.get('s')}-${q.get('i')}.csv`);
  const text = { 'content-type': 'text/csv' };
  if (!existsSync(file)) return { status: 200, body: 'No data', headers: text };
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\r\n');
  const d = (s: string | null) => `${s?.slice(0, 4)}-${s?.slice(4, 6)}-${s?.slice(6, 8)}`;
  const from = d(q.get('d1'));
  const to = d(q.get('d2'));
  const rows = lines.filter((l) => l.slice(0, 10) >= from && l.slice(0, 10) <= to);
  if (rows.length === 0) return { status: 200, body: 'No data', headers: text };
  return { status: 200, body: [header, ...rows].join('\r\n') + '\r\n', headers: text };
}

function alpaca(fake: FetchFake, q: URLSearchParams, headers: IncomingMessage['headers']): Reply {
  if (
    headers['apca-api-key-id'] !== fake.alpacaKeys.id ||
    headers['apca-api-secret-key'] !== fake.alpacaKeys.secret
  )
    return json(403, { message: 'forbidden' });
  const symbol = q.get('symbols') ?? '';
  if (!/^[A-Z.]+$/.test(symbol)) return json(400, { code: 40010001, message: `invalid symbol: ${symbol}` });
  const file = fixture(`alpaca-bars-${symbol}-${q.get('timeframe')}-${q.get('adjustment')}.json`);
  if (!existsSync(file)) return json(200, { bars: {}, next_page_token: null, currency: 'USD' });
  const all = JSON.parse(readFileSync(file, 'utf8')).bars[symbol] as { t: string }[];
  const start = Date.parse(q.get('start') ?? '');
  const end = Date.parse(q.get('end') ?? '');
  const bars = all.filter((b) => Date.parse(b.t) >= start && Date.parse(b.t) <= end);
  const offset = q.has('page_token') ? Number(Buffer.from(q.get('page_token')!, 'base64').toString()) : 0;
  const size = Math.min(Number(q.get('limit') ?? 1000), fake.alpacaPage);
  const page = bars.slice(offset, offset + size);
  const more = offset + size < bars.length;
  return json(200, {
    bars: page.length === 0 ? {} : { [symbol]: page },
    next_page_token: more ? Buffer.from(String(offset + size)).toString('base64') : null,
    currency: 'USD',
  });
}

const BINANCE_SYMBOLS = [
  ['BTCUSDT', 'BTC', 'USDT'],
  ['ETHUSDT', 'ETH', 'USDT'],
];

function binanceMarket([symbol, base, quote]: string[]) {
  return {
    symbol,
    status: 'TRADING',
    baseAsset: base,
    baseAssetPrecision: 8,
    quoteAsset: quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: true,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: '0.01000000',
        maxPrice: '1000000.00000000',
        tickSize: '0.01000000',
      },
      { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
    ],
    permissions: [],
    permissionSets: [['SPOT', 'MARGIN']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

function binance(fake: FetchFake, path: string, q: URLSearchParams): Reply {
  if (path === '/api/v3/exchangeInfo')
    return json(200, {
      timezone: 'UTC',
      serverTime: 1_700_000_000_000,
      rateLimits: [],
      exchangeFilters: [],
      symbols: BINANCE_SYMBOLS.map(binanceMarket),
    });
  if (path === '/fapi/v1/exchangeInfo' || path === '/dapi/v1/exchangeInfo')
    return json(200, {
      timezone: 'UTC',
      serverTime: 1_700_000_000_000,
      rateLimits: [],
      exchangeFilters: [],
      assets: [],
      symbols: [],
    });
  // /api/v3/klines
  const symbol = q.get('symbol');
  if (!BINANCE_SYMBOLS.some(([s]) => s === symbol)) return json(400, { code: -1121, msg: 'Invalid symbol.' });
  const file = fixture(`binance-klines-${symbol}-${q.get('interval')}.json`);
  const all: unknown[][] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  const start = Number(q.get('startTime') ?? 0);
  const end = q.has('endTime') ? Number(q.get('endTime')) : Infinity;
  const limit = Math.min(Number(q.get('limit') ?? 500), fake.binancePage);
  return json(200, all.filter((k) => (k[0] as number) >= start && (k[0] as number) <= end).slice(0, limit));
}

function route(
  fake: FetchFake,
  path: string,
  q: URLSearchParams,
  headers: IncomingMessage['headers'],
): Reply {
  const chart = /^\/v8\/finance\/chart\/([^/]+)$/.exec(path);
  if (chart) return yahoo(decodeURIComponent(chart[1]), q);
  if (path === '/q/d/l/') return stooq(q);
  if (path === '/v2/stocks/bars') return alpaca(fake, q, headers);
  if (/^\/(api\/v3|fapi\/v1|dapi\/v1)\//.test(path)) return binance(fake, path, q);
  return { status: 404, body: 'not found' };
}

/** Starts the fake on a free port of 127.0.0.1. */
export async function startFetchFake(): Promise<FetchFake> {
  const fake = {
    answered: 0,
    url: '',
    seen: [] as Seen[],
    queue: [] as Reply[],
    down: false,
    failAfter: Infinity,
    alpacaPage: 100,
    binancePage: 40,
    alpacaKeys: { id: 'PKTESTKEYID', secret: 'test-secret' },
    close: async () => {},
  } satisfies FetchFake;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.seen.push({ path: u.pathname, query: u.searchParams, headers: req.headers });
    let reply: Reply;
    const q = fake.queue.findIndex((r) => r.path === undefined || u.pathname.startsWith(r.path));
    if (q >= 0) reply = fake.queue.splice(q, 1)[0];
    else if (fake.down || fake.answered >= fake.failAfter)
      reply = { status: 503, body: 'Service Unavailable' };
    else {
      reply = route(fake, u.pathname, u.searchParams, req.headers);
      fake.answered++;
    }
    res.writeHead(reply.status, reply.headers ?? { 'content-type': 'text/plain' });
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

/** A clock for the back-off on fake time: every wait is recorded and passes at once. */
export class FetchTestClock {
  readonly waits: number[] = [];
  constructor(public time = Date.UTC(2026, 0, 15)) {}
  now(): number {
    return this.time;
  }
  delay(ms: number): Promise<void> {
    this.waits.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
}

export { DAY };
