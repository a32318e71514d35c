/**
 * A page of a return series with no single backtest behind it (a sweep's walk-forward, whose
 * test windows are chained): its metrics, growth and drawdown, and the tear sheet. One offline
 * file, as report.html.
 */
import type { Metrics } from '../execution/metrics.js';
import { escapeHtml, scriptJson } from '../escape.js';
import { CHART_CORE_JS, CLIENT_CSS, TEAR_SHEET_JS } from './client.js';
import { metricCards, uplotAssets } from './html.js';
import { tearSheet, type TearSheetInput } from './tearSheet.js';
import { drawdownSeries, returnIndex, series } from './writers.js';

/** What {@link renderTearSheetPage} shows. */
export interface TearSheetPageInput extends TearSheetInput {
  title: string;
  /** Lines under the title (plain text: they are escaped). */
  lines: string[];
  metrics: Metrics;
  /** The configuration to show as JSON. */
  config: Record<string, unknown>;
}

const PAGE_JS = String.raw`
(function () {
  ${CHART_CORE_JS}
  chart('chart-equity', [line('growth of 1', '#2563eb')], [D.growth]);
  chart('chart-drawdown', [line('drawdown %', '#dc2626', { fill: 'rgba(220,38,38,0.15)' })], [D.drawdown.map(function (v) { return v == null ? null : 100 * v; })]);
  ${TEAR_SHEET_JS}
})();
`;

/** Renders the page: one offline HTML file (uPlot and the data inlined, no request). */
export function renderTearSheetPage(input: TearSheetPageInput): string {
  const esc = escapeHtml;
  const tear = tearSheet(input);
  const data = scriptJson({
    times: Array.from(input.times, (t) => t / 1000),
    growth: series(returnIndex(input.returns)),
    drawdown: series(drawdownSeries(input.returns)),
    tear: tear.data,
  });
  const { js, css } = uplotAssets();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(input.title)}</title>
<style>${css}</style>
<style>${CLIENT_CSS}</style>
</head><body>
<header>
<h1>${esc(input.title)}</h1>
${input.lines.map((l) => `<p class="muted">${esc(l)}</p>`).join('\n')}
<div class="metrics" id="metrics">${metricCards(input.metrics, 'data-metric')}</div>
<p class="muted help">Charts: drag to zoom, double-click to reset; all time axes are linked.</p>
</header>
<main>
<section><h2>Equity (growth of 1) and drawdown</h2><div class="chart" id="chart-equity"></div><div class="chart short" id="chart-drawdown"></div></section>
<section id="tear-sheet"><h2>Tear sheet</h2>${tear.html}</section>
<section><h2>Config</h2><pre id="config">${esc(JSON.stringify(input.config, null, 2))}</pre></section>
</main>
<script type="application/json" id="kalrev-data">${data}</script>
<script>${js}</script>
<script>${PAGE_JS}</script>
</body></html>
`;
}
