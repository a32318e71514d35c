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
import { packageVersion } from './paths.js';

/**
 * The commands, in the order `--help` lists them, each loaded only when needed: a run loads its
 * own command's modules (a scan never loads the journal's SQLite or the report's charts), and
 * only `--help` or a bare argument loads them all.
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Command>]> = [
  ['backtest', async () => (await import('./backtest.js')).backtestCommand()],
  ['analyze', async () => (await import('./analyze.js')).analyzeCommand()],
  ['filter', async () => (await import('./filter.js')).filterCommand()],
  ['report', async () => (await import('./report.js')).reportCommand()],
  ['scan', async () => (await import('./scan.js')).scanCommand()],
  ['sweep', async () => (await import('./sweep.js')).sweepCommand()],
  ['portfolio', async () => (await import('./portfolio.js')).portfolioCommand()],
  ['worker', async () => (await import('./worker.js')).workerCommand()],
  ['paper', async () => (await import('./paper.js')).paperCommand()],
  ['status', async () => (await import('./status.js')).statusCommand()],
  ['dashboard', async () => (await import('./dashboard.js')).dashboardCommand()],
  ['demo', async () => (await import('./demo.js')).demoCommand()],
  ['fetch', async () => (await import('./fetch.js')).fetchCommand()],
];

/** The commands `argv` needs: the one it names, or all of them (help, the default command). */
function neededCommands(argv: string[]): Promise<Command[]> {
  // the program's own options (--debug, --help, --version) take no value, so the first word
  // that is not an option is the command's name, if it names one
  const word = argv.slice(2).find((a) => !a.startsWith('-'));
  const named = COMMANDS.find(([name]) => name === word);
  return Promise.all((named ? [named] : COMMANDS).map(([, load]) => load()));
}

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
  for (const command of await neededCommands(argv)) {
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
