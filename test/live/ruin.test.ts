/**
 * Paper trading a strategy that ruins its account: the runner's Simulator liquidates at the
 * ruin bar's close, the liquidation's orders go to the broker, no order follows, the journal
 * and the log say so, and a replay of the journal is the backtest to the last digit.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { Journal } from '../../src/live/journal.js';
import { journalToBacktestResult } from '../../src/live/report.js';
import { wideFrame } from '../backtest/load.js';
import { cleanup, session } from './helpers.js';

afterAll(cleanup);

const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);

describe('paper trading into ruin', () => {
  const cases = [
    { execution: 'close' as const, capital: 300 },
    { execution: 'next-close' as const, capital: 300 },
    { execution: 'next-close' as const, costs: { commissionBps: 1e6 } },
  ];
  for (const c of cases)
    it(`kalman-pair on data/ewa_ewc.csv, ${JSON.stringify(c)}`, async () => {
      const s = session(
        { preset: 'kalman-pair', symbols: ['EWC', 'EWA'], options: c },
        'csv:data/ewa_ewc.csv',
      );
      await s.run();
      const positions = await s.broker.positions();
      s.close();
      const bt = backtest(frame, 'kalman-pair', { symbols: ['EWC', 'EWA'], ...c });
      expect(bt.ruined).toBe(true);
      const live = journalToBacktestResult(s.state);
      expect([live.ruined, live.ruinBar, live.ruinTime]).toEqual([bt.ruined, bt.ruinBar, bt.ruinTime]);
      expect(Array.from(live.equity)).toEqual(Array.from(bt.equity));
      expect(Array.from(live.returns)).toEqual(Array.from(bt.returns));
      expect(Array.from(live.positions)).toEqual(Array.from(bt.positions));
      expect(live.fills).toEqual(bt.fills);
      expect(live.trades).toEqual(bt.trades);
      expect(live.metrics).toEqual(bt.metrics);
      const j = new Journal(s.state, { readonly: true });
      const orders = j.orders();
      const ruined = j.events('ruined');
      const bars = [...j.bars()];
      j.close();
      // the ruin bar's orders close both legs; none follows
      const ruinSeq = bars.findIndex((b) => b.time === bt.ruinTime);
      expect(ruined).toHaveLength(1);
      expect(ruined[0].time).toBe(bt.ruinTime);
      expect(Math.max(...orders.map((o) => o.seq))).toBe(ruinSeq);
      expect(orders.filter((o) => o.seq === ruinSeq).length).toBeGreaterThan(0);
      // every order ever sent adds up to flat on each leg
      for (const leg of [0, 1])
        expect(Math.abs(orders.filter((o) => o.leg === leg).reduce((a, o) => a + o.shares, 0))).toBeLessThan(
          1e-9,
        );
      // and the venue ends flat (next-close: the orders filled at the next bar's close)
      expect(Math.abs(positions.get('EWC') ?? 0)).toBeLessThan(1e-9);
      expect(Math.abs(positions.get('EWA') ?? 0)).toBeLessThan(1e-9);
      expect(s.lines.filter((l) => l.event === 'ruined')).toHaveLength(1);
    });
});
