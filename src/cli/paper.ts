/**
 * `kalrev paper`: paper-trade a strategy on a stream, journaling every decision before acting
 * (docs/live.md). Parsing and printing only; the work is src/live's.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolvePaperLayers } from '../app/paper.js';
import { parseRunSpec } from '../app/spec.js';
import { createLogger } from '../live/logger.js';
import { LiveConfigError } from '../live/errors.js';
import { openPaperSession } from '../live/session.js';
import type { RunnerHooks } from '../live/runner.js';
import type { WsMapping } from '../live/feeds.js';
import { ALPACA_DATA_FEEDS, type AlpacaDataFeed } from '../live/venues/alpacaSettings.js';
import { DEFAULT_DASHBOARD_PORT, startDashboard, type LiveDashboard } from '../app/dashboard.js';
import { parseAlertTarget, WebhookAlerts } from '../live/alerts.js';
import { decimal, integer, readJson } from './common.js';
import { addSpecFlags, specFlags } from './specFlags.js';

interface PaperOptions {
  config?: string;
  feed: string;
  state: string;
  warmup?: string;
  pace?: number;
  killFile?: string;
  wsMap?: string;
  wsSubscribe?: string;
  log?: string;
  logLevel?: string;
  json?: boolean;
  quiet?: boolean;
  live?: boolean;
  alpacaUrl?: string;
  alpacaStreamUrl?: string;
  alpacaDataFeed?: AlpacaDataFeed;
  ccxtUrl?: string;
  dashboard?: true | number;
  dashboardHost?: string;
  alert?: string[];
}

/** How long a run that ends gives its last alerts (a halt) to leave. */
const ALERT_DRAIN_MS = 5_000;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

const nonNegative = (flag: string) => (v: string) => {
  const x = decimal(v);
  if (v.trim() === '' || !(x >= 0))
    throw new InvalidArgumentError(`${flag} expects a number ≥ 0, got "${v}".`);
  return x;
};

function parseMapping(text: string): Partial<WsMapping> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [k, v] = part.split('=');
    if (!k || !v)
      throw new LiveConfigError('--ws-map', `expected field=name pairs like time=t,close=c, got "${part}"`);
    out[k.trim()] = v.trim();
  }
  return out as Partial<WsMapping>;
}

/**
 * The `paper` command. `hooks` lets a test crash the process at chosen points.
 */
export function paperCommand(hooks?: RunnerHooks): Command {
  const command = new Command('paper')
    .description('paper-trade a strategy on a live or replayed feed, with a crash-safe journal')
    .option(
      '--config <file>',
      'a JSON run spec (as the run.json a backtest writes), with orders, risk and pairing',
    );
  return (
    addSpecFlags(command, 'paper')
      .requiredOption(
        '--feed <feed>',
        'csv:PATH (replay), stdin (NDJSON bars), ws://HOST/PATH, alpaca:SYMBOLS or ccxt:EXCHANGE:SYMBOLS',
      )
      .requiredOption('--state <file>', 'the journal (SQLite); restarting with it resumes the run')
      .option('--warmup <file>', 'CSV of history fed to the strategy before the first live bar')
      .option('--pace <ms>', 'CSV replay: pause between timestamps', nonNegative('--pace'))
      .option('--kill-file <file>', 'kill switch: if this file appears, flatten and stop')
      .option('--ws-map <fields>', 'WebSocket field names, e.g. time=t,symbol=s,close=c')
      .option('--ws-subscribe <json>', 'message sent on each connection ({from} = last bar time)')
      .option('--log <file>', 'write the JSON log here instead of stderr')
      .addOption(
        new Option('--log-level <level>', 'log level (default: info; error with --quiet)').choices(
          LOG_LEVELS,
        ),
      )
      // a venue's connection: not part of the run spec (never in a config file or the journal),
      // so that only the command line can send orders to a live account
      .option('--live', "trade on the broker's live endpoint (real money); the paper endpoint otherwise")
      .option(
        '--alpaca-url <url>',
        'Alpaca REST endpoint (default $APCA_API_BASE_URL, or the paper endpoint)',
      )
      .option('--alpaca-stream-url <url>', 'Alpaca market-data stream (default $APCA_API_STREAM_URL)')
      .addOption(
        new Option('--alpaca-data-feed <feed>', 'Alpaca market data: iex (free, default) or sip').choices(
          ALPACA_DATA_FEEDS,
        ),
      )
      .option(
        '--ccxt-url <url>',
        "ccxt: replace the host of the exchange's API URLs (a local or proxy server)",
      )
      .option(
        '--dashboard [port]',
        `serve a live dashboard of the run on 127.0.0.1 (default port ${DEFAULT_DASHBOARD_PORT}; 0: any free port)`,
        integer('--dashboard', 0, 65_535),
      )
      .option(
        '--dashboard-host <host>',
        'the address the dashboard listens on (default 127.0.0.1: this machine only)',
      )
      .option(
        '--alert <target>',
        'post alerts (fills, risk limits, stale feed, halt) as JSON to webhook:URL (repeatable)',
        (v: string, previous: string[] | undefined) => [...(previous ?? []), v],
      )
      .option('--json', 'print the run summary as JSON on stdout at the end')
      .option('--quiet', 'print nothing but errors (log level error unless --log-level is given)')
      .action(async (opts: PaperOptions, cmd: Command) => {
        const flags = specFlags(cmd, 'paper');
        if (opts.killFile) flags.risk = { killFile: opts.killFile };
        const config = resolvePaperLayers({
          ...(opts.config
            ? { file: parseRunSpec(readJson(opts.config), opts.config), source: opts.config }
            : {}),
          flags,
        });
        const targets = (opts.alert ?? []).map(parseAlertTarget);
        const logger = createLogger({
          level: opts.logLevel ?? (opts.quiet ? 'error' : 'info'),
          destination: opts.log,
        });
        const session = openPaperSession({
          config,
          state: opts.state,
          feed: opts.feed,
          broker: config.broker,
          logger,
          warmup: opts.warmup,
          paceMs: opts.pace,
          wsMapping: opts.wsMap ? parseMapping(opts.wsMap) : undefined,
          wsSubscribe: opts.wsSubscribe,
          hooks,
          venue: {
            alpaca: {
              live: opts.live,
              baseUrl: opts.alpacaUrl,
              streamUrl: opts.alpacaStreamUrl,
              dataFeed: opts.alpacaDataFeed,
            },
            ccxt: { live: opts.live, url: opts.ccxtUrl },
          },
        });
        const alerts = targets.length > 0 ? new WebhookAlerts({ targets, logger }) : null;
        alerts?.watch(session.runner, { state: opts.state, symbols: config.symbols });
        let dashboard: LiveDashboard | null = null;
        if (opts.dashboard !== undefined)
          try {
            dashboard = await startDashboard({
              state: opts.state,
              host: opts.dashboardHost,
              port: opts.dashboard === true ? DEFAULT_DASHBOARD_PORT : opts.dashboard,
              runner: session.runner,
              logger,
            });
            logger.info({ event: 'dashboard', url: dashboard.url }, `dashboard at ${dashboard.url}`);
            if (!opts.quiet) process.stderr.write(`kalrev paper: dashboard at ${dashboard.url}\n`);
          } catch (e) {
            session.close();
            throw e;
          }
        const abort = new AbortController();
        const kill = () => session.runner.kill('signal SIGUSR2');
        const stop = () => abort.abort();
        process.on('SIGUSR2', kill);
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        const before = session.runner.seq;
        let ended = 'failed';
        try {
          const stats = await session.run(abort.signal);
          const summary = {
            state: opts.state,
            broker: session.broker.name,
            bars: session.runner.seq,
            newBars: session.runner.seq - before,
            orders: session.journal.count('orders'),
            fills: session.journal.count('fills'),
            killed: session.runner.killed,
            stopped: abort.signal.aborted ? 'signal' : session.runner.stopped ? 'killed' : 'feed ended',
            feed: stats,
          };
          ended = summary.stopped;
          if (opts.json) console.log(JSON.stringify(summary, null, 2));
          else if (!opts.quiet)
            console.log(
              `kalrev paper: ${opts.state}: ${summary.bars} bars journaled (${summary.newBars} new), ${summary.orders} orders, ${summary.fills} fills; ${summary.stopped}`,
            );
        } finally {
          process.off('SIGUSR2', kill);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          if (dashboard !== null) {
            dashboard.end(session.journal.getMeta('halted') !== undefined ? 'halted' : ended);
            await dashboard.close();
          }
          await alerts?.drain(ALERT_DRAIN_MS);
          session.close();
        }
      })
  );
}
