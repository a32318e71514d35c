/**
 * Trading sessions in paper trading: the daily loss limit resets on the exchange's trading day
 * (New York's date for the NYSE, the UTC date for crypto), and flattening at the close replays
 * the backtest's trades.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AssembledBar } from '../../src/live/assembler.js';
import type { PaperConfigInput } from '../../src/app/paper.js';
import { backtest } from '../../src/app/backtest.js';
import { DayLoss } from '../../src/live/gate.js';
import { journalToBacktestResult } from '../../src/live/report.js';
import { inRegularHours, regularHours } from '../../src/data/sessions.js';
import { readLongCsvSync, tradingCalendar } from '../../src/data/index.js';
import { wideFrame } from '../backtest/load.js';
import { intradayPairCsv } from '../backtest/intraday.js';
import { cleanup, session } from './helpers.js';

afterAll(cleanup);

const HOUR = 3_600_000;

describe('the daily loss limit resets on the trading day', () => {
  it('of New York on the NYSE calendar, of UTC on crypto (a fake clock across both midnights)', () => {
    // summer: New York midnight is 04:00 UTC
    let now = Date.UTC(2024, 5, 3, 18, 0); // 14:00 New York, Monday 3 June 2024
    const elapse = (ms: number) => (now += ms);
    const nyse = new DayLoss(tradingCalendar('nyse'));
    const crypto = new DayLoss(tradingCalendar('crypto'));
    let equity = 100_000;
    for (const d of [nyse, crypto]) d.track(now, () => equity);
    equity = 99_000; // a loss of 1,000 against the day's reference
    for (const d of [nyse, crypto]) expect(d.check(equity, 500)).toMatchObject({ loss: 1000, limit: 500 });
    elapse(7 * HOUR); // 01:00 UTC on 4 June: 21:00 New York on 3 June
    for (const d of [nyse, crypto]) d.track(now, () => equity);
    expect(nyse.blocked).toBe(true); // still New York's 3 June
    expect(crypto.blocked).toBe(false); // a new UTC day
    elapse(3 * HOUR - 60_000); // 03:59 UTC: 23:59 New York
    nyse.track(now, () => equity);
    expect(nyse.blocked).toBe(true);
    elapse(60_000); // 04:00 UTC: midnight in New York
    nyse.track(now, () => equity);
    expect(nyse.blocked).toBe(false);
    // the new day's reference is the equity then: the same equity is no loss
    expect(nyse.check(equity, 500)).toBeNull();
    expect(nyse.check(equity - 499, 500)).toBeNull();
    expect(nyse.check(equity - 500, 500)).toMatchObject({ loss: 500 });
  });

  it('in a paper run: a blocked day stays flat past UTC midnight until New York midnight', async () => {
    // the bundled EWC/EWA closes as hourly bars from Monday 3 June 2024, 00:00 UTC
    const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
    const start = Date.UTC(2024, 5, 3);
    const ewc = frame.get('EWC');
    const ewa = frame.get('EWA');
    const nyse = tradingCalendar('nyse');
    for (const calendar of ['nyse', 'crypto'] as const) {
      let now = start;
      const s = session(
        {
          preset: 'kalman-pair',
          symbols: ['EWC', 'EWA'],
          options: { execution: 'close', calendar },
          risk: { dailyLossLimit: 600 },
        } as PaperConfigInput,
        'stdin',
        { clock: () => now },
      );
      for (let t = 0; t < 600; t++) {
        now = start + t * HOUR;
        const bar: AssembledBar = {
          time: now,
          close: Float64Array.of(ewc[t], ewa[t]),
          open: null,
          flatten: false,
          receivedAt: now,
        };
        await s.runner.processBar(bar);
      }
      const hits = s.journal.events('daily-loss');
      const bars = [...s.journal.bars()];
      s.close();
      expect(hits.length).toBeGreaterThan(0);
      const day = (time: number) => (calendar === 'nyse' ? nyse.day(time) : Math.floor(time / 86_400_000));
      const DAY = 86_400_000;
      let pastUtcMidnight = 0;
      let tradedBeforeNyMidnight = 0;
      for (const hit of hits) {
        const at = hit.time!;
        // every later bar of the blocked trading day is flat
        const rest = bars.filter((b) => b.time >= at && day(b.time) === day(at));
        for (const b of rest) expect(b.target!.every((x) => x === 0)).toBe(true);
        pastUtcMidnight += rest.filter((b) => Math.floor(b.time / DAY) > Math.floor(at / DAY)).length;
        // the next UTC date's first four hours: still the blocked day in New York (EDT) when
        // the limit was hit after 04:00 UTC
        const next = (Math.floor(at / DAY) + 1) * DAY;
        const early =
          at % DAY >= 4 * HOUR ? bars.filter((b) => b.time >= next && b.time < next + 4 * HOUR) : [];
        if (early.some((b) => b.target!.some((x) => x !== 0))) tradedBeforeNyMidnight++;
      }
      if (calendar === 'nyse') {
        // the block held over UTC midnight, to midnight in New York
        expect(pastUtcMidnight).toBeGreaterThan(0);
        expect(tradedBeforeNyMidnight).toBe(0);
      } else {
        // a new UTC date is a new trading day: the strategy trades again before 04:00 UTC
        expect(tradedBeforeNyMidnight).toBeGreaterThan(0);
      }
      expect(
        bars.some(
          (b) => b.time > hits[0].time! && day(b.time) > day(hits[0].time!) && b.target!.some((x) => x !== 0),
        ),
      ).toBe(true);
    }
  });
});

describe('flattening at the close in a paper replay', () => {
  it('trades as the backtest does: the same fills, trades and equity, flat at every close', async () => {
    const nyse = tradingCalendar('nyse');
    const file = intradayPairCsv('2024-03-04', '2024-04-06', (t) => inRegularHours(nyse, t, false));
    const config = {
      preset: 'kalman-pair',
      symbols: ['Y', 'X'],
      strategy: { rule: { entryZ: 0.5, exitZ: 0 } },
      options: { execution: 'close', flattenAtClose: true },
    } as PaperConfigInput;
    const s = session(config, `csv:${file}`);
    await s.run();
    s.close();
    const live = journalToBacktestResult(s.state);
    const bt = backtest(
      readLongCsvSync(file).frame,
      { preset: 'kalman-pair', rule: { entryZ: 0.5, exitZ: 0 } },
      { symbols: ['Y', 'X'], execution: 'close', flattenAtClose: true },
    );
    expect(bt.trades.length).toBeGreaterThan(20);
    expect(live.fills).toEqual(bt.fills);
    expect(live.trades).toEqual(bt.trades);
    expect(Array.from(live.equity)).toEqual(Array.from(bt.equity));
    expect(bt.costs.borrow).toBe(0);
  });

  it('is refused for a paper run that fills at the next bar, naming the option', () => {
    expect(() =>
      session(
        {
          preset: 'kalman-pair',
          symbols: ['Y', 'X'],
          options: { execution: 'next-open', flattenAtClose: true },
        },
        'stdin',
      ),
    ).toThrow("options.flattenAtClose: paper trading flattens at the close with execution 'close' only");
  });

  it('with the regular-hours filter, trades the bars a backtest of the filtered data trades', async () => {
    const nyse = tradingCalendar('nyse');
    // every hour of the day and night, weekends and the Good Friday holiday included
    const file = intradayPairCsv('2024-03-04', '2024-04-06');
    const config = {
      preset: 'kalman-pair',
      symbols: ['Y', 'X'],
      session: 'rth',
      strategy: { rule: { entryZ: 0.5, exitZ: 0 } },
      options: { execution: 'close' },
    } as PaperConfigInput;
    const s = session(config, `csv:${file}`);
    await s.run();
    const outside = s.runner.outsideSession;
    s.close();
    const all = readLongCsvSync(file).frame;
    const kept = regularHours(all, nyse).frame;
    expect(outside).toBe(all.length - kept.length);
    expect(outside).toBeGreaterThan(kept.length);
    const live = journalToBacktestResult(s.state);
    const bt = backtest(
      kept,
      { preset: 'kalman-pair', rule: { entryZ: 0.5, exitZ: 0 } },
      { symbols: ['Y', 'X'], execution: 'close' },
    );
    expect(bt.trades.length).toBeGreaterThan(20);
    expect(Array.from(live.times)).toEqual(Array.from(kept.times));
    expect(live.fills).toEqual(bt.fills);
    expect(Array.from(live.equity)).toEqual(Array.from(bt.equity));
  });
});
