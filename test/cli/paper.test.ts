/** `kalrev paper`, `kalrev status` and `kalrev report --state` through the real CLI. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { formatMetric } from '../../src/report/html.js';
import { wideFrame } from '../backtest/load.js';
import { kalrev } from './run.js';

describe('kalrev paper → status → report --state', () => {
  it("replays EWA/EWC, reports the backtest's figures, and renders the journal's report", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kalrev-paper-'));
    const state = join(dir, 'state.db');
    const args = ['--preset', 'chan-2013-ex3.3', '--pair', 'EWC,EWA', '--execution', 'close'];
    const paper = await kalrev('paper', ...args, '--feed', 'csv:data/ewa_ewc.csv', '--state', state);
    expect(paper.status).toBe(0);
    const expected = backtest(wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']), 'chan-2013-ex3.3', {
      symbols: ['EWC', 'EWA'],
    });
    const status = await kalrev('status', '--state', state);
    expect(status.status).toBe(0);
    expect(status.stdout).toContain('bars      1500 live');
    expect(status.stdout).toContain(`trades ${expected.trades.length} (${expected.trades.length} closed)`);
    const report = await kalrev('report', '--state', state, '--out', join(dir, 'out'));
    expect(report.status).toBe(0);
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain(formatMetric('apr', expected.metrics.apr));
    expect(html).toContain(formatMetric('sharpe', expected.metrics.sharpe));
    const missing = await kalrev('report', '--state', join(dir, 'nope.db'));
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe(`kalrev: ${join(dir, 'nope.db')}: no such journal`);
  });
});
