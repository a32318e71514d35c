/**
 * The trailing bars of every symbol a book's feed carries: what a paper book that starts its
 * sleeves from a training window (inverse-vol weights, a walk-forward selection) reads at a
 * start, exactly the window a backtest of the same bars reads.
 */
import { PriceFrame } from '../data/frame.js';

/** The last `keep` bars (times, closes, and opens when the feed has them) in ring buffers. */
export class BarHistory {
  readonly #times: Float64Array;
  readonly #close: Float64Array[];
  readonly #open: Float64Array[] | null;
  /** Bars pushed so far. */
  #count = 0;

  constructor(
    readonly symbols: readonly string[],
    readonly keep: number,
    withOpen: boolean,
  ) {
    this.#times = new Float64Array(keep);
    this.#close = symbols.map(() => new Float64Array(keep));
    this.#open = withOpen ? symbols.map(() => new Float64Array(keep)) : null;
  }

  /** Bars seen so far (not only those kept). */
  get count(): number {
    return this.#count;
  }

  push(time: number, close: ArrayLike<number>, open: ArrayLike<number> | null): void {
    const k = this.#count % this.keep;
    this.#times[k] = time;
    for (let i = 0; i < this.symbols.length; i++) {
      this.#close[i][k] = close[i];
      // a bar without opens (a warm-up bar) leaves NaN: no window that needs opens reads it as a price
      if (this.#open !== null) this.#open[i][k] = open === null ? NaN : open[i];
    }
    this.#count++;
  }

  /** The kept bars' times, oldest first (a copy). */
  times(): Float64Array {
    return this.#ordered(this.#times);
  }

  /** Symbol `i`'s closes over the kept bars, oldest first (a copy). */
  closes(i: number): Float64Array {
    return this.#ordered(this.#close[i]);
  }

  /** The kept bars as a price frame, oldest first (needs `keep` bars seen). */
  frame(source: string): PriceFrame {
    const columns = new Map<string, { close: Float64Array; open?: Float64Array }>();
    this.symbols.forEach((s, i) => {
      columns.set(s, {
        close: this.#ordered(this.#close[i]),
        ...(this.#open !== null ? { open: this.#ordered(this.#open[i]) } : {}),
      });
    });
    return new PriceFrame({ times: this.#ordered(this.#times), columns, source });
  }

  #ordered(ring: Float64Array): Float64Array {
    const n = this.keep;
    const out = new Float64Array(n);
    const head = this.#count % n;
    out.set(ring.subarray(head), 0);
    out.set(ring.subarray(0, head), n - head);
    return out;
  }
}
