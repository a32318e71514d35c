/**
 * scan.csv of a large scan is formatted in slices on several threads: its bytes are those of the
 * same table formatted in one thread, whatever the number of threads.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PriceFrame } from '../../src/data/frame.js';
import { scanCsv, writeScanOutputs } from '../../src/scan/output.js';
import { scanPairs } from '../../src/scan/scan.js';

/** Where a pair of symbols y = S_i, x = S_j (i < j) sits in job order. */
const pairIndex = (p: { y: string; x: string }): number => {
  const index = (s: string) => (s === 'A,"quoted"' ? 3 : Number(s.slice(1)));
  const [i, j] = [index(p.y), index(p.x)];
  return (i * (2 * 202 - i - 1)) / 2 + (j - i - 1);
};

const dir = mkdtempSync(join(tmpdir(), 'kalrev-scan-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 202 seeded random walks (20,301 pairs: enough for the threaded path), a few screened out. */
function universe(symbols: number, bars: number): PriceFrame {
  let seed = 7;
  const rand = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  const dates = Array.from({ length: bars }, (_, i) =>
    new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
  );
  const closes: Record<string, Float64Array> = {};
  for (let s = 0; s < symbols; s++) {
    const c = new Float64Array(bars);
    let p = 20 + (s % 50);
    for (let t = 0; t < bars; t++) c[t] = p *= Math.exp(rand() * 0.04);
    // a symbol listed late: its pairs are short and screened out
    if (s % 67 === 5) c.fill(NaN, 0, bars - 100);
    closes[s === 3 ? 'A,"quoted"' : `S${s}`] = c;
  }
  return PriceFrame.fromCloses(dates, closes, 'synthetic');
}

describe('scan.csv on several threads', () => {
  it('has the same bytes as in one thread, for 1, 2 and 3 threads', async () => {
    const frame = universe(202, 300);
    const scan = await scanPairs(frame, { backtest: { execution: 'close' }, minBars: 150 });
    expect(scan.pairs.length).toBe(20_301);
    expect(scan.counts.short).toBeGreaterThan(0);
    const bytes = [1, 2, 3].map(async (threads) => {
      const out = join(dir, `t${threads}`);
      await writeScanOutputs(scan, frame, out, { top: 3, threads });
      return readFileSync(join(out, 'scan.csv'));
    });
    const [one, two, three] = await Promise.all(bytes);
    expect(one.toString('utf8')).toBe(scanCsv(scan));
    expect(two.equals(one)).toBe(true);
    expect(three.equals(one)).toBe(true);
    const lines = one.toString('utf8').trim().split('\n');
    expect(lines.length).toBe(20_302);
    // the quoted symbol, and a ranked row's cells: rank 1 first
    expect(lines.some((l) => l.includes('"A,""quoted"""'))).toBe(true);
    // the documented cell forms, written out here: integers as such, other numbers with 17
    // significant digits, NaN as an empty cell, a name with a comma or quote quoted
    const num = (v: number) =>
      Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toPrecision(17) : '';
    const name = (s: string) => (s === 'A,"quoted"' ? '"A,""quoted"""' : s);
    for (const i of [0, 1, 500, scan.ranked.length - 1]) {
      const p = scan.ranked[i];
      const expected = [
        p.rank,
        name(p.y),
        name(p.x),
        'ok',
        p.bars,
        p.first,
        p.last,
        num(p.correlation),
        num(p.pvalue),
        num(p.qvalue),
        num(p.halfLife),
        num(p.olsBeta),
        p.ruined,
        p.ruinedAt,
        ...Object.values(p.metrics!).map(num),
      ].join(',');
      expect(lines[i + 1]).toBe(expected);
    }
    expect(lines.filter((l) => l.includes('"A,""quoted"""')).length).toBe(201);
    // the rows above were formatted from the scan's result rows (its objects never read); once
    // the objects are read, the table is formatted from them, to the same bytes
    const fromRows = scanCsv(scan);
    expect(scan.pairs.length).toBe(20_301);
    expect(scan.ranked.every((p, i) => p.rank === i + 1 && scan.pairs[pairIndex(p)] === p)).toBe(true);
    expect(scan.ruined).toBe(scan.ranked.filter((p) => p.ruined).length);
    expect(scanCsv(scan)).toBe(fromRows);
  }, 120_000);
});
