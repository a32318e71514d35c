/**
 * A paper book: pair sleeves traded from one feed in one account, as `runBook` runs fixed pairs
 * that all start on the first bar (src/backtest/portfolio.ts). Each sleeve is funded with its
 * weight × the book's capital (execution/book.ts, the funding `runBook` uses) and trades the
 * run's strategy on its pair, sized at its capital, through its own order gate and its own
 * account on the backtester's {@link Simulator}: exactly a single paper run of that pair at that
 * capital. The book's equity is its free cash plus every sleeve's equity.
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
import { bookReturn, sleeveCapitals } from '../execution/book.js';
import { BAR_NOTIONAL, CASH } from '../execution/ledger.js';
import { Simulator } from '../execution/simulator.js';
import { atCapital, buildStrategy } from '../strategy/spec.js';
import type { Bar, Strategy } from '../strategy/types.js';
import type { AssembledBar } from './assembler.js';
import type { PaperConfig, SleeveConfig } from './config.js';
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
import type { BarRow, EventRow, JournalTrade, OrderRow, SleeveRow } from './journal.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** One sleeve of a paper book: its pair, funding, strategy, gate and account. */
export interface PaperSleeve {
  index: number;
  config: SleeveConfig;
  /** Its legs' indices in the book's symbols (the feed's bar, the venue's legs). */
  legs: [number, number];
  /** The cash it was funded with at the start. */
  capital: number;
  strategy: Strategy;
  gate: OrderGate;
  sim: Simulator;
  warm: Bar;
  /** Its place in the book's limits (null without limits). */
  fit: BarEntry | null;
}

/** The desk of a book of pair sleeves (see the module notes). */
export class BookDesk implements Desk {
  readonly sleeves: PaperSleeve[];
  /** Cash not funded to any sleeve. */
  readonly freeCash: number;
  readonly identity: unknown;
  readonly #dayLoss: DayLoss;
  readonly #grossBasis: boolean;
  /** The book's limits on one bar (null without limits). */
  readonly #room: BookRoom | null;
  readonly #fits: BarEntry[];
  #prevEquity: number;
  #prevGross = 0;
  #ruined = false;

  constructor(readonly config: PaperConfig) {
    const book = config.book!;
    const capital = config.options.capital;
    const capitals = sleeveCapitals(
      book.sleeves.map((s) => s.weight),
      capital,
      capital,
    );
    let free = capital;
    this.sleeves = book.sleeves.map((sc, index) => {
      const c = capitals[index];
      free -= c;
      const strategy = buildStrategy(atCapital(config.strategy, c));
      const gate = new OrderGate(strategy, [sc.y, sc.x], config.orders, {});
      const sim = new Simulator(gate, { ...config.options, capital: c });
      gate.attach(sim);
      return {
        index,
        config: sc,
        legs: [config.symbols.indexOf(sc.y), config.symbols.indexOf(sc.x)],
        capital: c,
        strategy,
        gate,
        sim,
        warm: { index: 0, time: 0, close: new Float64Array(2) },
        fit: hasLimits(book.limits)
          ? { y: sc.y, x: sc.x, ty: 0, tx: 0, yc: 0, xc: 0, state: fitState() }
          : null,
      };
    });
    this.#room = hasLimits(book.limits) ? new BookRoom(book.limits) : null;
    this.#fits = this.sleeves.flatMap((s) => (s.fit === null ? [] : [s.fit]));
    this.freeCash = free;
    this.#prevEquity = capital;
    this.#grossBasis = config.options.returns === 'gross';
    this.#dayLoss = new DayLoss(tradingCalendar(config.options.calendar));
    this.identity = {
      symbols: config.symbols,
      strategy: config.strategy,
      options: config.options,
      book: book.sleeves,
      ...(hasLimits(book.limits) ? { limits: book.limits } : {}),
    };
  }

  get liveBars(): number {
    return this.sleeves[0].sim.bars;
  }

  /** Whether the book's equity has reached zero (it then flattens and stops, as a kill). */
  get ruined(): boolean {
    return this.#ruined;
  }

  /** A ruined book stops: the runner throws the kill switch on the next bar (every sleeve flat, then stopped). */
  get stopReason(): string | null {
    return this.#ruined ? 'book ruined' : null;
  }

  warmup(seq: number, time: number, close: ArrayLike<number>): SleeveRow[] {
    return this.sleeves.map((s) => {
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
    for (const s of this.sleeves) {
      const target = sleeves[s.index]?.target ?? null;
      if (target === null) throw new Error(`bar ${row.seq} has no row for sleeve ${s.index}`);
      loadBar(s.sim, row.time, row.close, row.open, s.legs);
      s.gate.replay = target;
      s.sim.beginBar();
    }
    this.#trackDay(row.time, row.close);
    for (const s of this.sleeves) {
      s.sim.endBar(s.gate.step(s.sim.bar));
      s.gate.replay = null;
    }
    // the limits' standing (raw targets, scales) follows from the strategies' targets: rebuilt
    this.#fitLimits(row.close);
    this.#mark();
  }

  blockDay(): void {
    this.#dayLoss.blocked = true;
  }

  matches(last: BarRow, sleeves: readonly SleeveRow[]): boolean {
    if (last.phase !== 'live') return true;
    return this.sleeves.every((s) => same(s.sim.snapshot(), sleeves[s.index]?.snapshot));
  }

  flat(): boolean {
    return this.sleeves.every((s) => accountFlat(s.sim));
  }

  /**
   * The book's limits on this bar, as `runBook` fits them (bookLimits.ts): every sleeve's
   * strategy target in the sleeves' order, against the book's capital (the book's equity when
   * it funded them). The fitted targets become the targets the sleeves' gates start from.
   */
  #fitLimits(close: ArrayLike<number>): void {
    const room = this.#room;
    if (room === null) return;
    room.clear();
    for (const s of this.sleeves) {
      const e = s.fit!;
      e.ty = s.gate.raw[0];
      e.tx = s.gate.raw[1];
      e.yc = close[s.legs[0]];
      e.xc = close[s.legs[1]];
    }
    room.fitBar(0, this.#fits, this.config.options.capital);
    for (const s of this.sleeves) {
      s.gate.proposed[0] = s.fit!.ty;
      s.gate.proposed[1] = s.fit!.tx;
    }
  }

  /** The book's equity marked at the bar's close before its own fills; tracks the day's reference. */
  #trackDay(time: number, close: ArrayLike<number>): number {
    let equity = this.freeCash;
    for (const s of this.sleeves) {
      const ledger = s.sim.ledger;
      equity += ledger.sums[CASH] + ledger.pos[0] * close[s.legs[0]] + ledger.pos[1] * close[s.legs[1]];
    }
    this.#dayLoss.track(time, () => (this.liveBars === 0 ? this.config.options.capital : this.#prevEquity));
    return equity;
  }

  /**
   * After every sleeve's bar: the book's equity (free cash + Σ sleeve equity, summed in sleeve
   * order as `runBook` does), exposures, notional and return on the chosen basis.
   */
  #mark(): { equity: number; cash: number; gross: number; net: number; notional: number; ret: number } {
    let sleeveEquity = 0;
    let cash = this.freeCash;
    let gross = 0;
    let net = 0;
    let notional = 0;
    for (const s of this.sleeves) {
      sleeveEquity += s.sim.equity;
      cash += s.sim.ledger.sums[CASH];
      gross += s.sim.grossExposure;
      net += s.sim.netExposure;
      notional += s.sim.ledger.sums[BAR_NOTIONAL];
    }
    const equity = this.freeCash + sleeveEquity;
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
    if (this.#dayLoss.blocked) {
      for (const s of this.sleeves) {
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
        for (const s of this.sleeves)
          for (let i = 0; i < 2; i++) gross += Math.abs(s.gate.target[i]) * close[s.legs[i]];
        return gross;
      },
      () => {
        const shares = new Float64Array(this.config.symbols.length);
        for (const s of this.sleeves) for (let i = 0; i < 2; i++) shares[s.legs[i]] += s.gate.target[i];
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
        for (const s of this.sleeves) s.gate.scaleTarget(scale);
      },
      cuts,
    );
    actions.push(...cuts);
    return actions;
  }

  decide(bar: AssembledBar, { seq, now, flatten, staleAgeMs }: BarContext): Decision {
    const sleeves = this.sleeves;
    const fillsBefore = sleeves.map((s) => s.sim.ledger.fills.length);
    const actions: DeskAction[] = [];
    // steps 1–3 of every sleeve's bar, and its strategy's target through its gate
    for (const s of sleeves) {
      s.gate.flatten = flatten;
      s.gate.staleAgeMs = staleAgeMs;
      loadBar(s.sim, bar.time, bar.close, bar.open, s.legs);
      s.sim.beginBar();
      s.gate.propose(s.sim.bar);
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
    const events: EventRow[] = actions.map((a) => ({ time: bar.time, at: now, kind: a.kind, detail: a }));
    const ruined: Decision['ruined'] = [];
    const rows: SleeveRow[] = [];
    const target = new Float64Array(this.config.symbols.length);
    const positions = new Float64Array(this.config.symbols.length);
    for (const s of sleeves) {
      const sim = s.sim;
      const ledger = sim.ledger;
      const t = sim.bars - 1;
      const mine = accountOrders(sim, fillsBefore[s.index], (leg, shares): OrderRow => {
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
      for (const tr of barTrades(ledger, fillsBefore[s.index], t)) trades.push({ ...tr, sleeve: s.index });
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
