#!/usr/bin/env node
/**
 * The `kalrev` command. Parsing and printing only; the work is done by the library.
 */
import { Command, CommanderError } from 'commander';
import { KalrevError } from '../errors.js';
import { demoCommand } from './demo.js';
import { packageVersion } from './paths.js';

const program = new Command();
program
  .name('kalrev')
  .description('Kalman-filter mean-reversion trading toolkit')
  .version(packageVersion())
  .option('--debug', 'show stack traces on errors')
  .exitOverride();
for (const command of [demoCommand()]) {
  // usage errors exit with 2 through the handler below, like every other bad input
  command.exitOverride();
  program.addCommand(command, { isDefault: command.name() === 'demo' });
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  const debug = program.opts<{ debug?: boolean }>().debug || process.argv.includes('--debug');
  if (e instanceof KalrevError && !debug) {
    console.error(`kalrev: ${e.message}`);
    process.exit(2);
  }
  console.error(e);
  process.exit(1);
}
