/**
 * Full reports (report.html with its tear sheet) of what a scan or a sweep selected: a scan's
 * best pairs and a sweep's best grid point, each with the number of trials it was chosen from,
 * so that its deflated Sharpe ratio counts them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backtest } from '../backtest/engine.js';
import { alignFrames } from '../data/align.js';
import type { PriceFrame } from '../data/frame.js';
import type { ResolvedBacktestOptions } from '../execution/options.js';
import { renderReport } from '../report/html.js';
import { buyAndHoldReturns, type Trials } from '../report/tearSheet.js';
import { renderTearSheetPage } from '../report/tearSheetPage.js';
import { bestPairs, type ScanResult } from '../scan/scan.js';
import { scanTrials, type SweepSelectionBias } from '../scan/selectionBias.js';
import { specAt, type SweepResult } from '../scan/sweep.js';
import type { StrategySpec } from '../strategy/spec.js';
import { analyzeFrame } from './analyze.js';

/** A pair's report folder under a scan's folder: by rank only, so no name from the data is a path. */
export const pairReportDir = (rank: number): string => join('pairs', String(rank).padStart(3, '0'));

/** Backtests one pair with a spec and writes its report.html to `dir`. */
function writePairReport(
  frame: PriceFrame,
  pair: [string, string],
  strategy: StrategySpec,
  options: ResolvedBacktestOptions,
  dir: string,
  label: string,
  data: string,
  trials: Trials,
): string {
  const { frame: f } = alignFrames(frame, { symbols: pair });
  const result = backtest(f, strategy, { ...options, symbols: pair });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'report.html');
  writeFileSync(
    file,
    renderReport({
      result,
      frame: f,
      config: { data, symbols: pair, strategy, options },
      analysis: analyzeFrame(f, pair),
      label,
      dataLabel: data,
      trials,
    }),
  );
  return file;
}

/**
 * Writes `dir/pairs/NNN/report.html` for the best `count` pairs of a scan (NNN its rank), their
 * deflated Sharpe ratios counting every pair the scan backtested.
 * @returns the files written.
 */
export function writeScanReports(scan: ScanResult, frame: PriceFrame, dir: string, count: number): string[] {
  const t = scanTrials(scan);
  const trials = { ...t, source: `the ${t.count} pairs the scan backtested` };
  return bestPairs(scan, count).map((p) =>
    writePairReport(
      frame,
      [p.y, p.x],
      scan.strategy,
      scan.options,
      join(dir, pairReportDir(p.rank)),
      `scan rank ${p.rank}`,
      scan.source,
      trials,
    ),
  );
}

/**
 * Writes `dir/best/report.html`: the report of a sweep's best grid point over the whole
 * period, its deflated Sharpe ratio counting the grid's points.
 * @returns the file written.
 */
export function writeSweepReport(
  frame: PriceFrame,
  r: SweepResult,
  bias: SweepSelectionBias,
  dir: string,
  data: string,
): string {
  const point = r.axes.map((a, j) => `${a.name}=${+bias.best.point[j].toPrecision(4)}`).join(' ');
  return writePairReport(
    frame,
    r.pair,
    specAt(r.strategy, r.axes, bias.best.point),
    r.options,
    join(dir, 'best'),
    `sweep best point ${point}`,
    data,
    { ...bias.trials, source: `the sweep's ${bias.trials.count} grid points` },
  );
}

/**
 * Writes `dir/walk-forward/report.html` when the sweep ran walk-forward: the tear sheet of its
 * out-of-sample returns (the test windows chained), against buy-and-hold of the pair over the
 * same bars. The walk-forward is one procedure, not a choice among trials: its deflated Sharpe
 * ratio is its probabilistic one. The chained run keeps no trades, so the page has none.
 * @returns the file written, or null without walk-forward.
 */
export function writeWalkForwardReport(
  frame: PriceFrame,
  r: SweepResult,
  dir: string,
  data: string,
): string | null {
  const wf = r.walkForward;
  if (!wf || wf.times.length === 0) return null;
  const { frame: pair } = alignFrames(frame, { symbols: r.pair });
  const at = new Map<number, number>();
  pair.times.forEach((t, i) => at.set(t, i));
  const closes = r.pair.map((s) => {
    const c = pair.get(s, 'close');
    return Float64Array.from(wf.times, (t) => c[at.get(t)!]);
  });
  const out = join(dir, 'walk-forward');
  mkdirSync(out, { recursive: true });
  const file = join(out, 'report.html');
  const first = new Date(wf.times[0]).toISOString().slice(0, 10);
  const last = new Date(wf.times[wf.times.length - 1]).toISOString().slice(0, 10);
  writeFileSync(
    file,
    renderTearSheetPage({
      title: `kalrev · walk-forward out of sample · ${r.pair.join('/')}`,
      lines: [
        `data ${data}: ${r.pair.join(', ')}, ${first} … ${last} (${wf.times.length} bars of test windows)`,
        `${wf.windows.length} test windows (${wf.mode}${wf.learn ? ', noise learned by EM per training window' : ''}), each trading the grid point best in its training window by ${r.metric}`,
      ],
      metrics: wf.metrics,
      config: {
        data,
        symbols: r.pair,
        axes: r.axes,
        metric: r.metric,
        strategy: r.strategy,
        options: r.options,
      },
      times: wf.times,
      returns: wf.returns,
      equity: wf.equity,
      capital: r.options.capital,
      trades: [],
      tradeBasis: 'bars',
      periodsPerYear: r.options.periodsPerYear,
      riskFreeRate: r.options.riskFreeRate,
      benchmark: { label: `buy-and-hold of ${r.pair.join(', ')}`, returns: buyAndHoldReturns(closes) },
    }),
  );
  return file;
}
