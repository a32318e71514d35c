/**
 * The scan's output files: scan.parquet read back with hyparquet equals scan.csv row for row,
 * `top` bounds scan.json and the page, and the page's pair detail (computed in the browser from
 * the embedded closes) is the backtester's spread and hedge ratio.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { alignFrames } from '../../src/data/align.js';
import { readWideCsvSync } from '../../src/data/readers.js';
import type { PriceFrame } from '../../src/data/frame.js';
import { writeScanOutputs } from '../../src/scan/output.js';
import { scanPairs, type ScanResult } from '../../src/scan/scan.js';
import { chromiumPath, launch } from '../report/browser.js';

const dir = mkdtempSync(join(tmpdir(), 'kalrev-scan-out-'));
let scan: ScanResult;
let frame: PriceFrame;
let files: string[];

beforeAll(async () => {
  // the first 12 symbols of the bundled universe: 66 pairs, a few screened out
  const read = readWideCsvSync('data/etf_universe_close.csv', { repair: { dropNonPositive: true } });
  frame = read.frame;
  scan = await scanPairs(frame, {
    symbols: frame.symbols.slice(0, 12),
    screens: { minCorrelation: 0.2 },
  });
  files = await writeScanOutputs(scan, frame, dir, { top: 5, formats: ['csv', 'parquet'] });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scan outputs', () => {
  it('writes the table of every pair as CSV and Parquet, and the best `top` to JSON and HTML', () => {
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      'scan.csv',
      'scan.parquet',
      'scan.json',
      'scan.html',
    ]);
    expect(scan.pairs.length).toBe(66);
    expect(scan.counts.ok).toBeGreaterThan(5);
    expect(scan.counts.ok).toBeLessThan(66);
    const csv = readFileSync(join(dir, 'scan.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(66 + 1);
    const json = JSON.parse(readFileSync(join(dir, 'scan.json'), 'utf8')) as {
      pairs: number;
      backtested: number;
      shown: number;
      ranked: { y: string; x: string }[];
    };
    expect([json.pairs, json.backtested, json.shown, json.ranked.length]).toEqual([66, scan.counts.ok, 5, 5]);
    expect(json.ranked.map((p) => `${p.y}/${p.x}`)).toEqual(
      scan.ranked.slice(0, 5).map((p) => `${p.y}/${p.x}`),
    );
  });

  it('scan.parquet read back with hyparquet equals scan.csv', async () => {
    const buf = readFileSync(join(dir, 'scan.parquet'));
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
    const [header, ...lines] = readFileSync(join(dir, 'scan.csv'), 'utf8').trim().split('\n');
    const cols = header.split(',');
    expect(Object.keys(rows[0])).toEqual(cols);
    expect(rows.length).toBe(lines.length);
    lines.forEach((line, i) => {
      const cells = line.split(',');
      cols.forEach((c, j) => {
        const v = rows[i][c];
        // the CSV's empty cell is Parquet's null; numbers read back to the same double
        if (v === null) expect(cells[j], `row ${i + 1}, ${c}`).toBe('');
        else if (typeof v === 'number') expect(Number(cells[j]), `row ${i + 1}, ${c}`).toBe(v);
        else if (typeof v === 'boolean') expect(cells[j], `row ${i + 1}, ${c}`).toBe(String(v));
        else expect(cells[j], `row ${i + 1}, ${c}`).toBe(v);
      });
    });
  });
});

const chromium = chromiumPath();
describe.skipIf(!chromium)('scan.html in headless Chromium', () => {
  it('a clicked pair shows the backtester’s forecast error, band and hedge ratio', async () => {
    const context = await launch(chromium!);
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(dir, 'scan.html')).href, { waitUntil: 'load' });
      expect(await page.locator('#t tbody tr').count()).toBe(5);
      const second = scan.ranked[1];
      await page.locator('#t tbody tr').nth(1).click();
      expect(await page.locator('#d h3').innerText()).toBe(`${second.y} on ${second.x} (rank 2)`);
      expect(await page.locator('#d svg').count()).toBe(5);
      const shown = await page.evaluate<{
        dates: string[];
        value: number[];
        band: number[];
        hedgeRatio: number[];
      }>('window.kalrevScan');
      const f = alignFrames(frame, { symbols: [second.y, second.x] }).frame;
      const r = backtest(f, scan.strategy, { ...scan.options, symbols: [second.y, second.x] });
      expect(shown.dates).toEqual(f.dates());
      expect(shown.dates.length).toBe(second.bars);
      // the page has the closes as float32 (7 significant digits)
      let worst = 0;
      for (let t = 1; t < f.length; t++) {
        worst = Math.max(
          worst,
          Math.abs(shown.hedgeRatio[t] - r.signals.hedgeRatio[t]) / Math.abs(r.signals.hedgeRatio[t]),
          Math.abs(shown.value[t] - r.signals.value[t]) / r.signals.scale[t],
          Math.abs(shown.band[t] - r.signals.scale[t]) / r.signals.scale[t],
        );
      }
      expect(worst).toBeLessThan(1e-3);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
