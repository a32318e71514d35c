/**
 * The fused Kalman-pairs loop (src/backtest/kalmanPairLoop.ts) against the modular path
 * (MeanReversionStrategy through the Simulator): every output equal to the last bit.
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
