/**
 * The live dashboard's server and its reading of the journal, without a browser: it binds to
 * loopback, refuses every write (405) and foreign hosts (403), leaves the journal as it was; what
 * it shows of a run equals the backtest of the same bars; a running engine's bar is pushed at
 * once; on a journal another session writes, new bars are read when the injected timer fires;
 * a book's sleeves and their z-scores are shown.
 */
import { request } from 'node:http';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/app/backtest.js';
import { startDashboard, type RepeatTimer } from '../../src/app/dashboard.js';
import type { AssembledBar } from '../../src/live/assembler.js';
import type { DashboardView } from '../../src/live/dashboardState.js';
import { JournalCorruptError, LiveConfigError } from '../../src/live/errors.js';
import { Journal } from '../../src/live/journal.js';
import { wideFrame } from '../backtest/load.js';
import { bookCsv, PAIRS } from '../live/bookData.js';
import { cleanup, session, tempDir } from '../live/helpers.js';
import { openStream } from './sse.js';

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
const single = { preset: 'kalman-pair', symbols: ['EWC', 'EWA'], options: { execution: 'close' as const } };
const nulls = (a: ArrayLike<number>) => Array.from(a, (x) => (Number.isFinite(x) ? x : null));

/** A timer the test fires by hand. */
function manualTimer(): { every: RepeatTimer; fire(): void } {
  let fn: (() => void) | null = null;
  return { every: (f) => ((fn = f), () => (fn = null)), fire: () => fn?.() };
}

/** A GET of `/state` with the headers given (fetch may not set `Host`). */
function send(url: string, method: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${url}state`, { method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function getView(url: string): Promise<DashboardView> {
  const r = await send(url, 'GET');
  expect(r.status).toBe(200);
  return JSON.parse(r.body) as DashboardView;
}

describe('the dashboard server', () => {
  it('binds to 127.0.0.1 by default and refuses every write method with 405, changing nothing', async () => {
    const s = session(single, 'stdin');
    for (let t = 0; t < 40; t++) await s.runner.processBar(barAt(t));
    const d = await startDashboard({ state: s.state, runner: s.runner, every: manualTimer().every });
    expect(d.server.address()!.address).toBe('127.0.0.1');
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const before = s.journal.count('bars');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
      for (const path of ['', 'state', 'events']) {
        const r = await fetch(`${d.url}${path}`, {
          method,
          body: method === 'OPTIONS' ? undefined : '{"kill":1}',
        });
        expect([method, path, r.status, r.headers.get('allow')]).toEqual([method, path, 405, 'GET, HEAD']);
      }
    expect(s.journal.count('bars')).toBe(before);
    expect(s.journal.verifyChain()).toEqual({ bars: 40, fills: s.journal.count('fills') });
    // a page on another origin reaching this port through DNS rebinding names another host
    expect((await send(d.url, 'GET', { host: 'attacker.example:80' })).status).toBe(403);
    expect((await send(d.url, 'GET', { host: `localhost:${d.server.address()!.port}` })).status).toBe(200);
    await d.close();
    s.close();
  });

  it("shows a single run's equity, z-score, positions and fills as the backtest of the same bars has them", async () => {
    const n = 150;
    const s = session(single, 'stdin');
    for (let t = 0; t < n; t++) await s.runner.processBar(barAt(t));
    const d = await startDashboard({ state: s.state, runner: s.runner, every: manualTimer().every });
    const v = await getView(d.url);
    const bt = backtest(frame, 'kalman-pair', { symbols: ['EWC', 'EWA'], execution: 'close' });
    expect(v.status!.bars.live).toBe(n);
    expect(v.status!.equity).toBe(bt.equity[n - 1]);
    expect(v.series.times).toEqual(Array.from(frame.times.slice(0, n), (t) => t / 1000));
    expect(v.series.equity).toEqual(Array.from(bt.equity.subarray(0, n)));
    expect(v.series.z).toEqual([nulls(bt.signals.z.subarray(0, n))]);
    expect(v.z).toEqual([{ label: 'EWC/EWA', value: bt.signals.z[n - 1] }]);
    // the kalman-pair preset's bands (docs/strategies.md)
    expect(v.bands).toEqual({ entry: 1, exit: 1, stop: null });
    expect(v.status!.positions).toEqual({
      EWC: bt.positions[2 * (n - 1)] + 0,
      EWA: bt.positions[2 * (n - 1) + 1] + 0,
    });
    expect(v.status!.lastBar!.close).toEqual([ewc[n - 1], ewa[n - 1]]);
    // the newest fill first: the backtest's last fill before bar n
    let k = bt.fills.length - 1;
    while (bt.fills.bar[k] >= n) k--;
    expect([v.fills[0].shares, v.fills[0].price]).toEqual([bt.fills.shares[k], bt.fills.price[k]]);
    expect(v.openOrders).toEqual([]);
    expect(v.feed).toMatchObject({ lastBarTime: frame.times[n - 1], staleAfterMs: null, stale: false });
    await d.close();
    s.close();
  });

  it("pushes a running engine's bar as soon as it is journaled (no timer)", async () => {
    const s = session(single, 'stdin');
    for (let t = 0; t < 30; t++) await s.runner.processBar(barAt(t));
    const d = await startDashboard({ state: s.state, runner: s.runner, every: manualTimer().every });
    const stream = await openStream(d.url);
    const snap = await stream.nth(1);
    expect(snap.event).toBe('snapshot');
    expect((snap.data.series as { times: number[] }).times).toHaveLength(30);
    await s.runner.processBar(barAt(30));
    const up = await stream.nth(2);
    expect(up.event).toBe('update');
    expect(up.data.series).toMatchObject({ times: [frame.times[30] / 1000] });
    expect((up.data.status as { bars: { live: number } }).bars.live).toBe(31);
    stream.close();
    await d.close();
    s.close();
  });

  it('kalrev dashboard --state: reads the bars another session journals when its timer fires', async () => {
    const writer = session(single, 'stdin');
    for (let t = 0; t < 10; t++) await writer.runner.processBar(barAt(t));
    const timer = manualTimer();
    const d = await startDashboard({ state: writer.state, every: timer.every });
    const stream = await openStream(d.url);
    expect((await stream.nth(1)).data.series).toMatchObject({
      times: Array.from(frame.times.slice(0, 10), (t) => t / 1000),
    });
    for (let t = 10; t < 15; t++) await writer.runner.processBar(barAt(t));
    expect(stream.events).toHaveLength(1);
    timer.fire();
    const up = await stream.nth(2);
    expect(up.data.series).toMatchObject({ times: Array.from(frame.times.slice(10, 15), (t) => t / 1000) });
    expect((up.data.status as { runningPid: number }).runningPid).toBe(process.pid);
    stream.close();
    await d.close();
    writer.close();
  });

  it("shows a book's sleeves with each sleeve's latest z-score", async () => {
    const symbols = [...new Set(PAIRS.flat())];
    const { file } = bookCsv(tempDir(), symbols, 300, 120);
    const s = session(
      {
        preset: 'kalman-pair',
        options: { execution: 'close', capital: 150_000 },
        portfolio: { pairs: PAIRS },
      },
      `csv:${file}`,
    );
    await s.run();
    s.close();
    const d = await startDashboard({ state: s.state, every: manualTimer().every });
    const v = await getView(d.url);
    const j = new Journal(s.state, { readonly: true });
    const last = j.lastSleeveRows();
    j.close();
    expect(v.status!.book!.sleeves.map((x) => x.pair)).toEqual(PAIRS.map(([y, x]) => `${y}/${x}`));
    expect(v.z).toEqual(
      PAIRS.map(([y, x], k) => ({
        label: `${y}/${x}`,
        value: Number.isFinite(last[k].signal!.z) ? last[k].signal!.z : null,
      })),
    );
    expect(v.series.z).toHaveLength(3);
    expect(v.series.z.every((z) => z.length === 120)).toBe(true);
    expect(v.status!.runningPid).toBeNull();
    await d.close();
  });

  it("shows a walk-forward book's sleeves as they start, each with its z-score series", async () => {
    const symbols = ['EWA', 'EWC', 'SPY', 'IWM', 'XLE', 'USO'];
    const { file } = bookCsv(tempDir(), symbols, 300, 200);
    const s = session(
      {
        preset: 'kalman-pair',
        options: { execution: 'close' },
        symbols,
        portfolio: { top: 2, rebalance: 40, train: 60, fdr: 1 },
      },
      `csv:${file}`,
    );
    await s.run();
    s.close();
    const d = await startDashboard({ state: s.state, every: manualTimer().every });
    const v = await getView(d.url);
    const j = new Journal(s.state, { readonly: true });
    const started = j.events('sleeve-start').map((e) => e.detail as { sleeve: number; y: string; x: string });
    const zs = new Map<number, (number | null)[]>();
    const live = [...j.bars()].filter((b) => b.phase === 'live').map((b) => b.seq);
    const sleeveRows = j.sleeveBars();
    j.close();
    expect(started.length).toBeGreaterThan(1);
    for (const st of started)
      zs.set(
        st.sleeve,
        live.map((seq) => {
          const z = sleeveRows.get(seq)?.find((r) => r.sleeve === st.sleeve)?.signal?.z;
          return z === undefined || !Number.isFinite(z) ? null : z;
        }),
      );
    expect(v.z.map((z) => z.label)).toEqual(started.map((st) => `${st.y}/${st.x}`));
    expect(v.series.z).toEqual(started.map((st) => zs.get(st.sleeve)));
    await d.close();
  });

  it('refuses a taken port naming the flag, and a damaged journal', async () => {
    const s = session(single, 'stdin');
    await s.runner.processBar(barAt(0));
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const e = await startDashboard({ state: s.state, port, every: manualTimer().every }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(LiveConfigError);
    expect((e as Error).message).toBe(
      `--dashboard: port ${port} is in use on 127.0.0.1; choose another port, or 0 for any free one`,
    );
    blocker.close();
    s.close();
    const bad = join(tempDir(), 'bad.db');
    writeFileSync(bad, 'not a database at all, just text '.repeat(200));
    await expect(startDashboard({ state: bad, every: manualTimer().every })).rejects.toBeInstanceOf(
      JournalCorruptError,
    );
  });
});
