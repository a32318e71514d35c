#!/usr/bin/env node
/**
 * The `kalrev` command. Parsing and printing only; the work is done by the library and
 * src/report. Exit status: 0 ok, 1 the run failed (a bug or an unexpected error), 2 bad input or
 * usage (a message naming the problem and where; `--debug` adds the stack trace).
 */
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
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  const debug = program.opts<{ debug?: boolean }>().debug || process.argv.includes('--debug');
  // every message is redacted: errors can carry a URL's password (src/redact.ts)
  if (e instanceof KalrevError && !debug) {
    console.error(`kalrev: ${redact(e.message)}`);
    process.exit(2);
  }
  if (!debug) {
    console.error(`kalrev: the run failed: ${redact(e instanceof Error ? e.message : String(e))}`);
    console.error(
      'kalrev: this is a bug or an unexpected condition; run again with --debug for the stack trace',
    );
    process.exit(1);
  }
  console.error(redact(inspect(e)));
  process.exit(e instanceof KalrevError ? 2 : 1);
}
