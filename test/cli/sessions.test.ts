/** `--session rth` and `--calendar` on the command line: the bars a backtest keeps. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { intradayPairCsv } from '../backtest/intraday.js';
import { kalrevInProcess } from './run.js';

const file = intradayPairCsv();

describe('kalrev backtest --session', () => {
  it('rth keeps the bars of regular hours and says how many it dropped', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kalrev-rth-'));
    const r = await kalrevInProcess(
      'backtest',
      '--data',
      file,
      '--pair',
      'Y,X',
      '--session',
      'rth',
      '--out',
      out,
    );
    expect(r.stderr).toContain(
      // 2024-03-04 … 2024-04-05: 24 trading days (Good Friday closed) of 13 half-hour bars
      `kalrev: note: ${file}: regular hours of the NYSE calendar: 312 of 1584 bars kept, 1272 outside them dropped`,
    );
    expect(r.status).toBe(0);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.session).toBe('rth');
    expect(run.options.calendar).toBe('nyse');
    const equity = readFileSync(join(out, 'equity.csv'), 'utf8').trim().split('\n');
    expect(equity).toHaveLength(1 + 312);
    expect(equity[1].startsWith('2024-03-04T14:30:00.000Z')).toBe(true);
  });

  it('all (the default) keeps every bar; the crypto calendar keeps every bar under rth', async () => {
    for (const args of [[], ['--session', 'all'], ['--session', 'rth', '--calendar', 'crypto']]) {
      const out = mkdtempSync(join(tmpdir(), 'kalrev-rth-'));
      const r = await kalrevInProcess('backtest', '--data', file, '--pair', 'Y,X', ...args, '--out', out);
      expect(r.status).toBe(0);
      expect(readFileSync(join(out, 'equity.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 1584);
    }
  });

  it('refuses an unknown value, naming the flag', async () => {
    const r = await kalrevInProcess('backtest', '--data', file, '--pair', 'Y,X', '--session', 'day');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--session');
  });
});

describe('kalrev backtest --flatten-at-close', () => {
  it('flattens at every session close of intraday data (written to run.json)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kalrev-flat-'));
    const r = await kalrevInProcess(
      'backtest',
      '--data',
      file,
      '--pair',
      'Y,X',
      '--session',
      'rth',
      '--flatten-at-close',
      '--entry-z',
      '0.5',
      '--exit-z',
      '0',
      '--out',
      out,
    );
    expect(r.status).toBe(0);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.options.flattenAtClose).toBe(true);
    // the last bar of each session (15:30 New York) holds nothing: 20:30 UTC in EST, 19:30 in EDT
    const rows = readFileSync(join(out, 'equity.csv'), 'utf8').trim().split('\n');
    const header = rows[0].split(',');
    const y = header.indexOf('shares_Y');
    // regular hours lie within one UTC date: a session's last bar is its date's last row
    const byDate = new Map<string, string>();
    for (const l of rows.slice(1)) byDate.set(l.slice(0, 10), l);
    const last = [...byDate.values()];
    expect(last.map((l) => l.slice(11, 16))).toContain('20:30');
    expect(last.map((l) => l.slice(11, 16))).toContain('19:30');
    expect(last.length).toBe(24);
    expect(y).toBeGreaterThan(0);
    for (const l of last) expect(Number(l.split(',')[y])).toBe(0);
  });

  it('is refused on daily bars, naming the flag', async () => {
    const r = await kalrevInProcess(
      'backtest',
      '--data',
      'data/ewa_ewc.csv',
      '--execution',
      'close',
      '--flatten-at-close',
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      "--flatten-at-close closes positions at each session's close, which needs intraday bars; every bar of this data is a date (daily bars)",
    );
  });
});

describe('kalrev scan with sessions', () => {
  for (const extra of [[], ['--flatten-at-close']])
    it(`gives the pair the metrics of kalrev backtest on the same bars (--session rth ${extra.join(' ')})`, async () => {
      const scanOut = mkdtempSync(join(tmpdir(), 'kalrev-rth-scan-'));
      const s = await kalrevInProcess('scan', '--data', file, '--session', 'rth', ...extra, '--out', scanOut);
      expect(s.status).toBe(0);
      expect(s.stderr).toContain(
        `session: ${file}: regular hours of the NYSE calendar: 312 of 1584 bars kept`,
      );
      const pair = JSON.parse(readFileSync(join(scanOut, 'scan.json'), 'utf8')).ranked[0];
      expect(pair.bars).toBe(312);
      const btOut = mkdtempSync(join(tmpdir(), 'kalrev-rth-bt-'));
      const b = await kalrevInProcess(
        'backtest',
        '--data',
        file,
        '--pair',
        'Y,X',
        '--session',
        'rth',
        ...extra,
        '--out',
        btOut,
      );
      expect(b.status).toBe(0);
      const metrics = JSON.parse(readFileSync(join(btOut, 'metrics.json'), 'utf8'));
      for (const [k, v] of Object.entries(pair.metrics as Record<string, number>))
        expect(metrics[k], k).toBe(v);
    });
});
