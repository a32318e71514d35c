/**
 * Stooq's daily CSV download (`/q/d/l/?s=SYMBOL&d1=…&d2=…&i=d`): `Date,Open,High,Low,Close,Volume`
 * (indices and currencies without the volume). Stooq publishes prices adjusted for splits and
 * dividends only, so its close is the adjusted close and there is no second one.
 */
import { registerSecret } from '../../redact.js';
import { compactDate, quote } from './answer.js';
import { FetchError } from './errors.js';
import type { Http, RequestSubject } from './http.js';
import { emptyBars, type BarRequest, type Bars, type PriceProvider } from './provider.js';
import { parseTime } from '../time.js';

/** Where Stooq is. */
export const STOOQ_URL = 'https://stooq.com';

const DAY_MS = 86_400_000;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Stooq at `baseUrl`; `apiKey` is sent as `apikey` when given. */
export function stooqProvider(baseUrl = STOOQ_URL, apiKey?: string): PriceProvider {
  // it travels in the query string: masked wherever a message could carry the URL
  if (apiKey) registerSecret(apiKey);
  const base = baseUrl.replace(/\/+$/, '');
  return {
    name: 'stooq',
    intervals: ['1d'],
    closes: () => ({
      close: "Stooq's close: adjusted for splits and dividends (Stooq has no raw close)",
      adjusted: false,
    }),
    async bars(request: BarRequest, http: Http): Promise<Bars> {
      const subject: RequestSubject = { provider: 'stooq', symbol: request.symbol };
      const url =
        `${base}/q/d/l/?s=${encodeURIComponent(request.symbol.toLowerCase())}` +
        `&d1=${compactDate(request.start)}&d2=${compactDate(request.end - DAY_MS)}&i=d` +
        (apiKey ? `&apikey=${encodeURIComponent(apiKey)}` : '');
      const answer = await http.get(url, subject, { accept: 'text/csv' });
      const text = answer.text.trim();
      if (answer.status === 401 || answer.status === 403)
        throw new FetchError(
          'stooq',
          request.symbol,
          'bad-key',
          `refused the request (HTTP ${answer.status}); check STOOQ_API_KEY`,
        );
      if (answer.status === 404)
        throw new FetchError('stooq', request.symbol, 'unknown-symbol', 'unknown symbol (HTTP 404)');
      if (answer.status !== 200)
        throw new FetchError(
          'stooq',
          request.symbol,
          'bad-request',
          `refused the request (HTTP ${answer.status}, ${quote(text)})`,
        );
      // Stooq's words for an empty range (or a symbol it does not have) and for its quota
      if (/^no data$/i.test(text)) return emptyBars(false);
      if (/exceeded the daily hits limit/i.test(text))
        throw new FetchError(
          'stooq',
          request.symbol,
          'rate-limited',
          'exceeded the daily hits limit; try again tomorrow',
        );
      if (/get your apikey|apikey/i.test(text) && !text.includes(','))
        throw new FetchError(
          'stooq',
          request.symbol,
          'bad-key',
          `asks for an API key (${quote(text)}); set STOOQ_API_KEY`,
        );
      return readCsv(text, request, subject);
    },
  };
}

function readCsv(text: string, request: BarRequest, subject: RequestSubject): Bars {
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const expected = ['date', 'open', 'high', 'low', 'close'];
  if (
    header.length < 5 ||
    expected.some((h, i) => header[i] !== h) ||
    (header.length > 5 && header[5] !== 'volume')
  )
    throw new FetchError(
      'stooq',
      request.symbol,
      'bad-response',
      `answered with something that is not its CSV (${quote(text)})`,
    );
  const hasVolume = header.length > 5;
  const bars = emptyBars(false);
  // indices and currencies have no volume: the column is left out, not filled with zeros
  if (!hasVolume) delete bars.volume;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split(',');
    const t = parseTime(cells[0] ?? '');
    const values = cells.slice(1, header.length).map((c) => (DECIMAL.test(c.trim()) ? Number(c) : NaN));
    if (cells.length !== header.length || Number.isNaN(t) || values.some(Number.isNaN))
      throw new FetchError(
        'stooq',
        subject.symbol,
        'bad-response',
        `line ${i + 1} of its CSV is not a bar (${quote(lines[i])})`,
      );
    if (t < request.start || t >= request.end) continue;
    bars.time.push(t);
    bars.open.push(values[0]);
    bars.high.push(values[1]);
    bars.low.push(values[2]);
    bars.close.push(values[3]);
    if (hasVolume) bars.volume!.push(values[4]);
  }
  return bars;
}
