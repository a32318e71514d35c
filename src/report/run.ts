/**
 * A backtest run as the command line does it: read and align the data named by a resolved
 * config, run the backtest, and write the output folder (report.html, metrics.json,
 * trades.csv, equity.csv, run.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { backtest, presetLegs, type BacktestResult } from '../backtest/index.js';
import {
  alignFrames,
  readPrices,
  type AlignmentReport,
  type PriceFrame,
  type Repair,
} from '../data/index.js';
import { legsOf } from '../strategy/index.js';
import { ConfigError, runJson, type ResolvedRun } from './config.js';
import { equityCsv, metricsJson, tradesCsv } from './writers.js';
import { analyzeFrame, type Analysis } from './analyze.js';
import { renderReport, type Comparison } from './html.js';

/** Aligned legs of a run and what reading and aligning did. */
export interface LoadedData {
  frame: PriceFrame;
  symbols: string[];
  repairs: Repair[];
  alignment: AlignmentReport;
}

/**
 * Reads the run's data and aligns its legs (inner join). Fills in `run.symbols` when the config
 * gave none: the file's first symbols, as many as the strategy trades.
 * @throws DataError / FrameError naming the file, line and column; ConfigError when the
 *   execution needs open prices the data does not have.
 */
export async function loadRunData(run: ResolvedRun): Promise<LoadedData> {
  const legs = legsOf(run.strategy);
  const given = run.symbols.length > 0 ? run.symbols : undefined;
  if (given && given.length !== legs)
    throw new ConfigError(
      `the strategy trades ${legs} leg${legs > 1 ? 's' : ''} but ${given.length} symbol${given.length === 1 ? ' was' : 's were'} given (${given.join(', ')})${legs === 2 ? '; use --pair Y,X' : legs === 1 ? '; use --symbol S' : ''}`,
    );
  const read = await readPrices(run.data, {
    ...(given ? { symbols: given } : {}),
    ...(run.repair ? { repair: run.repair } : {}),
  });
  const symbols = given ?? presetLegs(run.preset, read.frame.symbols) ?? read.frame.symbols.slice(0, legs);
  if (symbols.length < legs)
    throw new ConfigError(
      `${read.frame.source}: the strategy trades ${legs} legs but the data has only ${read.frame.symbols.join(', ')}`,
    );
  const { frame, report } = alignFrames(read.frame, {
    symbols,
    ...(run.repair?.forwardFill ? { forwardFill: run.repair.forwardFill } : {}),
  });
  if (run.options.execution === 'next-open')
    for (const s of symbols)
      if (!frame.has(s, 'open'))
        throw new ConfigError(
          `${frame.source}: execution 'next-open' needs open prices, but ${s} has closes only; use --execution close or next-close, or data with opens (a long or Yahoo file)`,
        );
  run.symbols = symbols;
  return { frame, symbols, repairs: read.repairs, alignment: report };
}

/** A finished run: its config, data and result. */
export interface Run {
  run: ResolvedRun;
  data: LoadedData;
  result: BacktestResult;
}

/** Runs the backtest of a resolved config on its loaded data. */
export function runBacktest(run: ResolvedRun, data: LoadedData): Run {
  const result = backtest(data.frame, run.strategy, { ...run.options, symbols: data.symbols });
  return { run, data, result };
}

/** What {@link writeRunFolder} wrote. */
export interface WrittenRun {
  dir: string;
  files: string[];
  analysis: Analysis | null;
}

/**
 * Writes a run's output folder. The statistics panel is computed on the run's legs; when the
 * tests cannot run on the data (too short, constant) the panel says why instead.
 * @param comparison another run of the same data shown beside this one (the demo's).
 */
export function writeRunFolder(
  dir: string,
  r: Run,
  version: string,
  comparison?: { label: string; run: Run },
  label?: string,
): WrittenRun {
  mkdirSync(dir, { recursive: true });
  const analysis = analyzeFrame(r.data.frame, r.data.symbols);
  const config = runJson(r.run, dir, version);
  const files: [string, string][] = [
    ['metrics.json', metricsJson(r.result.metrics, r.result)],
    ['trades.csv', tradesCsv(r.result)],
    ['equity.csv', equityCsv(r.result)],
    ['run.json', JSON.stringify(config, null, 2) + '\n'],
  ];
  const cmp: Comparison | undefined = comparison
    ? {
        label: comparison.label,
        metrics: comparison.run.result.metrics,
        equity: comparison.run.result.equity,
        returns: comparison.run.result.returns,
      }
    : undefined;
  files.push([
    'report.html',
    renderReport({
      result: r.result,
      frame: r.data.frame,
      config,
      analysis,
      dataLabel: relative(process.cwd(), r.run.data) || r.run.data,
      ...(label ? { label } : {}),
      ...(cmp ? { comparison: cmp } : {}),
    }),
  ]);
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return { dir, files: files.map(([name]) => join(dir, name)), analysis };
}
