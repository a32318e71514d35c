/**
 * Normalisers turn a spread model's value into a z-score: how many standard deviations it is
 * from its centre. They see one bar at a time.
 * @internal
 */
import { RollingWindow } from '../stats/rolling.js';
import type { SpreadModel } from './spread.js';
import { StrategyError } from './types.js';

export interface Normaliser {
  /**
   * Scores the model's current value at bar `index`; NaN while it cannot (still filling, before
   * its first bar, or zero spread).
   */
  score(model: SpreadModel, index?: number): number;
  /** The centre and scale of the last score (value = centre + z·scale). */
  centre: number;
  scale: number;
}

/**
 * Mean and standard deviation of the model's reference series over the last `lookback` bars
 * (this bar included): z = (value − mean) / std. NaN until the window is full or while the
 * window's std is 0.
 */
export class RollingNormaliser implements Normaliser {
  centre = NaN;
  scale = NaN;
  #window: RollingWindow | null;
  /** The window's length once known (a half-life lookback: when the spread is fitted). */
  lookback: number;
  constructor(
    lookback: number | 'half-life',
    readonly std: 'sample' | 'population',
    /** The first bar scored: earlier bars do not enter the window (they only warm the spread model). */
    readonly start = 0,
  ) {
    this.lookback = lookback === 'half-life' ? NaN : lookback;
    this.#window = lookback === 'half-life' ? null : new RollingWindow(lookback, { std });
  }
  score(model: SpreadModel, index = Number.MAX_SAFE_INTEGER): number {
    if (index < this.start) return NaN;
    this.#window ??= this.#halfLifeWindow(model);
    this.#window.push(model.reference);
    if (!this.#window.ready) return NaN;
    this.centre = this.#window.mean;
    this.scale = this.#window.std;
    return this.scale > 0 ? (model.value - this.centre) / this.scale : NaN;
  }

  /** The window of a half-life lookback: the spread's half-life over its fitting window, rounded. */
  #halfLifeWindow(model: SpreadModel): RollingWindow {
    const lookback = halfLifeLookback(model.halfLife);
    this.lookback = lookback;
    return new RollingWindow(lookback, { std: this.std });
  }
}

/**
 * A lookback of the rounded half-life `h` (Chan's `round(halflife)`).
 * @throws StrategyError when the spread does not revert (h not a finite positive number) or
 *   its half-life rounds below 2 bars.
 */
export function halfLifeLookback(h: number): number {
  const lookback = Math.round(h);
  if (!(Number.isFinite(h) && h > 0))
    throw new StrategyError(
      'normaliser.lookback',
      `'half-life' needs a spread that reverts, but its half-life over the fitting window is ${Number.isNaN(h) ? 'undefined (a static spread fitted on its training window has one)' : h}`,
    );
  if (lookback < 2)
    throw new StrategyError(
      'normaliser.lookback',
      `'half-life': the spread's half-life over its fitting window (${h}) rounds to ${lookback} bar${lookback === 1 ? '' : 's'}; a window needs at least 2`,
    );
  return lookback;
}

/**
 * Mean and standard deviation (sample) of the reference series over the first `trainBars`
 * bars the model is ready for, then frozen: no signal during training.
 */
export class FrozenNormaliser implements Normaliser {
  centre = NaN;
  scale = NaN;
  #n = 0;
  #mean = 0;
  #m2 = 0;
  constructor(
    readonly trainBars: number,
    /** The first bar scored: earlier bars are not in the training window. */
    readonly start = 0,
  ) {}
  score(model: SpreadModel, index = Number.MAX_SAFE_INTEGER): number {
    if (index < this.start) return NaN;
    if (this.#n < this.trainBars) {
      // Welford: mean and sum of squared deviations, stable for price levels
      const x = model.reference;
      const d = x - this.#mean;
      this.#mean += d / ++this.#n;
      this.#m2 += d * (x - this.#mean);
      if (this.#n < this.trainBars) return NaN;
      this.centre = this.#mean;
      this.scale = this.trainBars > 1 ? Math.sqrt(this.#m2 / (this.trainBars - 1)) : NaN;
      return NaN; // the last training bar is still training
    }
    return this.scale > 0 ? (model.value - this.centre) / this.scale : NaN;
  }
}

/** A centre and scale given (or fitted ahead on a training window): z = (value − centre) / scale. */
export class FixedNormaliser implements Normaliser {
  constructor(
    readonly centre: number,
    readonly scale: number,
    /** The first bar scored. */
    readonly start = 0,
  ) {}
  score(model: SpreadModel, index = Number.MAX_SAFE_INTEGER): number {
    return index < this.start ? NaN : (model.value - this.centre) / this.scale;
  }
}

/** The Kalman forecast error over its own predicted standard deviation: z = e_t / √Q_t. */
export class KalmanNormaliser implements Normaliser {
  centre = 0;
  scale = NaN;
  score(model: SpreadModel): number {
    this.scale = model.forecastStd;
    return this.scale > 0 ? model.forecastError / this.scale : NaN;
  }
}
