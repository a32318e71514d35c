/**
 * A book's limits: gross and net leverage of the whole book, each sleeve's gross exposure, each
 * symbol's net exposure across the sleeves that trade it, and the number of sleeves in a
 * position at once. Sleeves are fitted in the order the book funds them: one that opens or
 * changes a position is scaled down to what the sleeves before it leave (or refused, for the
 * number of open pairs), and the scale holds until its target changes again, so a price move
 * never forces a trade. Exposures are its targets at the bar's close; the limits are fractions
 * of the book's equity at the sleeve's funding. The one rule a backtest of a book
 * (src/backtest/bookLimits.ts, over its series) and a paper book (src/live/book.ts, bar by bar)
 * apply.
 */

/** Limits of a book, each optional; exposures as multiples of the book's equity. */
export interface BookLimits {
  /** Σ |shares × price| over every sleeve's legs ≤ this × equity. */
  maxGrossLeverage?: number;
  /** |Σ shares × price| over every sleeve's legs ≤ this × equity. */
  maxNetLeverage?: number;
  /** One sleeve's gross exposure ≤ this × equity. */
  maxSleeveExposure?: number;
  /** |net exposure| of one symbol, summed over the sleeves trading it ≤ this × equity. */
  maxSymbolExposure?: number;
  /** Sleeves with a position at once ≤ this. */
  maxOpenPairs?: number;
}

/** Why `limits` cannot be used (a limit below zero, not a number, or a count not whole), or null. */
export function limitsProblem(limits: BookLimits): string | null {
  for (const [key, v] of Object.entries(limits)) {
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0) || v === Infinity)
      return `${key} must be a number ≥ 0, got ${String(v)}`;
    if (key === 'maxOpenPairs' && !(Number.isInteger(v) && v >= 1))
      return `${key} must be a whole number ≥ 1, got ${v}`;
  }
  return null;
}

/** Whether any limit is set. */
export function hasLimits(l: BookLimits | undefined): l is BookLimits {
  return l !== undefined && Object.values(l).some((v) => v !== undefined);
}

/** One sleeve's standing in the book's limits: its last raw target, the scale that holds while that target is unchanged, and how many of its entries were cut. */
export interface FitState {
  rawY: number;
  rawX: number;
  scale: number;
  cut: number;
}

/** A sleeve's state before its first bar: flat, unscaled. */
export const fitState = (): FitState => ({ rawY: 0, rawX: 0, scale: 1, cut: 0 });

/**
 * One sleeve on one bar: its legs, its raw target `ty`, `tx` (replaced by the fitted target),
 * its legs' closes and its {@link FitState}.
 */
export interface BarEntry {
  y: string;
  x: string;
  ty: number;
  tx: number;
  yc: number;
  xc: number;
  state: FitState;
}

/**
 * The exposure taken so far on each of `bars` bars, and the fitting of one bar's sleeve targets
 * into what is left: the one rule a backtest applies over its series ({@link BookCapacity}) and a
 * paper book applies as each bar arrives.
 */
export class BookRoom {
  readonly #gross: Float64Array;
  readonly #net: Float64Array;
  readonly #open: Float64Array;
  readonly #symbol = new Map<string, Float64Array>();
  constructor(
    readonly limits: BookLimits,
    readonly bars = 1,
  ) {
    this.#gross = new Float64Array(bars);
    this.#net = new Float64Array(bars);
    this.#open = new Float64Array(bars);
  }

  /** Forgets the exposure taken on every bar (a streaming caller reuses bar 0). */
  clear(): void {
    this.#gross.fill(0);
    this.#net.fill(0);
    this.#open.fill(0);
    for (const a of this.#symbol.values()) a.fill(0);
  }

  #symbolNet(s: string): Float64Array {
    let a = this.#symbol.get(s);
    if (a === undefined) this.#symbol.set(s, (a = new Float64Array(this.bars)));
    return a;
  }

  #take(b: number, e: BarEntry): void {
    const st = e.state;
    const fy = e.ty * st.scale;
    const fx = e.tx * st.scale;
    e.ty = fy;
    e.tx = fx;
    const vy = fy * e.yc;
    const vx = fx * e.xc;
    this.#gross[b] += Math.abs(vy) + Math.abs(vx);
    this.#net[b] += vy + vx;
    this.#symbolNet(e.y)[b] += vy;
    this.#symbolNet(e.x)[b] += vx;
    if (fy !== 0 || fx !== 0) this.#open[b]++;
  }

  /**
   * Fits one bar's targets of the sleeves trading on bar `b`, given in rank order, against
   * `basis` (the book's equity at their funding), in place: the positions held on (raw target
   * unchanged) count first at their standing scale, then the sleeves whose position changes
   * (exits, flips, resizes), then those that open one, each scaled to what is left.
   */
  fitBar(b: number, entries: readonly BarEntry[], basis: number): void {
    const L = this.limits;
    const changing: BarEntry[] = [];
    for (const e of entries) {
      const st = e.state;
      if (e.ty === st.rawY && e.tx === st.rawX) this.#take(b, e);
      else changing.push(e);
    }
    // positions held change first (exits, flips, resizes), then new positions open into what is left
    const isOpening = (e: BarEntry) => {
      const st = e.state;
      return (st.rawY === 0 && st.rawX === 0) || st.scale === 0;
    };
    const held = changing.filter((e) => !isOpening(e));
    const opening = changing.filter(isOpening);
    for (const e of [...held, ...opening]) {
      const st = e.state;
      const ty = e.ty;
      const tx = e.tx;
      const opens = isOpening(e);
      st.rawY = ty;
      st.rawX = tx;
      const ey = ty * e.yc;
      const ex = tx * e.xc;
      const g = Math.abs(ey) + Math.abs(ex);
      let scale = 1;
      if (g > 0) {
        if (opens && L.maxOpenPairs !== undefined && this.#open[b] >= L.maxOpenPairs) scale = 0;
        if (L.maxSleeveExposure !== undefined) scale = Math.min(scale, (L.maxSleeveExposure * basis) / g);
        if (L.maxGrossLeverage !== undefined)
          scale = Math.min(scale, Math.max(0, L.maxGrossLeverage * basis - this.#gross[b]) / g);
        if (L.maxNetLeverage !== undefined)
          scale = Math.min(scale, room(this.#net[b], ey + ex, L.maxNetLeverage * basis));
        if (L.maxSymbolExposure !== undefined) {
          const cap = L.maxSymbolExposure * basis;
          scale = Math.min(
            scale,
            room(this.#symbolNet(e.y)[b], ey, cap),
            room(this.#symbolNet(e.x)[b], ex, cap),
          );
        }
        if (scale < 1) st.cut++;
      }
      st.scale = scale;
      this.#take(b, e);
    }
  }
}

/** The largest s in [0, 1] with |used + s·add| ≤ cap (0 when even s = 0 breaks it and adding makes it worse). */
function room(used: number, add: number, cap: number): number {
  if (add === 0) return 1;
  const bound = add > 0 ? cap - used : cap + used;
  return Math.min(1, Math.max(0, bound / Math.abs(add)));
}
