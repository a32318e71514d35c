/**
 * A paper book: pair sleeves traded from one feed in one account, as `runBook` runs them
 * (src/backtest/portfolio.ts). Fixed pairs start on the first live bar; a book with a schedule
 * starts its sleeves once the feed (warm-up bars included) has given it a training window:
 * fixed pairs weighted by the inverse volatility of their spreads over it, or the pairs a
 * walk-forward selection picks on it, selected again every `rebalance` bars (a pair that leaves
 * stops as the leave policy says; one that stopped and is flat gives its equity back to the
 * free cash when the next sleeves are funded). Each sleeve is funded with its weight × the
 * book's equity at the previous close (execution/book.ts, the funding `runBook` uses) and
 * trades the run's strategy on its pair, sized at its capital, warmed up on the window before
 * it, through its own order gate and its own account on the backtester's {@link Simulator}:
 * exactly a single paper run of that pair at that capital. The book's equity is its free cash
 * plus every sleeve's equity, summed as `runBook` sums them. A selection is journaled (event
 * `selection`) with the bar it starts, and a restart replays it from there rather than
 * selecting again.
 *
 * The risk section applies to the whole book: the daily loss limit on the book's equity (it
 * flattens every sleeve and blocks the day), the gross exposure limit on the sum over the
 * sleeves, the position limit on each symbol's net position over the sleeves (every sleeve is
 * scaled alike, so each pair keeps its hedge); the kill switch, a stale bar and a missing leg
 * act on every sleeve.
 *
 * Orders: one per sleeve and leg, as its account fills (never netted between sleeves, so each
 * sleeve pays the commission its single run would), under the id `<bar seq>.<sleeve>.<leg>`
 * where the leg is the book's (its index in `symbols`, the venue's bar).
 */
import { BookRoom, fitState, hasLimits, type BarEntry } from '../execution/bookLimits.js';
import { bookReturn, inverseVolWeights, sleeveCapitals } from '../execution/book.js';
import { BAR_NOTIONAL, CASH } from '../execution/ledger.js';
import { Simulator } from '../execution/simulator.js';
import { atCapital, buildStrategy } from '../strategy/spec.js';
import type { Bar, Strategy } from '../strategy/types.js';
import type { AssembledBar } from './assembler.js';
import { olsBeta, spreadVolatility } from '../stats/spread.js';
import { BarHistory } from './barHistory.js';
import type { BookSchedule, PaperConfig, PairSelection, SleeveConfig } from './config.js';
import {
  accountFlat,
  accountState,
  accountOrders,
  barTrades,
  loadBar,
  type BarContext,
  type Decision,
  type Desk,
  type DeskAction,
} from './desk.js';
import { DayLoss, exposureCuts, OrderGate, type RiskAction } from './gate.js';
import { tradingCalendar } from '../data/calendar.js';
import { LiveConfigError, ReplayError } from './errors.js';
import type { BarRow, EventRow, JournalTrade, OrderRow, SleeveRow } from './journal.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** One sleeve of a paper book: its pair, funding, strategy, gate and account. */
export interface PaperSleeve {
  /** Its number in the book: the order it was funded in (a fixed book's: its place in `portfolio.pairs`). */
  index: number;
  config: SleeveConfig;
  /** Its legs' indices in the book's symbols (the feed's bar, the venue's legs). */
  legs: [number, number];
  /** The cash it was funded with at its start. */
  capital: number;
  strategy: Strategy;
  gate: OrderGate;
  sim: Simulator;
  warm: Bar;
  /** Its place in the book's limits (null without limits). */
  fit: BarEntry | null;
  /** The bar (journal seq) it stops at: it leaves the selection there (Infinity while held). */
  stop: number;
  /** The strategy's units after its last bar; from its stop, the units an `exit` keeps until the rule changes them. */
  units: number;
  held: number;
  /** Flat for good after its stop. */
  exited: boolean;
  /** Stopped and flat when later sleeves were funded: its equity went back to the free cash and it trades no more. */
  released: boolean;
}

/** Sleeves funded together, fitted into the book's limits against the book's equity at their funding. */
interface FundingGroup {
  basis: number;
  fits: BarEntry[];
}

const pairKey = (p: { y: string; x: string }) => `${p.y}\u0000${p.x}`;

/** The desk of a book of pair sleeves (see the module notes). */
export class BookDesk implements Desk {
  /** Every sleeve funded so far, in funding order (released ones included). */
  readonly sleeves: PaperSleeve[] = [];
  readonly identity: unknown;
  readonly #dayLoss: DayLoss;
  readonly #grossBasis: boolean;
  /** The book's limits on one bar (null without limits). */
  readonly #room: BookRoom | null;
  readonly #groups: FundingGroup[] = [];
  /** The sleeves not released, in funding order. */
  readonly #trading: PaperSleeve[] = [];
  /**
   * The sleeves' equity in the book's sum, term by term in the order `runBook` adds them: each
   * sleeve from its funding, and a released one's equity taken out again from its release.
   */
  readonly #terms: { sleeve: PaperSleeve; out: boolean }[] = [];
  readonly #schedule: BookSchedule | null;
  /** The training window a scheduled book reads at a start. */
  readonly #history: BarHistory | null;
  /** A walk-forward book's selections by the bar they start: made by {@link prepare}, or read back from the journal. */
  readonly #selections = new Map<number, PairSelection>();
  /** The bar of its first start (a scheduled book's), −1 before. */
  #firstStart = -1;
  #freeCash: number;
  #liveBars = 0;
  #prevEquity: number;
  #prevGross = 0;
  #ruined = false;

  constructor(readonly config: PaperConfig) {
    const book = config.book!;
    const capital = config.options.capital;
    this.#freeCash = capital;
    this.#prevEquity = capital;
    this.#grossBasis = config.options.returns === 'gross';
    this.#dayLoss = new DayLoss(tradingCalendar(config.options.calendar));
    this.#room = hasLimits(book.limits) ? new BookRoom(book.limits) : null;
    const schedule = book.schedule ?? null;
    this.#schedule = schedule;
    this.#history =
      schedule === null
        ? null
        : new BarHistory(config.symbols, schedule.train, config.options.execution === 'next-open');
    if (schedule === null) this.#fund(book.sleeves, capital);
    this.identity = {
      symbols: config.symbols,
      strategy: config.strategy,
      options: config.options,
      book: book.sleeves,
      ...(hasLimits(book.limits) ? { limits: book.limits } : {}),
      ...(schedule === null
        ? {}
        : schedule.kind === 'inverse-vol'
          ? { schedule }
          : {
              schedule: {
                kind: schedule.kind,
                train: schedule.train,
                rebalance: schedule.rebalance,
                onLeave: schedule.onLeave,
                ...schedule.settings,
              },
            }),
    };
  }

  /** Cash not funded to any sleeve. */
  get freeCash(): number {
    return this.#freeCash;
  }

  get liveBars(): number {
    return this.#liveBars;
  }

  /** Whether the book's equity has reached zero (it then flattens and stops, as a kill). */
  get ruined(): boolean {
    return this.#ruined;
  }

  /** A ruined book stops: the runner throws the kill switch on the next bar (every sleeve flat, then stopped). */
  get stopReason(): string | null {
    return this.#ruined ? 'book ruined' : null;
  }

  /** The sleeves still trading (not released), in funding order. */
  #active(): PaperSleeve[] {
    return this.#trading;
  }

  /**
   * Funds sleeves together: each its weight × `basis` (the book's equity at the previous close),
   * scaled down to the free cash when together they would take more; one given no cash is not
   * started (a ruined book funds nothing).
   */
  #fund(pairs: readonly SleeveConfig[], basis: number): PaperSleeve[] {
    const config = this.config;
    const capitals = sleeveCapitals(
      pairs.map((p) => p.weight),
      basis,
      this.#freeCash,
    );
    const group: FundingGroup = { basis, fits: [] };
    const funded: PaperSleeve[] = [];
    pairs.forEach((sc, k) => {
      const c = capitals[k];
      if (!(c > 0)) return;
      this.#freeCash -= c;
      const strategy = buildStrategy(atCapital(config.strategy, c));
      const gate = new OrderGate(strategy, [sc.y, sc.x], config.orders, {});
      const sim = new Simulator(gate, { ...config.options, capital: c });
      gate.attach(sim);
      const sleeve: PaperSleeve = {
        index: this.sleeves.length,
        config: sc,
        legs: [config.symbols.indexOf(sc.y), config.symbols.indexOf(sc.x)],
        capital: c,
        strategy,
        gate,
        sim,
        warm: { index: 0, time: 0, close: new Float64Array(2) },
        fit: this.#room === null ? null : { y: sc.y, x: sc.x, ty: 0, tx: 0, yc: 0, xc: 0, state: fitState() },
        stop: Infinity,
        units: 0,
        held: 0,
        exited: false,
        released: false,
      };
      if (sleeve.fit !== null) group.fits.push(sleeve.fit);
      this.sleeves.push(sleeve);
      this.#trading.push(sleeve);
      this.#terms.push({ sleeve, out: false });
      funded.push(sleeve);
    });
    this.#groups.push(group);
    return funded;
  }

  /** The strategy of a sleeve started on a window: stepped over the window's bars (no account). */
  #warmOnHistory(s: PaperSleeve, seq: number): void {
    const h = this.#history!;
    const times = h.times();
    const y = h.closes(s.legs[0]);
    const x = h.closes(s.legs[1]);
    const b = s.warm;
    for (let t = 0; t < times.length; t++) {
      b.index = seq - times.length + t;
      b.time = times[t];
      b.close[0] = y[t];
      b.close[1] = x[t];
      s.strategy.step(b);
    }
    s.units = s.strategy.signal.units;
  }

  /** Whether bar `seq` starts sleeves: the first with a full window before it, then (walk-forward) every `rebalance` bars. */
  #startsAt(seq: number): boolean {
    const sch = this.#schedule;
    if (sch === null || this.#history!.count < sch.train) return false;
    if (this.#firstStart < 0) return true;
    return sch.kind === 'walk-forward' && (seq - this.#firstStart) % sch.rebalance === 0;
  }

  /**
   * Before a live bar is decided: a walk-forward book due to select on it selects on the window
   * before it (a scan of the universe, hence asynchronous).
   */
  async prepare(seq: number): Promise<void> {
    const sch = this.#schedule;
    if (sch?.kind !== 'walk-forward' || !this.#startsAt(seq) || this.#selections.has(seq)) return;
    this.#selections.set(seq, await sch.select(this.#history!.frame('the feed')));
  }

  /** The selections a journal holds (events `selection`), for a restart to replay instead of selecting again. */
  recall(events: readonly EventRow[]): void {
    for (const e of events) {
      if (e.kind !== 'selection') continue;
      const d = e.detail as PairSelection & { seq: number };
      this.#selections.set(d.seq, d);
    }
  }

  /**
   * A scheduled book's starts and stops on bar `seq`, before its sleeves decide it: the pairs
   * that leave the selection stop; stopped sleeves that are flat give their equity back; the
   * new pairs are funded and warmed up on the window. `events` (null when replaying) gets what
   * happened.
   */
  #startAndStop(seq: number, time: number, now: number, events: EventRow[] | null): void {
    const sch = this.#schedule;
    if (sch === null || !this.#startsAt(seq)) return;
    const first = this.#firstStart < 0;
    this.#firstStart = first ? seq : this.#firstStart;
    let starts: SleeveConfig[];
    if (sch.kind === 'inverse-vol') {
      starts = this.#inverseVol(this.config.book!.sleeves, sch.train);
    } else {
      const selection = this.#selections.get(seq);
      if (selection === undefined)
        throw events === null
          ? new ReplayError(`bar ${seq} starts a selection the journal holds no 'selection' event for`)
          : new Error(`bar ${seq} starts a selection the book has not made (prepare it first)`);
      events?.push({ time, at: now, kind: 'selection', detail: { seq, ...selection } });
      const held = new Set(selection.pairs.map(pairKey));
      const open = new Set<string>();
      for (const s of this.sleeves) {
        if (s.released || s.stop !== Infinity) continue;
        if (held.has(pairKey(s.config))) open.add(pairKey(s.config));
        else {
          s.stop = seq;
          s.held = s.units;
          events?.push({
            time,
            at: now,
            kind: 'sleeve-stop',
            detail: { sleeve: s.index, pair: `${s.config.y}/${s.config.x}` },
          });
        }
      }
      starts = selection.pairs
        .filter((p) => !open.has(pairKey(p)))
        .map(({ y, x, weight }) => ({ y, x, weight }));
    }
    if (starts.length === 0) return;
    // stopped sleeves now flat for good: their equity back to the free cash
    for (const s of this.sleeves) {
      if (s.released || s.stop > seq || !accountFlat(s.sim) || s.sim.target[0] !== 0 || s.sim.target[1] !== 0)
        continue;
      s.released = true;
      this.#trading.splice(this.#trading.indexOf(s), 1);
      this.#freeCash += s.sim.equity;
      this.#terms.push({ sleeve: s, out: true });
      for (const g of this.#groups) {
        const i = s.fit === null ? -1 : g.fits.indexOf(s.fit);
        if (i >= 0) g.fits.splice(i, 1);
      }
      events?.push({
        time,
        at: now,
        kind: 'sleeve-released',
        detail: { sleeve: s.index, equity: s.sim.equity },
      });
    }
    const basis = first ? this.config.options.capital : this.#prevEquity;
    for (const s of this.#fund(starts, basis)) {
      this.#warmOnHistory(s, seq);
      events?.push({
        time,
        at: now,
        kind: 'sleeve-start',
        detail: {
          sleeve: s.index,
          y: s.config.y,
          x: s.config.x,
          weight: s.config.weight,
          capital: s.capital,
        },
      });
    }
  }

  /** Fixed pairs weighted by the inverse volatility of their OLS-hedged spreads over the window. */
  #inverseVol(pairs: readonly SleeveConfig[], train: number): SleeveConfig[] {
    const h = this.#history!;
    const symbols = this.config.symbols;
    const vols = pairs.map((p) => {
      const y = h.closes(symbols.indexOf(p.y));
      const x = h.closes(symbols.indexOf(p.x));
      return spreadVolatility(y, x, olsBeta(y, x, train), 0, train);
    });
    const flat = vols.findIndex((v) => !(v > 0 && v < Infinity));
    if (flat >= 0)
      throw new LiveConfigError(
        'portfolio.allocation',
        `inverse-vol needs the spread of ${pairs[flat].y},${pairs[flat].x} to move over its ${train}-bar window before the first trade; its volatility is ${vols[flat]}`,
      );
    const w = inverseVolWeights(vols, pairs.length);
    return pairs.map(({ y, x }, i) => ({ y, x, weight: w[i] }));
  }

  /** From its stop a sleeve opens nothing: flat at once (`close`), or (`exit`) holding its position until its rule changes it. */
  #leave(s: PaperSleeve, seq: number): void {
    const units = s.strategy.signal.units;
    if (seq < s.stop) {
      s.units = units;
      return;
    }
    const sch = this.#schedule;
    if (
      !s.exited &&
      (sch?.kind !== 'walk-forward' || sch.onLeave === 'close' || s.held === 0 || units !== s.held)
    )
      s.exited = true;
    if (s.exited) {
      s.gate.raw.fill(0);
      s.gate.proposed.fill(0);
    }
  }

  warmup(
    seq: number,
    time: number,
    close: ArrayLike<number>,
    open: ArrayLike<number> | null = null,
  ): SleeveRow[] {
    this.#history?.push(time, close, open);
    return this.#active().map((s) => {
      const b = s.warm;
      b.index = seq;
      b.time = time;
      b.close[0] = close[s.legs[0]];
      b.close[1] = close[s.legs[1]];
      s.strategy.step(b);
      return {
        seq,
        sleeve: s.index,
        target: null,
        positions: null,
        equity: null,
        cash: null,
        gross: null,
        net: null,
        ret: null,
        notional: null,
        signal: { ...s.strategy.signal },
        snapshot: null,
      };
    });
  }

  warmSignal(): BarRow['signal'] {
    return null;
  }

  replay(row: BarRow, sleeves: readonly SleeveRow[]): void {
    this.#startAndStop(row.seq, row.time, row.time, null);
    const active = this.#active();
    for (const s of active) {
      const target = sleeves.find((r) => r.sleeve === s.index)?.target ?? null;
      if (target === null) throw new ReplayError(`bar ${row.seq} has no row for sleeve ${s.index}`);
      loadBar(s.sim, row.time, row.close, row.open, s.legs);
      s.gate.replay = target;
      s.sim.beginBar();
    }
    this.#trackDay(row.time, row.close);
    for (const s of active) {
      s.gate.propose(s.sim.bar);
      this.#leave(s, row.seq);
      s.sim.endBar(s.gate.settle(s.sim.bar));
      s.gate.replay = null;
    }
    // the limits' standing (raw targets, scales) follows from the strategies' targets: rebuilt
    this.#fitLimits(row.close);
    this.#mark();
    this.#liveBars++;
    this.#history?.push(row.time, row.close, row.open);
  }

  blockDay(): void {
    this.#dayLoss.blocked = true;
  }

  matches(last: BarRow, sleeves: readonly SleeveRow[]): boolean {
    if (last.phase !== 'live') return true;
    return this.#active().every((s) =>
      same(s.sim.snapshot(), sleeves.find((r) => r.sleeve === s.index)?.snapshot),
    );
  }

  flat(): boolean {
    return this.#active().every((s) => accountFlat(s.sim));
  }

  /**
   * The book's limits on this bar, as `runBook` fits them (bookLimits.ts): every group of
   * sleeves funded together in funding order, each sleeve's strategy target in rank order,
   * against the book's equity when it funded them. The fitted targets become the targets the
   * sleeves' gates start from.
   */
  #fitLimits(close: ArrayLike<number>): void {
    const room = this.#room;
    if (room === null) return;
    room.clear();
    const active = this.#active();
    for (const s of active) {
      const e = s.fit!;
      e.ty = s.gate.raw[0];
      e.tx = s.gate.raw[1];
      e.yc = close[s.legs[0]];
      e.xc = close[s.legs[1]];
    }
    for (const g of this.#groups) room.fitBar(0, g.fits, g.basis);
    for (const s of active) {
      s.gate.proposed[0] = s.fit!.ty;
      s.gate.proposed[1] = s.fit!.tx;
    }
  }

  /** The sleeves' equity as the book sums it (see {@link #terms}). */
  #sleeveEquity(): number {
    let sum = 0;
    for (const t of this.#terms) {
      if (t.out) sum -= t.sleeve.sim.equity;
      else sum += t.sleeve.sim.equity;
    }
    return sum;
  }

  /** The book's equity marked at the bar's close before its own fills; tracks the day's reference. */
  #trackDay(time: number, close: ArrayLike<number>): number {
    let equity = this.#freeCash;
    for (const s of this.#active()) {
      const ledger = s.sim.ledger;
      equity += ledger.sums[CASH] + ledger.pos[0] * close[s.legs[0]] + ledger.pos[1] * close[s.legs[1]];
    }
    this.#dayLoss.track(time, () => (this.liveBars === 0 ? this.config.options.capital : this.#prevEquity));
    return equity;
  }

  /**
   * After every sleeve's bar: the book's equity (free cash + Σ sleeve equity, summed as
   * `runBook` does), exposures, notional and return on the chosen basis.
   */
  #mark(): { equity: number; cash: number; gross: number; net: number; notional: number; ret: number } {
    let cash = this.#freeCash;
    let gross = 0;
    let net = 0;
    let notional = 0;
    for (const s of this.#active()) {
      cash += s.sim.ledger.sums[CASH];
      gross += s.sim.grossExposure;
      net += s.sim.netExposure;
      notional += s.sim.ledger.sums[BAR_NOTIONAL];
    }
    const equity = this.#freeCash + this.#sleeveEquity();
    let ret: number;
    if (this.#ruined) ret = 0;
    else if (equity <= 0) {
      this.#ruined = true;
      ret = -1;
    } else
      ret = bookReturn(equity - this.#prevEquity, this.#prevEquity, this.#prevGross, gross, this.#grossBasis);
    if (!this.#ruined || ret === -1) {
      this.#prevEquity = equity;
      this.#prevGross = gross;
    }
    return { equity, cash, gross, net, notional, ret };
  }

  /**
   * The book's risk limits on the sleeves' targets (each sleeve's gate has rounded its lots and
   * applied the kill switch, a missing leg or a stale bar): the daily loss on the book's equity,
   * then, unless the bar is stale, the gross exposure over every sleeve and each symbol's net
   * position over the sleeves, every sleeve scaled alike.
   */
  #bookRisk(time: number, close: ArrayLike<number>, staleAgeMs: number): DeskAction[] {
    const r = this.config.risk;
    const actions: DeskAction[] = [];
    const equity = this.#trackDay(time, close);
    if (r.dailyLossLimit !== undefined) {
      const blocked = this.#dayLoss.check(equity, r.dailyLossLimit);
      if (blocked !== null) actions.push(blocked);
    }
    const active = this.#active();
    if (this.#dayLoss.blocked) {
      for (const s of active) {
        const before = s.gate.actions.length;
        s.gate.flattenTarget('daily-loss');
        for (const a of s.gate.actions.slice(before)) actions.push({ ...a, sleeve: s.index });
      }
      return actions;
    }
    if (staleAgeMs > 0) return actions;
    // the gates' targets over every sleeve: gross exposure of every leg, net position per symbol
    const cuts: RiskAction[] = [];
    exposureCuts(
      r,
      () => {
        let gross = 0;
        for (const s of active)
          for (let i = 0; i < 2; i++) gross += Math.abs(s.gate.target[i]) * close[s.legs[i]];
        return gross;
      },
      () => {
        const shares = new Float64Array(this.config.symbols.length);
        for (const s of active) for (let i = 0; i < 2; i++) shares[s.legs[i]] += s.gate.target[i];
        let worst = 0;
        let leg = -1;
        for (let i = 0; i < shares.length; i++) {
          const v = Math.abs(shares[i]) * close[i];
          if (v > worst) {
            worst = v;
            leg = i;
          }
        }
        return { value: worst, symbol: this.config.symbols[leg] };
      },
      (scale) => {
        for (const s of active) s.gate.scaleTarget(scale);
      },
      cuts,
    );
    actions.push(...cuts);
    return actions;
  }

  decide(bar: AssembledBar, { seq, now, flatten, staleAgeMs }: BarContext): Decision {
    const events: EventRow[] = [];
    this.#startAndStop(seq, bar.time, now, events);
    const sleeves = this.#active();
    const fillsBefore = new Map(sleeves.map((s) => [s, s.sim.ledger.fills.length]));
    const actions: DeskAction[] = [];
    // steps 1–3 of every sleeve's bar, and its strategy's target through its gate
    for (const s of sleeves) {
      s.gate.flatten = flatten;
      s.gate.staleAgeMs = staleAgeMs;
      loadBar(s.sim, bar.time, bar.close, bar.open, s.legs);
      s.sim.beginBar();
      s.gate.propose(s.sim.bar);
      this.#leave(s, seq);
    }
    // the book's limits on the strategies' targets, then each sleeve's gate (lots, kill, stale bar)
    this.#fitLimits(bar.close);
    for (const s of sleeves) {
      s.gate.settle(s.sim.bar);
      for (const a of s.gate.actions) actions.push({ ...a, sleeve: s.index });
    }
    actions.push(...this.#bookRisk(bar.time, bar.close, staleAgeMs));
    // steps 5–6: every sleeve fills its target (now or at the next bar) and marks to the close
    for (const s of sleeves) s.sim.endBar(s.gate.target);
    const book = this.#mark();
    const orders: OrderRow[] = [];
    const trades: JournalTrade[] = [];
    for (const a of actions) events.push({ time: bar.time, at: now, kind: a.kind, detail: a });
    const ruined: Decision['ruined'] = [];
    const rows: SleeveRow[] = [];
    const target = new Float64Array(this.config.symbols.length);
    const positions = new Float64Array(this.config.symbols.length);
    for (const s of sleeves) {
      const sim = s.sim;
      const ledger = sim.ledger;
      const t = sim.bars - 1;
      const mine = accountOrders(sim, fillsBefore.get(s)!, (leg, shares): OrderRow => {
        const bookLeg = s.legs[leg];
        return {
          clientId: `${seq}.${s.index}.${bookLeg}`,
          sleeve: s.index,
          symbol: this.config.symbols[bookLeg],
          leg: bookLeg,
          shares,
          time: bar.time,
          seq,
          status: 'new',
        };
      });
      orders.push(...mine);
      for (const tr of barTrades(ledger, fillsBefore.get(s)!, t)) trades.push({ ...tr, sleeve: s.index });
      if (sim.ruinBar === t) {
        ruined.push({ sleeve: s.index, equity: sim.equity });
        events.push({
          time: bar.time,
          at: now,
          kind: 'ruined',
          detail: { sleeve: s.index, equity: sim.equity, orders: mine.length },
        });
      }
      for (let i = 0; i < 2; i++) {
        target[s.legs[i]] += sim.target[i];
        positions[s.legs[i]] += ledger.pos[i];
      }
      rows.push({ seq, sleeve: s.index, ...accountState(sim, s.strategy.signal) });
    }
    if (book.ret === -1)
      events.push({ time: bar.time, at: now, kind: 'book-ruined', detail: { equity: book.equity } });
    this.#liveBars++;
    this.#history?.push(bar.time, bar.close, bar.open);
    const decision = actions.length > 0 ? actions : orders.length > 0 ? 'trade' : 'hold';
    return {
      row: {
        seq,
        time: bar.time,
        phase: 'live',
        receivedAt: bar.receivedAt,
        close: Array.from(bar.close),
        open: bar.open === null ? null : Array.from(bar.open),
        target: Array.from(target),
        decision,
        positions: Array.from(positions),
        equity: book.equity,
        cash: book.cash,
        gross: book.gross,
        net: book.net,
        ret: book.ret,
        notional: book.notional,
        signal: null,
        snapshot: null,
      },
      sleeves: rows,
      orders,
      actions,
      events,
      trades,
      ruined: book.ret === -1 ? [...ruined, { sleeve: null, equity: book.equity }] : ruined,
    };
  }
}
