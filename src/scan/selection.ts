/**
 * Walk-forward pair selection for a book: at every rebalance, screen the universe's pairs on
 * the trailing training window only (history, price, correlation, Engle-Granger with a
 * Benjamini-Hochberg false-discovery control across every pair tested, half-life), backtest the
 * survivors in sample, and hold the best K. Nothing at or after the rebalance bar is read, so a
 * selection never looks ahead. Each rebalance is a scan of the window, so it runs on the
 * scan's executor (threads or the job queue).
 */
import type { PriceFrame } from '../data/frame.js';
import type { Metrics } from '../execution/metrics.js';
import type { ResolvedBacktestOptions } from '../execution/options.js';
import { benjaminiHochberg } from '../stats/multipleTesting.js';
import { spreadVolatility } from '../stats/spread.js';
import { inverseVolWeights } from '../execution/book.js';
import type { StrategySpec } from '../strategy/spec.js';
import type { LeavePolicy, SleevePlan } from '../backtest/portfolio.js';
import { ScanError } from './errors.js';
import type { Executor, ProgressCallback } from './executor.js';
import { ASCENDING_METRICS, scanPairs, type PairResult } from './scan.js';

/** How sleeves are funded: equally, by inverse spread volatility (risk parity), or by fixed weights. */
export type Allocation = 'equal' | 'inverse-vol' | 'fixed';

/** The screens and ranking of a walk-forward selection. */
export interface SelectionOptions {
  /** Pairs held at once (K). */
  top: number;
  /** Bars between rebalances. */
  rebalance: number;
  /** Bars of the trailing training window each selection (and each new sleeve's warm-up) sees. */
  train: number;
  /** False discovery rate for the Engle-Granger tests across the pairs tested (default 0.05). */
  fdr?: number;
  /** Also require the raw Engle-Granger p-value at most this (default: no raw threshold). */
  maxPValue?: number;
  /** Half-life bounds of the OLS spread over the window, in bars (default [1, train / 2]). */
  halfLife?: [number, number];
  /** Minimum correlation of the legs' daily returns over the window. */
  minCorrelation?: number;
  /** Minimum close of either leg over the window. */
  minPrice?: number;
  /** In-sample metric to rank survivors by (default `'sharpe'`). */
  rankBy?: keyof Metrics;
  /**
   * The worst in-sample value of the ranking metric a pair may be held with (default 0 for a
   * metric where larger is better, none for drawdown, volatility and turnover): a pair that
   * lost money in its window is not held however few others pass.
   */
  minScore?: number;
  /** How a pair that leaves the selection while in a position ends: at once, or at its exit (default). */
  onLeave?: LeavePolicy;
  allocation?: Exclude<Allocation, 'fixed'>;
}

/** A pair held in a period, with the figures it was selected on. */
export interface PairPick {
  y: string;
  x: string;
  pvalue: number;
  qvalue: number;
  halfLife: number;
  correlation: number;
  /** The in-sample value of the ranking metric. */
  score: number;
  /** Volatility of the hedged spread's daily returns over the window (for inverse-vol weights). */
  volatility: number;
}

/** One rebalance period: bars [start, end) of the frame, what was tested and what was held. */
export interface SelectionPeriod {
  start: number;
  end: number;
  /** Symbols with a close on every bar of the training window. */
  eligible: number;
  /** Pairs given an Engle-Granger test, and those that passed every screen. */
  tested: number;
  survivors: number;
  pairs: PairPick[];
}

/** Symbols priced (a positive close) on every bar of [from, to). */
export function eligibleSymbols(frame: PriceFrame, from: number, to: number): string[] {
  return frame.symbols.filter((s) => {
    if (!frame.has(s, 'close')) return false;
    const c = frame.get(s, 'close');
    for (let t = from; t < to; t++) if (!(c[t] > 0)) return false;
    return true;
  });
}

/** The rebalance bars of a frame of `n` bars: the first after a full training window, then every `rebalance`. */
export function rebalanceBars(n: number, train: number, rebalance: number): number[] {
  const out: number[] = [];
  for (let s = train; s < n; s += rebalance) out.push(s);
  return out;
}

/** Checks the selection's numbers; names the option at fault. */
export function checkSelection(sel: SelectionOptions, n: number): void {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min)
      throw new ScanError(`${name} must be a whole number ≥ ${min}, got ${v}`);
  };
  int(sel.top, 'top (K, the pairs held)', 1);
  int(sel.rebalance, 'rebalance', 1);
  int(sel.train, 'train', 20);
  if (sel.train >= n)
    throw new ScanError(`train is ${sel.train} bars but the data has ${n}: no bar is left to trade`);
  if (sel.fdr !== undefined && !(sel.fdr > 0 && sel.fdr <= 1))
    throw new ScanError(`fdr must be in (0, 1], got ${sel.fdr}`);
  if (sel.maxPValue !== undefined && !(sel.maxPValue > 0 && sel.maxPValue <= 1))
    throw new ScanError(`max p-value must be in (0, 1], got ${sel.maxPValue}`);
  if (sel.halfLife !== undefined && !(sel.halfLife[0] >= 0 && sel.halfLife[1] >= sel.halfLife[0]))
    throw new ScanError(`half-life bounds must be 0 ≤ min ≤ max, got ${sel.halfLife.join(', ')}`);
}

/** What one rebalance's selection takes. */
export interface SelectAt {
  frame: PriceFrame;
  /** The rebalance bar: the window is [at − train, at). */
  at: number;
  strategy: StrategySpec;
  options: ResolvedBacktestOptions;
  selection: SelectionOptions;
  executor?: Executor;
  onProgress?: ProgressCallback;
}

/** The best K pairs at one rebalance, from the training window before it. */
export async function selectPairs(a: SelectAt): Promise<Omit<SelectionPeriod, 'end'>> {
  const { frame, at, selection: sel } = a;
  const from = at - sel.train;
  const eligible = eligibleSymbols(frame, from, at);
  const empty = { start: at, eligible: eligible.length, tested: 0, survivors: 0, pairs: [] };
  if (eligible.length < 2) return empty;
  const window = frame.slice(from, at);
  const scan = await scanPairs(window, {
    strategy: a.strategy,
    backtest: a.options,
    symbols: eligible,
    minBars: sel.train,
    rankBy: sel.rankBy ?? 'sharpe',
    // every pair that reaches the test gets its p-value, and the FDR is taken over all of them;
    // one above the rate can pass no step-up threshold, so only the others go on to a backtest
    screens: {
      maxPValue: Math.min(sel.fdr ?? 0.05, sel.maxPValue ?? 1),
      halfLife: sel.halfLife ?? [1, sel.train / 2],
      ...(sel.minCorrelation !== undefined ? { minCorrelation: sel.minCorrelation } : {}),
      ...(sel.minPrice !== undefined ? { minPrice: sel.minPrice } : {}),
    },
    ...(a.executor ? { executor: a.executor } : {}),
    ...(a.onProgress ? { onProgress: a.onProgress } : {}),
  });
  const tested: PairResult[] = scan.pairs.filter((p) => !Number.isNaN(p.pvalue));
  const q = benjaminiHochberg(tested.map((p) => p.pvalue));
  const qOf = new Map<PairResult, number>();
  tested.forEach((p, i) => qOf.set(p, q[i]));
  const fdr = sel.fdr ?? 0.05;
  const maxP = sel.maxPValue ?? 1;
  const rankBy = sel.rankBy ?? 'sharpe';
  // scan.ranked is best first, ruined pairs last; a ruined pair is never held
  const scoreOk = ASCENDING_METRICS.has(rankBy)
    ? (v: number) => v <= (sel.minScore ?? Infinity)
    : (v: number) => v >= (sel.minScore ?? 0);
  const survivors = scan.ranked.filter(
    (p) =>
      scoreOk(p.metrics![rankBy]) &&
      p.status === 'ok' &&
      !p.ruined &&
      qOf.get(p)! <= fdr &&
      p.pvalue <= maxP &&
      Number.isFinite(p.metrics![rankBy]),
  );
  const pairs = survivors.slice(0, sel.top).map((p) => ({
    y: p.y,
    x: p.x,
    pvalue: p.pvalue,
    qvalue: qOf.get(p)!,
    halfLife: p.halfLife,
    correlation: p.correlation,
    score: p.metrics![rankBy],
    volatility: spreadVolatility(frame.get(p.y, 'close'), frame.get(p.x, 'close'), p.olsBeta, from, at),
  }));
  return { ...empty, tested: tested.length, survivors: survivors.length, pairs };
}

/** The walk-forward selection over a whole frame: one period per rebalance bar. */
export async function walkForwardSelection(
  a: Omit<SelectAt, 'at'>,
  onPeriod?: (done: number, total: number) => void,
): Promise<SelectionPeriod[]> {
  const n = a.frame.length;
  checkSelection(a.selection, n);
  const bars = rebalanceBars(n, a.selection.train, a.selection.rebalance);
  const out: SelectionPeriod[] = [];
  for (let i = 0; i < bars.length; i++) {
    const p = await selectPairs({ ...a, at: bars[i] });
    out.push({ ...p, end: i + 1 < bars.length ? bars[i + 1] : n });
    onPeriod?.(i + 1, bars.length);
  }
  return out;
}

/** Weights of the pairs held together: 1/K each, or inversely to their spread volatility (see {@link inverseVolWeights}). */
export function allocationWeights(
  pairs: readonly PairPick[],
  k: number,
  allocation: Exclude<Allocation, 'fixed'>,
): number[] {
  if (allocation === 'equal') return pairs.map(() => 1 / k);
  const vols = pairs.map((p) => p.volatility);
  // a spread that never moved over its window has no risk to weigh: every pair then equally
  if (vols.some((v) => !(v > 0 && v < Infinity))) return pairs.map(() => 1 / k);
  return inverseVolWeights(vols, k);
}

/**
 * The sleeves of a walk-forward book: a pair selected in consecutive periods is one sleeve (it
 * keeps its position and its filter); a new pair warms up on the training window before its
 * period and is funded by its weight at the period's start; a pair that leaves stops there.
 */
export function sleevePlans(
  periods: readonly SelectionPeriod[],
  strategy: StrategySpec,
  sel: SelectionOptions,
  n: number,
): SleevePlan[] {
  const plans: SleevePlan[] = [];
  const open = new Map<string, SleevePlan>();
  for (const period of periods) {
    const held = new Set(period.pairs.map((p) => `${p.y}\u0000${p.x}`));
    for (const [key, plan] of open)
      if (!held.has(key)) {
        plan.stop = period.start;
        open.delete(key);
      }
    const weights = allocationWeights(period.pairs, sel.top, sel.allocation ?? 'equal');
    period.pairs.forEach((p, i) => {
      const key = `${p.y}\u0000${p.x}`;
      if (open.has(key)) return;
      const plan: SleevePlan = {
        y: p.y,
        x: p.x,
        strategy,
        warmFrom: period.start - sel.train,
        start: period.start,
        stop: n,
        onStop: sel.onLeave ?? 'exit',
        weight: weights[i],
      };
      plans.push(plan);
      open.set(key, plan);
    });
  }
  return plans;
}
