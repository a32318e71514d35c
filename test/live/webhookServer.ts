/**
 * A local webhook for the alert tests, on 127.0.0.1: records every POST (path, query, JSON body,
 * and the fake clock's time when it came), answers 200, or 500 for the first `failFirst` posts,
 * or holds every answer (`hang`) until {@link WebhookServer.release}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  body: Record<string, unknown> & { text: string; kind: string; detail: Record<string, unknown> };
  /** The fake clock's time when the post arrived. */
  at: number;
}

export interface WebhookServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  received: Received[];
  /** Posts whose answer is being held (hang). */
  held: number;
  /** Resolves once `n` posts have arrived. */
  arrived(n: number): Promise<void>;
  /** Answers every held post (200) and stops holding. */
  release(): void;
  close(): Promise<void>;
}

export async function webhookServer(
  options: { failFirst?: number; hang?: boolean; clock?: () => number } = {},
): Promise<WebhookServer> {
  let failures = options.failFirst ?? 0;
  let hang = options.hang ?? false;
  const heldRes: ServerResponse[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        body: JSON.parse(data) as Received['body'],
        at: options.clock?.() ?? 0,
      });
      for (const w of waiters.filter((w) => received.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      if (hang) {
        heldRes.push(res);
        return;
      }
      res.writeHead(failures-- > 0 ? 500 : 200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    get held() {
      return heldRes.length;
    },
    arrived(n) {
      if (received.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    release() {
      hang = false;
      for (const res of heldRes.splice(0)) res.writeHead(200).end('{}');
    },
    close() {
      for (const res of heldRes.splice(0)) res.destroy();
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
