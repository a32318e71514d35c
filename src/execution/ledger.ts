/**
 * The account of one simulated run: cash, positions per leg, every fill with its costs, and
 * the round trips. Fills use the execution and cost model of docs/strategies.md; the batch
 * backtester and the live paper broker both account through this class, so they agree to the
 * last digit.
 */
import type { ResolvedBacktestOptions } from './options.js';
import { commissionOf, costRates, fillPrice, type CostRates } from './costs.js';
import { newAccumulator, resetAccumulator } from './metrics.js';

/** One round trip: from flat (or a reversal) to flat (or the next reversal). */
export interface Trade {
  /** +1: long the spread (long the first leg); −1: short. */
  direction: 1 | -1;
  entryBar: number;
  entryTime: number;
  /** −1 while still open at the end of the data. */
  exitBar: number;
  exitTime: number;
  /** First fill price of each leg when the trade opened, and when it closed (NaN if open). */
  entryPrices: number[];
  exitPrices: number[];
  /** Cash P&L: fills, commissions and borrow while open; an open trade is marked to the last close. */
  pnl: number;
  /** Bars from entry fill to exit fill (to the last bar if open). */
  holdingBars: number;
  closed: boolean;
}

/** Every fill, as parallel arrays (one entry per leg order). */
export interface Fills {
  bar: Int32Array;
  leg: Int32Array;
  /** Signed shares traded. */
  shares: Float64Array;
  /** Fill price including slippage. */
  price: Float64Array;
  commission: Float64Array;
  length: number;
}

/**
 * The growing log behind {@link Fills}. Its five columns are views into one buffer: a typed
 * array longer than a few elements lives outside V8's heap, and allocating one costs more than
 * a fill, so one allocation per growth (×4) instead of five, and none to hand the log out.
 * @internal
 */
export class FillLog implements Fills {
  bar!: Int32Array;
  leg!: Int32Array;
  shares!: Float64Array;
  price!: Float64Array;
  commission!: Float64Array;
  length = 0;
  constructor(capacity = 256) {
    this.#allocate(Math.max(capacity, 1));
  }
  push(bar: number, leg: number, shares: number, price: number, commission: number): void {
    if (this.length === this.bar.length) this.#grow();
    const i = this.length++;
    this.bar[i] = bar;
    this.leg[i] = leg;
    this.shares[i] = shares;
    this.price[i] = price;
    this.commission[i] = commission;
  }
  #allocate(cap: number): void {
    // doubles first, so every view is aligned: 3 × 8 bytes then 2 × 4 bytes per entry
    // not zero-filled: push writes every entry before anything reads it
    const buffer = Buffer.allocUnsafeSlow(cap * 32).buffer;
    this.shares = new Float64Array(buffer, 0, cap);
    this.price = new Float64Array(buffer, cap * 8, cap);
    this.commission = new Float64Array(buffer, cap * 16, cap);
    this.bar = new Int32Array(buffer, cap * 24, cap);
    this.leg = new Int32Array(buffer, cap * 28, cap);
  }
  #grow(): void {
    const { bar, leg, shares, price, commission } = this;
    this.#allocate(bar.length * 4);
    this.bar.set(bar);
    this.leg.set(leg);
    this.shares.set(shares);
    this.price.set(price);
    this.commission.set(commission);
  }
  /** The fills so far, as views of exactly `length` entries (later pushes do not change them). */
  trimmed(): Fills {
    const n = this.length;
    return {
      bar: this.bar.subarray(0, n),
      leg: this.leg.subarray(0, n),
      shares: this.shares.subarray(0, n),
      price: this.price.subarray(0, n),
      commission: this.commission.subarray(0, n),
      length: n,
    };
  }
}

// slots of Ledger.sums
export const CASH = 0;
export const COMMISSION = 1;
export const SLIPPAGE = 2;
export const BORROW = 3;
/** Cash flows of the open trade so far. */
export const TRADE_CASH = 4;
/** Gross value of the positions the current bar's fills opened (for gross returns). */
export const FILL_GROSS = 5;
/** Notional traded on the current bar. */
export const BAR_NOTIONAL = 6;
/**
 * The current bar's P&L, accumulated from its parts in this order: − borrow, + each leg's
 * position held overnight × its close-to-close move, + each fill's d · (close − fill price) −
 * commission. Never a difference of equities: those are near the capital, and their
 * difference would lose the digits that make returns independent of it.
 */
export const BAR_PNL = 7;

/**
 * What a run records: `'full'` logs every fill and builds a {@link Trade} per round trip (a
 * backtest, paper trading); `'metrics'` keeps only what the metrics need (a scan).
 */
export type RecordLevel = 'full' | 'metrics';

/**
 * Cash, positions, costs and round trips of one run, and its metric accumulator: the account
 * the accounting kernel ({@link Simulator.runBars}, the one place that changes it) works on.
 */
export class Ledger {
  /** Shares held per leg. */
  readonly pos: Float64Array;
  /** The open round trip (at the `'full'` level; null otherwise, and while flat). */
  trade: Trade | null = null;
  /**
   * The running sums live in one Float64Array: V8 stores a double object field as a boxed
   * number, so `this.cash += …` on a field allocates on every fill; a typed-array slot does not.
   */
  readonly sums = new Float64Array(8);
  /** The metrics' running sums (metrics.ts). */
  readonly acc: Float64Array;
  trades: Trade[] = [];
  /** Every fill (an empty log at the `'metrics'` level). */
  readonly fills: FillLog;
  /** The bar on which equity reached zero and the account was liquidated (−1: not ruined). */
  ruinBar = -1;
  readonly rates: CostRates;
  /** Whether any leg is short. */
  short = false;
  /** Whether a round trip is open. */
  inTrade = false;
  /** Whether fills and trades are logged (the `'full'` level). */
  readonly full: boolean;
  /** The last fill's price per leg (the reference price for a leg not traded), for trades. */
  readonly fillPrices: Float64Array;

  constructor(
    readonly legs: number,
    opts: ResolvedBacktestOptions,
    readonly level: RecordLevel = 'full',
  ) {
    this.sums[CASH] = opts.capital;
    this.pos = new Float64Array(legs);
    this.fillPrices = new Float64Array(legs);
    this.rates = costRates(opts);
    this.full = level === 'full';
    this.fills = new FillLog(this.full ? 256 : 0);
    this.acc = newAccumulator(opts.periodsPerYear, opts.riskFreeRate);
  }

  /** Back to the state of a new ledger (a fresh trade list; the old one is left to its holder). */
  reset(opts: ResolvedBacktestOptions): void {
    this.sums.fill(0);
    this.sums[CASH] = opts.capital;
    this.pos.fill(0);
    resetAccumulator(this.acc, opts.periodsPerYear, opts.riskFreeRate);
    if (this.trades.length > 0) this.trades = [];
    this.trade = null;
    this.fills.length = 0;
    this.ruinBar = -1;
    this.short = false;
    this.inTrade = false;
  }

  /** Records a round trip opening on bar `t` at `time` (the `'full'` level). */
  openRecord(t: number, time: number, dir: number): void {
    const tr: Trade = {
      direction: dir as 1 | -1,
      entryBar: t,
      entryTime: time,
      exitBar: -1,
      exitTime: NaN,
      entryPrices: toArray(this.fillPrices),
      exitPrices: nanArray(this.legs),
      pnl: 0,
      holdingBars: 0,
      closed: false,
    };
    this.trades.push(tr);
    this.trade = tr;
  }

  /** Records the open round trip closing on bar `t` at `time` with P&L `pnl`. */
  closeRecord(t: number, time: number, pnl: number): void {
    const tr = this.trade;
    if (tr === null) return;
    tr.exitBar = t;
    tr.exitTime = time;
    tr.exitPrices = toArray(this.fillPrices);
    tr.pnl = pnl;
    tr.holdingBars = t - tr.entryBar;
    tr.closed = true;
    this.trade = null;
  }

  /**
   * The price and commission the kernel's fill gives one leg's order of `shares` (signed) at
   * reference price `ref`: the same formulas, for a broker that fills orders one at a time (the
   * live paper broker). Writes [price, commission] into `out`.
   */
  quote(shares: number, ref: number, out: Float64Array): Float64Array {
    const size = shares > 0 ? shares : -shares;
    out[0] = fillPrice(shares, ref, this.rates.slip);
    out[1] = commissionOf(size, size * ref, this.rates);
    return out;
  }
}

/** A plain copy; Array.from on a typed array goes through the iterator protocol and is slow. */
function toArray(a: Float64Array): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i];
  return out;
}

/** L NaNs (Array#fill costs more than the loop for the few legs of a trade). */
function nanArray(L: number): number[] {
  const out = new Array<number>(L);
  for (let i = 0; i < L; i++) out[i] = NaN;
  return out;
}
