/**
 * `kalrev filter`: Kalman filter or smooth one column of a price file and write CSV.
 * Parsing and printing only; the model is in src/app/filter.ts.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { readPrices } from '../data/readers.js';
import { filterColumn, filteredCsv } from '../app/filter.js';
import { integer, number, type OutputOptions } from './common.js';
import { bundledData } from './paths.js';

interface FilterFlags extends OutputOptions {
  data?: string;
  column: string;
  smooth?: boolean;
  em?: number;
  q?: number;
  r?: number;
  out?: string;
  repair?: string[];
}

export function filterCommand(): Command {
  return new Command('filter')
    .description('Kalman filter (or smooth) one column with a local-level model and write CSV')
    .option('--data <path>', 'prices (CSV, Parquet or folder); default: the bundled EWA/EWC closes')
    .requiredOption('--column <C>', 'a symbol (its close) or SYMBOL.field, e.g. EWA or EWA.open')
    .option('--smooth', 'RTS smoother (uses the whole series) instead of the filter')
    .addOption(
      new Option('--em <N>', 'learn Q, R and the initial state by N EM iterations').argParser(
        integer('--em', 1, 10_000),
      ),
    )
    .addOption(new Option('--q <Q>', 'level noise variance (default 1)').argParser(number('--q')))
    .addOption(new Option('--r <R>', 'observation noise variance (default 1)').argParser(number('--r')))
    .addOption(
      new Option('--repair <what...>', 'explicit, reported data repairs').choices([
        'sort',
        'duplicates',
        'non-positive',
      ]),
    )
    .option('--out <file>', 'write the CSV here instead of stdout')
    .option('--json', 'print the model and the output file as JSON (with --out)')
    .option('--quiet', 'print nothing but errors')
    .action(async (f: FilterFlags) => {
      const data = f.data ?? bundledData('ewa_ewc.csv');
      const symbol = f.column.includes('.') ? undefined : [f.column];
      const repair = f.repair
        ? {
            sort: f.repair.includes('sort'),
            dropDuplicates: f.repair.includes('duplicates'),
            dropNonPositive: f.repair.includes('non-positive'),
          }
        : undefined;
      const { frame, repairs } = await readPrices(data, {
        ...(symbol ? { symbols: symbol } : {}),
        ...(repair ? { repair } : {}),
      });
      if (!f.quiet) for (const r of repairs) console.error(`kalrev: note: ${r.message}`);
      const res = filterColumn(frame, f.column, {
        smooth: f.smooth,
        em: f.em,
        ...(f.q !== undefined ? { transitionCovariance: f.q } : {}),
        ...(f.r !== undefined ? { observationCovariance: f.r } : {}),
      });
      const csv = filteredCsv(res);
      if (!f.out) {
        if (f.json)
          console.log(
            JSON.stringify({ column: res.column, smoothed: res.smoothed, model: res.model }, null, 2),
          );
        else process.stdout.write(csv);
        return;
      }
      writeFileSync(f.out, csv);
      if (f.json) {
        console.log(
          JSON.stringify(
            { out: f.out, column: res.column, smoothed: res.smoothed, model: res.model },
            null,
            2,
          ),
        );
        return;
      }
      if (!f.quiet) {
        const m = res.model;
        console.log(
          `kalrev filter: ${res.smoothed ? 'smoothed' : 'filtered'} ${res.column} (${res.times.length} bars) → ${f.out}`,
        );
        console.log(
          `model  Q ${m.transitionCovariance.toPrecision(4)}, R ${m.observationCovariance.toPrecision(4)}, initial mean ${m.initialStateMean.toPrecision(6)}, initial variance ${m.initialStateCovariance.toPrecision(4)}${f.em ? ` (after ${f.em} EM iterations)` : ''}`,
        );
      }
    });
}
