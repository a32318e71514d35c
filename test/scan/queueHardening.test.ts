/**
 * The queue commands against private redis-servers (fixtures/redis.ts): no credential in any
 * output or file, every command exits when done or signalled, an unusable URL fails at once
 * with exit 2, and a run whose Redis lost its jobs fails with a clear message. Time is driven by
 * events (a worker's "ready" line, the run's keys appearing in Redis), never by sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedis, type PrivateRedis } from './fixtures/redis.js';

interface Child {
  child: ChildProcess;
  out: () => string;
  /** Resolves when the output (stdout and stderr) contains `text`. */
  waitFor: (text: string) => Promise<void>;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
function kalrev(...args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.push(child);
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const take = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.filter((w) => out.includes(w.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    out: () => out,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void exited.then(() => reject(new Error(`exited before printing "${text}":\n${out}`)));
      }),
    exited,
  };
}

/** Every file under `dir`, as text. */
function filesText(dir: string): string {
  let text = '';
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) text += readFileSync(join(e.parentPath, e.name), 'utf8');
  return text;
}

const password = `Pw${process.pid}x${Date.now().toString(36)}Secret`;
const wrong = `Wrong${process.pid}Pass`;
const tmp = mkdtempSync(join(tmpdir(), 'kalrev-queue-'));
let server: PrivateRedis;
let closedPort: number;

beforeAll(async () => {
  server = await startRedis(password);
  closedPort = await freePort();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const scanArgs = (out: string) => ['scan', '--data', 'data/ewa_ewc_ige.csv', '--out', out];
const sweepArgs = (out: string) => [
  'sweep',
  '--data',
  'data/ewa_ewc.csv',
  '--pair',
  'EWA,EWC',
  '--grid',
  'delta=1e-5,1e-4',
  '--out',
  out,
];

describe('credentials never appear in output or files', () => {
  it('a wrong password: worker, scan and sweep exit 2 saying so, without the password', async () => {
    const url = `redis://:${wrong}@127.0.0.1:${server.port}`;
    const out = join(tmp, 'wrong');
    const runs = [
      kalrev('worker', '--queue', url),
      kalrev('worker', '--queue', url, '--debug'),
      kalrev(...scanArgs(out), '--queue', url),
      kalrev(...sweepArgs(out), '--queue', url, '--debug'),
    ];
    for (const r of runs) {
      expect(await r.exited, r.out()).toBe(2);
      expect(r.out()).toContain('Redis refused the user name or password');
      expect(r.out()).toContain(`redis://***@127.0.0.1:${server.port}`);
      expect(r.out()).not.toContain(wrong);
      expect(r.out()).not.toContain(password);
    }
  }, 180_000);

  it('nothing listening: exit 2 naming --queue, without the password', async () => {
    const url = `redis://user:${password}@127.0.0.1:${closedPort}`;
    for (const r of [
      kalrev('worker', '--queue', url),
      kalrev(...scanArgs(join(tmp, 'closed')), '--queue', url),
      kalrev(...sweepArgs(join(tmp, 'closed')), '--queue', url),
    ]) {
      expect(await r.exited, r.out()).toBe(2);
      expect(r.out().trim()).toBe(
        `kalrev: --queue redis://***@127.0.0.1:${closedPort}: cannot use Redis: nothing listens there (connection refused)`,
      );
    }
  }, 180_000);

  it('the right password: scan and sweep write results and exit 0; the worker exits 0 on SIGTERM; no password anywhere', async () => {
    const url = server.url;
    const worker = kalrev('worker', '--queue', url, '--prefix', 'creds');
    await worker.waitFor('waiting for jobs');
    const jsonWorker = kalrev('worker', '--queue', url, '--prefix', 'creds', '--json');
    await jsonWorker.waitFor('"event":"ready"');
    const out = join(tmp, 'right');
    const scan = kalrev(...scanArgs(join(out, 'scan')), '--queue', url, '--prefix', 'creds', '--json');
    expect(await scan.exited, scan.out()).toBe(0);
    const sweep = kalrev(...sweepArgs(join(out, 'sweep')), '--queue', url, '--prefix', 'creds');
    expect(await sweep.exited, sweep.out()).toBe(0);
    expect(JSON.parse(scan.out()).pairs).toBe(3);
    worker.child.kill('SIGTERM');
    jsonWorker.child.kill('SIGTERM');
    expect(await worker.exited, worker.out()).toBe(0);
    expect(await jsonWorker.exited, jsonWorker.out()).toBe(0);
    const events = jsonWorker
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; queue?: string });
    expect(events[0]).toMatchObject({ event: 'ready', queue: `redis://***@127.0.0.1:${server.port}` });
    expect(events.at(-1)).toMatchObject({ event: 'stopped' });
    expect(worker.out()).toContain(`waiting for jobs on redis://***@127.0.0.1:${server.port}`);
    const written = filesText(out);
    expect(written).toContain('EWA');
    for (const text of [worker.out(), jsonWorker.out(), scan.out(), sweep.out(), written])
      expect(text).not.toContain(password);
  }, 180_000);
});

describe('the worker stops on a signal', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    it(`${signal} while waiting for jobs: exit 0`, async () => {
      const worker = kalrev('worker', '--queue', server.url, '--prefix', 'signals');
      await worker.waitFor('waiting for jobs');
      worker.child.kill(signal);
      expect(await worker.exited, worker.out()).toBe(0);
      expect(worker.out()).toContain(`${signal}: stopping after the current chunk`);
      expect(worker.out()).toContain('stopped after 0 chunks');
    }, 180_000);

  it('SIGTERM mid-scan: the worker finishes its chunk and exits 0; another worker completes the scan', async () => {
    const args = ['--queue', server.url, '--prefix', 'midscan', '--json'];
    const first = kalrev('worker', ...args, '--name', 'first');
    await first.waitFor('"event":"ready"');
    const out = join(tmp, 'midscan');
    const scan = kalrev('scan', '--data', 'data/etf_universe_close.csv', '--out', out, ...args);
    await first.waitFor('"event":"chunk"');
    first.child.kill('SIGTERM');
    expect(await first.exited, first.out()).toBe(0);
    const events = first
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; chunks?: number });
    const stopped = events.at(-1)!;
    expect(stopped.event).toBe('stopped');
    // every chunk it started before the signal was finished, none after
    expect(stopped.chunks).toBe(events.filter((e) => e.event === 'chunk').length);
    const second = kalrev('worker', ...args, '--name', 'second');
    expect(await scan.exited, scan.out()).toBe(0);
    expect(JSON.parse(scan.out()).pairs).toBe(67 * 33);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.out()).toBe(0);
  }, 300_000);

  it('SIGTERM after Redis went away: exit 0', async () => {
    const own = await startRedis();
    const worker = kalrev('worker', '--queue', own.url, '--prefix', 'gone');
    await worker.waitFor('waiting for jobs');
    await own.stop();
    // the first error seen is the dropped connection or the refused reconnection, whichever
    // the client meets first
    await worker.waitFor('; reconnecting');
    expect(worker.out()).toMatch(
      /--queue redis:\/\/127\.0\.0\.1:\d+: (the connection was closed|nothing listens there \(connection refused\)); reconnecting/,
    );
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.out()).toBe(0);
  }, 180_000);
});

describe('a run whose Redis lost its jobs fails promptly', () => {
  /** Resolves when the run's context key is in Redis (the jobs are enqueued right after). */
  async function enqueued(url: string, prefix: string): Promise<void> {
    const r = new Redis(url);
    try {
      for (;;) {
        const keys = await r.keys(`${prefix}:kalrev-scan:*`);
        if (keys.some((k) => k.includes(':context:')) && keys.some((k) => k.endsWith(':wait'))) return;
        await new Promise((res) => setTimeout(res, 50));
      }
    } finally {
      r.disconnect();
    }
  }

  it('FLUSHALL under a scan with no worker: exit 2, the jobs are gone', async () => {
    const scan = kalrev(...scanArgs(join(tmp, 'flushed')), '--queue', server.url, '--prefix', 'lost');
    await enqueued(server.url, 'lost');
    const r = new Redis(server.url);
    await r.flushall();
    r.disconnect();
    expect(await scan.exited, scan.out()).toBe(2);
    expect(scan.out()).toMatch(
      /^kalrev: --queue redis:\/\/\*\*\*@127\.0\.0\.1:\d+: this run's jobs are gone from Redis \(2 of 2 keys missing: was the server restarted or flushed\?\); run it again\n$/,
    );
  }, 180_000);

  it('Redis restarted empty under a sweep: exit 2', async () => {
    const own = await startRedis();
    const sweep = kalrev(...sweepArgs(join(tmp, 'restarted')), '--queue', own.url, '--prefix', 'lost2');
    await enqueued(own.url, 'lost2');
    await own.restart();
    expect(await sweep.exited, sweep.out()).toBe(2);
    expect(sweep.out()).toMatch(/this run's jobs are gone from Redis|lost Redis/);
    expect(sweep.out().trim().split('\n')).toHaveLength(1);
    await own.stop();
  }, 180_000);
});
