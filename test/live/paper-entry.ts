/**
 * Runs `kalrev paper` / `kalrev status` in a child process for the tests (main.ts registers them
 * later). `KALREV_TEST_CRASH=after-journal:N` or `after-submit:N` SIGKILLs the process at that
 * point of bar N, to test recovery at the most delicate instants.
 */
import { Command } from 'commander';
import { KalrevError } from '../../src/errors.js';
import { paperCommand } from '../../src/cli/paper.js';
import { statusCommand } from '../../src/cli/status.js';

const crash = process.env.KALREV_TEST_CRASH?.split(':');
const at = (phase: string) => (seq: number) => {
  if (crash && crash[0] === phase && Number(crash[1]) === seq) process.kill(process.pid, 'SIGKILL');
};
const program = new Command('kalrev').exitOverride();
program.addCommand(paperCommand({ afterJournal: at('after-journal'), afterSubmit: at('after-submit') }));
program.addCommand(statusCommand());
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof KalrevError) {
    console.error(`kalrev: ${e.message}`);
    process.exit(2);
  }
  if ((e as { code?: string }).code?.startsWith('commander.')) process.exit(2);
  throw e;
}
