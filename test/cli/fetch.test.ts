/**
 * `kalrev fetch` on the command line, against the local fake providers: the files it writes are
 * read by the other commands; bad input and every provider error end with exit status 2 and one
 * line naming the provider and the symbol, no stack trace; and planted Alpaca keys appear in no
 * file it writes, nor on its stdout or stderr.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loopbackOnly } from '../fakes/fetchNetwork.js';
import { startFetchFake, type FetchFake } from '../fakes/fetchProviders.js';
import { kalrev, kalrevInProcess } from './run.js';

let fake: FetchFake;
let guard: ReturnType<typeof loopbackOnly>;
let root: string;
let n = 0;

beforeAll(async () => {
  guard = loopbackOnly();
  fake = await startFetchFake();
  root = mkdtempSync(join(tmpdir(), 'kalrev-fetch-cli-'));
});
afterAll(async () => {
  await fake.close();
  guard.restore();
  expect(guard.refused).toEqual([]);
});
beforeEach(() => {
  fake.queue = [];
  fake.down = false;
  fake.seen.length = 0;
});

const scratch = () => join(root, String(++n));

/** A fetch of 2009-12 … 2011-01 from `provider`, cached in its own folder. */
function fetchArgs(provider: string, symbols: string[], out: string, ...more: string[]): string[] {
  return [
    'fetch',
    ...symbols,
    '--from',
    '2009-12-01',
    '--to',
    '2011-01-31',
    '--provider',
    provider,
    '--base-url',
    fake.url,
    '--out',
    out,
    '--cache',
    join(out, '..', 'cache'),
    ...more,
  ];
}

describe('kalrev fetch', () => {
  it('writes a folder the other commands read, and says what the closes are', async () => {
    const out = join(scratch(), 'prices');
    const r = await kalrevInProcess(...fetchArgs('yahoo', ['SPY', 'EWA'], out));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      `kalrev fetch: 2 symbols from yahoo, 1d bars → ${out} (6 chunks fetched, 0 from the cache)`,
    );
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/))).toEqual([
      ['symbol', 'bars', 'first', 'last'],
      ['SPY', '266', '2009-12-21', '2011-01-10'],
      ['EWA', '266', '2009-12-21', '2011-01-10'],
    ]);
    expect(lines[4]).toBe("close: Yahoo's Close: adjusted for splits, not for dividends");
    expect(lines[5]).toMatch(/^adj close: adjusted for splits and dividends; commands use it/);
    const analyze = await kalrevInProcess('analyze', '--data', out, '--pair', 'SPY,EWA', '--json');
    expect(analyze.status).toBe(0);
    expect(JSON.parse(analyze.stdout)).toMatchObject({ bars: 266, first: '2009-12-21', last: '2011-01-10' });
  });

  it('fetches nothing the second time, and draws its progress when asked', async () => {
    const out = join(scratch(), 'prices.csv');
    expect((await kalrevInProcess(...fetchArgs('stooq', ['spy.us'], out))).status).toBe(0);
    const asked = fake.seen.length;
    const again = await kalrevInProcess(...fetchArgs('stooq', ['spy.us'], out, '--progress', '--json'));
    expect(again.status).toBe(0);
    expect(fake.seen.length).toBe(asked);
    expect(JSON.parse(again.stdout)).toMatchObject({ fetchedChunks: 0, cachedChunks: 3, files: [out] });
    expect(again.stderr).toContain('kalrev fetch [########################] 3/3');
  });

  it('keeps nothing with --no-cache, and asks again the next time', async () => {
    const d = scratch();
    const args = fetchArgs('stooq', ['spy.us'], join(d, 'p.csv'), '--no-cache');
    args.splice(args.indexOf('--cache'), 2);
    expect((await kalrevInProcess(...args)).status).toBe(0);
    expect((await kalrevInProcess(...args)).status).toBe(0);
    expect(fake.seen.length).toBe(6);
    expect(readdirSync(d)).toEqual(['p.csv']);
  });

  it.each([
    [
      ['--interval', '5m'],
      "error: option '--interval <i>' argument '5m' is invalid. Allowed choices are 1d, 1h, 1m.",
    ],
    [['--provider', 'bloomberg'], '--provider expects yahoo, stooq, alpaca or ccxt:EXCHANGE'],
    [['--from', '2021-02-29'], '--from expects a date YYYY-MM-DD, got "2021-02-29".'],
    [['--base-url', 'ftp://127.0.0.1'], '--base-url expects an http:// or https:// URL'],
  ])('refuses %j with exit status 2', async (bad, message) => {
    const args = fetchArgs('yahoo', ['SPY'], join(scratch(), 'p.csv'));
    const i = args.indexOf(bad[0]);
    if (i >= 0) args.splice(i, 2, ...bad);
    else args.push(...bad);
    const r = await kalrevInProcess(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fake.seen.length).toBe(0);
  });

  it.each([
    ['yahoo', 'NOSUCH', 'kalrev: yahoo NOSUCH: unknown symbol (No data found, symbol may be delisted)'],
    [
      'stooq',
      'nosuch.us',
      'kalrev: stooq nosuch.us: no bars from 2009-12-01 to 2011-01-31: the provider does not know the symbol, or it did not trade then',
    ],
  ])(
    'ends a %s fetch of an unknown symbol with exit status 2 and one line',
    async (provider, symbol, line) => {
      const out = join(scratch(), 'p.csv');
      const r = await kalrevInProcess(...fetchArgs(provider, [symbol], out));
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`${line}\n`);
      expect(existsSync(out)).toBe(false);
    },
  );

  it('ends a fetch answered with garbage with exit status 2, naming the provider and symbol', async () => {
    fake.queue = [{ path: '/v8/', status: 200, body: '<html>Just a moment...</html>' }];
    const r = await kalrevInProcess(...fetchArgs('yahoo', ['SPY'], join(scratch(), 'p.csv')));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'kalrev: yahoo SPY: answered with something that is not JSON (HTTP 200, "<html>Just a moment...</html>")\n',
    );
  });
});

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('secrets', () => {
  it('a planted Alpaca key appears in no file fetch writes, nor in its output or errors', async () => {
    const keyId = 'PKPLANTED7QX2Z9KEYID';
    const secret = 'planted-secret-4f9c2e7a1b';
    fake.alpacaKeys = { id: keyId, secret };
    const saved = { id: process.env.APCA_API_KEY_ID, secret: process.env.APCA_API_SECRET_KEY };
    process.env.APCA_API_KEY_ID = keyId;
    process.env.APCA_API_SECRET_KEY = secret;
    const dir = scratch();
    const outputs: string[] = [];
    try {
      const ok = await kalrev(...fetchArgs('alpaca', ['SPY', 'EWA'], join(dir, 'prices')));
      expect(ok.status).toBe(0);
      const json = await kalrev(
        ...fetchArgs('alpaca', ['SPY'], join(dir, 'one.csv'), '--json', '--progress'),
      );
      expect(json.status).toBe(0);
      // an error that quotes the key back, shown with --debug (the stack trace included)
      fake.queue = [
        { path: '/v2/', status: 403, body: JSON.stringify({ message: `key ${keyId} is not authorized` }) },
      ];
      const refused = await kalrev(...fetchArgs('alpaca', ['XLE'], join(dir, 'x.csv'), '--debug'));
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain(
        'alpaca XLE: the provider refused the credentials (HTTP 403: key *** is not authorized)',
      );
      outputs.push(...[ok, json, refused].flatMap((r) => [r.stdout, r.stderr]));
    } finally {
      process.env.APCA_API_KEY_ID = saved.id;
      process.env.APCA_API_SECRET_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.APCA_API_KEY_ID;
      if (saved.secret === undefined) delete process.env.APCA_API_SECRET_KEY;
    }
    // the keys did reach the provider, in its headers
    expect(fake.seen.some((s) => s.headers['apca-api-secret-key'] === secret)).toBe(true);
    const written = files(dir);
    // two symbol files, one long file, and the cache's chunks
    expect(written.filter((f) => f.endsWith('.csv')).length).toBe(3);
    expect(written.length).toBeGreaterThan(3);
    for (const text of [...written.map((f) => readFileSync(f, 'utf8')), ...outputs]) {
      expect(text).not.toContain(keyId);
      expect(text).not.toContain(secret);
    }
  });
});
