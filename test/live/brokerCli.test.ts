/**
 * `kalrev paper --broker`: the broker chosen by name (an unknown one is a usage error naming the
 * flag), and a broker whose book changed behind the journal's back halting the run: exit 2, a
 * journaled `halt`, `kalrev status` saying so, and a restart resuming once the books agree.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/live/journal.js';
import { kalrev } from '../cli/run.js';
import { cleanup, tempDir } from './helpers.js';

afterAll(cleanup);

const rows = readFileSync('data/ewa_ewc.csv', 'utf8').trim().split('\n');

describe('kalrev paper --broker', () => {
  it('an unknown broker is a usage error naming --broker; nothing is opened', async () => {
    const dir = tempDir();
    const state = join(dir, 'x.db');
    const r = await kalrev(
      'paper',
      '--pair',
      'EWC,EWA',
      '--feed',
      'csv:data/ewa_ewc.csv',
      '--state',
      state,
      '--broker',
      'ibkr',
    );
    expect([r.status, r.stderr.trim()]).toEqual([
      2,
      'kalrev: --broker: unknown broker "ibkr" (known: paper, alpaca, ccxt:EXCHANGE)',
    ]);
    expect(existsSync(state)).toBe(false);
  });

  it('a broker position changed behind the journal: the restart halts (exit 2, journaled), status says halted; once the books agree it resumes', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.csv'), rows.slice(0, 151).join('\n') + '\n');
    writeFileSync(join(dir, 'b.csv'), rows.slice(0, 201).join('\n') + '\n');
    const state = join(dir, 'state.db');
    const paper = (csv: string, ...extra: string[]) =>
      kalrev(
        'paper',
        '--pair',
        'EWC,EWA',
        '--execution',
        'close',
        '--feed',
        `csv:${join(dir, csv)}`,
        '--state',
        state,
        '--log-level',
        'silent',
        ...extra,
      );
    const first = await paper('a.csv', '--broker', 'paper', '--json');
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ broker: 'paper', bars: 150 });
    const j0 = new Journal(state, { readonly: true });
    const held = j0.positions().get('EWC')!;
    j0.close();
    expect(held).not.toBe(0);
    // someone trades 10 EWC on the account by hand
    const venue = (shares: number) => {
      const db = new Database(state);
      db.prepare(`UPDATE paper_positions SET shares = shares + ? WHERE symbol = 'EWC'`).run(shares);
      db.close();
    };
    venue(10);
    const halted = await paper('b.csv');
    expect(halted.status).toBe(2);
    expect(halted.stderr.trim()).toBe(
      `kalrev: ${state}: halted: broker "paper" disagrees with the journal (EWC broker ${held + 10} vs journal ${held}); nothing more was traded. Make the account at the broker match the journal's positions and orders (kalrev status --state ${state}), then restart; or start a new --state file`,
    );
    const j1 = new Journal(state, { readonly: true });
    expect(j1.count('bars')).toBe(150);
    expect(j1.events('halt').map((e) => e.detail)).toEqual([
      {
        reason: 'broker-mismatch',
        when: 'start',
        broker: 'paper',
        positions: [{ symbol: 'EWC', journal: held, broker: held + 10 }],
        brokerOnly: [],
        journalOnly: [],
      },
    ]);
    j1.close();
    const st = await kalrev('status', '--state', state, '--json');
    expect(st.status).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({
      health: 'halted',
      halted: `EWC broker ${held + 10} vs journal ${held}`,
      broker: 'paper',
      brokerPositions: { EWC: held },
    });
    const text = await kalrev('status', '--state', state);
    expect(text.stdout.split('\n')[0]).toContain(
      `health halted (the broker disagrees with the journal: EWC broker ${held + 10} vs journal ${held})`,
    );
    // the 10 shares are sold back at the venue: the books agree, the run resumes
    venue(-10);
    const resumed = await paper('b.csv', '--json');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ bars: 200, newBars: 50 });
    const j2 = new Journal(state, { readonly: true });
    expect(j2.events('resumed')).toHaveLength(1);
    j2.close();
    expect(JSON.parse((await kalrev('status', '--state', state, '--json')).stdout)).toMatchObject({
      health: 'ok',
      halted: null,
    });
  }, 300_000);
});
