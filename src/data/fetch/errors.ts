import { KalrevError } from '../../errors.js';
import { redact } from '../../redact.js';

/**
 * What went wrong in a fetch, for programs that react to it (the message is for people):
 * - `unknown-symbol`: the provider does not know the symbol, or has no bar of it in the range;
 * - `bad-key`: the provider refused the credentials (or none were given where it needs them);
 * - `rate-limited`: the provider kept answering "too many requests" after every retry;
 * - `provider-down`: no answer, or server errors, after every retry;
 * - `bad-response`: an answer that is not what the provider documents (garbage, an HTML page);
 * - `bad-request`: the request itself is invalid for this provider (an interval it lacks, a
 *   range it refuses).
 */
export type FetchErrorCode =
  'unknown-symbol' | 'bad-key' | 'rate-limited' | 'provider-down' | 'bad-response' | 'bad-request';

/**
 * A fetch failed. The message starts with the provider and the symbol (`yahoo SPY: …`); both
 * are also fields. It never holds a credential: every key is registered with src/redact.ts
 * and messages are built from redacted text.
 */
export class FetchError extends KalrevError {
  override name = 'FetchError';
  constructor(
    /** The provider (`yahoo`, `stooq`, `alpaca`, `ccxt:binance`). */
    readonly provider: string,
    /** The symbol being fetched, or '' when the problem is not about one symbol. */
    readonly symbol: string,
    /** The kind of problem; see {@link FetchErrorCode}. */
    readonly code: FetchErrorCode,
    message: string,
  ) {
    super(redact(`${provider}${symbol === '' ? '' : ` ${symbol}`}: ${message}`));
  }
}
