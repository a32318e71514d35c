import { afterAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/app/backtest.js';
import type { BacktestResult } from '../../src/backtest/index.js';
import { journalToBacktestResult } from '../../src/live/report.js';
import { Journal } from '../../src/live/journal.js';
import { ohlcFrame, wideFrame } from '../backtest/load.js';
import { cleanup, session } from './helpers.js';

afterAll(cleanup);

function expectSameRun(live: BacktestResult, bt: BacktestResult) {
  expect(live.times).toEqual(bt.times);
  // to the last digit: typed arrays compared element by element with Object.is semantics
  expect(Array.from(live.equity)).toEqual(Array.from(bt.equity));
  expect(Array.from(live.returns)).toEqual(Array.from(bt.returns));
  expect(Array.from(live.positions)).toEqual(Array.from(bt.positions));
  expect(Array.from(live.cash)).toEqual(Array.from(bt.cash));
  expect(live.trades).toEqual(bt.trades);
  expect(live.fills).toEqual(bt.fills);
  expect(live.metrics).toEqual(bt.metrics);
  expect(live.costs).toEqual(bt.costs);
}

describe('paper replay reproduces the backtest exactly', () => {
  for (const execution of ['close', 'next-close'] as const) {
    it(`kalman-pair on data/ewa_ewc.csv, execution ${execution}`, async () => {
      const s = session(
        { preset: 'kalman-pair', symbols: ['EWC', 'EWA'], options: { execution } },
        'csv:data/ewa_ewc.csv',
      );
      await s.run();
      const j = s.journal;
      expect(j.count('bars')).toBe(1500);
      const journalFills = j.fills();
      const brokerPositions = await s.broker.positions();
      s.close();
      const bt = backtest(wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']), 'kalman-pair', {
        symbols: ['EWC', 'EWA'],
        execution,
      });
      expect(bt.trades.length).toBeGreaterThan(20);
      const live = journalToBacktestResult(s.state);
      expectSameRun(live, bt);
      // the journal's per-bar equity is the backtest's
      const jr = new Journal(s.state, { readonly: true });
      const equity = [...jr.bars()].map((b) => b.equity);
      const trades = jr.trades();
      jr.close();
      expect(equity).toEqual(Array.from(bt.equity));
      // the journaled trades are the backtest's closed ones (the open one is marked at the end)
      expect(trades.filter((t) => t.closed)).toEqual(bt.trades.filter((t) => t.closed));
      // the broker's fills are the backtest's fills, price and commission to the last digit
      expect(journalFills.map((f) => [f.leg, f.shares, f.price, f.commission])).toEqual(
        Array.from({ length: bt.fills.length }, (_, k) => [
          bt.fills.leg[k],
          bt.fills.shares[k],
          bt.fills.price[k],
          bt.fills.commission[k],
        ]),
      );
      const last = bt.positions.length - 2;
      expect(brokerPositions.get('EWC')).toBeCloseTo(bt.positions[last], 9);
      expect(brokerPositions.get('EWA')).toBeCloseTo(bt.positions[last + 1], 9);
    });
  }

  it('chan-2013-ex3.3 (its own execution, costs and returns): APR and Sharpe of the book', async () => {
    const s = session({ preset: 'chan-2013-ex3.3', symbols: ['EWC', 'EWA'] }, 'csv:data/ewa_ewc.csv');
    await s.run();
    s.close();
    const live = journalToBacktestResult(s.state);
    const bt = backtest(wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']), 'chan-2013-ex3.3', {
      symbols: ['EWC', 'EWA'],
    });
    expectSameRun(live, bt);
    expect(live.metrics.apr).toBeCloseTo(0.262252, 6);
    expect(live.metrics.sharpe).toBeCloseTo(2.361162, 6);
  });

  it('kalman-pair with next-open fills on EWA/EWC OHLC bars (long CSV)', async () => {
    const s = session(
      { preset: 'kalman-pair', symbols: ['EWC', 'EWA'], options: { execution: 'next-open' } },
      'csv:data/etf_universe_ohlcv.csv',
    );
    await s.run();
    s.close();
    const live = journalToBacktestResult(s.state);
    const bt = backtest(ohlcFrame(['EWC', 'EWA']), 'kalman-pair', {
      symbols: ['EWC', 'EWA'],
      execution: 'next-open',
    });
    expect(bt.trades.length).toBeGreaterThan(10);
    expectSameRun(live, bt);
  });
});
