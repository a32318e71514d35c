/**
 * `kalrev fetch` as a library call: resolve the provider (its URL and keys from the options or
 * the environment), fetch through the cache and write the file every kalrev command reads.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  alpacaProvider,
  ALPACA_DATA_URL,
  DEFAULT_RETRY,
  FETCH_INTERVALS,
  FetchCache,
  fetchBars,
  FetchError,
  Http,
  isOneFile,
  symbolFileName,
  stooqProvider,
  STOOQ_URL,
  systemClock,
  writeFetched,
  yahooProvider,
  YAHOO_URL,
  type FetchClock,
  type FetchInterval,
  type FetchProgress,
  type PriceProvider,
  type RetryPolicy,
} from '../data/fetch/index.js';
import { parseTime } from '../data/time.js';

/** Options of {@link fetchPrices}. */
export interface FetchOptions {
  /** The symbols, as the provider spells them (`SPY`, `aapl.us` at Stooq, `BTC/USDT` at an exchange). */
  symbols: readonly string[];
  /** The first date, `YYYY-MM-DD` (inclusive). */
  from: string;
  /** The last date, `YYYY-MM-DD` (inclusive); default today. */
  to?: string;
  /** Bar interval (default `1d`). */
  interval?: FetchInterval;
  /** `yahoo`, `stooq`, `alpaca` or `ccxt:EXCHANGE`. */
  provider: string;
  /** A `.csv` or `.parquet` file (one long file) or a folder (one `SYMBOL.csv` per symbol). */
  out: string;
  /**
   * The cache folder; default `KALREV_CACHE_DIR`, else `$XDG_CACHE_HOME/kalrev/fetch`, else
   * `~/.cache/kalrev/fetch`. `false`: no cache (nothing is kept between calls).
   */
  cacheDir?: string | false;
  /**
   * The provider's address, in place of its public one (a mirror, a proxy, a local test server).
   * Default: `APCA_API_DATA_URL` for Alpaca, `KALREV_YAHOO_URL`, `KALREV_STOOQ_URL`, else the
   * provider's own.
   */
  baseUrl?: string;
  /**
   * Which closes the file holds: `both` (default) writes the provider's close and, where it has
   * one, the adjusted close beside it (commands use the adjusted one); `raw` writes the close
   * alone, so that every command uses it.
   */
  closes?: 'both' | 'raw';
  /** Alpaca's data feed: `iex` (default, free accounts) or `sip`. */
  feed?: string;
  /** Where keys and addresses are read from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The clock of the back-off (default the wall clock). */
  clock?: FetchClock;
  /** Retries and back-off (defaults in {@link DEFAULT_RETRY}). */
  retry?: Partial<RetryPolicy>;
  /** Stops the fetch (what was fetched stays in the cache). */
  signal?: AbortSignal;
  /** Called after each chunk, for a progress bar. */
  onProgress?: (p: FetchProgress) => void;
}

/** What {@link fetchPrices} wrote. */
export interface FetchResult {
  provider: string;
  interval: FetchInterval;
  /** The files written: the `.csv` or `.parquet` file, or one per symbol in the folder. */
  files: string[];
  /** Per symbol: bars written and the first and last bar's date. */
  symbols: { symbol: string; bars: number; first: string; last: string }[];
  /**
   * What the columns hold: `close` in the provider's words; `adjClose` when the file has an
   * `adj close` column (adjusted for splits and dividends), which the readers use by default.
   */
  columns: { close: string; adjClose?: string };
  /** Chunks read from the cache and fetched from the provider. */
  cachedChunks: number;
  fetchedChunks: number;
}

const DAY_MS = 86_400_000;

/** The default cache folder. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.KALREV_CACHE_DIR) return env.KALREV_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kalrev', 'fetch');
}

/** The provider a name stands for, its address and keys from `options` or the environment. */
export async function resolveProvider(
  options: Pick<FetchOptions, 'provider' | 'baseUrl' | 'feed' | 'env'>,
): Promise<PriceProvider> {
  const env = options.env ?? process.env;
  const name = options.provider;
  if (name === 'yahoo') return yahooProvider(options.baseUrl ?? env.KALREV_YAHOO_URL ?? YAHOO_URL);
  if (name === 'stooq')
    return stooqProvider(
      options.baseUrl ?? env.KALREV_STOOQ_URL ?? STOOQ_URL,
      env.STOOQ_API_KEY || undefined,
    );
  if (name === 'alpaca') {
    const keyId = env.APCA_API_KEY_ID;
    const secretKey = env.APCA_API_SECRET_KEY;
    return alpacaProvider(
      keyId && secretKey ? { keyId, secretKey } : undefined,
      options.baseUrl ?? env.APCA_API_DATA_URL ?? ALPACA_DATA_URL,
      options.feed ?? 'iex',
    );
  }
  const ccxt = /^ccxt:([a-z0-9_]+)$/.exec(name);
  if (ccxt) return (await import('../data/fetch/ccxt.js')).ccxtProvider(ccxt[1], options.baseUrl);
  throw new FetchError(
    name,
    '',
    'bad-request',
    'unknown provider; expected yahoo, stooq, alpaca or ccxt:EXCHANGE',
  );
}

function date(text: string | undefined, what: string, provider: string): number {
  const t = text === undefined ? NaN : parseTime(text);
  if (text === undefined || text.length !== 10 || Number.isNaN(t))
    throw new FetchError(
      provider,
      '',
      'bad-request',
      `${what} expects a date YYYY-MM-DD, got "${text ?? ''}"`,
    );
  return t;
}

/**
 * Fetches `symbols`' bars from a provider into a file every kalrev command reads, through a
 * cache that keeps what was fetched: a second call fetches only what is missing, and a fetch
 * stopped half-way resumes from where it was.
 * @example await fetchPrices({ symbols: ['EWA', 'EWC'], from: '2020-01-01', to: '2020-12-31', provider: 'yahoo', out: 'ewa_ewc.csv' })
 * @throws FetchError naming the provider and the symbol: unknown symbol, refused key, rate limit
 *   outlasting the retries, a provider down or answering garbage, an invalid request.
 */
export async function fetchPrices(options: FetchOptions): Promise<FetchResult> {
  const interval = options.interval ?? '1d';
  const provider = await resolveProvider(options);
  if (!FETCH_INTERVALS.includes(interval))
    throw new FetchError(
      provider.name,
      '',
      'bad-request',
      `unknown interval "${interval}"; expected 1d, 1h or 1m`,
    );
  if (options.symbols.length === 0)
    throw new FetchError(provider.name, '', 'bad-request', 'no symbols to fetch');
  const seen = new Set<string>();
  for (const s of options.symbols) {
    if (
      s.trim() === '' ||
      [...s].some((c) => c.trim() === '' || c.charCodeAt(0) < 32) ||
      s === '.' ||
      s === '..'
    )
      throw new FetchError(provider.name, s, 'bad-request', 'not a symbol');
    if (seen.has(s)) throw new FetchError(provider.name, s, 'bad-request', 'named twice');
    seen.add(s);
  }
  if (!isOneFile(options.out)) {
    // one file per symbol: two symbols must not share a file name
    const names = new Map<string, string>();
    for (const s of options.symbols) {
      const other = names.get(symbolFileName(s));
      if (other !== undefined)
        throw new FetchError(
          provider.name,
          s,
          'bad-request',
          `would be written to the same file as ${other} (${symbolFileName(s)}); use a .csv or .parquet --out`,
        );
      names.set(symbolFileName(s), s);
    }
  }
  const clock = options.clock ?? systemClock;
  const start = date(options.from, 'from', provider.name);
  const end =
    (options.to === undefined
      ? Math.floor(clock.now() / DAY_MS) * DAY_MS
      : date(options.to, 'to', provider.name)) + DAY_MS;
  if (end <= start)
    throw new FetchError(provider.name, '', 'bad-request', `from ${options.from} is after to ${options.to}`);
  if (start >= Math.floor(clock.now() / DAY_MS) * DAY_MS + DAY_MS)
    throw new FetchError(provider.name, '', 'bad-request', `from ${options.from} is in the future`);
  const http = new Http(clock, { ...DEFAULT_RETRY, ...options.retry }, options.signal);
  const cacheDir =
    options.cacheDir === undefined ? defaultCacheDir(options.env ?? process.env) : options.cacheDir;
  const fetched = await fetchBars({
    provider,
    symbols: options.symbols,
    interval,
    start,
    end,
    http,
    ...(cacheDir === false ? {} : { cache: new FetchCache(cacheDir) }),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const raw = options.closes === 'raw';
  if (options.closes !== undefined && options.closes !== 'both' && !raw)
    throw new FetchError(
      provider.name,
      '',
      'bad-request',
      `closes expects both or raw, got "${String(options.closes)}"`,
    );
  const list = raw
    ? fetched.symbols.map(({ symbol, bars: { adjClose: _drop, ...bars } }) => ({ symbol, bars }))
    : fetched.symbols;
  const files = await writeFetched(options.out, list, interval);
  const closes = provider.closes(interval);
  const iso = (t: number) =>
    interval === '1d' ? new Date(t).toISOString().slice(0, 10) : new Date(t).toISOString();
  return {
    provider: provider.name,
    interval,
    files,
    symbols: fetched.symbols.map(({ symbol, bars }) => ({
      symbol,
      bars: bars.time.length,
      first: iso(bars.time[0]),
      last: iso(bars.time[bars.time.length - 1]),
    })),
    columns: {
      close: closes.close,
      ...(closes.adjusted && !raw ? { adjClose: 'adjusted for splits and dividends' } : {}),
    },
    cachedChunks: fetched.cachedChunks,
    fetchedChunks: fetched.fetchedChunks,
  };
}
