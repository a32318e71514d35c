/**
 * `kalrev sweep --data FILE --pair Y,X --grid 'delta=…;entryZ=…' [--train N --test M]`: a
 * parameter grid over one pair, with walk-forward; writes sweep.json and sweep.html (heat map).
 */
import { Command, Option } from 'commander';
import type { Metrics } from '../execution/metrics.js';
import { writeSweepOutputs } from '../scan/output.js';
import { progressBar } from '../scan/progress.js';
import { sweep } from '../scan/sweep.js';
import { sweepSelectionBias } from '../scan/selectionBias.js';
import { writeSweepReport, writeWalkForwardReport } from '../app/selectedReports.js';
import { loadScanRun } from '../app/scan.js';
import { ConfigError } from '../app/spec.js';
import { addSpecFlags } from './specFlags.js';
import { executorFrom, specLayers, addExecutorOptions, whole } from './scan.js';

interface SweepFlags {
  config?: string;
  grid: string;
  metric: keyof Metrics;
  train?: number;
  test?: number;
  mode: 'rolling' | 'anchored';
  learnEm?: boolean;
  out: string;
  threads?: number;
  queue?: string;
  prefix: string;
  json?: boolean;
  quiet?: boolean;
}

export function sweepCommand(): Command {
  const command = new Command('sweep')
    .description('backtest a parameter grid on a pair, with walk-forward out-of-sample evaluation')
    .option('--config <file>', 'a JSON run spec (as the run.json a backtest writes)')
    .requiredOption('--grid <spec>', "e.g. 'delta=1e-5,1e-4,1e-3;ve=1e-3,1e-2;entryZ=1,1.5,2'");
  addSpecFlags(command, 'sweep')
    .option('--metric <name>', 'metric that chooses parameters in-sample', 'sharpe')
    .option('--train <bars>', 'training window (bars)', whole('--train', 2))
    .option('--test <bars>', 'test window (bars)', whole('--test', 2))
    .addOption(
      new Option('--mode <mode>', 'training windows').choices(['rolling', 'anchored']).default('rolling'),
    )
    .option('--learn-em', 'learn δ and Vₑ by EM on each training window (not from the grid)')
    .option('--out <dir>', 'output folder', 'out/sweep');
  return addExecutorOptions(command, 'the sweep').action(async (f: SweepFlags, cmd: Command) => {
    // walk-forward takes both windows: one alone would be ignored
    if ((f.train === undefined) !== (f.test === undefined))
      throw new ConfigError(
        f.train === undefined
          ? `--test ${f.test}: walk-forward needs --train too (the training window before each test window)`
          : `--train ${f.train}: walk-forward needs --test too (the test window after each training window)`,
      );
    const layers = specLayers(f.config, cmd, 'sweep');
    const executor = await executorFrom(f);
    const { frame, spec, sessions } = await loadScanRun(layers, 'sweep');
    if (sessions && !f.quiet && !f.json) console.error(`session: ${sessions.message}`);
    if (spec.symbols.length !== 2)
      throw new ConfigError(
        `--pair: sweep needs a pair: give --pair Y,X, or two "symbols" in --config${spec.symbols.length ? ` (got ${spec.symbols.join(', ')})` : ''}`,
      );
    const pair = spec.symbols as [string, string];
    if (f.train !== undefined && f.train + 2 > frame.length)
      throw new ConfigError(
        `--train ${f.train}: ${spec.data} has ${frame.length} bars, too few for this training window and a test window`,
      );
    if (f.test !== undefined && f.test > frame.length)
      throw new ConfigError(`--test ${f.test}: longer than the data (${spec.data} has ${frame.length} bars)`);
    const bar = progressBar('sweep');
    try {
      const walkForward =
        f.train !== undefined && f.test !== undefined
          ? { train: f.train, test: f.test, mode: f.mode, learn: f.learnEm ? ('em' as const) : undefined }
          : undefined;
      const r = await sweep(frame, {
        pair,
        grid: f.grid,
        strategy: spec.strategy,
        backtest: spec.options,
        metric: f.metric,
        walkForward,
        executor,
        onProgress: f.quiet || f.json ? undefined : bar.update,
      });
      bar.finish();
      const bias = sweepSelectionBias(frame, r);
      const walk = writeWalkForwardReport(frame, r, f.out, spec.data);
      const files = [
        ...writeSweepOutputs(r, f.out, bias),
        writeSweepReport(frame, r, bias, f.out, spec.data),
        ...(walk ? [walk] : []),
      ];
      const wf = r.walkForward;
      const summary = {
        pair,
        points: r.points.length,
        windows: wf?.windows.length ?? 0,
        deflatedSharpe: bias.best.dsr,
        pbo: bias.pbo?.pbo ?? null,
        outOfSample: wf?.metrics ?? null,
        outOfSampleRuined: wf?.ruined ?? null,
        files,
      };
      if (f.json) console.log(JSON.stringify(summary, null, 2));
      else if (!f.quiet) {
        console.log(`kalrev sweep: ${pair.join('/')} ${r.bars} bars, ${r.points.length} grid points`);
        if (wf)
          console.log(
            `  walk-forward (${wf.mode}, ${wf.windows.length} windows): out-of-sample ${r.metric} ${wf.metrics[r.metric].toFixed(3)}, APR ${(100 * wf.metrics.apr).toFixed(2)} %${wf.ruined ? ', RUINED (equity reached zero)' : ''}`,
          );
        console.log(
          `  selection bias: deflated Sharpe ratio of the best point ${(100 * bias.best.dsr).toFixed(1)} % (${bias.trials.count} trials)${bias.pbo ? `, probability of backtest overfitting ${(100 * bias.pbo.pbo).toFixed(1)} %` : ''}`,
        );
        console.log(`  wrote ${files.join(', ')}`);
      }
    } finally {
      await executor.close();
    }
  });
}
