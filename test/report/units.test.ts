/** src/report without a browser: metrics.json nulls, CSV writers, monthly returns, config resolution, report size. */
import { describe, expect, it } from 'vitest';
import type { Metrics } from '../../src/backtest/index.js';
import { ConfigError, parseRunSpec, resolveRunSpec } from '../../src/app/spec.js';
import { drawdownSeries, metricsJson, monthlyReturns, returnIndex } from '../../src/report/writers.js';

const defaults = {
  data: 'data/ewa_ewc.csv',
  preset: (n: number | undefined) => (n === 1 ? 'kalman-single' : 'kalman-pair'),
};

describe('writers', () => {
  it('metrics.json has the DESIGN.md names in order, NaN and ±Infinity as null', () => {
    const m = {
      totalReturn: 0.1,
      apr: 0.05,
      annualVolatility: 0.2,
      sharpe: NaN,
      sortino: Infinity,
      calmar: -Infinity,
      maxDrawdown: 0.1,
      maxDrawdownDuration: 3,
      trades: 0,
      winRate: NaN,
      profitFactor: Infinity,
      exposure: 0,
      turnover: 0,
    } satisfies Metrics;
    const json = JSON.parse(metricsJson(m));
    expect(Object.keys(json)).toEqual(Object.keys(m));
    expect(json.sharpe).toBeNull();
    expect(json.sortino).toBeNull();
    expect(json.calmar).toBeNull();
    expect(json.profitFactor).toBeNull();
    expect(json.apr).toBe(0.05);
  });

  it('monthly returns compound the bars of each calendar month', () => {
    const day = (s: string) => Date.parse(`${s}T00:00:00Z`);
    const times = Float64Array.from(['2020-01-30', '2020-01-31', '2020-02-03', '2020-02-04'].map(day));
    const r = Float64Array.from([0, 0.1, 0.1, -0.5]);
    const m = monthlyReturns(times, r);
    expect(m.map(([y, mo]) => [y, mo])).toEqual([
      [2020, 1],
      [2020, 2],
    ]);
    expect(m[0][2]).toBeCloseTo(0.1, 15);
    expect(m[1][2]).toBeCloseTo(1.1 * 0.5 - 1, 15);
  });

  it('drawdown is the return index below its running peak', () => {
    const r = Float64Array.from([0, 0.5, -0.5, 0.5]);
    expect(Array.from(returnIndex(r))).toEqual([1, 1.5, 0.75, 1.125]);
    expect(Array.from(drawdownSeries(r))).toEqual([0, 0, -0.5, -0.25]);
  });
});

describe('run config', () => {
  it('defaults < preset < config file < flags', () => {
    const file = parseRunSpec(
      {
        preset: 'chan-2013-ex3.3',
        strategy: { rule: { entryZ: 2 } },
        options: { costs: { slippageBps: 3 } },
      },
      'run.json',
    );
    const run = resolveRunSpec(
      {
        file,
        source: 'run.json',
        flags: { strategy: { rule: { exitZ: 0.5 } }, options: { costs: { borrowBps: 7 } } },
      },
      defaults,
    );
    expect(run.strategy.rule).toEqual({ type: 'bands', entryZ: 2, exitZ: 0.5 });
    expect(run.strategy.sizing).toEqual({ type: 'units' });
    expect(run.options.execution).toBe('close');
    expect(run.options.returns).toBe('gross');
    expect(run.options.costs).toEqual({
      commissionBps: 0,
      commissionPerShare: 0,
      minCommission: 0,
      slippageBps: 3,
      borrowBps: 7,
    });
    expect(run.data).toBe('data/ewa_ewc.csv');
  });

  it('a resolved run resolves to itself (run.json reproduces the run)', () => {
    const run = resolveRunSpec(
      { flags: { preset: 'kalman-single', symbols: ['EWA'], options: { execution: 'close' } } },
      defaults,
    );
    const again = resolveRunSpec(
      { file: parseRunSpec(JSON.parse(JSON.stringify({ ...run, data: '/abs/prices.csv' })), '/x/run.json') },
      defaults,
    );
    expect(again.strategy).toEqual(run.strategy);
    expect(again.options).toEqual(run.options);
    expect(again.symbols).toEqual(['EWA']);
  });

  it('names the file and key of an invalid value', () => {
    expect(() => parseRunSpec({ symbols: 'EWA' }, 'c.json')).toThrow(
      new ConfigError('c.json: symbols: Invalid input: expected array, received string'),
    );
    expect(() =>
      resolveRunSpec(
        { file: parseRunSpec({ options: { capital: -1 } }, 'c.json'), source: 'c.json' },
        defaults,
      ),
    ).toThrow('c.json: options.capital: Too small: expected number to be >0');
  });
});

describe('report size', () => {
  it('10 years of daily bars render into a compact, self-contained file', async () => {
    const { PriceFrame } = await import('../../src/data/index.js');
    const { backtest } = await import('../../src/backtest/index.js');
    const { renderReport } = await import('../../src/report/html.js');
    const { analyzeFrame } = await import('../../src/app/analyze.js');
    const n = 2520;
    let s = 1;
    const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    let px = 50;
    let e = 0;
    for (let t = 0; t < n; t++) {
      px *= 1 + 0.01 * rand();
      e = 0.9 * e + 0.3 * rand();
      x[t] = px;
      y[t] = 1.2 * px + 5 + e;
    }
    const dates = Array.from({ length: n }, (_, t) =>
      new Date(Date.UTC(2010, 0, 1 + t)).toISOString().slice(0, 10),
    );
    const frame = PriceFrame.fromCloses(dates, { Y: y, X: x });
    const result = backtest(frame, 'kalman-pair', { execution: 'close' });
    const html = renderReport({ result, frame, config: {}, analysis: analyzeFrame(frame, ['Y', 'X']) });
    expect(html.length).toBeLessThan(2_000_000);
    // the only URL is uPlot's licence header (the browser test checks no request is made)
    expect(html.match(/https?:\/\/[^\s"')]*/g)).toEqual(['https://github.com/leeoniya/uPlot']);
  });
});
