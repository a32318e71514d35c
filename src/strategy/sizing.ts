/**
 * Sizing: from a position in units of the spread to shares per leg.
 * @internal
 */

export interface Sizing {
  /** Writes the target shares per leg into `out`. */
  shares(units: number, weights: Float64Array, prices: Float64Array, out: Float64Array): void;
}

/** Units of the spread as they are: 1 unit = `weights` shares (Chan's convention). */
export class UnitSizing implements Sizing {
  shares(units: number, weights: Float64Array, _prices: Float64Array, out: Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = units * weights[i];
  }
}

/**
 * A fixed capital per trade: when a position opens (or flips, or its size changes), one unit
 * is `capital` dollars of gross exposure at that bar's prices, and the shares of every leg are
 * then held unchanged until the position changes again. A pair's hedge is set at entry, as a
 * trader placing one order per leg would; `units` sizing instead re-hedges every bar to the
 * current β (Chan's convention).
 */
export class CapitalSizing implements Sizing {
  #held: Float64Array | null = null;
  #lastUnits = 0;
  constructor(readonly capital: number) {}
  shares(units: number, weights: Float64Array, prices: Float64Array, out: Float64Array): void {
    if (units !== this.#lastUnits || this.#held === null) {
      const held = (this.#held ??= new Float64Array(out.length));
      let gross = 0;
      for (let i = 0; i < out.length; i++) gross += Math.abs(weights[i] * prices[i]);
      const k = units === 0 || !(gross > 0) ? 0 : (units * this.capital) / gross;
      for (let i = 0; i < out.length; i++) held[i] = k * weights[i];
      this.#lastUnits = units;
    }
    const held = this.#held;
    for (let i = 0; i < out.length; i++) out[i] = held[i]; // a loop: TypedArray#set costs more for two values
  }
}
