/**
 * The dashboard's HTTP server: the page, its state as JSON, and a stream of server-sent events
 * that pushes every change to every open page. It is read-only by construction: it answers GET
 * and HEAD on three paths and refuses every other method with 405; nothing it serves changes the
 * run. It binds to 127.0.0.1 unless told otherwise, and while bound to loopback it refuses a
 * request whose `Host` is not a loopback name (a web page elsewhere cannot read it through DNS
 * rebinding).
 *
 * - `GET /`: the page (self-contained: no request leaves for another origin);
 * - `GET /state`: the current view as JSON;
 * - `GET /events`: `text/event-stream`: `snapshot` (the whole view) on connection, then `update`
 *   (the view with the series points added since) on every change, and `end` when the run ends.
 *   Browsers reconnect by themselves (`retry` is sent), and get a fresh snapshot.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LiveConfigError } from './errors.js';

/** Options of {@link DashboardServer}. */
export interface DashboardServerOptions {
  /** The page served at `/`. */
  page: string;
  /** The current whole view, for `/state` and a new viewer's snapshot. */
  view: () => unknown;
  /** Called before a new viewer is sent its snapshot (to bring the view up to date). */
  onViewer?: () => void;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Milliseconds a browser waits before reconnecting (sent as the stream's `retry`; default 1,000). */
  retryMs?: number;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const isLoopback = (host: string) => LOOPBACK_NAMES.has(host) || host.startsWith('127.');

/** JSON for an event stream's `data:` line: one line, non-finite numbers as null. */
const streamJson = (value: unknown): string =>
  JSON.stringify(value, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));

/** The dashboard's server (see the module notes). */
export class DashboardServer {
  readonly #options: DashboardServerOptions;
  readonly #server: Server;
  readonly #viewers = new Set<ServerResponse>();
  #url: string | null = null;

  constructor(options: DashboardServerOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  /** Pages connected to the event stream now. */
  get viewers(): number {
    return this.#viewers.size;
  }

  /** The page's URL once listening. */
  get url(): string | null {
    return this.#url;
  }

  /**
   * Starts listening; resolves to the page's URL.
   * @throws LiveConfigError naming `parameter` when the port is taken or the host cannot be bound.
   */
  listen(parameter = '--dashboard'): Promise<string> {
    const host = this.#options.host ?? '127.0.0.1';
    const port = this.#options.port ?? 0;
    return new Promise((resolve, reject) => {
      const failed = (e: NodeJS.ErrnoException) =>
        reject(
          new LiveConfigError(
            parameter,
            e.code === 'EADDRINUSE'
              ? `port ${port} is in use on ${host}; choose another port, or 0 for any free one`
              : `cannot listen on ${host}:${port} (${e.code ?? e.message})`,
          ),
        );
      this.#server.once('error', failed);
      this.#server.listen(port, host, () => {
        this.#server.off('error', failed);
        const a = this.#server.address() as AddressInfo;
        const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        this.#url = `http://${shown}:${a.port}/`;
        resolve(this.#url);
      });
    });
  }

  /** The address it listens on. */
  address(): AddressInfo | null {
    return this.#server.address() as AddressInfo | null;
  }

  /** Sends an event to every open page. */
  publish(event: 'update' | 'end', data: unknown): void {
    if (this.#viewers.size === 0) return;
    const frame = `event: ${event}\ndata: ${streamJson(data)}\n\n`;
    for (const res of this.#viewers) res.write(frame);
  }

  /** Ends every event stream and stops listening. */
  close(): Promise<void> {
    for (const res of this.#viewers) res.end();
    this.#viewers.clear();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const host = this.#options.host ?? '127.0.0.1';
    if (isLoopback(host) || host === '::1') {
      const asked = hostName(req.headers.host ?? '');
      if (!isLoopback(asked)) return plain(res, 403, 'forbidden: not a loopback host\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return plain(res, 405, 'method not allowed: the dashboard is read-only\n');
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') return this.#page(req, res);
    if (path === '/state') return this.#state(req, res);
    if (path === '/events') return this.#events(req, res);
    plain(res, 404, 'not found\n');
  }

  #page(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // the page runs its own inline script and talks to this server only
      'content-security-policy':
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : this.#options.page);
  }

  #state(req: IncomingMessage, res: ServerResponse): void {
    this.#options.onViewer?.();
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : streamJson(this.#options.view()));
  }

  #events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    if (req.method === 'HEAD') return void res.end();
    res.socket?.setNoDelay(true);
    this.#options.onViewer?.();
    res.write(`retry: ${this.#options.retryMs ?? 1000}\n\n`);
    res.write(`event: snapshot\ndata: ${streamJson(this.#options.view())}\n\n`);
    this.#viewers.add(res);
    const gone = () => this.#viewers.delete(res);
    req.on('close', gone);
    res.on('error', gone);
  }
}

/** The host name of a `Host` header (`[::1]:8080` → `[::1]`, `localhost:80` → `localhost`). */
function hostName(header: string): string {
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  const colon = header.indexOf(':');
  return (colon < 0 ? header : header.slice(0, colon)).toLowerCase();
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
