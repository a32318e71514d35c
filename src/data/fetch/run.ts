/**
 * A fetch: each symbol's chunks of the calendar grid, from the cache where it has them and
 * from the provider where it does not, checked, stored and joined into the requested range.
 */
import { isoTime } from '../frame.js';
import type { FetchCache } from './cache.js';
import { FetchError } from './errors.js';
import type { Http } from './http.js';
import { chunks, INTERVAL_MS, type Bars, type FetchInterval, type PriceProvider } from './provider.js';

/** Progress of a fetch, after each chunk. */
export interface FetchProgress {
  /** Chunks done (read from the cache or fetched), of `total`. */
  done: number;
  total: number;
  symbol: string;
  /** Whether this chunk came from the cache. */
  cached: boolean;
}

/** What to fetch and how. */
export interface FetchPlan {
  provider: PriceProvider;
  symbols: readonly string[];
  interval: FetchInterval;
  /** The range, UTC ms: start <= time < end. */
  start: number;
  end: number;
  http: Http;
  /** Where chunks are kept between calls; none: every chunk is fetched. */
  cache?: FetchCache;
  onProgress?: (p: FetchProgress) => void;
}

/** A symbol's bars in the requested range. */
export interface SymbolBars {
  symbol: string;
  bars: Bars;
}

/** What a fetch read and from where. */
export interface FetchedBars {
  symbols: SymbolBars[];
  /** Chunks read from the cache and chunks fetched from the provider. */
  cachedChunks: number;
  fetchedChunks: number;
}

/**
 * Fetches the plan's bars. A chunk is fetched whole (up to the last finished bar) and stored
 * before the next one is asked for, so that a fetch stopped at any point resumes where it was.
 * @throws FetchError naming the provider and the symbol.
 */
export async function fetchBars(plan: FetchPlan): Promise<FetchedBars> {
  const { provider, interval, http } = plan;
  if (!provider.intervals.includes(interval))
    throw new FetchError(
      provider.name,
      '',
      'bad-request',
      `has no ${interval} bars (it serves ${provider.intervals.join(', ')})`,
    );
  const step = INTERVAL_MS[interval];
  // bars from the one still forming on are not final: they are neither kept nor cached
  const settled = Math.floor(http.clock.now() / step) * step;
  const grid = chunks(plan.start, Math.min(plan.end, settled), interval);
  const adjusted = provider.closes(interval).adjusted;
  const total = grid.length * plan.symbols.length;
  const out: SymbolBars[] = [];
  let done = 0;
  let cachedChunks = 0;
  let fetchedChunks = 0;
  const sound = (bars: Bars, start: number, until: number): boolean => {
    try {
      checkBars(bars, provider.name, '', interval, start, until, adjusted);
      return true;
    } catch {
      return false;
    }
  };
  for (const symbol of plan.symbols) {
    const parts: Bars[] = [];
    for (const chunk of grid) {
      const until = Math.min(chunk.end, settled);
      const needed = Math.min(until, plan.end);
      const hit = plan.cache?.read(provider.name, interval, symbol, chunk.start);
      let bars: Bars;
      // a cached chunk is held to the same checks as a fetched one: a damaged one is fetched again
      const cached = hit !== undefined && hit.until >= needed && sound(hit.bars, chunk.start, hit.until);
      if (cached) {
        bars = hit.bars;
        cachedChunks++;
      } else {
        bars = await provider.bars({ symbol, interval, start: chunk.start, end: until }, http);
        checkBars(bars, provider.name, symbol, interval, chunk.start, until, adjusted);
        plan.cache?.write(provider.name, interval, symbol, {
          start: chunk.start,
          end: chunk.end,
          until,
          bars,
        });
        fetchedChunks++;
      }
      parts.push(bars);
      plan.onProgress?.({ done: ++done, total, symbol, cached });
    }
    const bars = joinBars(parts, plan.start, plan.end, adjusted);
    if (bars.time.length === 0)
      throw new FetchError(
        provider.name,
        symbol,
        'unknown-symbol',
        `no bars from ${isoTime(plan.start)} to ${isoTime(plan.end - 1).slice(0, 10)}: the provider does not know the symbol, or it did not trade then`,
      );
    out.push({ symbol, bars });
  }
  return { symbols: out, cachedChunks, fetchedChunks };
}

const FIELDS = ['open', 'high', 'low', 'close', 'adjClose', 'volume'] as const;

/** Refuses bars that would make a file no kalrev command reads, naming the bar. */
function checkBars(
  bars: Bars,
  provider: string,
  symbol: string,
  interval: FetchInterval,
  start: number,
  end: number,
  adjusted: boolean,
): void {
  const bad = (what: string) => new FetchError(provider, symbol, 'bad-response', what);
  const n = bars.time.length;
  if (!Array.isArray(bars.close)) throw bad('bars without closes');
  if (adjusted !== (bars.adjClose !== undefined)) throw bad('bars without the adjusted close');
  for (const f of FIELDS) {
    const column = bars[f];
    if (column !== undefined && column.length !== n) throw bad(`${n} bars but ${column.length} ${f} values`);
  }
  for (let i = 0; i < n; i++) {
    const t = bars.time[i];
    const at = Number.isFinite(t) ? isoTime(t) : String(t);
    if (!Number.isFinite(t) || t < start || t >= end)
      throw bad(`a bar at ${at}, outside the range asked for`);
    if (interval === '1d' && t % 86_400_000 !== 0) throw bad(`a daily bar at ${at}, not at a date`);
    if (i > 0 && !(t > bars.time[i - 1]))
      throw bad(`bars out of order or repeated at ${at} (after ${isoTime(bars.time[i - 1])})`);
    for (const f of FIELDS) {
      const v = bars[f]?.[i];
      if (v === undefined) continue;
      if (!Number.isFinite(v)) throw bad(`${f} of the bar at ${at} is not a number`);
      if (f === 'volume' ? v < 0 : v <= 0) throw bad(`${f} of the bar at ${at} is ${v}`);
    }
  }
}

/** The chunks' bars with start <= time < end, as one. */
function joinBars(parts: Bars[], start: number, end: number, adjusted: boolean): Bars {
  const volume = parts.every((p) => p.volume !== undefined);
  const out: Bars = {
    time: [],
    open: [],
    high: [],
    low: [],
    close: [],
    ...(adjusted ? { adjClose: [] } : {}),
  };
  if (volume) out.volume = [];
  for (const p of parts)
    for (let i = 0; i < p.time.length; i++) {
      const t = p.time[i];
      if (t < start || t >= end) continue;
      out.time.push(t);
      out.open.push(p.open[i]);
      out.high.push(p.high[i]);
      out.low.push(p.low[i]);
      out.close.push(p.close[i]);
      out.adjClose?.push(p.adjClose![i]);
      out.volume?.push(p.volume![i]);
    }
  return out;
}
