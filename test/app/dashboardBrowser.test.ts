/**
 * The live dashboard in headless Debian Chromium (playwright-core): the page updates when a bar
 * is fed to the running engine, for two viewers at once and after a reload; it shows a halt; it
 * reconnects by itself when the engine restarts; a book shows its sleeves; hostile symbol names
 * are shown as text and never run. Every wait is on the page's DOM changing (bounded), never on
 * a fixed delay. (The time from a bar to the page is measured by `npm run bench -- live`.)
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type LiveDashboard, type RepeatTimer } from '../../src/app/dashboard.js';
import type { AssembledBar } from '../../src/live/assembler.js';
import { wideFrame } from '../backtest/load.js';
import { bookCsv, PAIRS } from '../live/bookData.js';
import { FakeBroker, FakeClock } from '../live/fakeBroker.js';
import { cleanup, session, tempDir } from '../live/helpers.js';
import { chromiumPath, launch } from '../report/browser.js';

const chromium = chromiumPath();
if (!chromium)
  console.warn(
    'dashboard browser test SKIPPED: no Chromium at $CHROMIUM_PATH or /usr/bin/chromium (install it: apt-get install -y --no-install-recommends chromium)',
  );

const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
const ewc = frame.get('EWC');
const ewa = frame.get('EWA');
const barAt = (t: number): AssembledBar => ({
  time: frame.times[t],
  close: Float64Array.of(ewc[t], ewa[t]),
  open: null,
  flatten: false,
  receivedAt: frame.times[t],
});
const single = (symbols = ['EWC', 'EWA']) => ({
  preset: 'kalman-pair',
  symbols,
  options: { execution: 'close' as const },
});
/** The poll timer never fires by itself here: only the engine's notices push. */
const noTimer: RepeatTimer = () => () => {};
/** How long a DOM change may take before the test fails (a bound, not a wait). */
const BOUND = { timeout: 15_000 };

/**
 * The page's globals, as the page's functions below see them (the page's CSP refuses code
 * passed as a string, so the test passes functions, which may reach nothing of this file).
 */
interface PageGlobals {
  document: { getElementById(id: string): { textContent: string | null } | null };
  kalrevCharts: { data: number[][] }[];
  kalrevDashboard: { snapshots: number; updates: number };
  __xss?: number;
}

const RUN = `window.__xss=1;document.title='XSS'`;
const IMG = `<img src=x onerror="${RUN}">`;
const SCRIPT = `</script><script>${RUN}</script>`;

describe.skipIf(!chromium)('the live dashboard in headless Chromium', () => {
  let context: BrowserContext;
  const errors: string[] = [];
  beforeAll(async () => {
    context = await launch(chromium!);
  });
  afterAll(async () => {
    await context?.close();
    cleanup();
  });

  async function open(url: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    return page;
  }
  const textOf = (page: Page, id: string) => page.locator(`#${id}`).textContent();
  /** Resolves when the element's whole text is `want` (the page's own selector engine: no code is evaluated in the page). */
  const waitText = (page: Page, id: string, want: string) =>
    page
      .locator(`#${id}`)
      .filter({ hasText: new RegExp(`^${want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) })
      .waitFor(BOUND);

  it('updates on every bar the running engine journals, for two viewers, and after a reload', async () => {
    const s = session(single(), 'stdin');
    for (let t = 0; t < 20; t++) await s.runner.processBar(barAt(t));
    const d = await startDashboard({ state: s.state, runner: s.runner, every: noTimer });
    const [a, b] = [await open(d.url), await open(d.url)];
    await Promise.all([waitText(a, 'bars', '20'), waitText(b, 'bars', '20')]);
    expect(d.server.viewers).toBe(2);
    await s.runner.processBar(barAt(20));
    await Promise.all([waitText(a, 'bars', '21'), waitText(b, 'bars', '21')]);
    for (const page of [a, b]) {
      expect(await textOf(page, 'last-bar')).toBe(
        new Date(frame.times[20]).toISOString().replace('T', ' ').replace('.000Z', 'Z'),
      );
      // symbol, account shares, shares at the broker, last close: the bar just fed
      const cells = await page.locator('#positions tr').first().locator('td').allTextContents();
      expect([cells[0], cells[3]]).toEqual(['EWC', ewc[20].toFixed(4)]);
      expect(
        await page.evaluate(() => (globalThis as unknown as PageGlobals).kalrevCharts[0].data[0].length),
      ).toBe(21);
      expect(await textOf(page, 'conn')).toBe('live');
      expect(await textOf(page, 'health')).toBe('ok');
    }
    // a reload gets the whole run again
    await a.reload();
    await waitText(a, 'bars', '21');
    expect(
      await a.evaluate(() => (globalThis as unknown as PageGlobals).kalrevCharts[0].data[0].length),
    ).toBe(21);
    await s.runner.processBar(barAt(21));
    await Promise.all([waitText(a, 'bars', '22'), waitText(b, 'bars', '22')]);
    await Promise.all([a.close(), b.close()]);
    await d.close();
    s.close();
    expect(errors).toEqual([]);
  });

  it('shows a halt as it happens', async () => {
    const clock = new FakeClock(frame.times[0]);
    const fake = new FakeBroker({ clock });
    const s = session(single(), 'stdin', { broker: () => fake, clock: clock.read });
    let t = 0;
    for (; t < 60; t++) await s.runner.processBar(barAt(t));
    const d = await startDashboard({ state: s.state, runner: s.runner, every: noTimer, clock: clock.read });
    const page = await open(d.url);
    await waitText(page, 'bars', '60');
    expect(await page.locator('#halt').isVisible()).toBe(false);
    const before = s.journal.positions().get('EWC') ?? 0;
    fake.tamper('EWC', 25);
    await expect(s.runner.processBar(barAt(t))).rejects.toThrow(/halted/);
    await waitText(page, 'health', 'halted');
    expect(await page.locator('#halt').isVisible()).toBe(true);
    expect(await textOf(page, 'halt')).toBe(
      `HALTED: the broker disagrees with the journal (EWC broker ${before + 25} vs journal ${before}). Nothing more is traded until the account matches and the run is restarted.`,
    );
    expect(await page.locator('#events tr').first().locator('td').nth(1).textContent()).toBe('halt');
    await page.close();
    await d.close();
    s.close();
    expect(errors).toEqual([]);
  });

  it('reconnects by itself when the engine restarts', async () => {
    const first = session(single(), 'stdin');
    for (let t = 0; t < 10; t++) await first.runner.processBar(barAt(t));
    let d: LiveDashboard = await startDashboard({ state: first.state, runner: first.runner, every: noTimer });
    const port = d.server.address()!.port;
    const page = await open(d.url);
    await waitText(page, 'bars', '10');
    // the engine stops: its dashboard says so, then goes away
    d.end('feed ended');
    await waitText(page, 'conn', 'engine stopped: feed ended');
    await d.close();
    first.close();
    await waitText(page, 'conn', 'reconnecting…');
    // a new engine on the same journal and port: the open page finds it without a reload
    const again = session(single(), 'stdin', { state: first.state });
    d = await startDashboard({ state: again.state, runner: again.runner, port, every: noTimer });
    await again.runner.processBar(barAt(10));
    await waitText(page, 'bars', '11');
    await waitText(page, 'conn', 'live');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).kalrevDashboard.snapshots)).toBe(
      2,
    );
    await page.close();
    await d.close();
    again.close();
    expect(errors).toEqual([]);
  });

  it("shows a book's sleeves", async () => {
    const symbols = [...new Set(PAIRS.flat())];
    const { file } = bookCsv(tempDir(), symbols, 300, 80);
    const s = session(
      {
        preset: 'kalman-pair',
        options: { execution: 'close', capital: 150_000 },
        portfolio: { pairs: PAIRS },
      },
      `csv:${file}`,
    );
    await s.run();
    s.close();
    const d = await startDashboard({ state: s.state, every: noTimer });
    const page = await open(d.url);
    await waitText(page, 'bars', '80');
    expect(await page.locator('#sleeves-section').isVisible()).toBe(true);
    const pairs = await page
      .locator('#sleeves tr')
      .evaluateAll((rows) => rows.map((r) => r.firstChild!.textContent));
    expect(pairs).toEqual(PAIRS.map(([y, x]) => `${y}/${x}`));
    expect(await textOf(page, 'running')).toBe('engine not running');
    await page.close();
    await d.close();
    expect(errors).toEqual([]);
  });

  it('shows hostile symbol names as text: nothing runs', async () => {
    const s = session(single([IMG, SCRIPT]), 'stdin');
    for (let t = 0; t < 30; t++) await s.runner.processBar(barAt(t));
    const d = await startDashboard({ state: s.state, runner: s.runner, every: noTimer });
    const page = await open(d.url);
    await waitText(page, 'bars', '30');
    await s.runner.processBar(barAt(30));
    await waitText(page, 'bars', '31');
    const names = await page
      .locator('#positions tr')
      .evaluateAll((rows) => rows.map((r) => r.firstChild!.textContent));
    expect(names).toEqual([IMG, SCRIPT]);
    expect(await textOf(page, 'title')).toBe(`kalrev live · ${IMG}/${SCRIPT}`);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__xss)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    // hover the charts: their tooltips name the series (z and the pair)
    await page.locator('#chart-z .u-over').hover();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__xss)).toBeUndefined();
    await page.close();
    await d.close();
    s.close();
    expect(errors).toEqual([]);
  });
});
