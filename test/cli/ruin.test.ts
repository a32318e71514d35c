/** `kalrev backtest` on a run that ruins its account: the output says so, metrics.json too. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kalrev } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'kalrev-ruin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kalrev backtest with a ruinous commission', () => {
  it('--commission-bps 1e6: ruined on the first fill, total return −100 %, drawdown 100 %', async () => {
    const out = join(dir, 'bt');
    const args = ['backtest', '--data', 'data/ewa_ewc.csv', '--pair', 'EWC,EWA', '--execution', 'next-close'];
    const r = await kalrev(...args, '--commission-bps', '1e6', '--out', out);
    expect(r.status).toBe(0);
    // the first target (decided on 2006-04-26) fills at the next close, 2006-04-27
    expect(r.stdout).toMatch(/RUINED: equity reached zero at the close of 2006-04-27 \(bar 1\)/);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    expect(m.ruined).toBe(true);
    expect(m.ruinedAt).toBe('2006-04-27');
    expect(m.totalReturn).toBe(-1);
    expect(m.maxDrawdown).toBe(1);
    expect(m.sharpe as number).toBeLessThanOrEqual(0);
    // no fill after the ruin bar: the two legs' orders on it, both closed on it
    const trades = readFileSync(join(out, 'trades.csv'), 'utf8').trim().split('\n');
    expect(trades).toHaveLength(2);
    const json = await kalrev(...args, '--out', join(dir, 'ok'), '--json');
    const ok = JSON.parse(json.stdout) as { metrics: Record<string, unknown> };
    expect([ok.metrics.ruined, ok.metrics.ruinedAt]).toEqual([false, null]);
  });
});
