/**
 * The HTML report in a real browser: headless Debian Chromium (playwright-core) opens each
 * generated report from file://, and the test checks there is no console error and no network
 * request, every chart drew, the metrics shown are metrics.json's, and zooming one chart moves
 * the others. Screenshots go to test-output/.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRunSpec } from '../../src/app/spec.js';
import { formatMetric } from '../../src/report/html.js';
import { loadRunData, runBacktest, writeRunFolder } from '../../src/app/run.js';
import { chromiumPath, launch } from './browser.js';

const DATA = 'data/etf_universe_ohlcv.csv';
const chromium = chromiumPath();
if (!chromium)
  console.warn(
    'report browser test SKIPPED: no Chromium at $CHROMIUM_PATH or /usr/bin/chromium (install it: apt-get install -y --no-install-recommends chromium)',
  );

async function makeRun(dir: string, preset: string, symbols: string[], withComparison = false) {
  const run = async (p: string) => {
    const resolved = { ...resolveRunSpec({ flags: { symbols, preset: p } }), data: DATA };
    return runBacktest(resolved, await loadRunData(resolved));
  };
  const main = await run(preset);
  const cmp = withComparison ? { label: 'kalrev defaults', run: await run('kalman-pair') } : undefined;
  writeRunFolder(dir, main, '0.0.0-test', cmp, preset);
  return dir;
}

describe.skipIf(!chromium)('report.html in headless Chromium', () => {
  let context: BrowserContext;
  const runs: Record<string, string> = {};
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'kalrev-report-'));
    const [ctx] = await Promise.all([
      launch(chromium!),
      (async () => {
        runs.pair = await makeRun(join(root, 'pair'), 'chan-2013-ex3.3', ['EWC', 'EWA'], true);
        runs.single = await makeRun(join(root, 'single'), 'kalman-single', ['EWA']);
      })(),
    ]);
    context = ctx;
    mkdirSync('test-output', { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
  });

  for (const name of ['pair', 'single']) {
    it(`${name}: draws every chart offline, shows metrics.json, links zoom`, async () => {
      const dir = runs[name];
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

      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);

      // every chart has drawn: its canvas has painted pixels
      const painted = await page.evaluate<{ id: string; painted: number }[]>(`
        Array.from(document.querySelectorAll('.chart')).map((el) => {
          const canvas = el.querySelector('canvas');
          if (!canvas) return { id: el.id, painted: 0 };
          const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let n = 0;
          for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) n++;
          return { id: el.id, painted: n };
        })`);
      // the run's charts, then the tear sheet's (rolling Sharpe and volatility, the benchmark and
      // the rolling β against buy-and-hold of the legs, the distribution)
      expect(painted.length).toBe(name === 'pair' ? 11 : 10);
      for (const c of painted) expect(c.painted, c.id).toBeGreaterThan(500);

      // the metrics shown are metrics.json's, formatted as the terminal shows them
      const { ruined, ruinedAt, ...metrics } = JSON.parse(
        readFileSync(join(dir, 'metrics.json'), 'utf8'),
      ) as Record<string, number | null>;
      // the 13 metrics are shown; metrics.json then says whether the account was ruined
      expect([ruined, ruinedAt]).toEqual([false, null]);
      const shown = await page.evaluate<[string, string, string][]>(`
        Array.from(document.querySelectorAll('[data-metric]')).map((el) => [
          el.getAttribute('data-metric'), el.getAttribute('data-value'), el.textContent,
        ])`);
      expect(Object.fromEntries(shown.map(([k, v]) => [k, v === 'null' ? null : Number(v)]))).toEqual(
        metrics,
      );
      for (const [k, , text] of shown) expect(text).toBe(formatMetric(k, metrics[k] ?? NaN));

      // drag-zoom on the first chart: every chart's time axis follows
      const box = (await page.locator('#chart-prices .u-over').boundingBox())!;
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

      // the trades table sorts by P&L
      await page.locator('#trades th', { hasText: 'P&L' }).click();
      const pnl = await page.evaluate<number[]>(`
        Array.from(document.querySelectorAll('#trades tbody tr')).map((r) =>
          Number(r.cells[r.cells.length - 1].getAttribute('data-v')))`);
      expect(pnl).toEqual([...pnl].sort((a, b) => a - b));

      // back to the full range for the screenshots
      await page.evaluate(`{
        const d = window.kalrevCharts[0].data[0];
        window.kalrevCharts[0].setScale('x', { min: d[0], max: d[d.length - 1] });
        window.scrollTo(0, 0);
      }`);
      await page.screenshot({ path: `test-output/report-${name}.png`, fullPage: true });
      await page.screenshot({
        path: `test-output/report-${name}-top.png`,
        fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: 1750 },
      });
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
