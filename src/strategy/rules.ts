/**
 * Trading rules: from a z-score and the current position (in units of the spread) to the
 * target position. NaN z means "no signal": the position is kept.
 * @internal
 */

export interface Rule {
  next(z: number, units: number): number;
}

/**
 * Bands: short one unit when z > entryZ, long one unit when z < −entryZ; a long exits when
 * z > −exitZ and a short when z < exitZ (exitZ = entryZ exits at the entry band, Chan's rule;
 * exitZ = 0 exits at the mean). Optional stop beyond ±stopZ and a maximum holding period in
 * bars; after either, the same side is not re-entered until z comes back inside ±entryZ.
 */
export class BandRule implements Rule {
  #held = 0;
  /** +1 / −1: that side is blocked after a stop or time exit until z returns inside the band. */
  #blocked = 0;
  constructor(
    readonly entryZ: number,
    readonly exitZ: number,
    readonly stopZ: number = Infinity,
    readonly maxHoldBars: number = Infinity,
  ) {}

  next(z: number, units: number): number {
    const entryZ = this.entryZ,
      exitZ = this.exitZ,
      stopZ = this.stopZ,
      maxHoldBars = this.maxHoldBars;
    let held = this.#held,
      blocked = this.#blocked,
      target = units;
    // The rule on its state in locals (held, blocked), from `units` to `target`: the region the
    // scan's fused kernel is generated from (scripts/fuse).
    // @fuse-begin band-rule
    if (z !== z) {
      if (units !== 0) held++;
    } else {
      // if |z| ≤ entryZ the blocked side is freed, without a branch on z (a coin flip the CPU
      // often mispredicts): blocked & 0 is 0, blocked & −1 is blocked
      blocked &= +(Math.abs(z) <= entryZ) - 1;
      if (units > 0) {
        if (z > entryZ) target = -1;
        else if (z > -exitZ) target = 0;
      } else if (units < 0) {
        if (z < -entryZ) target = 1;
        else if (z < exitZ) target = 0;
      } else if (z > entryZ) target = -1;
      else if (z < -entryZ) target = 1;
      if (target === blocked) target = 0;
      if (target !== 0 && target === units) {
        held++;
        // stop: the spread moved beyond ±stopZ against the position; or held too long
        const stopped = (target > 0 && z < -stopZ) || (target < 0 && z > stopZ);
        if (stopped || held >= maxHoldBars) {
          blocked = target;
          target = 0;
        }
      }
      if (target !== units) held = 0;
    }
    // @fuse-end band-rule
    this.#held = held;
    this.#blocked = blocked;
    return target;
  }
}

/** Linear: position = −z / zPerUnit units, capped at ±maxUnits (Infinity: uncapped). */
export class LinearRule implements Rule {
  constructor(
    readonly zPerUnit: number,
    readonly maxUnits: number,
  ) {}
  next(z: number, units: number): number {
    if (z !== z) return units;
    const u = -z / this.zPerUnit;
    return u > this.maxUnits ? this.maxUnits : u < -this.maxUnits ? -this.maxUnits : u;
  }
}
