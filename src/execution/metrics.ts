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

export function computeMetrics(m: MetricsInput): Metrics {
  const r = m.returns;
  const n = r.length;
  const P = m.periodsPerYear;
  const rfBar = m.riskFreeRate / P;
  let growth = 1;
  let sum = 0;
  let peak = 1;
  let maxDd = 0;
  let ddRun = 0;
  let maxDdRun = 0;
  let downside = 0;
  let inMarket = 0;
  let traded = 0;
  let equitySum = 0;
  const gross = m.grossExposure;
  const notional = m.tradedNotional;
  const equity = m.equity;
  for (let t = 0; t < n; t++) {
    const x = r[t];
    growth *= 1 + x;
    sum += x;
    // min(excess, 0)² without a branch: the sign of a return is a coin flip, so a branch on it
    // mispredicts on every other bar (adding 0 for a gain leaves the sum unchanged)
    const below = Math.min(x - rfBar, 0);
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
    if (gross[t] > 0) inMarket++;
    traded += notional[t];
    equitySum += equity[t];
  }
  const mean = sum / n;
  let ss = 0;
  for (let t = 0; t < n; t++) ss += (r[t] - mean) * (r[t] - mean);
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : NaN;
  const apr = Math.pow(growth, P / n) - 1;
  const downsideDev = Math.sqrt(downside / n);
  let wins = 0;
  let closed = 0;
  let gains = 0;
  let losses = 0;
  for (let i = 0; i < m.tradePnl.length; i++) {
    if (!m.tradeClosed[i]) continue;
    const pnl = m.tradePnl[i];
    closed++;
    if (pnl > 0) {
      wins++;
      gains += pnl;
    } else losses -= pnl;
  }
  const div = (a: number, b: number) => (b > 0 ? a / b : NaN);
  // a ruined account never shows a positive risk-adjusted return, whatever its returns before
  const capped = (x: number) => (m.ruined === true && x > 0 ? 0 : x);
  return {
    totalReturn: growth - 1,
    apr,
    annualVolatility: std * Math.sqrt(P),
    sharpe: capped(div(Math.sqrt(P) * (mean - rfBar), std)),
    sortino: capped(div(Math.sqrt(P) * (mean - rfBar), downsideDev)),
    calmar: div(apr, maxDd),
    maxDrawdown: maxDd,
    maxDrawdownDuration: maxDdRun,
    trades: m.tradePnl.length,
    winRate: div(wins, closed),
    profitFactor: losses > 0 ? gains / losses : gains > 0 ? Infinity : NaN,
    exposure: n > 0 ? inMarket / n : NaN,
    turnover: div(traded * (P / n), equitySum / n),
  };
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
