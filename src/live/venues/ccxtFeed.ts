/**
 * `--feed ccxt:EXCHANGE:SYM1,SYM2`: one-minute bars from a ccxt exchange, by polling its OHLCV
 * (`fetchOHLCV`) every `pollMs` (an injectable pause). A candle is emitted once the exchange's
 * clock (`fetchTime`) has passed its end, so a bar still forming is never traded on; without a
 * clock, once a later candle exists. Its time is the candle's start, as ccxt gives it. Candles are
 * asked from the last one emitted on, so a poll lost to a dropped connection loses nothing: the
 * next poll fetches them.
 */
import type { Exchange } from 'ccxt';
import type { Logger } from 'pino';
import { BrokerConnectionError } from '../../execution/broker.js';
import type { FeedMessage } from '../assembler.js';
import { CcxtCaller } from './ccxtVenue.js';
import { wallClockPause, type Backoff, type Pause } from './http.js';

/** Parses `ccxt:EXCHANGE:SYM1,SYM2` (symbols may hold `:`, as perpetuals' do); null when it is not one. */
export function ccxtFeedSpec(spec: string): { exchange: string; symbols: string[] } | null {
  const m = /^ccxt:([a-z0-9_]+):(.+)$/.exec(spec);
  if (m === null) return null;
  return {
    exchange: m[1],
    symbols: m[2]
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  };
}

const MINUTE = 60_000;

/** Options of {@link ccxtBarFeed}. */
export interface CcxtFeedOptions {
  logger?: Logger;
  signal?: AbortSignal;
  pause?: Pause;
  backoff?: Backoff;
  /** Time between two polls (default 5 s). */
  pollMs?: number;
  /** The wait between two polls, instead of `pollMs` of `pause` (tests wait for the next bar). */
  poll?: () => Promise<unknown>;
}

/** The exchange's closed one-minute candles of `symbols`, as feed messages (see the module notes). */
export async function* ccxtBarFeed(
  exchange: Exchange,
  symbols: readonly string[],
  options: CcxtFeedOptions = {},
): AsyncGenerator<FeedMessage> {
  const source = `ccxt:${exchange.id}:${symbols.join(',')}`;
  const log = options.logger;
  const pause = options.pause ?? wallClockPause;
  const caller = new CcxtCaller(source, log, pause, options.backoff);
  const last = new Map<string, number>();
  let count = 0;
  let down = false;
  while (!options.signal?.aborted) {
    try {
      const now = exchange.has.fetchTime
        ? await caller.call('fetchTime', () => exchange.fetchTime())
        : undefined;
      for (const symbol of symbols) {
        const since = last.get(symbol);
        const candles = await caller.call('fetchOHLCV', () =>
          exchange.fetchOHLCV(symbol, '1m', since === undefined ? undefined : since + 1),
        );
        candles.sort((a, b) => Number(a[0]) - Number(b[0]));
        for (let k = 0; k < candles.length; k++) {
          const [t, o, h, l, c, v] = candles[k].map(Number);
          if (since !== undefined && t <= since) continue;
          const closed = now !== undefined ? t + MINUTE <= now : k < candles.length - 1;
          if (!closed) break;
          last.set(symbol, t);
          count++;
          yield {
            source,
            line: count,
            data: { time: t, symbol, open: o, high: h, low: l, close: c, volume: v },
          };
        }
      }
      if (down) {
        down = false;
        log?.info({ event: 'feed-reconnected', feed: source }, `${source} reachable again`);
      }
    } catch (e) {
      if (!(e instanceof BrokerConnectionError)) throw e;
      if (!down)
        log?.warn({ event: 'feed-disconnected', feed: source, reason: e.message }, `${source}: ${e.message}`);
      down = true;
    }
    if (options.signal?.aborted) break;
    await (options.poll !== undefined ? options.poll() : pause(options.pollMs ?? 5_000));
  }
}
