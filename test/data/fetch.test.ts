/**
 * `fetchPrices` against the local fake providers (test/fakes/fetchProviders.ts) serving the
 * recorded responses of test/fixtures/fetch/: each provider's bars, its unknown symbol, a
 * garbage answer, 429s, an outage; the cache (a second call fetches nothing, a wider range only
 * what is missing, an interrupted fetch resumes to the same file); and nothing reaches beyond
 * 127.0.0.1. The back-off's waits run on a fake clock and are checked one by one.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchPrices, type FetchOptions } from '../../src/app/fetch.js';
import { FetchError, type FetchErrorCode } from '../../src/data/fetch/index.js';
import { readPrices } from '../../src/data/readers.js';
import { loopbackOnly } from '../fakes/fetchNetwork.js';
import { FetchTestClock, startFetchFake, type FetchFake } from '../fakes/fetchProviders.js';

let fake: FetchFake;
let guard: ReturnType<typeof loopbackOnly>;
let root: string;
let n = 0;

beforeAll(async () => {
  guard = loopbackOnly();
  fake = await startFetchFake();
  root = mkdtempSync(join(tmpdir(), 'kalrev-fetch-'));
});
afterAll(async () => {
  await fake.close();
  guard.restore();
  expect(guard.refused).toEqual([]);
});
beforeEach(() => {
  fake.queue = [];
  fake.down = false;
  fake.failAfter = Infinity;
  fake.answered = 0;
  fake.seen.length = 0;
  fake.alpacaPage = 100;
  fake.binancePage = 40;
});

const KEYS = { APCA_API_KEY_ID: 'PKTESTKEYID', APCA_API_SECRET_KEY: 'test-secret' };

/** A fresh scratch folder. */
const scratch = () => {
  const d = join(root, String(++n));
  return d;
};

function options(provider: string, symbols: string[], over: Partial<FetchOptions> = {}): FetchOptions {
  const d = scratch();
  const crypto = provider.startsWith('ccxt');
  return {
    symbols,
    from: crypto ? '2021-01-01' : '2009-12-01',
    to: crypto ? '2021-03-31' : '2011-01-31',
    provider,
    out: join(d, 'prices.csv'),
    cacheDir: join(d, 'cache'),
    baseUrl: fake.url,
    env: KEYS,
    clock: new FetchTestClock(),
    ...over,
  };
}

async function failure(p: Promise<unknown>): Promise<FetchError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FetchError) return e;
    throw e;
  }
  throw new Error('expected a FetchError, none was thrown');
}

interface Case {
  provider: string;
  /** The path of its data requests (not ccxt's market list). */
  data: string;
  symbol: string;
  unknown: string;
  /** The first bar's date and values: open, close and the adjusted close the readers use. */
  first: { date: string; open: number; close: number; adjClose?: number };
  bars: number;
}

const CASES: Case[] = [
  {
    provider: 'yahoo',
    data: '/v8/finance/chart/',
    symbol: 'SPY',
    unknown: 'NOSUCH',
    first: { date: '2009-12-21', open: 105.3, close: 105.87, adjClose: 103.7526 },
    bars: 266,
  },
  {
    provider: 'stooq',
    data: '/q/d/l/',
    symbol: 'spy.us',
    unknown: 'nosuch.us',
    first: { date: '2009-12-21', open: 103.194, close: 103.7526 },
    bars: 266,
  },
  {
    provider: 'alpaca',
    data: '/v2/stocks/bars',
    symbol: 'SPY',
    unknown: 'NOSUCH',
    first: { date: '2009-12-21', open: 105.3, close: 105.87, adjClose: 103.7526 },
    bars: 266,
  },
  {
    provider: 'ccxt:binance',
    data: '/api/v3/klines',
    symbol: 'BTC/USDT',
    unknown: 'DOGE/EUR',
    first: { date: '2021-01-01', open: 109.17, close: 106.95 },
    bars: 90,
  },
];

describe.each(CASES)('$provider', (c) => {
  it('writes the bars into a file every command reads, the adjusted close apart from the close', async () => {
    const o = options(c.provider, [c.symbol]);
    const result = await fetchPrices(o);
    expect(result.symbols).toEqual([
      { symbol: c.symbol, bars: c.bars, first: c.first.date, last: expect.any(String) },
    ]);
    const header = readFileSync(o.out, 'utf8').split('\n')[0];
    expect(header).toBe(
      `date,symbol,open,high,low,close${c.first.adjClose === undefined ? '' : ',adj close'},volume`,
    );
    const raw = (await readPrices(o.out, { adjusted: false })).frame;
    expect(raw.length).toBe(c.bars);
    expect(raw.date(0)).toBe(c.first.date);
    expect(raw.get(c.symbol, 'close')[0]).toBe(c.first.close);
    expect(raw.get(c.symbol, 'open')[0]).toBe(c.first.open);
    const adjusted = (await readPrices(o.out)).frame;
    expect(adjusted.get(c.symbol, 'close')[0]).toBe(c.first.adjClose ?? c.first.close);
    expect(result.columns.adjClose !== undefined).toBe(c.first.adjClose !== undefined);
  });

  it('names the provider and the symbol it does not know', async () => {
    const e = await failure(fetchPrices(options(c.provider, [c.symbol, c.unknown])));
    expect(e.code).toBe('unknown-symbol');
    expect(e.symbol).toBe(c.unknown);
    expect(e.message.startsWith(`${c.provider} ${c.unknown}: `)).toBe(true);
  });

  it('waits as a 429 asks (Retry-After) and then succeeds', async () => {
    const o = options(c.provider, [c.symbol]);
    fake.queue = [
      {
        path: c.data,
        status: 429,
        body: '{"message":"too many requests."}',
        headers: { 'retry-after': '7' },
      },
      {
        path: c.data,
        status: 429,
        body: '{"message":"too many requests."}',
        headers: { 'retry-after': '3' },
      },
    ];
    const result = await fetchPrices(o);
    expect(result.symbols[0].bars).toBe(c.bars);
    expect((o.clock as FetchTestClock).waits).toEqual([7000, 3000]);
  });

  it('backs off exponentially and gives up as rate-limited when the 429s do not stop', async () => {
    const o = options(c.provider, [c.symbol], { retry: { retries: 3 } });
    fake.queue = Array.from({ length: 4 }, () => ({ path: c.data, status: 429, body: 'Too Many Requests' }));
    const e = await failure(fetchPrices(o));
    expect(e.code).toBe('rate-limited');
    expect(e.message).toMatch(
      new RegExp(`^${c.provider} ${c.symbol.replace('/', '\\/')}: too many requests`),
    );
    expect((o.clock as FetchTestClock).waits).toEqual([1000, 2000, 4000]);
  });

  it('reports a provider that stays down, after the retries', async () => {
    const o = options(c.provider, [c.symbol], { retry: { retries: 2 } });
    fake.down = true;
    const e = await failure(fetchPrices(o));
    expect(e.code).toBe('provider-down');
    expect(e.message).toContain('still after 2 retries');
    expect((o.clock as FetchTestClock).waits).toEqual([1000, 2000]);
  });

  it('refuses a garbage answer (an HTML page), naming the provider and the symbol', async () => {
    const o = options(c.provider, [c.symbol]);
    const page =
      '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>challenge</body></html>';
    fake.queue = [{ path: c.data, status: 200, body: page, headers: { 'content-type': 'text/html' } }];
    const e = await failure(fetchPrices({ ...o, cacheDir: false }));
    expect(e.code).toBe('bad-response');
    expect(e.message.startsWith(`${c.provider} ${c.symbol}: `)).toBe(true);
    expect(existsSync(o.out)).toBe(false);
  });
});

describe('the network', () => {
  it('is held to 127.0.0.1: a connection anywhere else is refused and recorded', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737), never routed
    const e = await failure(
      fetchPrices(options('yahoo', ['SPY'], { baseUrl: 'http://192.0.2.1', retry: { retries: 0 } })),
    );
    expect(e.code).toBe('provider-down');
    expect(guard.refused).toEqual(['192.0.2.1']);
    guard.refused.length = 0;
  });
});

describe('providers, each its own way', () => {
  it('pages through Alpaca answers with next_page_token, raw and adjusted bars alike', async () => {
    fake.alpacaPage = 100;
    const o = options('alpaca', ['SPY'], { from: '2010-01-01', to: '2010-12-31' });
    const r = await fetchPrices(o);
    expect(r.symbols[0]).toEqual({ symbol: 'SPY', bars: 252, first: '2010-01-04', last: '2010-12-31' });
    const pages = fake.seen.map((s) => [s.query.get('adjustment'), s.query.get('page_token') === null]);
    // 252 bars of 2010 in pages of 100: three pages each for adjustment=raw and adjustment=all
    expect(pages).toEqual([
      ['raw', true],
      ['raw', false],
      ['raw', false],
      ['all', true],
      ['all', false],
      ['all', false],
    ]);
    expect(fake.seen[0].headers['apca-api-key-id']).toBe('PKTESTKEYID');
  });

  it('refuses Alpaca keys it does not accept, and asks for keys when there are none', async () => {
    const bad = await failure(
      fetchPrices(
        options('alpaca', ['SPY'], { env: { APCA_API_KEY_ID: 'PKWRONG', APCA_API_SECRET_KEY: 'nope' } }),
      ),
    );
    expect(bad.code).toBe('bad-key');
    expect(bad.message).toBe('alpaca SPY: the provider refused the credentials (HTTP 403: forbidden)');
    const none = await failure(fetchPrices(options('alpaca', ['SPY'], { env: {} })));
    expect(none.code).toBe('bad-key');
    expect(none.message).toContain('APCA_API_KEY_ID and APCA_API_SECRET_KEY');
  });

  it("reads Alpaca's invalid-symbol answer as an unknown symbol", async () => {
    const e = await failure(fetchPrices(options('alpaca', ['spy$'])));
    expect(e.code).toBe('unknown-symbol');
    expect(e.message).toBe('alpaca spy$: unknown symbol (invalid symbol: spy$)');
  });

  it('pages ccxt candles forward from the last one', async () => {
    fake.binancePage = 40;
    const o = options('ccxt:binance', ['BTC/USDT']);
    await fetchPrices(o);
    const since = fake.seen.filter((s) => s.path === '/api/v3/klines').map((s) => s.query.get('startTime'));
    const day = 86_400_000;
    const jan1 = Date.UTC(2021, 0, 1);
    // the chunk is the year 2021; the fixture's 120 candles end on 2021-04-30, and an empty page ends it
    expect(since).toEqual([jan1, jan1 + 40 * day, jan1 + 80 * day, jan1 + 120 * day].map(String));
  });

  it("retries the exchange's market list after an outage (ccxt keeps a failed load otherwise)", async () => {
    fake.queue = [{ path: '/api/v3/exchangeInfo', status: 503, body: 'Service Unavailable' }];
    const o = options('ccxt:binance', ['BTC/USDT']);
    const r = await fetchPrices(o);
    expect(r.symbols[0].bars).toBe(90);
    expect((o.clock as FetchTestClock).waits).toEqual([1000]);
    expect(fake.seen.filter((s) => s.path === '/api/v3/exchangeInfo').length).toBe(2);
  });

  it("takes Yahoo's trading date in the exchange's zone and skips its null rows", async () => {
    const o = options('yahoo', ['SPY'], { from: '2010-03-30', to: '2010-04-06' });
    await fetchPrices(o);
    const { frame } = await readPrices(o.out, { adjusted: false });
    // 2010-04-02 (Good Friday) is in Yahoo's answer as a row of nulls
    expect(frame.dates()).toEqual(['2010-03-30', '2010-03-31', '2010-04-01', '2010-04-05', '2010-04-06']);
  });

  it("reads Yahoo's refusal of a client without a session as a refused key", async () => {
    fake.queue = [
      {
        path: '/v8/',
        status: 401,
        body: JSON.stringify({
          chart: { result: null, error: { code: 'Unauthorized', description: 'Invalid Crumb' } },
        }),
      },
    ];
    const e = await failure(fetchPrices(options('yahoo', ['SPY'])));
    expect([e.code, e.message]).toEqual([
      'bad-key',
      'yahoo SPY: refused the request (HTTP 401: Invalid Crumb); Yahoo asks for a session this client does not have, try another provider',
    ]);
  });

  it("leaves out the volume of Stooq's indices, which have none, rather than writing zeros", async () => {
    fake.queue = [
      {
        path: '/q/d/l/',
        status: 200,
        body: 'Date,Open,High,Low,Close\r\n2010-01-04,1116.56,1133.87,1116.56,1132.99\r\n',
      },
    ];
    const o = options('stooq', ['^spx'], { from: '2010-01-04', to: '2010-01-04' });
    await fetchPrices(o);
    expect(readFileSync(o.out, 'utf8')).toBe(
      'date,symbol,open,high,low,close\n2010-01-04,^spx,1116.56,1133.87,1116.56,1132.99\n',
    );
    expect(fake.seen[0].query.get('s')).toBe('^spx');
    expect((await readPrices(o.out)).frame.get('^spx')[0]).toBe(1132.99);
  });

  it("reads Stooq's daily-limit answer as a rate limit, not as data", async () => {
    fake.queue = [{ status: 200, body: 'Exceeded the daily hits limit' }];
    const e = await failure(fetchPrices(options('stooq', ['spy.us'])));
    expect(e.code).toBe('rate-limited');
  });

  it('refuses an interval the provider lacks, and a provider it does not know', async () => {
    const e = await failure(fetchPrices(options('stooq', ['spy.us'], { interval: '1h' })));
    expect([e.code, e.message]).toEqual(['bad-request', 'stooq: has no 1h bars (it serves 1d)']);
    const p = await failure(fetchPrices(options('bloomberg', ['SPY'])));
    expect(p.code).toBe('bad-request' satisfies FetchErrorCode);
    const future = await failure(
      fetchPrices(options('yahoo', ['SPY'], { from: '2026-01-16', to: '2026-02-01' })),
    );
    expect(future.message).toBe('yahoo: from 2026-01-16 is in the future');
    const x = await failure(fetchPrices(options('ccxt:nosuchexchange', ['BTC/USDT'])));
    expect(x.message).toBe('ccxt:nosuchexchange: ccxt has no exchange "nosuchexchange"');
  });

  it('writes intraday bars stamped with their UTC instant, in chunks of a month', async () => {
    const o = options('yahoo', ['SPY'], { interval: '1h', from: '2010-03-01', to: '2010-03-02' });
    const r = await fetchPrices(o);
    expect(r.columns.adjClose).toBeUndefined();
    const lines = readFileSync(o.out, 'utf8').trim().split('\n');
    expect(lines.length).toBe(15);
    expect(lines.slice(0, 2)).toEqual([
      'date,symbol,open,high,low,close,volume',
      '2010-03-01T14:30:00.000Z,SPY,105.74,105.89,105.71,105.84,211013',
    ]);
    expect(lines[14].slice(0, 24)).toBe('2010-03-02T20:30:00.000Z');
    // the month of March 2010, in one request, at Yahoo's name for the interval
    expect(
      fake.seen.map((s) => [s.query.get('interval'), s.query.get('period1'), s.query.get('period2')]),
    ).toEqual([['60m', String(Date.UTC(2010, 2, 1) / 1000), String(Date.UTC(2010, 3, 1) / 1000)]]);
    const { frame } = await readPrices(o.out);
    expect(frame.times[0]).toBe(Date.UTC(2010, 2, 1, 14, 30));
  });

  it('refuses a bar no command would read (a zero close), naming it', async () => {
    fake.queue = [
      {
        path: '/q/d/l/',
        status: 200,
        body: 'Date,Open,High,Low,Close,Volume\r\n2010-01-04,1,1,1,1,10\r\n2010-01-05,1,1,1,0,10\r\n',
      },
    ];
    const e = await failure(
      fetchPrices(options('stooq', ['spy.us'], { from: '2010-01-01', to: '2010-12-31' })),
    );
    expect([e.code, e.message]).toEqual([
      'bad-response',
      'stooq spy.us: close of the bar at 2010-01-05 is 0',
    ]);
  });

  it('refuses two symbols that would share a file of the folder', async () => {
    const e = await failure(
      fetchPrices(options('ccxt:binance', ['BTC/USDT', 'BTC-USDT'], { out: join(scratch(), 'dir') })),
    );
    expect(e.message).toBe(
      'ccxt:binance BTC-USDT: would be written to the same file as BTC/USDT (BTC-USDT.csv); use a .csv or .parquet --out',
    );
    expect(fake.seen.length).toBe(0);
  });

  it('writes the close alone when asked for raw closes, and the commands then use it', async () => {
    const o = options('yahoo', ['SPY'], { closes: 'raw', from: '2010-01-04', to: '2010-01-04' });
    const r = await fetchPrices(o);
    expect(r.columns).toEqual({ close: "Yahoo's Close: adjusted for splits, not for dividends" });
    expect(readFileSync(o.out, 'utf8')).toBe(
      'date,symbol,open,high,low,close,volume\n2010-01-04,SPY,106.91,107.93,106.05,107.87,1189446\n',
    );
  });

  it('writes a Parquet file that reads as the CSV does', async () => {
    const csv = options('alpaca', ['SPY', 'EWA']);
    await fetchPrices(csv);
    const o = { ...csv, out: join(scratch(), 'prices.parquet') };
    const r = await fetchPrices(o);
    expect(r.files).toEqual([o.out]);
    for (const adjusted of [true, false]) {
      const a = (await readPrices(csv.out, { adjusted })).frame;
      const b = (await readPrices(o.out, { adjusted })).frame;
      expect(b.symbols).toEqual(['SPY', 'EWA']);
      expect(Array.from(b.times)).toEqual(Array.from(a.times));
      for (const s of b.symbols)
        for (const f of ['open', 'high', 'low', 'close', 'volume'] as const)
          expect(Array.from(b.get(s, f))).toEqual(Array.from(a.get(s, f)));
    }
    expect((await readPrices(o.out, { adjusted: false })).frame.get('SPY')[0]).toBe(105.87);
  });

  it('writes a folder of one file per symbol when --out is not a .csv file', async () => {
    const d = scratch();
    const o = options('yahoo', ['SPY', 'EWA'], { out: join(d, 'prices') });
    const r = await fetchPrices(o);
    expect(r.files.map((f) => f.slice(d.length + 1))).toEqual(['prices/SPY.csv', 'prices/EWA.csv']);
    const { frame } = await readPrices(o.out);
    expect(frame.symbols).toEqual(['EWA', 'SPY']);
    expect(frame.get('EWA', 'close')[frame.dates().indexOf('2010-01-04')]).toBe(21.364);
  });
});

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('the cache', () => {
  it('answers a second call without asking the provider, with the same file', async () => {
    const o = options('yahoo', ['SPY', 'EWA']);
    const first = await fetchPrices(o);
    expect([first.fetchedChunks, first.cachedChunks]).toEqual([6, 0]);
    const bytes = readFileSync(o.out, 'utf8');
    const asked = fake.seen.length;
    const out2 = join(scratch(), 'again.csv');
    const second = await fetchPrices({ ...o, out: out2 });
    expect(fake.seen.length).toBe(asked);
    expect([second.fetchedChunks, second.cachedChunks]).toEqual([0, 6]);
    expect(readFileSync(out2, 'utf8')).toBe(bytes);
  });

  it('fetches only the chunks a wider range adds', async () => {
    const o = options('stooq', ['spy.us'], { from: '2010-02-01', to: '2010-05-31' });
    await fetchPrices(o);
    expect(fake.seen.map((s) => [s.query.get('d1'), s.query.get('d2')])).toEqual([['20100101', '20101231']]);
    fake.seen.length = 0;
    const wider = await fetchPrices({ ...o, from: '2009-12-01', to: '2011-01-31' });
    expect(fake.seen.map((s) => [s.query.get('d1'), s.query.get('d2')])).toEqual([
      ['20090101', '20091231'],
      ['20110101', '20111231'],
    ]);
    expect([wider.fetchedChunks, wider.cachedChunks]).toEqual([2, 1]);
  });

  it('resumes an interrupted fetch, and the file equals an uninterrupted one', async () => {
    const whole = options('yahoo', ['SPY', 'EWA']);
    await fetchPrices(whole);
    const o = options('yahoo', ['SPY', 'EWA'], { retry: { retries: 1 } });
    // the provider goes away after four of the six chunks
    fake.failAfter = 4;
    fake.answered = 0;
    fake.seen.length = 0;
    const e = await failure(fetchPrices(o));
    expect([e.code, e.symbol]).toEqual(['provider-down', 'EWA']);
    expect(existsSync(o.out)).toBe(false);
    // the cache holds the four finished chunks, whole, and nothing half-written
    const cached = files(o.cacheDir as string);
    expect(cached.length).toBe(4);
    for (const f of cached) expect(() => JSON.parse(readFileSync(f, 'utf8'))).not.toThrow();
    fake.failAfter = Infinity;
    fake.seen.length = 0;
    const resumed = await fetchPrices(o);
    expect([resumed.fetchedChunks, resumed.cachedChunks]).toEqual([2, 4]);
    expect(fake.seen.length).toBe(2);
    expect(readFileSync(o.out, 'utf8')).toBe(readFileSync(whole.out, 'utf8'));
  });

  it('resumes a fetch stopped by its signal (Ctrl-C) to the same file', async () => {
    const whole = options('stooq', ['spy.us', 'ewa.us']);
    await fetchPrices(whole);
    const controller = new AbortController();
    const o = options('stooq', ['spy.us', 'ewa.us'], {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 4) controller.abort();
      },
    });
    await expect(fetchPrices(o)).rejects.toThrow(/abort/i);
    expect(files(o.cacheDir as string).length).toBe(4);
    const resumed = await fetchPrices({ ...o, signal: new AbortController().signal, onProgress: () => {} });
    expect([resumed.fetchedChunks, resumed.cachedChunks]).toEqual([2, 4]);
    expect(readFileSync(o.out, 'utf8')).toBe(readFileSync(whole.out, 'utf8'));
  });

  it('fetches again a chunk that was damaged, and never reads a stray temporary file', async () => {
    const o = options('stooq', ['spy.us'], { from: '2010-01-01', to: '2010-12-31' });
    await fetchPrices(o);
    const [chunk] = files(o.cacheDir as string);
    const good = readFileSync(o.out, 'utf8');
    writeFileSync(chunk, readFileSync(chunk, 'utf8').slice(0, 100));
    writeFileSync(`${chunk}.123-abcd.tmp`, '{"format":"kalrev-fetch-chunk"');
    fake.seen.length = 0;
    const again = await fetchPrices(o);
    expect([again.fetchedChunks, fake.seen.length]).toEqual([1, 1]);
    expect(readFileSync(o.out, 'utf8')).toBe(good);
  });

  it('fetches again a cached chunk that parses but holds a bad price or no closes', async () => {
    const o = options('stooq', ['spy.us'], { from: '2010-01-01', to: '2010-12-31' });
    await fetchPrices(o);
    const [chunk] = files(o.cacheDir as string);
    const good = readFileSync(o.out, 'utf8');
    const saved = JSON.parse(readFileSync(chunk, 'utf8'));
    for (const damage of [
      (c: { bars: Record<string, unknown[]> }) => (c.bars.close[3] = null),
      (c: { bars: Record<string, unknown[]> }) => delete c.bars.close,
    ]) {
      const c = structuredClone(saved);
      damage(c);
      writeFileSync(chunk, JSON.stringify(c));
      fake.seen.length = 0;
      const again = await fetchPrices(o);
      expect([again.fetchedChunks, again.cachedChunks, fake.seen.length]).toEqual([1, 0, 1]);
      expect(readFileSync(o.out, 'utf8')).toBe(good);
    }
  });

  it('keeps no bar still forming, and fetches the current chunk again once time has passed', async () => {
    const clock = new FetchTestClock(Date.UTC(2010, 5, 15, 18));
    const o = options('yahoo', ['SPY'], { from: '2010-06-01', to: '2010-12-31', clock });
    const early = await fetchPrices(o);
    expect(early.symbols[0].last).toBe('2010-06-14');
    clock.time = Date.UTC(2010, 6, 1, 12);
    fake.seen.length = 0;
    const later = await fetchPrices(o);
    expect(fake.seen.length).toBe(1);
    expect(later.symbols[0].last).toBe('2010-06-30');
  });
});
