/**
 * Reading a provider's answer: its body as JSON, a short quote of a body that is not what was
 * expected, and the checks every bar must pass before it is kept.
 */
import { FetchError } from './errors.js';
import type { RequestSubject } from './http.js';

/** The first characters of a body, on one line, for a message. */
export function quote(text: string, n = 60): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length === 0 ? 'an empty body' : `"${one.length > n ? `${one.slice(0, n)}…` : one}"`;
}

/** `text` parsed as JSON. @throws FetchError `bad-response` when it is not JSON. */
export function parseJson(text: string, subject: RequestSubject, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FetchError(
      subject.provider,
      subject.symbol,
      'bad-response',
      `answered with something that is not JSON (HTTP ${status}, ${quote(text)})`,
    );
  }
}

/** A refusal of the credentials (HTTP 401/403). */
export function badKey(subject: RequestSubject, status: number, detail: string): FetchError {
  return new FetchError(
    subject.provider,
    subject.symbol,
    'bad-key',
    `the provider refused the credentials (HTTP ${status}${detail === '' ? '' : `: ${detail}`})`,
  );
}

/** An answer whose shape is not the documented one. */
export function badShape(subject: RequestSubject, what: string): FetchError {
  return new FetchError(subject.provider, subject.symbol, 'bad-response', `unexpected answer: ${what}`);
}

/** `v` as a finite number, or NaN (`null`, text, anything else). */
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);

/** The date of a UTC-ms instant as YYYYMMDD. */
export const compactDate = (t: number): string => new Date(t).toISOString().slice(0, 10).replaceAll('-', '');
