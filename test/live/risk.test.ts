/** Risk controls: each limit cuts or refuses the order, and says so in the log and the journal. */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AssembledBar } from '../../src/live/assembler.js';
import type { PaperConfigInput } from '../../src/app/paper.js';
import { journalStatus } from '../../src/live/report.js';
import { wideFrame } from '../backtest/load.js';
import { cleanup, session, tempDir } from './helpers.js';

afterAll(cleanup);

/** Live bars journaled so far (0 before the journal exists). */
function liveBars(state: string): number {
  if (!existsSync(state)) return 0;
  try {
    const db = new Database(state, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM bars WHERE phase = 'live'`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // the schema is being created
  }
}

const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
const ewc = frame.get('EWC');
const ewa = frame.get('EWA');
const barAt = (t: number): AssembledBar => ({
  time: frame.times[t],
  close: Float64Array.of(ewc[t], ewa[t]),
  open: null,
  flatten: false,
  receivedAt: 0,
});
const base = (risk: PaperConfigInput['risk'] = {}): PaperConfigInput => ({
  preset: 'kalman-pair',
  symbols: ['EWC', 'EWA'],
  options: { execution: 'close' },
  risk,
});

async function run(cfg: PaperConfigInput, n: number, clock?: (t: number) => number) {
  let t = 0;
  const s = session(cfg, 'stdin', { clock: clock ? () => clock(t) : undefined });
  const outcomes = [];
  for (; t < n; t++) outcomes.push(await s.runner.processBar(barAt(t)));
  return { s, outcomes };
}

describe('risk controls', () => {
  it('max gross exposure: targets are scaled down to the limit, and logged', async () => {
    const { s } = await run(base({ maxGrossExposure: 40_000 }), 300);
    const cuts = s.lines.filter((l) => l.event === 'risk' && l.reason === 'max-gross-exposure');
    expect(cuts.length).toBeGreaterThan(10);
    expect(cuts[0]).toMatchObject({ level: 40, kind: 'cut', limit: 40_000 });
    expect(cuts[0].wanted as number).toBeCloseTo(100_000, 6);
    expect(cuts[0].scale as number).toBeCloseTo(0.4, 9);
    // every bar's position is within the limit at its close
    for (const b of s.journal.bars()) expect(b.gross!).toBeLessThanOrEqual(40_000 * (1 + 1e-12));
    expect(s.journal.events('cut').length).toBe(cuts.length);
    s.close();
  });

  it('max position per symbol: the largest leg is held to the limit, the hedge kept', async () => {
    const { s } = await run(base({ maxPositionValue: 25_000 }), 300);
    const cut = s.lines.find((l) => l.event === 'risk' && l.reason === 'max-position-value')!;
    expect(cut).toMatchObject({ kind: 'cut', limit: 25_000 });
    expect(['EWC', 'EWA']).toContain(cut.symbol);
    const bars = [...s.journal.bars()];
    let held = 0;
    for (const b of bars) {
      const v = b.positions!.map((p, i) => Math.abs(p * b.close[i]));
      expect(Math.max(...v)).toBeLessThanOrEqual(25_000 * (1 + 1e-12));
      if (v[0] > 0 && v[1] > 0) {
        held++;
        // both legs scaled alike: the ratio of shares is the strategy's hedge ratio β_t at entry
        expect(Math.sign(b.positions![0])).toBe(-Math.sign(b.positions![1]));
      }
    }
    expect(held).toBeGreaterThan(50);
    s.close();
  });

  it('daily loss limit: the losing bar flattens and the day is blocked, logged', async () => {
    const { s } = await run(base({ dailyLossLimit: 600 }), 600);
    const hit = s.journal.events('daily-loss');
    expect(hit.length).toBeGreaterThan(0);
    const d = hit[0].detail as { loss: number; limit: number; dayStart: number; equity: number };
    expect(d.loss).toBeGreaterThanOrEqual(600);
    expect(d.dayStart - d.equity).toBeCloseTo(d.loss, 9);
    const bar = [...s.journal.bars()].find((b) => b.time === hit[0].time)!;
    expect(bar.target).toEqual([0, 0]);
    expect(bar.positions).toEqual([0, 0]);
    expect(s.lines.some((l) => l.event === 'risk' && l.kind === 'flatten' && l.reason === 'daily-loss')).toBe(
      true,
    );
    s.close();
  });

  it('stale bars are not traded on (orders refused), and a silent feed is reported', async () => {
    // the clock runs two days behind every bar: each bar is 2 days old on arrival
    const { s, outcomes } = await run(
      base({ maxBarAgeMs: 86_400_000, staleAfterMs: 60_000 }),
      200,
      (t) => frame.times[t] + 2 * 86_400_000,
    );
    expect(outcomes.every((o) => o!.orders.length === 0)).toBe(true);
    const refused = s.journal.events('refuse');
    expect(refused.length).toBeGreaterThan(5);
    expect(refused[0].detail).toMatchObject({ reason: 'stale-bar', ageMs: 2 * 86_400_000 });
    expect(s.journal.count('orders')).toBe(0);
    // a fresh run of the same bars does trade
    const fresh = await run(base(), 200);
    expect(fresh.s.journal.count('orders')).toBeGreaterThan(10);
    fresh.s.close();
    // no bar for longer than staleAfterMs: logged once, status says stale
    const last = frame.times[199] + 2 * 86_400_000;
    expect(s.runner.checkStale(last + 59_000)).toBe(false);
    expect(s.runner.checkStale(last + 61_000)).toBe(true);
    expect(s.runner.checkStale(last + 62_000)).toBe(true);
    expect(s.lines.filter((l) => l.event === 'feed-stale')).toHaveLength(1);
    // every order refused since the start: status says so rather than "ok"
    const st = journalStatus(s.state, frame.times[199] + 1);
    expect(st.health).toBe('refusing');
    expect(st.refusedSinceLastTrade).toBe(refused.length);
    s.close();
    // a run that trades, silent for longer than staleAfterMs (bars stamped received at 0)
    const quiet = await run(base({ staleAfterMs: 60_000 }), 200);
    expect(journalStatus(quiet.s.state, 59_000).health).toBe('ok');
    expect(journalStatus(quiet.s.state, 61_000).health).toBe('stale');
    quiet.s.close();
  });

  it('kill switch by file: flattens on the next bar and stops', async () => {
    const dir = tempDir();
    const killFile = join(dir, 'KILL');
    const s = session(base({ killFile }), 'stdin');
    let t = 0;
    // run until a position is open
    for (; t < 1500; t++) {
      await s.runner.processBar(barAt(t));
      if (s.runner.sim.ledger.pos[0] !== 0 && t > 50) break;
    }
    expect(s.runner.sim.ledger.pos[0]).not.toBe(0);
    writeFileSync(killFile, '');
    const out = (await s.runner.processBar(barAt(++t)))!;
    expect(out.actions).toEqual([{ kind: 'flatten', reason: 'kill', from: expect.any(Array) }]);
    expect(out.orders).toHaveLength(2);
    expect(Array.from(s.runner.sim.ledger.pos)).toEqual([0, 0]);
    expect((await s.broker.positions()).get('EWC')).toBeCloseTo(0, 9);
    expect(s.runner.stopped).toBe(true);
    expect(await s.runner.processBar(barAt(t + 1))).toBeNull();
    expect(s.lines.find((l) => l.event === 'kill')).toMatchObject({ reason: `file ${killFile}` });
    expect(journalStatus(s.state).health).toBe('killed');
    s.close();
  });

  it('kill switch by signal (SIGUSR2 to kalrev paper): flat within one bar, the process exits', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify(base()));
    const state = join(dir, 'state.db');
    const log = join(dir, 'log');
    const child = spawn(
      'node',
      [
        '--import',
        'tsx',
        'test/live/paper-entry.ts',
        'paper',
        '--config',
        join(dir, 'config.json'),
        '--feed',
        'csv:data/ewa_ewc.csv',
        '--state',
        state,
        '--pace',
        '20',
        '--log',
        log,
      ],
      { stdio: 'ignore' },
    );
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    // the signal is sent once the run has journaled 10 bars (its handlers are installed by
    // then), however long the machine takes to get there
    while (liveBars(state) <= 10) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGUSR2');
    expect(await code).toBe(0);
    const st = journalStatus(state);
    expect(st.killed).toBe('signal SIGUSR2');
    expect(st.positions).toEqual({ EWC: 0, EWA: 0 });
    expect(st.bars.live).toBeGreaterThan(10);
    expect(st.bars.live).toBeLessThan(1500);
  });
});
