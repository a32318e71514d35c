/**
 * Secrets: with an Alpaca key and secret planted in the environment, `kalrev paper` against the
 * local fake (a refused start and a run), `kalrev status` and `kalrev report` write them
 * nowhere: not in the journal, the log, the report, the status output or anything printed.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeAlpaca } from '../fakes/alpacaTrading.js';
import { cleanup, tempDir } from './helpers.js';

afterAll(cleanup);

const KEY = 'PKPLANTEDKEY7Q2X9W4Z';
const SECRET = 'planted-secret-Vb8sK1mN5pQ7rT3uW6yZ0aC2eG4iL9oJ';

function kalrevWith(env: Record<string, string>, args: string[]) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('Alpaca keys', () => {
  it('a planted key and secret appear in no file, log or output kalrev writes', async () => {
    const dir = tempDir();
    const outputs: string[] = [];
    const refusing = await FakeAlpaca.start({
      keyId: KEY,
      secretKey: SECRET,
      assets: { EWA: { shortable: false } },
    });
    const env = (fake: FakeAlpaca) => ({
      APCA_API_KEY_ID: KEY,
      APCA_API_SECRET_KEY: SECRET,
      APCA_API_BASE_URL: fake.url,
      APCA_API_STREAM_URL: fake.streamUrl,
    });
    const paper = (fake: FakeAlpaca, state: string, ...extra: string[]) =>
      kalrevWith(env(fake), [
        'paper',
        '--pair',
        'EWC,EWA',
        '--execution',
        'close',
        '--broker',
        'alpaca',
        '--feed',
        'alpaca:EWC,EWA',
        '--state',
        join(dir, state),
        '--log',
        join(dir, `${state}.log`),
        '--log-level',
        'debug',
        ...extra,
      ]);
    const refused = await paper(refusing, 'refused.db');
    await refusing.close();
    outputs.push(refused.stdout, refused.stderr);
    expect([refused.status, refused.stderr.trim()]).toEqual([
      2,
      'kalrev: broker alpaca refused the run: EWA cannot be sold short',
    ]);

    const fake = await FakeAlpaca.start({ keyId: KEY, secretKey: SECRET });
    // the kill file is there from the start: the run stops after its first bar
    writeFileSync(join(dir, 'KILL'), '');
    const running = paper(fake, 'state.db', '--kill-file', join(dir, 'KILL'), '--json');
    await fake.whenSubscribed();
    fake.publishBar('2024-01-02T15:00:00Z', { EWC: { o: 20, c: 20 }, EWA: { o: 18, c: 18 } });
    const run = await running;
    const keysSet = env(fake);
    await fake.close();
    outputs.push(run.stdout, run.stderr);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      broker: 'alpaca',
      bars: 1,
      killed: `file ${join(dir, 'KILL')}`,
    });
    for (const args of [
      ['status', '--state', join(dir, 'state.db')],
      ['status', '--state', join(dir, 'state.db'), '--json'],
      ['report', '--state', join(dir, 'state.db'), '--out', join(dir, 'report')],
    ]) {
      const r = await kalrevWith(keysSet, args);
      expect(r.status).toBe(0);
      outputs.push(r.stdout, r.stderr);
    }
    const files = filesUnder(dir);
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(
      expect.arrayContaining([
        'refused.db',
        'refused.db.log',
        'state.db',
        'state.db.log',
        'report/report.html',
      ]),
    );
    // the logs say what happened, so a search that finds nothing searched something
    const log = readFileSync(join(dir, 'state.db.log'), 'utf8');
    expect(log).toContain('"event":"broker-connected"');
    expect(readFileSync(join(dir, 'refused.db.log'), 'utf8')).toContain('"event":"broker-refused"');
    for (const text of [...files.map((f) => readFileSync(f).toString('latin1')), ...outputs])
      for (const planted of [KEY, SECRET]) expect(text.includes(planted)).toBe(false);
  }, 120_000);

  it('the live endpoint without --live is refused before anything opens (exit 2); the key never shown', async () => {
    const dir = tempDir();
    const state = join(dir, 'live.db');
    const r = await kalrevWith(
      { APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: SECRET, APCA_API_BASE_URL: 'https://api.alpaca.markets' },
      ['paper', '--pair', 'EWC,EWA', '--broker', 'alpaca', '--feed', 'alpaca:EWC,EWA', '--state', state],
    );
    expect([r.status, r.stderr.trim()]).toEqual([
      2,
      "kalrev: --live: APCA_API_BASE_URL names Alpaca's live endpoint (api.alpaca.markets); trading real money needs the explicit --live flag",
    ]);
    expect(readdirSync(dir)).toEqual([]);
    const missing = await kalrevWith({ APCA_API_KEY_ID: '', APCA_API_SECRET_KEY: SECRET }, [
      'paper',
      '--pair',
      'EWC,EWA',
      '--broker',
      'alpaca',
      '--feed',
      'alpaca:EWC,EWA',
      '--state',
      state,
    ]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^kalrev: APCA_API_KEY_ID: not set/);
    expect(missing.stderr).not.toContain(SECRET);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);
});
