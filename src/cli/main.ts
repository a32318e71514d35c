#!/usr/bin/env node
/**
 * The `kalrev` command. Parsing and printing only; the work is done by the library and
 * src/report. Exit status: 0 ok, 1 the run failed (a bug or an unexpected error), 2 bad input or
 * usage (a message naming the problem and where; `--debug` adds the stack trace).
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { inspect } from 'node:util';
import { KalrevError } from '../errors.js';
import { redact } from '../redact.js';
import { analyzeCommand } from './analyze.js';
import { backtestCommand } from './backtest.js';
import { demoCommand } from './demo.js';
import { filterCommand } from './filter.js';
import { paperCommand } from './paper.js';
import { packageVersion } from './paths.js';
import { reportCommand } from './report.js';
import { scanCommand } from './scan.js';
import { statusCommand } from './status.js';
import { sweepCommand } from './sweep.js';
import { workerCommand } from './worker.js';

/**
 * Runs the command line `argv` (as `process.argv`: node, script, then the arguments) and returns
 * the exit status it asks for, or undefined to let the process end by itself once its work is
 * done. Exported so a test can run many command lines in one process.
 */
export async function main(argv: string[]): Promise<number | undefined> {
  const program = new Command();
  program
    .name('kalrev')
    .description('Kalman-filter mean-reversion trading toolkit')
    .version(packageVersion())
    .option('--debug', 'show stack traces on errors')
    .exitOverride();
  for (const command of [
    backtestCommand(),
    analyzeCommand(),
    filterCommand(),
    reportCommand(),
    scanCommand(),
    sweepCommand(),
    workerCommand(),
    paperCommand(),
    statusCommand(),
    demoCommand(),
  ]) {
    // usage errors exit with 2 through the handler below, like every other bad input
    command.exitOverride();
    // a usage error quotes the argument, which may be a URL with a password
    command.configureOutput({ outputError: (text, write) => write(redact(text)) });
    // --debug is accepted after the command name too
    command.option('--debug', 'show stack traces on errors');
    program.addCommand(command, { isDefault: command.name() === 'backtest' });
  }

  try {
    await program.parseAsync(argv);
    return undefined;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const debug = program.opts<{ debug?: boolean }>().debug || argv.includes('--debug');
    // every message is redacted: errors can carry a URL's password (src/redact.ts)
    if (e instanceof KalrevError && !debug) {
      console.error(`kalrev: ${redact(e.message)}`);
      return 2;
    }
    if (!debug) {
      console.error(`kalrev: the run failed: ${redact(e instanceof Error ? e.message : String(e))}`);
      console.error(
        'kalrev: this is a bug or an unexpected condition; run again with --debug for the stack trace',
      );
      return 1;
    }
    console.error(redact(inspect(e)));
    return e instanceof KalrevError ? 2 : 1;
  }
}

// run when executed as the command (through a symlink too), not when imported
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const status = await main(process.argv);
  if (status !== undefined) process.exit(status);
}
