/**
 * The dashboard and alert flags through the real CLI (a child process): `kalrev paper --alert`
 * posts to a local webhook while the webhook's token reaches neither the log, the journal nor
 * stdout; `--dashboard 0` serves the run and leaves `--json` clean; bad flags exit 2 with one
 * line naming the flag; `kalrev dashboard` refuses a missing or damaged journal.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/live/journal.js';
import { cleanup, tempDir } from '../live/helpers.js';
import { webhookServer } from '../live/webhookServer.js';
import { kalrev } from './run.js';

afterAll(cleanup);

const replay = [
  'paper',
  '--preset',
  'kalman-pair',
  '--pair',
  'EWC,EWA',
  '--execution',
  'close',
  '--feed',
  'csv:data/ewa_ewc.csv',
];

describe('kalrev paper --alert / --dashboard, kalrev dashboard', () => {
  it('posts every fill to the webhook; its token is in no log, journal or output', async () => {
    const hook = await webhookServer();
    const dir = tempDir();
    const state = join(dir, 'state.db');
    const log = join(dir, 'paper.log');
    const token = '987654:TOKEN-never-printed';
    const url = `${hook.origin}/bot${token}/sendMessage?chat_id=77`;
    // 250 bars: fewer alerts than a webhook's queue holds, so none is dropped
    const csv = join(dir, 'ewa_ewc_250.csv');
    writeFileSync(csv, readFileSync('data/ewa_ewc.csv', 'utf8').split('\n').slice(0, 251).join('\n') + '\n');
    const r = await kalrev(
      ...replay.slice(0, -1),
      `csv:${csv}`,
      '--state',
      state,
      '--log',
      log,
      '--alert',
      `webhook:${url}`,
      '--json',
    );
    expect(r.status).toBe(0);
    const j = new Journal(state, { readonly: true });
    const fills = j.count('fills');
    const meta = JSON.stringify(j.db.prepare('SELECT * FROM meta').all());
    j.close();
    const posted = hook.received.filter((x) => x.body.kind === 'fill');
    expect(fills).toBeGreaterThan(50);
    expect(posted).toHaveLength(fills);
    expect(hook.received.every((x) => x.path === `/bot${token}/sendMessage?chat_id=77`)).toBe(true);
    expect(posted[0].body.run).toEqual({ state, symbols: ['EWC', 'EWA'] });
    for (const text of [
      r.stdout,
      r.stderr,
      readFileSync(log, 'utf8'),
      meta,
      readFileSync(state).toString('latin1'),
    ])
      expect(text).not.toContain('TOKEN-never-printed');
    await hook.close();
  });

  it('--dashboard 0 serves the run on 127.0.0.1 and keeps --json output clean', async () => {
    const state = join(tempDir(), 'state.db');
    const r = await kalrev(...replay, '--state', state, '--dashboard', '0', '--json', '--log-level', 'warn');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^kalrev paper: dashboard at http:\/\/127\.0\.0\.1:\d+\/$/m);
    expect(JSON.parse(r.stdout)).toMatchObject({ bars: 1500, stopped: 'feed ended' });
  });

  it('refuses bad flags and journals with one line and exit status 2', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.db');
    const cases: [string[], string][] = [
      [
        [...replay, '--state', state, '--alert', 'slack:https://hooks.slack.com/services/T0/B0/SECRETPART'],
        // a mistyped target is not echoed: its URL is its credential
        'kalrev: --alert: expected webhook:URL, got "slack:…"\n',
      ],
      [
        [...replay, '--state', state, '--alert', 'webhook:ftp://example.com/x'],
        'kalrev: --alert: a webhook is an http: or https: URL, got ftp:\n',
      ],
      [
        [...replay, '--state', state, '--dashboard', '70000'],
        "error: option '--dashboard [port]' argument '70000' is invalid. --dashboard expects a whole number from 0 to 65,535, got \"70000\".\n",
      ],
      [
        ['dashboard', '--state', join(dir, 'missing.db')],
        `kalrev: ${join(dir, 'missing.db')}: no such journal\n`,
      ],
    ];
    for (const [args, stderr] of cases) {
      const r = await kalrev(...args);
      expect([args.slice(-2), r.status, r.stderr]).toEqual([args.slice(-2), 2, stderr]);
    }
    const bad = join(dir, 'bad.db');
    writeFileSync(bad, 'not a database '.repeat(400));
    const r = await kalrev('dashboard', '--state', bad);
    expect([r.status, r.stderr]).toEqual([
      2,
      `kalrev: ${bad}: journal corrupt: not a SQLite database (or its header is damaged)\n`,
    ]);
  });
});
