/**
 * The one interface every price provider sits behind, the bars they return, and the calendar
 * grid of chunks a fetch is cut into (the unit of a request, of the cache and of resuming).
 */
import type { Http } from './http.js';

/** A bar interval `kalrev fetch` knows. */
export type FetchInterval = '1d' | '1h' | '1m';

/** Every {@link FetchInterval}. */
export const FETCH_INTERVALS: readonly FetchInterval[] = ['1d', '1h', '1m'];

/**
 * One symbol's bars, ascending by time. Times are UTC ms: a daily bar is midnight UTC of its
 * trading date, an intraday bar the instant it opens. `adjClose` is present when the provider
 * gives a split- and dividend-adjusted close beside the close it reports.
 */
export interface Bars {
  time: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  adjClose?: number[];
  /** Absent when the provider has none (Stooq's indices and currencies). */
  volume?: number[];
}

/** No bars. */
export const emptyBars = (adjusted: boolean): Bars => ({
  time: [],
  open: [],
  high: [],
  low: [],
  close: [],
  volume: [],
  ...(adjusted ? { adjClose: [] } : {}),
});

/** What a provider's `close` is, and whether an adjusted close comes with it. */
export interface CloseKinds {
  /** What the `close` column holds, in words for the output's description. */
  close: string;
  /** Whether bars carry `adjClose` (split- and dividend-adjusted). */
  adjusted: boolean;
}

/** A request for one symbol's bars with `start <= time < end` (UTC ms). */
export interface BarRequest {
  symbol: string;
  interval: FetchInterval;
  start: number;
  end: number;
}

/** A source of bars: Yahoo, Stooq, Alpaca, a ccxt exchange. */
export interface PriceProvider {
  /** Its name in messages and in the cache (`yahoo`, `ccxt:binance`). */
  readonly name: string;
  /** The intervals it serves. */
  readonly intervals: readonly FetchInterval[];
  /** What its closes are at an interval. */
  closes(interval: FetchInterval): CloseKinds;
  /**
   * The bars of one request, ascending, all within [start, end); none when the provider has no
   * bar there. Pages through the provider's answer as it needs to.
   * @throws FetchError naming the provider and the symbol.
   */
  bars(request: BarRequest, http: Http): Promise<Bars>;
}

const DAY_MS = 86_400_000;

/**
 * The chunk of the calendar grid that holds `t`: a UTC calendar year for daily bars, a month
 * for hourly bars and a day for minute bars (a request's worth of bars at every provider).
 */
export function chunkOf(t: number, interval: FetchInterval): { start: number; end: number } {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  if (interval === '1d') return { start: Date.UTC(y, 0, 1), end: Date.UTC(y + 1, 0, 1) };
  if (interval === '1h') {
    const m = d.getUTCMonth();
    return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  }
  const start = Math.floor(t / DAY_MS) * DAY_MS;
  return { start, end: start + DAY_MS };
}

/** The chunks covering [start, end), in order. */
export function chunks(
  start: number,
  end: number,
  interval: FetchInterval,
): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let t = start; t < end;) {
    const c = chunkOf(t, interval);
    out.push(c);
    t = c.end;
  }
  return out;
}

/** An interval's length in ms. */
export const INTERVAL_MS: Record<FetchInterval, number> = { '1d': DAY_MS, '1h': 3_600_000, '1m': 60_000 };
