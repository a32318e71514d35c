/**
 * Reading a journal back: the run as a {@link BacktestResult} (what `kalrev report` renders),
 * and the short status `kalrev status` prints.
 */
import { sleeveCapitals } from '../execution/book.js';
import type { ResolvedBacktestOptions } from '../execution/options.js';
import { newRecord, recordSignal, runResult, type BacktestResult } from '../execution/result.js';
import { Simulator } from '../execution/simulator.js';
import { buildStrategy, type StrategySpec } from '../strategy/spec.js';
import type { Bar } from '../strategy/types.js';
import { JournalError } from './errors.js';
import { OrderGate } from './gate.js';
import { guardJournal, Journal, lockHolderAlive } from './journal.js';
import { PriceFrame } from '../data/frame.js';
import type { SleeveConfig } from './config.js';

interface RecordedConfig {
  symbols: string[];
  strategy: StrategySpec;
  options: ResolvedBacktestOptions;
  /** A book's sleeves (pair and weight): its fixed pairs (a walk-forward book's: none). */
  book?: SleeveConfig[];
  /** A book whose sleeves start after a training window. */
  schedule?: { kind: string };
}

function recorded(j: Journal): RecordedConfig {
  const c = j.getMeta('config');
  if (c === undefined) throw new JournalError(j.file, 'the journal has no run yet');
  return JSON.parse(c) as RecordedConfig;
}

/** The recorded run, refused when it is a book's (`what` cannot be read from a book yet). */
function singleRun(j: Journal, what: string): RecordedConfig {
  const cfg = recorded(j);
  if (cfg.book !== undefined)
    throw new JournalError(
      j.file,
      `the journal is a book of ${cfg.book.length > 0 ? `${cfg.book.length} ` : ''}pairs: ${what} reads a single strategy's run; \`kalrev status --state ${j.file}\` shows the book`,
    );
  return cfg;
}

/**
 * The journaled run as a backtest result: the live bars replayed, with the targets that were
 * decided then, through the backtester's Simulator, so trades, fills, equity and metrics are
 * exactly what the runner accounted (a replay of a backtest's data gives the backtest's result).
 * Warm-up bars feed the strategy only, as they did live.
 */
export function journalToBacktestResult(file: string): BacktestResult {
  return guardJournal(file, () => resultOf(file));
}

function resultOf(file: string): BacktestResult {
  const j = new Journal(file, { readonly: true });
  try {
    j.verifyChain();
    const cfg = singleRun(j, 'the report');
    const strategy = buildStrategy(cfg.strategy);
    const L = cfg.symbols.length;
    const gate = new OrderGate(strategy, cfg.symbols, { lotSize: 0, minTradeShares: 0 }, {});
    const sim = new Simulator(gate, cfg.options);
    gate.attach(sim);
    const rows = [...j.bars()];
    const n = rows.filter((r) => r.phase === 'live').length;
    const times = new Float64Array(n);
    const rec = newRecord(n, L);
    sim.record = rec;
    const warm: Bar = { index: 0, time: 0, close: new Float64Array(L) };
    let t = 0;
    for (const row of rows) {
      if (row.phase === 'warmup') {
        warm.time = row.time;
        for (let i = 0; i < L; i++) warm.close[i] = row.close[i];
        strategy.step(warm);
        warm.index++;
        continue;
      }
      sim.bar.time = row.time;
      for (let i = 0; i < L; i++) sim.bar.close[i] = row.close[i];
      if (row.open) for (let i = 0; i < L; i++) sim.open[i] = row.open[i];
      gate.replay = row.target;
      sim.step();
      times[t] = row.time;
      recordSignal(strategy.signal, t, rec);
      t++;
    }
    sim.markOpenTrade();
    return {
      ...runResult(sim, rec, times),
      symbols: cfg.symbols,
      options: cfg.options,
      strategy: cfg.strategy,
    };
  } finally {
    j.close();
  }
}

/** A change of orders, risk limits or pairing between runs of a journal. */
export interface ConfigChange {
  /** When it was made (epoch ms). */
  at: string;
  /** The last bar journaled before it, null on an empty journal. */
  afterBar: string | null;
  changed: Record<string, { from: unknown; to: unknown }>;
}

/** The configuration changes journaled (`config-change` events), oldest first. */
export function configChanges(j: Journal): ConfigChange[] {
  return j.events('config-change').map((e) => ({
    at: new Date(e.at).toISOString(),
    afterBar: e.time === null ? null : new Date(e.time).toISOString(),
    changed: e.detail as ConfigChange['changed'],
  }));
}

/**
 * Orders refused on this many consecutive bars that wanted to trade, with no trade since,
 * make the health `refusing`: the run is up but not trading.
 */
export const REFUSING_AFTER = 3;

/** One sleeve of a book, as `kalrev status` shows it. */
export interface SleeveStatus {
  /** `Y/X`. */
  pair: string;
  weight: number;
  /** The cash it was funded with, its equity at the last bar and its P&L (equity − capital). */
  capital: number;
  equity: number;
  pnl: number;
  /** Shares per leg in its account. */
  positions: Record<string, number>;
  trades: { total: number; closed: number };
  /** Stopped and flat: its equity went back to the book's free cash (a walk-forward book's). */
  released?: boolean;
}

/** What `kalrev status` shows. */
export interface LiveStatus {
  file: string;
  symbols: string[];
  bars: { warmup: number; live: number };
  lastBar: { time: string; receivedAt: string; close: number[] } | null;
  /** Shares per symbol in the strategy's account (the simulated book the decisions are taken on; a book's: summed over its sleeves). */
  positions: Record<string, number>;
  /** Shares per symbol held at the broker, by the fills it reported (journaled). */
  brokerPositions: Record<string, number>;
  /** The broker the run's orders go to. */
  broker: string | null;
  /** Equity at the last bar (a book's: free cash + every sleeve's equity), the starting capital, and the P&L. */
  equity: number;
  capital: number;
  pnl: number;
  /** A book's free cash and sleeves (absent for a single strategy's run). */
  book?: { freeCash: number; sleeves: SleeveStatus[] };
  orders: { total: number; unfilled: number };
  fills: number;
  trades: { total: number; closed: number };
  events: Record<string, number>;
  /** Bars since the last trade on which the strategy's orders were refused (stale bars). */
  refusedSinceLastTrade: number;
  configChanges: ConfigChange[];
  /** The pid of the `kalrev paper` process holding the journal, null when none runs. */
  runningPid: number | null;
  killed: string | null;
  /** Why the run halted (the broker disagreed with the journal), null when it did not or resumed since. */
  halted: string | null;
  /**
   * 'halted' (the broker disagreed with the journal at the last reconciliation); 'ok'; 'refusing' (orders refused on the last {@link REFUSING_AFTER} or more bars that wanted
   * to trade, none traded since); 'stale' (no bar for longer than `staleAfterMs`, when set);
   * 'killed'; or 'empty'. A damaged or hand-edited journal is an error, not a health
   * ({@link journalStatus} throws JournalCorruptError).
   */
  health: 'halted' | 'ok' | 'refusing' | 'stale' | 'killed' | 'empty';
}

/** Counts the bars, newest first, whose orders were refused, back to the last bar that traded. */
function refusedSinceLastTrade(j: Journal): number {
  let n = 0;
  for (const r of j.db
    .prepare(`SELECT decision FROM bars WHERE phase = 'live' ORDER BY seq DESC`)
    .iterate() as Iterable<{ decision: string | null }>) {
    const d = r.decision === null ? null : (JSON.parse(r.decision) as unknown);
    if (d === 'trade') break;
    if (Array.isArray(d)) {
      if ((d as { kind: string }[]).some((a) => a.kind === 'refuse')) n++;
      else break; // a cut or a flatten traded
    }
  }
  return n;
}

/**
 * Reads a journal's status (read-only; safe while the runner writes), after SQLite's check of
 * the file and the checksum chain.
 * @throws JournalCorruptError for a damaged or hand-edited journal, JournalError for a file
 * that is not a journal.
 */
export function journalStatus(file: string, now = Date.now()): LiveStatus {
  return guardJournal(file, () => statusOf(file, now));
}

function statusOf(file: string, now: number): LiveStatus {
  const j = new Journal(file, { readonly: true });
  try {
    j.verifyChain();
    return readStatus(j, now);
  } finally {
    j.close();
  }
}

/**
 * A journal's status as {@link journalStatus} reads it, from a journal already open (and its
 * chain checked): what a dashboard re-reads while the run goes on.
 * @throws JournalError when the journal has no run yet.
 */
export function readStatus(j: Journal, now: number): LiveStatus {
  const file = j.file;
  const cfg = recorded(j);
  const input = JSON.parse(j.getMeta('input') ?? '{}') as { risk?: { staleAfterMs?: number } };
  const last = j.lastBar();
  const lastLive = j.db
    .prepare(`SELECT positions, equity FROM bars WHERE phase = 'live' ORDER BY seq DESC LIMIT 1`)
    .get() as { positions: Buffer; equity: number } | undefined;
  const pos = lastLive
    ? Array.from(
        new Float64Array(
          lastLive.positions.buffer.slice(
            lastLive.positions.byteOffset,
            lastLive.positions.byteOffset + lastLive.positions.length,
          ),
        ),
      )
    : cfg.symbols.map(() => 0);
  const equity = lastLive ? lastLive.equity : cfg.options.capital;
  const events: Record<string, number> = {};
  for (const r of j.db.prepare('SELECT kind, count(*) AS n FROM events GROUP BY kind').all() as {
    kind: string;
    n: number;
  }[])
    events[r.kind] = r.n;
  const killed = j.getMeta('killed') ?? null;
  const halted = j.getMeta('halted') ?? null;
  const held = j.positions();
  const staleAfter = input.risk?.staleAfterMs;
  const refused = refusedSinceLastTrade(j);
  const holder = j.lockHolder();
  const health: LiveStatus['health'] =
    halted !== null
      ? 'halted'
      : killed !== null
        ? 'killed'
        : last === undefined
          ? 'empty'
          : refused >= REFUSING_AFTER
            ? 'refusing'
            : staleAfter !== undefined && now - last.receivedAt > staleAfter
              ? 'stale'
              : 'ok';
  return {
    file,
    symbols: cfg.symbols,
    bars: {
      warmup: j.count('bars', `WHERE phase = 'warmup'`),
      live: j.count('bars', `WHERE phase = 'live'`),
    },
    lastBar: last
      ? {
          time: new Date(last.time).toISOString(),
          receivedAt: new Date(last.receivedAt).toISOString(),
          close: last.close,
        }
      : null,
    positions: Object.fromEntries(cfg.symbols.map((s, i) => [s, pos[i] + 0])),
    brokerPositions: Object.fromEntries(cfg.symbols.map((s) => [s, (held.get(s) ?? 0) + 0])),
    broker: j.getMeta('broker') ?? null,
    equity,
    capital: cfg.options.capital,
    pnl: equity - cfg.options.capital,
    ...(cfg.book !== undefined
      ? {
          book:
            cfg.schedule !== undefined
              ? scheduledBookStatus(j, cfg.options.capital)
              : bookStatus(j, cfg, cfg.book),
        }
      : {}),
    orders: {
      total: j.count('orders'),
      unfilled: j.count('orders', `WHERE status IN ('new', 'accepted', 'partially-filled')`),
    },
    fills: j.count('fills'),
    trades: { total: j.count('trades'), closed: j.count('trades', 'WHERE closed = 1') },
    events,
    refusedSinceLastTrade: refused,
    configChanges: configChanges(j),
    runningPid: holder !== null && lockHolderAlive(holder) ? holder.pid : null,
    killed,
    halted,
    health,
  };
}

/** A book's sleeves at its last live bar: funding (as the book funded them at its start), positions, equity, P&L, trades. */
function bookStatus(j: Journal, cfg: RecordedConfig, sleeves: SleeveConfig[]): LiveStatus['book'] {
  const capital = cfg.options.capital;
  const capitals = sleeveCapitals(
    sleeves.map((s) => s.weight),
    capital,
    capital,
  );
  let freeCash = capital;
  for (const c of capitals) freeCash -= c;
  const last = j.lastSleeveRows();
  return {
    freeCash,
    sleeves: sleeves.map((s, k) => {
      const row = last[k];
      const equity = row?.equity ?? capitals[k];
      const pos = row?.positions ?? [0, 0];
      return {
        pair: `${s.y}/${s.x}`,
        weight: s.weight,
        capital: capitals[k],
        equity,
        pnl: equity - capitals[k],
        positions: { [s.y]: pos[0] + 0, [s.x]: pos[1] + 0 },
        trades: {
          total: j.count('trades', `WHERE sleeve = ${k}`),
          closed: j.count('trades', `WHERE sleeve = ${k} AND closed = 1`),
        },
      };
    }),
  };
}

/**
 * A book whose sleeves started after a training window: each sleeve as journaled when it was
 * funded (event `sleeve-start`), at its last bar in the book; the free cash as the book keeps
 * it (its fundings out, its released sleeves' equity back, in the order they happened).
 */
function scheduledBookStatus(j: Journal, capital: number): LiveStatus['book'] {
  const last = new Map<number, { equity: number; positions: number[] }>();
  for (const rows of j.sleeveBars().values())
    for (const r of rows)
      if (r.equity !== null) last.set(r.sleeve, { equity: r.equity, positions: r.positions! });
  let freeCash = capital;
  const sleeves: SleeveStatus[] = [];
  for (const e of j.events()) {
    if (e.kind === 'sleeve-start') {
      const d = e.detail as { sleeve: number; y: string; x: string; weight: number; capital: number };
      freeCash -= d.capital;
      const row = last.get(d.sleeve);
      const equity = row?.equity ?? d.capital;
      const pos = row?.positions ?? [0, 0];
      sleeves[d.sleeve] = {
        pair: `${d.y}/${d.x}`,
        weight: d.weight,
        capital: d.capital,
        equity,
        pnl: equity - d.capital,
        positions: { [d.y]: pos[0] + 0, [d.x]: pos[1] + 0 },
        trades: {
          total: j.count('trades', `WHERE sleeve = ${d.sleeve}`),
          closed: j.count('trades', `WHERE sleeve = ${d.sleeve} AND closed = 1`),
        },
      };
    } else if (e.kind === 'sleeve-released') {
      const d = e.detail as { sleeve: number; equity: number };
      freeCash += d.equity;
      sleeves[d.sleeve].released = true;
    }
  }
  return { freeCash, sleeves };
}

/** The configuration changes of a journal (for the report). */
export function journalConfigChanges(file: string): ConfigChange[] {
  return guardJournal(file, () => {
    const j = new Journal(file, { readonly: true });
    try {
      return configChanges(j);
    } finally {
      j.close();
    }
  });
}

/** The live bars of a journal as a price frame (closes, and opens when the feed had them). */
export function journalFrame(file: string): PriceFrame {
  return guardJournal(file, () => frameOf(file));
}

function frameOf(file: string): PriceFrame {
  const j = new Journal(file, { readonly: true });
  try {
    const { symbols } = singleRun(j, 'the report');
    const live = [...j.bars()].filter((r) => r.phase === 'live');
    const n = live.length;
    const hasOpen = n > 0 && live.every((r) => r.open);
    const columns: Record<string, { close: Float64Array; open?: Float64Array }> = {};
    symbols.forEach((s, i) => {
      columns[s] = { close: Float64Array.from(live, (r) => r.close[i]) };
      if (hasOpen) columns[s].open = Float64Array.from(live, (r) => r.open![i]);
    });
    return new PriceFrame({ times: live.map((r) => r.time), columns, source: file });
  } finally {
    j.close();
  }
}
