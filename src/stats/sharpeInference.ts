/**
 * How much an observed Sharpe ratio can be trusted: the probabilistic Sharpe ratio (Bailey and
 * López de Prado 2012, "The Sharpe ratio efficient frontier") and the deflated Sharpe ratio
 * (Bailey and López de Prado 2014, "The deflated Sharpe ratio: correcting for selection bias,
 * backtest overfitting and non-normality"). Sharpe ratios here are per bar (not annualised):
 * divide an annual one by √(periods per year).
 */
import { StatsError } from './errors.js';
import { normalCdf, normalPpf } from './normal.js';

/** The Euler-Mascheroni constant γ. */
const EULER_GAMMA = 0.5772156649015329;

/** What {@link probabilisticSharpeRatio} needs about the track record. */
export interface SharpeSample {
  /** The observed Sharpe ratio, per bar. */
  sharpe: number;
  /** Number of returns it was computed from. */
  n: number;
  /** Skewness of the returns. */
  skew: number;
  /** Excess kurtosis of the returns (0 for a normal distribution). */
  kurtosis: number;
}

function check(s: SharpeSample, fn: string): void {
  if (!(Number.isInteger(s.n) && s.n >= 2))
    throw new StatsError('n', `${fn}: n must be a whole number ≥ 2, got ${s.n}`);
  for (const k of ['sharpe', 'skew', 'kurtosis'] as const)
    if (!Number.isFinite(s[k])) throw new StatsError(k, `${fn}: ${k} must be finite, got ${s[k]}`);
}

/**
 * PSR(SR*) = Φ((SR − SR*)·√(n − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4·SR²)), γ₃ the skewness and γ₄ the
 * (non-excess) kurtosis: the probability that the true Sharpe ratio exceeds `benchmark`
 * (per bar) given the sample's length and shape.
 */
export function probabilisticSharpeRatio(s: SharpeSample, benchmark = 0): number {
  check(s, 'probabilisticSharpeRatio');
  const g4 = s.kurtosis + 3;
  const v = 1 - s.skew * s.sharpe + ((g4 - 1) / 4) * s.sharpe * s.sharpe;
  if (!(v > 0))
    throw new StatsError(
      'skew',
      `probabilisticSharpeRatio: the Sharpe ratio's variance term 1 − γ₃·SR + (γ₄ − 1)/4·SR² is ${v}, not positive`,
    );
  return normalCdf(((s.sharpe - benchmark) * Math.sqrt(s.n - 1)) / Math.sqrt(v));
}

/**
 * The expected maximum of `trials` Sharpe ratios whose true value is 0 and whose estimates vary
 * with variance `variance`: √V·((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))), γ the Euler-Mascheroni
 * constant (Bailey and López de Prado 2014, eq. 6). 0 for one trial.
 */
export function expectedMaxSharpe(trials: number, variance: number): number {
  if (!(Number.isInteger(trials) && trials >= 1))
    throw new StatsError('trials', `expectedMaxSharpe: trials must be a whole number ≥ 1, got ${trials}`);
  if (!(variance >= 0 && Number.isFinite(variance)))
    throw new StatsError('variance', `expectedMaxSharpe: variance must be finite and ≥ 0, got ${variance}`);
  if (trials === 1) return 0;
  return (
    Math.sqrt(variance) *
    ((1 - EULER_GAMMA) * normalPpf(1 - 1 / trials) + EULER_GAMMA * normalPpf(1 - 1 / (trials * Math.E)))
  );
}

/** The deflated Sharpe ratio and the threshold it was measured against. */
export interface DeflatedSharpe {
  /** The probability that the true Sharpe ratio is above the best of `trials` skill-less ones. */
  dsr: number;
  /** {@link expectedMaxSharpe}, per bar: the benchmark SR₀. */
  threshold: number;
  trials: number;
}

/**
 * DSR = PSR(SR₀) with SR₀ = {@link expectedMaxSharpe}(trials, variance): the probability that
 * the selected strategy's true Sharpe ratio beats what the best of `trials` strategies without
 * skill would show. `variance` is the variance of the trials' Sharpe ratios, per bar.
 */
export function deflatedSharpeRatio(s: SharpeSample, trials: number, variance: number): DeflatedSharpe {
  const threshold = expectedMaxSharpe(trials, variance);
  return { dsr: probabilisticSharpeRatio(s, threshold), threshold, trials };
}
