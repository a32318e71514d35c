/**
 * The portfolio run's report and files (src/report/portfolio.ts) on real books of the ETF
 * universe's last 600 bars: the attribution adds up to the book, the correlations are those of
 * the pairs' daily returns, the CSVs hold one row per sleeve, period pair and bar with their
 * dates, hostile names stay text, and the page makes no request (in headless Chromium when
 * there is one: it draws every chart, shows the book's metrics and links zoom).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBook, type BookResult, type SleevePlan } from '../../src/backtest/portfolio.js';
import { PriceFrame } from '../../src/data/frame.js';
import { readWideCsvSync } from '../../src/data/readers.js';
import { resolveBacktestOptions } from '../../src/execution/options.js';
import { formatMetric, uplotAssets } from '../../src/report/html.js';
import {
  bookEquityCsv,
  correlationMatrix,
  pairAttribution,
  pairCorrelations,
  pairReturns,
  portfolioChartData,
  renderPortfolioReport,
  selectionCsv,
  selectionGrid,
  sleevesCsv,
  type SelectionPeriodView,
} from '../../src/report/portfolio.js';
import { metricsObject } from '../../src/report/writers.js';
import { resolveStrategy } from '../../src/strategy/spec.js';
import { chromiumPath, launch } from './browser.js';

const FILE = 'data/etf_universe_close.csv';
const universe = readWideCsvSync(FILE, { repair: { dropNonPositive: true } }).frame;
const frame = universe.slice(universe.length - 600);
const N = frame.length;
const H = 300;
const opts = resolveBacktestOptions({ execution: 'next-close' });
const spec = resolveStrategy('kalman-pair');

const plan = (y: string, x: string, start: number, stop: number, weight: number): SleevePlan => ({
  y,
  x,
  strategy: spec,
  warmFrom: 0,
  start,
  stop,
  onStop: 'close',
  weight,
});

/** Three pairs, each one sleeve over every bar. */
const book = runBook(
  frame,
  [plan('EWA', 'EWC', 0, N, 1 / 3), plan('SPY', 'IWM', 0, N, 1 / 3), plan('XLE', 'USO', 0, N, 1 / 3)],
  opts,
);

/** Two periods: EWA/EWC in both (two sleeves), XLE/USO in the first, SPY/IWM in the second. */
const split = runBook(
  frame,
  [
    plan('EWA', 'EWC', 0, H, 0.3),
    plan('XLE', 'USO', 0, H, 0.3),
    plan('EWA', 'EWC', H, N, 0.3),
    plan('SPY', 'IWM', H, N, 0.3),
  ],
  opts,
);

const periods: SelectionPeriodView[] = [
  {
    start: 0,
    end: H,
    tested: 3,
    survivors: 2,
    pairs: [
      { y: 'EWA', x: 'EWC', pvalue: 0.004, qvalue: 0.012, halfLife: 9.5, score: 2.1 },
      { y: 'XLE', x: 'USO', pvalue: 0.02, qvalue: 0.03, halfLife: 14, score: 1.4 },
    ],
  },
  {
    start: H,
    end: N,
    tested: 3,
    survivors: 3,
    pairs: [
      { y: 'EWA', x: 'EWC', pvalue: 0.01, qvalue: 0.015, halfLife: 11, score: 1.9 },
      { y: 'SPY', x: 'IWM', pvalue: 0.03, qvalue: 0.045, halfLife: 20.25, score: 0.8 },
    ],
  },
];

const finalPnl = (b: BookResult) => b.equity[b.equity.length - 1] - b.options.capital;

/** Pearson correlation over every index, by the textbook formula. */
function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let t = 0; t < n; t++) {
    ma += a[t] / n;
    mb += b[t] / n;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let t = 0; t < n; t++) {
    ab += (a[t] - ma) * (b[t] - mb);
    aa += (a[t] - ma) ** 2;
    bb += (b[t] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('pairAttribution', () => {
  it('one sleeve per pair: each pair is its sleeve, best P&L first, and they add up to the book', () => {
    expect(book.ruined).toBe(false);
    const { pairs, total } = pairAttribution(book);
    expect(pairs.map((p) => `${p.y}/${p.x}`)).toEqual(['EWA/EWC', 'XLE/USO', 'SPY/IWM']);
    for (const p of pairs) {
      const [s] = book.sleeves.filter((q) => q.y === p.y && q.x === p.x);
      expect(p.sleeves).toEqual([s]);
      expect(p.pnl).toBe(s.pnl);
      expect(p.pnl).toBe(s.finalEquity - s.capital);
      expect(p.trades).toBe(s.trades.length);
      expect(p.barsHeld).toBe(s.barsHeld);
      expect(p.capital).toBe(s.capital);
      expect(p.capital).toBeCloseTo(opts.capital / 3, 9);
      expect(p.ruined).toBe(0);
      expect(p.share).toBe(p.pnl / total);
    }
    // every pair lost money over these bars, so the total is below each pair's
    expect(pairs.every((p) => p.pnl < 0)).toBe(true);
    expect(Math.abs(total - finalPnl(book))).toBeLessThan(1e-6);
    expect(pairs.reduce((a, p) => a + p.share, 0)).toBeCloseTo(1, 12);
  });

  it('two sleeves of a pair are summed; the total is still the book final equity − capital', () => {
    expect(split.ruined).toBe(false);
    expect(split.sleeves.length).toBe(4);
    for (const s of split.sleeves) expect(s.capital).toBeGreaterThan(0);
    const { pairs, total } = pairAttribution(split);
    const ewa = pairs.find((p) => p.y === 'EWA')!;
    const [a, b] = split.sleeves.filter((s) => s.y === 'EWA');
    expect([a.start, b.start]).toEqual([0, H]);
    expect(ewa.sleeves).toEqual([a, b]);
    expect(ewa.pnl).toBe(a.pnl + b.pnl);
    expect(ewa.capital).toBe(a.capital + b.capital);
    expect(ewa.trades).toBe(a.trades.length + b.trades.length);
    expect(ewa.barsHeld).toBe(a.barsHeld + b.barsHeld);
    expect(pairs.length).toBe(3);
    expect(Math.abs(total - finalPnl(split))).toBeLessThan(1e-6);
    expect(Math.abs(split.sleeves.reduce((s, q) => s + q.pnl, 0) - finalPnl(split))).toBeLessThan(1e-6);
  });
});

describe('pairReturns and correlations', () => {
  it('a pair return is its daily P&L change over its capital, from the funding cash on the first bar', () => {
    const r = pairReturns(book);
    for (const p of r) {
      const s = book.sleeves.find((q) => q.y === p.y && q.x === p.x)!;
      const q = s.run.equity;
      expect(p.returns.length).toBe(N);
      expect(p.returns[0]).toBe((q[0] - s.capital) / s.capital);
      for (const t of [1, 150, 599]) expect(p.returns[t]).toBe((q[t] - q[t - 1]) / s.capital);
      // summed over the bars, the P&L changes are the sleeve's P&L
      expect(p.returns.reduce((a, v) => a + v, 0) * s.capital).toBeCloseTo(s.pnl, 6);
    }
  });

  it('every pair alive on every bar: the plain Pearson correlations; each with itself is 1', () => {
    const r = pairReturns(book);
    const m = correlationMatrix(r.map((p) => p.returns));
    for (let i = 0; i < 3; i++) {
      expect(m[i][i]).toBeCloseTo(1, 12);
      for (let j = 0; j < 3; j++) {
        expect(m[i][j]).toBe(m[j][i]);
        expect(m[i][j]).toBeCloseTo(pearson(r[i].returns, r[j].returns), 12);
      }
    }
    // the three pairs' returns are far from identical
    expect(Math.abs(m[0][1])).toBeLessThan(0.9);
  });

  it('a pair out of the book earns 0 on the bars the other is in; bars neither is in do not count', () => {
    const r = pairReturns(split);
    const ewa = r.find((p) => p.y === 'EWA')!;
    const spy = r.find((p) => p.y === 'SPY')!;
    const xle = r.find((p) => p.y === 'XLE')!;
    expect(spy.returns.slice(0, H).every(Number.isNaN)).toBe(true);
    expect(spy.returns.slice(H).every(Number.isFinite)).toBe(true);
    expect(ewa.returns.every(Number.isFinite)).toBe(true);
    // both EWA/EWC sleeves are accounted at bar H: their P&L changes pooled over their capital
    const [a, b] = split.sleeves.filter((s) => s.y === 'EWA');
    const pooled =
      (a.run.equity[H] - a.run.equity[H - 1] + b.run.equity[0] - b.capital) / (a.capital + b.capital);
    expect(ewa.returns[H]).toBeCloseTo(pooled, 15);
    const m = correlationMatrix([ewa.returns, spy.returns, xle.returns]);
    const zero = (a: Float64Array) => Array.from(a, (v) => (Number.isNaN(v) ? 0 : v));
    expect(m[0][1]).toBeCloseTo(pearson(ewa.returns, zero(spy.returns)), 12);
    expect(m[1][1]).toBeCloseTo(1, 12);
    // XLE/USO stopped at bar H but is accounted to the end: every bar counts, SPY/IWM's first H as 0
    expect(m[1][2]).toBeCloseTo(pearson(zero(spy.returns), zero(xle.returns)), 12);
  });

  it('correlationMatrix by hand: union of the bars, NaN for a constant series', () => {
    const a = Float64Array.from([NaN, NaN, 1, 2, 3, NaN]);
    const b = Float64Array.from([NaN, 1, 2, NaN, 5, NaN]);
    const c = Float64Array.from([NaN, 2, 2, 2, 2, NaN]);
    const m = correlationMatrix([a, b, c]);
    // bars 1–4: a = 0, 1, 2, 3 and b = 1, 2, 0, 5: Σdadb 5, Σda² 5, Σdb² 14
    expect(m[0][1]).toBeCloseTo(5 / Math.sqrt(70), 15);
    expect(m[0][0]).toBeCloseTo(1, 15);
    expect(m[2][2]).toBeNaN();
    expect(m[0][2]).toBeNaN();
  });

  it('pairCorrelations keeps the pairs with the largest |P&L|', () => {
    const { pairs, matrix } = pairCorrelations(book, 2);
    expect(pairs.map((p) => `${p.y}/${p.x}`)).toEqual(['SPY/IWM', 'XLE/USO']);
    expect(matrix.length).toBe(2);
    const full = correlationMatrix(pairReturns(book).map((p) => p.returns));
    // attribution order is EWA/EWC, XLE/USO, SPY/IWM
    expect(matrix[0][1]).toBe(full[2][1]);
  });
});

describe('selectionGrid and portfolioChartData', () => {
  it('the grid says which pair was held in which period', () => {
    const g = selectionGrid(periods);
    expect(g.pairs.map((p) => `${p.y}/${p.x}`)).toEqual(['EWA/EWC', 'XLE/USO', 'SPY/IWM']);
    expect(g.held.map((row) => row.map((e) => e?.score ?? null))).toEqual([
      [2.1, 1.9],
      [1.4, null],
      [null, 0.8],
    ]);
  });

  it('exposure as multiples of equity, open sleeves, growth and drawdown of the returns', () => {
    const d = portfolioChartData(split);
    expect(d.times.length).toBe(N);
    expect(d.times[0]).toBe(Date.parse('2009-11-19T00:00:00Z') / 1000);
    for (const t of [10, 299, 300, 599]) {
      expect(d.gross[t]).toBeCloseTo(split.grossExposure[t] / split.equity[t], 6);
      expect(d.net[t]).toBeCloseTo(split.netExposure[t] / split.equity[t], 6);
      expect(d.openSleeves[t]).toBe(split.openSleeves[t]);
    }
    expect(Math.max(...(d.openSleeves as number[]))).toBeLessThanOrEqual(4);
    const growth = split.returns.reduce((w, r) => w * (1 + r), 1);
    expect(d.growth[N - 1]).toBeCloseTo(growth, 6);
    expect(-Math.min(...(d.drawdown as number[]))).toBeCloseTo(split.metrics.maxDrawdown, 6);
  });
});

describe('CSV writers', () => {
  const rows = (text: string) => text.trimEnd().split('\n');

  it('sleevesCsv: one row per sleeve with its dates, P&L and trades', () => {
    const lines = rows(sleevesCsv(split, frame));
    expect(lines[0]).toBe(
      'y,x,start_date,stop_date,last_date,weight,capital,final_equity,pnl,trades,bars_held,ruined',
    );
    expect(lines.length).toBe(1 + split.sleeves.length);
    split.sleeves.forEach((s, i) => {
      const c = lines[i + 1].split(',');
      expect(c.slice(0, 5)).toEqual([
        s.y,
        s.x,
        s.start === 0 ? '2009-11-19' : frame.date(H),
        s.start === 0 ? frame.date(H) : '',
        '2012-04-09',
      ]);
      expect(Number(c[6])).toBe(s.capital);
      expect(Number(c[8])).toBe(s.pnl);
      expect(Number(c[9])).toBe(s.trades.length);
      expect(Number(c[10])).toBe(s.barsHeld);
      expect(c[11]).toBe('false');
    });
    // the never-stopping sleeves of the first book
    expect(
      rows(sleevesCsv(book, frame))
        .slice(1)
        .map((l) => l.split(',')[3]),
    ).toEqual(['', '', '']);
  });

  it('selectionCsv: one row per period and pair, the period ending at its last bar', () => {
    const lines = rows(selectionCsv(periods, frame));
    expect(lines).toEqual([
      'start_date,end_date,y,x,pvalue,qvalue,halfLife,score',
      `2009-11-19,${frame.date(H - 1)},EWA,EWC,0.004,0.012,9.5,2.1`,
      `2009-11-19,${frame.date(H - 1)},XLE,USO,0.02,0.03,14,1.4`,
      `${frame.date(H)},2012-04-09,EWA,EWC,0.01,0.015,11,1.9`,
      `${frame.date(H)},2012-04-09,SPY,IWM,0.03,0.045,20.25,0.8`,
    ]);
  });

  it('selectionCsv quotes a name holding a comma or a quote', () => {
    const odd: SelectionPeriodView[] = [{ ...periods[0], pairs: [{ ...periods[0].pairs[0], y: 'A,"B"' }] }];
    expect(rows(selectionCsv(odd, frame))[1]).toBe(
      `2009-11-19,${frame.date(H - 1)},"A,""B""",EWC,0.004,0.012,9.5,2.1`,
    );
  });

  it('bookEquityCsv: one row per bar of the book', () => {
    const lines = rows(bookEquityCsv(split));
    expect(lines[0]).toBe('date,equity,return,gross_exposure,net_exposure,free_cash,open_sleeves');
    expect(lines.length).toBe(N + 1);
    expect(lines[1].split(',')[0]).toBe('2009-11-19');
    expect(lines[N].split(',')[0]).toBe('2012-04-09');
    for (const t of [0, H, N - 1]) {
      const c = lines[t + 1].split(',').map(Number);
      expect(c.slice(1)).toEqual([
        split.equity[t],
        split.returns[t],
        split.grossExposure[t],
        split.netExposure[t],
        split.freeCash[t],
        split.openSleeves[t],
      ]);
    }
  });
});

// a hostile book: symbols, label, data file, config and selection with markup
const IMG = '<img src=x onerror=alert(1)>';
const SCRIPT = '</script><script>alert(2)</script>';
const COMMENT = '<!--<b title="x\' onmouseover=alert(3)">';
const hostileFrame = PriceFrame.fromCloses(frame.dates(), {
  [IMG]: frame.get('EWA'),
  X: frame.get('EWC'),
});
const hostile = runBook(hostileFrame, [{ ...plan(IMG, 'X', 0, N, 1) }], opts);
const hostilePeriods: SelectionPeriodView[] = [
  {
    start: 0,
    end: N,
    tested: 1,
    survivors: 1,
    pairs: [{ y: IMG, x: 'X', pvalue: 0.01, qvalue: 0.01, halfLife: 10, score: 1 }],
  },
];
const hostileHtml = renderPortfolioReport({
  book: hostile,
  frame: hostileFrame,
  config: { data: `${IMG}.csv`, note: COMMENT, pairs: [[IMG, 'X']] },
  periods: hostilePeriods,
  label: SCRIPT,
  dataLabel: `${COMMENT}.csv`,
});

describe('renderPortfolioReport', () => {
  const html = renderPortfolioReport({
    book: split,
    frame,
    config: { data: FILE, pairs: [['EWA', 'EWC']], execution: 'next-close' },
    periods,
    label: 'walk-forward',
  });

  it('shows the 13 metrics, the attribution, the selection, the correlations and the config', () => {
    const shown = [...html.matchAll(/data-metric="(\w+)" data-value="([^"]*)">([^<]*)</g)];
    const metrics = metricsObject(split.metrics);
    expect(Object.fromEntries(shown.map(([, k, v]) => [k, v === 'null' ? null : Number(v)]))).toEqual(
      metrics,
    );
    for (const [, k, , text] of shown) expect(text).toBe(formatMetric(k, split.metrics[k as 'sharpe']));
    expect(html).not.toContain('id="ruin"');
    expect(html).toContain('<title>kalrev · walk-forward · book of 3 pairs</title>');
    expect(html).toContain('<th scope="row">EWA/EWC</th><td>2 sleeves</td>');
    expect(html).toContain(`data ${FILE}: EWA, EWC, XLE, USO, SPY, IWM, 2009-11-19 … 2012-04-09 (600 bars)`);
    // the grid: XLE/USO in period 1 only
    expect(html).toMatch(
      /<tr><th scope="row">XLE\/USO<\/th><td class="held" title="[^"]*">●<\/td><td><\/td><\/tr>/,
    );
    // the correlation table's diagonal is 1
    const diag = [
      ...html.matchAll(/<tr><th scope="row">(\d+) [^<]*<\/th>((?:<td[^>]*>[^<]*<\/td>)+)<\/tr>/g),
    ];
    expect(diag.length).toBe(3);
    for (const [, i, cells] of diag) {
      const values = [...cells.matchAll(/data-corr="([^"]*)"/g)].map((c) => Number(c[1]));
      expect(values[Number(i) - 1]).toBeCloseTo(1, 12);
    }
    expect(html).toContain('<pre id="config">{\n  &quot;data&quot;: &quot;data/etf_universe_close.csv&quot;');
    // the embedded chart data is the book's
    const data = JSON.parse(
      /<script type="application\/json" id="kalrev-data">([^<]*)<\/script>/.exec(html)![1],
    );
    expect(data.times.length).toBe(N);
    expect(data.metrics).toEqual(metricsObject(split.metrics, split));
  });

  it('without periods (fixed pairs) there is no selection section', () => {
    const page = renderPortfolioReport({ book, frame, config: {}, periods: null });
    expect(page).not.toContain('Selection over time');
    expect(page).toContain('<title>kalrev · portfolio · book of 3 pairs</title>');
  });

  it('a ruined book says when it was ruined', () => {
    const ruinOpts = resolveBacktestOptions({ execution: 'next-close', costs: { slippageBps: 500 } });
    const ruined = runBook(frame, [plan('EWA', 'EWC', 0, N, 1)], ruinOpts);
    expect(ruined.ruined).toBe(true);
    const page = renderPortfolioReport({ book: ruined, frame, config: {}, periods: null });
    expect(page).toContain(
      `<p class="ruin" id="ruin">The book was ruined on ${frame.date(ruined.ruinBar)}: its equity reached zero`,
    );
    expect(page).toContain('1 sleeve was ruined');
  });

  it('makes no request: no URL outside the inlined uPlot, no external resource', () => {
    const { js, css } = uplotAssets();
    expect(html).toContain(js);
    const own = html.replace(js, '').replace(css, '');
    expect(own).not.toMatch(/https?:\/\//i);
    expect(own).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(own).not.toMatch(/\s(src|href)\s*=/i);
    expect(own).not.toMatch(/url\(|@import/i);
    expect(own.match(/<script\b/g)).toHaveLength(3);
  });

  it('hostile names, label, data file and config are text, never markup', () => {
    const { js, css } = uplotAssets();
    const own = hostileHtml.replace(js, '').replace(css, '');
    for (const raw of [IMG, SCRIPT, COMMENT, '<img', '<!--', 'alert(2)</script>'])
      expect(own).not.toContain(raw);
    expect(own.match(/<script\b/g)).toHaveLength(3);
    expect(own.match(/<\/script>/g)).toHaveLength(3);
    expect(own).toContain(`<title>kalrev · ${escapeText(SCRIPT)} · book of 1 pair</title>`);
    expect(own).toContain(`<th scope="row">${escapeText(IMG)}/X</th>`);
    expect(own).toContain(`data ${escapeText(COMMENT)}.csv: ${escapeText(IMG)}, X`);
    expect(sleevesCsv(hostile, hostileFrame).split('\n')[1]).toMatch(/^<img src=x onerror=alert\(1\)>,X,/);
  });
});

/** The escaping the page must have used (written out, not imported: the test states it). */
function escapeText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const chromium = chromiumPath();
if (!chromium)
  console.warn(
    'portfolio report browser test SKIPPED: no Chromium at $CHROMIUM_PATH or /usr/bin/chromium (install it: apt-get install -y --no-install-recommends chromium)',
  );

describe.skipIf(!chromium)('the portfolio report in headless Chromium', () => {
  let context: BrowserContext;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'kalrev-portfolio-'));
    context = await launch(chromium!);
    mkdirSync('test-output', { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('draws every chart offline, shows the metrics, links zoom', async () => {
    const file = join(root, 'portfolio.html');
    writeFileSync(
      file,
      renderPortfolioReport({ book: split, frame, config: { data: FILE }, periods, label: 'walk-forward' }),
    );
    const url = pathToFileURL(file).href;
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url);
    await page.waitForFunction(
      '(window.kalrevCharts || []).length === document.querySelectorAll(".chart").length',
    );
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);

    const painted = await page.evaluate<{ id: string; painted: number }[]>(`
      Array.from(document.querySelectorAll('.chart')).map((el) => {
        const canvas = el.querySelector('canvas');
        if (!canvas) return { id: el.id, painted: 0 };
        const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) n++;
        return { id: el.id, painted: n };
      })`);
    expect(painted.map((c) => c.id)).toEqual([
      'chart-equity',
      'chart-drawdown',
      'chart-exposure',
      'chart-open',
      'chart-rolling-sharpe',
      'chart-rolling-vol',
      'chart-benchmark',
      'chart-rolling-beta',
      'chart-distribution',
    ]);
    for (const c of painted) expect(c.painted, c.id).toBeGreaterThan(500);

    const shown = await page.evaluate<[string, string][]>(`
      Array.from(document.querySelectorAll('[data-metric]')).map((el) => [el.getAttribute('data-metric'), el.textContent])`);
    expect(shown.length).toBe(13);
    for (const [k, text] of shown) expect(text).toBe(formatMetric(k, split.metrics[k as 'sharpe']));

    const box = (await page.locator('#chart-equity .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 4 });
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    // the charts on the time axis (the distribution has its own x axis)
    const scales = await page.evaluate<{ min: number; max: number; first: number; last: number }[]>(`
      window.kalrevCharts.filter((u) => u.data[0] === window.kalrevCharts[0].data[0]).map((u) => ({
        min: u.scales.x.min, max: u.scales.x.max, first: u.data[0][0], last: u.data[0][u.data[0].length - 1],
      }))`);
    const [z] = scales;
    expect(z.min).toBeGreaterThan(z.first);
    expect(z.max).toBeLessThan(z.last);
    for (const s of scales) expect([s.min, s.max]).toEqual([z.min, z.max]);

    await page.evaluate(`{
      const d = window.kalrevCharts[0].data[0];
      window.kalrevCharts[0].setScale('x', { min: d[0], max: d[d.length - 1] });
      window.scrollTo(0, 0);
    }`);
    await page.screenshot({ path: 'test-output/report-portfolio.png', fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('hostile names: shown as text, nothing runs', async () => {
    const file = join(root, 'hostile.html');
    writeFileSync(file, hostileHtml);
    const page = await context.newPage();
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForFunction(
      '(window.kalrevCharts || []).length === document.querySelectorAll(".chart").length',
    );
    const state = await page.evaluate<{ title: string; images: number; scripts: number; text: string }>(`({
      title: document.title,
      images: document.images.length,
      scripts: document.scripts.length,
      text: document.body.innerText,
    })`);
    await page.close();
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(state.images).toBe(0);
    expect(state.scripts).toBe(3);
    expect(state.title).toBe(`kalrev · ${SCRIPT} · book of 1 pair`);
    expect(state.text).toContain(`${IMG}/X`);
    expect(state.text).toContain(`"note": "${COMMENT.replace(/"/g, '\\"')}"`);
  });
});
