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
