/**
 * Normalisers turn a spread model's value into a z-score: how many standard deviations it is
 * from its centre. They see one bar at a time.
 * @internal
 */
import { RollingWindow } from '../stats/rolling.js';
import type { SpreadModel } from './spread.js';

export interface Normaliser {
  /** Scores the model's current value; NaN while it cannot (still filling, or zero spread). */
  score(model: SpreadModel): number;
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
  readonly #window: RollingWindow;
  constructor(lookback: number, std: 'sample' | 'population') {
    this.#window = new RollingWindow(lookback, { std });
  }
  score(model: SpreadModel): number {
    this.#window.push(model.reference);
    if (!this.#window.ready) return NaN;
    this.centre = this.#window.mean;
    this.scale = this.#window.std;
    return this.scale > 0 ? (model.value - this.centre) / this.scale : NaN;
  }
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
  constructor(readonly trainBars: number) {}
  score(model: SpreadModel): number {
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

/** The Kalman forecast error over its own predicted standard deviation: z = e_t / √Q_t. */
export class KalmanNormaliser implements Normaliser {
  centre = 0;
  scale = NaN;
  score(model: SpreadModel): number {
    this.scale = model.forecastStd;
    return this.scale > 0 ? model.forecastError / this.scale : NaN;
  }
}
