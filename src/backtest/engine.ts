/**
 * The batch backtester: validates the inputs, turns the strategy's signal into every bar's
 * targets, runs the accounting kernel over them recording every series, fill and trade, and
 * finishes the metrics. Nothing in bar t's results can depend on a later bar (a target at t
 * depends on prices up to t; the kernel fills it at t's close or later).
 */
import type { PriceFrame } from '../data/frame.js';
import { KalrevError } from '../errors.js';
import {
  fitsInSample,
  legsOf,
  resolveStrategy,
  warmupBars,
  type StrategyInput,
  type StrategySpec,
} from '../strategy/spec.js';
import { StrategyError, type Strategy } from '../strategy/types.js';
import { runAccount, Simulator } from '../execution/simulator.js';
import {
  newRecord,
  recordSignal,
  runResult,
  type BacktestResult,
  type FullRecord,
  type RunResult,
} from '../execution/result.js';
import { specTargets } from './targets.js';
import { fitInSample } from '../strategy/inSample.js';
import { resolveBar, WindowError, windowMetrics } from '../execution/window.js';
import {
  legWithoutOpens,
  resolveBacktestOptions,
  type BacktestOptions,
  type ResolvedBacktestOptions,
} from '../execution/options.js';

export type { BacktestResult, RunResult, SignalSeries } from '../execution/result.js';
export type { Fills, Trade } from '../execution/ledger.js';

/** The data cannot be backtested as given (NaN or non-positive prices, too few bars). */
export class BacktestError extends KalrevError {
  override name = 'BacktestError';
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
  const n = frame.length;
  if (spec) {
    // checked before the strategy is built: its windows are allocated at their full length
    const need = warmupBars(spec);
    if (need >= n)
      throw new BacktestError(
        `${frame.source}: the strategy needs ${need} bars before its first signal (lookback and training windows), but the data has ${n}`,
      );
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
  // parts fitted on bars they then trade are fitted here, once, on the whole sample, and said so
  const fitted = spec && fitsInSample(spec) ? fitInSample(spec, close) : null;
  const { rec, ...result } = run(frame, strat, close, open, opts, fitted?.spec ?? spec ?? null);
  return {
    ...result,
    symbols,
    options: opts,
    strategy: spec,
    ...windows(rec, result, frame.times, opts),
    lookAhead: fitted?.lookAhead ?? [],
  };
}

/** The metrics from `metricsFrom` on, and a split's train and test sets. */
function windows(
  rec: FullRecord,
  result: RunResult,
  times: Float64Array,
  opts: ResolvedBacktestOptions,
): Pick<BacktestResult, 'metrics' | 'metricsFrom' | 'split'> {
  const n = times.length;
  const from = opts.metricsFrom === undefined ? 0 : resolveBar(opts.metricsFrom, times, 'metricsFrom');
  if (from === 0 && opts.split === undefined) return { metrics: result.metrics, metricsFrom: 0 };
  // a return needs two bars: a window of one has no metrics to give
  if (n - from < 2)
    throw new WindowError(
      'metricsFrom',
      `counting from bar ${from} leaves ${n - from} bar of ${n}: no return to measure`,
    );
  const series = { ...rec, trades: result.trades, ruinBar: result.ruinBar };
  const over = (a: number, b: number) => windowMetrics(series, a, b, opts.periodsPerYear, opts.riskFreeRate);
  const metrics = from === 0 ? result.metrics : over(from, n).metrics;
  if (opts.split === undefined) return { metrics, metricsFrom: from };
  const at = resolveBar(opts.split, times, 'split');
  if (at <= from)
    throw new WindowError(
      'split',
      at === 0
        ? `bar 0 (${new Date(times[0]).toISOString().slice(0, 10)}) is the data's first bar: the train set before it would be empty`
        : `the test set starts at bar ${at}, not after the first bar counted (bar ${from})`,
    );
  if (at - from < 2 || n - at < 2)
    throw new WindowError(
      'split',
      `bar ${at} leaves the ${at - from < 2 ? 'train' : 'test'} set ${at - from < 2 ? at - from : n - at} bar: each set needs two`,
    );
  return { metrics, metricsFrom: from, split: { at, train: over(from, at), test: over(at, n) } };
}

/** Per-leg columns as one row-major block (n × L); one leg's column is its own block. @internal */
export function rows(cols: readonly Float64Array[], n: number): Float64Array {
  const L = cols.length;
  if (L === 1) return cols[0];
  const out = new Float64Array(n * L);
  for (let i = 0; i < L; i++) {
    const c = cols[i];
    for (let t = 0; t < n; t++) out[t * L + i] = c[t];
  }
  return out;
}

/**
 * A strategy built here from a spec: its targets in a batch pass, then the accounting kernel
 * over them. A strategy given as an object (it may be any Strategy, one that reads the account
 * included) runs bar by bar through the same kernel.
 */
function run(
  frame: PriceFrame,
  strategy: Strategy | null,
  close: Float64Array[],
  open: Float64Array[] | null,
  opts: ResolvedBacktestOptions,
  spec: StrategySpec | null,
): RunResult & { rec: FullRecord } {
  const n = frame.length;
  const L = close.length;
  const times = frame.times;
  const rec = newRecord(n, L);
  let sim: Simulator;
  if (spec !== null) {
    specTargets(spec, close, times, n, rec.targets, rec);
    sim = new Simulator(null, opts, L);
    runAccount(sim, times, rows(close, n), open === null ? null : rows(open, n), rec.targets, n, rec);
  } else sim = simulate(strategy!, close, open, times, opts, rec);
  return { ...runResult(sim, rec, times), rec };
}

/** Any strategy through the Simulator bar by bar, recording its per-bar state. */
function simulate(
  strategy: Strategy,
  close: Float64Array[],
  open: Float64Array[] | null,
  times: Float64Array,
  opts: ResolvedBacktestOptions,
  rec: FullRecord,
): Simulator {
  const n = times.length;
  const L = close.length;
  const sim = new Simulator(strategy, opts);
  sim.record = rec;
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
  }
  sim.markOpenTrade();
  return sim;
}
