/**
 * Trading sessions in a backtest: flattening at each session's close, on intraday bars of the
 * regular hours, in every execution mode; and the nights borrow is charged for.
 */
import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { createStrategy } from '../../src/strategy/index.js';
import { readLongCsvSync, regularHours, tradingCalendar } from '../../src/data/index.js';
import { intradayPairCsv } from './intraday.js';

const nyse = tradingCalendar('nyse');
const frame = regularHours(readLongCsvSync(intradayPairCsv()).frame, nyse).frame;
const options = { symbols: ['Y', 'X'], capital: 100_000 };
// a band rule that trades several times a day
const strategy = { preset: 'kalman-pair', rule: { entryZ: 0.5, exitZ: 0 } } as const;

/** Indexes of the bars that end a session (the next bar is on a later trading day, or none). */
function sessionEnds(times: Float64Array): number[] {
  const out: number[] = [];
  for (let t = 0; t < times.length; t++)
    if (t === times.length - 1 || nyse.day(times[t + 1]) !== nyse.day(times[t])) out.push(t);
  return out;
}

describe('flattening at the close', () => {
  for (const execution of ['close', 'next-open', 'next-close'] as const)
    it(`holds nothing over any night (${execution})`, () => {
      const held = backtest(frame, strategy, { ...options, execution });
      const r = backtest(frame, strategy, { ...options, execution, flattenAtClose: true });
      const ends = sessionEnds(frame.times);
      expect(ends).toHaveLength(24);
      // without flattening, positions are held overnight
      expect(ends.some((t) => held.positions[2 * t] !== 0)).toBe(true);
      for (const t of ends)
        expect([r.positions[2 * t] === 0, r.positions[2 * t + 1] === 0]).toEqual([true, true]);
      // it traded, and every trade opened and closed within one trading day
      expect(r.trades.length).toBeGreaterThan(20);
      for (const tr of r.trades.filter((x) => x.closed))
        expect(nyse.day(tr.exitTime)).toBe(nyse.day(tr.entryTime));
      // flat at every close: no night held, no borrow charged (the default is 50 bps a year)
      expect(r.costs.borrow).toBe(0);
      expect(held.costs.borrow).toBeGreaterThan(0);
    });

  for (const execution of ['close', 'next-open', 'next-close'] as const)
    it(`gives the batch path's results bar by bar through a strategy object (${execution})`, () => {
      const o = { ...options, execution, flattenAtClose: true };
      const batch = backtest(frame, strategy, o);
      const stepped = backtest(frame, createStrategy(strategy), o);
      expect(Array.from(stepped.equity)).toEqual(Array.from(batch.equity));
      expect(Array.from(stepped.positions)).toEqual(Array.from(batch.positions));
      expect(stepped.fills).toEqual(batch.fills);
      expect(stepped.trades).toEqual(batch.trades);
    });

  it("closes at the session's last close with the usual slippage, whatever the execution", () => {
    const r = backtest(frame, strategy, { ...options, execution: 'next-open', flattenAtClose: true });
    const ends = new Set(sessionEnds(frame.times));
    // a session's last bar fills the pending target at its open, then closes what is held at
    // its close: each fill there is at the one or the other, ± 5 bps of slippage
    let closeOuts = 0;
    const close = [frame.get('Y'), frame.get('X')];
    const open = [frame.get('Y', 'open'), frame.get('X', 'open')];
    for (let k = 0; k < r.fills.length; k++) {
      const t = r.fills.bar[k];
      if (!ends.has(t)) continue;
      const slip = r.fills.shares[k] > 0 ? 1.0005 : 0.9995;
      const atClose = Math.abs(r.fills.price[k] - close[r.fills.leg[k]][t] * slip) < 1e-9;
      const atOpen = Math.abs(r.fills.price[k] - open[r.fills.leg[k]][t] * slip) < 1e-9;
      expect(atClose || atOpen).toBe(true);
      if (atClose) closeOuts++;
    }
    expect(closeOuts).toBeGreaterThan(4);
  });

  it('ends each session on the bar whose half hour reaches the close: 15:30 New York, 12:30 on an early close', () => {
    const r = backtest(frame, strategy, { ...options, execution: 'close', flattenAtClose: true });
    const last = sessionEnds(frame.times).map((t) => new Date(frame.times[t]).toISOString());
    // 2024-03-08 is EST (20:30 UTC), 2024-03-11 EDT (19:30 UTC) after the clocks changed
    expect(last).toContain('2024-03-08T20:30:00.000Z');
    expect(last).toContain('2024-03-11T19:30:00.000Z');
    expect(r.positions[2 * frame.times.indexOf(Date.UTC(2024, 2, 11, 19, 30))]).toBe(0);
  });
});
