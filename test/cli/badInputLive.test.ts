/**
 * Bad input to the paper-trading commands (`paper`, `status`, `report --state`): exit status 2
 * and one or two lines naming the input and where, never a stack trace or "this is a bug".
 * Temporary paths are shown as <tmp>.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolvePaperConfig } from '../../src/app/paper.js';
import { silentLogger } from '../../src/live/logger.js';
import { openPaperSession } from '../../src/live/session.js';
import { kalrev } from './run.js';

let dir: string;
const at = (name: string) => join(dir, name);
const PAIR = ['--pair', 'EWC,EWA', '--execution', 'close'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kalrev-bad-live-'));
  // a binary feed: the first bytes of a gzip file
  writeFileSync(at('binary.csv'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]));
  writeFileSync(at('latin1.csv'), Buffer.from('date,EWC,EWA\n2024-01-02,1\xe9,2\n', 'latin1'));
  writeFileSync(at('noheader.csv'), '2024-01-02,1,2\n2024-01-03,1,2\n');
  writeFileSync(at('text.db'), 'date,EWC,EWA\n2024-01-02,1,2\n');
  // a journal of 200 bars, then damaged copies of it
  const rows = readFileSync('data/ewa_ewc.csv', 'utf8').trim().split('\n');
  writeFileSync(at('head.csv'), rows.slice(0, 201).join('\n') + '\n');
  const fill = openPaperSession({
    config: resolvePaperConfig({ symbols: ['EWC', 'EWA'], options: { execution: 'close' } }),
    state: at('good.db'),
    feed: `csv:${at('head.csv')}`,
    logger: silentLogger(),
  });
  await fill.run();
  fill.close();
  const bytes = readFileSync(at('good.db'));
  writeFileSync(at('truncated.db'), bytes.subarray(0, Math.floor(bytes.length / 2)));
  const flipped = Buffer.from(bytes);
  for (let i = 8192; i < 8192 + 4096; i += 7) flipped[i] ^= 0xff;
  writeFileSync(at('flipped.db'), flipped);
  copyFileSync(at('good.db'), at('edited.db'));
  const db = new Database(at('edited.db'));
  db.prepare('UPDATE bars SET positions = ? WHERE seq = 120').run(Buffer.from(Float64Array.of(5, -5).buffer));
  db.close();
}, 300_000);

/** [what, arguments, the message (<tmp> for the folder)]; every case exits with status 2. */
const cases: [string, () => string[], string | RegExp][] = [
  [
    '--feed csv: a missing file',
    () => ['paper', ...PAIR, '--feed', `csv:${at('missing.csv')}`, '--state', at('s1.db')],
    'kalrev: --feed: <tmp>/missing.csv: no such file',
  ],
  [
    '--feed csv: a folder',
    () => ['paper', ...PAIR, '--feed', `csv:${dir}`, '--state', at('s1.db')],
    'kalrev: --feed: <tmp>: is a folder, expected a CSV file',
  ],
  [
    '--feed csv: a binary file',
    () => ['paper', ...PAIR, '--feed', `csv:${at('binary.csv')}`, '--state', at('s1.db')],
    'kalrev: --feed: <tmp>/binary.csv: not a text CSV file (binary data at byte 4)',
  ],
  [
    '--feed csv: not UTF-8',
    () => ['paper', ...PAIR, '--feed', `csv:${at('latin1.csv')}`, '--state', at('s1.db')],
    'kalrev: --feed: <tmp>/latin1.csv: not a text CSV file (binary data, not UTF-8)',
  ],
  [
    '--feed csv: no header',
    () => ['paper', ...PAIR, '--feed', `csv:${at('noheader.csv')}`, '--state', at('s1.db')],
    'kalrev: --feed: <tmp>/noheader.csv:1:1: the first column must be "date" or "time", found "2024-01-02"',
  ],
  [
    '--feed csv: a symbol the file does not carry',
    () => [
      'paper',
      '--pair',
      'EWC,SPY',
      '--execution',
      'close',
      '--feed',
      'csv:data/ewa_ewc.csv',
      '--state',
      at('s1.db'),
    ],
    'kalrev: --feed: data/ewa_ewc.csv has no "SPY" (the strategy trades EWC, SPY; the file has EWA, EWC)',
  ],
  [
    '--feed: an unknown kind',
    () => ['paper', ...PAIR, '--feed', 'http://127.0.0.1:1/bars', '--state', at('s1.db')],
    'kalrev: --feed: expected csv:PATH, stdin, a ws:// URL, alpaca:SYMBOLS or ccxt:EXCHANGE:SYMBOLS, got "http://127.0.0.1:1/bars"',
  ],
  [
    '--warmup: a missing file',
    () => [
      'paper',
      ...PAIR,
      '--feed',
      'csv:data/ewa_ewc.csv',
      '--warmup',
      at('missing.csv'),
      '--state',
      at('s1.db'),
    ],
    'kalrev: --warmup: <tmp>/missing.csv: no such file',
  ],
  [
    '--warmup: a binary file',
    () => [
      'paper',
      ...PAIR,
      '--feed',
      'csv:data/ewa_ewc.csv',
      '--warmup',
      at('binary.csv'),
      '--state',
      at('s1.db'),
    ],
    'kalrev: --warmup: <tmp>/binary.csv: not a text CSV file (binary data at byte 4)',
  ],
  [
    '--log-level bogus',
    () => [
      'paper',
      ...PAIR,
      '--feed',
      'csv:data/ewa_ewc.csv',
      '--state',
      at('s1.db'),
      '--log-level',
      'bogus',
    ],
    "error: option '--log-level <level>' argument 'bogus' is invalid. Allowed choices are trace, debug, info, warn, error, fatal, silent.",
  ],
  [
    'status: no such journal',
    () => ['status', '--state', at('missing.db')],
    'kalrev: <tmp>/missing.db: no such journal',
  ],
  [
    'status: a file that is not SQLite',
    () => ['status', '--state', at('text.db')],
    'kalrev: <tmp>/text.db: journal corrupt: not a SQLite database (or its header is damaged)',
  ],
  [
    'report --state: a file that is not SQLite',
    () => ['report', '--state', at('text.db'), '--out', at('out')],
    'kalrev: <tmp>/text.db: journal corrupt: not a SQLite database (or its header is damaged)',
  ],
  [
    'paper --state: a file that is not SQLite',
    () => ['paper', ...PAIR, '--feed', 'csv:data/ewa_ewc.csv', '--state', at('text.db')],
    'kalrev: <tmp>/text.db: journal corrupt: not a SQLite database (or its header is damaged)',
  ],
  [
    'status: a half-truncated journal',
    () => ['status', '--state', at('truncated.db')],
    /^kalrev: <tmp>\/truncated\.db: journal corrupt: (database disk image is malformed|SQLite's check of the file failed: .*)$/,
  ],
  [
    'paper: a half-truncated journal',
    () => ['paper', ...PAIR, '--feed', 'csv:data/ewa_ewc.csv', '--state', at('truncated.db')],
    /^kalrev: <tmp>\/truncated\.db: journal corrupt: (database disk image is malformed|SQLite's check of the file failed: .*)$/,
  ],
  [
    'status: flipped bytes',
    () => ['status', '--state', at('flipped.db')],
    /^kalrev: <tmp>\/flipped\.db: journal corrupt: (database disk image is malformed|SQLite's check of the file failed: .*)$/,
  ],
  [
    'report --state: flipped bytes',
    () => ['report', '--state', at('flipped.db'), '--out', at('out')],
    /^kalrev: <tmp>\/flipped\.db: journal corrupt: (database disk image is malformed|SQLite's check of the file failed: .*)$/,
  ],
  [
    'paper: a journal edited by hand',
    () => ['paper', ...PAIR, '--feed', 'csv:data/ewa_ewc.csv', '--state', at('edited.db')],
    /^kalrev: <tmp>\/edited\.db: journal corrupt: bar 120 \(2006-10-1\dT00:00:00\.000Z\) or its orders do not match the checksum chain: the journal was changed outside kalrev$/,
  ],
  [
    'status: a journal edited by hand',
    () => ['status', '--state', at('edited.db')],
    /^kalrev: <tmp>\/edited\.db: journal corrupt: bar 120 .* the journal was changed outside kalrev$/,
  ],
];

describe('bad input to paper, status and report --state: exit 2, the input named', () => {
  it.each(cases)('%s', async (_name, args, expected) => {
    const r = await kalrev(...args());
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/this is a bug/);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    const message = r.stderr.split(dir).join('<tmp>').trim();
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  it('status --json on a corrupt journal: the corruption as JSON on stdout, exit 2', async () => {
    const r = await kalrev('status', '--state', at('text.db'), '--json');
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      file: at('text.db'),
      health: 'corrupt',
      error: 'not a SQLite database (or its header is damaged)',
    });
  });

  it('nothing a user saved is touched: the damaged files are left as they were', () => {
    expect(readFileSync(at('text.db'), 'utf8')).toBe('date,EWC,EWA\n2024-01-02,1,2\n');
  });
});

describe('kalrev paper --broker ccxt:EXCHANGE', () => {
  it('--ccxt-url reaches the venue: one that is not a URL exits 2 naming the flag', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'paper',
        ...PAIR,
        '--broker',
        'ccxt:bybit',
        '--ccxt-url',
        'not a url',
        '--feed',
        'stdin',
        '--state',
        at('ccxt.db'),
      ],
      {
        env: { ...process.env, CCXT_API_KEY: 'test-key-1234', CCXT_SECRET: 'test-secret-5678' },
        encoding: 'utf8',
        input: '',
      },
    );
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(
      'kalrev: --ccxt-url: not a URL (expected http://HOST[:PORT] or https://HOST)',
    );
  });
});
