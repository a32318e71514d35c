/**
 * Live runner latency: from a complete bar received to its orders decided, journaled (one
 * SQLite transaction, WAL, synchronous FULL: an fsync per bar) and sent to the paper broker,
 * fills journaled. kalman-pair, execution 'close', 2,520 bars; the journal in the OS temp dir.
 * Reports the median and the p99 per bar (the target is on the p99).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaperConfig } from '../src/app/paper.js';
import { silentLogger } from '../src/live/logger.js';
import { openPaperSession } from '../src/live/session.js';
import type { AssembledBar } from '../src/live/assembler.js';
import type { BenchResult } from './harness.js';
import { pairSeries } from './data.js';

function fmt(x: number): string {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function line(
  name: string,
  value: number,
  min: number,
  max: number,
  runs: number,
  target: number,
  note: string,
) {
  const ok = value <= target;
  console.log(
    `${name.padEnd(58)} ${fmt(value).padStart(9)} ${'µs'.padEnd(7)} ` +
      `(min ${fmt(min)} – max ${fmt(max)}, ${runs} bars)  target ≤ ${fmt(target)} µs  ${ok ? 'OK' : 'MISSED'}  [${note}]`,
  );
  return ok;
}

export async function main(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  // tmpfs when there is one: the runner's own cost (fsync returns at once); then the OS temp
  // dir on disk, where each bar's fsync adds the device's flush latency
  const dirs = [...(existsSync('/dev/shm') ? ['/dev/shm'] : []), process.env.KALREV_BENCH_DIR ?? tmpdir()];
  for (const base of dirs) out.push(...(await measure(base)));
  return out;
}

async function measure(base: string): Promise<BenchResult[]> {
  const n = 2520;
  const { x, y } = pairSeries(n, 5);
  const dir = mkdtempSync(join(base, 'kalrev-bench-live-'));
  try {
    const config = resolvePaperConfig({
      preset: 'kalman-pair',
      symbols: ['Y', 'X'],
      options: { execution: 'close' },
    });
    // warm-up run (JIT), then the measured run on a fresh journal
    const samples: number[] = [];
    const whole: number[] = [];
    let orders = 0;
    for (const measured of [false, true]) {
      let decided = 0n;
      const s = openPaperSession({
        config,
        state: join(dir, `${measured}.db`),
        feed: 'stdin',
        logger: silentLogger(),
        hooks: { afterJournal: () => void (decided = process.hrtime.bigint()) },
      });
      const close = new Float64Array(2);
      const bar: AssembledBar = { time: 0, close, open: null, flatten: false, receivedAt: 0 };
      for (let t = 0; t < n; t++) {
        bar.time = Date.UTC(2010, 0, 1) + t * 86_400_000;
        close[0] = y[t];
        close[1] = x[t];
        const t0 = process.hrtime.bigint();
        const out = await s.runner.processBar(bar);
        const t1 = process.hrtime.bigint();
        if (measured) {
          samples.push(Number(decided - t0) / 1e3);
          whole.push(Number(t1 - t0) / 1e3);
          orders += out!.orders.length;
        }
      }
      s.close();
    }
    samples.sort((a, b) => a - b);
    const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
    const p50 = q(0.5);
    const p99 = q(0.99);
    const note = `${orders} orders over ${n} bars; journal in ${base}`;
    const okMedian = line(
      'kalman-pair bar → orders decided + journaled, median',
      p50,
      samples[0],
      samples[n - 1],
      n,
      1000,
      note,
    );
    const okP99 = line(
      'kalman-pair bar → orders decided + journaled, p99',
      p99,
      samples[0],
      samples[n - 1],
      n,
      1000,
      note,
    );
    const wholeP99 = whole.sort((a, b) => a - b)[Math.floor(0.99 * n)];
    console.log(`${''.padEnd(58)} (whole bar incl. order submit and fill journal: p99 ${fmt(wholeP99)} µs)`);
    return [
      {
        name: 'live bar latency median',
        median: p50,
        min: samples[0],
        max: samples[n - 1],
        unit: 'µs',
        target: 1000,
        ok: okMedian,
      },
      {
        name: 'live bar latency p99',
        median: p99,
        min: samples[0],
        max: samples[n - 1],
        unit: 'µs',
        target: 1000,
        ok: okP99,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
