/**
 * What the live dashboard shows, read from the run's journal: the journal is the one record of a
 * paper run, so the dashboard of a running engine (`kalrev paper --dashboard`) and the one of a
 * journal another process writes (`kalrev dashboard --state`) read the same rows the same way.
 * The reader holds its own read-only connection (it can change nothing) and reads incrementally:
 * each read takes the status (src/live/report.ts, as `kalrev status` computes it) and the live
 * bars journaled since the last read, for the equity and z-score series.
 */
import type { BookLimits } from '../execution/bookLimits.js';
import type { StrategySpec } from '../strategy/spec.js';
import type { RiskConfig } from './config.js';
import { JournalError } from './errors.js';
import { Journal, type EventRow, type FillRow, type OrderRow } from './journal.js';
import { readStatus, type LiveStatus } from './report.js';

/** Points of the equity and z-score series a dashboard keeps (the most recent). */
export const SERIES_POINTS = 10_000;
/** Fills and events a dashboard lists (the most recent). */
export const RECENT_ROWS = 50;

/** Live bars' equity and z-scores: `times` in seconds (the charts' unit), one z series per sleeve (one for a single run). */
export interface DashboardSeries {
  times: number[];
  equity: (number | null)[];
  z: (number | null)[][];
}

/** Everything the dashboard page shows at one moment. */
export interface DashboardView {
  /** The journal file. */
  file: string;
  /** When it was read (the reader's clock, epoch ms). */
  at: number;
  /** The run's status as `kalrev status` shows it; null before the run has written anything. */
  status: LiveStatus | null;
  /** The z-score's entry, exit and stop levels (null for a rule without bands). */
  bands: { entry: number; exit: number; stop: number | null } | null;
  /** The latest z-score of the run, or of each sleeve of a book (null before the first live bar). */
  z: { label: string; value: number | null }[];
  /** The risk limits in force (the `risk` section; a book's limits too). */
  risk: { limits: Partial<RiskConfig>; book: BookLimits | null };
  /** Orders the journal holds open (new, accepted, partially filled). */
  openOrders: OrderRow[];
  /** The last fills, newest first. */
  fills: FillRow[];
  /** The last journaled events (risk actions, halts, kills, a stale feed, …), newest first. */
  events: EventRow[];
  /** The feed's health: the last bar, how long since one arrived, and the staleness limit. */
  feed: {
    lastBarTime: number | null;
    receivedAt: number | null;
    silentMs: number | null;
    staleAfterMs: number | null;
    stale: boolean;
    staleEvents: number;
  };
  /** The series: whole (at most {@link SERIES_POINTS}) in a full view, the new points only in an update. */
  series: DashboardSeries;
}

interface RecordedRun {
  symbols: string[];
  strategy: StrategySpec;
  /** A book's fixed pairs (a walk-forward book's sleeves start later). */
  book?: { y: string; x: string }[];
  /** A book whose sleeves start after a training window. */
  schedule?: unknown;
  limits?: BookLimits;
}

const isBook = (run: RecordedRun) => run.book !== undefined || run.schedule !== undefined;

const nanToNull = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;

const zOf = (signal: string | null): number | null =>
  signal === null ? null : nanToNull((JSON.parse(signal) as { z: number | null }).z);

/** Reads a journal for a dashboard, incrementally (see the module notes). */
export class DashboardReader {
  readonly journal: Journal;
  readonly #series: DashboardSeries = { times: [], equity: [], z: [] };
  #lastSeq = -1;
  #run: RecordedRun | null = null;

  /**
   * Opens the journal read-only, after SQLite's check of the file and the checksum chain.
   * @throws JournalCorruptError for a damaged or hand-edited journal, JournalError for a file
   * that is not a journal.
   */
  constructor(file: string) {
    this.journal = new Journal(file, { readonly: true });
    try {
      this.journal.verifyChain();
    } catch (e) {
      this.journal.close();
      throw e;
    }
  }

  /**
   * Reads what changed: the whole view, with the series points added since the last read in
   * `added` (the page appends them to what it has).
   */
  read(now: number): { view: DashboardView; added: DashboardSeries } {
    const j = this.journal;
    let status: LiveStatus | null = null;
    try {
      status = readStatus(j, now);
    } catch (e) {
      if (!(e instanceof JournalError)) throw e;
    }
    const run = status === null ? null : this.#recorded();
    const added = run === null ? { times: [], equity: [], z: [] } : this.#readSeries(run);
    const input = JSON.parse(j.getMeta('input') ?? '{}') as { risk?: Partial<RiskConfig> };
    const rule = run?.strategy.rule;
    const lastRow = j.lastBar();
    const staleAfterMs = input.risk?.staleAfterMs ?? null;
    const view: DashboardView = {
      file: j.file,
      at: now,
      status,
      bands:
        rule?.type === 'bands' ? { entry: rule.entryZ, exit: rule.exitZ, stop: rule.stopZ ?? null } : null,
      z: this.#latestZ(run, status),
      risk: { limits: input.risk ?? {}, book: run?.limits ?? null },
      openOrders: j.openOrders(),
      fills: this.#recentFills(),
      events: this.#recentEvents(),
      feed: {
        lastBarTime: lastRow?.time ?? null,
        receivedAt: lastRow?.receivedAt ?? null,
        silentMs: lastRow === undefined ? null : now - lastRow.receivedAt,
        staleAfterMs,
        stale: status?.health === 'stale',
        staleEvents: status?.events['feed-stale'] ?? 0,
      },
      series: this.#series,
    };
    return { view, added };
  }

  close(): void {
    this.journal.close();
  }

  #recorded(): RecordedRun | null {
    if (this.#run === null) {
      const c = this.journal.getMeta('config');
      if (c !== undefined) this.#run = JSON.parse(c) as RecordedRun;
    }
    return this.#run;
  }

  /**
   * The live bars journaled since the last read, appended to the series (kept to its last
   * points). A book has a z series per sleeve, by the sleeve's number; a sleeve that starts later
   * (a walk-forward book's) adds a series, null before its start.
   */
  #readSeries(run: RecordedRun): DashboardSeries {
    const j = this.journal;
    const s = this.#series;
    const book = isBook(run);
    const rows = j.db
      .prepare(`SELECT seq, time, equity, signal FROM bars WHERE phase = 'live' AND seq > ? ORDER BY seq`)
      .all(this.#lastSeq) as { seq: number; time: number; equity: number | null; signal: string | null }[];
    const sleeveZ = new Map<number, (number | null)[]>();
    let k = book ? s.z.length : 1;
    if (book && rows.length > 0)
      for (const r of j.db
        .prepare(`SELECT seq, sleeve, signal FROM sleeve_bars WHERE seq > ? ORDER BY seq, sleeve`)
        .iterate(this.#lastSeq) as Iterable<{ seq: number; sleeve: number; signal: string | null }>) {
        let zs = sleeveZ.get(r.seq);
        if (zs === undefined) sleeveZ.set(r.seq, (zs = []));
        zs[r.sleeve] = zOf(r.signal);
        k = Math.max(k, r.sleeve + 1);
      }
    // a new sleeve's series: null over the bars already shown
    while (s.z.length < k) s.z.push(s.times.map(() => null));
    const added: DashboardSeries = { times: [], equity: [], z: Array.from({ length: k }, () => []) };
    if (rows.length === 0) return added;
    for (const r of rows) {
      added.times.push(r.time / 1000);
      added.equity.push(nanToNull(r.equity));
      if (!book) added.z[0].push(zOf(r.signal));
      else {
        const zs = sleeveZ.get(r.seq) ?? [];
        for (let i = 0; i < k; i++) added.z[i].push(zs[i] ?? null);
      }
    }
    this.#lastSeq = rows[rows.length - 1].seq;
    s.times.push(...added.times);
    s.equity.push(...added.equity);
    for (let i = 0; i < k; i++) s.z[i].push(...added.z[i]);
    const over = s.times.length - SERIES_POINTS;
    if (over > 0) {
      s.times.splice(0, over);
      s.equity.splice(0, over);
      for (const z of s.z) z.splice(0, over);
    }
    return added;
  }

  #latestZ(run: RecordedRun | null, status: LiveStatus | null): DashboardView['z'] {
    if (run === null) return [];
    const s = this.#series;
    const n = s.times.length;
    const last = (i: number) => (n > 0 ? (s.z[i]?.[n - 1] ?? null) : null);
    if (!isBook(run)) return [{ label: run.symbols.join('/'), value: last(0) }];
    // the sleeves as the status names them (a walk-forward book's, as they started)
    return (status?.book?.sleeves ?? []).map((v, i) => ({ label: v?.pair ?? `sleeve ${i}`, value: last(i) }));
  }

  #recentFills(): FillRow[] {
    return (
      this.journal.db.prepare('SELECT * FROM fills ORDER BY id DESC LIMIT ?').all(RECENT_ROWS) as {
        client_id: string;
        sleeve: number | null;
        n: number;
        time: number;
        leg: number;
        symbol: string;
        shares: number;
        price: number;
        commission: number;
      }[]
    ).map((r) => ({
      clientId: r.client_id,
      ...(r.sleeve === null ? {} : { sleeve: r.sleeve }),
      n: r.n,
      time: r.time,
      leg: r.leg,
      symbol: r.symbol,
      shares: r.shares,
      price: r.price,
      commission: r.commission,
    }));
  }

  #recentEvents(): EventRow[] {
    return (
      this.journal.db.prepare('SELECT * FROM events ORDER BY id DESC LIMIT ?').all(RECENT_ROWS) as {
        time: number | null;
        at: number;
        kind: string;
        detail: string | null;
      }[]
    ).map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) }));
  }
}
