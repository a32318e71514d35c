/**
 * The bar-by-bar backtest engine. Each bar, in this order:
 *   1. 'next-open': fill the previous bar's target at this bar's open;
 *   2. charge short borrow for the positions held since the previous close;
 *   3. 'next-close': fill the previous bar's target at this bar's close;
 *   4. give the bar to the strategy (it sees this bar and nothing later) → target shares;
 *   5. 'close': fill that target at this bar's close; otherwise keep it for the next bar;
 *   6. mark to this bar's close: equity, exposures, the bar's return.
 * Nothing in bar t's results can depend on a later bar.
 */
import type { PriceFrame } from '../data/frame.js';
import { KalrevError } from '../errors.js';
import {
  buildStrategy,
  legsOf,
  resolveStrategy,
  warmupBars,
  type StrategyInput,
  type StrategySpec,
} from '../strategy/spec.js';
import { StrategyError, type Bar, type Strategy } from '../strategy/types.js';
import { computeMetrics, type Metrics } from './metrics.js';
import {
  BACKTEST_PRESETS,
  resolveBacktestOptions,
  type BacktestOptions,
  type ResolvedBacktestOptions,
} from './options.js';

/** The data cannot be backtested as given (NaN or non-positive prices, too few bars). */
export class BacktestError extends KalrevError {
  override name = 'BacktestError';
}

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

/** The strategy's internal series, one value per bar (for reports). */
export interface SignalSeries {
  value: Float64Array;
  z: Float64Array;
  centre: Float64Array;
  scale: Float64Array;
  units: Float64Array;
  hedgeRatio: Float64Array;
  fairValue: Float64Array;
}

export interface BacktestResult {
  symbols: string[];
  times: Float64Array;
  /** Account equity at each close. */
  equity: Float64Array;
  /** Return of each bar on the chosen basis (the first bar's is 0). */
  returns: Float64Array;
  /** Shares held per leg at each close after that bar's fills (n × legs, row-major). */
  positions: Float64Array;
  /** Target shares per leg computed on each bar (n × legs). */
  targets: Float64Array;
  grossExposure: Float64Array;
  netExposure: Float64Array;
  cash: Float64Array;
  fills: Fills;
  trades: Trade[];
  signals: SignalSeries;
  metrics: Metrics;
  /** Total costs paid. */
  costs: { commission: number; slippage: number; borrow: number };
  options: ResolvedBacktestOptions;
  /** The strategy spec, when the strategy was given as a spec or preset. */
  strategy?: StrategySpec;
}

class FillLog implements Fills {
  bar = new Int32Array(64);
  leg = new Int32Array(64);
  shares = new Float64Array(64);
  price = new Float64Array(64);
  commission = new Float64Array(64);
  length = 0;
  push(bar: number, leg: number, shares: number, price: number, commission: number): void {
    if (this.length === this.bar.length) this.#grow();
    const i = this.length++;
    this.bar[i] = bar;
    this.leg[i] = leg;
    this.shares[i] = shares;
    this.price[i] = price;
    this.commission[i] = commission;
  }
  #grow(): void {
    const cap = this.bar.length * 2;
    const g = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.bar = g(this.bar, (n) => new Int32Array(n));
    this.leg = g(this.leg, (n) => new Int32Array(n));
    this.shares = g(this.shares, (n) => new Float64Array(n));
    this.price = g(this.price, (n) => new Float64Array(n));
    this.commission = g(this.commission, (n) => new Float64Array(n));
  }
  trimmed(): Fills {
    const n = this.length;
    return {
      bar: this.bar.slice(0, n),
      leg: this.leg.slice(0, n),
      shares: this.shares.slice(0, n),
      price: this.price.slice(0, n),
      commission: this.commission.slice(0, n),
      length: n,
    };
  }
}

function checkPrices(frame: PriceFrame, symbol: string, data: Float64Array, field: string): void {
  for (let t = 0; t < data.length; t++) {
    const p = data[t];
    if (!(p > 0) || p === Infinity)
      throw new BacktestError(
        `${frame.source}: ${symbol} ${field} is ${Number.isNaN(p) ? 'missing (NaN)' : p} on ${frame.date(t)} (bar ${t}); every leg needs a positive price on every bar: align or repair the data first`,
      );
  }
}

/**
 * Runs a strategy over aligned bars and accounts for every fill, cost and return.
 *
 * @param frame aligned prices; the legs are `options.symbols` (default: the frame's symbols).
 * @param strategy a preset name (`'kalman-pair'`, `'kalman-single'`, or the backtest preset
 *   `'chan-2013-ex3.3'`, which also sets its execution, costs and returns), a strategy input
 *   (`{ preset, rule: { entryZ: 2 } }`), or a fresh {@link Strategy} object.
 * @param options execution timing, costs, returns basis, capital; defaults in docs/strategies.md.
 * @throws StrategyError for an invalid option or parameter, BacktestError for unusable data.
 */
export function backtest(
  frame: PriceFrame,
  strategy: Strategy | StrategyInput | string,
  options: BacktestOptions = {},
): BacktestResult {
  let spec: StrategySpec | undefined;
  let strat: Strategy;
  let presetOptions: BacktestOptions = {};
  if (typeof strategy === 'string' && BACKTEST_PRESETS[strategy]) {
    presetOptions = BACKTEST_PRESETS[strategy].options;
    spec = resolveStrategy(BACKTEST_PRESETS[strategy].strategy);
  } else if (typeof strategy === 'string' || !('step' in strategy)) {
    spec = resolveStrategy(strategy as StrategyInput);
  }
  const opts = resolveBacktestOptions(options, presetOptions);
  if (spec) strat = buildStrategy(spec);
  else strat = strategy as Strategy;
  const legs = spec ? legsOf(spec) : strat.legs;
  const symbols = opts.symbols ?? frame.symbols.slice(0, legs);
  if (symbols.length !== legs)
    throw new StrategyError(
      'symbols',
      `the strategy trades ${legs} leg${legs > 1 ? 's' : ''} but ${symbols.length} symbol${symbols.length === 1 ? ' was' : 's were'} given (${symbols.join(', ') || 'none'})`,
    );
  const n = frame.length;
  if (spec) {
    const need = warmupBars(spec);
    if (need >= n)
      throw new BacktestError(
        `${frame.source}: the strategy needs ${need} bars before its first signal (lookback and training windows), but the data has ${n}`,
      );
  }
  const close = symbols.map((s) => frame.get(s, 'close'));
  symbols.forEach((s, i) => checkPrices(frame, s, close[i], 'close'));
  const open = opts.execution === 'next-open' ? symbols.map((s) => frame.get(s, 'open')) : null;
  if (open) symbols.forEach((s, i) => checkPrices(frame, s, open[i], 'open'));
  const result = run(frame, strat, close, open, opts);
  return { ...result, symbols, options: opts, strategy: spec };
}

type RunResult = Omit<BacktestResult, 'symbols' | 'options' | 'strategy'>;

// slots of Ledger.sums
const CASH = 0;
const COMMISSION = 1;
const SLIPPAGE = 2;
const BORROW = 3;
/** Cash flows of the open trade so far. */
const TRADE_CASH = 4;
/** Gross value of the positions the current bar's fills opened (for gross returns). */
const FILL_GROSS = 5;

/**
 * Cash, positions, costs and round trips of one run. A class rather than closures so that
 * V8 keeps its state in fields (fast) instead of captured context slots (slow).
 */
class Ledger {
  readonly pos: Float64Array;
  trade: Trade | null = null;
  /**
   * The running sums live in one Float64Array: V8 stores a double object field as a boxed
   * number, so `this.cash += …` on a field allocates on every fill; a typed-array slot does not.
   */
  readonly sums = new Float64Array(6);
  readonly trades: Trade[] = [];
  readonly fills = new FillLog();
  readonly #slip: number;
  readonly #bps: number;
  readonly #perShare: number;
  readonly #min: number;
  readonly #borrowPerBar: number;

  constructor(
    readonly legs: number,
    readonly times: Float64Array,
    readonly tradedNotional: Float64Array,
    opts: ResolvedBacktestOptions,
  ) {
    this.sums[CASH] = opts.capital;
    this.pos = new Float64Array(legs);
    const c = opts.costs;
    this.#slip = c.slippageBps / 1e4;
    this.#bps = c.commissionBps / 1e4;
    this.#perShare = c.commissionPerShare;
    this.#min = c.minCommission;
    this.#borrowPerBar = c.borrowBps / 1e4 / opts.periodsPerYear;
  }

  /** Short borrow on the positions held overnight, valued at the previous close. */
  chargeBorrow(close: Float64Array[], t: number): void {
    if (this.#borrowPerBar === 0) return;
    let shortValue = 0;
    for (let i = 0; i < this.legs; i++) if (this.pos[i] < 0) shortValue -= this.pos[i] * close[i][t - 1];
    const fee = shortValue * this.#borrowPerBar;
    const sums = this.sums;
    sums[CASH] -= fee;
    sums[BORROW] += fee;
    if (this.trade !== null) sums[TRADE_CASH] -= fee;
  }

  /** Moves the position to `target` at `prices[i][t]`, slippage against the trader. */
  fill(t: number, target: Float64Array, prices: Float64Array[]): void {
    const L = this.legs;
    const pos = this.pos;
    const dirBefore = direction(pos);
    const dirAfter = direction(target);
    const reversal = dirBefore !== 0 && dirAfter !== 0 && dirBefore !== dirAfter;
    const closing = dirBefore !== 0 && (dirAfter === 0 || reversal);
    const opening = dirAfter !== 0 && (dirBefore === 0 || reversal);
    let closeFlow = 0;
    let keepFlow = 0;
    let openFlow = 0;
    const sums = this.sums;
    for (let i = 0; i < L; i++) {
      const d = target[i] - pos[i];
      if (d === 0) continue;
      const ref = prices[i][t];
      const px = d > 0 ? ref * (1 + this.#slip) : ref * (1 - this.#slip);
      const size = d > 0 ? d : -d;
      const notional = size * ref;
      const commission = Math.max(this.#min, this.#bps * notional + this.#perShare * size);
      const flow = -d * px - commission;
      sums[CASH] += flow;
      sums[COMMISSION] += commission;
      sums[SLIPPAGE] += notional * this.#slip;
      sums[FILL_GROSS] += Math.abs(target[i]) * px;
      this.tradedNotional[t] += notional;
      this.fills.push(t, i, d, px, commission);
      if (closing && opening) {
        // a reversal's order is split between the closing and the opening trade by shares
        const share = Math.abs(pos[i]) / size;
        closeFlow += pos[i] * px - commission * share;
        openFlow += -target[i] * px - commission * (1 - share);
      } else if (closing) closeFlow += flow;
      else if (opening) openFlow += flow;
      else keepFlow += flow;
      pos[i] = target[i];
    }
    if (this.trade !== null) {
      sums[TRADE_CASH] += closeFlow + keepFlow;
      if (closing) {
        const tr = this.trade;
        tr.exitBar = t;
        tr.exitTime = this.times[t];
        tr.exitPrices = this.#prices(t, prices);
        tr.pnl = sums[TRADE_CASH];
        tr.holdingBars = t - tr.entryBar;
        tr.closed = true;
        this.trade = null;
      }
    }
    if (opening) {
      const tr: Trade = {
        direction: dirAfter as 1 | -1,
        entryBar: t,
        entryTime: this.times[t],
        exitBar: -1,
        exitTime: NaN,
        entryPrices: this.#prices(t, prices),
        exitPrices: new Array<number>(L).fill(NaN),
        pnl: 0,
        holdingBars: 0,
        closed: false,
      };
      this.trades.push(tr);
      this.trade = tr;
      sums[TRADE_CASH] = openFlow;
    }
  }

  /** Fill prices of bar t's fills per leg (the reference price for a leg not traded). */
  #prices(t: number, prices: Float64Array[]): number[] {
    const out = new Array<number>(this.legs);
    for (let i = 0; i < this.legs; i++) out[i] = prices[i][t];
    const f = this.fills;
    for (let k = f.length - 1; k >= 0 && f.bar[k] === t; k--) out[f.leg[k]] = f.price[k];
    return out;
  }
}

/** +1 / −1 by the first non-zero leg's sign, 0 when flat. */
function direction(a: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return a[i] > 0 ? 1 : -1;
  return 0;
}

function run(
  frame: PriceFrame,
  strategy: Strategy,
  close: Float64Array[],
  open: Float64Array[] | null,
  opts: ResolvedBacktestOptions,
): RunResult {
  const n = frame.length;
  const L = close.length;
  const times = frame.times;
  const grossBasis = opts.returns === 'gross';
  const exec = opts.execution;
  // every per-bar series is a view into one block: one allocation instead of fifteen
  const block = new Float64Array((13 + 2 * L) * n);
  let offset = 0;
  const take = (size: number) => block.subarray(offset, (offset += size));
  const equity = take(n);
  const returns = take(n);
  const positions = take(n * L);
  const targets = take(n * L);
  const grossExposure = take(n);
  const netExposure = take(n);
  const cashSeries = take(n);
  const tradedNotional = take(n);
  const sig: SignalSeries = {
    value: take(n),
    z: take(n),
    centre: take(n),
    scale: take(n),
    units: take(n),
    hedgeRatio: take(n),
    fairValue: take(n),
  };
  const ledger = new Ledger(L, times, tradedNotional, opts);
  const pos = ledger.pos;
  const sums = ledger.sums;
  const pending = new Float64Array(L);
  let hasPending = false;
  const bar: Bar = { index: 0, time: 0, close: new Float64Array(L) };
  let prevEquity = opts.capital;
  let prevGross = 0;
  const signal = strategy.signal;

  const atClose = exec === 'close';
  const atNextOpen = exec === 'next-open';
  const atNextClose = exec === 'next-close';
  // the signal series as locals: one property load per run instead of per bar
  const sValue = sig.value,
    sZ = sig.z,
    sCentre = sig.centre,
    sScale = sig.scale;
  const sUnits = sig.units,
    sHedge = sig.hedgeRatio,
    sFair = sig.fairValue;
  const px = bar.close;
  for (let t = 0; t < n; t++) {
    sums[FILL_GROSS] = 0;
    if (hasPending && atNextOpen) {
      ledger.fill(t, pending, open!);
      hasPending = false;
    }
    if (t > 0) ledger.chargeBorrow(close, t);
    if (hasPending && atNextClose) {
      ledger.fill(t, pending, close);
      hasPending = false;
    }
    bar.index = t;
    bar.time = times[t];
    for (let i = 0; i < L; i++) px[i] = close[i][t];
    const target = strategy.step(bar);
    sValue[t] = signal.value;
    sZ[t] = signal.z;
    sCentre[t] = signal.centre;
    sScale[t] = signal.scale;
    sUnits[t] = signal.units;
    sHedge[t] = signal.hedgeRatio;
    sFair[t] = signal.fairValue;
    let differs = false;
    for (let i = 0; i < L; i++) {
      const v = target[i];
      targets[t * L + i] = v;
      if (v !== pos[i]) differs = true;
    }
    if (atClose) {
      if (differs) ledger.fill(t, target, close);
    } else {
      for (let i = 0; i < L; i++) pending[i] = target[i];
      hasPending = differs;
    }
    // mark to the close
    let value = 0;
    let gross = 0;
    for (let i = 0; i < L; i++) {
      const v = pos[i] * px[i];
      value += v;
      gross += v < 0 ? -v : v;
      positions[t * L + i] = pos[i];
    }
    const cash = sums[CASH];
    const eq = cash + value;
    equity[t] = eq;
    cashSeries[t] = cash;
    grossExposure[t] = gross;
    netExposure[t] = value;
    if (t > 0) {
      const pnl = eq - prevEquity;
      if (grossBasis) {
        // Chan: P&L over the gross exposure held at the previous close; when flat then, over
        // the gross exposure the bar's fills opened; 0 when there was none
        const base = prevGross > 0 ? prevGross : sums[FILL_GROSS];
        returns[t] = base > 0 ? pnl / base : 0;
      } else returns[t] = prevEquity > 0 ? pnl / prevEquity : 0;
    }
    prevEquity = eq;
    prevGross = gross;
  }
  // an open trade is marked to the last close
  const last = ledger.trade;
  if (last !== null) {
    let value = 0;
    for (let i = 0; i < L; i++) value += pos[i] * close[i][n - 1];
    last.pnl = sums[TRADE_CASH] + value;
    last.holdingBars = n - 1 - last.entryBar;
  }
  const trades = ledger.trades;
  const metrics = computeMetrics({
    returns,
    equity,
    grossExposure,
    tradedNotional,
    tradePnl: Float64Array.from(trades, (x) => x.pnl),
    tradeClosed: Uint8Array.from(trades, (x) => (x.closed ? 1 : 0)),
    periodsPerYear: opts.periodsPerYear,
    riskFreeRate: opts.riskFreeRate,
  });
  return {
    times,
    equity,
    returns,
    positions,
    targets,
    grossExposure,
    netExposure,
    cash: cashSeries,
    fills: ledger.fills.trimmed(),
    trades,
    signals: sig,
    metrics,
    costs: { commission: sums[COMMISSION], slippage: sums[SLIPPAGE], borrow: sums[BORROW] },
  };
}
