/**
 * A finished run as a result: the per-bar record the kernel and the strategy wrote, the
 * ledger's fills, trades and costs, and the metrics from the kernel's accumulator through the
 * one finish step. Shared by the backtester and the live report (a journal replayed).
 */
import type { ResolvedBacktestOptions } from './options.js';
import type { StrategySpec } from '../strategy/spec.js';
import type { SignalState } from '../strategy/types.js';
import { BORROW, COMMISSION, SLIPPAGE, type Fills, type Trade } from './ledger.js';
import { finishMetrics, METRIC_NAMES, metricsOf, type Metrics } from './metrics.js';
import type { SeriesRecord, Simulator } from './simulator.js';
import type { SplitMetrics } from './window.js';

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

/**
 * What `backtest()` returns: the run's symbols, resolved strategy and options, the per-bar
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
  /** The first bar `metrics` counts (`options.metricsFrom`; 0: every bar). */
  metricsFrom?: number;
  /** With `options.split`: the train and test sets' metrics. */
  split?: SplitMetrics;
  /**
   * What the run fitted on bars it then traded or scored (an in-sample fit), one sentence per
   * part; empty when nothing looks ahead. Reports, metrics.json and the CLI show it.
   */
  lookAhead?: string[];
}

/** A run's result before the caller adds what it knows (symbols, options, the spec). */
export type RunResult = Omit<
  BacktestResult,
  'symbols' | 'options' | 'strategy' | 'metricsFrom' | 'split' | 'lookAhead'
>;

/** Every per-bar series of a run, none skipped. @internal */
export type FullRecord = { [K in keyof SeriesRecord]: Float64Array };

/** A Float64Array whose contents are arbitrary: for buffers the caller fills completely. */
function uninitializedFloat64(length: number): Float64Array {
  const bytes = Buffer.allocUnsafeSlow(length * 8);
  return new Float64Array(bytes.buffer, bytes.byteOffset, length);
}

/**
 * The per-bar series of an n-bar run on L legs, as views into one block: one allocation
 * instead of fifteen, and not zero-filled, since a run writes every slot of every series
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

/**
 * The bars of `rec` (an n-bar record on L legs) from bar `a` on, as a record of the same shape
 * (views, no copy): a run accounted from bar `a` of a longer signal pass. @internal
 */
export function recordFrom(rec: FullRecord, a: number, L: number): FullRecord {
  const at = (s: Float64Array, width = 1) => s.subarray(a * width);
  // the same keys in the same order as newRecord: one object shape for the kernel's loads
  return {
    equity: at(rec.equity),
    returns: at(rec.returns),
    positions: at(rec.positions, L),
    targets: at(rec.targets, L),
    grossExposure: at(rec.grossExposure),
    netExposure: at(rec.netExposure),
    cash: at(rec.cash),
    tradedNotional: at(rec.tradedNotional),
    value: at(rec.value),
    z: at(rec.z),
    centre: at(rec.centre),
    scale: at(rec.scale),
    units: at(rec.units),
    hedgeRatio: at(rec.hedgeRatio),
    fairValue: at(rec.fairValue),
  };
}

/** The strategy's published state after bar t into a record (a streaming run's). @internal */
export function recordSignal(
  s: SignalState,
  t: number,
  rec: Pick<SeriesRecord, 'value' | 'z' | 'centre' | 'scale' | 'units' | 'hedgeRatio' | 'fairValue'>,
): void {
  if (rec.value === null) return;
  rec.value[t] = s.value;
  rec.z![t] = s.z;
  rec.centre![t] = s.centre;
  rec.scale![t] = s.scale;
  rec.units![t] = s.units;
  rec.hedgeRatio![t] = s.hedgeRatio;
  rec.fairValue![t] = s.fairValue;
}

/**
 * The 13 metrics of a finished run (METRIC_NAMES order) into `out[o …]`, then its ruin bar
 * (−1: not ruined) at `out[o + 13]`. `returns` holds its per-bar returns.
 * @internal
 */
export function finishRun(sim: Simulator, returns: Float64Array, out: Float64Array, o: number): void {
  const ledger = sim.ledger;
  finishMetrics(ledger.acc, returns, sim.options.periodsPerYear, ledger.ruinBar >= 0, out, o);
  out[o + METRIC_NAMES.length] = ledger.ruinBar;
}

/** A finished run as a result: its record, fills, trades, costs and metrics. @internal */
export function runResult(sim: Simulator, rec: FullRecord, times: Float64Array): RunResult {
  const ledger = sim.ledger;
  const trades = ledger.trades;
  const sums = ledger.sums;
  const row = new Float64Array(METRIC_NAMES.length + 1);
  finishRun(sim, rec.returns, row, 0);
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
    metrics: metricsOf(row) as Metrics,
    costs: { commission: sums[COMMISSION], slippage: sums[SLIPPAGE], borrow: sums[BORROW] },
    ruined: ledger.ruinBar >= 0,
    ruinBar: ledger.ruinBar,
    ruinTime: ledger.ruinBar >= 0 ? times[ledger.ruinBar] : NaN,
  };
}
