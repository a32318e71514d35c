/**
 * Feeds: async streams of {@link FeedMessage}s. Decoding problems become messages with an
 * `error` (logged and skipped by the assembler), so a feed never stops on bad input.
 *
 * - {@link csvReplayFeed}: a wide (`date,SYM1,SYM2,…`) or long (`date,symbol,open,high,low,close[,volume]`)
 *   CSV file, replayed in time order, optionally paced;
 * - {@link ndjsonFeed}: one JSON bar per line (stdin);
 * - {@link wsFeed}: a WebSocket client with a field mapping, reconnecting with backoff.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { parseTime } from '../data/time.js';
import type { FeedMessage } from './assembler.js';
import { LiveConfigError } from './errors.js';

/** A source of raw feed messages (each with its source and line), consumed in order by a paper session. */
export type Feed = AsyncIterable<FeedMessage>;

/** Options of {@link csvReplayFeed}. */
export interface CsvReplayOptions {
  /** Milliseconds to wait between two timestamps (0: as fast as possible). */
  paceMs?: number;
  /**
   * Rows at or before this time are replayed without pacing: they were journaled before a
   * restart and are skipped downstream, so pausing on them would only delay the resumption.
   */
  unpacedUpTo?: number;
  /** Only these symbols (others are not emitted). */
  symbols?: readonly string[];
  signal?: AbortSignal;
  /** How errors name the file's origin (the command-line flag, e.g. `--feed`). Default `feed`. */
  parameter?: string;
  /** The pause between timestamps (tests drive it without the clock). */
  sleep?: (ms: number) => Promise<unknown>;
}

/** A CSV feed file read and checked: its lines and what its header says. */
interface CsvFeedFile {
  file: string;
  lines: string[];
  header: string[];
  long: boolean;
}

/**
 * Reads a feed file and checks what can be checked before a run starts.
 * @throws LiveConfigError naming `parameter` and the file: missing, a folder, binary, or a
 * header whose first column is not the time.
 */
function readCsvFeed(file: string, parameter: string): CsvFeedFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LiveConfigError(
      parameter,
      `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a CSV file' : (e as Error).message}`,
    );
  }
  const nul = bytes.indexOf(0);
  let text: string;
  try {
    if (nul >= 0) throw new Error();
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LiveConfigError(
      parameter,
      `${file}: not a text CSV file (binary data${nul >= 0 ? ` at byte ${nul + 1}` : ', not UTF-8'})`,
    );
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.trim());
  const lower = header.map((h) => h.toLowerCase());
  if (lower[0] !== 'date' && lower[0] !== 'time')
    throw new LiveConfigError(
      parameter,
      `${file}:1:1: the first column must be "date" or "time", found "${header[0].slice(0, 40)}"`,
    );
  return { file, lines, header, long: lower.includes('symbol') && lower.includes('close') };
}

/**
 * The symbols a CSV feed file carries: a wide file's columns, or a long file's `symbol` values.
 * @throws LiveConfigError as {@link csvReplayFeed}.
 */
export function csvFeedSymbols(file: string, parameter = 'feed'): string[] {
  const f = readCsvFeed(file, parameter);
  if (!f.long) return f.header.slice(1).filter((h) => h !== '');
  const col = f.header.map((h) => h.toLowerCase()).indexOf('symbol');
  const out = new Set<string>();
  for (let k = 1; k < f.lines.length; k++) {
    const cell = f.lines[k].split(',')[col]?.trim();
    if (cell) out.add(cell);
  }
  return [...out];
}

/**
 * Replays a CSV file. A wide file gives one bar per symbol per row (close only); a long file one
 * bar per row, sorted by time (stable) since long files are often grouped by symbol. A line that
 * cannot be read is emitted as an error message naming its line and column. The file is read
 * and checked when this is called, so a missing or binary file fails before a run starts.
 * @throws LiveConfigError for a file that cannot be a feed (see {@link csvFeedSymbols}).
 */
export function csvReplayFeed(file: string, options: CsvReplayOptions = {}): AsyncGenerator<FeedMessage> {
  return replayCsv(readCsvFeed(file, options.parameter ?? 'feed'), options);
}

async function* replayCsv(f: CsvFeedFile, options: CsvReplayOptions): AsyncGenerator<FeedMessage> {
  const { file, lines, header, long } = f;
  const source = `csv:${file}`;
  const lower = header.map((h) => h.toLowerCase());
  const want = options.symbols ? new Set(options.symbols) : null;
  const items: { time: number; msg: FeedMessage }[] = [];
  for (let k = 1; k < lines.length; k++) {
    const text = lines[k];
    if (text.trim() === '') continue;
    const line = k + 1;
    const cells = text.split(',');
    if (cells.length !== header.length) {
      items.push({
        time: NaN,
        msg: {
          source,
          line,
          error: `expected ${header.length} fields like the header, found ${cells.length}`,
        },
      });
      continue;
    }
    const time = parseTime(cells[0]);
    if (long) {
      const rec: Record<string, string> = {};
      lower.forEach((h, j) => (rec[h] = cells[j].trim()));
      if (want && !want.has(rec.symbol)) continue;
      const { date: _d, time: _t, ...rest } = rec;
      items.push({ time, msg: { source, line, data: { ...rest, time: cells[0].trim() } } });
    } else {
      for (let j = 1; j < header.length; j++) {
        if (want && !want.has(header[j])) continue;
        const cell = cells[j].trim();
        items.push({
          time,
          msg:
            cell === ''
              ? { source, line, error: `empty cell in column ${header[j]} (column ${j + 1})` }
              : { source, line, data: { time: cells[0].trim(), symbol: header[j], close: cell } },
        });
      }
    }
  }
  if (long) {
    // sort by time, keeping unparseable times where they were (they are rejected downstream)
    const keyed = items.map((it, i) => ({ ...it, i, key: Number.isNaN(it.time) ? -Infinity : it.time }));
    keyed.sort((a, b) => a.key - b.key || a.i - b.i);
    items.splice(0, items.length, ...keyed);
  }
  const pace = options.paceMs ?? 0;
  const unpaced = options.unpacedUpTo ?? -Infinity;
  const pause = options.sleep ?? sleep;
  let prev = NaN;
  for (const it of items) {
    if (options.signal?.aborted) return;
    if (pace > 0 && it.time !== prev && !Number.isNaN(prev) && !(it.time <= unpaced)) await pause(pace);
    prev = it.time;
    yield it.msg;
  }
}

/** One JSON bar per line (e.g. stdin); a line that is not JSON is an error message. */
export async function* ndjsonFeed(stream: Readable, source = 'stdin'): AsyncGenerator<FeedMessage> {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { source, line, data: JSON.parse(text) as unknown };
    } catch (e) {
      yield { source, line, error: `not JSON (${(e as Error).message}): ${text.slice(0, 80)}` };
    }
  }
}

/**
 * How a WebSocket message maps to a bar: each field of a bar names the message's field. A
 * message may be one object or an array of them. Messages whose `typeField` is `endType` end
 * the feed; other `typeField` values than `barType` are ignored.
 */
export interface WsMapping {
  time: string;
  symbol: string;
  close: string;
  open?: string;
  high?: string;
  low?: string;
  volume?: string;
  typeField?: string;
  barType?: string;
  endType?: string;
}

export const DEFAULT_WS_MAPPING: WsMapping = {
  time: 'time',
  symbol: 'symbol',
  close: 'close',
  open: 'open',
  high: 'high',
  low: 'low',
  volume: 'volume',
  typeField: 'type',
  barType: 'bar',
  endType: 'end',
};

/** Options of {@link wsFeed}: how the venue's messages map to bars, what to subscribe to, and reconnection. */
export interface WsFeedOptions {
  mapping?: Partial<WsMapping>;
  /**
   * Sent after each (re)connection; `{from}` is replaced by the time of the last bar received
   * (epoch ms, or null before the first), so that a source that supports it resends from there.
   * Default: `{"type":"subscribe","from":{from}}`. Empty string: send nothing.
   */
  subscribe?: string;
  /** Reconnection backoff: first delay, growth factor, largest delay (ms). */
  backoff?: { initialMs?: number; factor?: number; maxMs?: number };
  /** Give up after this many consecutive failed connections (default: never). */
  maxRetries?: number;
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * A WebSocket client feed. On a dropped connection it reconnects after a delay growing from
 * `initialMs` by `factor` up to `maxMs` (reset by a message received), and re-subscribes from the
 * last bar's time: bars resent twice are duplicates, which the assembler ignores.
 */
export async function* wsFeed(url: string, options: WsFeedOptions = {}): AsyncGenerator<FeedMessage> {
  const map: WsMapping = { ...DEFAULT_WS_MAPPING, ...options.mapping };
  const initial = options.backoff?.initialMs ?? 100;
  const factor = options.backoff?.factor ?? 2;
  const maxDelay = options.backoff?.maxMs ?? 5_000;
  const subscribe = options.subscribe ?? '{"type":"subscribe","from":{from}}';
  const log = options.logger;
  let delay = initial;
  let failures = 0;
  let lastTime: number | null = null;
  let count = 0;
  let ended = false;
  const queue: FeedMessage[] = [];
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const decode = (raw: unknown, n: number): void => {
    const items = Array.isArray(raw) ? raw : [raw];
    for (const it of items) {
      if (typeof it !== 'object' || it === null) {
        queue.push({ source: url, line: n, error: `expected a bar object, got ${JSON.stringify(it)}` });
        continue;
      }
      const o = it as Record<string, unknown>;
      if (map.typeField && o[map.typeField] !== undefined) {
        if (o[map.typeField] === map.endType) {
          ended = true;
          continue;
        }
        if (o[map.typeField] !== map.barType) continue;
      }
      const bar: Record<string, unknown> = { time: o[map.time], symbol: o[map.symbol], close: o[map.close] };
      for (const f of ['open', 'high', 'low', 'volume'] as const) {
        const k = map[f];
        if (k !== undefined && o[k] !== undefined) bar[f] = o[k];
      }
      const t =
        typeof bar.time === 'number' ? bar.time : typeof bar.time === 'string' ? parseTime(bar.time) : NaN;
      if (Number.isFinite(t) && (lastTime === null || t > lastTime)) lastTime = t;
      queue.push({ source: url, line: n, data: bar });
    }
  };
  while (!ended && !options.signal?.aborted) {
    const ws = new WebSocket(url);
    let opened = false;
    const closed = new Promise<void>((resolve) => {
      ws.on('open', () => {
        opened = true;
        failures = 0;
        log?.info({ event: 'ws-connected', url, from: lastTime }, `connected to ${url}`);
        if (subscribe !== '')
          ws.send(subscribe.replace('{from}', lastTime === null ? 'null' : String(lastTime)));
      });
      ws.on('message', (data) => {
        count++;
        delay = initial;
        const text = data.toString();
        try {
          decode(JSON.parse(text) as unknown, count);
        } catch (e) {
          queue.push({
            source: url,
            line: count,
            error: `not JSON (${(e as Error).message}): ${text.slice(0, 80)}`,
          });
        }
        if (ended) ws.close();
        notify();
      });
      ws.on('error', (e) =>
        log?.warn({ event: 'ws-error', url, error: e.message }, `WebSocket error: ${e.message}`),
      );
      ws.on('close', () => resolve());
    });
    const abort = () => ws.terminate();
    options.signal?.addEventListener('abort', abort, { once: true });
    let done = false;
    void closed.then(() => {
      done = true;
      notify();
    });
    while (true) {
      while (queue.length > 0) yield queue.shift()!;
      if (done || ended) break;
      await new Promise<void>((r) => (wake = r));
    }
    options.signal?.removeEventListener('abort', abort);
    while (queue.length > 0) yield queue.shift()!;
    if (ended || options.signal?.aborted) break;
    if (!opened) failures++;
    if (options.maxRetries !== undefined && failures > options.maxRetries) {
      log?.error(
        { event: 'ws-gave-up', url, failures },
        `gave up on ${url} after ${failures} failed connections`,
      );
      break;
    }
    log?.warn(
      { event: 'ws-disconnected', url, retryInMs: delay },
      `disconnected from ${url}; reconnecting in ${delay} ms`,
    );
    await sleep(delay);
    delay = Math.min(delay * factor, maxDelay);
  }
}
