/** A minimal server-sent-events client for the dashboard tests (node:http, 127.0.0.1 only). */
import { get, type ClientRequest } from 'node:http';

export interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface EventStream {
  events: StreamEvent[];
  /** Resolves with the `n`-th event (1-based) once it has come. */
  nth(n: number): Promise<StreamEvent>;
  close(): void;
}

export function openStream(url: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const events: StreamEvent[] = [];
    const waiters: { n: number; resolve: (e: StreamEvent) => void }[] = [];
    let buffer = '';
    const req: ClientRequest = get(`${url}events`, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event === undefined || data === undefined) continue;
          events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
          for (const w of waiters.filter((w) => events.length >= w.n)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(events[w.n - 1]);
          }
        }
      });
      resolve({
        events,
        nth: (n) =>
          events.length >= n
            ? Promise.resolve(events[n - 1])
            : new Promise((r) => waiters.push({ n, resolve: r })),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
