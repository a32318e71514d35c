/**
 * The batch backtester: validates the inputs, runs a {@link Simulator} over every bar of a
 * frame and records its per-bar state, then computes the metrics. Nothing in bar t's results
 * can depend on a later bar (the simulator only ever has bars up to t).
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
import { StrategyError, type SignalState, type Strategy } from '../strategy/types.js';
import { BORROW, COMMISSION, SLIPPAGE, type Ledger, type Fills, type Trade } from '../execution/ledger.js';
import { fitsKalmanLoop, runKalmanLoop } from './kalmanLoop.js';
import type { SeriesRecord } from '../execution/simulator.js';
import { runFused } from './fusedLoop.js';
import { MeanReversionStrategy } from '../strategy/meanReversion.js';
import { computeMetrics, tradeOutcomes, type Metrics } from '../execution/metrics.js';
import { recordBar, Simulator } from '../execution/simulator.js';
import {
  legWithoutOpens,
  resolveBacktestOptions,
  type BacktestOptions,
  type ResolvedBacktestOptions,
} from '../execution/options.js';

/** The data cannot be backtested as given (NaN or non-positive prices, too few bars). */
export class BacktestError extends KalrevError {
  override name = 'BacktestError';
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

export type { Fills, Trade } from '../execution/ledger.js';

/**
 * What {@link backtest} returns: the run's symbols, resolved strategy and options, the per-bar
 * equity and signal series, the fills, the round-trip trades and the metrics.
 */
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
  /**
   * Whether equity reached zero (marked at a close): the account was then liquidated at that
   * close and traded no more (docs/strategies.md, "Ruin").
   */
  ruined: boolean;
  /** The bar it was ruined on, and that bar's time (−1 and NaN when not ruined). */
  ruinBar: number;
  ruinTime: number;
  options: ResolvedBacktestOptions;
  /** The strategy spec, when the strategy was given as a spec or preset. */
  strategy?: StrategySpec;
}

/** A Float64Array whose contents are arbitrary: for buffers the caller fills completely. */
function uninitializedFloat64(length: number): Float64Array {
  const bytes = Buffer.allocUnsafeSlow(length * 8);
  return new Float64Array(bytes.buffer, bytes.byteOffset, length);
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
 * @param strategy a strategy preset name (`'kalman-pair'`, `'kalman-single'`,
 *   `'chan-2013-ex3.3'`), a strategy input (`{ preset, rule: { entryZ: 2 } }`), a resolved
 *   spec, or a fresh {@link Strategy} object. A backtest preset's execution, costs and legs are
 *   applied by the run spec (src/app), not here.
 * @param options execution timing, costs, returns basis, capital; defaults in docs/strategies.md.
 * @throws StrategyError for an invalid option or parameter, BacktestError for unusable data.
 */
export function backtest(
  frame: PriceFrame,
  strategy: Strategy | StrategyInput | string,
  options: BacktestOptions = {},
): BacktestResult {
  let spec: StrategySpec | undefined;
  let strat: Strategy | null = null;
  if (typeof strategy === 'string' || !('step' in strategy))
    spec = resolveStrategy(strategy as StrategyInput);
  const opts = resolveBacktestOptions(options);
  const fused = spec !== undefined && fitsKalmanLoop(spec);
  const n = frame.length;
  if (spec) {
    // checked before the strategy is built: its windows are allocated at their full length
    const need = warmupBars(spec);
    if (need >= n)
      throw new BacktestError(
        `${frame.source}: the strategy needs ${need} bars before its first signal (lookback and training windows), but the data has ${n}`,
      );
    if (!fused) strat = buildStrategy(spec);
  } else strat = strategy as Strategy;
  const legs = spec ? legsOf(spec) : strat!.legs;
  const symbols = opts.symbols ?? frame.symbols.slice(0, legs);
  if (symbols.length !== legs)
    throw new StrategyError(
      'symbols',
      `the strategy trades ${legs} leg${legs > 1 ? 's' : ''} but ${symbols.length} symbol${symbols.length === 1 ? ' was' : 's were'} given (${symbols.join(', ') || 'none'})`,
    );
  const close = symbols.map((s) => frame.get(s, 'close'));
  symbols.forEach((s, i) => checkPrices(frame, s, close[i], 'close'));
  const closesOnly = legWithoutOpens(opts.execution, symbols, (s) => frame.has(s, 'open'));
  if (closesOnly !== undefined)
    throw new BacktestError(
      `${frame.source}: execution 'next-open' (the default) fills at the next bar's open, but ${closesOnly} has closes only; pass { execution: 'close' } or 'next-close', or a frame with open prices (readLongCsv, readYahooCsv, or new PriceFrame with open columns)`,
    );
  const open = opts.execution === 'next-open' ? symbols.map((s) => frame.get(s, 'open')) : null;
  if (open) symbols.forEach((s, i) => checkPrices(frame, s, open[i], 'open'));
  const result = run(frame, strat, close, open, opts, fused ? spec! : null, spec !== undefined);
  return { ...result, symbols, options: opts, strategy: spec };
}

/** A run's result before the caller adds what it knows (symbols, options, the spec). */
export type RunResult = Omit<BacktestResult, 'symbols' | 'options' | 'strategy'>;

/** Every per-bar series of a run, none skipped. @internal */
export type FullRecord = { [K in keyof SeriesRecord]: Float64Array };

/**
 * The per-bar series of an n-bar run on L legs, as views into one block: one allocation
 * instead of fifteen, and not zero-filled, since every loop writes every slot of every series
 * on every bar (zeroing and first-touching ~40 doubles a bar cost as much as the loop itself).
 * @internal
 */
export function newRecord(n: number, L: number): FullRecord {
  const block = uninitializedFloat64((13 + 2 * L) * n);
  let offset = 0;
  const take = (size: number) => block.subarray(offset, (offset += size));
  return {
    equity: take(n),
    returns: take(n),
    positions: take(n * L),
    targets: take(n * L),
    grossExposure: take(n),
    netExposure: take(n),
    cash: take(n),
    tradedNotional: take(n),
    value: take(n),
    z: take(n),
    centre: take(n),
    scale: take(n),
    units: take(n),
    hedgeRatio: take(n),
    fairValue: take(n),
  };
}

/** The strategy's published state after bar t into a record (the engine's and a journal replay's). @internal */
export function recordSignal(s: SignalState, t: number, rec: FullRecord): void {
  rec.value[t] = s.value;
  rec.z[t] = s.z;
  rec.centre[t] = s.centre;
  rec.scale[t] = s.scale;
  rec.units[t] = s.units;
  rec.hedgeRatio[t] = s.hedgeRatio;
  rec.fairValue[t] = s.fairValue;
}

/** A finished run as a result: its record, fills, trades, costs and metrics. @internal */
export function runResult(
  ledger: Ledger,
  rec: FullRecord,
  times: Float64Array,
  opts: ResolvedBacktestOptions,
): RunResult {
  const trades = ledger.trades;
  const sums = ledger.sums;
  const metrics = computeMetrics({
    returns: rec.returns,
    equity: rec.equity,
    grossExposure: rec.grossExposure,
    tradedNotional: rec.tradedNotional,
    ...tradeOutcomes(trades),
    periodsPerYear: opts.periodsPerYear,
    riskFreeRate: opts.riskFreeRate,
    ruined: ledger.ruinBar >= 0,
  });
  return {
    times,
    equity: rec.equity,
    returns: rec.returns,
    positions: rec.positions,
    targets: rec.targets,
    grossExposure: rec.grossExposure,
    netExposure: rec.netExposure,
    cash: rec.cash,
    fills: ledger.fills.trimmed(),
    trades,
    signals: {
      value: rec.value,
      z: rec.z,
      centre: rec.centre,
      scale: rec.scale,
      units: rec.units,
      hedgeRatio: rec.hedgeRatio,
      fairValue: rec.fairValue,
    },
    metrics,
    costs: { commission: sums[COMMISSION], slippage: sums[SLIPPAGE], borrow: sums[BORROW] },
    ruined: ledger.ruinBar >= 0,
    ruinBar: ledger.ruinBar,
    ruinTime: ledger.ruinBar >= 0 ? times[ledger.ruinBar] : NaN,
  };
}

function run(
  frame: PriceFrame,
  strategy: Strategy | null,
  close: Float64Array[],
  open: Float64Array[] | null,
  opts: ResolvedBacktestOptions,
  fused: StrategySpec | null,
  builtHere: boolean,
): RunResult {
  const n = frame.length;
  const times = frame.times;
  const record = newRecord(n, close.length);
  // a strategy built here from a spec runs in a fused loop (the Kalman families in their own);
  // one given as an object, through the Simulator (it may be any Strategy)
  const ledger = fused
    ? runKalmanLoop(fused, close, open, times, n, opts, record)
    : builtHere && strategy instanceof MeanReversionStrategy
      ? runFused(strategy, close, open, times, n, opts, record)
      : simulate(strategy!, close, open, times, opts, record);
  return runResult(ledger, record, times, opts);
}

/** Any strategy through the Simulator, recording its per-bar state. */
function simulate(
  strategy: Strategy,
  close: Float64Array[],
  open: Float64Array[] | null,
  times: Float64Array,
  opts: ResolvedBacktestOptions,
  rec: FullRecord,
): Ledger {
  const n = times.length;
  const L = close.length;
  const sim = new Simulator(strategy, opts);
  const bar = sim.bar;
  const px = bar.close;
  const po = sim.open;
  const signal = strategy.signal;
  for (let t = 0; t < n; t++) {
    bar.time = times[t];
    for (let i = 0; i < L; i++) px[i] = close[i][t];
    if (open !== null) for (let i = 0; i < L; i++) po[i] = open[i][t];
    sim.step();
    recordSignal(signal, t, rec);
    recordBar(sim, t, rec);
  }
  sim.markOpenTrade();
  return sim.ledger;
}
