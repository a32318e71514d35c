/**
 * The live dashboard of a paper run: its journal read by a {@link DashboardReader}, served by a
 * {@link DashboardServer} with the page of src/report/dashboard.ts. Two ways to start it, one
 * page: beside a running engine (`kalrev paper --dashboard`), where every notice of the runner
 * (a bar journaled, a fill, a halt) makes it read the journal and push what changed at once; and
 * on a journal that another process writes (`kalrev dashboard --state`), read on a timer. Both
 * also read on the timer, so a feed going silent shows as stale without a bar.
 */
import { DashboardReader, type DashboardView } from '../live/dashboardState.js';
import { DashboardServer } from '../live/dashboardServer.js';
import type { Logger } from '../live/logger.js';
import type { PaperRunner } from '../live/runner.js';
import { renderDashboardPage } from '../report/dashboard.js';

/** The port a dashboard listens on when none is given. */
export const DEFAULT_DASHBOARD_PORT = 8765;

/** A repeating timer: calls `fn` every `ms` until the returned function is called. */
export type RepeatTimer = (fn: () => void, ms: number) => () => void;

const realTimer: RepeatTimer = (fn, ms) => {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
};

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** The journal file. */
  state: string;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** The engine writing the journal in this process: its notices push changes at once. */
  runner?: PaperRunner;
  /** How often the journal is read without a notice (ms; default 1,000). */
  pollMs?: number;
  /** The timer reading the journal every `pollMs` (tests drive it by hand). */
  every?: RepeatTimer;
  /** The clock (stamps the view, and judges how long the feed has been silent). */
  clock?: () => number;
  logger?: Logger;
  /** The flag a listening error names (default `--dashboard`). */
  parameter?: string;
}

/** A running dashboard. */
export interface LiveDashboard {
  /** The page's URL. */
  url: string;
  server: DashboardServer;
  /** Reads the journal now and pushes what changed to every open page. */
  refresh(): void;
  /** Tells the open pages that the run ended (and why), after a last read. */
  end(reason: string): void;
  /** Stops reading and serving. */
  close(): Promise<void>;
}

/**
 * Starts a dashboard on a journal (see the module notes).
 * @throws JournalCorruptError / JournalError when the journal cannot be read, LiveConfigError
 * when the port is taken.
 */
export async function startDashboard(options: DashboardOptions): Promise<LiveDashboard> {
  const clock = options.clock ?? Date.now;
  const reader = new DashboardReader(options.state);
  let view: DashboardView = reader.read(clock()).view;
  let failing = false;
  const refresh = () => {
    try {
      const r = reader.read(clock());
      view = r.view;
      failing = false;
      server.publish('update', { ...r.view, series: r.added });
    } catch (e) {
      // a dashboard never stops the run: say so once, and try again on the next change
      if (!failing)
        options.logger?.warn(
          { event: 'dashboard-read-failed', reason: String(e) },
          'the dashboard could not read the journal',
        );
      failing = true;
    }
  };
  const server = new DashboardServer({
    page: renderDashboardPage(),
    view: () => view,
    onViewer: refresh,
    host: options.host,
    port: options.port,
  });
  let url: string;
  try {
    url = await server.listen(options.parameter);
  } catch (e) {
    reader.close();
    throw e;
  }
  let scheduled = false;
  const nudge = () => {
    if (scheduled) return;
    scheduled = true;
    // after the runner's synchronous work on this notice: one read for a burst of notices
    setImmediate(() => {
      scheduled = false;
      if (server.viewers > 0) refresh();
    });
  };
  const unwatch = options.runner?.onEvent(nudge);
  const stopTimer = (options.every ?? realTimer)(() => {
    if (server.viewers > 0) refresh();
  }, options.pollMs ?? 1_000);
  let closed = false;
  return {
    url,
    server,
    refresh,
    end(reason: string) {
      refresh();
      server.publish('end', { reason });
    },
    async close() {
      if (closed) return;
      closed = true;
      unwatch?.();
      stopTimer();
      await server.close();
      reader.close();
    },
  };
}
