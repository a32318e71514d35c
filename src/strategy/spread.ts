/**
 * Spread models: each turns one bar of leg prices into the value a normaliser scores and the
 * shares per unit of the spread. They see one bar at a time and keep their own state.
 * @internal
 */
import { learnLocalLevel } from '../kalman/localLevel.js';
import { createPairState, PAIR_E, PAIR_Q, pairStep } from '../kalman/pair.js';
import { johansen } from '../stats/johansen.js';
import { ols } from '../stats/ols.js';
import { halfLife } from '../stats/halflife.js';

/** How leg prices enter a hedge regression. */
export type PriceTransform = 'price' | 'log';

export interface SpreadModel {
  readonly legs: number;
  /** Consume this bar's closes (leg order: dependent first). */
  update(prices: Float64Array): void;
  /** False while the model is still training or warming up (no signal). */
  ready: boolean;
  /** The value a normaliser scores. */
  value: number;
  /** The series a rolling or frozen normaliser takes its mean and std from (usually `value`). */
  reference: number;
  /** One-step forecast error and its predicted standard deviation (Kalman models; NaN otherwise). */
  forecastError: number;
  forecastStd: number;
  /** Shares of each leg per unit of the spread at this bar's prices. */
  readonly weights: Float64Array;
  hedgeRatio: number;
  fairValue: number;
  /** Half-life of the spread over its fitting window, once fitted (static spreads; NaN otherwise). */
  halfLife: number;
}

/**
 * Shares per unit for hedge weights w found on prices or log prices: on prices one unit is w
 * shares; on log prices the regression is in returns, so one unit is w dollars (w / p shares).
 */
export function setWeights(
  out: Float64Array,
  w: ArrayLike<number>,
  prices: Float64Array,
  transform: PriceTransform,
): void {
  const L = out.length;
  // @fuse-begin weights
  for (let i = 0; i < L; i++) out[i] = transform === 'log' ? w[i] / prices[i] : w[i];
  // @fuse-end weights
}

export const tf = (p: number, transform: PriceTransform) => (transform === 'log' ? Math.log(p) : p);

/** A one-asset model's hedge: one unit of the spread is one unit of the asset. */
const UNIT_WEIGHT = [1] as const;

/** The fields every spread model publishes after each bar. */
abstract class SpreadBase implements SpreadModel {
  abstract readonly legs: number;
  abstract readonly weights: Float64Array;
  ready = true;
  value = NaN;
  reference = NaN;
  forecastError = NaN;
  forecastStd = NaN;
  hedgeRatio = NaN;
  fairValue = NaN;
  halfLife = NaN;
  abstract update(prices: Float64Array): void;
}

/**
 * A pair with a Kalman dynamic hedge ratio: the pairs model of src/kalman/pair.ts (Chan 2013,
 * Example 3.3; state [β, α], observation row [x_t, 1]), filtered by its `pairStep`. The value is
 * the forecast error e_t = y_t − (β⁻ x_t + α⁻), scored against √Q_t by the Kalman normaliser;
 * the weights use the updated β_t: one unit is long 1 share of y and short β_t shares of x.
 */
export class KalmanHedgeSpread extends SpreadBase {
  readonly legs = 2;
  readonly weights = new Float64Array(2);
  readonly #w = new Float64Array(2);
  readonly #s: Float64Array;

  constructor(
    delta: number,
    observationVariance: number,
    initialCovariance: number,
    readonly transform: PriceTransform,
  ) {
    super();
    this.#s = createPairState(delta, observationVariance, initialCovariance);
  }

  update(prices: Float64Array): void {
    const s = this.#s;
    pairStep(s, tf(prices[1], this.transform), tf(prices[0], this.transform));
    const e = s[PAIR_E];
    const beta = s[0];
    this.forecastError = e;
    this.forecastStd = Math.sqrt(s[PAIR_Q]);
    this.value = e;
    this.reference = e;
    this.hedgeRatio = beta;
    this.#w[0] = 1;
    this.#w[1] = -beta;
    setWeights(this.weights, this.#w, prices, this.transform);
  }
}

/** Options of {@link KalmanFairValueSpread}. */
export interface FairValueOptions {
  transitionCovariance: number;
  observationCovariance: number;
  initialCovariance: number;
  /** Learn Q and R by EM on the first `warmup` bars (no signal until then); false: use Q and R as given. */
  learn: { warmup: number; nIter: number } | false;
  /** 'fair-value': score the Kalman estimate against the price's rolling mean and std (the
   * textbook method); 'residual': score price − fair value. */
  signal: 'fair-value' | 'residual';
  transform: PriceTransform;
}

/**
 * One asset against its Kalman fair value: a local-level model (the fair value is a random
 * walk with variance Q, the price is it plus noise of variance R), filtered bar by bar. With
 * `learn`, Q and R are learned by EM on the warm-up bars and the filter then continues from
 * the state it reached on them. One unit is one share (or one dollar on log prices).
 */
export class KalmanFairValueSpread extends SpreadBase {
  readonly legs = 1;
  readonly weights = new Float64Array(1);
  #q: number;
  #r: number;
  #x = NaN;
  #P: number;
  #warm: number[] | null;
  readonly #plan: { warmup: number; nIter: number } | null;

  constructor(readonly options: FairValueOptions) {
    super();
    this.#plan = options.learn === false ? null : options.learn;
    this.#q = options.transitionCovariance;
    this.#r = options.observationCovariance;
    this.#P = options.initialCovariance;
    this.#warm = this.#plan ? [] : null;
    this.ready = this.#plan === null;
  }

  update(prices: Float64Array): void {
    const p = tf(prices[0], this.options.transform);
    setWeights(this.weights, UNIT_WEIGHT, prices, this.options.transform);
    if (this.#warm !== null) {
      this.#warm.push(p);
      if (this.#warm.length < this.#plan!.warmup) return;
      this.#learn(this.#warm);
      this.#warm = null;
      this.ready = true;
      this.#publish(p, NaN, NaN);
      return;
    }
    let xp: number;
    let Pp: number;
    if (Number.isNaN(this.#x)) {
      // first bar: the prior is centred on it
      xp = p;
      Pp = this.#P;
    } else {
      xp = this.#x;
      Pp = this.#P + this.#q;
    }
    // S = P⁻ + R, K = P⁻ / S, x = x⁻ + K (p − x⁻), P = P⁻ R / S
    const S = Pp + this.#r;
    const e = p - xp;
    this.#x = xp + (Pp / S) * e;
    this.#P = (Pp * this.#r) / S;
    this.#publish(p, e, Math.sqrt(S));
  }

  #publish(p: number, e: number, sd: number): void {
    this.fairValue = this.options.transform === 'log' ? Math.exp(this.#x) : this.#x;
    this.forecastError = e;
    this.forecastStd = sd;
    if (this.options.signal === 'fair-value') {
      this.value = this.#x;
      this.reference = p;
    } else {
      this.value = p - this.#x;
      this.reference = this.value;
    }
  }

  /** EM on the warm-up window, then the filtered state at its last bar. */
  #learn(values: number[]): void {
    const fit = learnLocalLevel(
      Float64Array.from(values),
      this.#q,
      this.#r,
      this.options.initialCovariance,
      this.#plan!.nIter,
    );
    this.#q = fit.transitionCovariance;
    this.#r = fit.observationCovariance;
    this.#x = fit.level;
    this.#P = fit.levelVariance;
  }
}

/**
 * How a rolling regression's intercept enters the spread: `'subtract'` fits y = βx + α and
 * scores y − βx − α (the residual); `'keep'` fits the same regression and scores y − βx (the
 * level left in, Chan's price spread); `'none'` fits y = βx through the origin and scores y − βx.
 */
export type InterceptMode = 'subtract' | 'keep' | 'none';

/**
 * A pair with the hedge ratio from an OLS of y on x over the last `lookback` bars, this bar
 * included: spread = y − β x (− α with `intercept: 'subtract'`). One unit is long 1 share of y,
 * short β of x.
 */
export class RollingOlsSpread extends SpreadBase {
  readonly legs = 2;
  readonly weights = new Float64Array(2);
  readonly #xs: Float64Array;
  readonly #ys: Float64Array;
  readonly #w = new Float64Array(2);
  #count = 0;

  constructor(
    readonly lookback: number,
    readonly transform: PriceTransform,
    readonly intercept: InterceptMode = 'subtract',
  ) {
    super();
    this.ready = false;
    this.#xs = new Float64Array(lookback);
    this.#ys = new Float64Array(lookback);
  }

  update(prices: Float64Array): void {
    const L = this.lookback;
    const slot = this.#count % L;
    const y = tf(prices[0], this.transform);
    const x = tf(prices[1], this.transform);
    this.#ys[slot] = y;
    this.#xs[slot] = x;
    this.#count++;
    if (this.#count < L) return;
    let beta: number;
    let alpha = 0;
    if (this.intercept === 'none') {
      // through the origin: β = Σxy / Σxx
      let sxy = 0;
      let sxx = 0;
      for (let i = 0; i < L; i++) {
        sxy += this.#xs[i] * this.#ys[i];
        sxx += this.#xs[i] * this.#xs[i];
      }
      if (!(sxx > 0)) {
        this.ready = false;
        return;
      }
      beta = sxy / sxx;
    } else {
      // two-pass OLS over the window: exact, O(lookback)
      let mx = 0;
      let my = 0;
      for (let i = 0; i < L; i++) {
        mx += this.#xs[i];
        my += this.#ys[i];
      }
      mx /= L;
      my /= L;
      let sxy = 0;
      let sxx = 0;
      for (let i = 0; i < L; i++) {
        const dx = this.#xs[i] - mx;
        sxy += dx * (this.#ys[i] - my);
        sxx += dx * dx;
      }
      if (!(sxx > 0)) {
        this.ready = false; // x constant over the window: no hedge ratio
        return;
      }
      beta = sxy / sxx;
      if (this.intercept === 'subtract') alpha = my - beta * mx;
    }
    this.ready = true;
    this.hedgeRatio = beta;
    this.value = y - beta * x - alpha;
    this.reference = this.value;
    this.#w[0] = 1;
    this.#w[1] = -beta;
    setWeights(this.weights, this.#w, prices, this.transform);
  }
}

/** How a static spread's weights are found. */
export type StaticMethod = 'ols' | 'johansen' | 'fixed';

/** A static spread's weights and intercept: spread = w · p − intercept. */
export interface StaticFit {
  weights: Float64Array;
  intercept: number;
}

/**
 * Weights of a static spread fitted on `cols` (one column of prices, or log prices, per leg):
 * OLS of the first leg on the others (weights [1, −β₁, …], the intercept the regression's
 * constant, or 0 without one), or Johansen's first eigenvector normalised so that the first
 * leg's weight is 1 (intercept 0). The one fit of the static spread, whether on a training
 * window or, labelled as look-ahead, on the whole sample.
 */
export function fitStatic(
  cols: readonly ArrayLike<number>[],
  method: 'ols' | 'johansen',
  constant: boolean,
): StaticFit {
  const legs = cols.length;
  const weights = new Float64Array(legs);
  let intercept = 0;
  if (method === 'ols') {
    const n = cols[0].length;
    const X = Array.from({ length: n }, (_, t) => cols.slice(1).map((c) => c[t]));
    const r = ols(cols[0], X, { addConstant: constant });
    weights[0] = 1;
    for (let i = 1; i < legs; i++) weights[i] = -r.params[i - 1];
    intercept = constant ? r.params[legs - 1] : 0;
  } else {
    const r = johansen(cols, { detOrder: 0, kArDiff: 1 });
    const v0 = r.eigenvectors[0][0];
    for (let i = 0; i < legs; i++) weights[i] = r.eigenvectors[i][0] / v0;
  }
  return { weights, intercept };
}

/** The spread w · p − intercept of every bar of `cols` (prices already transformed). */
export function staticSpreadSeries(cols: readonly ArrayLike<number>[], fit: StaticFit): Float64Array {
  const n = cols[0].length;
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let s = -fit.intercept;
    for (let i = 0; i < cols.length; i++) s += fit.weights[i] * cols[i][t];
    out[t] = s;
  }
  return out;
}

/** Options of {@link StaticHedgeSpread}. */
export interface StaticOptions {
  legs: number;
  method: StaticMethod;
  /** Bars the weights are fitted on (ols, johansen). */
  trainBars: number;
  /** OLS with a constant (its intercept is subtracted from the spread). */
  constant: boolean;
  /** The weights and intercept of `method: 'fixed'`. */
  weights?: readonly number[];
  intercept?: number;
  transform: PriceTransform;
}

/**
 * A pair or basket with weights fitted once on the first `trainBars` bars: by OLS of the first
 * leg on the others (with or without a constant; weights [1, −β₁, …]) or Johansen's first
 * eigenvector (normalised so the first leg's weight is 1); or weights given (`'fixed'`, ready
 * from the first bar). spread = w · p (minus the OLS intercept). A fitted spread publishes its
 * half-life over the training window when it becomes ready.
 */
export class StaticHedgeSpread extends SpreadBase {
  readonly legs: number;
  readonly weights: Float64Array;
  readonly #w: Float64Array;
  readonly #train: number[][];
  readonly #opts: StaticOptions;
  #intercept = 0;

  constructor(opts: StaticOptions) {
    super();
    this.#opts = opts;
    this.legs = opts.legs;
    this.weights = new Float64Array(opts.legs);
    this.#w = new Float64Array(opts.legs);
    this.#train = Array.from({ length: opts.legs }, () => []);
    this.ready = opts.method === 'fixed';
    if (opts.method === 'fixed') {
      this.#w.set(opts.weights!);
      this.#intercept = opts.intercept ?? 0;
      this.hedgeRatio = this.legs === 2 ? -this.#w[1] : NaN;
    }
  }

  update(prices: Float64Array): void {
    const transform = this.#opts.transform;
    if (!this.ready) {
      for (let i = 0; i < this.legs; i++) this.#train[i].push(tf(prices[i], transform));
      if (this.#train[0].length < this.#opts.trainBars) return;
      this.#fit();
      this.ready = true;
    }
    let s = -this.#intercept;
    for (let i = 0; i < this.legs; i++) s += this.#w[i] * tf(prices[i], transform);
    this.value = s;
    this.reference = s;
    setWeights(this.weights, this.#w, prices, transform);
  }

  #fit(): void {
    const cols = this.#train;
    const fit = fitStatic(cols, this.#opts.method as 'ols' | 'johansen', this.#opts.constant);
    this.#w.set(fit.weights);
    this.#intercept = fit.intercept;
    this.hedgeRatio = this.legs === 2 ? -this.#w[1] : NaN;
    try {
      this.halfLife = halfLife(staticSpreadSeries(cols, fit)).halfLife;
    } catch {
      this.halfLife = NaN; // a constant spread has none; a lookback that needs it says so
    }
  }
}

/**
 * A pair's price ratio y/x (or log(y/x)): no regression. One unit is long 1 share of y and
 * short y/x shares of x (equal dollars), so the position is dollar-neutral.
 */
export class RatioSpread extends SpreadBase {
  readonly legs = 2;
  readonly weights = new Float64Array(2);

  constructor(readonly transform: PriceTransform) {
    super();
  }

  update(prices: Float64Array): void {
    const ratio = prices[0] / prices[1];
    this.value = this.transform === 'log' ? Math.log(ratio) : ratio;
    this.reference = this.value;
    this.hedgeRatio = ratio;
    this.weights[0] = 1;
    this.weights[1] = -ratio;
  }
}
