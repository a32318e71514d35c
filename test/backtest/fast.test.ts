/**
 * The fused loops (src/backtest/kalmanLoop.ts for the two Kalman families, with the one-asset
 * signal from kalmanLevelSignal.ts; fusedLoop.ts for every other strategy built from a spec)
 * against the modular path (MeanReversionStrategy through the Simulator): every output equal
 * to the last bit.
 */
import { describe, expect, it } from 'vitest';
import { backtest, type BacktestResult } from '../../src/backtest/index.js';
import { createStrategy, type StrategyInput } from '../../src/strategy/index.js';
import { ohlcFrame } from './load.js';

const frame = ohlcFrame(['EWC', 'EWA']);

function comparable(r: BacktestResult) {
  return {
    equity: Array.from(r.equity),
    returns: Array.from(r.returns),
    positions: Array.from(r.positions),
    targets: Array.from(r.targets),
    gross: Array.from(r.grossExposure),
    net: Array.from(r.netExposure),
    cash: Array.from(r.cash),
    fills: [r.fills.bar, r.fills.leg, r.fills.shares, r.fills.price, r.fills.commission].map((a) =>
      Array.from(a),
    ),
    trades: r.trades,
    signals: Object.fromEntries(
      Object.entries(r.signals).map(([k, v]) => [k, Array.from(v as Float64Array)]),
    ),
    metrics: r.metrics,
    costs: r.costs,
    ruin: [r.ruined, r.ruinBar, r.ruinTime],
  };
}

const strategies: StrategyInput[] = [
  { preset: 'kalman-pair' },
  { preset: 'chan-2013-ex3.3' },
  { preset: 'kalman-pair', rule: { entryZ: 1.5, exitZ: 0.2, stopZ: 3, maxHoldBars: 12 } },
  {
    preset: 'kalman-pair',
    spread: { transform: 'log', observationVariance: 1e-5, initialCovariance: 1 },
    sizing: { type: 'capital', capital: 25_000 },
  },
  { preset: 'chan-2013-ex3.3', spread: { observationVariance: 0.01 }, rule: { entryZ: 0.5, exitZ: 0 } },
];

describe('fused Kalman-pairs loop = modular strategy through the Simulator', () => {
  for (const strategy of strategies) {
    for (const execution of ['close', 'next-open', 'next-close'] as const) {
      for (const returns of ['equity', 'gross'] as const) {
        it(`${JSON.stringify(strategy)}, ${execution}, ${returns} returns`, () => {
          const options = {
            symbols: ['EWC', 'EWA'],
            execution,
            returns,
            costs: { commissionBps: 2, borrowBps: 80 },
          };
          const fused = backtest(frame, strategy, options);
          const modular = backtest(frame, createStrategy(strategy), options);
          expect(fused.trades.length).toBeGreaterThan(10);
          expect(comparable(fused)).toEqual(comparable(modular));
        });
      }
    }
  }
});

const levels: StrategyInput[] = [
  { preset: 'kalman-single' },
  {
    preset: 'kalman-single',
    spread: { learn: false, signal: 'residual', transitionCovariance: 0.05, observationCovariance: 0.02 },
    rule: { exitZ: 0.5, stopZ: 3, maxHoldBars: 20 },
    sizing: { type: 'units' },
  },
  {
    preset: 'kalman-single',
    spread: { transform: 'log', signal: 'residual', learn: { warmup: 40, nIter: 5 }, initialCovariance: 0 },
    normaliser: { lookback: 30, std: 'population' },
    rule: { entryZ: 1, exitZ: 0.25 },
  },
  {
    preset: 'kalman-single',
    spread: { transform: 'log', learn: false, transitionCovariance: 1e-3, observationCovariance: 1e-4 },
    rule: { entryZ: 1 },
    sizing: { type: 'capital', capital: 10_000 },
  },
];

describe('fused Kalman fair-value loop = modular strategy through the Simulator', () => {
  for (const strategy of levels) {
    for (const leg of ['EWA', 'EWC']) {
      for (const execution of ['close', 'next-open', 'next-close'] as const) {
        for (const returns of ['equity', 'gross'] as const) {
          it(`${JSON.stringify(strategy)}, ${leg}, ${execution}, ${returns} returns`, () => {
            const options = {
              symbols: [leg],
              execution,
              returns,
              costs: { commissionBps: 2, borrowBps: 80 },
            };
            const fused = backtest(frame, strategy, options);
            const modular = backtest(frame, createStrategy(strategy), options);
            expect(fused.trades.length).toBeGreaterThan(3);
            expect(comparable(fused)).toEqual(comparable(modular));
          });
        }
      }
    }
  }
});

const others: { strategy: StrategyInput; legs: string[] }[] = [
  {
    strategy: {
      spread: { type: 'rolling-ols', lookback: 60 },
      normaliser: { type: 'rolling', lookback: 20 },
      rule: { type: 'bands' },
    },
    legs: ['EWC', 'EWA'],
  },
  {
    strategy: {
      spread: { type: 'static', method: 'johansen', trainBars: 250 },
      normaliser: { type: 'frozen', trainBars: 100 },
      rule: { type: 'linear', zPerUnit: 2, maxUnits: 1 },
    },
    legs: ['EWC', 'EWA'],
  },
  {
    strategy: {
      spread: { type: 'ratio', transform: 'log' },
      normaliser: { type: 'rolling', lookback: 30, std: 'population' },
      rule: { type: 'bands', entryZ: 2 },
    },
    legs: ['EWC', 'EWA'],
  },
];

describe('fused loop for every other strategy = modular strategy through the Simulator', () => {
  for (const { strategy, legs } of others) {
    for (const execution of ['close', 'next-open', 'next-close'] as const) {
      it(`${JSON.stringify(strategy)}, ${execution}`, () => {
        const options = {
          symbols: legs,
          execution,
          returns: 'gross' as const,
          costs: { commissionBps: 2, borrowBps: 80 },
        };
        const fused = backtest(frame, strategy, options);
        const modular = backtest(frame, createStrategy(strategy), options);
        expect(fused.trades.length).toBeGreaterThan(3);
        expect(comparable(fused)).toEqual(comparable(modular));
      });
    }
  }
});

// accounts that are ruined: a $200 account trading $100,000 a unit (capital sizing; Chan's
// preset, one share a unit, on $10), or a commission of 100 times the notional
const ruinous = [
  { capital: 200, costs: { commissionBps: 2, borrowBps: 80 } },
  { capital: 100_000, costs: { commissionBps: 1e6 } },
];

describe('ruined accounts: fused loops = modular strategy through the Simulator', () => {
  const cases: { strategy: StrategyInput; legs: string[] }[] = [
    ...strategies.slice(0, 3).map((strategy) => ({ strategy, legs: ['EWC', 'EWA'] })),
    { strategy: { preset: 'chan-2013-ex3.3' }, legs: ['EWC', 'EWA'] },
    { strategy: levels[0], legs: ['EWA'] },
    { strategy: levels[3], legs: ['EWC'] },
    ...others,
  ];
  for (const { strategy, legs } of cases)
    for (const o of ruinous)
      for (const execution of ['close', 'next-open', 'next-close'] as const)
        for (const returns of ['equity', 'gross'] as const)
          it(`${JSON.stringify(strategy)}, ${legs.join('/')}, ${JSON.stringify(o)}, ${execution}, ${returns}`, () => {
            // Chan's preset trades one share: only the commission ruins it
            const capital = 'preset' in strategy && strategy.preset === 'chan-2013-ex3.3' ? 10 : o.capital;
            const options = { symbols: legs, execution, returns, ...o, capital };
            const fused = backtest(frame, strategy, options);
            const modular = backtest(frame, createStrategy(strategy), options);
            expect(fused.ruined).toBe(true);
            expect(fused.metrics.totalReturn).toBe(-1);
            expect(comparable(fused)).toEqual(comparable(modular));
          });
});
