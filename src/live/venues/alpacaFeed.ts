/**
 * `--feed alpaca:SYM1,SYM2`: bars from Alpaca's market-data stream. It authenticates with the
 * account's keys (`{"action":"auth",…}`), subscribes to the symbols' minute bars and turns each
 * `{"T":"b",…}` message into a feed bar (time `t`, Alpaca's stamp of the bar; `o h l c v`),
 * which the assembler validates as every other feed's. A dropped connection reconnects after a
 * growing delay (an injectable pause); Alpaca does not resend what was missed, so a drop can
 * leave a gap, which shows as missing legs. Keys refused, or a feed the subscription does not
 * include, end the feed with a {@link VenueFeedError}.
 */
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { KalrevError } from '../../errors.js';
import { redact, redactedMessage } from '../../redact.js';
import type { FeedMessage } from '../assembler.js';
import { DEFAULT_BACKOFF, wallClockPause, type Backoff, type Pause } from './http.js';
import type { AlpacaSettings } from './alpacaSettings.js';

/** A venue's feed cannot go on: keys refused, a subscription missing. Names the feed. */
export class VenueFeedError extends KalrevError {
  override name = 'VenueFeedError';
  constructor(
    readonly feed: string,
    reason: string,
  ) {
    super(redact(`--feed ${feed}: ${reason}`));
  }
}

/** Alpaca's stream error codes after which reconnecting cannot help. */
const FATAL_CODES: Record<number, string> = {
  401: 'not authenticated',
  402: 'the keys were refused',
  409: 'the account has no subscription for this data feed (use --alpaca-data-feed iex)',
};

/** Options of {@link alpacaBarFeed}. */
export interface AlpacaFeedOptions {
  logger?: Logger;
  signal?: AbortSignal;
  pause?: Pause;
  backoff?: Backoff;
}

/** Parses `alpaca:SYM1,SYM2` into its symbols (null when the spec is not an Alpaca feed). */
export function alpacaFeedSymbols(spec: string): string[] | null {
  if (!spec.startsWith('alpaca:')) return null;
  return spec
    .slice(7)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Alpaca's minute bars for `symbols`, as feed messages (see the module notes). */
export async function* alpacaBarFeed(
  settings: AlpacaSettings,
  symbols: readonly string[],
  options: AlpacaFeedOptions = {},
): AsyncGenerator<FeedMessage> {
  const source = `alpaca:${symbols.join(',')}`;
  const url = settings.dataStreamUrl;
  const log = options.logger;
  const pause = options.pause ?? wallClockPause;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let delay = backoff.initialMs;
  let count = 0;
  let fatal: VenueFeedError | null = null;
  const queue: FeedMessage[] = [];
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  while (!options.signal?.aborted) {
    const ws = new WebSocket(url);
    let done = false;
    const onMessage = (item: Record<string, unknown>) => {
      switch (item.T) {
        case 'success':
          if (item.msg === 'connected')
            ws.send(JSON.stringify({ action: 'auth', key: settings.keyId, secret: settings.secretKey }));
          else if (item.msg === 'authenticated') {
            delay = backoff.initialMs;
            ws.send(JSON.stringify({ action: 'subscribe', bars: symbols }));
          }
          return;
        case 'subscription':
          log?.info({ event: 'feed-subscribed', feed: source, bars: item.bars }, `subscribed to ${source}`);
          return;
        case 'error': {
          const code = Number(item.code);
          const reason = FATAL_CODES[code];
          if (reason !== undefined) {
            fatal = new VenueFeedError(source, `${reason} (Alpaca stream error ${code})`);
            ws.close();
          } else
            log?.warn(
              { event: 'feed-venue-error', feed: source, code, msg: item.msg },
              `market-data stream error ${code}: ${String(item.msg)}`,
            );
          return;
        }
        case 'b':
          queue.push({
            source,
            line: count,
            data: {
              time: item.t,
              symbol: item.S,
              open: item.o,
              high: item.h,
              low: item.l,
              close: item.c,
              volume: item.v,
            },
          });
          return;
        default:
          // trades, quotes, statuses: not bars
          return;
      }
    };
    ws.on('message', (raw) => {
      count++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString()) as unknown;
      } catch (e) {
        queue.push({ source, line: count, error: `not JSON (${(e as Error).message})` });
        notify();
        return;
      }
      for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
        if (typeof item !== 'object' || item === null) {
          queue.push({
            source,
            line: count,
            error: `expected a message object, got ${JSON.stringify(item)}`,
          });
          continue;
        }
        onMessage(item as Record<string, unknown>);
      }
      notify();
    });
    ws.on('error', (e) =>
      log?.warn(
        { event: 'feed-ws-error', feed: source, error: redactedMessage(e) },
        'market-data stream error',
      ),
    );
    ws.on('close', () => {
      done = true;
      notify();
    });
    const abort = () => ws.terminate();
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (done) break;
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      // also when the consumer stops early (a run killed, a halt)
      options.signal?.removeEventListener('abort', abort);
      if (!done) ws.terminate();
    }
    if (fatal !== null) throw fatal;
    if (options.signal?.aborted) break;
    log?.warn(
      { event: 'feed-disconnected', feed: source, retryInMs: delay },
      `market-data stream dropped; reconnecting in ${delay} ms`,
    );
    await pause(delay);
    delay = Math.min(delay * backoff.factor, backoff.maxMs);
  }
}
