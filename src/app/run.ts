/**
 * A backtest run as the command line does it: resolve the run spec, read and align its data,
 * run the backtest, and write the output folder (report.html, metrics.json, trades.csv,
 * equity.csv, run.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { backtest, type BacktestResult } from '../backtest/engine.js';
import { alignFrames, type AlignmentReport } from '../data/align.js';
import { readPrices } from '../data/readers.js';
import { type PriceFrame } from '../data/frame.js';
import { type Repair } from '../data/repair.js';
import { isDaily, regularHours, type SessionFilterReport } from '../data/sessions.js';
import { CalendarError, tradingCalendar } from '../data/calendar.js';
import { legWithoutOpens } from '../execution/options.js';
import { WindowError } from '../execution/window.js';
import { equityCsv, metricsJson, tradesCsv } from '../report/writers.js';
import type { Analysis } from '../report/analysis.js';
import { renderReport, type Comparison } from '../report/html.js';
import type { BenchmarkSeries } from '../report/tearSheet.js';
import { legsOf, warmupBars } from '../strategy/spec.js';
import { analyzeFrame } from './analyze.js';
import { benchmarkOnBars, readBenchmark, type BenchmarkCloses } from './benchmark.js';
import { flagOf } from './flags.js';
import { presetLegs } from './presets.js';
import {
  ConfigError,
  resolveRunSpec,
  runJson,
  type RunSpec,
  type RunSpecDefaults,
  type RunSpecLayers,
} from './spec.js';

/** Aligned legs of a run and what reading and aligning did. */
export interface LoadedData {
  frame: PriceFrame;
  symbols: string[];
  repairs: Repair[];
  alignment: AlignmentReport;
  /** The tear sheet's benchmark, when the spec names one (`--benchmark`). */
  benchmark?: BenchmarkCloses;
  /** What `session: 'rth'` kept (absent: every bar was kept). */
  sessions?: SessionFilterReport;
}

/**
 * The bars of `frame` the run keeps: with `session: 'rth'`, those in its calendar's regular
 * trading hours (and the report of what was dropped); every bar otherwise.
 * @throws CalendarError for a bar outside the calendar's years.
 */
export function sessionBars(
  frame: PriceFrame,
  run: Pick<RunSpec, 'session' | 'options'>,
): { frame: PriceFrame; sessions?: SessionFilterReport } {
  if (run.session !== 'rth') return { frame };
  try {
    const { frame: kept, report } = regularHours(frame, tradingCalendar(run.options.calendar));
    return { frame: kept, sessions: report };
  } catch (e) {
    // the calendar's years: say which option asked for it and the way out
    if (e instanceof CalendarError)
      throw new ConfigError(
        `${flagOf('session')} rth: ${e.message} (use ${flagOf('session')} all, or ${flagOf('options.calendar')} crypto for a market that never closes)`,
      );
    throw e;
  }
}

/**
 * Reads the run's data and aligns its legs (inner join). Fills in `run.symbols` when the config
 * gave none: the file's first symbols, as many as the strategy trades.
 * @throws DataError / FrameError naming the file, line and column; ConfigError when the
 *   execution needs open prices the data does not have.
 */
export async function loadRunData(run: RunSpec & { data: string }): Promise<LoadedData> {
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
  const { frame: aligned, report } = alignFrames(read.frame, {
    symbols,
    ...(run.repair?.forwardFill ? { forwardFill: run.repair.forwardFill } : {}),
  });
  const { frame, sessions } = sessionBars(aligned, run);
  const closesOnly = legWithoutOpens(run.options.execution, symbols, (s) => frame.has(s, 'open'));
  if (closesOnly !== undefined)
    throw new ConfigError(
      `${frame.source}: execution 'next-open' needs open prices, but ${closesOnly} has closes only; use ${flagOf('options.execution')} close or next-close, or data with opens (a long or Yahoo file)`,
    );
  if (run.options.flattenAtClose && isDaily(frame.times))
    throw new ConfigError(
      `${frame.source}: ${flagOf('options.flattenAtClose')} closes positions at each session's close, which needs intraday bars; every bar of this data is a date (daily bars)`,
    );
  run.symbols = symbols;
  const benchmark = await readBenchmark(run, run.data);
  return {
    frame,
    symbols,
    repairs: read.repairs,
    alignment: report,
    ...(benchmark ? { benchmark } : {}),
    ...(sessions ? { sessions } : {}),
  };
}

/** A finished run: its spec, data and result. */
export interface Run {
  run: RunSpec & { data: string };
  data: LoadedData;
  result: BacktestResult;
}

/** Runs the backtest of a resolved spec on its loaded data. */
export function runBacktest(run: RunSpec & { data: string }, data: LoadedData): Run {
  const result = backtest(data.frame, run.strategy, { ...run.options, symbols: data.symbols });
  return { run, data, result };
}

/** Where a backtest's data comes from when neither the file nor the flags name it. */
export interface BacktestDefaults extends RunSpecDefaults {
  data: string;
  /** The legs to trade in the default data, by the strategy's number of legs. */
  legs?: (count: number) => string[];
}

/**
 * Resolves a backtest's run spec, reads its data and runs it.
 * @throws ConfigError naming the file or flag of a bad value, DataError for bad data.
 */
export async function backtestRun(layers: RunSpecLayers, defaults: BacktestDefaults): Promise<Run> {
  const spec = resolveRunSpec(layers, defaults);
  const at = layers.source ? `${layers.source}: ` : '';
  for (const key of ['orders', 'risk', 'pairing', 'broker'] as const)
    if (spec[key] !== undefined)
      throw new ConfigError(
        `${at}${key}: applies to paper trading only (a backtest fills every target as given)`,
      );
  const run = { ...spec, data: spec.data ?? defaults.data };
  const legs = legsOf(run.strategy);
  if (run.symbols.length === 0 && run.data === defaults.data && defaults.legs)
    run.symbols = defaults.legs(legs);
  if (
    run.symbols.length > 0 &&
    run.symbols.length !== legs &&
    layers.flags?.symbols === undefined &&
    layers.source
  )
    throw new ConfigError(
      `${layers.source}: symbols: the strategy trades ${legs} leg${legs > 1 ? 's' : ''} but ${run.symbols.length} ${run.symbols.length === 1 ? 'is' : 'are'} given (${run.symbols.join(', ')})`,
    );
  const data = await loadRunData(run);
  // the windows against the data, before the strategy allocates them, naming who set them
  const need = warmupBars(run.strategy);
  if (need >= data.frame.length) {
    const lookback = layers.flags?.strategy?.normaliser?.lookback;
    const by =
      lookback !== undefined ? `${flagOf('strategy.normaliser.lookback')} ${String(lookback)}: ` : at;
    throw new ConfigError(
      `${by}the strategy needs ${need} bars before its first signal (lookback and training windows), but ${data.frame.source} has ${data.frame.length} aligned bars`,
    );
  }
  try {
    return runBacktest(run, data);
  } catch (e) {
    if (!(e instanceof WindowError)) throw e;
    // the option's flag when the command line set it, else the file's key
    const path = `options.${e.option}`;
    const given = (layers.flags?.options as Record<string, unknown> | undefined)?.[e.option] !== undefined;
    throw new ConfigError(`${given ? flagOf(path) : `${at}${path}`}${e.message.slice(e.option.length)}`);
  }
}

/** The report's tear-sheet options of a run: its benchmark on the run's bars and its rolling window. */
export function reportOptions(r: Run): { benchmark?: BenchmarkSeries; rollingWindow?: number } {
  const window = r.run.report?.rollingWindow;
  return {
    ...(r.data.benchmark ? { benchmark: benchmarkOnBars(r.data.benchmark, r.result.times) } : {}),
    ...(window !== undefined ? { rollingWindow: window } : {}),
  };
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
      ...reportOptions(r),
    }),
  ]);
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return { dir, files: files.map(([name]) => join(dir, name)), analysis };
}
