/**
 * Performance metrics, named as in DESIGN.md (metrics.json). Formulas (P = periods per year,
 * n = number of bars, r_t the per-bar returns on the chosen basis, the first bar's included):
 *   totalReturn = Π(1 + r_t) − 1
 *   apr = Π(1 + r_t)^(P/n) − 1                         (Chan's APR)
 *   annualVolatility = std(r) · √P                     (sample std, n − 1)
 *   sharpe = √P · mean(r − rf/P) / std(r)
 *   sortino = √P · mean(r − rf/P) / √(Σ min(r − rf/P, 0)² / n)
 *   maxDrawdown = max_t (1 − W_t / max_{s≤t} W_s),  W_t = Π_{s≤t} (1 + r_s)
 *   maxDrawdownDuration = longest run of bars spent below a previous peak of W
 *   calmar = apr / maxDrawdown
 *   trades = round trips (an open one at the end counts); winRate = share of closed trades with P&L > 0
 *   profitFactor = Σ P&L of winning closed trades / |Σ P&L of losing ones|
 *   exposure = share of bars ending with a position
 *   turnover = Σ |traded notional| / mean equity · P / n   (times the equity traded per year)
 * A ratio whose denominator is 0 is NaN (or Infinity for a profit factor with no losing trade).
 * A ruined run (equity reached zero) has a return of −1 on its ruin bar, so its total return is
 * −100 % and its drawdown 100 %; its Sharpe and Sortino ratios are at most 0.
 */
/** The metric names, in DESIGN.md's order (metrics.json, scan rows). */
export const METRIC_NAMES = [
  'totalReturn',
  'apr',
  'annualVolatility',
  'sharpe',
  'sortino',
  'calmar',
  'maxDrawdown',
  'maxDrawdownDuration',
  'trades',
  'winRate',
  'profitFactor',
  'exposure',
  'turnover',
] as const satisfies readonly (keyof Metrics)[];

/** The performance metrics of a run (returns, risk, drawdown, trading activity), as every backtest, scan and paper report gives them. */
export interface Metrics {
  totalReturn: number;
  apr: number;
  annualVolatility: number;
  sharpe: number;
  sortino: number;
  calmar: number;
  maxDrawdown: number;
  maxDrawdownDuration: number;
  trades: number;
  winRate: number;
  profitFactor: number;
  exposure: number;
  turnover: number;
}

export interface MetricsInput {
  returns: Float64Array;
  equity: Float64Array;
  /** Gross exposure at each close (for `exposure`). */
  grossExposure: Float64Array;
  /** Traded notional per bar (for `turnover`). */
  tradedNotional: Float64Array;
  /** P&L of each trade and whether it is closed (1) or still open (0). */
  tradePnl: Float64Array;
  tradeClosed: Uint8Array;
  periodsPerYear: number;
  riskFreeRate: number;
  /** Whether the account was ruined (then Sharpe and Sortino are capped at 0). */
  ruined?: boolean;
}

// Slots of a metric accumulator (see newAccumulator): the sums over the bars and the trades
// that the formulas above need, kept as a run goes, so that no pass over the bars is repeated.
const A_GROWTH = 0;
const A_SUM = 1;
const A_PEAK = 2;
const A_MAX_DD = 3;
const A_DD_RUN = 4;
const A_MAX_DD_RUN = 5;
const A_DOWNSIDE = 6;
const A_IN_MARKET = 7;
const A_TRADED = 8;
const A_EQUITY_SUM = 9;
const A_TRADES = 10;
const A_CLOSED = 11;
const A_WINS = 12;
const A_GAINS = 13;
const A_LOSSES = 14;
const A_RF_BAR = 15;
const A_BARS = 16;
const ACCUMULATOR_SIZE = 17;

/**
 * A fresh metric accumulator: a Float64Array (unboxed doubles, no object shape to change under
 * compiled code) for a run at `periodsPerYear` bars a year and risk-free rate `riskFreeRate`.
 * {@link accumulateBars} and {@link accumulateTrade} add to it, {@link finishMetrics} reads it.
 * @internal
 */
export function newAccumulator(periodsPerYear: number, riskFreeRate: number): Float64Array {
  return resetAccumulator(new Float64Array(ACCUMULATOR_SIZE), periodsPerYear, riskFreeRate);
}

/** An accumulator back to its fresh state. @internal */
export function resetAccumulator(
  acc: Float64Array,
  periodsPerYear: number,
  riskFreeRate: number,
): Float64Array {
  acc.fill(0);
  acc[A_GROWTH] = 1;
  acc[A_PEAK] = 1;
  acc[A_RF_BAR] = riskFreeRate / periodsPerYear;
  return acc;
}

/**
 * Adds bars [from, to) of a run's series: each bar's return on the chosen basis, the gross
 * exposure and equity at its close and the notional it traded. The one per-bar step of the
 * metrics, for every run; the sums are kept in locals over the bars (a typed-array slot per
 * sum would be a store and a load on every bar's dependency chain).
 * @internal
 */
export function accumulateBars(
  acc: Float64Array,
  returns: Float64Array,
  grossExposure: Float64Array,
  tradedNotional: Float64Array,
  equity: Float64Array,
  from: number,
  to: number,
): void {
  // The sums in locals, the bars' terms, the sums back: the regions the scan's fused kernel
  // is generated from (scripts/fuse), which adds each bar's terms as it goes.
  // @fuse-begin accumulator-load
  const rfBar = acc[A_RF_BAR];
  let growth = acc[A_GROWTH];
  let sum = acc[A_SUM];
  let peak = acc[A_PEAK];
  let maxDd = acc[A_MAX_DD];
  let ddRun = acc[A_DD_RUN];
  let maxDdRun = acc[A_MAX_DD_RUN];
  let downside = acc[A_DOWNSIDE];
  let inMarket = acc[A_IN_MARKET];
  let turnoverSum = acc[A_TRADED];
  let equitySum = acc[A_EQUITY_SUM];
  // @fuse-end accumulator-load
  for (let t = from; t < to; t++) {
    // @fuse-begin accumulate
    const ret = returns[t];
    growth *= 1 + ret;
    sum += ret;
    // min(excess, 0)² without a branch: the sign of a return is a coin flip, so a branch on it
    // mispredicts on every other bar (adding 0 for a gain leaves the sum unchanged)
    const below = Math.min(ret - rfBar, 0);
    downside += below * below;
    if (growth >= peak) {
      peak = growth;
      ddRun = 0;
    } else {
      ddRun++;
      if (ddRun > maxDdRun) maxDdRun = ddRun;
      const dd = 1 - growth / peak;
      if (dd > maxDd) maxDd = dd;
    }
    if (grossExposure[t] > 0) inMarket++;
    turnoverSum += tradedNotional[t];
    equitySum += equity[t];
    // @fuse-end accumulate
  }
  // @fuse-begin accumulator-store
  acc[A_GROWTH] = growth;
  acc[A_SUM] = sum;
  acc[A_PEAK] = peak;
  acc[A_MAX_DD] = maxDd;
  acc[A_DD_RUN] = ddRun;
  acc[A_MAX_DD_RUN] = maxDdRun;
  acc[A_DOWNSIDE] = downside;
  acc[A_IN_MARKET] = inMarket;
  acc[A_TRADED] = turnoverSum;
  acc[A_EQUITY_SUM] = equitySum;
  acc[A_BARS] += to - from;
  // @fuse-end accumulator-store
}

/** Counts a round trip when it opens. @internal */
export function openTrade(acc: Float64Array): void {
  acc[A_TRADES]++;
}

/** Folds a closed round trip's P&L in (closed trades in the order they closed). @internal */
export function closeTrade(acc: Float64Array, pnl: number): void {
  acc[A_CLOSED]++;
  if (pnl > 0) {
    acc[A_WINS]++;
    acc[A_GAINS] += pnl;
  } else acc[A_LOSSES] -= pnl;
}

/**
 * The 13 metrics (METRIC_NAMES order) of an accumulated run into `out[o …]`: the one finish
 * step. `returns` holds the run's per-bar returns (for the variance, in a second pass: a
 * running variance would round differently); `ruined` caps Sharpe and Sortino at 0.
 * @internal
 */
export function finishMetrics(
  acc: Float64Array,
  returns: Float64Array,
  periodsPerYear: number,
  ruined: boolean,
  out: Float64Array,
  o: number,
): void {
  // Every quotient is computed and then chosen (a ratio whose denominator is not positive is
  // NaN), so that no run takes a path that earlier runs did not (a scan's hot path).
  const n = acc[A_BARS];
  const P = periodsPerYear;
  const rfBar = acc[A_RF_BAR];
  const growth = acc[A_GROWTH];
  const maxDd = acc[A_MAX_DD];
  const closed = acc[A_CLOSED];
  const gains = acc[A_GAINS];
  const losses = acc[A_LOSSES];
  const mean = acc[A_SUM] / n;
  let ss = 0;
  for (let t = 0; t < n; t++) ss += (returns[t] - mean) * (returns[t] - mean);
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : NaN;
  const apr = Math.pow(growth, P / n) - 1;
  const downsideDev = Math.sqrt(acc[A_DOWNSIDE] / n);
  const excessMean = Math.sqrt(P) * (mean - rfBar);
  const sharpe = excessMean / std;
  const sortino = excessMean / downsideDev;
  const calmar = apr / maxDd;
  const winRate = acc[A_WINS] / closed;
  const profitFactor = gains / losses;
  const noLossFactor = gains > 0 ? Infinity : NaN;
  const exposure = acc[A_IN_MARKET] / n;
  const equityMean = acc[A_EQUITY_SUM] / n;
  const turnover = (acc[A_TRADED] * (P / n)) / equityMean;
  out[o] = growth - 1;
  out[o + 1] = apr;
  out[o + 2] = std * Math.sqrt(P);
  // a ruined account never shows a positive risk-adjusted return, whatever its returns before
  out[o + 3] = std > 0 ? (ruined && sharpe > 0 ? 0 : sharpe) : NaN;
  out[o + 4] = downsideDev > 0 ? (ruined && sortino > 0 ? 0 : sortino) : NaN;
  out[o + 5] = maxDd > 0 ? calmar : NaN;
  out[o + 6] = maxDd;
  out[o + 7] = acc[A_MAX_DD_RUN];
  out[o + 8] = acc[A_TRADES];
  out[o + 9] = closed > 0 ? winRate : NaN;
  out[o + 10] = losses > 0 ? profitFactor : noLossFactor;
  out[o + 11] = n > 0 ? exposure : NaN;
  out[o + 12] = equityMean > 0 ? turnover : NaN;
}

/** A row of {@link finishMetrics} as a Metrics object. @internal */
export function metricsOf(row: Float64Array, o = 0): Metrics {
  const m = {} as Metrics;
  for (let i = 0; i < METRIC_NAMES.length; i++) m[METRIC_NAMES[i]] = row[o + i];
  return m;
}

/** The metrics of a run given as its per-bar series and its trades. */
export function computeMetrics(m: MetricsInput): Metrics {
  const acc = newAccumulator(m.periodsPerYear, m.riskFreeRate);
  const r = m.returns;
  accumulateBars(acc, r, m.grossExposure, m.tradedNotional, m.equity, 0, r.length);
  for (let i = 0; i < m.tradePnl.length; i++) {
    openTrade(acc);
    if (m.tradeClosed[i]) closeTrade(acc, m.tradePnl[i]);
  }
  const row = new Float64Array(METRIC_NAMES.length);
  finishMetrics(acc, r, m.periodsPerYear, m.ruined === true, row, 0);
  return metricsOf(row);
}

/** The P&L and closed flag of each trade, as computeMetrics takes them. */
export function tradeOutcomes(trades: readonly { pnl: number; closed: boolean }[]): {
  tradePnl: Float64Array;
  tradeClosed: Uint8Array;
} {
  const tradePnl = new Float64Array(trades.length);
  const tradeClosed = new Uint8Array(trades.length);
  for (let i = 0; i < trades.length; i++) {
    tradePnl[i] = trades[i].pnl;
    tradeClosed[i] = trades[i].closed ? 1 : 0;
  }
  return { tradePnl, tradeClosed };
}
