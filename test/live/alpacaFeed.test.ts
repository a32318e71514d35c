/**
 * `--feed alpaca:SYMBOLS`: bars from the local fake's market-data stream (auth, subscribe, `b`
 * messages), validated as every feed's, traded through the Alpaca broker end to end; a dropped
 * stream reconnects after the back-off (on a fake clock); refused keys end the feed with an error
 * naming it. And the settings: keys and endpoints from the environment, the live endpoint only
 * with --live.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PaperConfigInput } from '../../src/app/paper.js';
import { LiveConfigError } from '../../src/live/errors.js';
import { VenueFeedError } from '../../src/live/venues/alpacaFeed.js';
import { resolveAlpacaSettings } from '../../src/live/venues/alpacaSettings.js';
import { wideFrame } from '../backtest/load.js';
import { FakeAlpaca } from '../fakes/alpacaTrading.js';
import { FakeClock } from './fakeBroker.js';
import { cleanup, session } from './helpers.js';

afterAll(cleanup);

const KEY = 'PKFEEDKEY000000002';
const SECRET = 'feed-secret-000000000000000000000000002';
const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
const ewc = frame.get('EWC');
const ewa = frame.get('EWA');
const iso = (t: number) => new Date(frame.times[t]).toISOString();
const config: PaperConfigInput = {
  preset: 'kalman-pair',
  symbols: ['EWC', 'EWA'],
  options: { execution: 'close' },
};

const fakes: FakeAlpaca[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

describe('--feed alpaca:SYMBOLS', () => {
  it('trades bars from the market-data stream through the Alpaca broker; a bad bar is rejected, a dropped stream reconnects after the back-off, nothing is lost', async () => {
    const fake = await FakeAlpaca.start({ keyId: KEY, secretKey: SECRET });
    fakes.push(fake);
    const clock = new FakeClock(0);
    const delays: number[] = [];
    const n = 120;
    let t = 0;
    const abort = new AbortController();
    const publish = () =>
      fake.publishBar(iso(t), { EWC: { o: ewc[t], c: ewc[t] }, EWA: { o: ewa[t], c: ewa[t] } });
    const next = () => {
      t++;
      if (t === n) abort.abort();
      else if (t === 30) {
        // a malformed bar on the stream, then the real one
        fake.sendBars([{ T: 'b', S: 'EWC', o: -1, h: 1, l: 1, c: -1, v: 1, t: iso(t) }]);
        publish();
      } else if (t === 60)
        void (async () => {
          const back = fake.whenSubscribed();
          fake.dropDataStream();
          await back;
          publish();
        })();
      else publish();
    };
    const s = session(config, 'alpaca:EWC,EWA', {
      broker: 'alpaca',
      hooks: { afterSubmit: next },
      venue: {
        env: {
          APCA_API_KEY_ID: KEY,
          APCA_API_SECRET_KEY: SECRET,
          APCA_API_BASE_URL: fake.url,
          APCA_API_STREAM_URL: fake.streamUrl,
        },
        pause: (ms) => {
          delays.push(ms);
          return clock.elapse(ms);
        },
      },
    });
    const running = s.run(abort.signal);
    await fake.whenSubscribed();
    publish();
    const stats = await running;
    expect(s.runner.seq).toBe(n);
    expect(stats).toMatchObject({ emitted: n, accepted: 2 * n, rejected: 1 });
    expect(s.lines.filter((l) => l.event === 'feed-disconnected').map((l) => l.retryInMs)).toEqual([250]);
    expect(delays).toEqual([250]);
    const mine = s.journal.positions();
    const theirs = fake.positions();
    expect(s.journal.count('orders')).toBeGreaterThan(4);
    for (const sym of ['EWC', 'EWA']) expect(mine.get(sym) ?? 0).toBeCloseTo(theirs.get(sym) ?? 0, 9);
    expect([...fake.submits.values()].every((k) => k === 1)).toBe(true);
    expect(s.journal.events('halt')).toEqual([]);
    // the journal's bars are the stream's, at Alpaca's stamps
    expect(s.journal.lastBar()?.time).toBe(frame.times[n - 1]);
    s.close();
  }, 120_000);

  it('keys the market-data stream refuses end the feed with an error naming it, without the key', async () => {
    const fake = await FakeAlpaca.start({ keyId: KEY, secretKey: SECRET });
    fakes.push(fake);
    const s = session(config, 'alpaca:EWC,EWA', {
      broker: 'paper',
      venue: {
        env: {
          APCA_API_KEY_ID: 'PKNOTTHEKEY',
          APCA_API_SECRET_KEY: SECRET,
          APCA_API_STREAM_URL: fake.streamUrl,
        },
      },
    });
    const e = (await s.run().catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(VenueFeedError);
    expect(e.message).toBe('--feed alpaca:EWC,EWA: the keys were refused (Alpaca stream error 402)');
    s.close();
  });

  it("a CSV replay is refused with a real broker: its orders would fill at today's prices", () => {
    expect(() =>
      session(config, 'csv:data/ewa_ewc.csv', {
        broker: 'alpaca',
        venue: { env: { APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: SECRET } },
      }),
    ).toThrow(/^--feed: a CSV replay is history, and broker alpaca would fill its orders at today's prices/);
  });

  it('a feed that does not carry a strategy symbol is refused before anything opens', () => {
    expect(() =>
      session(config, 'alpaca:EWC,SPY', {
        venue: { env: { APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: SECRET } },
      }),
    ).toThrow('--feed: alpaca:EWC,SPY does not subscribe to "EWA" (the strategy trades EWC, EWA)');
  });
});

describe('Alpaca settings', () => {
  const env = { APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: SECRET };
  it('the paper endpoint by default; its stream at /stream; market data at /v2/iex', () => {
    expect(resolveAlpacaSettings(env)).toEqual({
      keyId: KEY,
      secretKey: SECRET,
      baseUrl: 'https://paper-api.alpaca.markets',
      tradingStreamUrl: 'wss://paper-api.alpaca.markets/stream',
      dataStreamUrl: 'wss://stream.data.alpaca.markets/v2/iex',
      live: false,
    });
  });
  it('the live endpoint only with --live; a base URL naming it without the flag is refused', () => {
    expect(resolveAlpacaSettings(env, { live: true }).baseUrl).toBe('https://api.alpaca.markets');
    expect(() => resolveAlpacaSettings({ ...env, APCA_API_BASE_URL: 'https://api.alpaca.markets' })).toThrow(
      new LiveConfigError(
        '--live',
        "APCA_API_BASE_URL names Alpaca's live endpoint (api.alpaca.markets); trading real money needs the explicit --live flag",
      ),
    );
  });
  it('flags override the environment; ws:// is accepted for a local server, the feed appended once', () => {
    const s = resolveAlpacaSettings(
      {
        ...env,
        APCA_API_BASE_URL: 'https://paper-api.alpaca.markets/v2',
        APCA_API_STREAM_URL: 'ws://127.0.0.1:9000/',
      },
      { dataFeed: 'sip', baseUrl: 'http://127.0.0.1:8000' },
    );
    expect([s.baseUrl, s.tradingStreamUrl, s.dataStreamUrl]).toEqual([
      'http://127.0.0.1:8000',
      'ws://127.0.0.1:8000/stream',
      'ws://127.0.0.1:9000/v2/sip',
    ]);
    expect(
      resolveAlpacaSettings({ ...env, APCA_API_BASE_URL: 'https://paper-api.alpaca.markets/v2' }).baseUrl,
    ).toBe('https://paper-api.alpaca.markets');
  });
  it('a missing key or a bad URL names the variable or flag', () => {
    expect(() => resolveAlpacaSettings({ APCA_API_KEY_ID: KEY })).toThrow(/^APCA_API_SECRET_KEY: not set/);
    expect(() => resolveAlpacaSettings(env, { streamUrl: 'https://x' })).toThrow(
      '--alpaca-stream-url: expected a ws:// or wss:// URL, got "https://…"',
    );
    expect(() => resolveAlpacaSettings({ ...env, APCA_API_BASE_URL: 'paper' })).toThrow(
      'APCA_API_BASE_URL: not a URL: "paper"',
    );
  });
});
