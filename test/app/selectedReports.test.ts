/**
 * The reports of what a scan or a sweep selected: a scan's best pairs under pairs/NNN/ and a
 * sweep's best point under best/, each with a tear sheet whose deflated Sharpe ratio counts the
 * trials it was chosen from.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWideCsvSync } from '../../src/data/index.js';
import { scanPairs } from '../../src/scan/scan.js';
import { sweep } from '../../src/scan/sweep.js';
import { scanTrials, sweepSelectionBias } from '../../src/scan/selectionBias.js';
import { writeScanReports, writeSweepReport } from '../../src/app/selectedReports.js';

const root = mkdtempSync(join(tmpdir(), 'kalrev-selected-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('reports of selected runs', () => {
  it("a scan's best pairs, by rank, with the scan's trials", async () => {
    const { frame } = readWideCsvSync('data/etf_universe_close.csv', { repair: { dropNonPositive: true } });
    const scan = await scanPairs(frame, {
      symbols: ['EWA', 'EWC', 'EWG', 'EWJ', 'EWQ', 'EWU'],
      minBars: 500,
    });
    const files = writeScanReports(scan, frame, root, 2);
    expect(files).toEqual([
      join(root, 'pairs', '001', 'report.html'),
      join(root, 'pairs', '002', 'report.html'),
    ]);
    const html = readFileSync(files[0], 'utf8');
    const best = scan.ranked[0];
    expect(html).toContain(`<title>kalrev · scan rank 1 · ${best.y}/${best.x}</title>`);
    expect(html).toContain(`deflated Sharpe ratio (${scanTrials(scan).count} trials)`);
    expect(scanTrials(scan).count).toBe(15);
  });

  it("a sweep's best point, with the grid's trials", async () => {
    const { frame } = readWideCsvSync('data/ewa_ewc.csv');
    const r = await sweep(frame, {
      pair: ['EWC', 'EWA'],
      grid: 'entryZ=1,1.5,2',
      backtest: { execution: 'next-close' },
    });
    const bias = sweepSelectionBias(frame, r);
    const file = writeSweepReport(frame, r, bias, root, 'data/ewa_ewc.csv');
    expect(file).toBe(join(root, 'best', 'report.html'));
    const html = readFileSync(file, 'utf8');
    expect(html).toContain(`sweep best point entryZ=${bias.best.point[0]}`);
    expect(html).toContain('deflated Sharpe ratio (3 trials)');
  });
});
