/**
 * `kalrev backtest`: run a strategy over price data, print the metrics, write the output folder.
 * With no data and no config it runs the demo (Chan's Example 3.3 on the bundled EWA/EWC, beside
 * the same strategy under kalrev's default execution and costs). Parsing and printing only.
 */
import { relative } from 'node:path';
import { Command, Option } from 'commander';
import type { Metrics } from '../backtest/index.js';
import { MAX_WINDOW, legsOf, warmupBars } from '../strategy/index.js';
import {
  ConfigError,
  PRESET_NAMES,
  parseRunConfig,
  resolveRun,
  type RunConfig,
  type RunOverrides,
} from '../report/config.js';
import { isoTime } from '../data/index.js';
import { formatMetric, metricLabel } from '../report/html.js';
import { loadRunData, runBacktest, writeRunFolder, type Run } from '../report/run.js';
import { METRIC_NAMES, metricsObject } from '../report/writers.js';
import { integer, number, pair, progress, readJson, say, table, type OutputOptions } from './common.js';
import { bundledData, packageVersion } from './paths.js';

export interface BacktestFlags extends OutputOptions {
  data?: string;
  symbol?: string;
  pair?: [string, string];
  preset?: string;
  config?: string;
  out?: string;
  execution?: string;
  commissionBps?: number;
  commissionPerShare?: number;
  minCommission?: number;
  slippageBps?: number;
  borrowBps?: number;
  returns?: string;
  capital?: number;
  periodsPerYear?: number;
  riskFree?: number;
  entryZ?: number;
  exitZ?: number;
  stopZ?: number;
  maxHold?: number;
  lookback?: number;
  normaliser?: string;
  delta?: number;
  ve?: number;
  transform?: string;
  sizing?: string;
  tradeCapital?: number;
  repair?: string[];
  forwardFill?: number;
}

/** The bundled demo data: EWA and EWC daily bars (OHLCV) from Chan's data file. */
export const DEMO_DATA = bundledData('etf_universe_ohlcv.csv');
export const DEMO_SYMBOLS = ['EWC', 'EWA'];

const rel = (p: string) => relative(process.cwd(), p) || p;

/** Command-line flags as a config object (the same shape as a config file). */
export function flagsToConfig(f: BacktestFlags): RunOverrides {
  const symbols = f.pair ? [...f.pair] : f.symbol ? [f.symbol] : undefined;
  const costs: Record<string, number> = {};
  if (f.commissionBps !== undefined) costs.commissionBps = f.commissionBps;
  if (f.commissionPerShare !== undefined) costs.commissionPerShare = f.commissionPerShare;
  if (f.minCommission !== undefined) costs.minCommission = f.minCommission;
  if (f.slippageBps !== undefined) costs.slippageBps = f.slippageBps;
  if (f.borrowBps !== undefined) costs.borrowBps = f.borrowBps;
  const options: Record<string, unknown> = {};
  if (f.execution !== undefined) options.execution = f.execution;
  if (f.returns !== undefined) options.returns = f.returns;
  if (f.capital !== undefined) options.capital = f.capital;
  if (f.periodsPerYear !== undefined) options.periodsPerYear = f.periodsPerYear;
  if (f.riskFree !== undefined) options.riskFreeRate = f.riskFree;
  if (Object.keys(costs).length) options.costs = costs;
  const rule: Record<string, unknown> = {};
  if (f.entryZ !== undefined) rule.entryZ = f.entryZ;
  if (f.exitZ !== undefined) rule.exitZ = f.exitZ;
  if (f.stopZ !== undefined) rule.stopZ = f.stopZ;
  if (f.maxHold !== undefined) rule.maxHoldBars = f.maxHold;
  const normaliser: Record<string, unknown> = {};
  if (f.normaliser !== undefined) normaliser.type = f.normaliser;
  if (f.lookback !== undefined) normaliser.lookback = f.lookback;
  const spread: Record<string, unknown> = {};
  if (f.delta !== undefined) spread.delta = f.delta;
  if (f.ve !== undefined) spread.observationVariance = f.ve;
  if (f.transform !== undefined) spread.transform = f.transform;
  const sizing: Record<string, unknown> = {};
  if (f.sizing !== undefined) sizing.type = f.sizing;
  if (f.tradeCapital !== undefined) {
    sizing.type ??= 'capital';
    sizing.capital = f.tradeCapital;
  }
  const strategy: NonNullable<RunConfig['strategy']> = {};
  if (Object.keys(rule).length) strategy.rule = rule;
  if (Object.keys(normaliser).length) strategy.normaliser = normaliser;
  if (Object.keys(spread).length) strategy.spread = spread;
  if (Object.keys(sizing).length) strategy.sizing = sizing;
  const repair: NonNullable<RunConfig['repair']> = {};
  for (const r of f.repair ?? []) {
    if (r === 'sort') repair.sort = true;
    else if (r === 'duplicates') repair.dropDuplicates = true;
    else if (r === 'non-positive') repair.dropNonPositive = true;
  }
  if (f.forwardFill !== undefined) repair.forwardFill = f.forwardFill;
  return {
    ...(f.data !== undefined ? { data: f.data } : {}),
    ...(symbols ? { symbols } : {}),
    ...(f.preset !== undefined ? { preset: f.preset } : {}),
    ...(Object.keys(strategy).length ? { strategy } : {}),
    ...(Object.keys(options).length ? { options } : {}),
    ...(Object.keys(repair).length ? { repair } : {}),
  };
}

/** The metrics of one or more runs side by side. */
export function metricsTable(columns: { title: string[]; metrics: Metrics }[]): string {
  const heads = Math.max(...columns.map((c) => c.title.length));
  const rows: string[][] = [];
  for (let i = 0; i < heads; i++) rows.push(['', ...columns.map((c) => c.title[i] ?? '')]);
  for (const k of METRIC_NAMES)
    rows.push([metricLabel(k), ...columns.map((c) => formatMetric(k, c.metrics[k]))]);
  return table(rows);
}

async function runOne(config: RunConfig, overrides: RunOverrides, source?: string): Promise<Run> {
  const run = resolveRun(
    config,
    overrides,
    {
      data: DEMO_DATA,
      preset: (n) => (n === 1 ? 'kalman-single' : 'kalman-pair'),
    },
    source,
  );
  if (run.symbols.length === 0 && run.data === DEMO_DATA)
    run.symbols = DEMO_SYMBOLS.slice(0, run.strategy.spread.type === 'kalman-fair-value' ? 1 : 2);
  const legs = legsOf(run.strategy);
  if (run.symbols.length > 0 && run.symbols.length !== legs && overrides.symbols === undefined && source)
    throw new ConfigError(
      `${source}: symbols: the strategy trades ${legs} leg${legs > 1 ? 's' : ''} but ${run.symbols.length} ${run.symbols.length === 1 ? 'is' : 'are'} given (${run.symbols.join(', ')})`,
    );
  const data = await loadRunData(run);
  // the windows against the data, before the strategy allocates them, naming who set them
  const need = warmupBars(run.strategy);
  if (need >= data.frame.length) {
    const by =
      overrides.strategy?.normaliser?.lookback !== undefined
        ? `--lookback ${String(overrides.strategy.normaliser.lookback)}: `
        : source
          ? `${source}: `
          : '';
    throw new ConfigError(
      `${by}the strategy needs ${need} bars before its first signal (lookback and training windows), but ${data.frame.source} has ${data.frame.length} aligned bars`,
    );
  }
  return runBacktest(run, data);
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
}

/** The demo: Chan's Example 3.3 exactly, and beside it the same strategy as kalrev runs it by default. */
async function demo(f: BacktestFlags) {
  const out = f.out ?? 'out/demo';
  const bar = progress(4, f);
  bar.step('Chan 2013, Example 3.3');
  const book = await runOne({}, { data: DEMO_DATA, symbols: DEMO_SYMBOLS, preset: 'chan-2013-ex3.3' });
  bar.step('kalman-pair with kalrev defaults');
  const honest = await runOne({}, { data: DEMO_DATA, symbols: DEMO_SYMBOLS, preset: 'kalman-pair' });
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

export async function runBacktestCommand(f: BacktestFlags): Promise<void> {
  const flags = flagsToConfig(f);
  if (f.config === undefined && Object.keys(flags).length === 0) return demo(f);
  const config = f.config ? parseRunConfig(readJson(f.config), f.config) : {};
  const bar = progress(3, f);
  bar.step('reading data');
  const r = await runOne(config, flags, f.config);
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
  say(f);
  say(f, metricsTable([{ title: [r.run.preset ?? 'strategy'], metrics: r.result.metrics }]));
  say(f);
  if (r.result.ruined)
    say(
      f,
      `RUINED: equity reached zero at the close of ${isoTime(r.result.ruinTime)} (bar ${r.result.ruinBar}); every position was closed there (equity then $${r.result.equity[r.result.ruinBar].toFixed(2)}) and the account traded no more`,
    );
  say(f, `report  ${out}/report.html; metrics.json, trades.csv, equity.csv, run.json beside it`);
}

export function backtestCommand(): Command {
  const num = (flag: string, desc: string) => new Option(`${flag} <n>`, desc).argParser(number(flag));
  return new Command('backtest')
    .description(
      'run a strategy over price data, print its metrics and write a report folder (no arguments: the demo)',
    )
    .option(
      '--data <path>',
      'prices: a CSV (wide, long or Yahoo), a Parquet file or a folder of per-symbol files',
    )
    .addOption(new Option('--symbol <S>', 'one asset (kalman-single)').conflicts('pair'))
    .addOption(
      new Option('--pair <Y,X>', 'a pair: the dependent leg Y, then the hedge leg X').argParser(pair()),
    )
    .addOption(new Option('--preset <name>', 'strategy or backtest preset').choices(PRESET_NAMES))
    .option('--config <file>', 'a JSON run config (as the run.json a run writes)')
    .option('--out <dir>', 'output folder (default out/backtest; the demo: out/demo)')
    .addOption(
      new Option('--execution <when>', 'fill at the signal bar close, the next open or next close').choices([
        'close',
        'next-open',
        'next-close',
      ]),
    )
    .addOption(num('--commission-bps', 'commission, bps of notional'))
    .addOption(num('--commission-per-share', 'commission per share'))
    .addOption(num('--min-commission', 'minimum commission per order'))
    .addOption(num('--slippage-bps', 'slippage, bps worse than the reference price'))
    .addOption(num('--borrow-bps', 'short borrow, annual bps of short market value'))
    .addOption(
      new Option('--returns <basis>', 'returns on account equity or on gross exposure (Chan)').choices([
        'equity',
        'gross',
      ]),
    )
    .addOption(num('--capital', 'starting cash'))
    .addOption(num('--periods-per-year', 'bars per year for annualising (252)'))
    .addOption(num('--risk-free', 'annual risk-free rate for Sharpe/Sortino (0)'))
    .addOption(num('--entry-z', 'enter beyond this z'))
    .addOption(num('--exit-z', 'exit inside this z'))
    .addOption(num('--stop-z', 'stop beyond this z'))
    .addOption(new Option('--max-hold <bars>', 'exit after this many bars').argParser(integer('--max-hold')))
    .addOption(
      new Option('--lookback <bars>', 'rolling normaliser lookback').argParser(
        integer('--lookback', 2, MAX_WINDOW),
      ),
    )
    .addOption(
      new Option('--normaliser <type>', 'z-score normaliser').choices(['rolling', 'frozen', 'kalman']),
    )
    .addOption(num('--delta', 'kalman-hedge δ (state drift)'))
    .addOption(num('--ve', 'kalman-hedge Vₑ (observation variance)'))
    .addOption(new Option('--transform <t>', 'spread on prices or log prices').choices(['price', 'log']))
    .addOption(
      new Option('--sizing <type>', 'units of the spread or fixed capital per trade').choices([
        'units',
        'capital',
      ]),
    )
    .addOption(num('--trade-capital', 'capital per trade (capital sizing)'))
    .addOption(
      new Option('--repair <what...>', 'explicit, reported data repairs').choices([
        'sort',
        'duplicates',
        'non-positive',
      ]),
    )
    .addOption(
      new Option('--forward-fill <bars>', 'fill gaps of at most this many bars').argParser(
        integer('--forward-fill'),
      ),
    )
    .option('--json', 'print the metrics as JSON')
    .option('--quiet', 'print nothing but errors')
    .action((f: BacktestFlags) => runBacktestCommand(f));
}
