/**
 * The tear sheet: its tables show the reference values of test/fixtures/stats/tearsheet/ref.json
 * (computed independently, by numpy and scipy), its benchmark helpers on hand-checked series,
 * and in headless Chromium a backtest's and a book's pages draw every tear-sheet chart offline
 * with no console error.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRunSpec } from '../../src/app/spec.js';
import { loadRunData, runBacktest, writeRunFolder } from '../../src/app/run.js';
import { writeWalkForwardReport } from '../../src/app/selectedReports.js';
import { readWideCsvSync } from '../../src/data/index.js';
import { sweep } from '../../src/scan/sweep.js';
import { alignedReturns, buyAndHoldReturns, tearSheet, tradeReturns } from '../../src/report/tearSheet.js';
import { runTearSheet } from '../../src/report/html.js';
import { chromiumPath, launch } from './browser.js';

interface Ref {
  returns: number[];
  benchmark: number[];
  tailRisk: Record<string, number>[];
  benchmarkStats: Record<string, number>;
  drawdowns: { peak: number; trough: number; recovery: number; depth: number; length: number }[];
  moments: Record<string, number>;
}
const REF = JSON.parse(
  readFileSync(new URL('../fixtures/stats/tearsheet/ref.json', import.meta.url), 'utf8'),
) as Ref;

/** The rows of a key-value table of the page: label → shown text. */
function rows(html: string, id: string): Map<string, string> {
  const table = new RegExp(`<table class="kv" id="${id}">(.*?)</table>`).exec(html)![1];
  const out = new Map<string, string>();
  for (const m of table.matchAll(/<th scope="row">(.*?)<\/th><td>(.*?)<\/td>/g)) out.set(m[1], m[2]);
  return out;
}

describe("a run's tear sheet measures the bars its metrics count", () => {
  it("with metricsFrom, its Sharpe ratio is the metrics card's, not the whole run's", async () => {
    const at = (metricsFrom?: number) => {
      const run = {
        ...resolveRunSpec({
          flags: {
            symbols: ['EWC', 'EWA'],
            preset: 'kalman-pair',
            options: { execution: 'close', ...(metricsFrom !== undefined ? { metricsFrom } : {}) },
          },
        }),
        data: 'data/ewa_ewc.csv',
      };
      return run;
    };
    for (const from of [undefined, 500]) {
      const run = at(from);
      const data = await loadRunData(run);
      const { result } = runBacktest(run, data);
      const sheet = runTearSheet({ result, frame: data.frame, config: {}, analysis: null });
      expect(rows(sheet.html, 'tear-luck').get('Sharpe ratio (annualised)')).toBe(
        result.metrics.sharpe.toFixed(3),
      );
    }
  });
});

describe('tear sheet tables', () => {
  const n = REF.returns.length;
  const DAY = 86_400_000;
  const times = Float64Array.from({ length: n }, (_, i) => Date.UTC(2020, 0, 1) + i * DAY);
  const returns = Float64Array.from(REF.returns);
  const equity = Float64Array.from({ length: n });
  let w = 1e5;
  returns.forEach((r, i) => (equity[i] = w *= 1 + r));
  const sheet = tearSheet({
    times,
    returns,
    equity,
    capital: 1e5,
    trades: [],
    tradeBasis: 'bars',
    periodsPerYear: 252,
    riskFreeRate: 0,
    benchmark: { label: 'REF <b>', returns: Float64Array.from(REF.benchmark) },
  });
  const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

  it('shows the reference VaR, CVaR, skewness and kurtosis', () => {
    const d = rows(sheet.html, 'tear-distribution');
    expect(d.get('skewness')).toBe(REF.moments.skew.toFixed(3));
    expect(d.get('excess kurtosis')).toBe(REF.moments.kurtosis.toFixed(3));
    for (const t of REF.tailRisk) {
      const c = `${Math.round(100 * t.confidence)} %`;
      expect(d.get(`VaR ${c} (historical)`)).toBe(pct(t.historicalVaR));
      expect(d.get(`CVaR ${c} (historical)`)).toBe(pct(t.historicalCVaR));
      expect(d.get(`VaR ${c} (Cornish-Fisher)`)).toBe(pct(t.cornishFisherVaR));
      expect(d.get(`CVaR ${c} (Cornish-Fisher)`)).toBe(pct(t.cornishFisherCVaR));
    }
  });

  it("shows the reference α, β, correlation, IR and tracking error; the benchmark's name escaped", () => {
    const b = rows(sheet.html, 'tear-benchmark');
    const e = REF.benchmarkStats;
    expect(b.get('α (annualised)')).toBe(pct(e.alpha));
    expect(b.get('β')).toBe(e.beta.toFixed(3));
    expect(b.get('correlation')).toBe(e.correlation.toFixed(3));
    expect(b.get('information ratio')).toBe(e.informationRatio.toFixed(3));
    expect(b.get('tracking error')).toBe(pct(e.trackingError));
    expect(sheet.html).toContain('Against REF &lt;b&gt;');
    expect(sheet.html).not.toContain('REF <b>');
  });

  it("lists the reference's five worst drawdowns with their dates", () => {
    const body = /<table class="tear" id="tear-drawdowns">.*?<tbody>(.*?)<\/tbody>/.exec(sheet.html)![1];
    const shown = [...body.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) =>
      [...m[1].matchAll(/<td>(.*?)<\/td>/g)].map((c) => c[1]),
    );
    const date = (i: number) => new Date(times[i]).toISOString().slice(0, 10);
    expect(shown).toEqual(
      REF.drawdowns.map((d, i) => [
        String(i + 1),
        pct(d.depth),
        d.peak < 0 ? 'start' : date(d.peak),
        date(d.trough),
        d.recovery < 0 ? 'not yet' : date(d.recovery),
        String(d.length),
      ]),
    );
  });

  it('the histogram counts every bar once', () => {
    expect(sheet.data.histogram.counts.reduce((a, b) => a + b, 0)).toBe(n);
    expect(sheet.data.window).toBe(63);
  });
});

describe("a trade's return", () => {
  const times = Float64Array.from([10, 20, 30, 40, 50]);
  const returns = Float64Array.from([0, 0.1, -0.5, 0.2, 0.1]);
  const equity = Float64Array.from([100, 110, 55, 66, 72.6]);
  const trade = (entryBar: number, exitBar: number, pnl: number, closed = true) => ({
    entryBar,
    exitBar,
    entryTime: times[entryBar],
    pnl,
    holdingBars: exitBar - entryBar,
    closed,
  });
  const trades = [trade(1, 2, -45), trade(3, 4, 17.6), trade(4, 4, 1, false)];

  it("a run's: its returns compounded from its entry bar to its exit bar", () => {
    const r = tradeReturns({ times, returns, equity, capital: 100, trades, tradeBasis: 'bars' });
    expect(r).toHaveLength(2);
    expect(r[0]).toBeCloseTo(1.1 * 0.5 - 1, 15);
    expect(r[1]).toBeCloseTo(1.2 * 1.1 - 1, 15);
  });

  it("a book's: its P&L over the equity before its entry", () => {
    const r = tradeReturns({ times, returns, equity, capital: 100, trades, tradeBasis: 'equity' });
    expect(r).toEqual([-45 / 100, 17.6 / 55]);
  });
});

describe('benchmark series', () => {
  it('buy-and-hold puts equal capital in each leg at the first bar', () => {
    const r = buyAndHoldReturns([Float64Array.from([100, 110, 121]), Float64Array.from([50, 50, 25])]);
    // value: 1, (1.1 + 1)/2 = 1.05, (1.21 + 0.5)/2 = 0.855
    expect(r[0]).toBe(0);
    expect(r[1]).toBeCloseTo(0.05, 15);
    expect(r[2]).toBeCloseTo(0.855 / 1.05 - 1, 15);
  });

  it("a benchmark's returns on the run's bars carry its last close over a missing day", () => {
    const r = alignedReturns(
      Float64Array.from([2, 3, 4, 5]),
      Float64Array.from([1, 2, 4, 5]),
      Float64Array.from([10, 11, 12.1, 12.1 * 1.5]),
    );
    expect(Array.from(r!)).toEqual([0, 0, 12.1 / 11 - 1, 0.5]);
    expect(
      alignedReturns(Float64Array.from([1]), Float64Array.from([2]), Float64Array.from([10])),
    ).toBeNull();
  });
});

const chromium = chromiumPath();
if (!chromium)
  console.warn(
    'tear sheet browser test SKIPPED: no Chromium at $CHROMIUM_PATH or /usr/bin/chromium (install it: apt-get install -y --no-install-recommends chromium)',
  );

const TEAR_CHARTS = [
  'chart-rolling-sharpe',
  'chart-rolling-vol',
  'chart-benchmark',
  'chart-rolling-beta',
  'chart-distribution',
];

describe.skipIf(!chromium)('the tear sheet in headless Chromium', () => {
  let context: BrowserContext;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'kalrev-tear-'));
    context = await launch(chromium!);
    mkdirSync('test-output', { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('a backtest against SPY: every tear-sheet chart drawn offline, no console error', async () => {
    const run = {
      ...resolveRunSpec({
        flags: {
          symbols: ['EWC', 'EWA'],
          preset: 'kalman-pair',
          report: { benchmark: 'SPY', rollingWindow: 40 },
        },
      }),
      data: 'data/etf_universe_ohlcv.csv',
    };
    const dir = join(root, 'bt');
    writeRunFolder(dir, runBacktest(run, await loadRunData(run)), '0.0.0-test');
    const url = pathToFileURL(join(dir, 'report.html')).href;
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
    const painted = await page.evaluate<{ id: string; painted: number }[]>(`
      Array.from(document.querySelectorAll('#tear-sheet .chart')).map((el) => {
        const canvas = el.querySelector('canvas');
        if (!canvas) return { id: el.id, painted: 0 };
        const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) n++;
        return { id: el.id, painted: n };
      })`);
    expect(painted.map((c) => c.id)).toEqual(TEAR_CHARTS);
    for (const c of painted) expect(c.painted, c.id).toBeGreaterThan(500);
    const legend = await page.locator('#chart-benchmark .u-legend').innerText();
    expect(legend).toContain('SPY');
    // the rolling charts start after the window: 39 bars without a value
    const nulls = await page.evaluate<number>(
      `window.kalrevCharts.find((u) => u.root.parentNode.id === 'chart-rolling-sharpe').data[1].findIndex((v) => v != null)`,
    );
    expect(nulls).toBe(39);
    expect(await page.locator('#tear-trades').count()).toBe(1);
    expect(await page.locator('#tear-luck').innerText()).toContain('probabilistic Sharpe ratio');
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.locator('#tear-sheet').screenshot({ path: 'test-output/tear-sheet.png' });
    await page.close();
  });

  it("a sweep's walk-forward page: its charts and tear sheet drawn offline, no console error", async () => {
    const { frame } = readWideCsvSync('data/ewa_ewc.csv');
    const r = await sweep(frame, {
      pair: ['EWC', 'EWA'],
      grid: 'entryZ=1,2',
      walkForward: { train: 504, test: 252, mode: 'rolling' },
      backtest: { execution: 'next-close' },
    });
    const file = writeWalkForwardReport(frame, r, join(root, 'sweep'), 'data/ewa_ewc.csv')!;
    expect(file).toBe(join(root, 'sweep', 'walk-forward', 'report.html'));
    const url = pathToFileURL(file).href;
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (q) => requests.push(q.url()));
    await page.goto(url);
    await page.waitForFunction(
      '(window.kalrevCharts || []).length === document.querySelectorAll(".chart").length',
    );
    const ids = await page.evaluate<string[]>(
      `Array.from(document.querySelectorAll('.chart')).map((el) => el.querySelector('canvas') ? el.id : '')`,
    );
    expect(ids).toEqual(['chart-equity', 'chart-drawdown', ...TEAR_CHARTS]);
    // the page's metrics are the walk-forward's
    const sharpe = await page.locator('[data-metric="sharpe"]').getAttribute('data-value');
    expect(Number(sharpe)).toBe(r.walkForward!.metrics.sharpe);
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
});
