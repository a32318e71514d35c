/**
 * The ccxt broker and feed against a local fake exchange (Bybit's V5 API, test/fakes/ccxtExchange.ts,
 * 127.0.0.1 only) that ccxt's `bybit` is pointed at through its URLs: perpetual swaps and spot,
 * partial fills, rejections, cancels, rate limits, an answer lost after the order was taken, a
 * restart between an order and its fill, and `--feed ccxt:bybit:…` end to end. Each run ends with
 * the exchange's positions in the journal, every order sent once, and the journal telling what
 * happened.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PaperConfigInput } from '../../src/app/paper.js';
import { BrokerRefusedError } from '../../src/execution/broker.js';
import type { AssembledBar } from '../../src/live/assembler.js';
import { wideFrame } from '../backtest/load.js';
import { FakeExchange, type FakeExchangeOptions, type OrderPlan } from '../fakes/ccxtExchange.js';
import { kalrev } from '../cli/run.js';
import { FakeClock } from './fakeBroker.js';
import { cleanup, session } from './helpers.js';

afterAll(cleanup);

const KEY = 'ccxtPlantedKey9f3k2m';
const SECRET = 'ccxtPlantedSecret4Lq8Zr2Wn6Xv1Bc5';
const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
const ewc = frame.get('EWC');
const ewa = frame.get('EWA');
const MIN = 60_000;
const T0 = Date.parse('2024-01-02T00:00:00Z');
const PERPS = ['BTC/USDT:USDT', 'ETH/USDT:USDT'];
const SPOT = ['BTC/USDT', 'ETH/USDT'];
const prices = (t: number) => ({ BTCUSDT: { o: ewc[t], c: ewc[t] }, ETHUSDT: { o: ewa[t], c: ewa[t] } });
const barAt = (t: number): AssembledBar => ({
  time: T0 + t * MIN,
  close: Float64Array.of(ewc[t], ewa[t]),
  open: null,
  flatten: false,
  receivedAt: T0 + t * MIN,
});
const config = (symbols: string[]): PaperConfigInput => ({
  preset: 'kalman-pair',
  symbols,
  options: { execution: 'close', capital: 10_000 },
});

const fakes: FakeExchange[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

async function exchange(options: Partial<FakeExchangeOptions> = {}) {
  const fake = await FakeExchange.start({ apiKey: KEY, secret: SECRET, ...options });
  fakes.push(fake);
  return fake;
}

const env = { CCXT_API_KEY: KEY, CCXT_SECRET: SECRET };

function ccxtSession(fake: FakeExchange, symbols: string[], extra: { state?: string; apiKey?: string } = {}) {
  const clock = new FakeClock(T0);
  const delays: number[] = [];
  const s = session(config(symbols), 'stdin', {
    broker: 'ccxt:bybit',
    ...(extra.state ? { state: extra.state } : {}),
    venue: {
      env: { ...env, ...(extra.apiKey ? { CCXT_API_KEY: extra.apiKey } : {}) },
      ccxt: { url: fake.url, throttle: false },
      pause: (ms) => {
        delays.push(ms);
        return clock.elapse(ms);
      },
    },
  });
  return Object.assign(s, { delays });
}

async function step(s: ReturnType<typeof ccxtSession>, fake: FakeExchange, t: number) {
  fake.publishBar(T0 + t * MIN, prices(t));
  await s.runner.processBar(barAt(t));
}

/** The journal's positions are the exchange's (perpetuals, or spot balances less the baseline). */
function expectExchangePositions(s: ReturnType<typeof session>, venue: Map<string, number>) {
  const mine = s.journal.positions();
  for (const [sym, id] of [
    [s.runner.config.symbols[0], 'BTC'],
    [s.runner.config.symbols[1], 'ETH'],
  ])
    expect(mine.get(sym) ?? 0).toBeCloseTo(venue.get(id) ?? 0, 9);
  expect(s.journal.events('halt')).toEqual([]);
}
const perpPositions = (fake: FakeExchange) =>
  new Map([...fake.positions()].map(([id, q]) => [id.replace(/USDT$/, ''), q]));

describe('ccxt broker on a local fake exchange (bybit)', () => {
  it('perpetuals: partial fills, rejections, cancels, rate limits and a lost answer: the journal ends with the exchange positions, no order twice, every step journaled', async () => {
    const plans: OrderPlan[] = [
      'partial',
      'fill',
      { reject: 'ab not enough for new order' },
      'cancel',
      'partial-then-cancel',
    ];
    const fake = await exchange({ plan: (_o, n) => plans[n] ?? 'fill' });
    const s = ccxtSession(fake, PERPS);
    await s.runner.start();
    let lost = false;
    for (let t = 0; t < 260; t++) {
      if (t === 150) fake.rateLimit(2);
      if (!lost && s.journal.count('orders') >= 8) {
        lost = true;
        fake.loseNextOrderAnswer();
      }
      await step(s, fake, t);
    }
    await s.runner.reconcile('end');
    expect(lost).toBe(true);
    expectExchangePositions(s, perpPositions(fake));
    expect([...fake.submits.values()].every((k) => k === 1)).toBe(true);
    const orders = s.journal.orders();
    expect(orders.length).toBeGreaterThan(20);
    const prefix = s.journal.getMeta('venue-client-prefix')!;
    const statuses = fake.statuses();
    const mapped: Record<string, string> = {
      Filled: 'filled',
      Cancelled: 'cancelled',
      PartiallyFilledCanceled: 'cancelled',
      New: 'accepted',
      PartiallyFilled: 'partially-filled',
    };
    for (const o of orders) {
      const at = statuses[`${prefix}-${o.clientId}`];
      expect(o.status).toBe(at === undefined ? 'rejected' : mapped[at]);
    }
    const parts = s.journal.fills().filter((f) => f.clientId === orders[0].clientId);
    expect(parts.map((f) => f.n)).toEqual([0, 1]);
    // the exchange's fee (0.1 % of the fill, in USDT, the settle currency) is the commission
    for (const f of parts) expect(f.commission).toBeCloseTo(Math.abs(f.shares) * f.price * 0.001, 9);
    const rejected = s.journal.events('order-rejected').map((e) => (e.detail as { reason: string }).reason);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toContain('"retCode":110007,"retMsg":"ab not enough for new order"');
    expect(s.journal.events('order-cancelled')).toHaveLength(2);
    expect(s.journal.events('broker-connected')[0].detail).toMatchObject({
      broker: 'ccxt:bybit',
      exchange: 'bybit',
      sandbox: true,
      markets: { 'BTC/USDT:USDT': { type: 'swap', contractSize: 1 } },
      free: { USDT: 100000 },
    });
    // the lost answer: the exchange was unreachable once, probed after the back-off, reconciled
    expect(s.journal.events('broker-disconnected')).toHaveLength(1);
    expect(s.journal.events('broker-reconnected')).toHaveLength(1);
    expect(s.lines.filter((l) => l.event === 'submit-unconfirmed')).toHaveLength(1);
    expect(fake.rateLimited).toBe(2);
    expect(s.lines.filter((l) => l.event === 'venue-rate-limited').map((l) => l.retryInMs)).toEqual([
      250, 500,
    ]);
    s.close();
  }, 120_000);

  it('a restart between an order and its fill: found by its client id, its fill journaled, nothing sent twice', async () => {
    const fake = await exchange();
    const s1 = ccxtSession(fake, PERPS);
    let t = 0;
    while (s1.journal.count('orders') === 0) await step(s1, fake, t++);
    const pending = s1.journal.openOrders();
    expect(pending.length).toBeGreaterThan(0);
    s1.close();
    fake.publishBar(T0 + t * MIN, prices(t));
    const s2 = ccxtSession(fake, PERPS, { state: s1.state });
    await s2.runner.start();
    expect(
      s2.journal
        .orders()
        .filter((o) => pending.some((p) => p.clientId === o.clientId))
        .map((o) => o.status),
    ).toEqual(pending.map(() => 'filled'));
    for (let k = 0; k < 30; k++) await step(s2, fake, ++t);
    await s2.runner.reconcile('end');
    expectExchangePositions(s2, perpPositions(fake));
    expect([...fake.submits.values()].every((k) => k === 1)).toBe(true);
    s2.close();
  }, 120_000);

  it('spot: positions are the coins bought or sold since the journal began; coins held before are its baseline', async () => {
    const fake = await exchange({ wallet: { USDT: 100_000, BTC: 5000, ETH: 5000 } });
    const s = ccxtSession(fake, SPOT);
    for (let t = 0; t < 150; t++) await step(s, fake, t);
    await s.runner.reconcile('end');
    expect(JSON.parse(s.journal.getMeta('venue-spot-baseline')!)).toEqual({ BTC: 5000, ETH: 5000 });
    const wallet = fake.wallet();
    expect(s.journal.count('fills')).toBeGreaterThan(10);
    expectExchangePositions(
      s,
      new Map([
        ['BTC', wallet.get('BTC')! - 5000],
        ['ETH', wallet.get('ETH')! - 5000],
      ]),
    );
    s.close();
  }, 120_000);

  it('a market the exchange does not list, or no balance, is refused at start, journaled', async () => {
    const fake = await exchange({ wallet: { USDT: 0 } });
    const s = ccxtSession(fake, ['BTC/USDT:USDT', 'DOGE/USDT:USDT']);
    const e = (await s.runner.start().catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(BrokerRefusedError);
    expect(e.message).toBe(
      'broker ccxt:bybit refused the run: DOGE/USDT:USDT: no such market at bybit (spot: BASE/QUOTE, perpetual: BASE/QUOTE:SETTLE)',
    );
    s.close();
    const s2 = ccxtSession(fake, PERPS);
    await expect(s2.runner.start()).rejects.toThrow(
      'broker ccxt:bybit refused the run: no USDT to trade with (free balance 0)',
    );
    expect(s2.journal.events('broker-refused')).toHaveLength(1);
    s2.close();
    const s3 = ccxtSession(await exchange(), PERPS, { apiKey: 'notTheKey' });
    await expect(s3.runner.start()).rejects.toThrow(
      /the keys were refused .*API key is invalid.*check CCXT_API_KEY \/ CCXT_SECRET/,
    );
    s3.close();
  });

  it('an exchange ccxt does not know, or missing keys, are refused before anything opens', () => {
    expect(() => session(config(PERPS), 'stdin', { broker: 'ccxt:nosuch', venue: { env } })).toThrow(
      '--broker: ccxt has no exchange "nosuch"',
    );
    expect(() => session(config(PERPS), 'stdin', { broker: 'ccxt:bybit', venue: { env: {} } })).toThrow(
      /^CCXT_API_KEY: not set/,
    );
  });
});

describe('--feed ccxt:EXCHANGE:SYMBOLS', () => {
  it("trades the exchange's closed one-minute candles through the ccxt broker; keys appear in no output", async () => {
    const fake = await exchange();
    const clock = new FakeClock(T0);
    const n = 100;
    let t = 0;
    const abort = new AbortController();
    const s = session(config(PERPS), `ccxt:bybit:${PERPS.join(',')}`, {
      broker: 'ccxt:bybit',
      hooks: {
        afterSubmit: () => {
          t++;
          if (t === n) abort.abort();
          else {
            // the feed's next poll, or the broker's next call, is answered with a rate limit
            if (t === 50) fake.rateLimit(1);
            fake.publishBar(T0 + t * MIN, prices(t));
          }
        },
      },
      venue: {
        env,
        ccxt: { url: fake.url, throttle: false },
        poll: fake.poller(),
        pause: (ms) => clock.elapse(ms),
      },
    });
    fake.publishBar(T0, prices(0));
    const stats = await s.run(abort.signal);
    expect(s.runner.seq).toBe(n);
    expect(stats).toMatchObject({ emitted: n, accepted: 2 * n, rejected: 0 });
    expect(fake.rateLimited).toBe(1);
    expect(s.lines.filter((l) => l.event === 'venue-rate-limited')).toHaveLength(1);
    expect(s.journal.lastBar()?.time).toBe(T0 + (n - 1) * MIN);
    expect(s.journal.count('orders')).toBeGreaterThan(4);
    expectExchangePositions(s, perpPositions(fake));
    s.close();
    const report = await kalrev('report', '--state', s.state, '--out', join(dirname(s.state), 'report'));
    const status = await kalrev('status', '--state', s.state, '--json');
    expect([report.status, status.status]).toEqual([0, 0]);
    const dir = dirname(s.state);
    const written = [
      ...readdirSync(dir)
        .filter((f) => f !== 'report')
        .map((f) => readFileSync(join(dir, f)).toString('latin1')),
      readFileSync(join(dir, 'report', 'report.html'), 'utf8'),
      JSON.stringify(s.lines),
      report.stdout + report.stderr + status.stdout + status.stderr,
    ];
    expect(JSON.stringify(s.lines)).toContain('broker-connected');
    for (const text of written)
      for (const planted of [KEY, SECRET]) expect(text.includes(planted)).toBe(false);
  }, 120_000);
});
