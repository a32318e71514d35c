/**
 * `kalrev report RUN_DIR`: re-render report.html from a run folder. The run is replayed from its
 * run.json (the backtest is deterministic); the metrics are checked against metrics.json.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { rerender } from '../report/rerender.js';
import type { OutputOptions } from './common.js';
import { readJson } from './common.js';
import { packageVersion } from './paths.js';

export function reportCommand(): Command {
  return new Command('report')
    .description('re-render report.html of a run folder (from its run.json)')
    .argument('<run-dir>', 'a folder written by kalrev backtest')
    .option('--json', 'print what was written as JSON')
    .option('--quiet', 'print nothing but errors')
    .action(async (dir: string, f: OutputOptions) => {
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
