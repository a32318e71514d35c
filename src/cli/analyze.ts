/**
 * `kalrev analyze`: is a series or a pair's spread mean reverting? ADF, Engle-Granger, Johansen,
 * half-life, Hurst and variance ratio, as a table and JSON, with a verdict. Parsing and printing only.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Command, Option } from 'commander';
import { analyzeFrame } from '../app/analyze.js';
import { loadLegs } from '../app/load.js';
import { analysisJson, analysisRows } from '../report/analysis.js';
import { integer, pair, say, table, type OutputOptions } from './common.js';
import { bundledData } from './paths.js';

interface AnalyzeFlags extends OutputOptions {
  data?: string;
  symbol?: string;
  pair?: [string, string];
  out?: string;
  vrLag: number;
  maxlag?: number;
  autolag?: 'aic' | 'bic' | 't-stat' | 'none';
}

export function analyzeCommand(): Command {
  return new Command('analyze')
    .description(
      'test a series or a pair spread for mean reversion (ADF, Engle-Granger, Johansen, half-life, Hurst, variance ratio)',
    )
    .option('--data <path>', 'prices (CSV, Parquet or folder); default: the bundled EWA/EWC closes')
    .addOption(new Option('--symbol <S>', 'test one series').conflicts('pair'))
    .addOption(new Option('--pair <Y,X>', 'test the spread of Y on X').argParser(pair()))
    .option('--out <file>', 'also write the results as JSON to this file')
    .addOption(
      new Option('--vr-lag <q>', 'variance ratio horizon in bars')
        .default(10)
        .argParser(integer('--vr-lag', 2)),
    )
    .addOption(
      new Option(
        '--maxlag <n>',
        'lagged differences of the ADF and Engle-Granger tests: the most tried, or (with --autolag none) the number used',
      ).argParser(integer('--maxlag', 0, 10_000)),
    )
    .addOption(
      new Option(
        '--autolag <how>',
        'how the ADF and Engle-Granger tests choose their lags (default aic)',
      ).choices(['aic', 'bic', 't-stat', 'none']),
    )
    .option('--json', 'print JSON instead of the table')
    .option('--quiet', 'print nothing but errors')
    .action(async (f: AnalyzeFlags) => {
      const data = f.data ?? bundledData('ewa_ewc.csv');
      const symbols = f.pair
        ? [...f.pair]
        : f.symbol
          ? [f.symbol]
          : f.data === undefined
            ? ['EWC', 'EWA']
            : undefined;
      const legs = await loadLegs(data, symbols, 2);
      const a = analyzeFrame(legs.frame, legs.symbols, {
        vrLag: f.vrLag,
        ...(f.maxlag !== undefined ? { maxlag: f.maxlag } : {}),
        ...(f.autolag !== undefined ? { autolag: f.autolag } : {}),
      });
      const json = analysisJson(a);
      if (f.out) writeFileSync(f.out, json);
      if (f.json) {
        process.stdout.write(json);
        return;
      }
      say(
        f,
        `kalrev analyze: ${a.kind === 'pair' ? `spread of ${a.symbols[0]} on ${a.symbols[1]}` : a.symbols[0]}, ${relative(process.cwd(), data) || data}, ${a.first} … ${a.last} (${a.bars} bars)`,
      );
      say(f, `series  ${a.series}`);
      say(f);
      say(f, table([['test', 'statistic', 'p-value', 'notes'], ...analysisRows(a)], ['l', 'r', 'r', 'l']));
      say(f);
      say(f, `verdict: ${a.verdict}`);
      if (f.out) say(f, `wrote ${f.out}`);
    });
}
