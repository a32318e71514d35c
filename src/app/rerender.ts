/** Re-rendering a report: a run folder's from its run.json, a paper run's from its journal. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { journalConfigChanges, journalFrame, journalToBacktestResult } from '../live/report.js';
import { renderReport } from '../report/html.js';
import { metricsJson } from '../report/writers.js';
import { analyzeFrame } from './analyze.js';
import { loadRunData, reportOptions, runBacktest } from './run.js';
import { ConfigError, parseRunSpec, resolveRunSpec, runJson } from './spec.js';

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
  const spec = resolveRunSpec(
    { file: parseRunSpec(config, source), source },
    { preset: () => 'kalman-pair' },
  );
  const run = { ...spec, data: spec.data ?? '' };
  const data = await loadRunData(run);
  const r = runBacktest(run, data);
  const html = renderReport({
    result: r.result,
    frame: data.frame,
    config: runJson(run, dir, version),
    analysis: analyzeFrame(data.frame, data.symbols),
    dataLabel: relative(process.cwd(), run.data) || run.data,
    ...(run.preset ? { label: run.preset } : {}),
    ...reportOptions(r),
  });
  const report = join(dir, 'report.html');
  writeFileSync(report, html);
  const metricsFile = join(dir, 'metrics.json');
  const metricsChanged =
    existsSync(metricsFile) && readFileSync(metricsFile, 'utf8') !== metricsJson(r.result.metrics, r.result);
  return { report, metricsChanged };
}

/**
 * Writes `outDir/report.html` for a paper-trading journal: the journaled bars replayed with the
 * targets decided live.
 * @returns the report's path.
 * @throws ConfigError when there is no such journal.
 */
export function renderJournalReport(state: string, outDir: string): string {
  if (!existsSync(state)) throw new ConfigError(`${state}: no such journal`);
  const result = journalToBacktestResult(state);
  const frame = journalFrame(state);
  mkdirSync(outDir, { recursive: true });
  const report = join(outDir, 'report.html');
  writeFileSync(
    report,
    renderReport({
      result,
      frame,
      config: {
        state,
        symbols: result.symbols,
        strategy: result.strategy,
        options: result.options,
        configChanges: journalConfigChanges(state),
      },
      analysis: null,
      label: 'paper',
      dataLabel: relative(process.cwd(), state) || state,
    }),
  );
  return report;
}
