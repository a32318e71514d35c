/** Re-rendering a run folder's report from its run.json. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseRunConfig, resolveRun } from './config.js';
import { analyzeFrame } from './analyze.js';
import { renderReport } from './html.js';
import { loadRunData, runBacktest } from './run.js';
import { runJson } from './config.js';
import { metricsJson } from './writers.js';

/**
 * Replays the run of `dir/run.json` and writes `dir/report.html`.
 * @returns the report path and whether the replayed metrics differ from `dir/metrics.json`.
 */
export async function rerender(
  dir: string,
  config: unknown,
  source: string,
  version: string,
): Promise<{ report: string; metricsChanged: boolean }> {
  const parsed = parseRunConfig(config, source);
  const run = resolveRun(parsed, {}, { data: '', preset: () => 'kalman-pair' }, source);
  const data = await loadRunData(run);
  const r = runBacktest(run, data);
  const html = renderReport({
    result: r.result,
    frame: data.frame,
    config: runJson(run, dir, version),
    analysis: analyzeFrame(data.frame, data.symbols),
    dataLabel: relative(process.cwd(), run.data) || run.data,
    ...(run.preset ? { label: run.preset } : {}),
  });
  const report = join(dir, 'report.html');
  writeFileSync(report, html);
  const metricsFile = join(dir, 'metrics.json');
  const metricsChanged =
    existsSync(metricsFile) && readFileSync(metricsFile, 'utf8') !== metricsJson(r.result.metrics, r.result);
  return { report, metricsChanged };
}
