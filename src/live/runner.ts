/**
 * The paper-trading runner: one bar at a time, the very strategy object and {@link Simulator}
 * the backtester uses, wrapped by the {@link OrderGate} (lots, risk). For each bar:
 *   1. the venue sees the bar (the paper broker fills orders waiting for it);
 *   2. the simulator runs the backtest's six steps: the strategy's decision, cut by the gate;
 *   3. the bar, the state after it, the decision, its orders and the fills so far are journaled
 *      in one transaction;
 *   4. only then do the orders leave, and their fills are journaled as they come.
 * On start it replays the journal (restoring the strategy and the account exactly). At start, on
 * every bar and after the broker's connection comes back it reconciles with the venue, which is
 * the truth: every order the journal holds open is looked up (one the venue never saw is sent, as
 * it never left; fills and final states the venue reports are journaled), then the journal's
 * positions and open orders must equal the venue's, or the run halts with a journaled `halt`
 * event. Client order ids are derived from the bar and journaled before they leave, so none is
 * sent twice.
 */
import { existsSync } from 'node:fs';
import { backtestOptionsSchema } from '../execution/options.js';
import { tradingCalendar, type TradingCalendar } from '../data/calendar.js';
import { inRegularHours } from '../data/sessions.js';
import type { Simulator } from '../execution/simulator.js';
import type { Strategy } from '../strategy/types.js';
import type { AssembledBar, BarAssembler } from './assembler.js';
import {
  BrokerConnectionError,
  BrokerRefusedError,
  filledQty,
  isOpen,
  type Broker,
  type ConnectionEvent,
  type OrderRequest,
  type OrderState,
} from '../execution/broker.js';
import type { PaperConfig } from './config.js';
import { BookDesk } from './book.js';
import { StrategyDesk, type Desk, type DeskAction } from './desk.js';
import { BrokerMismatchError, JournalError, ReplayError } from './errors.js';
import type { Feed } from './feeds.js';
import type { OrderGate } from './gate.js';
import { isoTime, type FillRow, type Journal, type OrderRow } from './journal.js';
import type { RunnerEvent, RunnerListener } from './events.js';

/**
 * Shares that differ by no more than this fraction of the larger are equal: the venue and the
 * journal add the same fills, possibly in another order after a restart.
 */
const SHARE_TOLERANCE = 1e-9;
const sameShares = (a: number, b: number) =>
  Math.abs(a - b) <= SHARE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));

/** Where the journal and the venue disagree. */
export interface Mismatch {
  positions: { symbol: string; journal: number; broker: number }[];
  /** Open at the venue, unknown or closed in the journal. */
  brokerOnly: string[];
  /** Open in the journal, not open at the venue. */
  journalOnly: string[];
}

/** When a reconciliation ran. */
export type ReconcileWhen = 'start' | 'bar' | 'reconnect' | 'end';
import type { Logger } from './logger.js';

/** Points where a test may crash the process on purpose. */
export interface RunnerHooks {
  afterJournal?(seq: number): void;
  afterSubmit?(seq: number): void;
}

/** Options of {@link PaperRunner}: the configuration, its journal and the broker it trades with. */
export interface RunnerOptions {
  config: PaperConfig;
  journal: Journal;
  broker: Broker;
  logger: Logger;
  clock?: () => number;
  hooks?: RunnerHooks;
  /**
   * The feed replays history (a CSV file): a bar's age is judged by the feed's own clock, on
   * which a bar is new when it arrives, so `risk.maxBarAgeMs` does not refuse every order of a
   * replay. A live feed's bars are judged by the wall clock.
   */
  replay?: boolean;
}

/** What one bar led to. */
export interface BarOutcome {
  seq: number;
  orders: OrderRequest[];
  actions: DeskAction[];
}

const sameConfig = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A journal's recorded identity with the execution options this kalrev has and the journal's
 * does not filled in at their defaults, in this kalrev's order: an older journal is the same
 * run (its replay then checks that it still accounts to what was recorded).
 */
function withCurrentDefaults(recorded: unknown): unknown {
  const r = recorded as { options?: Record<string, unknown> } | null;
  if (r === null || typeof r !== 'object' || typeof r.options !== 'object' || r.options === null)
    return recorded;
  const parsed = backtestOptionsSchema.safeParse(r.options);
  if (!parsed.success) return recorded;
  const { symbols, ...rest } = parsed.data;
  return { ...r, options: symbols === undefined ? rest : { symbols, ...rest } };
}

/**
 * Trades a strategy (or a book of pair sleeves, `config.book`) bar by bar: decides with the
 * backtester's own steps, journals each bar before its orders leave, and resumes from the
 * journal after a restart (see the module notes).
 */
export class PaperRunner {
  readonly config: PaperConfig;
  readonly journal: Journal;
  readonly broker: Broker;
  readonly logger: Logger;
  /** The accounts traded: one strategy's ({@link StrategyDesk}) or a book's sleeves' ({@link BookDesk}). */
  readonly desk: Desk;
  readonly clock: () => number;
  readonly hooks: RunnerHooks;
  readonly replay: boolean;
  #seq = 0;
  #lastTime = -Infinity;
  #inBar = false;
  /** Order states the venue reported during a bar, journaled with it. */
  #pending: OrderState[] = [];
  /** The journal's positions (its fills summed in journaled order), per symbol. */
  #book = new Map<string, number>();
  #started: Promise<void> | null = null;
  #connected = true;
  #halted = false;
  #retries = 0;
  #reconnected: { promise: Promise<void>; resolve: () => void } | null = null;
  #killed: string | null = null;
  #stopped = false;
  #lastReceived = NaN;
  #staleLogged = false;
  /** The calendar of `session: 'rth'` (null: every bar is traded). */
  readonly #calendar: TradingCalendar | null;
  #outside = 0;
  /** The reconciliation run when the broker's connection came back between bars. */
  #reconciling: Promise<void> | null = null;
  /** Its failure (a halt), thrown by the next bar or at the end of the run. */
  #failure: unknown = null;
  readonly #listeners: RunnerListener[] = [];

  constructor(options: RunnerOptions) {
    const { config, journal, broker, logger } = options;
    this.config = config;
    this.journal = journal;
    this.broker = broker;
    this.logger = logger;
    this.clock = options.clock ?? Date.now;
    this.hooks = options.hooks ?? {};
    this.replay = options.replay ?? false;
    this.#calendar = config.session === 'rth' ? tradingCalendar(config.options.calendar) : null;
    this.desk = config.book !== undefined ? new BookDesk(config) : new StrategyDesk(config);
    broker.onUpdate((state) => this.#onUpdate(state));
    broker.onConnection?.((e) => this.#onConnection(e));
    this.#restore();
    this.#book = journal.positions();
  }

  /**
   * Adds a watcher of the run's notices (bars journaled, fills, risk actions, a stale feed, a
   * halt, the kill switch, ruin). Called synchronously once the journal holds what a notice speaks
   * of; what it throws is logged, never passed to the run.
   */
  onEvent(listener: RunnerListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const k = this.#listeners.indexOf(listener);
      if (k >= 0) this.#listeners.splice(k, 1);
    };
  }

  #emit(event: RunnerEvent): void {
    for (const listener of this.#listeners)
      try {
        listener(event);
      } catch (e) {
        this.logger.error(
          { event: 'watcher-failed', kind: event.kind, reason: String(e) },
          'a watcher failed',
        );
      }
  }

  /** The single strategy's desk; a book has one account per sleeve ({@link BookDesk.sleeves}). */
  #single(): StrategyDesk {
    if (this.desk instanceof StrategyDesk) return this.desk;
    throw new JournalError(
      this.journal.file,
      'a book has a strategy, gate and account per sleeve: see runner.desk',
    );
  }
  /** The strategy (a single strategy's run). */
  get strategy(): Strategy {
    return this.#single().strategy;
  }
  /** The order gate wrapping the strategy (a single strategy's run). */
  get gate(): OrderGate {
    return this.#single().gate;
  }
  /** The account, on the backtester's Simulator (a single strategy's run). */
  get sim(): Simulator {
    return this.#single().sim;
  }
  /** Live bars accounted so far (warm-up bars not included). */
  get liveBars(): number {
    return this.desk.liveBars;
  }

  /** Bars journaled so far (warm-up included). */
  get seq(): number {
    return this.#seq;
  }
  /** Time of the last bar processed (−Infinity before the first). */
  get lastTime(): number {
    return this.#lastTime;
  }
  /** Resolves when the reconciliation started by a reconnection (if any) has ended. */
  get reconciling(): Promise<void> {
    return this.#reconciling ?? Promise.resolve();
  }
  /** Why the kill switch was thrown, or null. */
  get killed(): string | null {
    return this.#killed;
  }
  /** True once killed and flat: the run is over. */
  get stopped(): boolean {
    return this.#stopped;
  }

  #restore(): void {
    const j = this.journal;
    const recorded = j.getMeta('config');
    const mine = this.desk.identity;
    if (recorded === undefined) {
      j.setMeta('config', JSON.stringify(mine));
      j.setMeta('input', JSON.stringify(this.config.input));
      j.setMeta('created', String(this.clock()));
      return;
    }
    if (!sameConfig(withCurrentDefaults(JSON.parse(recorded)), mine))
      throw new JournalError(
        j.file,
        `the journal belongs to another run (${this.config.book ? 'pairs, weights, ' : ''}symbols, strategy or execution/costs differ from this configuration); use a new --state file`,
      );
    const t0 = this.clock();
    let live = 0;
    let last: ReturnType<Journal['lastBar']>;
    const desk = this.desk;
    const sleeves = j.sleeveBars();
    desk.recall?.(j.events('selection'));
    for (const row of j.bars()) {
      if (row.phase === 'warmup') desk.warmup(this.#seq, row.time, row.close, row.open);
      else {
        try {
          desk.replay(row, sleeves.get(row.seq) ?? []);
        } catch (e) {
          if (e instanceof ReplayError) throw new JournalError(j.file, e.message);
          throw e;
        }
        if (Array.isArray(row.decision) && row.decision.some((a: DeskAction) => a.kind === 'daily-loss'))
          desk.blockDay();
        live++;
      }
      this.#seq = row.seq + 1;
      this.#lastTime = row.time;
      last = row;
    }
    if (last !== undefined) {
      if (!desk.matches(last, sleeves.get(last.seq) ?? []))
        throw new JournalError(
          j.file,
          `replaying ${live} journaled bars does not reproduce the recorded state at bar ${last.seq} (the strategy or kalrev version changed?)`,
        );
    }
    this.#recordConfigChange();
    const killed = j.getMeta('killed');
    if (killed !== undefined) this.#killed = killed;
    this.logger.info(
      {
        event: 'restored',
        bars: this.#seq,
        live,
        lastTime: this.#lastTime,
        ms: this.clock() - t0,
        killed: this.#killed,
      },
      `restored ${this.#seq} journaled bars`,
    );
  }

  /**
   * Reconciles the journal with the broker before the first bar (run by {@link processBar} and
   * {@link run} when not called before; once).
   * @throws BrokerMismatchError when the venue's positions or open orders differ from the journal's.
   */
  start(): Promise<void> {
    this.#started ??= this.#startOnce();
    return this.#started;
  }

  async #startOnce(): Promise<void> {
    const j = this.journal;
    const recorded = j.getMeta('broker');
    if (recorded === undefined) j.setMeta('broker', this.broker.name);
    else if (recorded !== this.broker.name)
      throw new JournalError(
        j.file,
        `the journal's orders went to broker "${recorded}", not "${this.broker.name}"; use --broker ${recorded}, or a new --state file`,
      );
    await this.#connect();
    await this.reconcile('start');
    const halted = j.getMeta('halted');
    if (halted !== undefined) {
      j.db.transaction(() => {
        j.deleteMeta('halted');
        j.event({ time: this.#eventTime(), at: this.clock(), kind: 'resumed', detail: { halted } });
      })();
      this.logger.warn(
        { event: 'resumed', halted },
        'the broker agrees with the journal again: resuming after the halt',
      );
    }
  }

  /** A real venue connects and checks the account first: what it found, or its refusal, is journaled. */
  async #connect(): Promise<void> {
    if (this.broker.connect === undefined) return;
    const broker = this.broker.name;
    try {
      const checked = await this.broker.connect();
      this.journal.event({
        time: this.#eventTime(),
        at: this.clock(),
        kind: 'broker-connected',
        detail: { broker, ...checked },
      });
      this.logger.info(
        { event: 'broker-connected', broker, ...checked },
        `connected to broker ${broker}; account checked`,
      );
    } catch (e) {
      if (e instanceof BrokerRefusedError) {
        this.journal.event({
          time: this.#eventTime(),
          at: this.clock(),
          kind: 'broker-refused',
          detail: { broker, reason: e.reason },
        });
        this.logger.error({ event: 'broker-refused', broker, reason: e.reason }, e.message);
      }
      throw e;
    }
  }

  /**
   * Orders, risk limits and pairing may change between runs of a journal (the run's identity,
   * symbols/strategy/execution/costs, may not): a change is journaled as a `config-change` event
   * with what it was and what it is now, and logged, never taken silently.
   */
  #recordConfigChange(): void {
    const j = this.journal;
    const before = JSON.parse(j.getMeta('input') ?? '{}') as Record<string, unknown>;
    const now = this.config.input as Record<string, unknown>;
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    for (const key of ['orders', 'risk', 'pairing'])
      if (!sameConfig(before[key] ?? null, now[key] ?? null))
        changed[key] = { from: before[key] ?? null, to: now[key] ?? null };
    if (Object.keys(changed).length === 0) return;
    j.db.transaction(() => {
      j.event({
        time: Number.isFinite(this.#lastTime) ? this.#lastTime : null,
        at: this.clock(),
        kind: 'config-change',
        detail: changed,
      });
      j.setMeta('input', JSON.stringify(this.config.input));
    })();
    this.logger.warn(
      { event: 'config-change', changed },
      `configuration changed since the last run (${Object.keys(changed).join(', ')}): journaled`,
    );
  }

  #onUpdate(state: OrderState): void {
    if (this.#inBar) this.#pending.push(state);
    else this.#record([state]);
  }

  #onConnection(e: ConnectionEvent): void {
    const at = this.clock();
    const time = Number.isFinite(this.#lastTime) ? this.#lastTime : null;
    if (e === 'disconnected') {
      if (!this.#connected) return;
      this.#connected = false;
      this.journal.event({ time, at, kind: 'broker-disconnected', detail: { broker: this.broker.name } });
      this.logger.warn(
        { event: 'broker-disconnected', broker: this.broker.name },
        'broker connection lost: no order leaves until it is back and reconciled',
      );
    } else {
      this.#connected = true;
      this.journal.event({ time, at, kind: 'broker-reconnected', detail: { broker: this.broker.name } });
      this.logger.info({ event: 'broker-reconnected', broker: this.broker.name }, 'broker connection back');
      const waiting = this.#reconnected;
      this.#reconnected = null;
      waiting?.resolve();
      // between bars, reconcile now: fills reported while the connection was down are journaled
      // (and a difference halts) without waiting for the next bar
      if (this.#started !== null && !this.#inBar && !this.#halted && this.#reconciling === null)
        this.#reconciling = this.#started
          .then(() => this.reconcile('reconnect'))
          .catch((err: unknown) => {
            this.#failure = err;
          })
          .finally(() => {
            this.#reconciling = null;
          });
    }
  }

  /** Resolves when the broker reports its connection back. */
  #nextReconnect(): Promise<void> {
    if (this.#reconnected === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#reconnected = { promise, resolve };
    }
    return this.#reconnected.promise;
  }

  /** A call failed for the connection: wait for it to come back, or stop when the broker cannot say. */
  async #afterConnectionError(e: unknown): Promise<void> {
    if (!(e instanceof BrokerConnectionError) || this.broker.onConnection === undefined) throw e;
    this.logger.warn({ event: 'broker-unreachable', reason: e.message }, 'waiting for the broker connection');
    // the connection came back before this error was handled: try again, but not forever on a
    // broker that fails without saying it is down
    if (this.#connected) {
      if (++this.#retries > 3) throw e;
      return;
    }
    await this.#nextReconnect();
  }

  /** Journals order states the venue reported (outside a bar's transaction), and logs what they add. */
  #record(states: OrderState[]): void {
    const { fills, closed } = this.journal.recordOrderStates(states, this.clock(), this.#eventTime());
    this.#noteFills(fills);
    this.#noteClosed(closed);
  }

  #eventTime(): number | null {
    return Number.isFinite(this.#lastTime) ? this.#lastTime : null;
  }

  #noteFills(fills: FillRow[]): void {
    for (const f of fills) {
      this.#book.set(f.symbol, (this.#book.get(f.symbol) ?? 0) + f.shares);
      this.logger.info(
        {
          event: 'fill',
          clientId: f.clientId,
          part: f.n,
          symbol: f.symbol,
          shares: f.shares,
          price: f.price,
          commission: f.commission,
          barTime: f.time,
        },
        'fill',
      );
      this.#emit({ kind: 'fill', fill: f, at: this.clock() });
    }
  }

  #noteClosed(closed: OrderState[]): void {
    for (const s of closed)
      this.logger.warn(
        {
          event: `order-${s.status}`,
          clientId: s.order.clientId,
          symbol: s.order.symbol,
          shares: s.order.shares,
          filled: s.fills.reduce((q, f) => q + f.qty, 0),
          ...(s.status === 'rejected' ? { reason: s.reason } : {}),
        },
        `order ${s.status}${s.status === 'rejected' ? `: ${s.reason}` : ''}`,
      );
  }

  /**
   * Brings the journal's open orders up to date with the venue (sending those it never saw),
   * then compares positions and open orders; a difference seen twice halts the run.
   * @throws BrokerMismatchError after journaling a `halt` event.
   */
  async reconcile(when: ReconcileWhen): Promise<void> {
    for (;;) {
      try {
        await this.#syncOpenOrders();
        let mismatch = await this.#compare();
        // a fill may have landed between the venue's answers: look once more before halting
        if (mismatch !== null) {
          await this.#syncOpenOrders();
          mismatch = await this.#compare();
        }
        if (mismatch !== null) this.#halt(when, mismatch);
        this.#retries = 0;
        return;
      } catch (e) {
        await this.#afterConnectionError(e);
      }
    }
  }

  async #syncOpenOrders(): Promise<void> {
    for (const o of this.journal.openOrders()) {
      const state = await this.broker.order(o.clientId);
      if (state !== null) {
        this.#record([state]);
        continue;
      }
      this.logger.warn(
        { event: 'reconcile-resubmit', clientId: o.clientId },
        'order journaled but unknown to the broker (it never left): sending',
      );
      this.#record([await this.broker.submit(toRequest(o))]);
    }
  }

  /**
   * The venue's positions and open orders against the journal's. Fills keep arriving while the
   * venue is asked, so a symbol with an order still working may differ by no more than the shares
   * left to fill; it is held to equality once nothing works on it.
   */
  async #compare(): Promise<Mismatch | null> {
    const symbols = this.config.symbols;
    const venue = await this.broker.positions();
    const venueOpen = (await this.broker.openOrders()).filter((s) => symbols.includes(s.order.symbol));
    const theirs = new Set(venueOpen.map((s) => s.order.clientId));
    const working = new Map<string, number>();
    const addWorking = (symbol: string, left: number) =>
      working.set(symbol, (working.get(symbol) ?? 0) + Math.abs(left));
    for (const s of venueOpen) addWorking(s.order.symbol, s.order.shares - filledQty(s));
    // open in the journal, not listed open by the venue: it may have just ended, so ask about it
    const journalOnly: string[] = [];
    let open = this.journal.openOrders();
    let asked = false;
    for (const o of open) {
      if (theirs.has(o.clientId)) continue;
      const state = await this.broker.order(o.clientId);
      asked = true;
      if (state !== null) this.#record([state]);
      if (state === null || isOpen(state.status)) {
        journalOnly.push(o.clientId);
        addWorking(o.symbol, o.shares - (state === null ? 0 : filledQty(state)));
      }
    }
    // reports may arrive while the venue is asked: read the journal again after asking
    if (asked) open = this.journal.openOrders();
    const mine = new Set(open.map((o) => o.clientId));
    const brokerOnly = [...theirs].filter((id) => !mine.has(id));
    const positions: Mismatch['positions'] = [];
    for (const symbol of symbols) {
      const journal = this.#book.get(symbol) ?? 0;
      const broker = venue.get(symbol) ?? 0;
      const slack = working.get(symbol) ?? 0;
      if (!sameShares(journal, broker) && !(Math.abs(journal - broker) <= slack * (1 + SHARE_TOLERANCE)))
        positions.push({ symbol, journal, broker });
    }
    if (positions.length === 0 && brokerOnly.length === 0 && journalOnly.length === 0) return null;
    return { positions, brokerOnly, journalOnly };
  }

  #halt(when: ReconcileWhen, m: Mismatch): never {
    const parts = [
      ...m.positions.map((p) => `${p.symbol} broker ${p.broker} vs journal ${p.journal}`),
      ...(m.brokerOnly.length > 0 ? [`orders open at the broker only: ${m.brokerOnly.join(', ')}`] : []),
      ...(m.journalOnly.length > 0 ? [`orders open in the journal only: ${m.journalOnly.join(', ')}`] : []),
    ];
    const at = this.clock();
    this.#stopped = true;
    this.#halted = true;
    this.journal.db.transaction(() => {
      this.journal.event({
        time: this.#eventTime(),
        at,
        kind: 'halt',
        detail: { reason: 'broker-mismatch', when, broker: this.broker.name, ...m },
      });
      this.journal.setMeta('halted', parts.join('; '));
    })();
    this.logger.error(
      { event: 'halt', reason: 'broker-mismatch', when, broker: this.broker.name, ...m },
      'the broker disagrees with the journal: halted',
    );
    this.#emit({ kind: 'halt', difference: parts.join('; '), mismatch: m, time: this.#eventTime(), at });
    throw new BrokerMismatchError(this.journal.file, this.broker.name, parts.join('; '));
  }

  /**
   * Feeds a history bar to the strategy only (no orders, no account), to settle its state
   * before the first live bar. Journaled, so a restart replays it too.
   */
  warmup(bar: AssembledBar): void {
    if (this.desk.liveBars > 0)
      throw new JournalError(this.journal.file, 'warm-up bars must come before the first live bar');
    if (bar.time <= this.#lastTime || this.#outsideSession(bar)) return;
    const sleeves = this.desk.warmup(this.#seq, bar.time, bar.close, bar.open);
    this.journal.recordBar(
      {
        seq: this.#seq,
        time: bar.time,
        phase: 'warmup',
        receivedAt: bar.receivedAt,
        close: Array.from(bar.close),
        open: bar.open === null ? null : Array.from(bar.open),
        target: null,
        decision: null,
        positions: null,
        equity: null,
        cash: null,
        gross: null,
        net: null,
        ret: null,
        notional: null,
        signal: this.desk.warmSignal(),
        snapshot: null,
      },
      [],
      [],
      [],
      [],
      this.clock(),
      sleeves,
    );
    this.#seq++;
    this.#lastTime = bar.time;
  }

  /**
   * With `session: 'rth'`, whether a bar falls outside the calendar's regular trading hours; it
   * is passed over as a backtest's regular-hours filter drops it. A stream's bars are intraday
   * bars stamped at their start (a daily feed needs no filter: each of its bars is a session).
   */
  #outsideSession(bar: AssembledBar): boolean {
    if (this.#calendar === null || inRegularHours(this.#calendar, bar.time, false)) return false;
    this.#outside++;
    this.logger.debug(
      { event: 'outside-session', barTime: bar.time },
      'bar outside regular hours: passed over',
    );
    return true;
  }

  /** Bars passed over as outside regular trading hours (`session: 'rth'`). */
  get outsideSession(): number {
    return this.#outside;
  }

  /** Throws the kill switch: the next bar flattens, and the run stops once flat. */
  kill(reason: string): void {
    if (this.#killed !== null) return;
    this.#killed = reason;
    this.journal.setMeta('killed', reason);
    this.journal.event({ time: null, at: this.clock(), kind: 'kill', detail: { reason } });
    this.logger.warn(
      { event: 'kill', reason },
      `kill switch (${reason}): flattening on the next bar and stopping`,
    );
    this.#emit({ kind: 'kill', reason, at: this.clock() });
  }

  /** Logs (once) when no bar has come for `risk.staleAfterMs`; returns whether the feed is stale. */
  checkStale(now = this.clock()): boolean {
    const limit = this.config.risk.staleAfterMs;
    if (limit === undefined || Number.isNaN(this.#lastReceived)) return false;
    const stale = now - this.#lastReceived > limit;
    if (stale && !this.#staleLogged) {
      this.#staleLogged = true;
      this.journal.event({
        time: this.#lastTime,
        at: now,
        kind: 'feed-stale',
        detail: { silentMs: now - this.#lastReceived },
      });
      this.logger.warn(
        { event: 'feed-stale', silentMs: now - this.#lastReceived, limitMs: limit },
        'no bar for too long: feed stale',
      );
      this.#emit({
        kind: 'feed-stale',
        silentMs: now - this.#lastReceived,
        limitMs: limit,
        time: this.#eventTime(),
        at: now,
      });
    }
    return stale;
  }

  /**
   * Processes one complete bar: reconciles with the broker, lets the venue see the bar, decides,
   * journals, and only then sends the orders.
   * @throws BrokerMismatchError when the broker disagrees with the journal (the run halts).
   */
  async processBar(bar: AssembledBar): Promise<BarOutcome | null> {
    if (this.#reconciling !== null) await this.#reconciling;
    if (this.#failure !== null) throw this.#failure;
    if (this.#stopped) return null;
    if (bar.time <= this.#lastTime) {
      this.logger.debug({ event: 'already-processed', barTime: bar.time }, 'bar already journaled');
      return null;
    }
    if (this.#outsideSession(bar)) return null;
    await this.start();
    if (!this.#connected) await this.#nextReconnect();
    await this.reconcile('bar');
    const now = this.clock();
    this.#lastReceived = now;
    this.#staleLogged = false;
    const risk = this.config.risk;
    if (risk.killFile !== undefined && this.#killed === null && existsSync(risk.killFile))
      this.kill(`file ${risk.killFile}`);
    const stop = this.desk.stopReason;
    if (stop !== null && this.#killed === null) this.kill(stop);
    const flatten = this.#killed !== null ? 'kill' : bar.flatten ? 'missing-leg' : null;
    const age = this.replay ? 0 : now - bar.time;
    const staleAgeMs = risk.maxBarAgeMs !== undefined && age > risk.maxBarAgeMs ? age : 0;
    const desk = this.desk;
    const seq = this.#seq;
    this.#inBar = true;
    try {
      // 1. the venue sees the bar
      await this.#venueSeesBar(bar);
      // 2. the backtest's six steps
      if (this.config.options.execution === 'next-open' && bar.open === null)
        throw new JournalError(
          this.journal.file,
          `bar at ${isoTime(bar.time)} has no open, needed for next-open execution`,
        );
      await desk.prepare?.(seq);
      const d = desk.decide(bar, { seq, now, flatten, staleAgeMs });
      const actions = d.actions;
      const orders = d.orders.map(toRequest);
      // 3. one transaction: the bar, the state after it, the decision, orders, fills so far
      const pending = this.#pending;
      this.#pending = [];
      const journaled = this.journal.recordBar(d.row, d.orders, pending, d.events, d.trades, now, d.sleeves);
      this.#emit({ kind: 'bar', seq, time: bar.time, at: now });
      this.#noteFills(journaled.fills);
      this.#noteClosed(journaled.closed);
      this.#seq = seq + 1;
      this.#lastTime = bar.time;
      this.hooks.afterJournal?.(seq);
      for (const a of actions) {
        this.logger.warn({ event: 'risk', barTime: bar.time, ...a }, `risk: ${a.kind}`);
        this.#emit({ kind: 'risk', action: a, time: bar.time, at: now });
      }
      for (const r of d.ruined) {
        this.#emit({ kind: 'ruined', sleeve: r.sleeve, equity: r.equity, time: bar.time, at: now });
        this.logger.error(
          {
            event: 'ruined',
            barTime: bar.time,
            equity: r.equity,
            ...(r.sleeve !== null ? { sleeve: r.sleeve } : {}),
          },
          r.sleeve !== null
            ? `sleeve ${r.sleeve}'s equity reached zero: the sleeve is ruined, its positions closed, no more orders from it`
            : 'equity reached zero: account ruined, every position closed, no more orders',
        );
      }
      // 4. only now do the orders leave (all at once: a venue's latency is paid once a bar)
      for (const o of orders)
        this.logger.info(
          { event: 'order', clientId: o.clientId, symbol: o.symbol, shares: o.shares, barTime: o.time },
          'order',
        );
      const answers = await Promise.allSettled(orders.map((o) => this.broker.submit(o)));
      for (let k = 0; k < answers.length; k++) {
        const a = answers[k];
        if (a.status === 'fulfilled') this.#pending.push(a.value);
        else if (a.reason instanceof BrokerConnectionError)
          // it may or may not have reached the venue: the next reconciliation asks
          this.logger.warn(
            { event: 'submit-unconfirmed', clientId: orders[k].clientId, reason: a.reason.message },
            'order sent, no answer from the broker: reconciled when the connection is back',
          );
        else throw a.reason;
      }
      this.hooks.afterSubmit?.(seq);
      this.#inBar = false;
      const answered = this.#pending;
      this.#pending = [];
      this.#record(answered);
      if (this.#killed !== null && desk.flat()) {
        this.#stopped = true;
        this.logger.warn({ event: 'stopped', reason: this.#killed }, 'flat after the kill switch: stopped');
      }
      return { seq, orders, actions };
    } finally {
      this.#inBar = false;
      this.#pending = [];
    }
  }

  /** Step 1 of a bar: a simulated venue sees it (fills waiting for it are journaled with the bar). */
  async #venueSeesBar(bar: AssembledBar): Promise<void> {
    if (this.broker.onBar === undefined) return;
    for (;;) {
      try {
        await this.broker.onBar(bar);
        return;
      } catch (e) {
        await this.#afterConnectionError(e);
      }
    }
  }

  /**
   * Runs a feed to its end (or until stopped): messages through the assembler, complete bars
   * through {@link processBar}; a timer resolves legs that never come and watches for a stale feed.
   */
  async run(
    feed: Feed,
    assembler: BarAssembler,
    options: { signal?: AbortSignal; tickMs?: number } = {},
  ): Promise<void> {
    const timer = setInterval(() => {
      assembler.tick();
      this.checkStale();
    }, options.tickMs ?? 250);
    timer.unref();
    try {
      await this.start();
      for await (const msg of feed) {
        if (options.signal?.aborted || this.#stopped) break;
        for (const bar of assembler.push(msg)) {
          await this.processBar(bar);
          if (this.#stopped) break;
        }
        // a live stream may send nothing more: do not wait for its next message to stop
        if (this.#stopped) break;
      }
      if (this.#reconciling !== null) await this.#reconciling;
      if (this.#failure !== null) throw this.#failure;
      // the journal ends reconciled with the venue
      if (!this.#halted) await this.reconcile('end');
    } finally {
      clearInterval(timer);
    }
  }
}

function toRequest(o: OrderRow): OrderRequest {
  return { clientId: o.clientId, symbol: o.symbol, leg: o.leg, shares: o.shares, time: o.time };
}
