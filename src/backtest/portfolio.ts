/**
 * A book of pair sleeves in one account: each sleeve is one pair's strategy, funded from the
 * book's cash when it starts and accounted by the one accounting kernel exactly as a single
 * backtest of that pair at the sleeve's capital; the book's equity is its free cash plus its
 * sleeves' equity, and its metrics come from the book's series through the one finish step.
 *
 * A sleeve trades on its own capital: one that loses all of it is ruined and stops (the
 * kernel's rule), and the others go on. The book is ruined when its equity reaches zero: it
 * then trades no more and its metrics say so.
 */
import type { PriceFrame } from '../data/frame.js';
import { KalrevError } from '../errors.js';
import {
  accumulateBars,
  closeTrade,
  finishMetrics,
  METRIC_NAMES,
  metricsOf,
  newAccumulator,
  openTrade,
  type Metrics,
} from '../execution/metrics.js';
import type { ResolvedBacktestOptions } from '../execution/options.js';
import { newRecord, recordFrom, runResult, type FullRecord, type RunResult } from '../execution/result.js';
import { runAccount, Simulator } from '../execution/simulator.js';
import type { Trade } from '../execution/ledger.js';
import { atCapital, legsOf, warmupBars, type StrategySpec } from '../strategy/spec.js';
import { bookReturn, sleeveCapitals } from '../execution/book.js';
import { specTargets } from './targets.js';
import { rows } from './engine.js';
import { BookCapacity, hasLimits, limitsProblem, type BookLimits } from './bookLimits.js';

export type { BookLimits } from './bookLimits.js';

/** A book cannot be run as asked (bad sleeves, weights or data); names what is wrong. */
export class PortfolioError extends KalrevError {
  override name = 'PortfolioError';
}

/** What a sleeve does when it leaves the selection while in a position. */
export type LeavePolicy = 'close' | 'exit';

/** One sleeve of a book: a pair, its strategy, when it warms up, trades and stops, and its share of the book. */
export interface SleevePlan {
  /** The dependent leg and the hedge leg. */
  y: string;
  x: string;
  strategy: StrategySpec;
  /** First bar the strategy sees (its filter warms up from here; no trading before `start`). */
  warmFrom: number;
  /** First bar it may trade: it is funded at the previous close (the book's capital at bar 0). */
  start: number;
  /** First bar it opens nothing new: with `'close'` its targets are flat from here; with `'exit'` it keeps its position until its rule changes it. `n`: never. */
  stop: number;
  onStop: LeavePolicy;
  /** Share of the book's equity it is funded with (the weights of the sleeves starting together sum to at most 1). */
  weight: number;
}

/** Options of a book beyond its sleeves. */
export interface BookOptions {
  /** Limits on exposure and open pairs (none by default). */
  limits?: BookLimits;
  /** The bar the book's series start at (default: its first sleeve's start): a walk-forward book starts at its first selection, held in cash until a pair passes. */
  from?: number;
}

/** A sleeve after the run. */
export interface SleeveResult {
  y: string;
  x: string;
  /** Bars of the frame: trading start, stop, and the last bar it was accounted (inclusive). */
  start: number;
  stop: number;
  last: number;
  weight: number;
  /** The cash it was funded with, and its equity at its last bar. */
  capital: number;
  finalEquity: number;
  /** Its P&L (final equity − capital): its contribution to the book. */
  pnl: number;
  /** Bars it ended with a position. */
  barsHeld: number;
  /** Its entries the book's limits scaled down or refused. */
  limited: number;
  trades: Trade[];
  ruined: boolean;
  /** The full single-pair result over bars [start, last] (index 0 = bar `start`). */
  run: RunResult;
}

/** What {@link runBook} returns: the book's series from its first trading bar, its metrics and its sleeves. */
export interface BookResult {
  /** First bar of the frame the book's series start at. */
  from: number;
  times: Float64Array;
  equity: Float64Array;
  returns: Float64Array;
  grossExposure: Float64Array;
  netExposure: Float64Array;
  tradedNotional: Float64Array;
  /** Cash not funded to any sleeve. */
  freeCash: Float64Array;
  /** Sleeves holding a position at each close. */
  openSleeves: Float64Array;
  metrics: Metrics;
  ruined: boolean;
  /** Bar (of the frame) and time the book was ruined at (−1 / NaN when it was not). */
  ruinBar: number;
  ruinTime: number;
  sleeves: SleeveResult[];
  options: ResolvedBacktestOptions;
}

/** The bar after `from` where either column is not a positive price (or n). */
function pricedUntil(a: Float64Array, b: Float64Array, from: number, n: number): number {
  for (let t = from; t < n; t++)
    if (!(a[t] > 0 && b[t] > 0) || a[t] === Infinity || b[t] === Infinity) return t;
  return n;
}

/** A sleeve's targets and signal before its accounting. */
interface SleeveSignal {
  plan: SleevePlan;
  capital: number;
  /** Bars of its signal (from `warmFrom`) and of its accounting (from `start`). */
  m: number;
  k: number;
  sig: FullRecord;
  /** Its targets from `start` (row-major, 2 a bar): what the accounting fills. */
  targets: Float64Array;
}

/**
 * A sleeve funded with `capital`: the strategy's targets over its bars from `warmFrom` to `end`,
 * flat before `start` and from `stop` as its leave policy says.
 */
function sleeveSignal(frame: PriceFrame, plan: SleevePlan, capital: number, end: number): SleeveSignal {
  const { warmFrom, start } = plan;
  const spec = atCapital(plan.strategy, capital);
  const m = end - warmFrom;
  const yc = frame.get(plan.y, 'close').subarray(warmFrom, end);
  const xc = frame.get(plan.x, 'close').subarray(warmFrom, end);
  const times = frame.times.subarray(warmFrom, end);
  const sig = newRecord(m, 2);
  specTargets(spec, [yc, xc], times, m, sig.targets, sig);
  const a = start - warmFrom;
  const tg = sig.targets;
  tg.fill(0, 0, 2 * a);
  const s = plan.stop - warmFrom;
  if (s < m) {
    if (plan.onStop === 'close') tg.fill(0, 2 * s);
    else {
      // keep the position held at the stop until the rule changes it; flat from then on
      const units = sig.units;
      const held = s > 0 ? units[s - 1] : 0;
      let t = s;
      while (t < m && held !== 0 && units[t] === held) t++;
      tg.fill(0, 2 * t);
    }
  }
  return { plan, capital, m, k: m - a, sig, targets: tg.subarray(2 * a) };
}

/**
 * The accounting kernel over a sleeve's bars from `start` at its capital: exactly `backtest()`
 * of the same bars when the sleeve trades from its first bar and never stops.
 */
function accountSleeve(
  frame: PriceFrame,
  ss: SleeveSignal,
  opts: ResolvedBacktestOptions,
): RunResult & { traded: Float64Array } {
  const { plan, k, capital } = ss;
  const start = plan.start;
  // the legs' prices over the sleeve's bars, row-major as the kernel reads them
  const legs = (col: 'close' | 'open') =>
    rows(
      [frame.get(plan.y, col).subarray(start, start + k), frame.get(plan.x, col).subarray(start, start + k)],
      k,
    );
  const times = frame.times.subarray(start, start + k);
  // the account's series are the signal record's from its first traded bar: one block a sleeve
  const rec = recordFrom(ss.sig, ss.m - k, 2);
  const sim = new Simulator(null, { ...opts, capital }, 2);
  const open = opts.execution === 'next-open' ? legs('open') : null;
  runAccount(sim, times, legs('close'), open, ss.targets, k, rec);
  const run = runResult(sim, rec, times) as RunResult & { traded: Float64Array };
  run.traded = rec.tradedNotional;
  return run;
}

/** Checks the plans against the frame before anything runs. */
function checkPlans(frame: PriceFrame, plans: readonly SleevePlan[]): void {
  const n = frame.length;
  plans.forEach((p, i) => {
    const where = `sleeve ${i + 1} (${p.y}/${p.x})`;
    for (const s of [p.y, p.x])
      if (!frame.has(s, 'close'))
        throw new PortfolioError(`${where}: ${s} is not in the data (${frame.source})`);
    if (p.y === p.x) throw new PortfolioError(`${where}: a pair needs two different symbols`);
    if (legsOf(p.strategy) !== 2)
      throw new PortfolioError(
        `${where}: a sleeve's strategy trades a pair (2 legs), this one ${legsOf(p.strategy)}`,
      );
    if (!(p.warmFrom >= 0 && p.warmFrom <= p.start && p.start < n && p.stop > p.start && p.stop <= n))
      throw new PortfolioError(
        `${where}: bars out of order (warm-up from ${p.warmFrom}, start ${p.start}, stop ${p.stop}, data ${n} bars)`,
      );
    if (!(p.weight > 0 && p.weight <= 1))
      throw new PortfolioError(`${where}: weight must be in (0, 1], got ${p.weight}`);
    const need = warmupBars(p.strategy);
    const yc = frame.get(p.y, 'close');
    const xc = frame.get(p.x, 'close');
    if (pricedUntil(yc, xc, p.warmFrom, p.start + 1) <= p.start)
      throw new PortfolioError(
        `${where}: both legs need a price on every bar from ${frame.date(p.warmFrom)} to ${frame.date(p.start)} (warm-up and first bar)`,
      );
    if (need >= n - p.warmFrom)
      throw new PortfolioError(
        `${where}: the strategy needs ${need} bars before its first signal; the data has ${n - p.warmFrom} from its warm-up`,
      );
  });
}

/**
 * Adds a sleeve's series from book bar `o` to the book's sums (its own function: a loop over
 * typed arrays that stays optimised whatever the objects around it).
 */
function addSleeve(
  run: RunResult & { traded: Float64Array },
  o: number,
  sleeveEquity: Float64Array,
  gross: Float64Array,
  net: Float64Array,
  traded: Float64Array,
  openSleeves: Float64Array,
): void {
  const q = run.equity;
  const len = q.length;
  const g = run.grossExposure;
  const v = run.netExposure;
  const d = run.traded;
  const pos = run.positions;
  for (let t = 0; t < len; t++) {
    sleeveEquity[o + t] += q[t];
    gross[o + t] += g[t];
    net[o + t] += v[t];
    traded[o + t] += d[t];
    if (pos[2 * t] !== 0 || pos[2 * t + 1] !== 0) openSleeves[o + t]++;
  }
  // after its data ends a sleeve holds its equity at its last close
  const last = q[len - 1];
  for (let t = o + len; t < sleeveEquity.length; t++) sleeveEquity[t] += last;
}

/** Whether a sleeve ends bar j flat with nothing to fill next. */
function isFlat(run: RunResult, j: number): boolean {
  const p = run.positions;
  const g = run.targets;
  return p[2 * j] === 0 && p[2 * j + 1] === 0 && g[2 * j] === 0 && g[2 * j + 1] === 0;
}

/**
 * Runs a book. Sleeves are funded in the order they start: each with `weight` × the book's
 * equity at the previous close (the capital before the first bar), the sleeves starting
 * together scaled down to the free cash when they would take more. A sleeve is accounted until
 * its legs' data ends (after that it holds its last equity); one that has stopped and is flat
 * gives its equity back to the free cash at the next funding. With `limits`, each sleeve's
 * targets are fitted into what the sleeves funded before it leave (bookLimits.ts), against the
 * book's equity at its funding.
 */
export function runBook(
  frame: PriceFrame,
  plans: readonly SleevePlan[],
  opts: ResolvedBacktestOptions,
  book: BookOptions = {},
): BookResult {
  const limits = book.limits;
  if (plans.length === 0) throw new PortfolioError('a book needs at least one sleeve');
  checkPlans(frame, plans);
  const problem = limits ? limitsProblem(limits) : null;
  if (problem !== null) throw new PortfolioError(`limits: ${problem}`);
  const n = frame.length;
  const order = plans.map((_, i) => i).sort((a, b) => plans[a].start - plans[b].start || a - b);
  const from = Math.min(book.from ?? Infinity, plans[order[0]].start);
  if (!(from >= 0)) throw new PortfolioError(`from must be a bar of the data, got ${book.from}`);
  const m = n - from;
  const sleeveEquity = new Float64Array(m);
  const gross = new Float64Array(m);
  const net = new Float64Array(m);
  const traded = new Float64Array(m);
  const free = new Float64Array(m).fill(opts.capital);
  const openSleeves = new Float64Array(m);
  const runs: (RunResult | null)[] = plans.map(() => null);
  const capitals = new Float64Array(plans.length);
  const released = new Uint8Array(plans.length);
  let freeNow = opts.capital;
  const capacity = hasLimits(limits) ? new BookCapacity(frame, from, limits) : null;
  const limitedBy = new Float64Array(plans.length);
  let i = 0;
  while (i < order.length) {
    const s = plans[order[i]].start;
    const group: number[] = [];
    while (i < order.length && plans[order[i]].start === s) group.push(order[i++]);
    const b = s - from;
    // the book's equity at the previous close: every sleeve that traded then has run
    const bookEquity = b === 0 ? opts.capital : free[b - 1] + sleeveEquity[b - 1];
    for (let k = 0; k < plans.length; k++) {
      const r = runs[k];
      if (r === null || released[k] || plans[k].stop > s) continue;
      const o = plans[k].start - from;
      const q = r.equity;
      const j = Math.min(b - 1 - o, q.length - 1);
      if (j === q.length - 1 || isFlat(r, j)) {
        // flat for good (its targets stay flat after its stop): its cash back to the book
        released[k] = 1;
        freeNow += q[j];
        for (let t = b; t < m; t++) sleeveEquity[t] -= q[j];
      }
    }
    const funds = sleeveCapitals(
      group.map((k) => plans[k].weight),
      bookEquity,
      freeNow,
    );
    const signals: { k: number; ss: SleeveSignal }[] = [];
    for (let g = 0; g < group.length; g++) {
      const k = group[g];
      const p = plans[k];
      const capital = funds[g];
      if (!(capital > 0)) continue; // a ruined book funds nothing
      const end = pricedUntil(frame.get(p.y, 'close'), frame.get(p.x, 'close'), p.start, n);
      if (end === p.start) continue; // no price on its first bar: it cannot trade
      signals.push({ k, ss: sleeveSignal(frame, p, capital, end) });
      freeNow -= capital;
    }
    if (capacity !== null) {
      const cuts = capacity.fit(
        signals.map(({ ss }) => ({
          y: ss.plan.y,
          x: ss.plan.x,
          start: ss.plan.start,
          targets: ss.targets,
          bars: ss.k,
        })),
        bookEquity,
      );
      signals.forEach(({ k }, j) => (limitedBy[k] = cuts[j]));
    }
    for (const { k, ss } of signals) {
      const p = plans[k];
      const run = accountSleeve(frame, ss, opts);
      runs[k] = run;
      capitals[k] = ss.capital;
      addSleeve(run, p.start - from, sleeveEquity, gross, net, traded, openSleeves);
    }
    free.fill(freeNow, b);
  }
  const sleeves: SleeveResult[] = [];
  for (const k of order) {
    const run = runs[k];
    if (run === null) continue;
    const p = plans[k];
    const q = run.equity;
    let barsHeld = 0;
    for (let t = 0; t < q.length; t++)
      if (run.positions[2 * t] !== 0 || run.positions[2 * t + 1] !== 0) barsHeld++;
    sleeves.push({
      y: p.y,
      x: p.x,
      start: p.start,
      stop: p.stop,
      last: p.start + q.length - 1,
      weight: p.weight,
      capital: capitals[k],
      finalEquity: q[q.length - 1],
      pnl: q[q.length - 1] - capitals[k],
      barsHeld,
      limited: limitedBy[k],
      trades: run.trades,
      ruined: run.ruined,
      run,
    });
  }
  const equity = new Float64Array(m);
  for (let t = 0; t < m; t++) equity[t] = free[t] + sleeveEquity[t];
  return finishBook(frame, from, equity, gross, net, traded, free, openSleeves, sleeves, opts);
}

/**
 * The book's returns on the chosen basis, its ruin (equity at or below zero: from that bar on
 * it trades no more, its equity held), and its metrics through the one finish step, its trades
 * being every sleeve's.
 */
function finishBook(
  frame: PriceFrame,
  from: number,
  equity: Float64Array,
  gross: Float64Array,
  net: Float64Array,
  traded: Float64Array,
  free: Float64Array,
  openSleeves: Float64Array,
  sleeves: SleeveResult[],
  opts: ResolvedBacktestOptions,
): BookResult {
  const m = equity.length;
  const returns = new Float64Array(m);
  let ruinBar = -1;
  let prevEquity = opts.capital;
  let prevGross = 0;
  for (let t = 0; t < m; t++) {
    if (ruinBar >= 0) {
      // a ruined book is over: flat from its ruin bar on
      equity[t] = equity[t - 1];
      gross[t] = 0;
      net[t] = 0;
      traded[t] = 0;
      openSleeves[t] = 0;
      returns[t] = 0;
      continue;
    }
    const pnl = equity[t] - prevEquity;
    if (equity[t] <= 0) {
      ruinBar = t;
      returns[t] = -1;
    } else returns[t] = bookReturn(pnl, prevEquity, prevGross, gross[t], opts.returns === 'gross');
    prevEquity = equity[t];
    prevGross = gross[t];
  }
  const acc = newAccumulator(opts.periodsPerYear, opts.riskFreeRate);
  accumulateBars(acc, returns, gross, traded, equity, 0, m);
  const end = ruinBar >= 0 ? from + ruinBar : Infinity;
  // closed trades fold in the order they closed (the accumulator's convention): by exit bar
  const exitBar: number[] = [];
  const pnl: number[] = [];
  for (const s of sleeves)
    for (const tr of s.trades) {
      if (s.start + tr.entryBar > end) continue;
      openTrade(acc);
      if (tr.closed && s.start + tr.exitBar <= end) {
        exitBar.push(s.start + tr.exitBar);
        pnl.push(tr.pnl);
      }
    }
  // a counting sort by exit bar (stable: sleeve order, then each sleeve's own order)
  const n = frame.length;
  const startAt = new Int32Array(n + 1);
  for (const b of exitBar) startAt[b + 1]++;
  for (let b = 0; b < n; b++) startAt[b + 1] += startAt[b];
  const order = new Int32Array(exitBar.length);
  for (let i = 0; i < exitBar.length; i++) order[startAt[exitBar[i]]++] = i;
  for (const i of order) closeTrade(acc, pnl[i]);
  const row = new Float64Array(METRIC_NAMES.length);
  finishMetrics(acc, returns, opts.periodsPerYear, ruinBar >= 0, row, 0);
  const times = frame.times.subarray(from);
  return {
    from,
    times,
    equity,
    returns,
    grossExposure: gross,
    netExposure: net,
    tradedNotional: traded,
    freeCash: free,
    openSleeves,
    metrics: metricsOf(row),
    ruined: ruinBar >= 0,
    ruinBar: ruinBar >= 0 ? from + ruinBar : -1,
    ruinTime: ruinBar >= 0 ? times[ruinBar] : NaN,
    sleeves,
    options: opts,
  };
}
