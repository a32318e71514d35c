/**
 * Regenerates docs/report.png and docs/tearsheet.png, the README's pictures of the report: opens
 * the demo's report (out/demo/report.html, from `npm start`) in headless Chromium and captures
 * its top, zoomed on one year, then its tear sheet over the whole run.
 *   npm start && npx tsx test/report/screenshot.ts
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { chromiumPath, launch } from './browser.js';

const path = chromiumPath();
if (!path) throw new Error('no Chromium at $CHROMIUM_PATH or /usr/bin/chromium');
const context = await launch(path);
const page = await context.newPage();
await page.goto(pathToFileURL(resolve('out/demo/report.html')).href);
await page.waitForFunction(
  '(window.kalrevCharts || []).length === document.querySelectorAll(".chart").length',
);
// one year, so the bands and the trades are visible (all charts follow the first one's zoom)
await page.evaluate(
  `window.kalrevCharts[0].setScale('x', { min: Date.UTC(2009, 5, 1) / 1000, max: Date.UTC(2010, 5, 1) / 1000 })`,
);
await page.screenshot({
  path: 'docs/report.png',
  fullPage: true,
  clip: { x: 0, y: 0, width: 1280, height: 1640 },
});
// the tear sheet over the whole run
await page.evaluate(`{
  const d = window.kalrevCharts[0].data[0];
  window.kalrevCharts[0].setScale('x', { min: d[0], max: d[d.length - 1] });
}`);
await page.locator('#tear-sheet').screenshot({ path: 'docs/tearsheet.png' });
await context.close();
console.log('wrote docs/report.png, docs/tearsheet.png');
