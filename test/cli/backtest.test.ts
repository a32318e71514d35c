/** `kalrev backtest`: the demo, the output folder, and run.json reproducing a run exactly. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alignFrames, readLongCsvSync, readWideCsvSync } from '../../src/data/index.js';
import { kalrev } from './run.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'kalrev-cli-'));
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

describe('the demo data', () => {
  it('has the same EWA and EWC closes as data/ewa_ewc.csv (so the OHLCV file reproduces Chan)', () => {
    const wide = readWideCsvSync('data/ewa_ewc.csv').frame;
    const { frame } = alignFrames(
      readLongCsvSync('data/etf_universe_ohlcv.csv', { symbols: ['EWC', 'EWA'] }).frame,
    );
    expect(Array.from(frame.times)).toEqual(Array.from(wide.times));
    for (const s of ['EWA', 'EWC']) {
      expect(Array.from(frame.get(s))).toEqual(Array.from(wide.get(s)));
      expect(frame.has(s, 'open')).toBe(true);
    }
  });
});

describe('kalrev backtest', () => {
  it('with no arguments runs the demo: Chan’s Example 3.3 beside kalrev’s defaults, into out/demo', async () => {
    const r = await kalrev();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'Chan, Algorithmic Trading (2013), Example 3.3 reproduced: APR 0.262252, Sharpe 2.361162 (book: 0.262252, 2.361162)',
    );
    expect(r.stdout).toMatch(/chan-2013-ex3\.3\s+kalrev defaults/);
    expect(r.stdout).toMatch(/^APR\s+26\.23 %\s+-?\d+\.\d\d %$/m);
    for (const f of ['report.html', 'metrics.json', 'trades.csv', 'equity.csv', 'run.json'])
      expect(existsSync(join('out/demo', f)), f).toBe(true);
    const m = JSON.parse(read('out/demo', 'metrics.json'));
    expect(Math.abs(m.apr - 0.262252)).toBeLessThan(5e-6);
    expect(Math.abs(m.sharpe - 2.361162)).toBeLessThan(5e-6);
    const honest = JSON.parse(read('out/demo/kalrev-defaults', 'run.json'));
    expect(honest.options.execution).toBe('next-open');
    expect(honest.options.costs.slippageBps).toBeGreaterThan(0);
  });

  it('--json prints both runs’ metrics', async () => {
    const dir = tmp();
    const r = await kalrev('--json', '--out', dir);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out['chan-2013-ex3.3'].apr).toBeCloseTo(0.262252, 5);
    expect(Object.keys(out['kalrev-defaults'])).toEqual([
      'totalReturn',
      'apr',
      'annualVolatility',
      'sharpe',
      'sortino',
      'calmar',
      'maxDrawdown',
      'maxDrawdownDuration',
      'trades',
      'winRate',
      'profitFactor',
      'exposure',
      'turnover',
      'ruined',
      'ruinedAt',
    ]);
    expect([out['kalrev-defaults'].ruined, out['kalrev-defaults'].ruinedAt]).toEqual([false, null]);
  });

  it('writes the output folder, and --config run.json reproduces the run exactly', async () => {
    const a = tmp();
    const b = tmp();
    const r = await kalrev(
      'backtest',
      '--pair',
      'EWC,EWA',
      '--execution',
      'next-close',
      '--entry-z',
      '1.2',
      '--exit-z',
      '0.5',
      '--commission-bps',
      '1',
      '--slippage-bps',
      '2',
      '--capital',
      '50000',
      '--out',
      a,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('kalrev backtest: kalman-pair on EWC/EWA');
    const run = JSON.parse(read(a, 'run.json'));
    expect(run.symbols).toEqual(['EWC', 'EWA']);
    expect(run.strategy.rule).toEqual({ type: 'bands', entryZ: 1.2, exitZ: 0.5 });
    expect(run.options.execution).toBe('next-close');
    expect(run.options.costs).toEqual({
      commissionBps: 1,
      commissionPerShare: 0.005,
      minCommission: 1,
      slippageBps: 2,
      borrowBps: 50,
    });
    expect(run.options.capital).toBe(50000);
    const again = await kalrev('backtest', '--config', join(a, 'run.json'), '--out', b, '--quiet');
    expect(again.stdout).toBe('');
    expect(again.status).toBe(0);
    for (const f of ['metrics.json', 'trades.csv', 'equity.csv']) expect(read(b, f), f).toBe(read(a, f));
    expect(JSON.parse(read(b, 'run.json'))).toEqual({ ...run, data: JSON.parse(read(b, 'run.json')).data });
  });

  it('a config file changes one parameter of a preset; flags override the file', async () => {
    const dir = tmp();
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        data: join(process.cwd(), 'data/ewa_ewc.csv'),
        symbols: ['EWC', 'EWA'],
        preset: 'chan-2013-ex3.3',
        strategy: { rule: { entryZ: 1.5 } },
      }),
    );
    const r = await kalrev(
      'backtest',
      '--config',
      config,
      '--out',
      join(dir, 'out'),
      '--exit-z',
      '0',
      '--json',
    );
    expect(r.stderr).toBe('');
    const run = JSON.parse(read(join(dir, 'out'), 'run.json'));
    expect(run.strategy.rule).toEqual({ type: 'bands', entryZ: 1.5, exitZ: 0 });
    expect(run.options.execution).toBe('close');
    // run.json's data path is relative to the run folder
    expect(resolve(join(dir, 'out'), run.data)).toBe(join(process.cwd(), 'data/ewa_ewc.csv'));
    expect(JSON.parse(r.stdout).metrics.trades).toBeGreaterThan(0);
  });

  it('a single asset with --symbol uses kalman-single', async () => {
    const dir = tmp();
    const r = await kalrev('backtest', '--symbol', 'EWA', '--out', dir, '--json');
    expect(r.stderr).toBe('');
    const run = JSON.parse(read(dir, 'run.json'));
    expect(run.preset).toBe('kalman-single');
    expect(run.strategy.spread.type).toBe('kalman-fair-value');
    expect(JSON.parse(read(dir, 'metrics.json')).trades).toBeGreaterThan(0);
  });
});
