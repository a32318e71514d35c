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
    const L = out.length;
    // @fuse-begin unit-sizing
    for (let i = 0; i < L; i++) out[i] = units * weights[i];
    // @fuse-end unit-sizing
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
  #held: Float64Array = new Float64Array(0);
  #lastUnits = 0;
  #sized = false;
  constructor(readonly capital: number) {}
  shares(units: number, weights: Float64Array, prices: Float64Array, out: Float64Array): void {
    const L = out.length;
    if (this.#held.length !== L) this.#held = new Float64Array(L);
    const held = this.#held;
    const capital = this.capital;
    let lastUnits = this.#lastUnits,
      sized = this.#sized;
    // @fuse-begin capital-sizing
    if (units !== lastUnits || !sized) {
      let gross = 0;
      for (let i = 0; i < L; i++) gross += Math.abs(weights[i] * prices[i]);
      const k = units === 0 || !(gross > 0) ? 0 : (units * capital) / gross;
      for (let i = 0; i < L; i++) held[i] = k * weights[i];
      lastUnits = units;
      sized = true;
    }
    for (let i = 0; i < L; i++) out[i] = held[i];
    // @fuse-end capital-sizing
    this.#lastUnits = lastUnits;
    this.#sized = sized;
  }
}

/**
 * Equal dollars in every leg: one unit is `dollars` long or short in each leg (the sign of the
 * leg's weight in the spread), at this bar's prices, so the legs are re-balanced to equal
 * dollars every bar whatever the hedge ratio (Chan 2008, Example 3.6: the regression's hedge
 * ratio defines the spread that is scored, not the position).
 */
export class EqualDollarSizing implements Sizing {
  constructor(readonly dollars: number) {}
  shares(units: number, weights: Float64Array, prices: Float64Array, out: Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = (units * Math.sign(weights[i]) * this.dollars) / prices[i];
  }
}
