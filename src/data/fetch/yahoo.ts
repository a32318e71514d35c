/**
 * Yahoo Finance through its chart JSON API (`/v8/finance/chart/SYMBOL`): daily bars with the
 * close (adjusted for splits) and the adjusted close (for splits and dividends); hourly and
 * minute bars with the close only.
 */
import { badShape, num, parseJson } from './answer.js';
import { FetchError } from './errors.js';
import type { Http, RequestSubject } from './http.js';
import { emptyBars, type BarRequest, type Bars, type FetchInterval, type PriceProvider } from './provider.js';

/** Where Yahoo's chart API is. */
export const YAHOO_URL = 'https://query1.finance.yahoo.com';

const INTERVAL: Record<FetchInterval, string> = { '1d': '1d', '1h': '60m', '1m': '1m' };
const DAY_MS = 86_400_000;

interface ChartError {
  code?: unknown;
  description?: unknown;
}

function chartError(body: unknown): ChartError | undefined {
  const e = (body as { chart?: { error?: unknown } } | null)?.chart?.error;
  return e !== null && typeof e === 'object' ? (e as ChartError) : undefined;
}

/** Yahoo's chart API at `baseUrl`. */
export function yahooProvider(baseUrl = YAHOO_URL): PriceProvider {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    name: 'yahoo',
    intervals: ['1d', '1h', '1m'],
    closes: (interval) =>
      interval === '1d'
        ? { close: "Yahoo's Close: adjusted for splits, not for dividends", adjusted: true }
        : {
            close: 'as traded, adjusted for splits (Yahoo gives no adjusted close intraday)',
            adjusted: false,
          },
    async bars(request: BarRequest, http: Http): Promise<Bars> {
      const subject: RequestSubject = { provider: 'yahoo', symbol: request.symbol };
      const daily = request.interval === '1d';
      // a daily bar is stamped at the session's open, which is the previous UTC day in zones
      // east of UTC: ask a day wider and keep the bars whose trading date is in range
      const pad = daily ? DAY_MS : 0;
      const url =
        `${base}/v8/finance/chart/${encodeURIComponent(request.symbol)}` +
        `?period1=${Math.floor((request.start - pad) / 1000)}&period2=${Math.ceil((request.end + pad) / 1000)}` +
        `&interval=${INTERVAL[request.interval]}&events=div%2Csplit&includeAdjustedClose=true`;
      const answer = await http.get(url, subject, { accept: 'application/json' });
      const body =
        answer.status === 200 ? parseJson(answer.text, subject, answer.status) : safeJson(answer.text);
      const error = chartError(body);
      const detail = typeof error?.description === 'string' ? error.description : '';
      if (answer.status === 404 || error?.code === 'Not Found')
        throw new FetchError(
          'yahoo',
          request.symbol,
          'unknown-symbol',
          `unknown symbol${detail === '' ? '' : ` (${detail})`}`,
        );
      // Yahoo has no user keys: a 401 ("Invalid Crumb") is its refusal of a client without a session
      if (answer.status === 401 || answer.status === 403)
        throw new FetchError(
          'yahoo',
          request.symbol,
          'bad-key',
          `refused the request (HTTP ${answer.status}${detail === '' ? '' : `: ${detail}`}); Yahoo asks for a session this client does not have, try another provider`,
        );
      if (answer.status !== 200)
        throw new FetchError(
          'yahoo',
          request.symbol,
          'bad-request',
          `refused the request (HTTP ${answer.status}${detail === '' ? '' : `: ${detail}`})`,
        );
      if (error !== undefined)
        throw badShape(subject, `an error beside the data (${detail || String(error.code)})`);
      return readChart(body, request, subject);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readChart(body: unknown, request: BarRequest, subject: RequestSubject): Bars {
  const result = (body as { chart?: { result?: unknown } } | null)?.chart?.result;
  if (!Array.isArray(result) || result.length !== 1 || typeof result[0] !== 'object' || result[0] === null)
    throw badShape(subject, 'no chart.result with one entry');
  const r = result[0] as {
    meta?: { gmtoffset?: unknown };
    timestamp?: unknown;
    indicators?: { quote?: unknown; adjclose?: unknown };
  };
  const daily = request.interval === '1d';
  const bars = emptyBars(daily);
  // a range without trading comes without timestamps
  if (r.timestamp === undefined || r.timestamp === null) return bars;
  const times = r.timestamp;
  if (!Array.isArray(times)) throw badShape(subject, 'chart.result[0].timestamp is not a list');
  const quotes = r.indicators?.quote;
  const q = (Array.isArray(quotes) ? quotes[0] : undefined) as Record<string, unknown> | undefined;
  const column = (name: string, from: Record<string, unknown> | undefined): unknown[] => {
    const c = from?.[name];
    if (!Array.isArray(c) || c.length !== times.length)
      throw badShape(subject, `indicators' ${name} is not a list of ${times.length} values`);
    return c;
  };
  const open = column('open', q);
  const high = column('high', q);
  const low = column('low', q);
  const close = column('close', q);
  const volume = column('volume', q);
  let adj: unknown[] | undefined;
  if (daily) {
    const a = r.indicators?.adjclose;
    adj = column('adjclose', (Array.isArray(a) ? a[0] : undefined) as Record<string, unknown> | undefined);
  }
  const offset = num(r.meta?.gmtoffset);
  if (daily && Number.isNaN(offset)) throw badShape(subject, 'meta.gmtoffset is not a number');
  for (let i = 0; i < times.length; i++) {
    const ts = num(times[i]);
    if (!Number.isInteger(ts)) throw badShape(subject, `timestamp ${i} is not a whole number of seconds`);
    // the trading date in the exchange's zone, stamped midnight UTC
    const t = daily ? Math.floor((ts + offset) / 86_400) * DAY_MS : ts * 1000;
    if (t < request.start || t >= request.end) continue;
    const c = num(close[i]);
    // Yahoo writes null for a bar without trades (a halt, a holiday it lists): no bar
    if (close[i] === null) continue;
    if (Number.isNaN(c)) throw badShape(subject, `close ${i} is not a number`);
    const values = [open[i], high[i], low[i]].map(num);
    if (values.some(Number.isNaN)) continue;
    bars.time.push(t);
    bars.open.push(values[0]);
    bars.high.push(values[1]);
    bars.low.push(values[2]);
    bars.close.push(c);
    bars.volume!.push(volume[i] === null ? 0 : num(volume[i]));
    if (adj !== undefined) bars.adjClose!.push(num(adj[i]));
  }
  return bars;
}
