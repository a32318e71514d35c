/**
 * Where an Alpaca broker and feed connect, and with which keys: the environment variables
 * Alpaca's own SDKs read (`APCA_API_KEY_ID`, `APCA_API_SECRET_KEY`, `APCA_API_BASE_URL`,
 * `APCA_API_STREAM_URL`), overridden by command-line flags. The paper endpoint unless `live` is
 * given explicitly; a base URL naming the live endpoint without it is refused, so real money is
 * never traded by an environment variable alone. The keys are registered with src/redact.ts,
 * so no message kalrev prints or stores can carry them.
 */
import { registerSecret, registerUrlSecrets } from '../../redact.js';
import { LiveConfigError } from '../errors.js';

/** Alpaca's paper-trading REST endpoint (the default). */
export const ALPACA_PAPER_URL = 'https://paper-api.alpaca.markets';
/** Alpaca's live-trading REST endpoint (only with `--live`). */
export const ALPACA_LIVE_URL = 'https://api.alpaca.markets';
/** Alpaca's market-data stream; `/v2/iex` or `/v2/sip` is appended. */
export const ALPACA_DATA_STREAM_URL = 'wss://stream.data.alpaca.markets';
const LIVE_HOST = 'api.alpaca.markets';

/** The market-data feeds of Alpaca's stream: IEX (free accounts) or SIP (all US exchanges). */
export const ALPACA_DATA_FEEDS = ['iex', 'sip'] as const;
/** One of {@link ALPACA_DATA_FEEDS}: `iex` or `sip`. */
export type AlpacaDataFeed = (typeof ALPACA_DATA_FEEDS)[number];

/** Connection settings given on the command line (each overrides its environment variable). */
export interface AlpacaFlags {
  /** Trade on the live endpoint (real money). */
  live?: boolean;
  /** REST endpoint (overrides `APCA_API_BASE_URL`). */
  baseUrl?: string;
  /** Market-data stream (overrides `APCA_API_STREAM_URL`). */
  streamUrl?: string;
  /** `iex` (default) or `sip`. */
  dataFeed?: AlpacaDataFeed;
}

/** Resolved settings: keys and the three endpoints. */
export interface AlpacaSettings {
  keyId: string;
  secretKey: string;
  /** REST endpoint, without a trailing slash. */
  baseUrl: string;
  /** The trade-updates stream: the REST endpoint's `/stream`, over ws(s). */
  tradingStreamUrl: string;
  /** The market-data stream, `/v2/iex` or `/v2/sip` included. */
  dataStreamUrl: string;
  live: boolean;
}

function parseUrl(text: string, origin: string, schemes: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LiveConfigError(origin, `not a URL: "${text.slice(0, 80)}"`);
  }
  if (!schemes.includes(url.protocol))
    throw new LiveConfigError(
      origin,
      `expected a ${schemes.map((s) => s.replace(':', '://')).join(' or ')} URL, got "${url.protocol}//…"`,
    );
  return url;
}

const trimSlash = (s: string) => s.replace(/\/+$/, '');

/**
 * Resolves the settings from the environment and the flags.
 * @throws LiveConfigError naming the variable or flag: a key missing, a URL that is not one,
 * the live endpoint without `--live`.
 */
export function resolveAlpacaSettings(
  env: Readonly<Record<string, string | undefined>>,
  flags: AlpacaFlags = {},
): AlpacaSettings {
  const keyId = env.APCA_API_KEY_ID ?? '';
  const secretKey = env.APCA_API_SECRET_KEY ?? '';
  for (const [name, value] of [
    ['APCA_API_KEY_ID', keyId],
    ['APCA_API_SECRET_KEY', secretKey],
  ] as const)
    if (value.trim() === '')
      throw new LiveConfigError(
        name,
        'not set: export your Alpaca API key id and secret key (see docs/brokers.md); keys are read from the environment only',
      );
  registerSecret(keyId);
  registerSecret(secretKey);
  const live = flags.live === true;
  const baseOrigin = flags.baseUrl !== undefined ? '--alpaca-url' : 'APCA_API_BASE_URL';
  const baseText = flags.baseUrl ?? env.APCA_API_BASE_URL ?? (live ? ALPACA_LIVE_URL : ALPACA_PAPER_URL);
  const base = parseUrl(registerUrlSecrets(baseText), baseOrigin, ['http:', 'https:']);
  if (base.hostname === LIVE_HOST && !live)
    throw new LiveConfigError(
      '--live',
      `${baseOrigin} names Alpaca's live endpoint (${LIVE_HOST}); trading real money needs the explicit --live flag`,
    );
  // Alpaca's SDKs take the base without the API version; accept one given with it
  const baseUrl = trimSlash(trimSlash(base.href).replace(/\/v2$/, ''));
  const tradingStreamUrl = baseUrl.replace(/^http/, 'ws') + '/stream';
  const feed = flags.dataFeed ?? 'iex';
  const streamOrigin = flags.streamUrl !== undefined ? '--alpaca-stream-url' : 'APCA_API_STREAM_URL';
  const streamText = flags.streamUrl ?? env.APCA_API_STREAM_URL ?? ALPACA_DATA_STREAM_URL;
  const stream = trimSlash(parseUrl(registerUrlSecrets(streamText), streamOrigin, ['ws:', 'wss:']).href);
  const dataStreamUrl = /\/v2\/(iex|sip|test)$/.test(stream) ? stream : `${stream}/v2/${feed}`;
  return { keyId, secretKey, baseUrl, tradingStreamUrl, dataStreamUrl, live };
}
