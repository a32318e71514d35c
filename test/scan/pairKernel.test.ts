/**
 * The scanner's metrics-only kernel (src/scan/pairKernel.ts), and the accounting kernel at its
 * metrics-only recording level (src/backtest/metricsRun.ts), against `backtest()`: every one of
 * the 13 metrics equal to the last bit (Object.is, NaN included), on random strategies, options
 * and data, on the bundled prices and on the benchmark's synthetic universe; and the scan, which
 * runs the kernel, against backtest() with next-open fills.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticUniverse } from '../../bench/scan.bench.js';
import { backtest } from '../../src/backtest/index.js';
import { METRIC_NAMES, type Metrics } from '../../src/execution/metrics.js';
import { resolveBacktestOptions, type BacktestOptions } from '../../src/execution/options.js';
import { PriceFrame } from '../../src/data/frame.js';
import { InlineExecutor, scanPairs } from '../../src/scan/index.js';
import { fitsPairKernel, kalmanPairMetricsObject } from '../../src/scan/pairKernel.js';
import { pairMetrics } from '../../src/backtest/metricsRun.js';
import { resolveStrategy, type StrategyInput } from '../../src/strategy/spec.js';
import { ohlcFrame } from '../backtest/load.js';

/** Metric names whose values differ (Object.is), with both values. */
function differences(got: Metrics, want: Metrics): string[] {
  return METRIC_NAMES.filter((k) => !Object.is(got[k], want[k])).map(
    (k) => `${k}: kernel ${got[k]}, backtest ${want[k]}`,
  );
}

/** The kernel's metrics and backtest()'s, for legs [y, x] of a frame. */
function both(frame: PriceFrame, strategy: StrategyInput, options: BacktestOptions) {
  const [ys, xs] = frame.symbols;
  const spec = resolveStrategy(strategy);
  expect(fitsPairKernel(spec)).toBe(true);
  const opts = resolveBacktestOptions({ ...options, symbols: [ys, xs] });
  const withOpen = opts.execution === 'next-open';
  const kernel = kalmanPairMetricsObject(
    spec,
    opts,
    frame.get(ys, 'close'),
    frame.get(xs, 'close'),
    withOpen ? frame.get(ys, 'open') : null,
    withOpen ? frame.get(xs, 'open') : null,
    frame.times,
  );
  const reference = backtest(frame, spec, { ...options, symbols: [ys, xs] });
  // the ruin bar too (−1 when the account survived)
  expect(kernel.ruinBar).toBe(reference.ruinBar);
  // the accounting kernel at the metrics-only recording level (what the scan is to run on):
  // the same 13 metrics and ruin bar as the full backtest
  const metricsOnly = pairMetrics(
    spec,
    opts,
    frame.get(ys, 'close'),
    frame.get(xs, 'close'),
    withOpen ? frame.get(ys, 'open') : null,
    withOpen ? frame.get(xs, 'open') : null,
    frame.times,
  );
  expect(metricsOnly.ruinBar).toBe(reference.ruinBar);
  expect(differences(metricsOnly, reference.metrics)).toEqual([]);
  return { kernel, reference: reference.metrics, trades: reference.trades.length, ruined: reference.ruined };
}

// ---- random data: a few shapes of pair, from a seed (a small LCG, so a case replays exactly)

type Shape = 'walks' | 'cointegrated' | 'flat' | 'grid' | 'jumpy';

function makePair(shape: Shape, n: number, seed: number, level: number, vol: number): PriceFrame {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296 - 0.5;
  };
  const y = new Float64Array(n);
  const x = new Float64Array(n);
  const yo = new Float64Array(n);
  const xo = new Float64Array(n);
  let lx = 0;
  let ly = 0;
  let noise = 0;
  const beta = 0.5 + rand() * 2;
  for (let t = 0; t < n; t++) {
    lx += rand() * vol;
    switch (shape) {
      case 'walks':
        ly += rand() * vol;
        break;
      case 'cointegrated':
        noise = 0.7 * noise + rand() * vol * 0.3;
        ly = beta * lx + noise;
        break;
      case 'jumpy':
        noise = rand() > 0.4 ? rand() * vol * 5 : noise;
        ly = lx + noise;
        break;
      default:
        ly += rand() * vol;
    }
    let px = level * Math.exp(lx);
    let py = level * 0.7 * Math.exp(ly);
    if (shape === 'flat' && t > 0) {
      // constant stretches: on half the bars (and all of the second third) a leg, or both,
      // repeats its previous close
      const still = (t > n / 3 && t < (2 * n) / 3) || rand() > 0;
      if (still && rand() > -0.2) px = x[t - 1];
      if (still && rand() > -0.2) py = y[t - 1];
    }
    if (shape === 'grid') {
      // prices on a tick grid: equal closes, exact zero moves
      px = Math.max(0.01, Math.round(px * 4) / 4);
      py = Math.max(0.01, Math.round(py * 4) / 4);
    }
    x[t] = px;
    y[t] = py;
    xo[t] = shape === 'flat' && rand() > 0.2 ? px : px * (1 + rand() * vol);
    yo[t] = shape === 'flat' && rand() > 0.2 ? py : py * (1 + rand() * vol);
  }
  return new PriceFrame({
    times: Float64Array.from({ length: n }, (_, t) => Date.UTC(2020, 0, 1) + t * 86_400_000),
    columns: new Map([
      ['Y', { close: y, open: yo }],
      ['X', { close: x, open: xo }],
    ]),
    source: `random ${shape} seed ${seed}`,
  });
}

const zOf = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
const costOf = (hi: number) => fc.oneof(fc.constant(0), zOf(0, hi));

const strategyArb = fc
  .record({
    preset: fc.constantFrom('kalman-pair' as const, 'chan-2013-ex3.3' as const),
    delta: fc.oneof(fc.constantFrom(1e-4, 1e-6, 0.01, 0.4), zOf(1e-8, 0.9)),
    observationVariance: fc.oneof(fc.constantFrom(1e-3, 1e-7, 1, 50), zOf(1e-9, 10)),
    initialCovariance: fc.oneof(fc.constantFrom(0, 1, 1e-4), zOf(0, 100)),
    transform: fc.constantFrom('price' as const, 'log' as const),
    entryZ: fc.oneof(fc.constantFrom(1, 0.05, 0.3, 2), zOf(0.01, 3)),
    // exitZ as a fraction of entryZ: 1 is Chan's rule (flip at the band), 0 exits at the mean
    exitFraction: fc.oneof(fc.constantFrom(0, 1), zOf(0, 1)),
    stopAbove: fc.option(zOf(0.001, 2), { nil: undefined }),
    maxHoldBars: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    sizing: fc.oneof(
      fc.constant({ type: 'units' } as Record<string, unknown>),
      fc.constant({ type: 'capital' } as Record<string, unknown>),
      zOf(1, 1e7).map((capital) => ({ type: 'capital', capital }) as Record<string, unknown>),
    ),
  })
  .map((p): StrategyInput => ({
    preset: p.preset,
    spread: {
      delta: p.delta,
      observationVariance: p.observationVariance,
      initialCovariance: p.initialCovariance,
      transform: p.transform,
    },
    rule: {
      entryZ: p.entryZ,
      exitZ: Math.min(p.entryZ, p.entryZ * p.exitFraction),
      ...(p.stopAbove === undefined ? {} : { stopZ: p.entryZ + p.stopAbove }),
      ...(p.maxHoldBars === undefined ? {} : { maxHoldBars: p.maxHoldBars }),
    },
    sizing: p.sizing,
  }));

const optionsArb = fc.record({
  execution: fc.constantFrom('close' as const, 'next-open' as const, 'next-close' as const),
  returns: fc.constantFrom('equity' as const, 'gross' as const),
  costs: fc.oneof(
    fc.constant({}),
    fc.constant({ commissionBps: 1e6 }),
    fc.constant({ commissionBps: 0, commissionPerShare: 0, minCommission: 0, slippageBps: 0, borrowBps: 0 }),
    fc.record({
      commissionBps: costOf(20),
      commissionPerShare: costOf(0.05),
      minCommission: costOf(5),
      slippageBps: costOf(50),
      borrowBps: costOf(500),
    }),
  ),
  capital: fc.oneof(fc.constant(100_000), zOf(100, 1e8), zOf(1, 100)),
  periodsPerYear: fc.constantFrom(252, 12, 365, 1),
  riskFreeRate: fc.constantFrom(0, 0.02, -0.01),
});

const dataArb = fc.record({
  shape: fc.constantFrom<Shape>('walks', 'cointegrated', 'flat', 'grid', 'jumpy'),
  n: fc.integer({ min: 2, max: 400 }),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  // 1e160: the filter's Q_t overflows, its state turns NaN and so do z, the weights and targets
  level: fc.constantFrom(0.05, 3, 40, 2500, 1e160),
  vol: fc.constantFrom(0.001, 0.02, 0.1),
});

describe('pair kernel = backtest() metrics, bit for bit', () => {
  it('on random strategies, options and pairs', () => {
    let trading = 0;
    let ruined = 0;
    fc.assert(
      fc.property(strategyArb, optionsArb, dataArb, (strategy, options, d) => {
        const frame = makePair(d.shape, d.n, d.seed, d.level, d.vol);
        const r = both(frame, strategy, options);
        const { kernel, reference, trades } = r;
        if (trades > d.n / 4) trading++;
        if (r.ruined) ruined++;
        expect(differences(kernel, reference)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
    // a good share of the cases trade on most bars (Chan's exit at the entry band), and some
    // ruin their account (a small capital against the sizing's, or a large commission)
    expect(trading).toBeGreaterThan(100);
    expect(ruined).toBeGreaterThan(50);
  });

  const ewcEwa = ohlcFrame(['EWC', 'EWA']);
  const strategies: StrategyInput[] = [
    { preset: 'kalman-pair' },
    { preset: 'chan-2013-ex3.3' },
    { preset: 'kalman-pair', rule: { entryZ: 1.5, exitZ: 0.2, stopZ: 3, maxHoldBars: 12 } },
    { preset: 'kalman-pair', spread: { transform: 'log', observationVariance: 1e-5, initialCovariance: 1 } },
    { preset: 'chan-2013-ex3.3', rule: { entryZ: 0.5, exitZ: 0 } },
  ];
  for (const execution of ['close', 'next-open', 'next-close'] as const)
    for (const returns of ['equity', 'gross'] as const)
      it(`on EWC/EWA, ${execution} fills, ${returns} returns, five strategies`, () => {
        for (const strategy of strategies) {
          const { kernel, reference, trades } = both(ewcEwa, strategy, { execution, returns });
          expect(trades).toBeGreaterThan(10);
          expect(differences(kernel, reference)).toEqual([]);
        }
      });

  for (const execution of ['close', 'next-open', 'next-close'] as const)
    for (const returns of ['equity', 'gross'] as const)
      it(`on EWC/EWA, ${execution} fills, ${returns} returns, ruined accounts`, () => {
        for (const strategy of strategies)
          // $10 against one share a unit (Chan's sizing) or $100,000 a unit; a commission of 100×
          for (const o of [{ capital: 10 }, { costs: { commissionBps: 1e6 } }]) {
            const r = both(ewcEwa, strategy, { execution, returns, ...o });
            expect(r.ruined).toBe(true);
            expect(differences(r.kernel, r.reference)).toEqual([]);
          }
      });

  it("on the benchmark's synthetic universe (pairs that trade on most bars)", () => {
    const u = syntheticUniverse(40, 2520);
    let trades = 0;
    for (let i = 0; i < 40; i += 7)
      for (let j = i + 1; j < 40; j += 9) {
        const f = u.select([u.symbols[i], u.symbols[j]]);
        const r = both(f, { preset: 'kalman-pair' }, { execution: 'close' });
        trades += r.trades;
        expect(differences(r.kernel, r.reference)).toEqual([]);
      }
    expect(trades).toBeGreaterThan(5000);
  });
});

describe('scanPairs through the kernel', () => {
  it('equals backtest() with next-open fills on a universe with opens', async () => {
    const frame = ohlcFrame(['EWC', 'EWA', 'SPY', 'IWM', 'XLE', 'GLD']);
    const scan = await scanPairs(frame, {
      executor: new InlineExecutor(),
      strategy: { preset: 'kalman-pair', rule: { entryZ: 1.2, exitZ: 0.3, maxHoldBars: 30 } },
      backtest: { returns: 'gross' },
    });
    expect(scan.options.execution).toBe('next-open');
    expect(scan.pairs.length).toBe(15);
    for (const p of scan.pairs) {
      expect(p.status).toBe('ok');
      const r = backtest(frame.select([p.y, p.x]), scan.strategy, { ...scan.options, symbols: [p.y, p.x] });
      expect(p.metrics).toEqual(r.metrics);
    }
  });
});
