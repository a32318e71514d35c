/**
 * Every HTML page kalrev writes, fed hostile names, in headless Chromium: symbols named
 * `<img … onerror=…>` and `</script><script>…`, a symbol with U+2028 and `<!--`, and a data
 * file and a journal whose names hold markup, go through the real CLI into the backtest report
 * (with its statistics panel, kalrev analyze's tests), scan.html, sweep.html and a paper run's
 * report. Each page is opened and exercised (rows clicked, tables sorted, chart tooltips shown);
 * nothing may run (document.title unchanged, no dialog, no window flag, no injected element) and
 * every name must be shown as text.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kalrev } from '../cli/run.js';
import { chromiumPath, launch } from './browser.js';

const chromium = chromiumPath();
if (!chromium)
  console.warn(
    'hostile-names browser test SKIPPED: no Chromium at $CHROMIUM_PATH or /usr/bin/chromium (install it: apt-get install -y --no-install-recommends chromium)',
  );

// each payload sets the flag and the title when it runs
const RUN = `window.__xss=1;document.title='XSS'`;
const IMG = `<img src=x onerror="${RUN}">`;
const SCRIPT = `</script><script>${RUN}</script>`;
const LINE = `\u2028<!--<script>${RUN}//`;
// the CSV replay feed of kalrev paper splits lines on commas without quoting: no `"` there
const IMG_BARE = `<img src=x onerror=${RUN}>`;
const FILE_MARKUP = `<img src=x onerror=${RUN.replace(/'/g, '')}>`;

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A cointegrated wide CSV (y = 1.2 x + 5 + AR(1) noise, and a third leg), 300 daily bars. */
function wideCsv(names: string[]): string {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const lines = [['date', ...names].map(csvCell).join(',')];
  let px = 50;
  let e = 0;
  let z = 30;
  for (let t = 0; t < 300; t++) {
    px *= 1 + 0.01 * rand();
    e = 0.9 * e + 0.3 * rand();
    z *= 1 + 0.01 * rand();
    const day = new Date(Date.UTC(2020, 0, 1) + t * 86_400_000).toISOString().slice(0, 10);
    const row = [day, (1.2 * px + 5 + e).toFixed(4), px.toFixed(4), z.toFixed(4)];
    lines.push(row.slice(0, names.length + 1).join(','));
  }
  return lines.join('\n') + '\n';
}

async function cli(...args: string[]): Promise<string> {
  const r = await kalrev(...args);
  if (r.status !== 0) throw new Error(`kalrev ${args[0]} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(!chromium)('hostile names in every HTML page, in headless Chromium', () => {
  let context: BrowserContext;
  let root: string;
  const pages: Record<string, string> = {};
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'kalrev-hostile-'));
    const data = join(root, `${FILE_MARKUP}.csv`);
    writeFileSync(data, wideCsv([IMG, SCRIPT, LINE]));
    const feed = join(root, 'feed.csv');
    writeFileSync(feed, wideCsv([IMG_BARE, SCRIPT]));
    const state = join(root, `${FILE_MARKUP}.db`);
    const pair = `${IMG},${SCRIPT}`;
    const [ctx] = await Promise.all([
      launch(chromium!),
      cli(
        'backtest',
        '--data',
        data,
        '--pair',
        pair,
        '--benchmark',
        // the reader trims the header's U+2028, as it trims any white space around a name
        LINE.trim(),
        '--execution',
        'close',
        '--out',
        join(root, 'bt'),
      ),
      cli('scan', '--data', data, '--threads', '1', '--out', join(root, 'scan'), '--quiet'),
      cli(
        'sweep',
        '--data',
        data,
        '--pair',
        pair,
        '--grid',
        'delta=1e-5,1e-4;entryZ=1,2',
        '--train',
        '150',
        '--test',
        '75',
        '--execution',
        'close',
        '--threads',
        '1',
        '--out',
        join(root, 'sweep'),
        '--quiet',
      ),
      (async () => {
        await cli(
          'paper',
          '--pair',
          `${IMG_BARE},${SCRIPT}`,
          '--preset',
          'chan-2013-ex3.3',
          '--execution',
          'close',
          '--feed',
          `csv:${feed}`,
          '--state',
          state,
          '--log-level',
          'error',
        );
        await cli('report', '--state', state, '--out', join(root, 'paper'), '--quiet');
      })(),
    ]);
    context = ctx;
    pages.backtest = join(root, 'bt', 'report.html');
    pages.scan = join(root, 'scan', 'scan.html');
    pages.sweep = join(root, 'sweep', 'sweep.html');
    pages.paper = join(root, 'paper', 'report.html');
    pages.scanPair = join(root, 'scan', 'pairs', '001', 'report.html');
    pages.sweepBest = join(root, 'sweep', 'best', 'report.html');
    pages.sweepWalk = join(root, 'sweep', 'walk-forward', 'report.html');
  }, 180_000);
  afterAll(async () => {
    await context?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /**
   * Opens a page, runs `exercise`, then lets every pending image error fire: a missing image
   * loaded last fails after those requested before it.
   */
  async function visit(file: string, exercise: (page: Page) => Promise<void>) {
    const page = await context.newPage();
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await exercise(page);
    await page.evaluate(`new Promise((resolve) => {
      const probe = new Image();
      probe.onerror = probe.onload = () => requestAnimationFrame(() => resolve());
      probe.src = 'kalrev-missing-probe.png';
    })`);
    const state = await page.evaluate<{
      title: string;
      flag: unknown;
      injected: number;
      text: string;
      legend: string;
    }>(`({
      title: document.title,
      flag: window.__xss ?? null,
      injected:
        document.images.length +
        [...document.scripts].filter((s) => s.text.trimStart().startsWith('window.__xss')).length,
      text: document.body.innerText,
      legend: document.querySelector('#chart-benchmark .u-legend')?.textContent ?? '',
    })`);
    await page.close();
    return { ...state, dialogs, errors };
  }

  function expectInert(r: Awaited<ReturnType<typeof visit>>, title: string) {
    expect(r.flag).toBeNull();
    expect(r.dialogs).toEqual([]);
    expect(r.injected).toBe(0);
    expect(r.errors).toEqual([]);
    expect(r.title).toBe(title);
  }

  it('backtest report (and its statistics panel): names shown as text, nothing runs', async () => {
    const r = await visit(pages.backtest, async (page) => {
      await page.locator('#trades th').nth(1).click();
      const over = page.locator('#chart-prices .u-over');
      await over.scrollIntoViewIfNeeded();
      const box = (await over.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
      const tip = page.locator('#chart-prices .tip');
      await tip.waitFor({ state: 'visible' });
      expect(await tip.innerText()).toContain(IMG);
    });
    expectInert(r, `kalrev · kalman-pair · ${IMG}/${SCRIPT}`);
    expect(r.text).toContain(`in ${IMG}`); // trades table header
    expect(r.text).toContain(`Tested series: ${IMG} − `); // statistics panel (kalrev analyze's tests)
    expect(r.text).toContain(`·${SCRIPT} − `);
    expect(r.text).toContain(`${FILE_MARKUP}.csv`); // the data file's name
    // the tear sheet's benchmark, named in its table's heading and its chart's legend
    const text = r.text.replace(/\u2028/g, '');
    expect(text).toContain(`Against ${LINE.replace('\u2028', '')}`);
    expect(r.legend.replace(/\u2028/g, '')).toContain(LINE.replace('\u2028', ''));
  });

  it('scan.html: table, sorting and a clicked pair show the names as text, nothing runs', async () => {
    let detail = '';
    const r = await visit(pages.scan, async (page) => {
      await page.locator('#t th').nth(1).click();
      const row = page.locator('#t tbody tr', { hasText: SCRIPT }).first();
      await row.click();
      detail = await page.locator('#d h3').innerText();
    });
    expectInert(r, 'kalrev scan');
    expect(detail).toContain(SCRIPT);
    for (const name of [IMG, SCRIPT, LINE.replace('\u2028', '')])
      expect(r.text.replace(/\u2028/g, '')).toContain(name);
    expect(r.text).toContain(`${FILE_MARKUP}.csv`);
  });

  it("the reports of a scan's best pair, a sweep's best point and its walk-forward: names shown as text, nothing runs", async () => {
    for (const page of [pages.scanPair, pages.sweepBest, pages.sweepWalk]) {
      const r = await visit(page, async () => {});
      expect(r.flag).toBeNull();
      expect(r.dialogs).toEqual([]);
      expect(r.injected).toBe(0);
      expect(r.errors).toEqual([]);
      expect(r.title.startsWith('kalrev · ')).toBe(true);
      expect(r.title).not.toBe('XSS');
      expect(r.text).toContain('deflated Sharpe ratio');
      expect(r.text).toContain(SCRIPT);
    }
  });

  it('sweep.html: names shown as text, nothing runs', async () => {
    const r = await visit(pages.sweep, async () => {});
    expectInert(r, `kalrev sweep ${IMG}/${SCRIPT}`);
    expect(r.text).toContain(`kalrev sweep: ${IMG} on ${SCRIPT}`);
  });

  it('paper report (kalrev report --state): names and the journal name shown as text, nothing runs', async () => {
    const r = await visit(pages.paper, async (page) => {
      await page.locator('#trades th').nth(2).click();
      const over = page.locator('#chart-prices .u-over');
      await over.scrollIntoViewIfNeeded();
      const box = (await over.boundingBox())!;
      await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2, { steps: 3 });
      await page.locator('#chart-prices .tip').waitFor({ state: 'visible' });
    });
    expectInert(r, `kalrev · paper · ${IMG_BARE}/${SCRIPT}`);
    expect(r.text).toContain(`in ${IMG_BARE}`);
    expect(r.text).toContain(`${FILE_MARKUP}.db`);
  });
});
