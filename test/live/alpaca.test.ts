/**
 * The Alpaca broker against a local fake of Alpaca's Trading API (test/fakes/alpacaTrading.ts,
 * 127.0.0.1 only): accepted, partly filled, rejected and cancelled orders, 429 answers, a
 * trade stream that drops, an answer lost after the venue took the order, and a restart between
 * an order and its fill. Each run ends with the venue's positions in the journal, every order
 * sent once, and the journal's events telling what happened.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PaperConfigInput } from '../../src/app/paper.js';
import { BrokerRefusedError } from '../../src/execution/broker.js';
import type { AssembledBar } from '../../src/live/assembler.js';
import { Journal } from '../../src/live/journal.js';
import { wideFrame } from '../backtest/load.js';
import { FakeAlpaca, type OrderPlan } from '../fakes/alpacaTrading.js';
import { FakeClock } from './fakeBroker.js';
import { cleanup, session } from './helpers.js';

afterAll(cleanup);

const KEY = 'PKTESTKEY0000000001';
const SECRET = 'test-secret-0000000000000000000000000001';
const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
const ewc = frame.get('EWC');
const ewa = frame.get('EWA');
const iso = (t: number) => new Date(frame.times[t]).toISOString();
const barAt = (t: number): AssembledBar => ({
  time: frame.times[t],
  close: Float64Array.of(ewc[t], ewa[t]),
  open: null,
  flatten: false,
  receivedAt: frame.times[t],
});
const config: PaperConfigInput = {
  preset: 'kalman-pair',
  symbols: ['EWC', 'EWA'],
  options: { execution: 'close' },
};

const fakes: FakeAlpaca[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

async function venue(
  options: Partial<ConstructorParameters<typeof Object>[0]> & {
    plan?: (o: { symbol: string; qty: number; side: string }, n: number) => OrderPlan;
    assets?: Record<string, Record<string, unknown> | null>;
    account?: Record<string, unknown>;
  } = {},
) {
  const fake = await FakeAlpaca.start({ keyId: KEY, secretKey: SECRET, ...options });
  fakes.push(fake);
  return fake;
}

/** A session on the fake Alpaca, its pauses on a fake clock (whose requested delays are kept). */
function alpacaSession(fake: FakeAlpaca, extra: { state?: string; keyId?: string } = {}) {
  const clock = new FakeClock(frame.times[0]);
  const delays: number[] = [];
  const s = session(config, 'stdin', {
    broker: 'alpaca',
    ...(extra.state ? { state: extra.state } : {}),
    venue: {
      env: { APCA_API_KEY_ID: extra.keyId ?? KEY, APCA_API_SECRET_KEY: SECRET, APCA_API_BASE_URL: fake.url },
      pause: (ms) => {
        delays.push(ms);
        return clock.elapse(ms);
      },
    },
  });
  return Object.assign(s, { delays });
}

/** The venue sees bar t (filling what works), then the engine processes it. */
async function step(s: ReturnType<typeof alpacaSession>, fake: FakeAlpaca, t: number) {
  fake.publishBar(iso(t), { EWC: { o: ewc[t], c: ewc[t] }, EWA: { o: ewa[t], c: ewa[t] } });
  await s.runner.processBar(barAt(t));
}

function expectVenuePositions(s: ReturnType<typeof alpacaSession>, fake: FakeAlpaca) {
  const mine = s.journal.positions();
  const theirs = fake.positions();
  for (const sym of ['EWC', 'EWA']) expect(mine.get(sym) ?? 0).toBeCloseTo(theirs.get(sym) ?? 0, 9);
  expect([...fake.submits.values()].every((k) => k === 1)).toBe(true);
  expect(s.journal.events('halt')).toEqual([]);
}

describe('Alpaca broker on a local fake of the Trading API', () => {
  it('partial fills, rejections (at submit and later), venue cancels, 429s and a dropped trade stream: the journal ends with the venue positions, no order twice, every step journaled', async () => {
    const plans: OrderPlan[] = [
      'partial',
      'fill',
      { reject: 'insufficient buying power' },
      'cancel',
      'reject-later',
      'partial-then-cancel',
    ];
    const fake = await venue({ plan: (_o, n) => plans[n] ?? 'fill' });
    const s = alpacaSession(fake);
    await s.runner.start();
    let dropped = false;
    for (let t = 0; t < 260; t++) {
      if (t === 150) fake.rateLimit(3);
      if (!dropped && s.journal.count('orders') >= 8) {
        // the trade stream drops; fills of this bar are reported to nobody
        dropped = true;
        const back = fake.whenListening();
        fake.dropTradingStream();
        fake.publishBar(iso(t), { EWC: { o: ewc[t], c: ewc[t] }, EWA: { o: ewa[t], c: ewa[t] } });
        await back;
        await s.runner.processBar(barAt(t));
        continue;
      }
      await step(s, fake, t);
    }
    await s.runner.reconcile('end');
    expect(dropped).toBe(true);
    expectVenuePositions(s, fake);
    const orders = s.journal.orders();
    expect(orders.length).toBeGreaterThan(20);
    // each order's journaled status is the venue's
    const venueStatus = fake.statuses();
    const mapped: Record<string, string> = {
      filled: 'filled',
      canceled: 'cancelled',
      rejected: 'rejected',
      accepted: 'accepted',
      partially_filled: 'partially-filled',
    };
    const prefix = s.journal.getMeta('venue-client-prefix')!;
    for (const o of orders) {
      const at = venueStatus[`${prefix}-${o.clientId}`];
      expect(o.status).toBe(at === undefined ? 'rejected' : mapped[at]);
    }
    // the first order filled in two parts, journaled as numbered fills adding up to it
    const first = orders.find((o) => o.clientId === orders[0].clientId)!;
    const parts = s.journal.fills().filter((f) => f.clientId === first.clientId);
    expect(parts.map((f) => f.n)).toEqual([0, 1]);
    expect(parts[0].shares + parts[1].shares).toBeCloseTo(first.shares, 9);
    // rejected at submit (403) and by the venue later; cancelled whole and after a partial fill
    const rejected = s.journal.events('order-rejected').map((e) => (e.detail as { reason: string }).reason);
    expect(rejected).toEqual(['insufficient buying power', 'rejected by Alpaca']);
    const cancelled = s.journal
      .events('order-cancelled')
      .map((e) => e.detail as { filled: number; shares: number });
    expect(cancelled).toHaveLength(2);
    expect(cancelled[0].filled).toBe(0);
    expect(Math.abs(cancelled[1].filled)).toBeGreaterThan(0);
    expect(Math.abs(cancelled[1].filled)).toBeLessThan(Math.abs(cancelled[1].shares));
    // connection events, the account check and the 429s
    expect(s.journal.events('broker-connected')[0].detail).toMatchObject({
      broker: 'alpaca',
      live: false,
      account: { status: 'ACTIVE', buyingPower: 100000, shortingEnabled: true },
      assets: { EWC: { shortable: true, easyToBorrow: true }, EWA: { tradable: true } },
    });
    expect(s.journal.events('broker-disconnected')).toHaveLength(1);
    expect(s.journal.events('broker-reconnected')).toHaveLength(1);
    expect(fake.rateLimited).toBe(3);
    const limited = s.lines.filter((l) => l.event === 'venue-rate-limited');
    expect(limited.map((l) => l.retryInMs)).toEqual([1000, 1000, 1000]);
    expect(fake.tradingConnections).toBe(2);
    s.close();
  }, 120_000);

  it('a restart between an order and its fill: the order is found by its client id, its fill journaled, nothing sent twice', async () => {
    const fake = await venue();
    const s1 = alpacaSession(fake);
    let t = 0;
    while (s1.journal.count('orders') === 0) await step(s1, fake, t++);
    const pending = s1.journal.openOrders();
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((o) => o.status === 'accepted')).toBe(true);
    // the engine stops; the venue fills the orders while it is away
    s1.close();
    fake.publishBar(iso(t), { EWC: { o: ewc[t], c: ewc[t] }, EWA: { o: ewa[t], c: ewa[t] } });
    const s2 = alpacaSession(fake, { state: s1.state });
    await s2.runner.start();
    const after = s2.journal.orders().filter((o) => pending.some((p) => p.clientId === o.clientId));
    expect(after.map((o) => o.status)).toEqual(pending.map(() => 'filled'));
    expectVenuePositions(s2, fake);
    for (let k = 0; k < 40; k++) await step(s2, fake, ++t);
    await s2.runner.reconcile('end');
    expectVenuePositions(s2, fake);
    expect(s2.journal.events('broker-connected')).toHaveLength(2);
    s2.close();
  }, 120_000);

  it('the trade stream drops while orders work: on reconnection the journal takes the fills it missed, before the next bar', async () => {
    const fake = await venue();
    const s = alpacaSession(fake);
    let t = 0;
    while (s.journal.count('orders') === 0) await step(s, fake, t++);
    const working = s.journal.openOrders();
    expect(working.length).toBeGreaterThan(0);
    const reconnected = new Promise<void>((resolve) =>
      s.broker.onConnection!((e) => {
        if (e === 'reconnected') resolve();
      }),
    );
    fake.dropTradingStream();
    fake.publishBar(iso(t), { EWC: { o: ewc[t], c: ewc[t] }, EWA: { o: ewa[t], c: ewa[t] } });
    await reconnected;
    await s.runner.reconciling;
    expect(s.journal.openOrders()).toEqual([]);
    expect(s.journal.count('fills')).toBe(working.length);
    expectVenuePositions(s, fake);
    expect(
      s.journal
        .events()
        .map((e) => e.kind)
        .slice(-2),
    ).toEqual(['broker-disconnected', 'broker-reconnected']);
    expect(s.journal.count('bars')).toBe(t);
    s.close();
  });

  it('an answer lost after the venue took the order: looked up by client id at the next bar, not sent again', async () => {
    const fake = await venue();
    const s = alpacaSession(fake);
    let t = 0;
    await s.runner.start();
    fake.loseNextOrderAnswer();
    while (s.journal.count('orders') === 0) await step(s, fake, t++);
    expect(s.lines.filter((l) => l.event === 'submit-unconfirmed')).toHaveLength(1);
    for (let k = 0; k < 30; k++) await step(s, fake, t++);
    await s.runner.reconcile('end');
    expectVenuePositions(s, fake);
    s.close();
  }, 120_000);

  it('a restart after the journal but before the orders left: they are sent once, under their journaled ids', async () => {
    const fake = await venue();
    const s1 = alpacaSession(fake);
    let t = 0;
    const crash = new Error('crash');
    s1.runner.hooks.afterJournal = () => {
      if (s1.journal.count('orders') > 0) throw crash;
    };
    await expect(
      (async () => {
        for (;;) await step(s1, fake, t++);
      })(),
    ).rejects.toBe(crash);
    const journaled = s1.journal.openOrders().map((o) => o.clientId);
    expect(journaled.length).toBeGreaterThan(0);
    expect(fake.submits.size).toBe(0);
    s1.close();
    const s2 = alpacaSession(fake, { state: s1.state });
    await s2.runner.start();
    const prefix = s2.journal.getMeta('venue-client-prefix')!;
    expect([...fake.submits.keys()]).toEqual(journaled.map((id) => `${prefix}-${id}`));
    expect(s2.lines.filter((l) => l.event === 'reconcile-resubmit')).toHaveLength(journaled.length);
    for (let k = 0; k < 5; k++) await step(s2, fake, t++);
    expectVenuePositions(s2, fake);
    s2.close();
  }, 120_000);

  it('a position changed at the venue behind the journal: halted with a journaled event', async () => {
    const fake = await venue();
    const s = alpacaSession(fake);
    await s.runner.start();
    fake.tamper('EWC', 7);
    await expect(step(s, fake, 0)).rejects.toThrow(
      'halted: broker "alpaca" disagrees with the journal (EWC broker 7 vs journal 0)',
    );
    expect(s.journal.events('halt')[0].detail).toMatchObject({ when: 'bar', broker: 'alpaca' });
    s.close();
  });

  it('an account that cannot trade the pair is refused at start, journaled and shown', async () => {
    const fake = await venue({
      assets: { EWA: { easy_to_borrow: false }, EWC: null },
      account: { shorting_enabled: true },
    });
    const s = alpacaSession(fake);
    const e = await s.runner.start().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BrokerRefusedError);
    expect((e as Error).message).toBe(
      'broker alpaca refused the run: EWC: no such asset at Alpaca; EWA is hard to borrow',
    );
    expect(s.journal.events('broker-refused').map((x) => x.detail)).toEqual([
      { broker: 'alpaca', reason: 'EWC: no such asset at Alpaca; EWA is hard to borrow' },
    ]);
    expect(s.lines.find((l) => l.event === 'broker-refused')?.level).toBe(50);
    expect(fake.submits.size).toBe(0);
    s.close();
    const blocked = await venue({ account: { trading_blocked: true, buying_power: '0' } });
    const s2 = alpacaSession(blocked);
    await expect(s2.runner.start()).rejects.toThrow(
      'broker alpaca refused the run: trading is blocked on the account; no buying power (0)',
    );
    s2.close();
  });

  it('keys the venue does not accept are a refusal naming the variables, never showing the key', async () => {
    const fake = await venue();
    const s = alpacaSession(fake, { keyId: 'PKWRONGKEY99' });
    const e = (await s.runner.start().catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(BrokerRefusedError);
    expect(e.message).toContain(
      'the keys were refused (HTTP 401: request is not authorized); check APCA_API_KEY_ID / APCA_API_SECRET_KEY',
    );
    expect(e.message).not.toContain('PKWRONGKEY99');
    const j = new Journal(s.state, { readonly: true });
    expect(j.events('broker-refused')).toHaveLength(1);
    j.close();
    s.close();
  });
});
