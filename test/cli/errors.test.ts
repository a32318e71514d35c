/**
 * Bad input: one or two lines naming the problem and where, exit status 2, no stack trace
 * (`--debug` shows it). The messages are pinned by inline snapshots (temporary paths as <tmp>).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kalrev, type CliResult } from './run.js';

let dir: string;
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
/** stderr with the temporary folder as <tmp>; checks the status and that no stack trace leaked. */
function message(r: CliResult, status = 2): string {
  expect(r.status).toBe(status);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  return r.stderr.split(dir).join('<tmp>').split(process.cwd()).join('<cwd>').trim();
}

const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
    return `${d},${(10 + Math.sin(i)).toFixed(2)},${(20 + Math.cos(i)).toFixed(2)}`;
  }).join('\n');

describe('kalrev error messages', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kalrev-errors-'));
  });

  it('missing file', async () => {
    const r = await kalrev('backtest', '--data', join(dir, 'nope.csv'), '--execution', 'close');
    expect(message(r)).toMatchInlineSnapshot(`"kalrev: <tmp>/nope.csv: no such file"`);
  });

  it('unknown symbol', async () => {
    const r = await kalrev(
      'backtest',
      '--data',
      'data/ewa_ewc.csv',
      '--pair',
      'EWC,SPY',
      '--execution',
      'close',
    );
    expect(message(r)).toMatchInlineSnapshot(
      `"kalrev: data/ewa_ewc.csv: unknown symbol "SPY"; the file has EWA, EWC"`,
    );
  });

  it('unknown column (filter)', async () => {
    const r = await kalrev('filter', '--data', 'data/ewa_ewc.csv', '--column', 'EWA.open');
    expect(message(r)).toMatchInlineSnapshot(
      `"kalrev: data/ewa_ewc.csv: unknown column "EWA.open"; EWA has close"`,
    );
  });

  it('unparseable number at a line', async () => {
    const bad = file('bad-number.csv', `date,A,B\n2020-01-02,1,2\n2020-01-03,1.5,x7\n`);
    const r = await kalrev('backtest', '--data', bad, '--execution', 'close');
    expect(message(r)).toMatchInlineSnapshot(
      `"kalrev: <tmp>/bad-number.csv:3:3: unparseable number "x7" in column B"`,
    );
  });

  it('decreasing dates', async () => {
    const bad = file('decreasing.csv', `date,A,B\n2020-01-03,1,2\n2020-01-02,1.5,2\n`);
    const r = await kalrev('analyze', '--data', bad);
    expect(message(r)).toMatchInlineSnapshot(
      `"kalrev: <tmp>/decreasing.csv:3:1: date 2020-01-02 is before the previous row's 2020-01-03; dates must be strictly increasing"`,
    );
  });

  it('too few rows for the strategy', async () => {
    const short = file('short.csv', `date,A,B\n${rows(30)}\n`);
    const r = await kalrev(
      'backtest',
      '--data',
      short,
      '--pair',
      'A,B',
      '--execution',
      'close',
      '--normaliser',
      'rolling',
      '--lookback',
      '60',
    );
    expect(message(r)).toMatchInlineSnapshot(
      `"kalrev: --lookback 60: the strategy needs 60 bars before its first signal (lookback and training windows), but <tmp>/short.csv has 30 aligned bars"`,
    );
  });

  it('next-open on closes-only data', async () => {
    const r = await kalrev('backtest', '--data', 'data/ewa_ewc.csv', '--pair', 'EWC,EWA');
    expect(message(r)).toMatchInlineSnapshot(
      `"kalrev: data/ewa_ewc.csv: execution 'next-open' needs open prices, but EWC has closes only; use --execution close or next-close, or data with opens (a long or Yahoo file)"`,
    );
  });

  it('unknown option', async () => {
    const r = await kalrev('backtest', '--entry-zz', '2');
    expect(message(r)).toMatchInlineSnapshot(`
      "error: unknown option '--entry-zz'
      (Did you mean --entry-z?)"
    `);
  });

  it('unparseable option value', async () => {
    const r = await kalrev('backtest', '--entry-z', 'two');
    expect(message(r)).toMatchInlineSnapshot(
      `"error: option '--entry-z <n>' argument 'two' is invalid. --entry-z expects a decimal number, got "two"."`,
    );
  });

  it('invalid option value', async () => {
    const r = await kalrev('backtest', '--slippage-bps', '-3');
    expect(message(r)).toMatchInlineSnapshot(
      `"kalrev: --slippage-bps: Too small: expected number to be >=0 (costs.slippageBps)"`,
    );
  });

  it('a flag the strategy has no parameter for', async () => {
    const r = await kalrev('backtest', '--pair', 'EWC,EWA', '--lookback', '30');
    expect(message(r)).toMatchInlineSnapshot(
      `"kalrev: --lookback: this strategy's normaliser has no lookback (its normaliser is not rolling: add --normaliser rolling)"`,
    );
  });

  it('invalid config value', async () => {
    const config = file(
      'config.json',
      JSON.stringify({ preset: 'kalman-pair', options: { execution: 'tomorrow' } }),
    );
    const r = await kalrev('backtest', '--config', config);
    expect(message(r)).toMatchInlineSnapshot(
      `"kalrev: <tmp>/config.json: options.execution: Invalid option: expected one of "close"|"next-open"|"next-close""`,
    );
  });

  it('invalid strategy parameter in a config', async () => {
    const config = file(
      'config2.json',
      JSON.stringify({ preset: 'kalman-pair', strategy: { rule: { entryZ: -1 } } }),
    );
    const r = await kalrev('backtest', '--config', config);
    expect(message(r)).toMatchInlineSnapshot(
      `"kalrev: <tmp>/config2.json: strategy.rule.entryZ: Too small: expected number to be >0"`,
    );
  });

  it('unknown config key', async () => {
    const config = file('config3.json', JSON.stringify({ preset: 'kalman-pair', capitol: 5 }));
    const r = await kalrev('backtest', '--config', config);
    expect(message(r)).toMatchInlineSnapshot(`"kalrev: <tmp>/config3.json: capitol: unknown key"`);
  });

  it('config that is not JSON', async () => {
    const config = file('config4.json', '{ "preset": ');
    const r = await kalrev('backtest', '--config', config);
    expect(message(r)).toMatchInlineSnapshot(
      `"kalrev: <tmp>/config4.json: not valid JSON (Unexpected end of JSON input)"`,
    );
  });

  it('--debug shows the stack trace', async () => {
    const r = await kalrev('--debug', 'backtest', '--data', join(dir, 'nope.csv'), '--execution', 'close');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});
