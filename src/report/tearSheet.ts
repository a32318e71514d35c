/**
 * The tear sheet: what a run's returns say about risk and about luck, shared by every page that
 * shows a run (a backtest, a paper run, a book). Its numbers come from src/stats; this module
 * lays them out as tables (every shown string escaped) and hands the charts' series to the
 * page's script (TEAR_SHEET_JS in client.ts draws them on the shared chart core).
 */
import { isoTime } from '../data/frame.js';
import { escapeHtml } from '../escape.js';
import { tradeBootstrap, type TradeBootstrap } from '../stats/bootstrap.js';
import {
  benchmarkStats,
  quantile,
  returnMoments,
  rollingStats,
  tailRisk,
  tradeStatistics,
  worstDrawdowns,
  type BenchmarkStats,
} from '../stats/performance.js';
import { deflatedSharpeRatio, probabilisticSharpeRatio } from '../stats/sharpeInference.js';
import { monthlyReturns, returnIndex, series } from './writers.js';

/** Rolling window of the tear sheet's charts when none is given: about three months of days. */
export const DEFAULT_ROLLING_WINDOW = 63;

/** A series to compare the run with, on the run's bars. */
export interface BenchmarkSeries {
  /** What it is (`SPY`, `buy-and-hold of EWC, EWA`). */
  label: string;
  /** Its return at each of the run's bars (the first is 0). */
  returns: Float64Array;
}

/** A closed or open trade as the tear sheet reads it. */
export interface TearSheetTrade {
  /** Bars of the run (not of a book's sleeve) the trade was entered and exited at. */
  entryBar: number;
  exitBar: number;
  entryTime: number;
  pnl: number;
  holdingBars: number;
  closed: boolean;
}

/** How many configurations were tried before this one was kept (a scan's pairs, a sweep's grid). */
export interface Trials {
  count: number;
  /** Variance of the trials' Sharpe ratios, per bar (annual Sharpe ratios' variance / periods per year). */
  sharpeVariance: number;
  /** Where they came from, shown with the deflated Sharpe ratio. */
  source: string;
}

/** What {@link tearSheet} is computed from. */
export interface TearSheetInput {
  /** Bar times (ms since the epoch) and the run's return at each bar. */
  times: Float64Array;
  returns: Float64Array;
  /** The account's equity at each bar: a trade's return is its P&L over the equity before its entry. */
  equity: Float64Array;
  /** The starting capital (the equity before the first bar). */
  capital: number;
  trades: readonly TearSheetTrade[];
  /**
   * A trade's return for the bootstrap: `'bars'`, the run's returns compounded over the trade's
   * bars (entry to exit, on the run's returns basis: a run holds one trade at a time);
   * `'equity'`, its P&L over the equity before its entry (a book, whose sleeves' trades overlap).
   */
  tradeBasis: 'bars' | 'equity';
  periodsPerYear: number;
  riskFreeRate: number;
  /** Rolling window in bars (default {@link DEFAULT_ROLLING_WINDOW}, at most half the bars). */
  window?: number;
  benchmark?: BenchmarkSeries | null;
  trials?: Trials | null;
  /** Seed of the trade bootstrap (default 1). */
  seed?: number;
}

/** The tear sheet as the page shows it: its sections' HTML and its charts' data. */
export interface TearSheet {
  html: string;
  data: TearSheetData;
}

/** The charts' series: on the run's time axis, except the histogram's. */
export interface TearSheetData {
  window: number;
  rollingSharpe: (number | null)[];
  rollingVolatility: (number | null)[];
  rollingBeta: (number | null)[] | null;
  benchmark: { label: string; growth: (number | null)[]; run: (number | null)[] } | null;
  /** Histogram of the returns in %: bin centres, counts, and a normal density with the same mean and std, scaled to counts. */
  histogram: { centres: number[]; counts: number[]; normal: number[]; var95: number; var99: number };
}

const esc = escapeHtml;
const pct = (v: number, d = 2) => (Number.isFinite(v) ? `${(100 * v).toFixed(d)} %` : '–');
const num = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const money = (v: number) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    : '–';
const day = (ms: number) => isoTime(ms);

/** A two-column table of labelled values; `id` lets a test find it. */
function kv(id: string, rows: [string, string, string?][]): string {
  return `<table class="kv" id="${id}"><tbody>${rows
    .map(
      ([k, v, title]) =>
        `<tr${title ? ` title="${esc(title)}"` : ''}><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function table(id: string, head: string[], rows: string[][]): string {
  return `<table class="tear" id="${id}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/**
 * The histogram of returns (in %): `bins` bins between the 0.5 % and 99.5 % quantiles, the
 * outermost bins also holding the few returns beyond them (a handful of extreme days would
 * otherwise squeeze the rest into a few bins).
 */
function histogram(r: Float64Array, mean: number, std: number, bins = 50) {
  const lo = quantile(r, 0.005);
  const hi = quantile(r, 0.995);
  const width = hi > lo ? (hi - lo) / bins : 1e-4;
  const counts = new Array<number>(bins).fill(0);
  for (const v of r) counts[Math.max(0, Math.min(bins - 1, Math.floor((v - lo) / width)))]++;
  const centres = counts.map((_, i) => lo + (i + 0.5) * width);
  const normal = centres.map((c) =>
    std > 0
      ? (r.length * width * Math.exp(-(((c - mean) / std) ** 2) / 2)) / (std * Math.sqrt(2 * Math.PI))
      : 0,
  );
  const r7 = (v: number) => Number((100 * v).toPrecision(7));
  return { centres: centres.map(r7), counts, normal: normal.map((v) => Number(v.toPrecision(5))) };
}

/** The index of the last bar at or before `t` (−1 when `t` is before the first bar). */
function barAt(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return at;
}

/** Each closed trade's return, on the input's `tradeBasis`. */
export function tradeReturns(
  input: Pick<TearSheetInput, 'times' | 'returns' | 'equity' | 'capital' | 'trades' | 'tradeBasis'>,
): number[] {
  const out: number[] = [];
  for (const t of input.trades) {
    if (!t.closed) continue;
    if (input.tradeBasis === 'bars') {
      let g = 1;
      for (let i = Math.max(0, t.entryBar); i <= t.exitBar && i < input.returns.length; i++)
        g *= 1 + input.returns[i];
      out.push(g - 1);
    } else {
      const i = barAt(input.times, t.entryTime) - 1;
      const base = i >= 0 ? input.equity[i] : input.capital;
      if (base > 0) out.push(t.pnl / base);
    }
  }
  return out;
}

/** The tear sheet of a run. */
export function tearSheet(input: TearSheetInput): TearSheet {
  const { times, returns: r, periodsPerYear: P } = input;
  const n = r.length;
  const window = Math.max(2, Math.min(input.window ?? DEFAULT_ROLLING_WINDOW, Math.floor(n / 2)));
  const bench = input.benchmark ?? null;
  const rolling = rollingStats(r, window, P, bench?.returns);
  const m = returnMoments(r);
  const tails = tailRisk(r);
  const rfBar = input.riskFreeRate / P;
  const sharpeBar = (m.mean - rfBar) / m.std;
  const sections: string[] = [];

  // luck: PSR, DSR and the bootstrap
  const sample = { sharpe: sharpeBar, n, skew: m.skew, kurtosis: m.kurtosis };
  let psr = NaN;
  let dsr: ReturnType<typeof deflatedSharpeRatio> | null = null;
  if (Number.isFinite(sharpeBar) && Number.isFinite(m.skew) && Number.isFinite(m.kurtosis)) {
    try {
      psr = probabilisticSharpeRatio(sample, 0);
      if (input.trials && input.trials.count > 1)
        dsr = deflatedSharpeRatio(sample, input.trials.count, input.trials.sharpeVariance);
    } catch {
      // a sample whose moments make the Sharpe ratio's variance term non-positive has no PSR
    }
  }
  const closed = input.trades.filter((t) => t.closed);
  const tradeRet = tradeReturns(input);
  const years = n / P;
  let boot: TradeBootstrap | null = null;
  if (tradeRet.length >= 2 && tradeRet.every((x) => x > -1))
    boot = tradeBootstrap(tradeRet, { seed: input.seed ?? 1, tradesPerYear: tradeRet.length / years });
  const luck: [string, string, string?][] = [
    [
      'Sharpe ratio (annualised)',
      num(sharpeBar * Math.sqrt(P)),
      'mean excess return over its standard deviation, × √(periods per year)',
    ],
    [
      'probabilistic Sharpe ratio (vs 0)',
      pct(psr, 1),
      'the probability that the true Sharpe ratio is above 0, given the sample length, skewness and kurtosis',
    ],
  ];
  if (dsr)
    luck.push(
      [
        `deflated Sharpe ratio (${input.trials!.count} trials)`,
        pct(dsr.dsr, 1),
        `the probability that the true Sharpe ratio beats the best of ${input.trials!.count} skill-less trials (${input.trials!.source})`,
      ],
      ['expected best Sharpe ratio of the trials by luck', num(dsr.threshold * Math.sqrt(P))],
    );
  else
    luck.push([
      'deflated Sharpe ratio',
      'one trial: equal to the probabilistic Sharpe ratio',
      'a scan or a sweep gives its number of trials',
    ]);
  if (boot)
    luck.push(
      [
        `Sharpe ratio of trades, ${Math.round(100 * boot.level)} % bootstrap interval`,
        `${num(boot.sharpe.estimate)} [${num(boot.sharpe.lower)}, ${num(boot.sharpe.upper)}]`,
        `${boot.samples} resamples of the ${tradeRet.length} closed trades (seed ${boot.seed}), annualised by trades per year`,
      ],
      [
        `max drawdown of trades, ${Math.round(100 * boot.level)} % bootstrap interval`,
        `${pct(boot.maxDrawdown.estimate)} [${pct(boot.maxDrawdown.lower)}, ${pct(boot.maxDrawdown.upper)}]`,
      ],
    );
  else luck.push(['trade bootstrap', 'needs at least 2 closed trades']);
  sections.push(`<div class="tear-block"><h3>Is it luck?</h3>${kv('tear-luck', luck)}</div>`);

  // the distribution
  const dist: [string, string, string?][] = [
    ['mean return per bar', pct(m.mean, 3)],
    ['standard deviation per bar', pct(m.std, 3)],
    ['skewness', num(m.skew), 'below 0: large losses more common than large gains'],
    ['excess kurtosis', num(m.kurtosis), 'above 0: fatter tails than a normal distribution'],
  ];
  for (const t of tails) {
    const c = `${Math.round(100 * t.confidence)} %`;
    dist.push(
      [
        `VaR ${c} (historical)`,
        pct(t.historicalVaR),
        `the return of the worst ${pct(1 - t.confidence, 0)} of bars`,
      ],
      [`CVaR ${c} (historical)`, pct(t.historicalCVaR), 'the mean return of the bars beyond the VaR'],
      [
        `VaR ${c} (Cornish-Fisher)`,
        pct(t.cornishFisherVaR),
        'normal quantile corrected for skewness and kurtosis',
      ],
      [`CVaR ${c} (Cornish-Fisher)`, pct(t.cornishFisherCVaR)],
    );
  }
  sections.push(
    `<div class="tear-block"><h3>Distribution of returns per bar</h3>${kv('tear-distribution', dist)}</div>`,
  );

  // the benchmark
  if (bench) {
    const s: BenchmarkStats = benchmarkStats(r, bench.returns, P);
    sections.push(
      `<div class="tear-block"><h3>Against ${esc(bench.label)}</h3>${kv('tear-benchmark', [
        ['α (annualised)', pct(s.alpha), "the run's return not explained by its β to the benchmark"],
        ['β', num(s.beta), 'sensitivity to the benchmark: 0 is market neutral'],
        ['correlation', num(s.correlation)],
        ['information ratio', num(s.informationRatio), 'annualised active return over the tracking error'],
        [
          'tracking error',
          pct(s.trackingError),
          'annualised standard deviation of the return minus the benchmark’s',
        ],
        ['benchmark Sharpe ratio', num(s.benchmarkSharpe)],
        ['benchmark total return', pct(s.benchmarkReturn)],
      ])}</div>`,
    );
  }

  // trades
  const ts = tradeStatistics(
    closed.map((t) => t.pnl),
    closed.map((t) => t.holdingBars),
  );
  sections.push(
    `<div class="tear-block"><h3>Trades (${ts.trades} closed)</h3>${kv('tear-trades', [
      ['wins / losses', `${ts.wins} / ${ts.losses}`],
      ['mean P&L per trade', money(ts.meanPnl)],
      ['median P&L per trade', money(ts.medianPnl)],
      ['mean win / mean loss', `${money(ts.meanWin)} / ${money(ts.meanLoss)}`],
      ['best / worst trade', `${money(ts.bestPnl)} / ${money(ts.worstPnl)}`],
      [
        'holding time, mean / median / max (bars)',
        `${num(ts.meanHolding, 1)} / ${num(ts.medianHolding, 1)} / ${num(ts.maxHolding, 0)}`,
      ],
      ['most consecutive wins / losses', `${ts.maxConsecutiveWins} / ${ts.maxConsecutiveLosses}`],
    ])}</div>`,
  );

  // worst drawdowns
  const dd = worstDrawdowns(r, 5);
  const at = (i: number) => (i < 0 ? 'start' : day(times[i]));
  sections.push(
    `<div class="tear-block wide"><h3>Worst drawdowns</h3>${table(
      'tear-drawdowns',
      ['#', 'depth', 'peak', 'trough', 'recovered', 'length (bars)'],
      dd.map((d, i) => [
        String(i + 1),
        pct(d.depth),
        at(d.peak),
        at(d.trough),
        d.recovery < 0 ? 'not yet' : day(times[d.recovery]),
        String(d.length),
      ]),
    )}</div>`,
  );

  // best and worst days and months
  const order = Array.from(r.keys()).sort((a, b) => r[b] - r[a] || a - b);
  const k = Math.min(5, n);
  const days = (idx: number[]) => idx.map((i) => `${day(times[i])}: ${pct(r[i])}`).join(', ');
  const months = monthlyReturns(times, r).sort((a, b) => b[2] - a[2]);
  const mk = Math.min(5, months.length);
  const month = (x: [number, number, number]) => `${x[0]}-${String(x[1]).padStart(2, '0')}: ${pct(x[2])}`;
  sections.push(
    `<div class="tear-block wide"><h3>Best and worst days and months</h3>${kv('tear-extremes', [
      ['best days', days(order.slice(0, k))],
      ['worst days', days(order.slice(n - k).reverse())],
      ['best months', months.slice(0, mk).map(month).join(', ')],
      [
        'worst months',
        months
          .slice(months.length - mk)
          .reverse()
          .map(month)
          .join(', '),
      ],
    ])}</div>`,
  );

  const h = histogram(r, m.mean, m.std);
  const data: TearSheetData = {
    window,
    rollingSharpe: series(rolling.sharpe),
    rollingVolatility: series(Float64Array.from(rolling.volatility, (v) => 100 * v)),
    rollingBeta: rolling.beta ? series(rolling.beta) : null,
    benchmark: bench
      ? { label: bench.label, growth: series(returnIndex(bench.returns)), run: series(returnIndex(r)) }
      : null,
    histogram: { ...h, var95: 100 * tails[0].historicalVaR, var99: 100 * tails[1].historicalVaR },
  };
  const charts = `<h3>Rolling Sharpe ratio and volatility (${window} bars)</h3><div class="chart short" id="chart-rolling-sharpe"></div><div class="chart short" id="chart-rolling-vol"></div>${
    bench
      ? `<h3>Against ${esc(bench.label)}: growth of 1, and rolling β (${window} bars)</h3><div class="chart" id="chart-benchmark"></div><div class="chart short" id="chart-rolling-beta"></div>`
      : ''
  }<h3>Distribution of returns per bar (%), with a normal of the same mean and standard deviation; the outer bins hold the 1 % most extreme</h3><div class="chart short" id="chart-distribution"></div>`;
  return { html: `${charts}<div class="tear-grid">${sections.join('')}</div>`, data };
}

/**
 * The returns of buying and holding `closes` (one array per leg, on the run's bars) with equal
 * capital in each at the first bar: the benchmark of a run that names none.
 */
export function buyAndHoldReturns(closes: readonly Float64Array[]): Float64Array {
  const n = closes[0]?.length ?? 0;
  const value = new Float64Array(n);
  for (const c of closes) for (let t = 0; t < n; t++) value[t] += c[t] / c[0] / closes.length;
  return Float64Array.from(value, (v, t) => (t === 0 ? 0 : v / value[t - 1] - 1));
}

/**
 * A benchmark's returns on the run's bars from its closes at its own times: each bar takes the
 * last close at or before it (a day the benchmark did not trade has a return of 0).
 * @returns null when the benchmark has no close at or before the run's first bar.
 */
export function alignedReturns(
  runTimes: Float64Array,
  times: Float64Array,
  closes: Float64Array,
): Float64Array | null {
  const out = new Float64Array(runTimes.length);
  let prev = NaN;
  let last = NaN;
  let j = -1;
  for (let t = 0; t < runTimes.length; t++) {
    while (j + 1 < times.length && times[j + 1] <= runTimes[t]) {
      j++;
      if (Number.isFinite(closes[j]) && closes[j] > 0) last = closes[j];
    }
    if (Number.isNaN(last)) return null;
    out[t] = t === 0 ? 0 : last / prev - 1;
    prev = last;
  }
  return out;
}
