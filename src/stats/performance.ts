/**
 * Statistics of a return series, as a tear sheet shows them: moments, value at risk and
 * expected shortfall (historical and Cornish-Fisher), rolling Sharpe, volatility and β, the
 * statistics against a benchmark, the worst drawdown periods and the statistics of trades.
 * Formulas follow empyrical and quantstats (named where each is defined); the reference values
 * in test/fixtures/stats/tearsheet/ were computed independently from them (ref.py).
 */
import { StatsError } from './errors.js';
import { normalPpf } from './normal.js';

/** Mean, sample standard deviation and the shape of a return series. */
export interface ReturnMoments {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1). */
  std: number;
  /** Adjusted Fisher-Pearson skewness G1 (pandas' `skew`, quantstats' `skew`); NaN below 3 values. */
  skew: number;
  /** Excess kurtosis G2, bias-corrected (pandas' `kurt`, quantstats' `kurtosis`); NaN below 4 values. */
  kurtosis: number;
}

function checkFinite(fn: string, name: string, x: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i])) throw new StatsError(name, `${fn}: ${name} contains ${x[i]} at index ${i}`);
}

/** {@link ReturnMoments} of `r` (every value finite). */
export function returnMoments(r: ArrayLike<number>): ReturnMoments {
  checkFinite('returnMoments', 'returns', r);
  const n = r.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += r[i];
  const mean = n > 0 ? s / n : NaN;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = r[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : NaN;
  // population moments, then the bias corrections of pandas (G1, G2)
  const p2 = m2 / n;
  const g1 = m3 / n / Math.pow(p2, 1.5);
  const g2 = m4 / n / (p2 * p2) - 3;
  const skew = n > 2 && p2 > 0 ? (Math.sqrt(n * (n - 1)) / (n - 2)) * g1 : NaN;
  const kurtosis = n > 3 && p2 > 0 ? ((n - 1) / ((n - 2) * (n - 3))) * ((n + 1) * g2 + 6) : NaN;
  return { n, mean, std, skew, kurtosis };
}

/**
 * The `q`-quantile of `x` with linear interpolation between order statistics (numpy's default,
 * `np.percentile(x, 100q)`, as empyrical's `value_at_risk`).
 */
export function quantile(x: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(x).sort();
  if (s.length === 0) return NaN;
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** Value at risk and expected shortfall at one confidence level, as returns (a loss is negative). */
export interface TailRisk {
  confidence: number;
  /** The (1 − confidence) quantile of the returns (empyrical `value_at_risk`). */
  historicalVaR: number;
  /**
   * The mean of the worst ⌊(n − 1)(1 − confidence)⌋ + 1 returns (empyrical
   * `conditional_value_at_risk`).
   */
  historicalCVaR: number;
  /** μ + z_cf·σ with the Cornish-Fisher quantile z_cf of the normal one, skew and excess kurtosis. */
  cornishFisherVaR: number;
  /**
   * The expected shortfall of the Cornish-Fisher distribution: the mean of μ + z_cf(p)·σ over
   * p ∈ (0, 1 − confidence), z_cf(p) the expanded quantile of level p (exact, in closed form).
   */
  cornishFisherCVaR: number;
}

/** The Cornish-Fisher expansion of the normal quantile z for skewness s and excess kurtosis k. */
export function cornishFisherZ(z: number, s: number, k: number): number {
  const z2 = z * z;
  return z + ((z2 - 1) * s) / 6 + ((z2 * z - 3 * z) * k) / 24 - ((2 * z2 * z - 5 * z) * s * s) / 36;
}

/**
 * ∫ z_cf(z)·φ(z) dz over z < zα: the Cornish-Fisher polynomial against the normal density, in
 * closed form from the truncated normal's moments M_k = ∫ z^k φ(z) dz over z < zα
 * (M₀ = α, M₁ = −φ(zα), M_k = −zα^(k−1)·φ(zα) + (k − 1)·M_(k−2)).
 */
function cornishFisherTail(za: number, alpha: number, s: number, k: number): number {
  const phi = Math.exp((-za * za) / 2) / Math.sqrt(2 * Math.PI);
  const m0 = alpha;
  const m1 = -phi;
  const m2 = -za * phi + m0;
  const m3 = -za * za * phi + 2 * m1;
  return m1 + ((m2 - m0) * s) / 6 + ((m3 - 3 * m1) * k) / 24 - ((2 * m3 - 5 * m1) * s * s) / 36;
}

/**
 * Value at risk and expected shortfall of `r` at each confidence level (default 95 % and 99 %).
 * Cornish-Fisher uses the sample mean and standard deviation and {@link returnMoments}' skew and
 * excess kurtosis.
 */
export function tailRisk(r: ArrayLike<number>, confidences: readonly number[] = [0.95, 0.99]): TailRisk[] {
  const m = returnMoments(r);
  const sorted = Float64Array.from(r).sort();
  return confidences.map((c) => {
    if (!(c > 0 && c < 1))
      throw new StatsError('confidence', `tailRisk: confidence must be in (0, 1), got ${c}`);
    const a = 1 - c;
    const cut = Math.floor((m.n - 1) * a);
    let tail = 0;
    for (let i = 0; i <= cut; i++) tail += sorted[i];
    const za = normalPpf(a);
    return {
      confidence: c,
      historicalVaR: quantile(sorted, a),
      historicalCVaR: m.n > 0 ? tail / (cut + 1) : NaN,
      cornishFisherVaR: m.mean + cornishFisherZ(za, m.skew, m.kurtosis) * m.std,
      cornishFisherCVaR: m.mean + (cornishFisherTail(za, a, m.skew, m.kurtosis) / a) * m.std,
    };
  });
}

/**
 * Rolling statistics over the last `window` bars (bar t's window ends at t, included); NaN
 * for the first window − 1 bars. Sharpe and volatility are annualised with `periodsPerYear`
 * (empyrical's `roll_sharpe_ratio`, `roll_annual_volatility`, sample std); β is empyrical's
 * `beta` of each window against `benchmark` (cov/var with the same divisor).
 */
export function rollingStats(
  r: ArrayLike<number>,
  window: number,
  periodsPerYear: number,
  benchmark?: ArrayLike<number>,
): { sharpe: Float64Array; volatility: Float64Array; beta: Float64Array | null } {
  if (!(Number.isInteger(window) && window >= 2))
    throw new StatsError('window', `rollingStats: window must be a whole number ≥ 2, got ${window}`);
  checkFinite('rollingStats', 'returns', r);
  if (benchmark) {
    checkFinite('rollingStats', 'benchmark', benchmark);
    if (benchmark.length !== r.length)
      throw new StatsError(
        'benchmark',
        `rollingStats: mismatched lengths: returns has ${r.length} values, benchmark ${benchmark.length}`,
      );
  }
  const n = r.length;
  const sharpe = new Float64Array(n).fill(NaN);
  const volatility = new Float64Array(n).fill(NaN);
  const beta = benchmark ? new Float64Array(n).fill(NaN) : null;
  const root = Math.sqrt(periodsPerYear);
  // each window from its own two passes: exact, and O(n·window) is small next to a backtest
  for (let t = window - 1; t < n; t++) {
    let s = 0;
    let sb = 0;
    for (let i = t - window + 1; i <= t; i++) {
      s += r[i];
      if (benchmark) sb += benchmark[i];
    }
    const mean = s / window;
    const mb = sb / window;
    let ss = 0;
    let sbb = 0;
    let sab = 0;
    for (let i = t - window + 1; i <= t; i++) {
      const d = r[i] - mean;
      ss += d * d;
      if (benchmark) {
        const e = benchmark[i] - mb;
        sbb += e * e;
        sab += d * e;
      }
    }
    const std = Math.sqrt(ss / (window - 1));
    volatility[t] = std * root;
    sharpe[t] = std > 0 ? (mean / std) * root : NaN;
    if (beta) beta[t] = sbb > 0 ? sab / sbb : NaN;
  }
  return { sharpe, volatility, beta };
}

/** A strategy against a benchmark (empyrical and quantstats definitions; annualised where said). */
export interface BenchmarkStats {
  /** empyrical `beta`: cov(r, b)/var(b). */
  beta: number;
  /** empyrical `alpha`: (1 + mean(r − β·b))^P − 1, annualised. */
  alpha: number;
  /** Pearson correlation of r and b. */
  correlation: number;
  /** std(r − b)·√P, sample std: the annualised tracking error. */
  trackingError: number;
  /** mean(r − b)·P / trackingError: quantstats' `information_ratio` × √P (annualised). */
  informationRatio: number;
  /** The benchmark's own annualised Sharpe ratio and total return over the same bars. */
  benchmarkSharpe: number;
  benchmarkReturn: number;
}

/** {@link BenchmarkStats} of returns `r` against benchmark returns `b` on the same bars. */
export function benchmarkStats(
  r: ArrayLike<number>,
  b: ArrayLike<number>,
  periodsPerYear: number,
): BenchmarkStats {
  checkFinite('benchmarkStats', 'returns', r);
  checkFinite('benchmarkStats', 'benchmark', b);
  if (r.length !== b.length)
    throw new StatsError(
      'benchmark',
      `benchmarkStats: mismatched lengths: returns has ${r.length} values, benchmark ${b.length}`,
    );
  const n = r.length;
  let sr = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sr += r[i];
    sb += b[i];
  }
  const mr = sr / n;
  const mb = sb / n;
  let srr = 0;
  let sbb = 0;
  let srb = 0;
  for (let i = 0; i < n; i++) {
    const dr = r[i] - mr;
    const db = b[i] - mb;
    srr += dr * dr;
    sbb += db * db;
    srb += dr * db;
  }
  const beta = sbb > 0 ? srb / sbb : NaN;
  const correlation = srr > 0 && sbb > 0 ? srb / Math.sqrt(srr * sbb) : NaN;
  const active = Float64Array.from({ length: n }, (_, i) => r[i] - b[i]);
  const am = returnMoments(active);
  const trackingError = am.std * Math.sqrt(periodsPerYear);
  let growth = 1;
  for (let i = 0; i < n; i++) growth *= 1 + b[i];
  const bstd = Math.sqrt(sbb / (n - 1));
  return {
    beta,
    alpha: Math.pow(1 + (mr - beta * mb), periodsPerYear) - 1,
    correlation,
    trackingError,
    informationRatio: trackingError > 0 ? (am.mean * periodsPerYear) / trackingError : NaN,
    benchmarkSharpe: bstd > 0 ? (mb / bstd) * Math.sqrt(periodsPerYear) : NaN,
    benchmarkReturn: growth - 1,
  };
}

/** One drawdown of the return index: from a peak to its trough and back to the peak's level. */
export interface DrawdownPeriod {
  /** Bar of the peak the drawdown starts from (the last bar at the old high; −1: before the first bar). */
  peak: number;
  /** Bar of the lowest point. */
  trough: number;
  /** First bar back at or above the peak; −1 when it has not recovered by the end. */
  recovery: number;
  /** The fall from peak to trough, as a fraction ≤ 0. */
  depth: number;
  /** Bars from the peak to the recovery (to the last bar when not recovered). */
  length: number;
}

/**
 * The `count` deepest drawdowns of the return index Π(1 + r), deepest first. The periods are
 * disjoint: each runs from a high to the next bar that reaches that high again (pyfolio's
 * `gen_drawdown_table` finds the same periods). A peak of −1 is the starting capital before
 * bar 0.
 */
export function worstDrawdowns(r: ArrayLike<number>, count = 5): DrawdownPeriod[] {
  checkFinite('worstDrawdowns', 'returns', r);
  const n = r.length;
  const out: DrawdownPeriod[] = [];
  let w = 1;
  let high = 1;
  let peak = -1;
  let trough = -1;
  let low = 1;
  for (let t = 0; t < n; t++) {
    w *= 1 + r[t];
    if (w >= high) {
      if (trough >= 0) out.push({ peak, trough, recovery: t, depth: low / high - 1, length: t - peak });
      high = w;
      peak = t;
      trough = -1;
      low = w;
    } else if (w < low || trough < 0) {
      low = w;
      trough = t;
    }
  }
  if (trough >= 0) out.push({ peak, trough, recovery: -1, depth: low / high - 1, length: n - 1 - peak });
  // deepest first; equal depths in time order
  return out
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.depth - b.d.depth || a.i - b.i)
    .slice(0, count)
    .map((x) => x.d);
}

/** Statistics of closed trades. */
export interface TradeStatistics {
  trades: number;
  wins: number;
  losses: number;
  meanPnl: number;
  medianPnl: number;
  bestPnl: number;
  worstPnl: number;
  /** Mean P&L of the winning (> 0) and losing (< 0) trades. */
  meanWin: number;
  meanLoss: number;
  meanHolding: number;
  medianHolding: number;
  maxHolding: number;
  /** Longest runs of consecutive winning and losing trades, in trade order. */
  maxConsecutiveWins: number;
  maxConsecutiveLosses: number;
}

const median = (x: Float64Array): number => quantile(x, 0.5);

/** {@link TradeStatistics} of trades given by their P&L and holding time (bars), in trade order. */
export function tradeStatistics(pnl: ArrayLike<number>, holding: ArrayLike<number>): TradeStatistics {
  checkFinite('tradeStatistics', 'pnl', pnl);
  checkFinite('tradeStatistics', 'holding', holding);
  const n = pnl.length;
  let wins = 0;
  let losses = 0;
  let sum = 0;
  let sumWin = 0;
  let sumLoss = 0;
  let runW = 0;
  let runL = 0;
  let maxW = 0;
  let maxL = 0;
  let best = -Infinity;
  let worst = Infinity;
  let holdSum = 0;
  let holdMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const p = pnl[i];
    sum += p;
    holdSum += holding[i];
    if (holding[i] > holdMax) holdMax = holding[i];
    if (p > best) best = p;
    if (p < worst) worst = p;
    if (p > 0) {
      wins++;
      sumWin += p;
      runW++;
      runL = 0;
    } else if (p < 0) {
      losses++;
      sumLoss += p;
      runL++;
      runW = 0;
    } else runW = runL = 0;
    if (runW > maxW) maxW = runW;
    if (runL > maxL) maxL = runL;
  }
  const none = n === 0;
  return {
    trades: n,
    wins,
    losses,
    meanPnl: none ? NaN : sum / n,
    medianPnl: none ? NaN : median(Float64Array.from(pnl)),
    bestPnl: none ? NaN : best,
    worstPnl: none ? NaN : worst,
    meanWin: wins ? sumWin / wins : NaN,
    meanLoss: losses ? sumLoss / losses : NaN,
    meanHolding: none ? NaN : holdSum / n,
    medianHolding: none ? NaN : median(Float64Array.from(holding)),
    maxHolding: none ? NaN : holdMax,
    maxConsecutiveWins: maxW,
    maxConsecutiveLosses: maxL,
  };
}
