/**
 * `kalrev report RUN_DIR`: re-render report.html from a run folder. The run is replayed from its
 * run.json (the backtest is deterministic); the metrics are checked against metrics.json.
 * `kalrev report --state state.db [--out DIR]`: the report of a paper-trading journal.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Command } from 'commander';
import { journalConfigChanges, journalFrame, journalToBacktestResult } from '../live/report.js';
import { renderReport } from '../report/html.js';
import { rerender } from '../report/rerender.js';
import type { OutputOptions } from './common.js';
import { readJson } from './common.js';
import { ConfigError } from '../report/config.js';
import { packageVersion } from './paths.js';

interface ReportOptions extends OutputOptions {
  state?: string;
  out?: string;
}

export function reportCommand(): Command {
  return new Command('report')
    .description('re-render report.html of a run folder (from its run.json), or of a paper run (--state)')
    .argument('[run-dir]', 'a folder written by kalrev backtest')
    .option('--state <file>', 'a paper-trading journal (kalrev paper --state) instead of a run folder')
    .option('--out <dir>', 'with --state: where to write report.html (default: beside the journal)')
    .option('--json', 'print what was written as JSON')
    .option('--quiet', 'print nothing but errors')
    .action(async (dir: string | undefined, f: ReportOptions) => {
      if (f.state !== undefined) {
        if (!existsSync(f.state)) throw new ConfigError(`${f.state}: no such journal`);
        const result = journalToBacktestResult(f.state);
        const frame = journalFrame(f.state);
        const outDir = f.out ?? dirname(f.state);
        mkdirSync(outDir, { recursive: true });
        const report = join(outDir, 'report.html');
        writeFileSync(
          report,
          renderReport({
            result,
            frame,
            config: {
              state: f.state,
              symbols: result.symbols,
              strategy: result.strategy,
              options: result.options,
              configChanges: journalConfigChanges(f.state),
            },
            analysis: null,
            label: 'paper',
            dataLabel: relative(process.cwd(), f.state) || f.state,
          }),
        );
        if (f.json) console.log(JSON.stringify({ report }, null, 2));
        else if (!f.quiet) console.log(`kalrev report: ${report}`);
        return;
      }
      if (dir === undefined) throw new ConfigError('give a run folder, or --state FILE for a paper run');
      const file = join(dir, 'run.json');
      const config = readJson(existsSync(dir) ? file : dir);
      const out = await rerender(dir, config, file, packageVersion());
      if (f.json) console.log(JSON.stringify(out, null, 2));
      else if (!f.quiet) {
        console.log(`kalrev report: ${out.report}`);
        if (out.metricsChanged)
          console.error(
            `kalrev: note: the replayed metrics differ from ${join(dir, 'metrics.json')} (the data or kalrev changed); metrics.json was left as it was`,
          );
      }
    });
}
