/**
 * A universe of symbols as flat typed arrays: one symbol-major block of closes (and opens when
 * every symbol has them), NaN where a symbol has no price. This is the form the scanner's
 * workers share: built once on a SharedArrayBuffer, it is handed to every worker thread without
 * a copy, and serialised once per run for queue workers.
 */
import type { PriceFrame } from '../data/frame.js';
import { ScanError } from './errors.js';

/** Closes (and opens) of every symbol on one time axis. */
export interface Universe {
  symbols: string[];
  /** Bar timestamps, UTC ms (length n). */
  times: Float64Array;
  /** Closes, symbol-major: symbol s's bar t is `close[s * n + t]`; NaN where unpriced. */
  close: Float64Array;
  /** Opens in the same layout, or null when some symbol has none. */
  open: Float64Array | null;
  /** Where the data came from, for messages and backtest frames. */
  source: string;
}

function alloc(length: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length);
}

/**
 * The universe of a frame (all its symbols, or `symbols`), on shared memory when `shared`
 * (the default) so worker threads can read it without copying.
 */
export function universeFromFrame(
  frame: PriceFrame,
  options: { symbols?: readonly string[]; shared?: boolean } = {},
): Universe {
  const symbols = [...(options.symbols ?? frame.symbols)];
  if (symbols.length < 2)
    throw new ScanError(`${frame.source}: a scan needs at least 2 symbols, found ${symbols.length}`);
  const shared = options.shared ?? true;
  const n = frame.length;
  const times = alloc(n, shared);
  times.set(frame.times);
  const close = alloc(symbols.length * n, shared);
  symbols.forEach((s, k) => close.set(frame.get(s, 'close'), k * n));
  const hasOpen = symbols.every((s) => frame.has(s, 'open'));
  let open: Float64Array | null = null;
  if (hasOpen) {
    open = alloc(symbols.length * n, shared);
    symbols.forEach((s, k) => open!.set(frame.get(s, 'open'), k * n));
  }
  return { symbols, times, close, open, source: frame.source };
}

/** The universe as bytes (for the job queue): a JSON header, then the arrays. */
export function encodeUniverse(u: Universe): Buffer {
  const header = Buffer.from(
    JSON.stringify({ symbols: u.symbols, source: u.source, n: u.times.length, open: u.open !== null }),
  );
  const parts = [u.times, u.close, ...(u.open ? [u.open] : [])];
  const body = parts.reduce((s, a) => s + a.byteLength, 0);
  const headerBytes = Math.ceil((4 + header.length) / 8) * 8;
  const out = Buffer.alloc(headerBytes + body);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  let off = headerBytes;
  for (const a of parts) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, off);
    off += a.byteLength;
  }
  return out;
}

/** Inverse of {@link encodeUniverse} (copies into fresh, aligned arrays). */
export function decodeUniverse(bytes: Buffer): Universe {
  const len = bytes.readUInt32LE(0);
  const h = JSON.parse(bytes.subarray(4, 4 + len).toString()) as {
    symbols: string[];
    source: string;
    n: number;
    open: boolean;
  };
  let off = Math.ceil((4 + len) / 8) * 8;
  const take = (count: number) => {
    if (off + count * 8 > bytes.length)
      throw new ScanError(`a serialised universe is truncated (${bytes.length} bytes)`);
    const a = new Float64Array(count);
    Buffer.from(a.buffer).set(bytes.subarray(off, off + count * 8));
    off += count * 8;
    return a;
  };
  const times = take(h.n);
  const close = take(h.n * h.symbols.length);
  const open = h.open ? take(h.n * h.symbols.length) : null;
  return { symbols: h.symbols, source: h.source, times, close, open };
}
