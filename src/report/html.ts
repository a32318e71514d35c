/**
 * The self-contained HTML report: one file with uPlot (read from node_modules when the report is
 * written) and the run's data inlined, so it opens offline from file:// and makes no request.
 * Tables (metrics, monthly returns, statistics, trades, config) are rendered here; the charts
 * are drawn in the browser by CLIENT_JS from the embedded JSON.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BacktestResult, Metrics } from '../backtest/index.js';
import { isoTime, type PriceFrame } from '../data/frame.js';
import type { ResolvedBacktestOptions } from '../execution/options.js';
import { analysisRows, type Analysis } from './analysis.js';
import { CLIENT_CSS, CLIENT_JS } from './client.js';
import { escapeHtml, scriptJson } from '../escape.js';
import { hedgeRatioBand } from './hedge.js';
import {
  buyAndHoldReturns,
  tearSheet,
  type BenchmarkSeries,
  type TearSheet,
  type Trials,
} from './tearSheet.js';
import {
  METRIC_NAMES,
  drawdownSeries,
  finiteOrNull,
  monthlyReturns,
  r7,
  returnIndex,
  series,
} from './writers.js';

/** Another run of the same data, shown beside the main one (the demo's kalrev-defaults run). */
export interface Comparison {
  label: string;
  metrics: Metrics;
  equity: Float64Array;
  returns?: Float64Array;
}

export interface ReportInput {
  result: BacktestResult;
  frame: PriceFrame;
  /** The run.json object. */
  config: Record<string, unknown>;
  analysis: Analysis | null;
  /** A short name of the run (default: the preset or "backtest"). */
  label?: string;
  comparison?: Comparison & { returns?: Float64Array };
  /** The data path to show (default: run.json's `data`). */
  dataLabel?: string;
  /** The tear sheet's benchmark; default: buy-and-hold of the run's legs (null: none). */
  benchmark?: BenchmarkSeries | null;
  /** The tear sheet's rolling window in bars (default 63). */
  rollingWindow?: number;
  /** The trials the run was selected from (a scan's pairs, a sweep's grid), for the deflated Sharpe ratio. */
  trials?: Trials | null;
}

/**
 * The tear sheet of a single run (a backtest or a paper run), over the bars its metrics count
 * (from `metricsFrom`): its Sharpe ratio and the statistics beside it measure the same sample.
 */
export function runTearSheet(input: ReportInput): TearSheet {
  const { result: r, frame } = input;
  const from = r.metricsFrom ?? 0;
  let benchmark = input.benchmark;
  if (benchmark === undefined) {
    const closes = r.symbols.map((s) => frame.get(s, 'close'));
    benchmark =
      frame.length === r.times.length && closes.every((c) => c.every((v) => v > 0 && Number.isFinite(v)))
        ? { label: `buy-and-hold of ${r.symbols.join(', ')}`, returns: buyAndHoldReturns(closes) }
        : null;
  }
  return tearSheet({
    times: r.times.subarray(from),
    returns: r.returns.subarray(from),
    equity: r.equity.subarray(from),
    capital: from === 0 ? r.options.capital : r.equity[from - 1],
    // the trades opened in the window, their bars counted from its start
    trades: r.trades
      .filter((t) => t.entryBar >= from)
      .map((t) => ({ ...t, entryBar: t.entryBar - from, exitBar: t.exitBar - from })),
    tradeBasis: 'bars',
    periodsPerYear: r.options.periodsPerYear,
    riskFreeRate: r.options.riskFreeRate,
    benchmark: benchmark === null ? null : { ...benchmark, returns: benchmark.returns.subarray(from) },
    ...(input.rollingWindow !== undefined ? { window: input.rollingWindow } : {}),
    trials: input.trials ?? null,
  });
}

let uplotCache: { js: string; css: string } | undefined;

/** uPlot's minified browser build and stylesheet, from the installed package. */
export function uplotAssets(): { js: string; css: string } {
  if (!uplotCache) {
    const dir = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
    uplotCache = {
      js: readFileSync(join(dir, 'dist', 'uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(join(dir, 'dist', 'uPlot.min.css'), 'utf8'),
    };
  }
  return uplotCache;
}

const esc = escapeHtml;

export { series };

const PERCENT = new Set(['totalReturn', 'apr', 'annualVolatility', 'maxDrawdown', 'winRate', 'exposure']);
const LABELS: Record<string, string> = {
  totalReturn: 'total return',
  apr: 'APR',
  annualVolatility: 'volatility',
  sharpe: 'Sharpe',
  sortino: 'Sortino',
  calmar: 'Calmar',
  maxDrawdown: 'max drawdown',
  maxDrawdownDuration: 'max DD bars',
  trades: 'trades',
  winRate: 'win rate',
  profitFactor: 'profit factor',
  exposure: 'exposure',
  turnover: 'turnover',
};

/** How a metric is shown (the report and the terminal table agree). */
export function formatMetric(name: string, v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '–' : v > 0 ? '∞' : '−∞';
  if (PERCENT.has(name)) return `${(100 * v).toFixed(2)} %`;
  if (name === 'trades' || name === 'maxDrawdownDuration') return String(v);
  return v.toFixed(3);
}

export const metricLabel = (name: string) => LABELS[name] ?? name;

/** The 13 metrics as cards; `attr` names the attribute carrying each metric's name (a page's tests find them by it). */
export function metricCards(m: Metrics, attr: string): string {
  return METRIC_NAMES.map((k) => {
    const v = finiteOrNull(m[k]);
    return `<div class="metric"><span class="label">${esc(metricLabel(k))}</span><span class="value" ${attr}="${k}" data-value="${v === null ? 'null' : String(v)}">${esc(formatMetric(k, m[k]))}</span></div>`;
  }).join('');
}

/** The monthly returns heat map (compounded per calendar month, and per year). */
export function heatmap(times: Float64Array, returns: Float64Array): string {
  const rows = monthlyReturns(times, returns);
  const years = [...new Set(rows.map((r) => r[0]))];
  const byKey = new Map(rows.map((r) => [`${r[0]}-${r[1]}`, r[2]]));
  const max = Math.max(1e-9, ...rows.map((r) => Math.abs(r[2])));
  const color = (v: number) => {
    const a = Math.min(1, Math.abs(v) / max);
    return v >= 0
      ? `rgba(22,163,74,${(0.1 + 0.8 * a).toFixed(2)})`
      : `rgba(220,38,38,${(0.1 + 0.8 * a).toFixed(2)})`;
  };
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const body = years
    .map((y) => {
      let total = 1;
      const cells = months
        .map((_, i) => {
          const v = byKey.get(`${y}-${i + 1}`);
          if (v === undefined) return '<td></td>';
          total *= 1 + v;
          return `<td style="background:${color(v)}" title="${y}-${String(i + 1).padStart(2, '0')}: ${(100 * v).toFixed(2)} %">${(100 * v).toFixed(1)}</td>`;
        })
        .join('');
      return `<tr><th>${y}</th>${cells}<td class="year">${(100 * (total - 1)).toFixed(1)}</td></tr>`;
    })
    .join('');
  return `<table class="heat"><thead><tr><th></th>${months.map((m) => `<th>${m}</th>`).join('')}<th>year</th></tr></thead><tbody>${body}</tbody></table>`;
}

function tradesTable(r: BacktestResult): string {
  const legs = r.symbols;
  const head = [
    ['#', 'num'],
    ['side', 'str'],
    ['entry', 'str'],
    ['exit', 'str'],
    ['bars', 'num'],
    ...legs.map((s) => [`in ${s}`, 'num']),
    ...legs.map((s) => [`out ${s}`, 'num']),
    ['P&L', 'num'],
  ];
  const num = (v: number, d = 2) =>
    `<td data-v="${Number.isFinite(v) ? v : ''}">${Number.isFinite(v) ? v.toFixed(d) : '–'}</td>`;
  const body = r.trades
    .map(
      (t, i) =>
        `<tr class="${t.pnl >= 0 ? 'win' : 'loss'}"><td data-v="${i + 1}">${i + 1}</td><td data-v="${t.direction}">${t.direction === 1 ? 'long' : 'short'}</td><td data-v="${isoTime(t.entryTime)}">${isoTime(t.entryTime)}</td><td data-v="${t.closed ? isoTime(t.exitTime) : '~'}">${t.closed ? isoTime(t.exitTime) : 'open'}</td>${num(t.holdingBars, 0)}${t.entryPrices.map((p) => num(p)).join('')}${t.exitPrices.map((p) => num(p)).join('')}${num(t.pnl)}</tr>`,
    )
    .join('');
  return `<table class="trades sortable" id="trades"><thead><tr>${head.map(([h, k]) => `<th data-kind="${k}">${esc(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

function statsPanel(a: Analysis | null): string {
  if (!a) return '<p>No statistics for this run.</p>';
  const rows = analysisRows(a)
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<p class="verdict">${esc(a.verdict)}</p><p class="muted">Tested series: ${esc(a.series)} (${a.bars} bars, ${esc(a.first)} … ${esc(a.last)})</p><table class="stats"><thead><tr><th>test</th><th>statistic</th><th>p-value</th><th>notes</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The chart payload the browser script draws. */
function chartData(input: ReportInput) {
  const { result: r, frame } = input;
  const n = r.times.length;
  const spec = r.strategy;
  const sig = r.signals;
  const bands = spec?.rule.type === 'bands' ? { entry: spec.rule.entryZ, exit: spec.rule.exitZ } : null;
  const legs = r.symbols.map((s) => ({ name: s, close: series(frame.get(s, 'close')) }));
  const y = frame.get(r.symbols[0], 'close');
  // the fair value of the dependent leg and its bands in price units (when the spread is in prices
  // with weight 1 on the first leg: y is beyond the entry band exactly when z is)
  let fair: {
    name: string;
    value: (number | null)[];
    upper?: (number | null)[];
    lower?: (number | null)[];
    exitUpper?: (number | null)[];
    exitLower?: (number | null)[];
  } | null = null;
  const priceSpread =
    spec &&
    spec.spread.transform === 'price' &&
    (spec.spread.type === 'kalman-hedge' ||
      spec.spread.type === 'rolling-ols' ||
      (spec.spread.type === 'static' && spec.spread.legs === 2));
  const band = (base: Float64Array, centre: Float64Array | null, k: number) =>
    series(Float64Array.from(base, (b, t) => b + (centre ? centre[t] : 0) + k * sig.scale[t]));
  if (spec && spec.spread.type === 'kalman-fair-value') {
    const fv = sig.fairValue;
    const residual = spec.spread.signal === 'residual';
    const base = residual ? fv : sig.centre;
    const c = residual ? sig.centre : null;
    fair = { name: `${r.symbols[0]} Kalman fair value`, value: series(fv) };
    if (bands) {
      fair.upper = band(base, c, bands.entry);
      fair.lower = band(base, c, -bands.entry);
      if (bands.exit !== bands.entry) {
        fair.exitUpper = band(base, c, bands.exit);
        fair.exitLower = band(base, c, -bands.exit);
      }
    }
  } else if (priceSpread) {
    const fy = Float64Array.from(y, (v, t) => v - (sig.value[t] - sig.centre[t]));
    fair = { name: `${r.symbols[0]} fair value`, value: series(fy) };
    if (bands) {
      fair.upper = band(fy, null, bands.entry);
      fair.lower = band(fy, null, -bands.entry);
      if (bands.exit !== bands.entry) {
        fair.exitUpper = band(fy, null, bands.exit);
        fair.exitLower = band(fy, null, -bands.exit);
      }
    }
  }
  const longEntry: (number | null)[] = new Array(n).fill(null);
  const shortEntry: (number | null)[] = new Array(n).fill(null);
  const exit: (number | null)[] = new Array(n).fill(null);
  for (const t of r.trades) {
    if (t.entryBar >= 0 && t.entryBar < n)
      (t.direction === 1 ? longEntry : shortEntry)[t.entryBar] = r7(sig.z[t.entryBar]);
    if (t.closed && t.exitBar >= 0 && t.exitBar < n) exit[t.exitBar] = r7(sig.z[t.exitBar]);
  }
  const hedge = r.symbols.length >= 2 ? hedgeRatioBand(spec, y, frame.get(r.symbols[1], 'close')) : null;
  const beta =
    Number.isNaN(sig.hedgeRatio[n - 1]) && !hedge
      ? null
      : {
          value: series(sig.hedgeRatio),
          lower: hedge ? series(Float64Array.from(hedge.beta, (b, t) => b - 2 * hedge.std[t])) : null,
          upper: hedge ? series(Float64Array.from(hedge.beta, (b, t) => b + 2 * hedge.std[t])) : null,
        };
  const cmp = input.comparison;
  return {
    times: Array.from(r.times, (t) => t / 1000),
    legs,
    fair,
    spread: {
      label:
        spec?.spread.type === 'kalman-fair-value'
          ? spec.spread.signal === 'residual'
            ? 'price − fair value'
            : 'fair value (scored)'
          : spec?.spread.type === 'kalman-hedge'
            ? 'forecast error e'
            : 'spread',
      value: series(sig.value),
      centre: series(sig.centre),
      upper: bands ? band(sig.centre, null, bands.entry) : null,
      lower: bands ? band(sig.centre, null, -bands.entry) : null,
      exitUpper: bands && bands.exit !== bands.entry ? band(sig.centre, null, bands.exit) : null,
      exitLower: bands && bands.exit !== bands.entry ? band(sig.centre, null, -bands.exit) : null,
    },
    z: {
      value: series(sig.z),
      entry: bands?.entry ?? null,
      exit: bands?.exit ?? null,
      longEntry,
      shortEntry,
      exits: exit,
    },
    beta,
    equity: {
      main: series(returnIndex(r.returns)),
      drawdown: series(drawdownSeries(r.returns)),
      comparison: cmp ? series(returnIndex(cmp.returns ?? new Float64Array(n))) : null,
      comparisonLabel: cmp?.label ?? null,
    },
  };
}

function describeStrategy(r: BacktestResult): string {
  const s = r.strategy;
  if (!s) return 'custom strategy';
  const kv = (o: Record<string, unknown>) =>
    Object.entries(o)
      .filter(([k]) => k !== 'type')
      .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ');
  return `spread ${s.spread.type} (${kv(s.spread)}) · normaliser ${s.normaliser.type}${kv(s.normaliser) ? ` (${kv(s.normaliser)})` : ''} · rule ${s.rule.type} (${kv(s.rule)}) · sizing ${s.sizing.type}${kv(s.sizing) ? ` (${kv(s.sizing)})` : ''}`;
}

/** How a run was executed and charged, as one line of text (plain: escape it for HTML). */
export function describeExecution(o: ResolvedBacktestOptions): string {
  return `execution ${o.execution} · returns on ${o.returns} · costs: commission ${o.costs.commissionBps} bps + $${o.costs.commissionPerShare}/share (min $${o.costs.minCommission}), slippage ${o.costs.slippageBps} bps, borrow ${o.costs.borrowBps} bps/yr · capital $${o.capital.toLocaleString('en-US')}`;
}

/**
 * The run's metric windows and look-ahead, under its headline metrics: the first bar counted,
 * a split's train and test metrics side by side, and what an in-sample fit looked ahead at.
 */
function windowsSection(r: ReportInput['result'], frame: ReportInput['frame']): string {
  const parts: string[] = [];
  for (const note of r.lookAhead ?? [])
    parts.push(`<p class="look-ahead" data-look-ahead><b>Look-ahead:</b> ${esc(note)}</p>`);
  const from = r.metricsFrom ?? 0;
  if (from > 0)
    parts.push(
      `<p class="muted" id="metrics-from">metrics from bar ${from} (${esc(frame.date(from))}): the bars before it are warm-up</p>`,
    );
  const split = r.split;
  if (split) {
    const set = (name: 'train' | 'test', w: typeof split.train) =>
      `<p class="cmp-title"><b>${name}</b> set, bars ${w.from}–${w.to - 1} (${esc(frame.date(w.from))} … ${esc(frame.date(w.to - 1))}):</p><div class="metrics" id="${name}-metrics">${metricCards(w.metrics, `data-${name}-metric`)}</div>`;
    parts.push(set('train', split.train), set('test', split.test));
  }
  return parts.join('\n');
}

/** Renders report.html. */
export function renderReport(input: ReportInput): string {
  const { result: r, frame, config } = input;
  const label = input.label ?? String(config.preset ?? 'backtest');
  const range = `${frame.date(0)} … ${frame.date(frame.length - 1)} (${frame.length} bars)`;
  const execution = describeExecution(r.options);
  const cmp = input.comparison;
  const tear = runTearSheet(input);
  const data = scriptJson({ ...chartData(input), tear: tear.data });
  const { js, css } = uplotAssets();
  const title = `kalrev · ${label} · ${r.symbols.join('/')}`;
  const hasBeta = r.symbols.length >= 2;
  const costs = `costs paid: commission $${r.costs.commission.toFixed(2)}, slippage $${r.costs.slippage.toFixed(2)}, borrow $${r.costs.borrow.toFixed(2)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${css}</style>
<style>${CLIENT_CSS}</style>
</head><body>
<header>
<h1>${esc(title)}</h1>
<p class="strategy"><b>${esc(label)}</b>: ${esc(describeStrategy(r))}</p>
<p class="muted">data ${esc(input.dataLabel ?? String(config.data ?? frame.source))}: ${esc(r.symbols.join(', '))}, ${esc(range)}</p>
<p class="muted">${esc(execution)}</p>
<p class="muted">${esc(costs)}</p>
<div class="metrics" id="metrics">${metricCards(r.metrics, 'data-metric')}</div>
${windowsSection(r, frame)}
${cmp ? `<p class="cmp-title">beside it, <b>${esc(cmp.label)}</b>:</p><div class="metrics cmp" id="comparison-metrics">${metricCards(cmp.metrics, 'data-comparison-metric')}</div>` : ''}
<p class="muted help">Charts: drag to zoom, shift-drag or wheel to pan/zoom, double-click to reset; all time axes are linked.</p>
</header>
<main>
<section><h2>Prices${input.result.symbols.length > 1 ? ' (both legs)' : ''} and fair value</h2><div class="chart" id="chart-prices"></div></section>
<section><h2>${r.strategy?.spread.type === 'kalman-fair-value' ? 'Deviation scored against the rolling mean, with bands' : 'Spread and bands'}</h2><div class="chart" id="chart-spread"></div></section>
<section><h2>z-score, bands and trades</h2><div class="chart" id="chart-z"></div></section>
${hasBeta ? '<section><h2>Hedge ratio β<sub>t</sub></h2><div class="chart" id="chart-beta"></div></section>' : ''}
<section><h2>Equity (growth of 1 on the returns basis) and drawdown</h2><div class="chart" id="chart-equity"></div><div class="chart short" id="chart-drawdown"></div></section>
<section id="tear-sheet"><h2>Tear sheet</h2>${tear.html}</section>
<section><h2>Monthly returns (%)</h2>${heatmap(r.times, r.returns)}</section>
<section><h2>Statistics</h2>${statsPanel(input.analysis)}</section>
<section><h2>Trades (${r.trades.length})</h2><p class="muted">Click a column to sort.</p><div class="scroll">${tradesTable(r)}</div></section>
<section><h2>Run config (run.json)</h2><pre id="config">${esc(JSON.stringify(config, null, 2))}</pre></section>
</main>
<script type="application/json" id="kalrev-data">${data}</script>
<script>${js}</script>
<script>${CLIENT_JS}</script>
</body></html>
`;
}
