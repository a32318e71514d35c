/**
 * The paper-trading runner: one bar at a time, the very strategy object and {@link Simulator}
 * the backtester uses, wrapped by the {@link OrderGate} (lots, risk). For each bar:
 *   1. the venue sees the bar (the paper broker fills orders waiting for it);
 *   2. the simulator runs the backtest's six steps: the strategy's decision, cut by the gate;
 *   3. the bar, the state after it, the decision, its orders and the fills so far are journaled
 *      in one transaction;
 *   4. only then do the orders leave, and their fills are journaled as they come.
 * On start it replays the journal (restoring the strategy and the account exactly), then asks
 * the broker about every order not known to be filled: unknown ones are sent (they never left),
 * filled ones are journaled. Client order ids are derived from the bar, so none is sent twice.
 */
import { existsSync } from 'node:fs';
import { BAR_NOTIONAL, CASH, type Trade } from '../execution/ledger.js';
import { Simulator } from '../execution/simulator.js';
import { buildStrategy } from '../strategy/spec.js';
import type { Bar, Strategy } from '../strategy/types.js';
import type { AssembledBar, BarAssembler } from './assembler.js';
import type { Broker, FillEvent, OrderRequest } from './broker.js';
import type { PaperConfig } from './config.js';
import { JournalError } from './errors.js';
import type { Feed } from './feeds.js';
import { OrderGate, type RiskAction } from './gate.js';
import { isoTime, type EventRow, type FillRow, type Journal, type OrderRow } from './journal.js';
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
  actions: RiskAction[];
}

const sameConfig = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Trades a strategy bar by bar: decides with the backtester's own steps, journals each bar
 * before its orders leave, and resumes from the journal after a restart (see the module notes).
 */
export class PaperRunner {
  readonly config: PaperConfig;
  readonly journal: Journal;
  readonly broker: Broker;
  readonly logger: Logger;
  readonly strategy: Strategy;
  readonly gate: OrderGate;
  readonly sim: Simulator;
  readonly clock: () => number;
  readonly hooks: RunnerHooks;
  readonly replay: boolean;
  #seq = 0;
  #lastTime = -Infinity;
  #inBar = false;
  #fills: FillEvent[] = [];
  #killed: string | null = null;
  #stopped = false;
  #lastReceived = NaN;
  #staleLogged = false;
  readonly #warmBar: Bar;

  constructor(options: RunnerOptions) {
    const { config, journal, broker, logger } = options;
    this.config = config;
    this.journal = journal;
    this.broker = broker;
    this.logger = logger;
    this.clock = options.clock ?? Date.now;
    this.hooks = options.hooks ?? {};
    this.replay = options.replay ?? false;
    this.strategy = buildStrategy(config.strategy);
    this.gate = new OrderGate(this.strategy, config.symbols, config.orders, config.risk);
    this.sim = new Simulator(this.gate, config.options);
    this.gate.attach(this.sim);
    this.#warmBar = { index: 0, time: 0, close: new Float64Array(config.symbols.length) };
    broker.onFill((f) => this.#onFill(f));
    this.#restore();
  }

  /** Bars journaled so far (warm-up included). */
  get seq(): number {
    return this.#seq;
  }
  /** Time of the last bar processed (−Infinity before the first). */
  get lastTime(): number {
    return this.#lastTime;
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
    const mine = {
      symbols: this.config.symbols,
      strategy: this.config.strategy,
      options: this.config.options,
    };
    if (recorded === undefined) {
      j.setMeta('config', JSON.stringify(mine));
      j.setMeta('input', JSON.stringify(this.config.input));
      j.setMeta('created', String(this.clock()));
      return;
    }
    if (!sameConfig(JSON.parse(recorded), mine))
      throw new JournalError(
        j.file,
        `the journal belongs to another run (symbols, strategy or execution/costs differ from this configuration); use a new --state file`,
      );
    const t0 = this.clock();
    let live = 0;
    let last: ReturnType<Journal['lastBar']>;
    for (const row of j.bars()) {
      if (row.phase === 'warmup') this.#stepWarmup(row.time, row.close);
      else {
        this.#load(row.time, row.close, row.open);
        this.gate.replay = row.target;
        this.sim.step();
        this.gate.replay = null;
        if (Array.isArray(row.decision) && row.decision.some((a: RiskAction) => a.kind === 'daily-loss'))
          this.gate.blockDay();
        live++;
      }
      this.#seq = row.seq + 1;
      this.#lastTime = row.time;
      last = row;
    }
    if (last?.snapshot) {
      const now = this.sim.snapshot();
      if (!sameConfig(now, last.snapshot))
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
    this.#reconcile();
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

  /** Orders journaled but not known filled: ask the venue, send the ones it never saw. */
  #reconcile(): void {
    const unfilled = this.journal.unfilledOrders();
    for (const o of unfilled) {
      const st = this.broker.order(o.clientId);
      if (st.state === 'filled') {
        this.logger.info(
          { event: 'reconcile-filled', clientId: o.clientId },
          'order filled while down: journaled',
        );
        this.journal.recordFills([fillRow(st.fill)]);
      } else if (st.state === 'unknown') {
        this.logger.warn(
          { event: 'reconcile-resubmit', clientId: o.clientId },
          'order journaled but never sent: sending',
        );
        this.#inBar = true;
        this.broker.submit(toRequest(o));
        this.#inBar = false;
        this.#flushFills();
      } else
        this.logger.info(
          { event: 'reconcile-open', clientId: o.clientId, state: st.state },
          'order still open',
        );
    }
  }

  #onFill(f: FillEvent): void {
    if (this.#inBar) this.#fills.push(f);
    else this.journal.recordFills([fillRow(f)]);
    this.logger.info(
      {
        event: 'fill',
        clientId: f.clientId,
        symbol: f.symbol,
        shares: f.shares,
        price: f.price,
        commission: f.commission,
        barTime: f.time,
      },
      'fill',
    );
  }

  #flushFills(): void {
    if (this.#fills.length === 0) return;
    this.journal.recordFills(this.#fills.map(fillRow));
    this.#fills = [];
  }

  #load(time: number, close: ArrayLike<number>, open: ArrayLike<number> | null): void {
    const bar = this.sim.bar;
    bar.time = time;
    const L = bar.close.length;
    for (let i = 0; i < L; i++) bar.close[i] = close[i];
    if (open !== null) for (let i = 0; i < L; i++) this.sim.open[i] = open[i];
  }

  #stepWarmup(time: number, close: ArrayLike<number>): void {
    const b = this.#warmBar;
    b.index = this.#seq;
    b.time = time;
    for (let i = 0; i < b.close.length; i++) b.close[i] = close[i];
    this.strategy.step(b);
  }

  /**
   * Feeds a history bar to the strategy only (no orders, no account), to settle its state
   * before the first live bar. Journaled, so a restart replays it too.
   */
  warmup(bar: AssembledBar): void {
    if (this.sim.bars > 0)
      throw new JournalError(this.journal.file, 'warm-up bars must come before the first live bar');
    if (bar.time <= this.#lastTime) return;
    this.#stepWarmup(bar.time, bar.close);
    this.journal.recordBar(
      {
        seq: this.#seq,
        time: bar.time,
        phase: 'warmup',
        receivedAt: bar.receivedAt,
        close: Array.from(bar.close),
        open: null,
        target: null,
        decision: null,
        positions: null,
        equity: null,
        cash: null,
        gross: null,
        net: null,
        ret: null,
        notional: null,
        signal: { ...this.strategy.signal },
        snapshot: null,
      },
      [],
      [],
      [],
      [],
    );
    this.#seq++;
    this.#lastTime = bar.time;
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
    }
    return stale;
  }

  /** Processes one complete bar. */
  processBar(bar: AssembledBar): BarOutcome | null {
    if (this.#stopped) return null;
    if (bar.time <= this.#lastTime) {
      this.logger.debug({ event: 'already-processed', barTime: bar.time }, 'bar already journaled');
      return null;
    }
    const now = this.clock();
    this.#lastReceived = now;
    this.#staleLogged = false;
    const risk = this.config.risk;
    if (risk.killFile !== undefined && this.#killed === null && existsSync(risk.killFile))
      this.kill(`file ${risk.killFile}`);
    const gate = this.gate;
    gate.flatten = this.#killed !== null ? 'kill' : bar.flatten ? 'missing-leg' : null;
    const age = this.replay ? 0 : now - bar.time;
    gate.staleAgeMs = risk.maxBarAgeMs !== undefined && age > risk.maxBarAgeMs ? age : 0;
    const sim = this.sim;
    const ledger = sim.ledger;
    const seq = this.#seq;
    this.#inBar = true;
    try {
      // 1. the venue sees the bar
      this.broker.onBar?.(bar);
      // 2. the backtest's six steps
      this.#load(bar.time, bar.close, bar.open);
      if (this.config.options.execution === 'next-open' && bar.open === null)
        throw new JournalError(
          this.journal.file,
          `bar at ${isoTime(bar.time)} has no open, needed for next-open execution`,
        );
      const fillsBefore = ledger.fills.length;
      sim.step();
      const t = sim.bars - 1;
      const L = this.config.symbols.length;
      const orders: OrderRequest[] = [];
      const target = sim.target;
      const pos = ledger.pos;
      if (this.config.options.execution === 'close') {
        const f = ledger.fills;
        for (let k = fillsBefore; k < f.length; k++)
          if (f.bar[k] === t) orders.push(this.#order(seq, bar.time, f.leg[k], f.shares[k]));
      } else if (sim.hasPending) {
        for (let i = 0; i < L; i++)
          if (target[i] !== pos[i]) orders.push(this.#order(seq, bar.time, i, target[i] - pos[i]));
      } else if (sim.ruinBar === t) {
        // ruin liquidates at this close whatever the execution: its fills are this bar's orders
        const f = ledger.fills;
        for (let k = sim.ruinFill; k < f.length; k++)
          orders.push(this.#order(seq, bar.time, f.leg[k], f.shares[k]));
      }
      const actions = gate.actions;
      const events: EventRow[] = actions.map((a) => ({ time: bar.time, at: now, kind: a.kind, detail: a }));
      // equity at or below zero: the account is ruined, closes everything and trades no more
      const ruined = sim.ruinBar === t;
      if (ruined)
        events.push({
          time: bar.time,
          at: now,
          kind: 'ruined',
          detail: { equity: sim.equity, orders: orders.length },
        });
      // trades touched by this bar's fills (a reversal closes one and opens another)
      const trades: Trade[] = [];
      if (ledger.fills.length > fillsBefore) {
        const all = ledger.trades;
        for (let k = Math.max(0, all.length - 2); k < all.length; k++)
          if (all[k].entryBar === t || all[k].exitBar === t) trades.push(all[k]);
      }
      const decision = actions.length > 0 ? actions : orders.length > 0 ? 'trade' : 'hold';
      const orderRows: OrderRow[] = orders.map((o) => ({ ...o, seq, status: 'new' }));
      // 3. one transaction: the bar, the state after it, the decision, orders, fills so far
      this.journal.recordBar(
        {
          seq,
          time: bar.time,
          phase: 'live',
          receivedAt: bar.receivedAt,
          close: Array.from(bar.close),
          open: bar.open === null ? null : Array.from(bar.open),
          target: Array.from(target),
          decision,
          positions: Array.from(pos),
          equity: sim.equity,
          cash: ledger.sums[CASH],
          gross: sim.grossExposure,
          net: sim.netExposure,
          ret: sim.barReturn,
          notional: ledger.sums[BAR_NOTIONAL],
          signal: { ...this.strategy.signal },
          snapshot: sim.snapshot(),
        },
        orderRows,
        this.#fills.map(fillRow),
        events,
        trades,
      );
      this.#fills = [];
      this.#seq = seq + 1;
      this.#lastTime = bar.time;
      this.hooks.afterJournal?.(seq);
      for (const a of actions)
        this.logger.warn({ event: 'risk', barTime: bar.time, ...a }, `risk: ${a.kind}`);
      if (ruined)
        this.logger.error(
          { event: 'ruined', barTime: bar.time, equity: sim.equity },
          'equity reached zero: account ruined, every position closed, no more orders',
        );
      // 4. only now do the orders leave
      for (const o of orders) {
        this.logger.info(
          { event: 'order', clientId: o.clientId, symbol: o.symbol, shares: o.shares, barTime: o.time },
          'order',
        );
        this.broker.submit(o);
      }
      this.hooks.afterSubmit?.(seq);
      this.#flushFills();
      if (this.#killed !== null && !sim.hasPending && pos.every((p) => p === 0)) {
        this.#stopped = true;
        this.logger.warn({ event: 'stopped', reason: this.#killed }, 'flat after the kill switch: stopped');
      }
      return { seq, orders, actions };
    } finally {
      this.#inBar = false;
    }
  }

  #order(seq: number, time: number, leg: number, shares: number): OrderRequest {
    return { clientId: `${seq}.${leg}`, symbol: this.config.symbols[leg], leg, shares, time };
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
      for await (const msg of feed) {
        if (options.signal?.aborted || this.#stopped) break;
        for (const bar of assembler.push(msg)) {
          this.processBar(bar);
          if (this.#stopped) break;
        }
      }
    } finally {
      clearInterval(timer);
    }
  }
}

function fillRow(f: FillEvent): FillRow {
  return {
    clientId: f.clientId,
    time: f.time,
    leg: f.leg,
    symbol: f.symbol,
    shares: f.shares,
    price: f.price,
    commission: f.commission,
  };
}

function toRequest(o: OrderRow): OrderRequest {
  return { clientId: o.clientId, symbol: o.symbol, leg: o.leg, shares: o.shares, time: o.time };
}
