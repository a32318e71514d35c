/**
 * A book's limits: gross and net leverage of the whole book, each sleeve's gross exposure, each
 * symbol's net exposure across the sleeves that trade it, and the number of sleeves in a
 * position at once. Sleeves are fitted in the order the book funds them: one that opens or
 * changes a position is scaled down to what the sleeves before it leave (or refused, for the
 * number of open pairs), and the scale holds until its target changes again, so a price move
 * never forces a trade. Exposures are its targets at the bar's close; the limits are fractions
 * of the book's equity at the sleeve's funding.
 */
import type { PriceFrame } from '../data/frame.js';

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

/** A sleeve's targets to fit: legs `y`, `x`, row-major for `bars` bars from frame bar `start`. */
export interface SleeveTargets {
  y: string;
  x: string;
  start: number;
  targets: Float64Array;
  bars: number;
}

/** The exposure taken so far per bar, and the fitting of new sleeves' targets into what is left. */
export class BookCapacity {
  readonly #gross: Float64Array;
  readonly #net: Float64Array;
  readonly #open: Float64Array;
  readonly #symbol = new Map<string, Float64Array>();
  constructor(
    readonly frame: PriceFrame,
    /** The frame's bar of index 0 of the series. */
    readonly from: number,
    readonly limits: BookLimits,
  ) {
    const m = frame.length - from;
    this.#gross = new Float64Array(m);
    this.#net = new Float64Array(m);
    this.#open = new Float64Array(m);
  }

  #symbolNet(s: string): Float64Array {
    let a = this.#symbol.get(s);
    if (a === undefined) this.#symbol.set(s, (a = new Float64Array(this.#gross.length)));
    return a;
  }

  /**
   * Scales the targets of sleeves funded together in place to fit the limits against `basis`
   * (the book's equity at their funding), bar by bar: on each bar the positions held on count
   * first, then those that change, then the sleeves that open a position, each in the given
   * order (their rank).
   * @returns per sleeve, the entries scaled down or refused.
   */
  fit(sleeves: readonly SleeveTargets[], basis: number): number[] {
    const L = this.limits;
    const S = sleeves.length;
    const state = sleeves.map((s) => ({
      yc: this.frame.get(s.y, 'close'),
      xc: this.frame.get(s.x, 'close'),
      ny: this.#symbolNet(s.y),
      nx: this.#symbolNet(s.x),
      rawY: 0,
      rawX: 0,
      scale: 1,
      cut: 0,
    }));
    const first = Math.min(...sleeves.map((s) => s.start));
    const last = Math.max(...sleeves.map((s) => s.start + s.bars));
    const take = (k: number, t: number) => {
      const s = sleeves[k];
      const st = state[k];
      const i = t - s.start;
      const b = t - this.from;
      const fy = s.targets[2 * i] * st.scale;
      const fx = s.targets[2 * i + 1] * st.scale;
      s.targets[2 * i] = fy;
      s.targets[2 * i + 1] = fx;
      const vy = fy * st.yc[t];
      const vx = fx * st.xc[t];
      this.#gross[b] += Math.abs(vy) + Math.abs(vx);
      this.#net[b] += vy + vx;
      st.ny[b] += vy;
      st.nx[b] += vx;
      if (fy !== 0 || fx !== 0) this.#open[b]++;
    };
    for (let t = first; t < last; t++) {
      const b = t - this.from;
      const changing: number[] = [];
      for (let k = 0; k < S; k++) {
        const s = sleeves[k];
        const i = t - s.start;
        if (i < 0 || i >= s.bars) continue;
        const st = state[k];
        if (s.targets[2 * i] === st.rawY && s.targets[2 * i + 1] === st.rawX) take(k, t);
        else changing.push(k);
      }
      // positions held change first (exits, flips, resizes), then new positions open into what is left
      const isOpening = (k: number) => {
        const st = state[k];
        return (st.rawY === 0 && st.rawX === 0) || st.scale === 0;
      };
      const held = changing.filter((k) => !isOpening(k));
      const opening = changing.filter(isOpening);
      for (const k of [...held, ...opening]) {
        const s = sleeves[k];
        const st = state[k];
        const i = t - s.start;
        const ty = s.targets[2 * i];
        const tx = s.targets[2 * i + 1];
        const opens = isOpening(k);
        st.rawY = ty;
        st.rawX = tx;
        const ey = ty * st.yc[t];
        const ex = tx * st.xc[t];
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
            scale = Math.min(scale, room(st.ny[b], ey, cap), room(st.nx[b], ex, cap));
          }
          if (scale < 1) st.cut++;
        }
        st.scale = scale;
        take(k, t);
      }
    }
    return state.map((st) => st.cut);
  }
}

/** The largest s in [0, 1] with |used + s·add| ≤ cap (0 when even s = 0 breaks it and adding makes it worse). */
function room(used: number, add: number, cap: number): number {
  if (add === 0) return 1;
  const bound = add > 0 ? cap - used : cap + used;
  return Math.min(1, Math.max(0, bound / Math.abs(add)));
}
