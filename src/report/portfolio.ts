/**
 * The report of a portfolio run (a book of pair sleeves, src/backtest/portfolio.ts): one
 * self-contained HTML page made of the single backtest report's pieces (uPlot inlined, the
 * metric cards, the monthly heat map, the CSS), and the book's CSV files. What the page shows
 * beyond those (per-pair attribution, the correlation of the pairs' returns, the selection over
 * time, the exposure series) is computed by the exported functions here, in TypeScript; the
 * page's script only draws the charts.
 */
import type { BookResult, SleeveResult } from '../backtest/portfolio.js';
import { isoTime, type PriceFrame } from '../data/frame.js';
import { escapeHtml, scriptJson } from '../escape.js';
import { fmt } from './analysis.js';
import { CHART_CORE_JS, CLIENT_CSS, TEAR_SHEET_JS } from './client.js';
import { buyAndHoldReturns, tearSheet, type BenchmarkSeries, type TearSheet } from './tearSheet.js';
import { describeExecution, heatmap, metricCards, series, uplotAssets } from './html.js';
import { drawdownSeries, metricsObject, returnIndex } from './writers.js';

/** One period of a walk-forward selection: the bars it traded and the pairs it selected. */
export interface SelectionPeriodView {
  /** Bars of the frame the period trades: [start, end), `end` exclusive (the next period's start, or the frame's length). */
  start: number;
  end: number;
  /** Pairs tested when selecting. */
  tested: number;
  /** Pairs that passed the tests (the selected ones are `pairs`, possibly fewer). */
  survivors: number;
  pairs: { y: string; x: string; pvalue: number; qvalue: number; halfLife: number; score: number }[];
}

/** What {@link renderPortfolioReport} shows. */
export interface PortfolioReportInput {
  book: BookResult;
  /** The universe's frame: `book.from` and the sleeves' `start`, `stop` and `last` index into it. */
  frame: PriceFrame;
  /** The run's resolved config (shown as JSON). */
  config: Record<string, unknown>;
  /** The walk-forward selection over time; null for fixed pairs. */
  periods: SelectionPeriodView[] | null;
  /** A short name of the run (default: the config's `preset`, else "portfolio"). */
  label?: string;
  /** The data path to show (default: the config's `data`, else the frame's source). */
  dataLabel?: string;
  /**
   * The tear sheet's benchmark; default: buy-and-hold, in equal parts, of the book's symbols
   * that are priced on every one of its bars (null: none).
   */
  benchmark?: BenchmarkSeries | null;
  /** The tear sheet's rolling window in bars (default 63). */
  rollingWindow?: number;
}

/** The book's tear sheet: its returns, and its sleeves' trades measured against the book's equity. */
export function bookTearSheet(input: PortfolioReportInput): TearSheet {
  const { book, frame } = input;
  let benchmark = input.benchmark;
  if (benchmark === undefined) {
    const symbols = [...new Set(book.sleeves.flatMap((s) => [s.y, s.x]))];
    const m = book.times.length;
    const priced = symbols
      .map((s) => ({ s, c: frame.get(s, 'close').slice(book.from, book.from + m) }))
      .filter(({ c }) => c.length === m && c.every((v) => v > 0 && Number.isFinite(v)));
    benchmark =
      priced.length > 0 && m > 1
        ? {
            label: `buy-and-hold of ${priced.map((p) => p.s).join(', ')}`,
            returns: buyAndHoldReturns(priced.map((p) => p.c)),
          }
        : null;
  }
  const trades = book.sleeves.flatMap((s) => s.trades).sort((a, b) => a.entryTime - b.entryTime);
  return tearSheet({
    times: book.times,
    returns: book.returns,
    equity: book.equity,
    capital: book.options.capital,
    trades,
    tradeBasis: 'equity',
    periodsPerYear: book.options.periodsPerYear,
    riskFreeRate: book.options.riskFreeRate,
    benchmark,
    ...(input.rollingWindow !== undefined ? { window: input.rollingWindow } : {}),
  });
}

/** A pair's part of the book: its sleeves' results summed. */
export interface PairAttribution {
  y: string;
  x: string;
  /** Σ of its sleeves' P&L: its contribution to the book. */
  pnl: number;
  /** `pnl` over the total of every sleeve's P&L (NaN when that total is 0). */
  share: number;
  trades: number;
  barsHeld: number;
  /** The cash funded to its sleeves, summed over them. */
  capital: number;
  /** How many of its sleeves were ruined. */
  ruined: number;
  /** Its sleeves, in the book's order. */
  sleeves: SleeveResult[];
}

/** {@link pairAttribution}'s result: the pairs, best P&L first, and the total they share. */
export interface Attribution {
  pairs: PairAttribution[];
  /** Σ of every sleeve's P&L: the book's final equity − its capital, unless the book was ruined (it then stopped counting). */
  total: number;
}

/** A pair's daily returns on the book's bars (see {@link pairReturns}). */
export interface PairReturns {
  y: string;
  x: string;
  pnl: number;
  /** One value per bar of the book; NaN where none of its sleeves is accounted. */
  returns: Float64Array;
}

/** The chart series of the page, one value per bar of the book. */
export interface PortfolioChartData {
  /** Bar times in seconds (uPlot's unit). */
  times: number[];
  /** The return index (growth of 1 on the returns basis) and its drawdown (a fraction ≤ 0). */
  growth: (number | null)[];
  drawdown: (number | null)[];
  /** Gross and net exposure as multiples of the book's equity (null where the equity is not positive). */
  gross: (number | null)[];
  net: (number | null)[];
  openSleeves: (number | null)[];
}

/** Pairs are told apart by both names; a separator no symbol holds keeps `A/B`+`C` from `A`+`B/C`. */
const pairKey = (y: string, x: string) => `${y}\u0000${x}`;
const pairName = (p: { y: string; x: string }) => `${p.y}/${p.x}`;

/** Per-pair P&L attribution: each pair's sleeves summed, best P&L first (ties in the book's order). */
export function pairAttribution(book: BookResult): Attribution {
  const byKey = new Map<string, PairAttribution>();
  let total = 0;
  for (const s of book.sleeves) {
    const key = pairKey(s.y, s.x);
    let p = byKey.get(key);
    if (!p) {
      p = { y: s.y, x: s.x, pnl: 0, share: NaN, trades: 0, barsHeld: 0, capital: 0, ruined: 0, sleeves: [] };
      byKey.set(key, p);
    }
    p.pnl += s.pnl;
    p.trades += s.trades.length;
    p.barsHeld += s.barsHeld;
    p.capital += s.capital;
    if (s.ruined) p.ruined++;
    p.sleeves.push(s);
    total += s.pnl;
  }
  const pairs = [...byKey.values()];
  for (const p of pairs) p.share = total !== 0 ? p.pnl / total : NaN;
  // a stable sort keeps the book's order among equal P&Ls
  pairs.sort((a, b) => b.pnl - a.pnl);
  return { pairs, total };
}

/**
 * Each pair's daily return on the book's bars: the P&L change of its sleeves accounted at that
 * bar over their capital (a sleeve's first bar changes from the cash it was funded with). A
 * pair's sleeves that overlap are pooled, so the return is the pair's, not one sleeve's.
 */
export function pairReturns(
  book: BookResult,
  pairs: readonly PairAttribution[] = pairAttribution(book).pairs,
): PairReturns[] {
  const m = book.times.length;
  return pairs.map((p) => {
    const pnl = new Float64Array(m);
    const capital = new Float64Array(m);
    for (const s of p.sleeves) {
      const q = s.run.equity;
      const o = s.start - book.from;
      for (let j = 0; j < q.length; j++) {
        pnl[o + j] += q[j] - (j === 0 ? s.capital : q[j - 1]);
        capital[o + j] += s.capital;
      }
    }
    const returns = Float64Array.from(pnl, (v, t) => (capital[t] > 0 ? v / capital[t] : NaN));
    return { y: p.y, x: p.x, pnl: p.pnl, returns };
  });
}

/**
 * Pearson correlations of series that hold NaN where a sleeve is not accounted: each pair of
 * series over the bars where either is accounted, the other's return there being 0 (it was not
 * in the book, so it earned nothing). NaN where fewer than two bars or a series is constant.
 */
export function correlationMatrix(returns: readonly Float64Array[]): number[][] {
  const k = returns.length;
  const out = Array.from({ length: k }, () => new Array<number>(k).fill(NaN));
  for (let i = 0; i < k; i++)
    for (let j = i; j < k; j++) {
      const a = returns[i];
      const b = returns[j];
      const n = Math.min(a.length, b.length);
      let count = 0;
      let sa = 0;
      let sb = 0;
      for (let t = 0; t < n; t++) {
        const fa = Number.isFinite(a[t]);
        const fb = Number.isFinite(b[t]);
        if (!fa && !fb) continue;
        count++;
        sa += fa ? a[t] : 0;
        sb += fb ? b[t] : 0;
      }
      if (count < 2) continue;
      const ma = sa / count;
      const mb = sb / count;
      // two passes: the means first, so small daily returns lose no precision
      let sab = 0;
      let saa = 0;
      let sbb = 0;
      for (let t = 0; t < n; t++) {
        const fa = Number.isFinite(a[t]);
        const fb = Number.isFinite(b[t]);
        if (!fa && !fb) continue;
        const da = (fa ? a[t] : 0) - ma;
        const db = (fb ? b[t] : 0) - mb;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
      }
      const r = saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
      out[i][j] = out[j][i] = r;
    }
  return out;
}

/**
 * The correlation matrix of the pairs' daily returns ({@link pairReturns},
 * {@link correlationMatrix}) for at most `limit` pairs, those with the largest |P&L| (so the
 * table stays readable), largest first.
 */
export function pairCorrelations(
  book: BookResult,
  limit = 15,
  attribution: Attribution = pairAttribution(book),
): { pairs: { y: string; x: string; pnl: number }[]; matrix: number[][] } {
  const top = [...attribution.pairs].sort((a, b) => Math.abs(b.pnl) - Math.abs(a.pnl)).slice(0, limit);
  const r = pairReturns(book, top);
  return {
    pairs: r.map(({ y, x, pnl }) => ({ y, x, pnl })),
    matrix: correlationMatrix(r.map((p) => p.returns)),
  };
}

/**
 * Which pair was selected in which period: the pairs in the order they were first selected, and
 * per pair and period its selection entry (null when it was not selected then).
 */
export function selectionGrid(periods: readonly SelectionPeriodView[]): {
  pairs: { y: string; x: string }[];
  held: (SelectionPeriodView['pairs'][number] | null)[][];
} {
  const index = new Map<string, number>();
  const pairs: { y: string; x: string }[] = [];
  const held: (SelectionPeriodView['pairs'][number] | null)[][] = [];
  periods.forEach((period, k) => {
    for (const p of period.pairs) {
      const key = pairKey(p.y, p.x);
      let i = index.get(key);
      if (i === undefined) {
        i = pairs.length;
        index.set(key, i);
        pairs.push({ y: p.y, x: p.x });
        held.push(new Array<SelectionPeriodView['pairs'][number] | null>(periods.length).fill(null));
      }
      held[i][k] = p;
    }
  });
  return { pairs, held };
}

/** The page's chart series from the book's. */
export function portfolioChartData(book: BookResult): PortfolioChartData {
  const perEquity = (a: Float64Array) =>
    series(Float64Array.from(a, (v, t) => (book.equity[t] > 0 ? v / book.equity[t] : NaN)));
  return {
    times: Array.from(book.times, (t) => t / 1000),
    growth: series(returnIndex(book.returns)),
    drawdown: series(drawdownSeries(book.returns)),
    gross: perEquity(book.grossExposure),
    net: perEquity(book.netExposure),
    openSleeves: series(book.openSleeves),
  };
}

const QUOTE = /[",\n\r]/;
/** A text cell of a CSV: quoted when it holds a separator, a quote or a line break (symbol names may). */
const csvText = (s: string): string => (QUOTE.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
/** A number cell: shortest round-trip text; NaN and ±Infinity empty (as writers.ts does). */
const cell = (v: number): string => (Number.isFinite(v) ? String(v) : '');
const csv = (header: string[], rows: string[][]) =>
  [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';

/** The date of the last bar of a period (its `end` is exclusive). */
const periodEnd = (p: SelectionPeriodView, frame: PriceFrame) =>
  frame.date(Math.min(p.end, frame.length) - 1);

/**
 * sleeves.csv: one row per sleeve, in the book's order. `stop_date` is empty for a sleeve that
 * never stopped; `last_date` is the last bar it was accounted.
 */
export function sleevesCsv(book: BookResult, frame: PriceFrame): string {
  return csv(
    [
      'y',
      'x',
      'start_date',
      'stop_date',
      'last_date',
      'weight',
      'capital',
      'final_equity',
      'pnl',
      'trades',
      'bars_held',
      'ruined',
    ],
    book.sleeves.map((s) => [
      csvText(s.y),
      csvText(s.x),
      frame.date(s.start),
      s.stop < frame.length ? frame.date(s.stop) : '',
      frame.date(s.last),
      cell(s.weight),
      cell(s.capital),
      cell(s.finalEquity),
      cell(s.pnl),
      String(s.trades.length),
      String(s.barsHeld),
      s.ruined ? 'true' : 'false',
    ]),
  );
}

/**
 * selection.csv: one row per selected pair per period (a period that selected nothing has no
 * row); `end_date` is the period's last bar.
 */
export function selectionCsv(periods: SelectionPeriodView[], frame: PriceFrame): string {
  return csv(
    ['start_date', 'end_date', 'y', 'x', 'pvalue', 'qvalue', 'halfLife', 'score'],
    periods.flatMap((period) =>
      period.pairs.map((p) => [
        frame.date(period.start),
        periodEnd(period, frame),
        csvText(p.y),
        csvText(p.x),
        cell(p.pvalue),
        cell(p.qvalue),
        cell(p.halfLife),
        cell(p.score),
      ]),
    ),
  );
}

/** book_equity.csv: one row per bar of the book. */
export function bookEquityCsv(book: BookResult): string {
  const rows: string[][] = [];
  for (let t = 0; t < book.times.length; t++)
    rows.push([
      isoTime(book.times[t]),
      cell(book.equity[t]),
      cell(book.returns[t]),
      cell(book.grossExposure[t]),
      cell(book.netExposure[t]),
      cell(book.freeCash[t]),
      cell(book.openSleeves[t]),
    ]);
  return csv(
    ['date', 'equity', 'return', 'gross_exposure', 'net_exposure', 'free_cash', 'open_sleeves'],
    rows,
  );
}

const esc = escapeHtml;

const money = (v: number) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    : '–';
const percent = (v: number, d = 1) => (Number.isFinite(v) ? `${(100 * v).toFixed(d)} %` : '–');
const signClass = (v: number) => (v > 0 ? 'pos' : v < 0 ? 'neg' : '');

function attributionTable(book: BookResult, frame: PriceFrame, attribution: Attribution): string {
  const { pairs, total } = attribution;
  const n = frame.length;
  const numCell = (v: number, text: string, cls = '') =>
    `<td data-v="${Number.isFinite(v) ? v : ''}"${cls ? ` class="${cls}"` : ''}>${esc(text)}</td>`;
  const number = new Map(book.sleeves.map((s, i) => [s, i + 1]));
  const rows = pairs
    .map((p) => {
      const head = `<tr class="pair"><th scope="row">${esc(pairName(p))}</th><td>${p.sleeves.length} sleeve${p.sleeves.length === 1 ? '' : 's'}</td>${numCell(p.pnl, money(p.pnl), signClass(p.pnl))}${numCell(p.share, percent(p.share))}${numCell(p.trades, String(p.trades))}${numCell(p.barsHeld, String(p.barsHeld))}${numCell(p.capital, money(p.capital))}${numCell(p.ruined, p.ruined ? `${p.ruined} ruined` : 'no')}</tr>`;
      const sleeves = p.sleeves
        .map((s) => {
          const period = `${frame.date(s.start)} … ${frame.date(s.last)}${s.stop < n ? ` (stopped ${frame.date(s.stop)})` : ''}`;
          return `<tr class="sleeve"><td>sleeve ${number.get(s)}</td><td>${esc(period)}</td>${numCell(s.pnl, money(s.pnl), signClass(s.pnl))}${numCell(total !== 0 ? s.pnl / total : NaN, percent(total !== 0 ? s.pnl / total : NaN))}${numCell(s.trades.length, String(s.trades.length))}${numCell(s.barsHeld, String(s.barsHeld))}${numCell(s.capital, money(s.capital))}${numCell(s.ruined ? 1 : 0, s.ruined ? 'ruined' : 'no')}</tr>`;
        })
        .join('');
      return head + sleeves;
    })
    .join('');
  const sum = (f: (p: PairAttribution) => number) => pairs.reduce((a, p) => a + f(p), 0);
  const trades = sum((p) => p.trades);
  const held = sum((p) => p.barsHeld);
  const ruined = sum((p) => p.ruined);
  const foot = `<tr class="total"><th scope="row">all pairs</th><td>${book.sleeves.length} sleeves</td>${numCell(total, money(total), signClass(total))}<td>100.0 %</td>${numCell(trades, String(trades))}${numCell(held, String(held))}<td></td>${numCell(ruined, ruined ? `${ruined} ruined` : 'no')}</tr>`;
  const bookPnl = book.equity[book.equity.length - 1] - book.options.capital;
  return `<table class="attribution" id="attribution"><thead><tr><th>pair</th><th>sleeves</th><th>P&amp;L</th><th>share of P&amp;L</th><th>trades</th><th>bars held</th><th>capital</th><th>ruined</th></tr></thead><tbody>${rows}</tbody><tfoot>${foot}</tfoot></table><p class="muted">The book's P&amp;L (final equity − capital): ${esc(money(bookPnl))}.${book.ruined ? ' The book was ruined: it stopped counting its sleeves at its ruin bar.' : ''} A pair's capital is the cash funded to its sleeves, summed.</p>`;
}

function correlationTable(book: BookResult, attribution: Attribution): string {
  const { pairs, matrix } = pairCorrelations(book, 15, attribution);
  if (pairs.length === 0) return '<p>No sleeves.</p>';
  const color = (r: number) => {
    if (!Number.isFinite(r)) return '';
    const a = (0.08 + 0.8 * Math.min(1, Math.abs(r))).toFixed(2);
    return r >= 0 ? ` style="background:rgba(220,38,38,${a})"` : ` style="background:rgba(37,99,235,${a})"`;
  };
  const head = pairs.map((p, i) => `<th title="${esc(pairName(p))}">${i + 1}</th>`).join('');
  const body = pairs
    .map(
      (p, i) =>
        `<tr><th scope="row">${i + 1} ${esc(pairName(p))}</th>${matrix[i]
          .map(
            (r, j) =>
              `<td data-corr="${Number.isFinite(r) ? r : ''}"${color(r)} title="${esc(`${pairName(p)} · ${pairName(pairs[j])}: ${Number.isFinite(r) ? r.toFixed(3) : 'undefined'}`)}">${Number.isFinite(r) ? r.toFixed(2) : '–'}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('');
  const more = attribution.pairs.length - pairs.length;
  return `<p class="muted">Daily P&amp;L change over capital, per pair, over the bars where either pair is in the book${more > 0 ? `; the ${pairs.length} pairs with the largest |P&amp;L| (${more} more not shown)` : ''}.</p><div class="scroll"><table class="corr" id="correlation"><thead><tr><th></th>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function selectionSection(periods: SelectionPeriodView[], frame: PriceFrame): string {
  if (periods.length === 0) return '<p>No selection periods.</p>';
  const { pairs, held } = selectionGrid(periods);
  const range = (p: SelectionPeriodView) => `${frame.date(p.start)} … ${periodEnd(p, frame)}`;
  const head = periods.map((p, k) => `<th title="${esc(range(p))}">${k + 1}</th>`).join('');
  const body = pairs
    .map(
      (p, i) =>
        `<tr><th scope="row">${esc(pairName(p))}</th>${held[i]
          .map((e) =>
            e
              ? `<td class="held" title="${esc(`p ${fmt(e.pvalue)} · q ${fmt(e.qvalue)} · half-life ${fmt(e.halfLife, 1)} · score ${fmt(e.score, 3)}`)}">●</td>`
              : '<td></td>',
          )
          .join('')}</tr>`,
    )
    .join('');
  const counts = `<tr><th scope="row">selected / survivors / tested</th>${periods.map((p) => `<td>${esc(`${p.pairs.length}/${p.survivors}/${p.tested}`)}</td>`).join('')}</tr>`;
  const detail = periods
    .map(
      (p, k) =>
        `<tr><td>${k + 1}</td><td>${esc(frame.date(p.start))}</td><td>${esc(periodEnd(p, frame))}</td><td>${esc(p.tested)}</td><td>${esc(p.survivors)}</td><td class="names">${p.pairs.map((e) => esc(pairName(e))).join(', ')}</td></tr>`,
    )
    .join('');
  return `<p class="muted">● the pair was selected for the period (hover for its p-value, q-value, half-life and score).</p><div class="scroll"><table class="grid" id="selection"><thead><tr><th>pair \\ period</th>${head}</tr></thead><tbody>${body}</tbody><tfoot>${counts}</tfoot></table></div><h3>Periods</h3><div class="scroll"><table class="periods"><thead><tr><th>#</th><th>from</th><th>to</th><th>tested</th><th>survivors</th><th>selected</th></tr></thead><tbody>${detail}</tbody></table></div>`;
}

const PORTFOLIO_CSS = `
.ruin{background:#fef2f2;border:1px solid #fecaca;color:#991b1b;border-radius:6px;padding:6px 10px;margin:8px 0}
td.pos{color:#16a34a}td.neg{color:#dc2626}
.attribution th,.attribution td:nth-child(2){text-align:left}.attribution tr.pair th,.attribution tr.pair td{border-top:1px solid #e5e7eb;font-weight:600}
.attribution tr.sleeve td:first-child{padding-left:18px;color:#6b7280;text-align:left}.attribution tfoot th,.attribution tfoot td{font-weight:600;border-top:2px solid #e5e7eb}
.corr td{min-width:40px;text-align:center}.corr th[scope=row],.grid th[scope=row]{text-align:left;white-space:nowrap}
.grid td{text-align:center;min-width:22px}.grid td.held{background:#dbeafe;color:#1d4ed8}.periods td.names{text-align:left}
h3{font-size:13px;margin:12px 0 4px}
`;

// the book's charts on the shared chart core: growth and drawdown, exposure and open sleeves
const PORTFOLIO_JS = String.raw`
(function () {
  ${CHART_CORE_JS}
  function pct(a) { return a.map(function (v) { return v == null ? null : 100 * v; }); }
  chart('chart-equity', [line('book (growth of 1)', '#2563eb')], [D.growth]);
  chart('chart-drawdown', [line('drawdown %', '#dc2626', { fill: 'rgba(220,38,38,0.15)' })], [pct(D.drawdown)]);
  chart('chart-exposure', [line('gross (× equity)', '#7c3aed'), line('net (× equity)', '#d97706')], [D.gross, D.net]);
  chart('chart-open', [line('open sleeves', '#059669', { fill: 'rgba(5,150,105,0.15)', paths: uPlot.paths.stepped({ align: 1 }) })], [D.openSleeves]);
  ${TEAR_SHEET_JS}
})();
`;

/** Renders the portfolio run's report: one offline HTML page (uPlot and the data inlined, no request). */
export function renderPortfolioReport(input: PortfolioReportInput): string {
  const { book, frame, config, periods } = input;
  const label = input.label ?? String(config.preset ?? 'portfolio');
  const attribution = pairAttribution(book);
  const { pairs } = attribution;
  const n = frame.length;
  const range = `${frame.date(book.from)} … ${frame.date(n - 1)} (${n - book.from} bars)`;
  const title = `kalrev · ${label} · book of ${pairs.length} pair${pairs.length === 1 ? '' : 's'}`;
  const symbols = [...new Set(book.sleeves.flatMap((s) => [s.y, s.x]))];
  const ruinedSleeves = book.sleeves.filter((s) => s.ruined).length;
  const ruin = book.ruined
    ? `<p class="ruin" id="ruin">The book was ruined on ${esc(isoTime(book.ruinTime))}: its equity reached zero at that close, it traded no more from then on, and its metrics say so.</p>`
    : '';
  const sleeveRuin =
    ruinedSleeves > 0
      ? `<p class="muted">${ruinedSleeves} sleeve${ruinedSleeves === 1 ? ' was' : 's were'} ruined (lost all of its capital and stopped); the others went on.</p>`
      : '';
  const tear = bookTearSheet(input);
  const data = scriptJson({
    ...portfolioChartData(book),
    metrics: metricsObject(book.metrics, book),
    tear: tear.data,
  });
  const { js, css } = uplotAssets();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${css}</style>
<style>${CLIENT_CSS}${PORTFOLIO_CSS}</style>
</head><body>
<header>
<h1>${esc(title)}</h1>
<p class="strategy"><b>${esc(label)}</b>: ${book.sleeves.length} sleeve${book.sleeves.length === 1 ? '' : 's'} of ${pairs.length} pair${pairs.length === 1 ? '' : 's'} in one account</p>
<p class="muted">data ${esc(input.dataLabel ?? String(config.data ?? frame.source))}: ${esc(symbols.join(', '))}, ${esc(range)}</p>
<p class="muted">${esc(describeExecution(book.options))}</p>
${ruin}
<div class="metrics" id="metrics">${metricCards(book.metrics, 'data-metric')}</div>
${sleeveRuin}
<p class="muted help">Charts: drag to zoom, double-click to reset; all time axes are linked.</p>
</header>
<main>
<section><h2>Equity (growth of 1 on the returns basis) and drawdown</h2><div class="chart" id="chart-equity"></div><div class="chart short" id="chart-drawdown"></div></section>
<section><h2>Exposure (gross and net, × the book's equity) and open sleeves</h2><div class="chart" id="chart-exposure"></div><div class="chart short" id="chart-open"></div></section>
<section id="tear-sheet"><h2>Tear sheet</h2>${tear.html}</section>
<section><h2>P&amp;L attribution by pair</h2><div class="scroll">${attributionTable(book, frame, attribution)}</div></section>
${periods ? `<section><h2>Selection over time</h2>${selectionSection(periods, frame)}</section>` : ''}
<section><h2>Correlation of the pairs' daily returns</h2>${correlationTable(book, attribution)}</section>
<section><h2>Monthly returns (%)</h2>${heatmap(book.times, book.returns)}</section>
<section><h2>Run config</h2><pre id="config">${esc(JSON.stringify(config, null, 2))}</pre></section>
</main>
<script type="application/json" id="kalrev-data">${data}</script>
<script>${js}</script>
<script>${PORTFOLIO_JS}</script>
</body></html>
`;
}
