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
 * A fixed capital per unit: when a position opens (or flips, or its size changes), one unit
 * is scaled to `capital` dollars of gross exposure at that bar's prices; the scale then stays
 * fixed while the position is held, so shares follow the weights (a pair's hedge leg follows β)
 * but are not re-levered to constant dollars every bar.
 */
export class CapitalSizing implements Sizing {
  #scale = 0;
  #lastUnits = 0;
  constructor(readonly capital: number) {}
  shares(units: number, weights: Float64Array, prices: Float64Array, out: Float64Array): void {
    if (units !== this.#lastUnits || this.#scale === 0) {
      let gross = 0;
      for (let i = 0; i < out.length; i++) gross += Math.abs(weights[i] * prices[i]);
      this.#scale = units === 0 || !(gross > 0) ? 0 : this.capital / gross;
      this.#lastUnits = units;
    }
    const k = units * this.#scale;
    for (let i = 0; i < out.length; i++) out[i] = k * weights[i];
  }
}
