/**
 * `kalrev fetch`'s data side: the providers behind one interface, the HTTP retry policy, the
 * chunk cache and the writer of the fetched file.
 */
export { FetchError } from './errors.js';
export type { FetchErrorCode } from './errors.js';
export { Http, systemClock, DEFAULT_RETRY } from './http.js';
export type { FetchClock, RetryPolicy } from './http.js';
export { FETCH_INTERVALS } from './provider.js';
export type { Bars, BarRequest, CloseKinds, FetchInterval, PriceProvider } from './provider.js';
export { FetchCache } from './cache.js';
export { fetchBars } from './run.js';
export type { FetchPlan, FetchProgress, FetchedBars, SymbolBars } from './run.js';
export { writeFetched, isOneFile, symbolFileName } from './output.js';
export { yahooProvider, YAHOO_URL } from './yahoo.js';
export { stooqProvider, STOOQ_URL } from './stooq.js';
export { alpacaProvider, ALPACA_DATA_URL } from './alpaca.js';
export type { AlpacaKeys } from './alpaca.js';
