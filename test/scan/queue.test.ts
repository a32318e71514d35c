/**
 * The queue executor against a real redis-server on 127.0.0.1:6379 (installed and started by
 * .ci/run): two `kalrev worker` processes, one killed with SIGKILL while it holds a chunk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { PriceFrame } from '../../src/data/index.js';
import {
  InlineExecutor,
  QueueExecutor,
  redisReachable,
  scanPairs,
  QUEUE_NAME,
} from '../../src/scan/index.js';
import { Queue } from 'bullmq';

const url = 'redis://127.0.0.1:6379';
const up = await redisReachable(url);
if (!up)
  console.warn(
    `SKIPPED test/scan/queue.test.ts: no Redis server answers at ${url} (start one: redis-server --daemonize yes --bind 127.0.0.1)`,
  );
const prefix = `kalrev-test-${process.pid}-${Date.now()}`;

/** A synthetic universe: random walks, some pairs sharing a factor. */
function universe(symbols: number, bars: number): PriceFrame {
  let seed = 7;
  const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5;
  const dates = Array.from({ length: bars }, (_, i) =>
    new Date(Date.UTC(2010, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
  );
  const factor = new Float64Array(bars);
  for (let t = 1; t < bars; t++) factor[t] = factor[t - 1] + rand() * 0.02;
  const closes: Record<string, Float64Array> = {};
  for (let s = 0; s < symbols; s++) {
    const c = new Float64Array(bars);
    let own = 0;
    const load = (s % 3) / 2;
    for (let t = 0; t < bars; t++) {
      own += rand() * 0.015;
      c[t] = (20 + s) * Math.exp(load * factor[t] + own);
    }
    closes[`S${String(s).padStart(3, '0')}`] = c;
  }
  return PriceFrame.fromCloses(dates, closes, 'synthetic');
}

/** Resolves once the kernel reports process `pid` stopped (state T). */
async function frozen(pid: number): Promise<void> {
  while (!/^\d+ \(.*\) T /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')))
    await new Promise((r) => setImmediate(r));
}

const children: ChildProcess[] = [];
function startWorker(name: string): { child: ChildProcess; ready: Promise<void>; log: string[] } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/scan/fixtures/worker-entry.ts',
      '--queue',
      url,
      '--prefix',
      prefix,
      '--name',
      name,
      '--lock-ms',
      '1500',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  const log: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      log.push(d.toString());
      if (d.toString().includes('waiting for jobs')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`worker ${name} exited with ${code}: ${log.join('')}`)));
  });
  return { child, ready, log };
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (up) {
    const q = new Queue(QUEUE_NAME, { connection: { url }, prefix });
    await q.obliterate({ force: true });
    await q.close();
  }
});

describe.skipIf(!up)('QueueExecutor with two kalrev worker processes on a local redis-server', () => {
  it('a worker SIGKILLed mid-scan: every pair exactly once, equal to the local result', async () => {
    const frame = universe(90, 2520);
    const options = { screens: { maxPValue: 1 }, minBars: 252 };
    const local = await scanPairs(frame, { ...options, executor: new InlineExecutor() });
    // A works alone until it is killed holding a chunk; only then does B start, so the kill
    // cannot miss (B finishing the scan first) however loaded the machine is
    const a = startWorker('A');
    await a.ready;
    let b: ReturnType<typeof startWorker> | undefined;
    const executor = new QueueExecutor({ url, prefix, chunkSize: 40, pollMs: 50, idleTimeoutMs: 60_000 });
    // kill A as soon as it holds a chunk, after some chunks are done
    const watcher = new Queue(QUEUE_NAME, { connection: { url }, prefix });
    let killedJob: string | undefined;
    let progressed = 0;
    let seen = '';
    const killer = (async () => {
      for (let i = 0; i < 2000 && killedJob === undefined; i++) {
        await new Promise((r) => setTimeout(r, 20));
        if (progressed < 200) continue;
        // A is frozen before its chunks are looked at, so the chunk seen held cannot be
        // completed between the look and the kill
        a.child.kill('SIGSTOP');
        await frozen(a.child.pid!);
        const active = await watcher.getActive();
        seen = active.map((j) => j.processedBy).join(',');
        const held = active.find((j) => j.processedBy === 'A');
        if (held) {
          a.child.kill('SIGKILL');
          killedJob = held.id;
          b = startWorker('B');
          await b.ready;
        } else a.child.kill('SIGCONT');
      }
    })();
    const scan = await scanPairs(frame, { ...options, executor, onProgress: (done) => (progressed = done) });
    await killer;
    await watcher.close();
    expect(killedJob, `active chunks were held by: ${seen}`).toBeDefined();
    expect(a.child.signalCode).toBe('SIGKILL');
    const stats = executor.lastRun!;
    // the chunk A held was computed again by B
    expect(stats.retried).toContain(killedJob);
    expect(stats.workers.B).toBeGreaterThan(0);
    expect(stats.chunks).toBe(Math.ceil(4005 / 40));
    // every pair exactly once, in order, equal to the in-process scan
    expect(scan.pairs.length).toBe(4005);
    expect(new Set(scan.pairs.map((p) => `${p.y}/${p.x}`)).size).toBe(4005);
    expect(scan.pairs).toEqual(local.pairs);
    expect(scan.counts.ok).toBeGreaterThan(3000);
  }, 90_000);
});
