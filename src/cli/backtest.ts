/**
 * `kalrev backtest`: run a strategy over price data, print the metrics, write the output folder.
 * With no data and no config it runs the demo (Chan's Example 3.3 on the bundled EWA/EWC, beside
 * the same strategy under kalrev's default execution and costs). Parsing and printing only.
 */
import { relative, resolve } from 'node:path';
import { Command } from 'commander';
import type { Metrics } from '../execution/metrics.js';
import { backtestRun, writeRunFolder, type Run } from '../app/run.js';
import { defaultPreset } from '../app/paper.js';
import { parseRunSpec, type RunSpecInput } from '../app/spec.js';
import { BACKTEST_PRESETS, presetData } from '../app/presets.js';
import { isoTime } from '../data/frame.js';
import { formatMetric, metricLabel } from '../report/html.js';
import { METRIC_NAMES, metricsObject } from '../report/writers.js';
import { progress, readJson, say, table, type OutputOptions } from './common.js';
import { bundledData, packageVersion } from './paths.js';
import { addSpecFlags, specFlags } from './specFlags.js';

/** The flags of `backtest` that are not the run spec's. */
export interface BacktestFlags extends OutputOptions {
  config?: string;
  out?: string;
}

/** The bundled demo data: EWA and EWC daily bars (OHLCV) from Chan's data file. */
export const DEMO_DATA = bundledData('etf_universe_ohlcv.csv');
export const DEMO_SYMBOLS = ['EWC', 'EWA'];

const rel = (p: string) => relative(process.cwd(), p) || p;

/** The metrics of one or more runs side by side. */
export function metricsTable(columns: { title: string[]; metrics: Metrics }[]): string {
  const heads = Math.max(...columns.map((c) => c.title.length));
  const rows: string[][] = [];
  for (let i = 0; i < heads; i++) rows.push(['', ...columns.map((c) => c.title[i] ?? '')]);
  for (const k of METRIC_NAMES)
    rows.push([metricLabel(k), ...columns.map((c) => formatMetric(k, c.metrics[k]))]);
  return table(rows);
}

/** A backtest of a config file's spec with the flags on top; the demo data when none is named. */
function runOne(flags: RunSpecInput, file?: string): Promise<Run> {
  const parsed = file !== undefined ? parseRunSpec(readJson(file), file) : undefined;
  // a backtest preset published on a bundled file reads it when no data is named
  const own = presetData(flags.preset ?? parsed?.preset);
  return backtestRun(
    { ...(parsed !== undefined ? { file: parsed, source: file } : {}), flags },
    own !== undefined
      ? { data: bundledData(own), preset: defaultPreset }
      : { data: DEMO_DATA, preset: defaultPreset, legs: (n) => DEMO_SYMBOLS.slice(0, n) },
  );
}

function describe(r: Run): string {
  const f = r.data.frame;
  return `${r.run.preset ?? 'custom strategy'} on ${r.data.symbols.join('/')}, ${rel(r.run.data)}, ${f.date(0)} … ${f.date(f.length - 1)} (${f.length} bars)`;
}

function notes(r: Run, opts: OutputOptions) {
  if (opts.quiet) return;
  for (const repair of r.data.repairs) console.error(`kalrev: note: ${repair.message}`);
  const a = r.data.alignment;
  if (a.dropped > 0) console.error(`kalrev: note: ${a.message.split('\n')[0]}`);
  if (r.data.sessions) console.error(`kalrev: note: ${r.data.sessions.message}`);
}

/** The demo: Chan's Example 3.3 exactly, and beside it the same strategy as kalrev runs it by default. */
async function demo(f: BacktestFlags) {
  const out = f.out ?? 'out/demo';
  const bar = progress(4, f);
  bar.step('Chan 2013, Example 3.3');
  const book = await runOne({ data: DEMO_DATA, symbols: DEMO_SYMBOLS, preset: 'chan-2013-ex3.3' });
  bar.step('kalman-pair with kalrev defaults');
  const honest = await runOne({ data: DEMO_DATA, symbols: DEMO_SYMBOLS, preset: 'kalman-pair' });
  bar.step('writing reports');
  const label = 'kalrev defaults (kalman-pair: next-open fills, costs, capital sizing)';
  writeRunFolder(out, book, packageVersion(), { label, run: honest }, 'chan-2013-ex3.3');
  writeRunFolder(
    `${out}/kalrev-defaults`,
    honest,
    packageVersion(),
    { label: 'chan-2013-ex3.3', run: book },
    'kalman-pair',
  );
  bar.end();
  if (f.json) {
    console.log(
      JSON.stringify(
        {
          out,
          'chan-2013-ex3.3': metricsObject(book.result.metrics, book.result),
          'kalrev-defaults': metricsObject(honest.result.metrics, honest.result),
        },
        null,
        2,
      ),
    );
    return;
  }
  const m = book.result.metrics;
  say(
    f,
    `kalrev demo: Kalman pairs trading of EWC on EWA, ${rel(DEMO_DATA)} (${book.data.frame.length} days, ${book.data.frame.date(0)} … ${book.data.frame.date(book.data.frame.length - 1)})`,
  );
  say(
    f,
    `Chan, Algorithmic Trading (2013), Example 3.3 reproduced: APR ${m.apr.toFixed(6)}, Sharpe ${m.sharpe.toFixed(6)} (book: 0.262252, 2.361162)`,
  );
  say(f);
  say(
    f,
    metricsTable([
      { title: ['chan-2013-ex3.3', 'close fills, no costs', 'gross returns, units'], metrics: m },
      {
        title: ['kalrev defaults', 'next-open, costs', 'equity returns, capital'],
        metrics: honest.result.metrics,
      },
    ]),
  );
  say(f);
  const h = honest.result;
  const paid = h.costs.commission + h.costs.slippage + h.costs.borrow;
  say(
    f,
    `The same signals filled at the next open, paying commission, slippage and borrow ($${paid.toFixed(0)} on $${h.options.capital.toLocaleString('en-US')} of capital), ${h.metrics.apr < 0 ? 'lose money' : `keep an APR of ${(100 * h.metrics.apr).toFixed(1)} %`}: much of the published edge is the assumption of trading at the very close the signal was computed on, for free.`,
  );
  say(
    f,
    `report  ${out}/report.html (open it in a browser); metrics.json, trades.csv, equity.csv, run.json beside it`,
  );
  say(f, `        ${out}/kalrev-defaults/ holds the same files for the kalrev-defaults run`);
}

export async function runBacktestCommand(f: BacktestFlags, flags: RunSpecInput): Promise<void> {
  if (f.config === undefined && Object.keys(flags).length === 0) return demo(f);
  const bar = progress(3, f);
  bar.step('reading data');
  const r = await runOne(flags, f.config);
  bar.step('writing the report');
  const out = f.out ?? 'out/backtest';
  writeRunFolder(out, r, packageVersion());
  bar.end();
  notes(r, f);
  if (f.json) {
    console.log(JSON.stringify({ out, metrics: metricsObject(r.result.metrics, r.result) }, null, 2));
    return;
  }
  say(f, `kalrev backtest: ${describe(r)}`);
  const o = r.result.options;
  say(
    f,
    `execution ${o.execution}, returns on ${o.returns}, costs paid: commission $${r.result.costs.commission.toFixed(2)}, slippage $${r.result.costs.slippage.toFixed(2)}, borrow $${r.result.costs.borrow.toFixed(2)}`,
  );
  const res = r.result;
  const from = res.metricsFrom ?? 0;
  if (from > 0)
    say(f, `metrics from bar ${from} (${r.data.frame.date(from)}): the bars before it are warm-up`);
  for (const note of res.lookAhead ?? []) say(f, `LOOK-AHEAD: ${note}`);
  say(f);
  const title = r.run.preset ?? 'strategy';
  const split = res.split;
  say(
    f,
    metricsTable(
      split
        ? [
            { title: [title, `bars ${from}–${r.data.frame.length - 1}`], metrics: res.metrics },
            { title: ['train', `bars ${split.train.from}–${split.at - 1}`], metrics: split.train.metrics },
            { title: ['test', `bars ${split.at}–${split.test.to - 1}`], metrics: split.test.metrics },
          ]
        : [{ title: [title], metrics: res.metrics }],
    ),
  );
  // the publication's figures, beside the run's, when the run is the publication's: its legs on its data
  const preset = r.run.preset !== undefined ? BACKTEST_PRESETS[r.run.preset] : undefined;
  const own =
    preset?.legs?.join() === r.data.symbols.join() &&
    (preset.data === undefined || resolve(r.run.data) === bundledData(preset.data));
  const published = own ? preset.published : undefined;
  if (published !== undefined) {
    const m = res.metrics;
    say(
      f,
      split
        ? `reproduced: Sharpe ${split.train.metrics.sharpe.toFixed(4)} train, ${split.test.metrics.sharpe.toFixed(4)} test (${published})`
        : `reproduced: APR ${m.apr.toFixed(6)}, Sharpe ${m.sharpe.toFixed(6)} (${published})`,
    );
  }
  say(f);
  if (r.result.ruined)
    say(
      f,
      `RUINED: equity reached zero at the close of ${isoTime(r.result.ruinTime)} (bar ${r.result.ruinBar}); every position was closed there (equity then $${r.result.equity[r.result.ruinBar].toFixed(2)}) and the account traded no more`,
    );
  say(f, `report  ${out}/report.html; metrics.json, trades.csv, equity.csv, run.json beside it`);
}

export function backtestCommand(): Command {
  const command = new Command('backtest')
    .description(
      'run a strategy over price data, print its metrics and write a report folder (no arguments: the demo)',
    )
    .option('--config <file>', 'a JSON run spec (as the run.json a run writes)')
    .option('--out <dir>', 'output folder (default out/backtest; the demo: out/demo)');
  return addSpecFlags(command, 'backtest')
    .option('--json', 'print the metrics as JSON')
    .option('--quiet', 'print nothing but errors')
    .action((f: BacktestFlags, cmd: Command) => runBacktestCommand(f, specFlags(cmd, 'backtest')));
}
