import type { Normaliser } from './normalise.js';
import type { Rule } from './rules.js';
import type { Sizing } from './sizing.js';
import type { SpreadModel } from './spread.js';
import type { Bar, SignalState, Strategy } from './types.js';

/**
 * A mean-reversion strategy: a spread model × a normaliser × a rule × a sizing, run bar by
 * bar. Each step sees only the bar it is given; nothing is computed ahead.
 */
export class MeanReversionStrategy implements Strategy {
  readonly legs: number;
  readonly signal: SignalState = {
    value: NaN,
    z: NaN,
    centre: NaN,
    scale: NaN,
    units: 0,
    hedgeRatio: NaN,
    fairValue: NaN,
  };
  readonly #target: Float64Array;
  #units = 0;

  constructor(
    readonly spread: SpreadModel,
    readonly normaliser: Normaliser,
    readonly rule: Rule,
    readonly sizing: Sizing,
  ) {
    this.legs = spread.legs;
    this.#target = new Float64Array(spread.legs);
  }

  step(bar: Bar): Float64Array {
    const model = this.spread;
    model.update(bar.close);
    const z = model.ready ? this.normaliser.score(model, bar.index) : NaN;
    this.#units = this.rule.next(z, this.#units);
    this.sizing.shares(this.#units, model.weights, bar.close, this.#target);
    const s = this.signal;
    s.value = model.value;
    s.z = z;
    s.centre = this.normaliser.centre;
    s.scale = this.normaliser.scale;
    s.units = this.#units;
    s.hedgeRatio = model.hedgeRatio;
    s.fairValue = model.fairValue;
    return this.#target;
  }
}
