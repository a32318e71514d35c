/** `kalrev analyze`, `kalrev filter` and `kalrev report`. */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLongCsvSync, readWideCsvSync } from '../../src/data/index.js';
import { KalmanFilter } from '../../src/kalman/index.js';
import { adfuller, coint, halfLife, hurst, johansen, varianceRatio } from '../../src/stats/index.js';
import { kalrev, kalrevInProcess } from './run.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'kalrev-cmd-'));

describe('kalrev analyze', () => {
  const frame = readWideCsvSync('data/ewa_ewc.csv').frame;
  const y = frame.get('EWC');
  const x = frame.get('EWA');

  it('on EWA/EWC prints the statistics module’s values (JSON)', async () => {
    const dir = tmp();
    const r = await kalrev(
      'analyze',
      '--data',
      'data/ewa_ewc.csv',
      '--pair',
      'EWC,EWA',
      '--json',
      '--out',
      join(dir, 'a.json'),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe(r.stdout);
    const eg = coint(y, x);
    expect(a.engleGranger.statistic).toBe(eg.statistic);
    expect(a.engleGranger.pvalue).toBe(eg.pvalue);
    expect(a.hedge).toEqual({ beta: eg.params[0], alpha: eg.params[1] });
    const j = johansen([y, x]);
    expect(a.johansen.traceStatistics).toEqual(j.traceStatistics);
    expect(a.johansen.eigenvalues).toEqual(j.eigenvalues);
    const spread = Float64Array.from(y, (v, t) => v - eg.params[0] * x[t] - eg.params[1]);
    const adf = adfuller(spread);
    expect(a.adf.statistic).toBe(adf.statistic);
    expect(a.adf.pvalue).toBe(adf.pvalue);
    expect(a.halfLife.halfLife).toBe(halfLife(spread).halfLife);
    expect(a.hurst.hurst).toBe(hurst(spread).hurst);
    expect(a.varianceRatio.ratio).toBe(varianceRatio(spread, 10).ratio);
    expect(a.stationary).toBe(adf.pvalue < 0.05);
  });

  it('prints a table and a verdict that explains itself', async () => {
    const r = await kalrev('analyze');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('kalrev analyze: spread of EWC on EWA');
    expect(r.stdout).toMatch(/^ADF\s+-\d\.\d+\s+0\.\d+/m);
    expect(r.stdout).toMatch(/^Johansen trace r ≤ 0/m);
    const hl = halfLife(
      Float64Array.from(y, (v, t) => v - coint(y, x).params[0] * x[t] - coint(y, x).params[1]),
    );
    expect(r.stdout).toContain(`verdict: spread is stationary at 5 % (ADF p = `);
    expect(r.stdout).toContain(`half-life ${hl.halfLife.toFixed(1)} days`);
  });

  it('one series with --symbol', async () => {
    const r = await kalrev('analyze', '--data', 'data/ewa_ewc.csv', '--symbol', 'EWA', '--json');
    const a = JSON.parse(r.stdout);
    expect(a.kind).toBe('single');
    expect(a.adf.statistic).toBe(adfuller(x).statistic);
    expect(a.verdict).toMatch(/^EWA is not stationary at 5 %/);
  });
});

describe('kalrev filter', () => {
  const ewa = readWideCsvSync('data/ewa_ewc.csv').frame.get('EWA');

  it('filters a column with the local-level model and writes CSV', async () => {
    const dir = tmp();
    const out = join(dir, 'f.csv');
    const r = await kalrev(
      'filter',
      '--data',
      'data/ewa_ewc.csv',
      '--column',
      'EWA',
      '--q',
      '0.01',
      '--out',
      out,
    );
    expect(r.status).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('date,EWA,filtered_mean,filtered_std');
    expect(lines.length).toBe(1501);
    const f = new KalmanFilter({
      transitionCovariance: [[0.01]],
      observationCovariance: [[1]],
      initialStateMean: [ewa[0]],
      initialStateCovariance: [[1]],
    }).filter(ewa);
    const last = lines[1500].split(',');
    expect(last[0]).toBe('2012-04-09');
    expect(Number(last[2])).toBe(f.stateMeans.at(1499, 0));
    expect(Number(last[3])).toBe(Math.sqrt(f.stateCovariances.at(1499, 0, 0)));
  });

  it('--smooth --em N: the RTS smoother after EM, to stdout', async () => {
    const r = await kalrev(
      'filter',
      '--data',
      'data/ewa_ewc.csv',
      '--column',
      'EWC',
      '--smooth',
      '--em',
      '3',
    );
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('date,EWC,smoothed_mean,smoothed_std');
    const ewc = readWideCsvSync('data/ewa_ewc.csv').frame.get('EWC');
    const kf = new KalmanFilter({
      transitionCovariance: [[1]],
      observationCovariance: [[1]],
      initialStateMean: [ewc[0]],
      initialStateCovariance: [[1]],
    }).em(ewc, {
      nIter: 3,
      emVars: ['transitionCovariance', 'observationCovariance', 'initialStateMean', 'initialStateCovariance'],
    });
    expect(Number(lines[1].split(',')[2])).toBe(kf.smooth(ewc).stateMeans.at(0, 0));
  });

  it('--repair reads the bundled OHLCV file, whose other symbols have non-positive prices', async () => {
    const args = ['filter', '--data', 'data/etf_universe_ohlcv.csv', '--column', 'SPY.open'];
    const refused = await kalrevInProcess(...args);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/data\/etf_universe_ohlcv\.csv:\d+:\d+: non-positive price/);
    const r = await kalrevInProcess(...args, '--repair', 'non-positive', '--quiet');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('date,SPY.open,filtered_mean,filtered_std');
    // the first filtered value: the initial state (the first open) updated on that open
    const spy = readLongCsvSync('data/etf_universe_ohlcv.csv', { symbols: ['SPY'] }).frame.get('SPY', 'open');
    expect(Number(lines[1].split(',')[1])).toBe(spy[0]);
    expect(lines.length - 1).toBe(spy.length);
  });
});

describe('kalrev report', () => {
  it('re-renders report.html of a run folder from its run.json', async () => {
    const dir = tmp();
    expect(
      (
        await kalrev(
          'backtest',
          '--data',
          'data/ewa_ewc.csv',
          '--preset',
          'chan-2013-ex3.3',
          '--out',
          dir,
          '--quiet',
        )
      ).status,
    ).toBe(0);
    const before = readFileSync(join(dir, 'report.html'), 'utf8');
    writeFileSync(join(dir, 'report.html'), 'stale');
    const r = await kalrev('report', dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`kalrev report: ${join(dir, 'report.html')}`);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(before);
    expect(statSync(join(dir, 'report.html')).size).toBeGreaterThan(50_000);
  });

  it('names a folder without run.json', async () => {
    const dir = tmp();
    const r = await kalrev('report', dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`kalrev: ${join(dir, 'run.json')}: no such file`);
  });
});
