/**
 * Bad input to the data and strategy commands, as a table: every row must exit with status 2 and
 * a one- or two-line message naming the input and where it is wrong (file:line:column, the flag,
 * the config file and the JSON path of the field), with no stack trace and no "this is a bug".
 * The command lines run in this process through the CLI's own `main` (test/cli/run.ts), so the
 * table costs no process start per row. The queue and live commands have their own tables.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kalrevInProcess } from './run.js';

let dir = '';
const at = (name: string) => join(dir, name);
const EWA_EWC = 'data/ewa_ewc.csv';
const CLOSE = ['--execution', 'close'];
const ok = (config: Record<string, unknown>) =>
  JSON.stringify({ data: join(process.cwd(), EWA_EWC), symbols: ['EWC', 'EWA'], ...config });

/** The files the rows read, written to a fresh temporary folder. */
const FILES: Record<string, string | Buffer> = {
  // the third line holds the stray quote, in its second field
  'quote.csv': 'date,EWA,EWC\n2006-04-26,16.1,20.1\n2006-04-27,16"29,20.2\n2006-04-28,16.3,20.3\n',
  'unclosed.csv': 'date,EWA,EWC\n2006-04-26,16.1,20.1\n2006-04-27,"16.2,20.2\n',
  'after-quote.csv': 'date,EWA,EWC\n2006-04-26,16.1,20.1\n2006-04-27,"16.2"x,20.2\n',
  // a zip-like header: NUL bytes and a quote where csv-parse trips over it
  'binary.csv': Buffer.from([
    0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x22, 0x00, 0x0a, 0x01, 0x22, 0x9f, 0xff, 0x00, 0x2c, 0x0a,
  ]),
  'unknown-type.json': ok({ strategy: { spread: { type: 'x' } } }),
  'bad-field.json': ok({ options: { costs: { commissionBps: -1 } } }),
  'top-level-execution.json': ok({ execution: 'close' }),
  'lookback.json': ok({
    strategy: { normaliser: { type: 'rolling', lookback: 1e12 } },
    options: { execution: 'close' },
  }),
  'long-lookback.json': ok({
    strategy: { normaliser: { type: 'rolling', lookback: 5000 } },
    options: { execution: 'close' },
  }),
  'one-symbol.json': JSON.stringify({
    data: join(process.cwd(), EWA_EWC),
    symbols: ['EWC'],
    preset: 'kalman-pair',
  }),
  'no-normaliser.json': ok({ strategy: { spread: { type: 'rolling-ols' } } }),
  'not-json.json': '{"symbols": ["EWC", "EWA"],}',
  'window.json': ok({ report: { rollingWindow: 1 } }),
};

interface Row {
  /** What the row is about. */
  what: string;
  args: () => string[];
  /** The message must match: it names the input and its location. */
  says: RegExp;
}

const ROWS: Row[] = [
  // data files
  {
    what: 'a CSV with a stray quote (backtest)',
    args: () => ['backtest', '--data', at('quote.csv'), '--pair', 'EWC,EWA', ...CLOSE],
    says: /quote\.csv:3:2: malformed CSV: a quote inside an unquoted field/,
  },
  {
    what: 'a CSV with a stray quote (scan)',
    args: () => ['scan', '--data', at('quote.csv'), '--out', at('scan')],
    says: /quote\.csv:3:2: malformed CSV: a quote inside an unquoted field/,
  },
  {
    what: 'a CSV with a stray quote (filter)',
    args: () => ['filter', '--data', at('quote.csv'), '--column', 'EWA'],
    says: /quote\.csv:3:2: malformed CSV/,
  },
  {
    what: 'a CSV with a quote never closed',
    args: () => ['backtest', '--data', at('unclosed.csv'), '--pair', 'EWC,EWA', ...CLOSE],
    says: /unclosed\.csv:3:\d+: malformed CSV: a quoted field is never closed/,
  },
  {
    what: 'a CSV with text after a closing quote',
    args: () => ['backtest', '--data', at('after-quote.csv'), '--pair', 'EWC,EWA', ...CLOSE],
    says: /after-quote\.csv:3:2: malformed CSV: text after the closing quote of a quoted field/,
  },
  {
    what: 'a binary file',
    args: () => ['backtest', '--data', at('binary.csv'), '--pair', 'EWC,EWA', ...CLOSE],
    says: /binary\.csv: not a CSV text file \(binary content\)/,
  },
  {
    what: 'a binary file (analyze)',
    args: () => ['analyze', '--data', at('binary.csv'), '--pair', 'EWC,EWA'],
    says: /binary\.csv: not a CSV text file/,
  },
  // windows
  {
    what: '--lookback 1e12',
    args: () => ['backtest', '--data', EWA_EWC, '--pair', 'EWC,EWA', ...CLOSE, '--lookback', '1e12'],
    says: /--lookback expects a whole number from 2 to 10,000,000 or half-life, got "1e12"/,
  },
  {
    what: '--lookback longer than the data',
    args: () => [
      'backtest',
      '--data',
      EWA_EWC,
      '--pair',
      'EWC,EWA',
      ...CLOSE,
      '--normaliser',
      'rolling',
      '--lookback',
      '5000',
    ],
    says: /--lookback 5000: the strategy needs 5000 bars .* but data\/ewa_ewc\.csv has 1500 aligned bars/,
  },
  {
    what: 'a config lookback of 1e12',
    args: () => ['backtest', '--config', at('lookback.json'), '--out', at('o')],
    says: /lookback\.json: strategy\.normaliser\.lookback: Too big/,
  },
  {
    what: 'a config lookback longer than the data',
    args: () => ['backtest', '--config', at('long-lookback.json'), '--out', at('o')],
    says: /long-lookback\.json: the strategy needs 5000 bars .* has 1500 aligned bars/,
  },
  {
    what: 'sweep --train longer than the data',
    args: () => [
      'sweep',
      '--data',
      EWA_EWC,
      '--pair',
      'EWC,EWA',
      '--grid',
      'entryZ=1,2',
      '--train',
      '2000',
      '--test',
      '100',
    ],
    says: /--train 2000: data\/ewa_ewc\.csv has 1500 bars, too few/,
  },
  {
    what: 'sweep --test longer than the data',
    args: () => [
      'sweep',
      '--data',
      EWA_EWC,
      '--pair',
      'EWC,EWA',
      '--grid',
      'entryZ=1,2',
      '--train',
      '200',
      '--test',
      '1e6',
    ],
    says: /--test 1000000: longer than the data \(data\/ewa_ewc\.csv has 1500 bars\)/,
  },
  {
    what: 'scan --min-bars longer than the data',
    args: () => ['scan', '--data', 'data/ewa_ewc_ige.csv', '--min-bars', '5000', '--out', at('scan')],
    says: /--min-bars 5000: longer than the data \(data\/ewa_ewc_ige\.csv has \d+ bars\)/,
  },
  {
    what: 'filter --em 1e12 (iterations)',
    args: () => ['filter', '--column', 'EWA', '--em', '1e12'],
    says: /--em expects a whole number from 1 to 10,000, got "1e12"/,
  },
  // legs
  {
    what: '--pair with one symbol',
    args: () => ['backtest', '--data', EWA_EWC, '--pair', 'EWC', ...CLOSE],
    says: /--pair expects two symbols Y,X .* got "EWC"; for one asset use --symbol/,
  },
  {
    what: '--pair naming one symbol twice',
    args: () => ['backtest', '--data', EWA_EWC, '--pair', 'EWC,EWC', ...CLOSE],
    says: /--pair names EWC twice/,
  },
  {
    what: '--pair with three symbols (sweep)',
    args: () => ['sweep', '--data', EWA_EWC, '--pair', 'EWC,EWA,IGE', '--grid', 'entryZ=1'],
    says: /--pair expects two symbols Y,X .* got "EWC,EWA,IGE"/,
  },
  {
    what: '--pair with one symbol (analyze)',
    args: () => ['analyze', '--pair', 'EWC'],
    says: /--pair expects two symbols/,
  },
  {
    what: '--symbol beside --pair',
    args: () => ['backtest', '--data', EWA_EWC, '--pair', 'EWC,EWA', '--symbol', 'EWA', ...CLOSE],
    says: /option '--symbol <S>' cannot be used with option '--pair <Y,X>'/,
  },
  {
    what: '--symbol beside --pair (analyze)',
    args: () => ['analyze', '--pair', 'EWC,EWA', '--symbol', 'EWA'],
    says: /option '--symbol <S>' cannot be used with option '--pair <Y,X>'/,
  },
  // numbers are decimal literals
  {
    what: '--entry-z 0x10',
    args: () => ['backtest', '--data', EWA_EWC, '--pair', 'EWC,EWA', ...CLOSE, '--entry-z', '0x10'],
    says: /--entry-z expects a decimal number, got "0x10"/,
  },
  {
    what: '--capital Infinity',
    args: () => ['backtest', '--data', EWA_EWC, '--pair', 'EWC,EWA', ...CLOSE, '--capital', 'Infinity'],
    says: /--capital expects a decimal number, got "Infinity"/,
  },
  {
    what: '--max-hold 0b11',
    args: () => ['backtest', '--data', EWA_EWC, '--pair', 'EWC,EWA', ...CLOSE, '--max-hold', '0b11'],
    says: /--max-hold expects a whole number .* got "0b11"/,
  },
  {
    what: '--delta with spaces',
    args: () => ['backtest', '--data', EWA_EWC, '--pair', 'EWC,EWA', ...CLOSE, '--delta', ' 1e-4 '],
    says: /--delta expects a decimal number, got " 1e-4 "/,
  },
  {
    what: 'scan --min-corr 0o1',
    args: () => ['scan', '--data', EWA_EWC, '--min-corr', '0o1'],
    says: /--min-corr expects a decimal number, got "0o1"/,
  },
  {
    what: 'scan --half-life 0x1,20',
    args: () => ['scan', '--data', EWA_EWC, '--half-life', '0x1,20'],
    says: /--half-life expects min,max, got "0x1,20"/,
  },
  {
    what: 'sweep --train 0x20',
    args: () => ['sweep', '--data', EWA_EWC, '--pair', 'EWC,EWA', '--grid', 'entryZ=1', '--train', '0x20'],
    says: /--train expects a whole number .* got "0x20"/,
  },
  {
    what: 'filter --q 0x1',
    args: () => ['filter', '--column', 'EWA', '--q', '0x1'],
    says: /--q expects a decimal number, got "0x1"/,
  },
  {
    what: 'demo --delta 0x1',
    args: () => ['demo', '--delta', '0x1'],
    says: /--delta must be a positive number/,
  },
  {
    what: 'worker --concurrency 0x2 (parsed before any connection)',
    args: () => ['worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', '0x2'],
    says: /--concurrency expects a whole number .* got "0x2"/,
  },
  {
    what: 'paper --pace 0x10 (parsed before any journal or feed is opened)',
    args: () => [
      'paper',
      '--pair',
      'EWC,EWA',
      '--feed',
      `csv:${EWA_EWC}`,
      '--state',
      at('s.db'),
      '--pace',
      '0x10',
    ],
    says: /--pace expects a number ≥ 0, got "0x10"/,
  },
  // walk-forward takes both windows
  {
    what: 'sweep --test without --train',
    args: () => ['sweep', '--data', EWA_EWC, '--pair', 'EWC,EWA', '--grid', 'entryZ=1', '--test', '100'],
    says: /--test 100: walk-forward needs --train too/,
  },
  {
    what: 'sweep --train without --test',
    args: () => ['sweep', '--data', EWA_EWC, '--pair', 'EWC,EWA', '--grid', 'entryZ=1', '--train', '500'],
    says: /--train 500: walk-forward needs --test too/,
  },
  // config files name the file and the JSON path of the field
  {
    what: 'an unknown spread.type',
    args: () => ['backtest', '--config', at('unknown-type.json'), '--out', at('o')],
    says: /unknown-type\.json: strategy\.spread\.type: unknown type "x", expected one of kalman-hedge, kalman-fair-value, rolling-ols, static, ratio/,
  },
  {
    what: 'a config field out of range',
    args: () => ['backtest', '--config', at('bad-field.json'), '--out', at('o')],
    says: /bad-field\.json: options\.costs\.commissionBps: Too small/,
  },
  {
    what: 'execution at the top level of a config',
    args: () => ['backtest', '--config', at('top-level-execution.json'), '--out', at('o')],
    says: /top-level-execution\.json: execution: unknown key; backtest options go under "options"/,
  },
  {
    what: 'a config with too few symbols',
    args: () => ['backtest', '--config', at('one-symbol.json'), '--out', at('o')],
    says: /one-symbol\.json: symbols: the strategy trades 2 legs but 1 is given \(EWC\)/,
  },
  {
    what: 'a config of its own spread without a normaliser',
    args: () => ['backtest', '--config', at('no-normaliser.json'), '--out', at('o')],
    says: /no-normaliser\.json: strategy\.normaliser: missing/,
  },
  {
    what: 'a config that is not JSON',
    args: () => ['backtest', '--config', at('not-json.json'), '--out', at('o')],
    says: /not-json\.json: not valid JSON/,
  },
  // the tear sheet's options
  {
    what: 'a benchmark the data does not hold',
    args: () => [
      'backtest',
      '--data',
      EWA_EWC,
      '--pair',
      'EWC,EWA',
      '--benchmark',
      'SPY',
      ...CLOSE,
      '--out',
      at('o'),
    ],
    says: /--benchmark SPY: data\/ewa_ewc\.csv: unknown symbol "SPY"/,
  },
  {
    what: 'a rolling window of one bar',
    args: () => [
      'backtest',
      '--data',
      EWA_EWC,
      '--pair',
      'EWC,EWA',
      '--rolling-window',
      '1',
      ...CLOSE,
      '--out',
      at('o'),
    ],
    says: /--rolling-window: Too small: expected number to be >=2/,
  },
  {
    what: 'a rolling window of one bar in a config',
    args: () => ['backtest', '--config', at('window.json'), '--out', at('o')],
    says: /window\.json: report\.rollingWindow: Too small: expected number to be >=2/,
  },
  {
    what: 'a q-value screen out of range (scan)',
    args: () => ['scan', '--data', EWA_EWC, '--max-qvalue', '0', '--out', at('scan')],
    says: /screens\.maxQValue: expected a number in \(0, 1\], got 0/,
  },
];

describe('bad input to the data and strategy commands exits 2 naming the input and where', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kalrev-bad-input-'));
    for (const [name, text] of Object.entries(FILES)) writeFileSync(at(name), text);
  });

  it.each(ROWS)('$what', async ({ args, says }) => {
    const r = await kalrevInProcess(...args());
    const err = r.stderr.trim();
    expect({ status: r.status, stdout: r.stdout, err }).toMatchObject({ status: 2, stdout: '' });
    expect(err).toMatch(says);
    expect(err.split('\n').length).toBeLessThanOrEqual(2);
    expect(err).not.toMatch(/^\s+at /m);
    expect(err).not.toMatch(/bug|unexpected condition|Error:/);
  });
});
