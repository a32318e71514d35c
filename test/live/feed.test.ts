/** Bad feed input: never crashes the runner, never trades on it, and is logged with its reason. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { BarAssembler, parseFeedBar } from '../../src/live/assembler.js';
import { FeedError } from '../../src/live/errors.js';
import { cleanup, captureLogger, session, tempDir } from './helpers.js';

afterAll(cleanup);

const pairing = { timeoutMs: 1000, maxFutureMs: 86_400_000, missingLeg: 'skip' as const };
const bar = (day: number, symbol: string, close: number | string) => ({
  time: `2024-01-${String(day).padStart(2, '0')}`,
  symbol,
  close,
});
const ndjson = (items: unknown[]) =>
  Readable.from(items.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)) + '\n'));

describe('feed validation', () => {
  it('parseFeedBar names the source, line and field', () => {
    expect(() => parseFeedBar({ time: '2024-01-02', symbol: 'A', close: 'abc' }, 'stdin', 7)).toThrow(
      'stdin:7: close is not a number: "abc"',
    );
    expect(() => parseFeedBar({ time: '2024-01-02', symbol: 'A', close: -3 }, 'stdin', 8)).toThrow(
      'stdin:8: close must be a positive finite price, got -3',
    );
    expect(() => parseFeedBar({ time: '2024-02-30', symbol: 'A', close: 3 }, 'ws://x', 2)).toThrow(FeedError);
    expect(() => parseFeedBar({ symbol: 'A', close: 3 }, 'stdin', 1)).toThrow('stdin:1: missing "time"');
    expect(parseFeedBar({ time: 1_700_000_000_000, symbol: 'A', close: '3.5', open: 3 }, 's', 1)).toEqual({
      time: 1_700_000_000_000,
      symbol: 'A',
      close: 3.5,
      open: 3,
    });
  });

  it('duplicates are ignored (idempotent), out-of-order bars rejected and logged', () => {
    const { logger, lines } = captureLogger();
    const a = new BarAssembler(['A', 'B'], pairing, logger);
    const push = (d: number, s: string, c: number, line: number) =>
      a.push({ source: 'stdin', line, data: bar(d, s, c) });
    expect(push(2, 'A', 10, 1)).toEqual([]);
    expect(push(2, 'A', 11, 2)).toEqual([]); // duplicate: the first is kept
    const [b2] = push(2, 'B', 20, 3);
    expect(Array.from(b2.close)).toEqual([10, 20]);
    expect(push(2, 'B', 20, 4)).toEqual([]); // duplicate after emission
    expect(push(1, 'A', 9, 5)).toEqual([]); // older than A's last: out of order
    expect(a.stats).toMatchObject({ duplicates: 2, outOfOrder: 1, emitted: 1 });
    const ooo = lines.filter((l) => l.event === 'feed-out-of-order');
    expect(ooo).toHaveLength(1);
    expect(ooo[0]).toMatchObject({ level: 40, source: 'stdin', line: 5, symbol: 'A' });
    expect(ooo[0].msg).toBe(
      'stdin:5: A bar at 2024-01-01T00:00:00.000Z arrived after 2024-01-02T00:00:00.000Z; rejected',
    );
    expect(lines.filter((l) => l.event === 'feed-duplicate')).toHaveLength(2);
  });

  it('an incomplete bar is dropped when a later one completes (skip) or flattens the next (flatten), and on timeout', () => {
    const { logger, lines } = captureLogger();
    const t0 = Date.UTC(2024, 0, 10);
    let now = t0;
    const a = new BarAssembler(
      ['A', 'B'],
      { timeoutMs: 1000, maxFutureMs: 86_400_000, missingLeg: 'flatten' },
      logger,
      -Infinity,
      () => now,
    );
    a.push({ source: 's', line: 1, data: bar(2, 'A', 10) });
    a.push({ source: 's', line: 2, data: bar(3, 'A', 11) });
    const [b3] = a.push({ source: 's', line: 3, data: bar(3, 'B', 21) });
    expect(b3.time).toBe(Date.UTC(2024, 0, 3));
    expect(b3.flatten).toBe(true);
    expect(lines.find((l) => l.event === 'leg-missing')).toMatchObject({ missing: ['B'], policy: 'flatten' });
    // the late leg of the dropped bar is out of order now
    expect(a.push({ source: 's', line: 4, data: bar(2, 'B', 20) })).toEqual([]);
    expect(a.stats.outOfOrder).toBe(1);
    a.push({ source: 's', line: 5, data: bar(4, 'A', 12) });
    now = t0 + 999;
    a.tick();
    expect(a.waiting).toBe(1);
    now = t0 + 1000;
    a.tick();
    expect(a.waiting).toBe(0);
    expect(a.stats.droppedIncomplete).toBe(2);
  });

  it('the runner never crashes or trades on malformed lines, NaN, non-positive prices, duplicates or out-of-order bars', async () => {
    // a clean series of 40 days for two legs, with bad lines interleaved
    const good: unknown[] = [];
    for (let d = 1; d <= 28; d++) {
      const x = 50 + 5 * Math.sin(d / 2);
      good.push(bar(d, 'X', x), bar(d, 'Y', 2 * x + (d % 3) - 1));
    }
    const bad = [
      'this is not json',
      '{"time": "2024-01-05", "symbol": "Y", "close": "NaN"}',
      JSON.stringify(bar(6, 'X', 0)),
      JSON.stringify(bar(7, 'Y', -12)),
      JSON.stringify({ time: 'yesterday', symbol: 'X', close: 5 }),
      JSON.stringify({ time: '2024-01-08', close: 5 }),
    ];
    const items: unknown[] = [];
    good.forEach((g, k) => {
      items.push(g);
      if (k === 9) items.push(bad[0], bad[1]); // day 5
      if (k === 11) items.push(bad[2]); // day 6
      if (k === 13) items.push(bad[3], bad[4], bad[5]);
      if (k === 20) items.push(good[20], good[4]); // a duplicate and an out-of-order bar
    });
    const cfg = { preset: 'kalman-pair', symbols: ['Y', 'X'], options: { execution: 'close' as const } };
    const s = session(cfg, 'stdin', { stdin: ndjson(items) });
    await s.run();
    const ref = session(cfg, 'stdin', { stdin: ndjson(good) });
    await ref.run();
    // exactly the clean run: same bars, same targets, same fills
    expect([...s.journal.bars()].map((b) => [b.time, b.target, b.equity])).toEqual(
      [...ref.journal.bars()].map((b) => [b.time, b.target, b.equity]),
    );
    expect(s.journal.fills()).toEqual(ref.journal.fills());
    expect(s.journal.count('bars')).toBe(28);
    const events = (e: string) => s.lines.filter((l) => l.event === e);
    expect(events('feed-malformed').map((l) => [l.line, l.reason])).toEqual([
      [11, expect.stringContaining('not JSON')],
      [19, 'time must be epoch ms or an ISO date/timestamp with a zone, got "yesterday"'],
      [20, 'missing "symbol" (a string), got undefined'],
    ]);
    expect(events('feed-rejected').map((l) => [l.line, l.reason])).toEqual([
      [12, 'close is not a number: "NaN"'],
      [15, 'close must be a positive finite price, got 0'],
      [18, 'close must be a positive finite price, got -12'],
    ]);
    expect(events('feed-out-of-order')).toHaveLength(1);
    expect(events('feed-duplicate')).toHaveLength(1);
    s.close();
    ref.close();
  });

  it('an implausible time (1e20, the year 65,000, days ahead of the clock) is malformed: logged, skipped, the run carries on', async () => {
    const good: unknown[] = [];
    for (let d = 1; d <= 28; d++) {
      const x = 50 + 5 * Math.sin(d / 2);
      good.push(bar(d, 'X', x), bar(d, 'Y', 2 * x + (d % 3) - 1));
    }
    const bad = [
      { time: 1e20, symbol: 'X', close: 50 },
      { time: Date.UTC(65_000, 0, 1), symbol: 'X', close: 50 },
      { time: Date.UTC(65_000, 0, 1), symbol: 'Y', close: 100 },
      { time: '2024-02-03', symbol: 'Y', close: 100 }, // two days ahead of the clock below
    ];
    const items = [...good.slice(0, 10), ...bad, ...good.slice(10)];
    const cfg = { preset: 'kalman-pair', symbols: ['Y', 'X'], options: { execution: 'close' as const } };
    // the feed's clock: the morning after the last bar
    const clock = () => Date.UTC(2024, 1, 1);
    const s = session(cfg, 'stdin', { stdin: ndjson(items), clock });
    const stats = await s.run();
    const ref = session(cfg, 'stdin', { stdin: ndjson(good), clock });
    await ref.run();
    expect([...s.journal.bars()].map((b) => [b.time, b.target, b.equity])).toEqual(
      [...ref.journal.bars()].map((b) => [b.time, b.target, b.equity]),
    );
    expect(s.journal.count('bars')).toBe(28);
    expect(stats).toMatchObject({ malformed: 4, outOfOrder: 0, emitted: 28 });
    const malformed = s.lines.filter((l) => l.event === 'feed-malformed');
    expect(malformed.map((l) => [l.line, l.code])).toEqual([
      [11, 'bad-time'],
      [12, 'bad-time'],
      [13, 'bad-time'],
      [14, 'bad-time'],
    ]);
    expect(malformed[0].reason).toBe('time 100000000000000000000 is not a date (out of range)');
    expect(malformed[1].reason).toBe(
      'X bar at +065000-01-01T00:00:00.000Z is more than 86400000 ms ahead of the clock (2024-02-01T00:00:00.000Z): implausible time',
    );
    expect(malformed[3].reason).toContain('Y bar at 2024-02-03T00:00:00.000Z is more than');
    s.close();
    ref.close();
  });

  it("a stream that never carries one of the strategy's symbols is warned about when it ends", async () => {
    const items = [1, 2, 3].map((d) => bar(d, 'X', 50 + d));
    const cfg = { preset: 'kalman-pair', symbols: ['Y', 'X'], options: { execution: 'close' as const } };
    const s = session(cfg, 'stdin', { stdin: ndjson(items), clock: () => Date.UTC(2024, 1, 1) });
    await s.run();
    const warn = s.lines.filter((l) => l.event === 'feed-symbol-missing');
    expect(warn).toHaveLength(1);
    expect(warn[0]).toMatchObject({ level: 40, missing: ['Y'], feed: 'stdin' });
    expect(s.journal.count('bars')).toBe(0);
    s.close();
    // a stream that runs on: said once, the first time a bar is dropped for the symbol
    const { logger, lines } = captureLogger();
    let now = Date.UTC(2024, 1, 1);
    const a = new BarAssembler(['Y', 'X'], pairing, logger, -Infinity, () => now);
    for (const d of [1, 2, 3]) {
      a.push({ source: 'ws://127.0.0.1/bars', line: d, data: bar(d, 'X', 50 + d) });
      now += 1000;
      a.tick();
    }
    expect(a.stats.droppedIncomplete).toBe(3);
    expect(lines.filter((l) => l.event === 'feed-symbol-missing')).toEqual([
      expect.objectContaining({
        level: 40,
        missing: ['Y'],
        msg: 'no bar for Y has come from the feed yet: check that it carries it',
      }),
    ]);
  });

  it('a paced replay pauses only on bars not yet journaled: a restart runs through the journaled ones', async () => {
    const full = readFileSync('data/ewa_ewc.csv', 'utf8').trim().split('\n');
    const dir = tempDir();
    const head = join(dir, 'head.csv');
    writeFileSync(head, full.slice(0, 101).join('\n') + '\n'); // the header and 100 days
    const cfg = {
      preset: 'kalman-pair',
      symbols: ['EWC', 'EWA'],
      options: { execution: 'close' as const },
    };
    const pauses = { n: 0 };
    const sleep = (ms: number) => {
      expect(ms).toBe(7);
      pauses.n++;
      return Promise.resolve();
    };
    const first = session(cfg, `csv:${head}`, { paceMs: 7, sleep });
    await first.run();
    first.close();
    expect(pauses.n).toBe(99); // between 100 timestamps
    pauses.n = 0;
    const longer = join(dir, 'longer.csv');
    writeFileSync(longer, full.slice(0, 301).join('\n') + '\n'); // 300 days
    const again = session(cfg, `csv:${longer}`, { paceMs: 7, sleep, state: first.state });
    await again.run();
    expect(again.runner.seq).toBe(300);
    // 200 new days: a pause before each, none over the 100 journaled ones
    expect(pauses.n).toBe(200);
    again.close();
  });
});
