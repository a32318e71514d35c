/**
 * The fetch cache: one JSON file per provider, interval, symbol and chunk of the calendar grid
 * (src/data/fetch/provider.ts), written atomically once the chunk's bars are in hand. A chunk
 * file records how far it is complete (`until`): a chunk that ends in the past is complete and
 * never fetched again; the chunk holding today is complete up to the last finished bar and is
 * fetched again when more is asked for. So a second call fetches only what is missing, and an
 * interrupted fetch resumes from the chunks it had finished.
 *
 * Cache files hold bars and their provenance only (provider, symbol, interval, range), never a
 * credential or a URL.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import type { Bars, FetchInterval } from './provider.js';

const FORMAT = 'kalrev-fetch-chunk';
const VERSION = 1;

/** A chunk's bars and how far they are complete. */
export interface CachedChunk {
  start: number;
  end: number;
  /** The bars are complete for `start <= time < until`. */
  until: number;
  bars: Bars;
}

/** A file-name-safe form of a name (`BTC/USDT` → `BTC%2FUSDT`, `ccxt:binance` → `ccxt%3Abinance`). */
function safe(name: string): string {
  const s = encodeURIComponent(name).replaceAll('*', '%2A');
  return s === '.' || s === '..' ? encodeURIComponent(s).replaceAll('.', '%2E') : s;
}

/** A cache folder. */
export class FetchCache {
  constructor(readonly dir: string) {}

  #file(provider: string, interval: FetchInterval, symbol: string, start: number): string {
    const stamp = new Date(start)
      .toISOString()
      .replace(/:/g, '')
      .replace(/\.000Z$/, 'Z');
    return join(this.dir, safe(provider), interval, safe(symbol), `${stamp}.json`);
  }

  /** The cached chunk starting at `start`, or undefined when there is none (or it is unreadable). */
  read(provider: string, interval: FetchInterval, symbol: string, start: number): CachedChunk | undefined {
    let text: string;
    try {
      text = readFileSync(this.#file(provider, interval, symbol, start), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const c = JSON.parse(text) as Record<string, unknown> & { bars?: Bars };
      if (
        c.format !== FORMAT ||
        c.version !== VERSION ||
        c.provider !== provider ||
        c.symbol !== symbol ||
        c.interval !== interval ||
        c.start !== start ||
        typeof c.end !== 'number' ||
        typeof c.until !== 'number' ||
        !Array.isArray(c.bars?.time)
      )
        return undefined;
      return { start, end: c.end, until: c.until, bars: c.bars };
    } catch {
      // a file edited or damaged by hand: fetched again
      return undefined;
    }
  }

  /** Stores a chunk (atomically). */
  write(provider: string, interval: FetchInterval, symbol: string, chunk: CachedChunk): void {
    const content = {
      format: FORMAT,
      version: VERSION,
      provider,
      symbol,
      interval,
      start: chunk.start,
      end: chunk.end,
      until: chunk.until,
      bars: chunk.bars,
    };
    writeFileAtomic(this.#file(provider, interval, symbol, chunk.start), JSON.stringify(content));
  }
}
