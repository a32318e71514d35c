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
    if (z !== z) {
      if (units !== 0) this.#held++;
      return units;
    }
    if (this.#blocked !== 0 && Math.abs(z) <= this.entryZ) this.#blocked = 0;
    let target = units;
    if (units > 0) {
      if (z > this.entryZ) target = -1;
      else if (z > -this.exitZ) target = 0;
    } else if (units < 0) {
      if (z < -this.entryZ) target = 1;
      else if (z < this.exitZ) target = 0;
    } else if (z > this.entryZ) target = -1;
    else if (z < -this.entryZ) target = 1;
    if (target === this.#blocked) target = 0;
    if (target !== 0 && target === units) {
      this.#held++;
      // stop: the spread moved beyond ±stopZ against the position; or held too long
      const stopped = (target > 0 && z < -this.stopZ) || (target < 0 && z > this.stopZ);
      if (stopped || this.#held >= this.maxHoldBars) {
        this.#blocked = target;
        target = 0;
      }
    }
    if (target !== units) this.#held = 0;
    return target;
  }
}

/** Linear: position = −z / zPerUnit units, capped at ±maxUnits. */
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
