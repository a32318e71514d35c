/**
 * `kalrev report RUN_DIR`: re-render report.html from a run folder (parsing and printing only;
 * src/app/rerender.ts does the work). The run is replayed from its
 * run.json (the backtest is deterministic); the metrics are checked against metrics.json.
 * `kalrev report --state state.db [--out DIR]`: the report of a paper-trading journal.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { renderJournalReport, rerender } from '../app/rerender.js';
import type { OutputOptions } from './common.js';
import { readJson } from './common.js';
import { ConfigError } from '../app/spec.js';
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
        const report = renderJournalReport(f.state, f.out ?? dirname(f.state));
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
