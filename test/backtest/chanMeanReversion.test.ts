/**
 * The rest of Chan's mean-reversion chapter as presets: Algorithmic Trading (2013) Examples 3.1
 * (price spread, log-price spread, ratio), 3.2 (Bollinger bands) and 2.8 (Johansen basket), and
 * Quantitative Trading (2008) Example 3.6 (GLD/GDX, train and test). Every figure pinned here
 * comes from outside kalrev: the value the book's MATLAB script prints (quoted in its last
 * comment), or, where the script prints no digits, a line-by-line transcription of the script
 * in this file.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/app/backtest.js';
import { kalrevInProcess } from '../cli/run.js';
import { wideFrame } from './load.js';

const gldUso = wideFrame('data/gld_uso.csv');
const GLD = gldUso.get('GLD');
const USO = gldUso.get('USO');

/** MATLAB's mean and std (n − 1) of a window. */
function meanStd(w: number[]): [number, number] {
  const m = w.reduce((a, b) => a + b, 0) / w.length;
  return [m, Math.sqrt(w.reduce((a, b) => a + (b - m) ** 2, 0) / (w.length - 1))];
}

/** APR and Sharpe as the scripts print them: over every row of `ret`. */
function aprSharpe(ret: number[]): { apr: number; sharpe: number } {
  const n = ret.length;
  const [m, sd] = meanStd(ret);
  return { apr: ret.reduce((g, r) => g * (1 + r), 1) ** (252 / n) - 1, sharpe: (Math.sqrt(252) * m) / sd };
}

/**
 * PriceSpread.m, LogPriceSpread.m and bollinger.m transcribed: β of y = USO on x = GLD (and a
 * constant) over 20 rows; spread y − βx; the first 20 rows dropped; −z over 20 rows as units
 * (linear) or Bollinger units; dollar positions; ret = P&L / gross of yesterday's positions.
 */
function priceSpreadScript(log: boolean, bollinger: boolean) {
  const lb = 20;
  const f = (p: number) => (log ? Math.log(p) : p);
  const n0 = GLD.length;
  const beta: number[] = [];
  const yport: number[] = [];
  for (let t = lb - 1; t < n0; t++) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = t - lb + 1; i <= t; i++) {
      xs.push(f(GLD[i]));
      ys.push(f(USO[i]));
    }
    const [mx] = meanStd(xs);
    const [my] = meanStd(ys);
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < lb; i++) {
      sxy += (xs[i] - mx) * (ys[i] - my);
      sxx += (xs[i] - mx) ** 2;
    }
    if (t >= lb) {
      beta.push(sxy / sxx);
      yport.push(f(USO[t]) - (sxy / sxx) * f(GLD[t]));
    }
  }
  const n = yport.length; // rows lb … n0 − 1
  const units: number[] = [];
  let long = 0;
  let short = 0;
  for (let t = 0; t < n; t++) {
    if (t < lb - 1) {
      units.push(bollinger ? 0 : NaN);
      continue;
    }
    const [m, sd] = meanStd(yport.slice(t - lb + 1, t + 1));
    const z = (yport[t] - m) / sd;
    if (!bollinger) units.push(-z);
    else {
      if (z < -1) long = 1;
      if (z > 0) long = 0;
      if (z > 1) short = -1;
      if (z < 0) short = 0;
      units.push(long + short);
    }
  }
  const ret = [0];
  for (let t = 1; t < n; t++) {
    const p = (i: number) => [GLD[i + lb], USO[i + lb]];
    const [x0, y0] = p(t - 1);
    const [x1, y1] = p(t);
    // positions in dollars: units × [−β, 1] × prices (log: × [−β, 1] dollars)
    const px = -units[t - 1] * beta[t - 1] * (log ? 1 : x0);
    const py = units[t - 1] * (log ? 1 : y0);
    const r = ((px * (x1 - x0)) / x0 + (py * (y1 - y0)) / y0) / (Math.abs(px) + Math.abs(py));
    ret.push(Number.isNaN(r) ? 0 : r);
  }
  return { units, ret, ...aprSharpe(ret) };
}

describe('Chan 2013, Example 3.1: GLD/USO price spread, 20-day rolling OLS, linear', () => {
  const r = backtest(gldUso, 'chan-2013-ex3.1');

  it("prints the script's figures: APR 0.108335, Sharpe 0.589651 (PriceSpread.m; book: 10.9 %, 0.59)", () => {
    expect(r.symbols).toEqual(['USO', 'GLD']);
    expect(Math.abs(r.metrics.apr - 0.108335)).toBeLessThan(5e-7);
    expect(Math.abs(r.metrics.sharpe - 0.589651)).toBeLessThan(5e-7);
  });

  it('matches the transcribed script row by row: units and returns from bar 20 on', () => {
    const ref = priceSpreadScript(false, false);
    expect(ref.apr).toBeCloseTo(0.108335, 6);
    expect(r.metricsFrom).toBe(20);
    for (let t = 0; t < ref.ret.length; t++) {
      expect(r.returns[t + 20]).toBeCloseTo(ref.ret[t], 12);
      if (!Number.isNaN(ref.units[t])) expect(r.signals.units[t + 20]).toBeCloseTo(ref.units[t], 9);
    }
    // the first z is on bar 39: the script's 20-bar window over the spread from bar 20 on
    expect(Number.isNaN(r.signals.z[38])).toBe(true);
    expect(Number.isNaN(r.signals.z[39])).toBe(false);
  });

  it('keeps the level: the spread is USO − β·GLD, not the regression residual', () => {
    const t = 500;
    expect(r.signals.value[t]).toBeCloseTo(USO[t] - r.signals.hedgeRatio[t] * GLD[t], 10);
    // the residual (intercept subtracted) is the default rolling-OLS spread: a different strategy
    const residual = backtest(
      gldUso,
      {
        spread: { type: 'rolling-ols', lookback: 20 },
        normaliser: { type: 'rolling', lookback: 20, start: 20 },
        rule: { type: 'linear', maxUnits: null },
        sizing: { type: 'units' },
      },
      { ...r.options, symbols: ['USO', 'GLD'] },
    );
    expect(residual.metrics.apr).toBeLessThan(0.01);
  });
});

describe('Chan 2013, Example 3.1 on log prices and on the ratio', () => {
  it('log-price spread: APR 0.088863, Sharpe 0.504153 (LogPriceSpread.m; book: about 9 %, 0.5)', () => {
    const r = backtest(gldUso, 'chan-2013-ex3.1-log');
    expect(Math.abs(r.metrics.apr - 0.088863)).toBeLessThan(5e-7);
    expect(Math.abs(r.metrics.sharpe - 0.504153)).toBeLessThan(5e-7);
    const ref = priceSpreadScript(true, false);
    expect(ref.apr).toBeCloseTo(0.088863, 6);
    expect(ref.sharpe).toBeCloseTo(0.504153, 6);
  });

  it('ratio GLD/USO: APR −0.141522, Sharpe −0.746663 (the figures printed in Ratio.m; book: negative)', () => {
    const r = backtest(gldUso, 'chan-2013-ex3.1-ratio');
    expect(r.symbols).toEqual(['GLD', 'USO']);
    expect(Math.abs(r.metrics.apr - -0.141522)).toBeLessThan(5e-7);
    expect(Math.abs(r.metrics.sharpe - -0.746663)).toBeLessThan(5e-7);
  });
});

describe('Chan 2013, Example 3.2: Bollinger bands on the Example 3.1 spread', () => {
  const r = backtest(gldUso, 'chan-2013-ex3.2');

  it("prints the script's figures: APR 0.178249, Sharpe 0.964673 (bollinger.m; book: 17.8 %, 0.96)", () => {
    expect(Math.abs(r.metrics.apr - 0.178249)).toBeLessThan(5e-7);
    expect(Math.abs(r.metrics.sharpe - 0.964673)).toBeLessThan(5e-7);
  });

  it('holds the same units as the transcribed script on every row', () => {
    const ref = priceSpreadScript(false, true);
    expect(ref.apr).toBeCloseTo(0.178249, 6);
    for (let t = 0; t < ref.units.length; t++) expect(r.signals.units[t + 20]).toBe(ref.units[t]);
  });
});

describe('Chan 2013, Example 2.8: the Johansen basket of EWC, EWA and IGE', () => {
  const frame = wideFrame('data/ewa_ewc_ige.csv');
  const r = backtest(frame, 'chan-2013-ex2.8');

  it("prints the script's figures: APR 0.125739, Sharpe 1.391310 (cointegrationTests.m; book: 12.5 %, 1.4)", () => {
    expect(r.symbols).toEqual(['EWC', 'EWA', 'IGE']);
    expect(Math.abs(r.metrics.apr - 0.125739)).toBeLessThan(5e-7);
    expect(Math.abs(r.metrics.sharpe - 1.39131)).toBeLessThan(5e-7);
  });

  it("fits the script's eigenvector and half-life on the whole sample, and says it looks ahead", () => {
    // the script prints evec(:, 1) = [−1.0460, 0.7600, 0.2233] and halflife = 22.662578
    expect(r.lookAhead).toHaveLength(2);
    const w = /\[([^\]]+)\]/.exec(r.lookAhead![0])![1].split(', ').map(Number);
    expect(w[0]).toBe(1);
    expect(w[1]).toBeCloseTo(0.76 / -1.046, 3);
    expect(w[2]).toBeCloseTo(0.2233 / -1.046, 3);
    expect(r.lookAhead![1]).toContain('lookback 23 bars');
    expect(r.lookAhead![1]).toContain('22.6626');
    expect(Number.isNaN(r.signals.z[21])).toBe(true);
    expect(Number.isNaN(r.signals.z[22])).toBe(false);
  });
});

/**
 * example3_6.m (Quantitative Trading, 2008) transcribed: β of GLD on GDX without a constant over
 * rows 1–252; z from the spread's mean and std over those rows, applied to every row; short at
 * z ≥ 2, long at z ≤ −2, flat at |z| ≤ 1, carried otherwise; positions [±1, ∓1] dollars;
 * Sharpe of the P&L over rows 2–252 and 253 on.
 */
function example36Script(y: Float64Array, x: Float64Array) {
  let sxy = 0;
  let sxx = 0;
  for (let t = 0; t < 252; t++) {
    sxy += x[t] * y[t];
    sxx += x[t] * x[t];
  }
  const beta = sxy / sxx;
  const spread = Array.from(y, (v, t) => v - beta * x[t]);
  const [m, sd] = meanStd(spread.slice(0, 252));
  const pos: number[] = [];
  let cur = NaN;
  for (const s of spread) {
    const z = (s - m) / sd;
    if (z >= 2) cur = -1;
    if (z <= -2) cur = 1;
    if (Math.abs(z) <= 1) cur = 0;
    pos.push(cur);
  }
  const pnl = [NaN];
  for (let t = 1; t < y.length; t++)
    pnl.push(pos[t - 1] * ((y[t] - y[t - 1]) / y[t - 1]) - pos[t - 1] * ((x[t] - x[t - 1]) / x[t - 1]));
  const sharpe = (a: number[]) => {
    const [mm, s] = meanStd(a);
    return (Math.sqrt(252) * mm) / s;
  };
  return { beta, pos, train: sharpe(pnl.slice(1, 252)), test: sharpe(pnl.slice(252)) };
}

describe('Chan 2008, Example 3.6: GLD/GDX, hedge without a constant on 252 days, train and test', () => {
  const frame = wideFrame('data/gld_gdx_qt.csv');
  const r = backtest(frame, 'chan-2008-ex3.6');
  const ref = example36Script(frame.get('GLD'), frame.get('GDX'));

  it('gives the Sharpe ratios of the transcribed script: 2.3278 on the training set, 1.5082 on the test set (book: about 2.3 and 1.5)', () => {
    // the script prints no digits ("should be about 2.3", "about 1.5"): its transcription above gives them
    expect(ref.train).toBeCloseTo(2.327844, 6);
    expect(ref.test).toBeCloseTo(1.508212, 6);
    expect(r.split!.at).toBe(252);
    expect(r.split!.train.from).toBe(1);
    expect(Math.abs(r.split!.train.metrics.sharpe - 2.327844)).toBeLessThan(5e-7);
    expect(Math.abs(r.split!.test.metrics.sharpe - 1.508212)).toBeLessThan(5e-7);
  });

  it('holds the script’s position on every day, in equal dollars whatever the hedge ratio', () => {
    for (let t = 0; t < frame.length; t++) {
      expect(r.signals.units[t]).toBe(ref.pos[t]);
      const dollars = [0, 1].map((i) => r.positions[2 * t + i] * [frame.get('GLD'), frame.get('GDX')][i][t]);
      expect(dollars[0]).toBeCloseTo(ref.pos[t], 12);
      expect(dollars[1]).toBeCloseTo(-ref.pos[t], 12);
    }
    expect(r.signals.hedgeRatio[100]).toBeCloseTo(ref.beta, 12);
  });

  it('labels both in-sample fits as look-ahead', () => {
    expect(r.lookAhead).toEqual([
      expect.stringMatching(
        /^spread: OLS weights \[1, -1\.631\d*\] fitted on bars 0–251 and traded from bar 0$/,
      ),
      expect.stringMatching(/^normaliser: mean .* of the spread over bars 0–251, scoring those bars too$/),
    ]);
  });
});

describe('the presets from the command line, on the bundled data', () => {
  const out = () => join(mkdtempSync(join(tmpdir(), 'kalrev-chan-mr-')), 'run');

  it('`kalrev backtest --preset chan-2013-ex3.2` reads its own data and prints the book’s figures', async () => {
    const r = await kalrevInProcess('backtest', '--preset', 'chan-2013-ex3.2', '--out', out());
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('data/gld_uso.csv');
    expect(r.stdout).toMatch(/APR\s+17\.82 %/);
    expect(r.stdout).toMatch(/Sharpe\s+0\.965/);
    expect(r.stdout).toContain('metrics from bar 20 (2006-05-24)');
    // bollinger.m: APR=0.178249 Sharpe=0.964673
    expect(r.stdout).toContain(
      'reproduced: APR 0.178249, Sharpe 0.964673 (script APR 0.178249, Sharpe 0.964673; book 17.8 %, 0.96)',
    );
  });

  it('says nothing of the publication when the preset runs on other legs', async () => {
    const r = await kalrevInProcess(
      'backtest',
      '--preset',
      'chan-2013-ex3.2',
      '--pair',
      'GLD,USO',
      '--out',
      out(),
    );
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('reproduced');
  });

  it('`kalrev backtest --preset chan-2008-ex3.6` prints the train and test sets side by side, and metrics.json holds them', async () => {
    const dir = out();
    const r = await kalrevInProcess('backtest', '--preset', 'chan-2008-ex3.6', '--out', dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/train\s+test/);
    expect(r.stdout).toMatch(/Sharpe\s+1\.896\s+2\.328\s+1\.508/);
    // example3_6.m transcribed above: 2.3278 and 1.5082
    expect(r.stdout).toContain('reproduced: Sharpe 2.3278 train, 1.5082 test');
    const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    expect(m.train.sharpe).toBeCloseTo(2.327844, 6);
    expect(m.test.sharpe).toBeCloseTo(1.508212, 6);
    expect(m.train.fromBar).toBe(1);
    expect(m.test.fromBar).toBe(252);
    expect(m.test.from).toBe('2007-05-24'); // row 254 of data/gld_gdx_qt.csv (bar 252)
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('id="train-metrics"');
    expect(html).toContain('id="test-metrics"');
  });

  it('the in-sample label of chan-2013-ex2.8 reaches the CLI output, metrics.json and the report', async () => {
    const dir = out();
    const r = await kalrevInProcess('backtest', '--preset', 'chan-2013-ex2.8', '--out', dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /LOOK-AHEAD: spread: Johansen weights .* \(the whole sample\) and traded from bar 0/,
    );
    expect(r.stdout).toMatch(/APR\s+12\.57 %/);
    const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    expect(m.lookAhead).toHaveLength(2);
    expect(m.apr).toBeCloseTo(0.125739, 6);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.match(/data-look-ahead/g)).toHaveLength(2);
    expect(html).toContain('<b>Look-ahead:</b> spread: Johansen weights');
  });
});

describe('the same from flags, and the tests of Example 2.7 with their lags', () => {
  const out = () => join(mkdtempSync(join(tmpdir(), 'kalrev-chan-flags-')), 'run');

  it('Example 3.1 spelled out with flags instead of the preset gives the script’s figures', async () => {
    const r = await kalrevInProcess(
      'backtest',
      ...['--data', 'data/gld_uso.csv', '--pair', 'USO,GLD', '--spread', 'rolling-ols'],
      ...['--hedge-lookback', '20', '--intercept', 'keep', '--normaliser', 'rolling', '--lookback', '20'],
      ...['--score-from', '20', '--rule', 'linear', '--max-units', 'none', '--sizing', 'units'],
      ...['--execution', 'close', '--returns', 'gross', '--commission-per-share', '0'],
      ...[
        '--min-commission',
        '0',
        '--slippage-bps',
        '0',
        '--borrow-bps',
        '0',
        '--metrics-from',
        '2006-05-24',
      ],
      ...['--json', '--out', out()],
    );
    expect(r.status).toBe(0);
    const m = JSON.parse(r.stdout).metrics;
    // PriceSpread.m: APR=0.108335 Sharpe=0.589651
    expect(m.apr).toBeCloseTo(0.108335, 6);
    expect(m.sharpe).toBeCloseTo(0.589651, 6);
    expect(m.metricsFrom).toBe(20);
  });

  it('a window too short for a return, or a split before the first bar, is refused naming the flag', async () => {
    const cases: [string[], string][] = [
      [
        ['--split', '1990-01-01'],
        "--split: bar 0 (2006-04-26) is the data's first bar: the train set before it would be empty",
      ],
      [
        ['--metrics-from', '1499'],
        '--metrics-from: counting from bar 1499 leaves 1 bar of 1500: no return to measure',
      ],
      [['--split', '1499'], '--split: bar 1499 leaves the test set 1 bar: each set needs two'],
      [
        ['--metrics-from', '20', '--split', '21'],
        '--split: bar 21 leaves the train set 1 bar: each set needs two',
      ],
    ];
    for (const [flags, message] of cases) {
      const r = await kalrevInProcess('backtest', '--preset', 'chan-2013-ex3.1', ...flags, '--out', out());
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim()).toBe(`kalrev: ${message}`);
    }
  });

  it('a bar outside the data is refused naming the flag, with status 2', async () => {
    const late = await kalrevInProcess(
      'backtest',
      '--preset',
      'chan-2013-ex3.1',
      '--split',
      '2013-01-01',
      '--out',
      out(),
    );
    expect(late.status).toBe(2);
    expect(late.stderr).toContain('--split: 2013-01-01 is after the last bar (2012-04-09)');
    const bad = await kalrevInProcess(
      'backtest',
      '--preset',
      'chan-2013-ex3.1',
      '--metrics-from',
      'soon',
      '--out',
      out(),
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      '--metrics-from expects a bar number (0, 1, …) or a date (YYYY-MM-DD), got "soon"',
    );
  });

  it('`kalrev analyze --maxlag 1 --autolag none`: the Engle-Granger statistic of cadf(EWC, EWA, 0, 1)', async () => {
    const r = await kalrevInProcess('analyze', '--maxlag', '1', '--autolag', 'none', '--json');
    expect(r.status).toBe(0);
    const a = JSON.parse(r.stdout);
    // cointegrationTests.m prints the CADF t-statistic −3.64346635 and AR(1) estimate −0.020411
    expect(a.engleGranger.statistic).toBeCloseTo(-3.6435, 3);
    expect(a.adf.usedLag).toBe(1);
    expect(a.adf.gamma).toBeCloseTo(-0.020411, 6);
    // with AIC the lags are chosen, up to --maxlag
    const aic = JSON.parse((await kalrevInProcess('analyze', '--maxlag', '4', '--json')).stdout);
    expect(aic.adf.maxlag).toBe(4);
    expect(aic.adf.usedLag).toBeLessThanOrEqual(4);
  });
});
