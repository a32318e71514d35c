/** `kalrev paper`, `kalrev status` and `kalrev report --state` through the real CLI. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/app/backtest.js';
import { formatMetric } from '../../src/report/html.js';
import { journalStatus } from '../../src/live/report.js';
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
  }, 300_000); // five CLI runs, each journaling on disk with an fsync per bar

  it("docs/live.md's paper.json trades on the bundled replay (bar age judged by the replay's clock); --json and --quiet", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kalrev-paper-doc-'));
    const doc = readFileSync('docs/live.md', 'utf8');
    const json = /```json\n(\{\n {2}"preset"[\s\S]*?)```/.exec(doc)![1];
    const config = JSON.parse(json) as { risk: { maxBarAgeMs: number; killFile: string } };
    expect(config.risk.maxBarAgeMs).toBeGreaterThan(0);
    config.risk.killFile = join(dir, 'KILL');
    writeFileSync(join(dir, 'paper.json'), JSON.stringify(config));
    const state = join(dir, 'state.db');
    const args = ['--config', join(dir, 'paper.json'), '--feed', 'csv:data/ewa_ewc.csv', '--state', state];
    const quiet = await kalrev('paper', ...args, '--quiet');
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toBe('');
    const st = journalStatus(state, Date.parse('2012-04-10'));
    expect(st.events.refuse).toBeUndefined();
    expect(st.trades.total).toBeGreaterThan(100);
    expect(st.health).not.toBe('refusing');
    // a second start: nothing new, said as JSON
    const again = await kalrev('paper', ...args, '--json', '--log-level', 'silent');
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      state,
      bars: 1500,
      newBars: 0,
      orders: st.orders.total,
      stopped: 'feed ended',
      feed: { skippedProcessed: 3000, emitted: 0 },
    });
    const status = await kalrev('status', '--state', state, '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ bars: { live: 1500 }, runningPid: null });
    const silent = await kalrev('status', '--state', state, '--quiet');
    expect([silent.status, silent.stdout, silent.stderr]).toEqual([0, '', '']);
  }, 300_000);
});
