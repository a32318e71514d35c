/**
 * Paper trading through an asynchronous venue (the fake broker, on a fake clock): partial fills,
 * rejections, expiry, latency and a dropped connection each end in a journal that reconciles with the
 * broker, no order is executed twice, and a broker that changed behind the journal's back halts
 * the run with a journaled event.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AssembledBar } from '../../src/live/assembler.js';
import type { PaperConfigInput } from '../../src/app/paper.js';
import { BrokerMismatchError } from '../../src/live/errors.js';
import { Journal } from '../../src/live/journal.js';
import { wideFrame } from '../backtest/load.js';
import { FakeBroker, FakeClock, type FakeBrokerOptions } from './fakeBroker.js';
import { cleanup, session } from './helpers.js';

afterAll(cleanup);

const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
const ewc = frame.get('EWC');
const ewa = frame.get('EWA');
const barAt = (t: number): AssembledBar => ({
  time: frame.times[t],
  close: Float64Array.of(ewc[t], ewa[t]),
  open: null,
  flatten: false,
  receivedAt: frame.times[t],
});
const config = (execution: 'close' | 'next-close' = 'close'): PaperConfigInput => ({
  preset: 'kalman-pair',
  symbols: ['EWC', 'EWA'],
  options: { execution },
});
const DAY = 86_400_000;

/** A session on the fake broker, fed bars [0, n) a day apart; `during(t)` runs before bar t. */
async function trade(
  options: Omit<FakeBrokerOptions, 'clock'>,
  n: number,
  during: (t: number, fake: FakeBroker) => void = () => {},
  state?: string,
) {
  const clock = new FakeClock(frame.times[0]);
  const fake = new FakeBroker({ clock, ...options });
  const s = session(config(), 'stdin', {
    broker: () => fake,
    clock: clock.read,
    ...(state ? { state } : {}),
  });
  for (let t = 0; t < n; t++) {
    during(t, fake);
    await s.runner.processBar(barAt(t));
    await clock.elapse(DAY);
  }
  await s.runner.reconcile('end');
  return { s, fake, clock };
}

/** The journal agrees with the venue: positions to the share, no order open on one side only. */
async function expectReconciled(s: ReturnType<typeof session>, fake: FakeBroker) {
  const positions = s.journal.positions();
  const venue = fake.book();
  for (const sym of ['EWC', 'EWA']) expect(positions.get(sym) ?? 0).toBeCloseTo(venue.get(sym) ?? 0, 9);
  expect(s.journal.openOrders().map((o) => o.clientId)).toEqual(
    (await fake.openOrders()).map((o) => o.order.clientId),
  );
  // every order the venue took, it took once
  expect([...fake.received.values()].every((k) => k === 1)).toBe(true);
  expect(s.journal.events('halt')).toEqual([]);
}

describe('an asynchronous broker', () => {
  it('200 ms latency: orders answered and filled later; the journal reconciles', async () => {
    const { s, fake, clock } = await trade({ latencyMs: 200 }, 200);
    const orders = s.journal.orders();
    expect(orders.length).toBeGreaterThan(20);
    expect(orders.every((o) => o.status === 'filled' && o.filled === o.shares)).toBe(true);
    const fills = s.journal.fills();
    expect(fills).toHaveLength(orders.length);
    // a fill comes one latency after the order reached the venue, which was half a latency after it left
    expect(fills.every((f) => (f.time - frame.times[0]) % DAY > 0)).toBe(true);
    expect(clock.read()).toBeGreaterThan(frame.times[0] + 200 * DAY);
    await expectReconciled(s, fake);
    s.close();
  });

  it('partial fills: each order fills in three parts, journaled as numbered fills', async () => {
    const { s, fake } = await trade({ latencyMs: 50, parts: 3 }, 200);
    const orders = s.journal.orders();
    expect(orders.length).toBeGreaterThan(20);
    const fills = s.journal.fills();
    expect(fills).toHaveLength(3 * orders.length);
    for (const o of orders) {
      const mine = fills.filter((f) => f.clientId === o.clientId);
      expect(mine.map((f) => f.n)).toEqual([0, 1, 2]);
      expect(mine.reduce((q, f) => q + f.shares, 0)).toBeCloseTo(o.shares, 9);
      expect(o.status).toBe('filled');
    }
    await expectReconciled(s, fake);
    s.close();
  });

  it('partial fills still working when the run ends reconcile; cancelled at the venue, journaled', async () => {
    const clock = new FakeClock(frame.times[0]);
    const fake = new FakeBroker({ clock, latencyMs: 1000, parts: 20 });
    const s = session(config(), 'stdin', { broker: () => fake, clock: clock.read });
    // bars a millisecond apart: a twenty-part order takes twenty seconds
    for (let t = 0; t < 400 && s.journal.count('orders') === 0; t++) {
      await s.runner.processBar(barAt(t));
      await clock.elapse(1);
    }
    await clock.elapse(2500);
    await s.runner.reconcile('end');
    const open = s.journal.openOrders();
    expect(open.length).toBeGreaterThan(0);
    expect(
      open.every((o) => o.status === 'partially-filled' && Math.abs(o.filled!) < Math.abs(o.shares)),
    ).toBe(true);
    expect(open.map((o) => o.clientId)).toEqual((await fake.openOrders()).map((o) => o.order.clientId));
    // cancelled at the venue (by hand): the reports say so, the journal follows
    for (const o of open) await fake.cancel(o.clientId);
    await clock.elapse(DAY);
    await s.runner.reconcile('end');
    const cancelled = s.journal.orders().filter((o) => o.status === 'cancelled');
    expect(cancelled.map((o) => o.clientId)).toEqual(open.map((o) => o.clientId));
    expect(s.journal.events('order-cancelled')).toHaveLength(open.length);
    for (const o of cancelled)
      expect(s.journal.fills().filter((f) => f.clientId === o.clientId).length).toBeGreaterThan(0);
    await expectReconciled(s, fake);
    s.close();
  });

  it('rejections: a rejected order is journaled with its reason and an event; positions reconcile', async () => {
    const { s, fake } = await trade(
      { latencyMs: 200, reject: (_o, n) => (n % 4 === 1 ? 'insufficient buying power' : null) },
      200,
    );
    const rejected = s.journal.orders().filter((o) => o.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(5);
    expect(rejected.every((o) => o.reason === 'insufficient buying power' && o.filled === 0)).toBe(true);
    const events = s.journal.events('order-rejected');
    expect(events.map((e) => (e.detail as { clientId: string }).clientId)).toEqual(
      rejected.map((o) => o.clientId),
    );
    expect(s.lines.filter((l) => l.event === 'order-rejected')).toHaveLength(rejected.length);
    // the rejected shares never reached the venue's book, nor the journal's
    await expectReconciled(s, fake);
    s.close();
  });

  it('expiry: an order still working when the venue expires it keeps its fills; journaled, reconciled', async () => {
    // four parts 100 ms apart, expired after 250 ms: two parts fill
    const { s, fake } = await trade({ latencyMs: 100, parts: 4, expireAfterMs: 250 }, 200);
    const orders = s.journal.orders();
    expect(orders.length).toBeGreaterThan(20);
    expect(orders.every((o) => o.status === 'expired' && o.filled === o.shares / 2)).toBe(true);
    expect(s.journal.events('order-expired')).toHaveLength(orders.length);
    expect(s.journal.fills()).toHaveLength(2 * orders.length);
    await expectReconciled(s, fake);
    s.close();
  });

  it('a dropped connection: requests fail, reports are lost, answers in flight are lost; reconciled on reconnect, nothing doubled', async () => {
    const drops = new Set([40, 90, 150]);
    const { s, fake } = await trade({ latencyMs: 200 }, 200, (t, f) => {
      // the connection drops between two bars, for longer than a bar
      if (drops.has(t)) f.drop(1.5 * DAY);
      // and once right after the venue took an order, before its answer came back
      if (t === 120) f.dropAfterOrder(f.received.size, 5_000);
    });
    expect(s.journal.events('broker-disconnected')).toHaveLength(4);
    expect(s.journal.events('broker-reconnected')).toHaveLength(4);
    // the order whose answer was lost is found at the venue; its twin, which never got there, is sent
    expect(s.lines.filter((l) => l.event === 'submit-unconfirmed')).toHaveLength(2);
    expect(s.lines.filter((l) => l.event === 'reconcile-resubmit')).toHaveLength(1);
    expect(fake.lost).toBeGreaterThan(0);
    const orders = s.journal.orders();
    expect(orders.every((o) => o.status === 'filled')).toBe(true);
    expect(s.journal.fills()).toHaveLength(orders.length);
    await expectReconciled(s, fake);
    s.close();
  });

  it('a crash between the journal and the submit: the restart sends the journaled orders, once', async () => {
    const clock = new FakeClock(frame.times[0]);
    const fake = new FakeBroker({ clock, latencyMs: 200 });
    let journal: Journal | null = null;
    let crashed = -1;
    // the process dies right after the first bar past 100 that trades is journaled
    const afterJournal = (seq: number) => {
      if (crashed < 0 && seq > 100 && journal!.count('orders', `WHERE seq = ${seq}`) > 0) {
        crashed = seq;
        throw new Error('crash');
      }
    };
    const s = session(config(), 'stdin', { broker: () => fake, clock: clock.read, hooks: { afterJournal } });
    journal = s.journal;
    let t = 0;
    for (; crashed < 0; t++) {
      await s.runner.processBar(barAt(t)).catch((e: unknown) => {
        if ((e as Error).message !== 'crash') throw e;
      });
      await clock.elapse(DAY);
    }
    const lost = s.journal.openOrders();
    expect(lost.map((o) => [o.seq, o.status])).toEqual([
      [crashed, 'new'],
      [crashed, 'new'],
    ]);
    expect(lost.every((o) => !fake.received.has(o.clientId))).toBe(true);
    s.close();
    fake.detach();
    const again = session(config(), 'stdin', { broker: () => fake, clock: clock.read, state: s.state });
    await again.runner.start();
    expect(again.lines.filter((l) => l.event === 'reconcile-resubmit').map((l) => l.clientId)).toEqual(
      lost.map((o) => o.clientId),
    );
    for (; t < 200; t++) {
      await again.runner.processBar(barAt(t));
      await clock.elapse(DAY);
    }
    await again.runner.reconcile('end');
    expect(again.journal.orders().every((o) => o.status === 'filled')).toBe(true);
    await expectReconciled(again, fake);
    again.close();
  });

  it('a broker changed behind the journal: the next bar halts with a journaled event', async () => {
    const clock = new FakeClock(frame.times[0]);
    const fake = new FakeBroker({ clock, latencyMs: 200 });
    const s = session(config(), 'stdin', { broker: () => fake, clock: clock.read });
    let t = 0;
    for (; t < 100; t++) {
      await s.runner.processBar(barAt(t));
      await clock.elapse(DAY);
    }
    const before = s.journal.positions().get('EWC') ?? 0;
    fake.tamper('EWC', 25);
    const error = await s.runner.processBar(barAt(t)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerMismatchError);
    expect((error as Error).message).toBe(
      `${s.state}: halted: broker "fake" disagrees with the journal (EWC broker ${before + 25} vs journal ${before}); nothing more was traded. Make the account at the broker match the journal's positions and orders (kalrev status --state ${s.state}), then restart; or start a new --state file`,
    );
    expect(s.journal.count('bars')).toBe(100);
    const [halt] = s.journal.events('halt');
    expect(halt.detail).toEqual({
      reason: 'broker-mismatch',
      when: 'bar',
      broker: 'fake',
      positions: [{ symbol: 'EWC', journal: before, broker: before + 25 }],
      brokerOnly: [],
      journalOnly: [],
    });
    expect(s.runner.stopped).toBe(true);
    expect(await s.runner.processBar(barAt(t + 1))).toBeNull();
    s.close();
    // a restart on the same venue halts at start, before any bar
    const again = session(config(), 'stdin', { broker: () => fake, clock: clock.read, state: s.state });
    await expect(again.runner.start()).rejects.toBeInstanceOf(BrokerMismatchError);
    const j = new Journal(s.state, { readonly: true });
    expect(j.events('halt').map((e) => (e.detail as { when: string }).when)).toEqual(['bar', 'start']);
    j.close();
    again.close();
  });

  it('an order open at the broker that the journal does not know halts', async () => {
    const clock = new FakeClock(frame.times[0]);
    // orders that never fill: the stray one stays open
    const fake = new FakeBroker({ clock, latencyMs: 200, parts: 0 });
    const s = session(config(), 'stdin', { broker: () => fake, clock: clock.read });
    await s.runner.processBar(barAt(0));
    await fake.submit({ clientId: 'by-hand', symbol: 'EWA', leg: 1, shares: 10, time: frame.times[0] });
    await expect(s.runner.processBar(barAt(1))).rejects.toThrow(
      /\(orders open at the broker only: by-hand\)/,
    );
    expect(s.journal.events('halt')[0].detail).toMatchObject({ brokerOnly: ['by-hand'], positions: [] });
    s.close();
  });
});
