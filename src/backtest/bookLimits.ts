/**
 * A book's limits over a backtest's series: the per-bar fitting of src/execution/bookLimits.ts
 * applied to every bar of the sleeves funded together.
 */
import type { PriceFrame } from '../data/frame.js';
import { BookRoom, fitState, type BarEntry, type BookLimits } from '../execution/bookLimits.js';

export { hasLimits, limitsProblem, type BookLimits } from '../execution/bookLimits.js';

/** A sleeve's targets to fit: legs `y`, `x`, row-major for `bars` bars from frame bar `start`. */
export interface SleeveTargets {
  y: string;
  x: string;
  start: number;
  targets: Float64Array;
  bars: number;
}

/** The book's limits over a backtest's series: {@link BookRoom.fitBar} on every bar of the frame from `from`. */
export class BookCapacity {
  readonly #room: BookRoom;
  constructor(
    readonly frame: PriceFrame,
    /** The frame's bar of index 0 of the series. */
    readonly from: number,
    readonly limits: BookLimits,
  ) {
    this.#room = new BookRoom(limits, frame.length - from);
  }

  /**
   * Scales the targets of sleeves funded together in place to fit the limits against `basis`
   * (the book's equity at their funding), bar by bar with {@link BookRoom.fitBar}, the sleeves in
   * the given order (their rank).
   * @returns per sleeve, the entries scaled down or refused.
   */
  fit(sleeves: readonly SleeveTargets[], basis: number): number[] {
    const entries: BarEntry[] = sleeves.map((s) => ({
      y: s.y,
      x: s.x,
      ty: 0,
      tx: 0,
      yc: 0,
      xc: 0,
      state: fitState(),
    }));
    const closes = sleeves.map((s) => [this.frame.get(s.y, 'close'), this.frame.get(s.x, 'close')]);
    const first = Math.min(...sleeves.map((s) => s.start));
    const last = Math.max(...sleeves.map((s) => s.start + s.bars));
    const active: BarEntry[] = [];
    const which: number[] = [];
    for (let t = first; t < last; t++) {
      active.length = 0;
      which.length = 0;
      for (let k = 0; k < sleeves.length; k++) {
        const s = sleeves[k];
        const i = t - s.start;
        if (i < 0 || i >= s.bars) continue;
        const e = entries[k];
        e.ty = s.targets[2 * i];
        e.tx = s.targets[2 * i + 1];
        e.yc = closes[k][0][t];
        e.xc = closes[k][1][t];
        active.push(e);
        which.push(k);
      }
      this.#room.fitBar(t - this.from, active, basis);
      for (let j = 0; j < which.length; j++) {
        const k = which[j];
        const s = sleeves[k];
        const i = t - s.start;
        s.targets[2 * i] = active[j].ty;
        s.targets[2 * i + 1] = active[j].tx;
      }
    }
    return entries.map((e) => e.state.cut);
  }
}
