/**
 * `kalrev dashboard --state FILE`: the live dashboard of a paper run, read from its journal while
 * another process (`kalrev paper`) trades on it (docs/live.md). Parsing and printing only.
 */
import { Command } from 'commander';
import { DEFAULT_DASHBOARD_PORT, startDashboard } from '../app/dashboard.js';
import { integer } from './common.js';

interface DashboardCliOptions {
  state: string;
  port: number;
  host?: string;
  poll: number;
  quiet?: boolean;
}

export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description("serve a paper run's live dashboard from its journal (read-only; safe while it runs)")
    .requiredOption('--state <file>', 'the journal of the run')
    .option(
      '--port <port>',
      `the port (default ${DEFAULT_DASHBOARD_PORT}; 0: any free port)`,
      integer('--port', 0, 65_535),
      DEFAULT_DASHBOARD_PORT,
    )
    .option('--host <host>', 'the address to listen on (default 127.0.0.1: this machine only)')
    .option('--poll <ms>', 'how often the journal is read (ms)', integer('--poll', 50, 3_600_000), 1_000)
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: DashboardCliOptions) => {
      const dashboard = await startDashboard({
        state: opts.state,
        host: opts.host,
        port: opts.port,
        pollMs: opts.poll,
        parameter: '--port',
      });
      if (!opts.quiet) console.log(`kalrev dashboard: ${opts.state} at ${dashboard.url} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await dashboard.close();
    });
}
