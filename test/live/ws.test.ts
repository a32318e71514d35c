/**
 * WebSocket feed against a local server on 127.0.0.1 that streams bars, drops the connection
 * once mid-stream and resumes from the client's `from`: the runner reconnects with backoff and
 * loses nothing (the journal equals a CSV replay of the same bars).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { wideFrame } from '../backtest/load.js';
import { cleanup, session } from './helpers.js';

afterAll(cleanup);

describe('WebSocket feed', () => {
  it('reconnects with backoff after a dropped connection and loses no bar', async () => {
    const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
    const n = 300;
    // the source's messages, in its own field names: t (ISO), s, c
    const messages: { type: string; t: string; s: string; c: number; ms: number }[] = [];
    for (let i = 0; i < n; i++)
      for (const sym of ['EWC', 'EWA'])
        messages.push({ type: 'bar', t: frame.date(i), s: sym, c: frame.get(sym)[i], ms: frame.times[i] });
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    const subscriptions: (number | null)[] = [];
    let connections = 0;
    server.on('connection', (socket) => {
      connections++;
      const first = connections === 1;
      socket.on('message', (raw) => {
        const sub = JSON.parse(raw.toString()) as { type: string; from: number | null };
        subscriptions.push(sub.from);
        // resend from the last bar time the client saw (inclusive: its other leg may be missing)
        const start = sub.from === null ? 0 : messages.findIndex((m) => m.ms >= sub.from!);
        let k = start;
        const send = () => {
          for (let burst = 0; burst < 20 && k < messages.length; burst++, k++) {
            const { ms: _ms, ...m } = messages[k];
            socket.send(JSON.stringify(m));
            // the first connection drops abruptly in the middle of bar 123 (one leg sent)
            if (first && k === 2 * 123) {
              socket.terminate();
              return;
            }
          }
          if (k < messages.length) setImmediate(send);
          else socket.send(JSON.stringify({ type: 'end' }));
        };
        send();
      });
    });
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    const cfg = {
      preset: 'kalman-pair',
      symbols: ['EWC', 'EWA'],
      options: { execution: 'close' as const },
    };
    const s = session(cfg, `ws://127.0.0.1:${port}/bars`, {
      wsMapping: { time: 't', symbol: 's', close: 'c' },
    });
    await s.run();
    server.close();
    expect(connections).toBe(2);
    expect(subscriptions[0]).toBeNull();
    expect(subscriptions[1]).toBe(frame.times[123]);
    const disc = s.lines.filter((l) => l.event === 'ws-disconnected');
    expect(disc).toHaveLength(1);
    expect(disc[0]).toMatchObject({ level: 40, retryInMs: 100 });
    expect(s.lines.filter((l) => l.event === 'ws-connected')).toHaveLength(2);
    expect(s.journal.count('bars')).toBe(n);
    // nothing lost: the same journal as a replay of the same 300 bars from a file
    const rows = [...s.journal.bars()].map((b) => [b.time, b.close, b.target, b.equity]);
    const orders = s.journal.orders();
    s.close();
    const { writeFileSync } = await import('node:fs');
    const { join, dirname } = await import('node:path');
    const csv = join(dirname(s.state), 'same.csv');
    writeFileSync(
      csv,
      [
        'date,EWC,EWA',
        ...Array.from(
          { length: n },
          (_, i) => `${frame.date(i)},${frame.get('EWC')[i]},${frame.get('EWA')[i]}`,
        ),
      ].join('\n'),
    );
    const ref = session(cfg, `csv:${csv}`);
    await ref.run();
    expect(rows).toEqual([...ref.journal.bars()].map((b) => [b.time, b.close, b.target, b.equity]));
    expect(orders).toEqual(ref.journal.orders());
    expect(orders.length).toBeGreaterThan(20);
    ref.close();
  });
});
