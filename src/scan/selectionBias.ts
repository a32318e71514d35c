/**
 * How much of a scan's or a sweep's best result is selection: the deflated Sharpe ratio of the
 * chosen run, with the number of trials it was chosen from, and for a sweep the probability of
 * backtest overfitting by combinatorially symmetric cross-validation (src/stats has the
 * statistics; this module gives them the trials).
 */
import { backtest } from '../backtest/engine.js';
import { alignFrames } from '../data/align.js';
import type { PriceFrame } from '../data/frame.js';
import { probabilityOfOverfitting } from '../stats/pbo.js';
import { returnMoments } from '../stats/performance.js';
import { deflatedSharpeRatio, probabilisticSharpeRatio } from '../stats/sharpeInference.js';
import { METRIC_KEYS, R_METRICS, R_STATUS, ROW, STATUS_QVALUE } from './evaluate.js';
import { scanRows, type ScanResult } from './scan.js';
import { argBest, specAt, type SweepResult } from './sweep.js';

/** The trials a result was selected from: how many, and how much their Sharpe ratios vary. */
export interface SelectionTrials {
  count: number;
  /** Variance of the trials' Sharpe ratios, per bar (their annual Sharpe ratios' variance / periods per year). */
  sharpeVariance: number;
}

/** {@link SelectionTrials} of annual Sharpe ratios (those that are not finite are left out). */
export function trialsOf(annualSharpes: readonly number[], periodsPerYear: number): SelectionTrials {
  const s = annualSharpes.filter(Number.isFinite);
  const n = s.length;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const v = n > 1 ? s.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { count: n, sharpeVariance: v / periodsPerYear };
}

/** The trials of a scan: every pair that was backtested (those a q-value screen then dropped too). */
export function scanTrials(scan: ScanResult): SelectionTrials {
  const sharpes: number[] = [];
  const t = scanRows(scan);
  if (t !== undefined && !t.read) {
    const m = R_METRICS + METRIC_KEYS.indexOf('sharpe');
    for (let o = 0; o < t.rows.length; o += ROW)
      if (t.rows[o + R_STATUS] === 0 || t.rows[o + R_STATUS] === STATUS_QVALUE) sharpes.push(t.rows[o + m]);
  } else for (const p of scan.pairs) if (p.metrics) sharpes.push(p.metrics.sharpe);
  return trialsOf(sharpes, scan.options.periodsPerYear);
}

/** The probabilistic and deflated Sharpe ratios of one run's returns, against its trials. */
export interface SharpeSignificance {
  /** Annual Sharpe ratio of the returns (excess of the risk-free rate). */
  sharpe: number;
  /** Probability that the true Sharpe ratio is above 0. */
  psr: number;
  /** Probability that it is above the best of the trials by luck (NaN for one trial). */
  dsr: number;
  /** That best-by-luck Sharpe ratio, annual. */
  threshold: number;
}

/** {@link SharpeSignificance} of `returns` against `trials`; NaN values where undefined. */
export function sharpeSignificance(
  returns: Float64Array,
  trials: SelectionTrials,
  periodsPerYear: number,
  riskFreeRate: number,
): SharpeSignificance {
  const m = returnMoments(returns);
  const sr = (m.mean - riskFreeRate / periodsPerYear) / m.std;
  const out = { sharpe: sr * Math.sqrt(periodsPerYear), psr: NaN, dsr: NaN, threshold: NaN };
  if (!(Number.isFinite(sr) && Number.isFinite(m.skew) && Number.isFinite(m.kurtosis))) return out;
  const sample = { sharpe: sr, n: m.n, skew: m.skew, kurtosis: m.kurtosis };
  try {
    out.psr = probabilisticSharpeRatio(sample);
    if (trials.count > 1) {
      const d = deflatedSharpeRatio(sample, trials.count, trials.sharpeVariance);
      out.dsr = d.dsr;
      out.threshold = d.threshold * Math.sqrt(periodsPerYear);
    }
  } catch {
    // moments that make the Sharpe ratio's variance term non-positive: no probability
  }
  return out;
}

/** What {@link sweepSelectionBias} finds. */
export interface SweepSelectionBias {
  trials: SelectionTrials;
  /** The grid point with the best full-period metric, and its Sharpe ratio's significance. */
  best: { index: number; point: number[] } & SharpeSignificance;
  /** The probability of backtest overfitting over the grid (null with fewer than 2 points or too few bars). */
  pbo: { pbo: number; splits: number; blocks: number } | null;
}

/**
 * The deflated Sharpe ratio of a sweep's best full-period point (trials: every grid point with
 * metrics) and the probability that choosing the best point overfits (CSCV over every point's
 * returns; 16 blocks, fewer when the data has under 20 bars a block). Each point is backtested
 * again over the pair's overlap for its returns.
 */
export function sweepSelectionBias(frame: PriceFrame, r: SweepResult): SweepSelectionBias {
  const P = r.options.periodsPerYear;
  const { frame: pair } = alignFrames(frame, { symbols: r.pair });
  const returns = r.points.map(
    (p) => backtest(pair, specAt(r.strategy, r.axes, p), { ...r.options, symbols: r.pair }).returns,
  );
  const trials = trialsOf(
    r.fullPeriod.map((m) => (m ? m.sharpe : NaN)),
    P,
  );
  const index = argBest(
    r.fullPeriod.map((m) => (m ? m[r.metric] : NaN)),
    r.metric,
    r.fullPeriodRuined,
  );
  const best = {
    index,
    point: r.points[index],
    ...sharpeSignificance(returns[index], trials, P, r.options.riskFreeRate),
  };
  const T = pair.length;
  let blocks = 16;
  while (blocks > 2 && T / blocks < 20) blocks -= 2;
  const pbo =
    returns.length >= 2 && 2 * blocks <= T
      ? (({ pbo, splits }) => ({ pbo, splits, blocks }))(probabilityOfOverfitting(returns, blocks))
      : null;
  return { trials, best, pbo };
}
