import { KalrevError } from '../errors.js';

/** The price fields a frame may hold per symbol. */
export type PriceField = 'open' | 'high' | 'low' | 'close' | 'volume';

/** Every {@link PriceField}, in bar order (open, high, low, close, volume). */
export const PRICE_FIELDS: readonly PriceField[] = ['open', 'high', 'low', 'close', 'volume'];

/** A frame was asked for a symbol or field it does not have, or built inconsistently. */
export class FrameError extends KalrevError {
  override name = 'FrameError';
}

/** What {@link PriceFrame} is built from. */
export interface PriceFrameInit {
  /** Bar timestamps, UTC milliseconds since the epoch, strictly increasing. */
  times: Float64Array | readonly number[];
  /** Per symbol, its fields; every array has one value per timestamp (NaN where unpriced). */
  columns:
    | ReadonlyMap<string, Partial<Record<PriceField, Float64Array>>>
    | Record<string, Partial<Record<PriceField, Float64Array>>>;
  /** Where the data came from (a file name), for messages. */
  source?: string;
}

const DAY_MS = 86_400_000;

/**
 * Aligned bars of several symbols: one timestamp axis (UTC) and one Float64Array per symbol
 * and field. Immutable once built; `select` and `slice` share the underlying arrays.
 */
export class PriceFrame {
  /** Bar timestamps, UTC ms, strictly increasing. */
  readonly times: Float64Array;
  /** Symbols in the order they were given. */
  readonly symbols: readonly string[];
  /** Where the data came from, for messages (a file name, or "memory"). */
  readonly source: string;
  readonly #columns: Map<string, Partial<Record<PriceField, Float64Array>>>;

  constructor(init: PriceFrameInit) {
    this.times = init.times instanceof Float64Array ? init.times : Float64Array.from(init.times);
    this.source = init.source ?? 'memory';
    const entries = init.columns instanceof Map ? [...init.columns.entries()] : Object.entries(init.columns);
    this.#columns = new Map(entries);
    this.symbols = entries.map(([s]) => s);
    const n = this.times.length;
    for (let i = 1; i < n; i++) {
      if (!(this.times[i] > this.times[i - 1]))
        throw new FrameError(
          `${this.source}: timestamps must be strictly increasing (bar ${i} is ${isoTime(this.times[i])}, after ${isoTime(this.times[i - 1])})`,
        );
    }
    for (const [symbol, fields] of this.#columns) {
      for (const [field, data] of Object.entries(fields)) {
        if (data.length !== n)
          throw new FrameError(
            `${this.source}: ${symbol}.${field} has ${data.length} values for ${n} timestamps`,
          );
      }
    }
  }

  /**
   * A frame of daily closes from ISO dates (`YYYY-MM-DD`) and one array per symbol.
   * @example PriceFrame.fromCloses(['2020-01-02', '2020-01-03'], { SPY: [324.87, 322.41] })
   */
  static fromCloses(
    dates: readonly string[],
    closes: Record<string, ArrayLike<number>>,
    source?: string,
  ): PriceFrame {
    const times = dates.map((d, i) => {
      const t = Date.parse(d.length === 10 ? `${d}T00:00:00Z` : d);
      if (Number.isNaN(t))
        throw new FrameError(`${source ?? 'memory'}: unparseable date "${d}" at index ${i}`);
      return t;
    });
    const columns: Record<string, Partial<Record<PriceField, Float64Array>>> = {};
    for (const [s, v] of Object.entries(closes)) columns[s] = { close: Float64Array.from(v) };
    return new PriceFrame({ times, columns, source });
  }

  /** Number of bars. */
  get length(): number {
    return this.times.length;
  }

  /** Whether the frame has this symbol (and field, default close). */
  has(symbol: string, field: PriceField = 'close'): boolean {
    return this.#columns.get(symbol)?.[field] !== undefined;
  }

  /**
   * One symbol's field (default close) as a Float64Array (shared, do not modify).
   * @throws FrameError naming the symbol or field and what the frame has.
   */
  get(symbol: string, field: PriceField = 'close'): Float64Array {
    const fields = this.#columns.get(symbol);
    if (fields === undefined)
      throw new FrameError(
        `${this.source}: unknown symbol "${symbol}"; the data has ${this.symbols.join(', ')}`,
      );
    const data = fields[field];
    if (data === undefined)
      throw new FrameError(
        `${this.source}: ${symbol} has no ${field} prices (it has ${Object.keys(fields).join(', ')})`,
      );
    return data;
  }

  /** The fields present for a symbol. */
  fields(symbol: string): PriceField[] {
    return PRICE_FIELDS.filter((f) => this.has(symbol, f));
  }

  /** Bar i's timestamp as ISO text: `YYYY-MM-DD` for midnight UTC (daily bars), full ISO otherwise. */
  date(i: number): string {
    return isoTime(this.times[i]);
  }

  /** Every bar's timestamp as text, as {@link PriceFrame.date} gives it. */
  dates(): string[] {
    return Array.from(this.times, isoTime);
  }

  /** A frame with only these symbols (in this order). */
  select(symbols: readonly string[]): PriceFrame {
    const columns = new Map<string, Partial<Record<PriceField, Float64Array>>>();
    for (const s of symbols) {
      this.get(s, this.fields(s)[0] ?? 'close');
      columns.set(s, this.#columns.get(s)!);
    }
    return new PriceFrame({ times: this.times, columns, source: this.source });
  }

  /** Bars [start, end) as a frame sharing this one's arrays. */
  slice(start: number, end: number = this.length): PriceFrame {
    const columns = new Map<string, Partial<Record<PriceField, Float64Array>>>();
    for (const [s, fields] of this.#columns) {
      const sliced: Partial<Record<PriceField, Float64Array>> = {};
      for (const [f, data] of Object.entries(fields) as [PriceField, Float64Array][])
        sliced[f] = data.subarray(start, end);
      columns.set(s, sliced);
    }
    return new PriceFrame({ times: this.times.subarray(start, end), columns, source: this.source });
  }
}

/** ISO text of a UTC timestamp: the date alone for midnight, full ISO otherwise. */
export function isoTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return ms % DAY_MS === 0 ? iso.slice(0, 10) : iso;
}
