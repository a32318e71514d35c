/**
 * One run spec: what `kalrev backtest` writes as run.json is a valid `paper` and `scan` config
 * and resolves to the same spec in each; the flag table is the source of the flags, the error
 * mapping and the sweep grid's names; bad specs exit 2 naming the file, the JSON path or the flag.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPEC_PARAMETERS, flagOf, flagsOf } from '../../src/app/flags.js';
import { resolvePaperLayers } from '../../src/app/paper.js';
import { loadScanRun } from '../../src/app/scan.js';
import { parseRunSpec, resolveRunSpec } from '../../src/app/spec.js';
import { defaultPreset } from '../../src/app/paper.js';
import { parseGrid } from '../../src/scan/sweep.js';
import { kalrev, kalrevInProcess } from '../cli/run.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'kalrev-spec-'));

describe('run.json is the one shape of backtest, scan, sweep and paper', () => {
  it('a run.json from kalrev backtest is accepted by paper and scan and resolves to the same spec', async () => {
    const dir = tmp();
    const out = join(dir, 'bt');
    const bt = await kalrevInProcess(
      'backtest',
      '--data',
      'data/ewa_ewc.csv',
      '--pair',
      'EWC,EWA',
      '--execution',
      'close',
      '--entry-z',
      '2',
      '--slippage-bps',
      '2',
      '--out',
      out,
      '--quiet',
    );
    expect(bt.status, bt.stderr).toBe(0);
    const file = join(out, 'run.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const layers = { file: parseRunSpec(json, file), source: file };
    const backtestSpec = resolveRunSpec(layers, { preset: defaultPreset });
    expect(backtestSpec.strategy.rule).toMatchObject({ type: 'bands', entryZ: 2 });
    expect(backtestSpec.options.execution).toBe('close');
    expect(backtestSpec.options.costs.slippageBps).toBe(2);
    expect(backtestSpec.symbols).toEqual(['EWC', 'EWA']);
    expect(backtestSpec.options).toEqual(json.options);
    expect(backtestSpec.strategy).toEqual(json.strategy);

    const paper = resolvePaperLayers(layers);
    expect(paper.strategy).toEqual(backtestSpec.strategy);
    expect(paper.options).toEqual({ ...backtestSpec.options, symbols: ['EWC', 'EWA'] });
    expect(paper.symbols).toEqual(backtestSpec.symbols);

    const scan = await loadScanRun(layers, 'scan');
    expect(scan.spec.strategy).toEqual(backtestSpec.strategy);
    expect(scan.spec.options).toEqual(backtestSpec.options);
    expect(scan.spec.symbols).toEqual(backtestSpec.symbols);
    expect(scan.frame.symbols).toEqual(['EWA', 'EWC']);

    // and through the commands: a scan of the run's one pair, a sweep of it, a paper replay
    const sc = await kalrevInProcess(
      'scan',
      '--config',
      file,
      '--threads',
      '1',
      '--out',
      join(dir, 'scan'),
      '--json',
    );
    expect(sc.status, sc.stderr).toBe(0);
    expect(JSON.parse(sc.stdout)).toMatchObject({ pairs: 1 });
    const sw = await kalrevInProcess(
      'sweep',
      '--config',
      file,
      '--grid',
      'entryZ=1.5,2',
      '--threads',
      '1',
      '--out',
      join(dir, 'sweep'),
      '--json',
    );
    expect(sw.status, sw.stderr).toBe(0);
    expect(JSON.parse(sw.stdout)).toMatchObject({ pair: ['EWC', 'EWA'], points: 2 });
    const feed = join(dir, 'feed.csv');
    writeFileSync(feed, readFileSync('data/ewa_ewc.csv', 'utf8').split('\n').slice(0, 120).join('\n') + '\n');
    const p = await kalrev(
      'paper',
      '--config',
      file,
      '--feed',
      `csv:${feed}`,
      '--state',
      join(dir, 's.db'),
      '--json',
      '--log-level',
      'silent',
    );
    expect(p.status, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject({ bars: 119, stopped: 'feed ended' });
  }, 300_000);

  it('flags change a config file the same way in every command: defaults < preset < file < flags', () => {
    const file = parseRunSpec(
      { preset: 'chan-2013-ex3.3', options: { costs: { slippageBps: 3 } } },
      'c.json',
    );
    const flags = { options: { execution: 'next-close' as const }, strategy: { rule: { entryZ: 2 } } };
    const spec = resolveRunSpec({ file, source: 'c.json', flags }, { preset: defaultPreset });
    const paper = resolvePaperLayers({ file: { ...file, symbols: ['EWC', 'EWA'] }, source: 'c.json', flags });
    expect(spec.options).toMatchObject({ execution: 'next-close', returns: 'gross' });
    expect(spec.options.costs).toMatchObject({ slippageBps: 3, commissionPerShare: 0 });
    expect(spec.strategy.rule).toMatchObject({ entryZ: 2, exitZ: 1 });
    expect(paper.strategy).toEqual(spec.strategy);
    expect(paper.options).toEqual({ ...spec.options, symbols: ['EWC', 'EWA'] });
  });
});

describe('the flag table', () => {
  it('lookback means the normaliser’s window on the command line and in a sweep grid', () => {
    expect(flagOf('strategy.normaliser.lookback')).toBe('--lookback');
    expect(parseGrid('lookback=10,20')[0]).toMatchObject({ component: 'normaliser', key: 'lookback' });
    expect(parseGrid('spread.lookback=10,20')[0]).toMatchObject({ component: 'spread', key: 'lookback' });
  });

  it('every grid name sets the parameter its row’s flag sets', () => {
    for (const p of SPEC_PARAMETERS)
      for (const name of p.grid ?? []) {
        const [axis] = parseGrid(`${name}=1`);
        expect(`strategy.${axis.component}.${axis.key}`, name).toBe(p.path);
      }
  });

  it('declares each flag once per command, and the help shows every row of a command', async () => {
    for (const command of ['backtest', 'scan', 'sweep', 'paper'] as const) {
      const flags = flagsOf(command).map((p) => p.flag!);
      expect(new Set(flags).size, command).toBe(flags.length);
      const help = await kalrevInProcess(command, '--help');
      for (const p of flagsOf(command))
        expect(help.stdout, `${command} ${p.flag!}`).toContain(p.arg ? `${p.flag!} ${p.arg}` : `${p.flag!} `);
      expect(help.stdout.match(/--execution </g), command).toHaveLength(1);
    }
  });
});

describe('bad run specs exit 2 naming the file and JSON path, or the flag', () => {
  const dir = tmp();
  const at = (name: string, content: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(content));
    return f;
  };
  const cases: { what: string; args: () => string[]; says: RegExp }[] = [
    {
      what: 'scan --config with a bad execution',
      args: () => [
        'scan',
        '--config',
        at('scan.json', { data: join(process.cwd(), 'data/ewa_ewc.csv'), options: { execution: 'soon' } }),
        '--out',
        join(dir, 's'),
      ],
      says: /scan\.json: options\.execution: Invalid option/,
    },
    {
      what: 'scan --config with a paper-only section',
      args: () => ['scan', '--config', at('risk.json', { data: 'x.csv', risk: { dailyLossLimit: 5 } })],
      says: /risk\.json: risk: applies to paper trading only/,
    },
    {
      what: 'scan without data',
      args: () => ['scan', '--out', join(dir, 's')],
      says: /--data: scan needs the data/,
    },
    {
      what: 'sweep --config without a pair',
      args: () => [
        'sweep',
        '--config',
        at('nopair.json', { data: join(process.cwd(), 'data/ewa_ewc.csv') }),
        '--grid',
        'entryZ=1',
      ],
      says: /--pair: sweep needs a pair/,
    },
    {
      what: 'sweep --entry-z out of range',
      args: () => [
        'sweep',
        '--data',
        'data/ewa_ewc.csv',
        '--pair',
        'EWC,EWA',
        '--grid',
        'exitZ=0',
        '--entry-z',
        '-1',
      ],
      says: /--entry-z: Too small: expected number to be >0 \(rule\.entryZ\)/,
    },
    {
      what: 'paper --config with an unknown key',
      args: () => [
        'paper',
        '--config',
        at('paper.json', { symbols: ['EWC', 'EWA'], backtest: {} }),
        '--feed',
        'stdin',
        '--state',
        join(dir, 'p.db'),
      ],
      says: /paper\.json: backtest: unknown key/,
    },
    {
      what: 'paper --config with a bad strategy value',
      args: () => [
        'paper',
        '--config',
        at('paper2.json', { symbols: ['EWC', 'EWA'], strategy: { rule: { exitZ: -1 } } }),
        '--feed',
        'stdin',
        '--state',
        join(dir, 'p2.db'),
      ],
      says: /paper2\.json: strategy\.rule\.exitZ: Too small/,
    },
    {
      what: 'paper --slippage-bps -1',
      args: () => [
        'paper',
        '--pair',
        'EWC,EWA',
        '--slippage-bps',
        '-1',
        '--feed',
        'stdin',
        '--state',
        join(dir, 'p3.db'),
      ],
      says: /--slippage-bps: Too small: expected number to be >=0 \(costs\.slippageBps\)/,
    },
  ];
  it.each(cases)('$what', async ({ args, says }) => {
    const r = await kalrevInProcess(...args());
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim()).toMatch(says);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });
});
