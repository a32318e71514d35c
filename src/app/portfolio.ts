/**
 * `kalrev portfolio` from a run spec: the universe read once, the book's sleeves planned (fixed
 * pairs, or the best K selected walk-forward on each training window), run in one account, and
 * written to an output folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { PriceFrame } from '../data/frame.js';
import type { SessionFilterReport } from '../data/sessions.js';
import type { Repair } from '../data/repair.js';
import { PortfolioError, runBook, type BookResult, type SleevePlan } from '../backtest/portfolio.js';
import type { Executor, ProgressCallback } from '../scan/executor.js';
import { sleevePlans, walkForwardSelection, type SelectionPeriod } from '../scan/selection.js';
import { olsBeta, spreadVolatility } from '../stats/spread.js';
import { inverseVolWeights } from '../execution/book.js';
import { metricsJson } from '../report/writers.js';
import { bookEquityCsv, renderPortfolioReport, selectionCsv, sleevesCsv } from '../report/portfolio.js';
import type { BenchmarkSeries } from '../report/tearSheet.js';
import { benchmarkOnBars } from './benchmark.js';
import { loadScanRun } from './scan.js';
import { ConfigError, runJson, type RunSpec, type RunSpecLayers } from './spec.js';
import { flagOf } from './flags.js';
import { portfolioSchema, type PortfolioSpec, type PortfolioSpecInput } from './portfolioSpec.js';
import { bookLimits, bookWeights, selectionOptions, type PortfolioKeyName } from './book.js';
import { resolveStrategy, type StrategyInput, type StrategySpec } from '../strategy/spec.js';
import {
  resolveBacktestOptions,
  type BacktestOptions,
  type ResolvedBacktestOptions,
} from '../execution/options.js';

export { PortfolioError };

/** A finished portfolio run: its data, resolved spec, selection and book. */
export interface PortfolioRun {
  frame: PriceFrame;
  repairs: Repair[];
  /** What `session: 'rth'` kept (absent: every bar was kept). */
  sessions?: SessionFilterReport;
  spec: RunSpec & { data: string; portfolio: PortfolioSpec };
  /** The selection per rebalance period (null for fixed pairs). */
  periods: SelectionPeriod[] | null;
  book: BookResult;
}

/** A key as the library names it: its path in the run spec. */
const keyPath: PortfolioKeyName = (key) => `portfolio.${key}`;

/** A key as a command line names it: the flag that set it, else its path in the config file. */
function keyOf(layers: RunSpecLayers): PortfolioKeyName {
  const at = layers.source ? `${layers.source}: ` : '';
  return (key) => {
    const flag = flagOf(`portfolio.${key}`);
    const fromFlags = layers.flags?.portfolio !== undefined && key in layers.flags.portfolio;
    return flag !== undefined && (fromFlags || layers.file?.portfolio?.[key] === undefined)
      ? flag
      : `${at}portfolio.${key}`;
  };
}

/** The first bar from which both legs have a price on every bar to `to`, or −1. */
function firstPriced(frame: PriceFrame, y: string, x: string): number {
  const a = frame.get(y, 'close');
  const b = frame.get(x, 'close');
  let first = -1;
  for (let t = 0; t < frame.length; t++) {
    if (a[t] > 0 && b[t] > 0) {
      if (first < 0) first = t;
    } else if (first >= 0) break;
  }
  return first;
}

/** The sleeves of a book of fixed pairs: each from its legs' first common bar (after a training window for inverse-vol weights). */
function fixedPlans(
  frame: PriceFrame,
  strategy: StrategySpec,
  p: PortfolioSpec,
  where: PortfolioKeyName,
): SleevePlan[] {
  const pairs = p.pairs!;
  const weights = bookWeights(p, pairs.length, where);
  const n = frame.length;
  const seen = new Set<string>();
  return pairs.map(([y, x], i) => {
    for (const s of [y, x])
      if (!frame.symbols.includes(s))
        throw new ConfigError(
          `${where('pairs')}: ${s} (pair ${y},${x}) is not in the data; it has ${frame.symbols.length} symbols`,
        );
    const key = `${y},${x}`;
    if (seen.has(key)) throw new ConfigError(`${where('pairs')}: ${key} is given twice`);
    seen.add(key);
    const first = firstPriced(frame, y, x);
    if (first < 0) throw new ConfigError(`${where('pairs')}: ${y} and ${x} have no bar priced together`);
    const inverse = p.allocation === 'inverse-vol';
    const start = inverse ? first + p.train : first;
    if (start >= n)
      throw new ConfigError(
        `${where('train')}: ${y},${x} has ${n - first} bars together, not enough for a ${p.train}-bar window before it trades`,
      );
    let weight = weights[i];
    if (inverse) {
      const yc = frame.get(y, 'close');
      const xc = frame.get(x, 'close');
      const beta = olsBeta(yc.subarray(first, start), xc.subarray(first, start), p.train);
      const vol = spreadVolatility(yc, xc, beta, first, start);
      if (!(vol > 0 && vol < Infinity))
        throw new ConfigError(
          `${where('allocation')}: inverse-vol needs the spread of ${y},${x} to move over its ${p.train}-bar window (${frame.date(first)} … ${frame.date(start - 1)}); its volatility is ${vol}`,
        );
      weight = vol; // its weight once inverseVol has weighed it against the others
    }
    return { y, x, strategy, warmFrom: first, start, stop: n, onStop: p.onLeave, weight };
  });
}

/**
 * Inverse-vol weights of fixed pairs (each plan's weight holds its spread's volatility): normalised
 * among the pairs funded together, which take their count's share of the book, so no weight
 * reads a volatility measured after its sleeve starts.
 */
function inverseVol(plans: SleevePlan[]): SleevePlan[] {
  const weights = new Map<SleevePlan, number>();
  for (const start of new Set(plans.map((p) => p.start))) {
    const group = plans.filter((p) => p.start === start);
    const w = inverseVolWeights(
      group.map((p) => p.weight),
      plans.length,
    );
    group.forEach((p, i) => weights.set(p, w[i]));
  }
  return plans.map((p) => ({ ...p, weight: weights.get(p)! }));
}

/** What {@link portfolio} runs: the strategy of every sleeve, the execution, and the book. */
export interface PortfolioInput {
  /** Every sleeve's strategy (a preset name, a preset with changes, or a spec); default `'kalman-pair'`. */
  strategy?: StrategyInput | string;
  /** Execution, costs, returns basis and the book's capital, as `backtest()` takes them. */
  options?: BacktestOptions;
  /** The book: fixed `pairs` or the best `top` K of each window, funding and limits (the run spec's `portfolio` section). */
  portfolio: PortfolioSpecInput;
  /** Where the walk-forward selection's scans run (default: this thread). */
  executor?: Executor;
  onProgress?: ProgressCallback;
}

/** What {@link portfolio} returns: the book, and its selection per rebalance period (null for fixed pairs). */
export interface PortfolioResult {
  book: BookResult;
  periods: SelectionPeriod[] | null;
}

/**
 * A book of pairs over a universe: fixed pairs, or the best K pairs of each training window
 * selected walk-forward, each a sleeve of one account funded from its cash (docs/portfolio.md).
 * @example
 * const { book } = await portfolio(frame, { portfolio: { top: 10, rebalance: 63, train: 252 } });
 * @throws ConfigError naming the option at fault, PortfolioError, ScanError.
 */
export async function portfolio(frame: PriceFrame, input: PortfolioInput): Promise<PortfolioResult> {
  const parsed = portfolioSchema.safeParse(input.portfolio);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`portfolio.${issue.path.map(String).join('.')}: ${issue.message}`);
  }
  const strategy = resolveStrategy((input.strategy ?? 'kalman-pair') as StrategyInput);
  const options = resolveBacktestOptions(input.options ?? {});
  return runPortfolio(frame, strategy, options, parsed.data, keyPath, input.executor, input.onProgress);
}

/** The book of a resolved spec over `frame`. */
async function runPortfolio(
  frame: PriceFrame,
  strategy: StrategySpec,
  options: ResolvedBacktestOptions,
  p: PortfolioSpec,
  where: PortfolioKeyName,
  executor?: Executor,
  onProgress?: ProgressCallback,
): Promise<PortfolioResult> {
  if ((p.pairs === undefined) === (p.top === undefined))
    throw new ConfigError(
      `${where('pairs')} or ${where('top')}: a book holds either fixed pairs or the best K of each window; give one`,
    );
  let periods: SelectionPeriod[] | null = null;
  let plans: SleevePlan[];
  if (p.pairs !== undefined) {
    plans = fixedPlans(frame, strategy, p, where);
    if (p.allocation === 'inverse-vol') plans = inverseVol(plans);
  } else {
    if (p.allocation === 'fixed')
      throw new ConfigError(`${where('allocation')}: fixed weights go with fixed pairs (${where('pairs')})`);
    const S = frame.symbols.length;
    const possible = (S * (S - 1)) / 2;
    if (p.top! > possible)
      throw new ConfigError(
        `${where('top')}: top:${p.top} is more than the ${possible} pairs ${S} symbols can form`,
      );
    const selection = selectionOptions(p);
    if (p.train >= frame.length)
      throw new ConfigError(`${where('train')}: ${p.train} bars, but the data has ${frame.length}`);
    periods = await walkForwardSelection(
      { frame, strategy, options, selection, ...(executor ? { executor } : {}) },
      onProgress ? (done, total) => onProgress(done, total) : undefined,
    );
    plans = sleevePlans(periods, strategy, selection, frame.length);
    if (plans.length === 0)
      throw new PortfolioError(
        `no pair passed the screens in any of the ${periods.length} windows (false discovery rate ${p.fdr}); loosen ${where('fdr')} or ${where('halfLife')}, or give more data`,
      );
  }
  const limits = bookLimits(p);
  const book = runBook(frame, plans, options, {
    limits,
    ...(periods !== null && periods.length > 0 ? { from: periods[0].start } : {}),
  });
  return { book, periods };
}

/**
 * Reads the data the spec names, plans the sleeves and runs the book. Walk-forward selection
 * runs on `executor` (default: this thread).
 * @throws ConfigError naming the flag or key at fault, PortfolioError, ScanError.
 */
export async function portfolioRun(
  layers: RunSpecLayers,
  executor?: Executor,
  onProgress?: ProgressCallback,
): Promise<PortfolioRun> {
  const { frame, repairs, spec, sessions } = await loadScanRun(layers, 'portfolio');
  const p = spec.portfolio;
  const where = keyOf(layers);
  checkBenchmark(spec, frame);
  if (p === undefined)
    throw new ConfigError(
      `${where('pairs')} or ${where('top')}: a book holds either fixed pairs or the best K of each window; give one`,
    );
  if (spec.symbols.length > 0)
    throw new ConfigError(
      'symbols: a portfolio reads the whole universe; name its pairs with --pairs or select them',
    );
  const { book, periods } = await runPortfolio(
    frame,
    spec.strategy,
    spec.options,
    p,
    where,
    executor,
    onProgress,
  );
  return {
    frame,
    repairs,
    spec: { ...spec, portfolio: p },
    periods,
    book,
    ...(sessions ? { sessions } : {}),
  };
}

/** Refuses a `--benchmark` the universe does not hold, naming the flag (before the book runs). */
function checkBenchmark(spec: RunSpec, frame: PriceFrame): void {
  const symbol = spec.report?.benchmark;
  if (symbol !== undefined && !frame.symbols.includes(symbol))
    throw new ConfigError(
      `${flagOf('report.benchmark')} ${symbol}: ${spec.data} has no symbol ${JSON.stringify(symbol)}`,
    );
}

/**
 * The tear sheet's options of a book: its benchmark (a symbol of the universe) on the book's
 * bars, and its rolling window.
 * @throws ConfigError naming `--benchmark` when the universe has no such symbol.
 */
function bookReportOptions(r: PortfolioRun): { benchmark?: BenchmarkSeries; rollingWindow?: number } {
  const symbol = r.spec.report?.benchmark;
  const window = r.spec.report?.rollingWindow;
  checkBenchmark(r.spec, r.frame);
  return {
    ...(symbol !== undefined
      ? {
          benchmark: benchmarkOnBars(
            { symbol, times: r.frame.times, close: r.frame.get(symbol, 'close') },
            r.book.times,
          ),
        }
      : {}),
    ...(window !== undefined ? { rollingWindow: window } : {}),
  };
}

/** The files of a portfolio run's output folder, written there. */
export function writePortfolioFolder(dir: string, r: PortfolioRun, version: string): string[] {
  mkdirSync(dir, { recursive: true });
  const config = runJson(r.spec, dir, version);
  const files: [string, string][] = [
    ['metrics.json', metricsJson(r.book.metrics, r.book)],
    ['equity.csv', bookEquityCsv(r.book)],
    ['sleeves.csv', sleevesCsv(r.book, r.frame)],
    ['run.json', JSON.stringify(config, null, 2) + '\n'],
  ];
  if (r.periods !== null) files.push(['selection.csv', selectionCsv(r.periods, r.frame)]);
  files.push([
    'report.html',
    renderPortfolioReport({
      book: r.book,
      frame: r.frame,
      config,
      periods: r.periods,
      dataLabel: relative(process.cwd(), r.spec.data) || r.spec.data,
      ...bookReportOptions(r),
    }),
  ]);
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}
