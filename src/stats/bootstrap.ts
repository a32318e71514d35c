/**
 * A confidence interval by resampling trades: the trades' returns are drawn with replacement,
 * each resample compounded in its drawn order, and the interval is the percentiles of the
 * statistic over the resamples. Seeded, so the same trades and seed give the same interval.
 */
import { StatsError } from './errors.js';
import { quantile } from './performance.js';

/** Options of {@link tradeBootstrap}. */
export interface BootstrapOptions {
  /** Resamples (default 2,000). */
  samples?: number;
  /** Two-sided confidence level (default 0.95). */
  level?: number;
  /** Seed of the generator (default 1). */
  seed?: number;
  /** Trades per year, to annualise the Sharpe ratio (default: not annualised, 1). */
  tradesPerYear?: number;
}

/** An estimate with its bootstrap interval. */
export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

/** {@link tradeBootstrap}'s result. */
export interface TradeBootstrap {
  /** Sharpe ratio of the per-trade returns, × √tradesPerYear. */
  sharpe: Interval;
  /** Maximum drawdown of the compounded trades, as a positive fraction (metrics' sign). */
  maxDrawdown: Interval;
  samples: number;
  level: number;
  seed: number;
}

/** mulberry32: a small 32-bit generator, enough for resampling indices, and the same everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sharpeOf(r: Float64Array, scale: number): number {
  const n = r.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += r[i];
  const m = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (r[i] - m) * (r[i] - m);
  const sd = Math.sqrt(ss / (n - 1));
  // equal returns leave a rounding residue in sd, not a risk: their ratio is undefined
  return sd > 1e-12 * Math.abs(m) ? (m / sd) * scale : NaN;
}

function maxDrawdownOf(r: Float64Array): number {
  let w = 1;
  let peak = 1;
  let worst = 0;
  for (let i = 0; i < r.length; i++) {
    w *= 1 + r[i];
    if (w > peak) peak = w;
    const d = 1 - w / peak;
    if (d > worst) worst = d;
  }
  return worst;
}

/**
 * Percentile intervals of the Sharpe ratio and the maximum drawdown of trade returns (each
 * trade's P&L over the equity it was opened with), from `samples` resamples of as many trades.
 * Resamples whose Sharpe ratio is undefined (every drawn return equal) are left out of its
 * interval.
 */
export function tradeBootstrap(tradeReturns: ArrayLike<number>, o: BootstrapOptions = {}): TradeBootstrap {
  const samples = o.samples ?? 2000;
  const level = o.level ?? 0.95;
  const seed = o.seed ?? 1;
  const scale = Math.sqrt(o.tradesPerYear ?? 1);
  const n = tradeReturns.length;
  if (n < 2) throw new StatsError('tradeReturns', `tradeBootstrap: needs at least 2 trades, got ${n}`);
  for (let i = 0; i < n; i++)
    if (!(tradeReturns[i] > -1 && Number.isFinite(tradeReturns[i])))
      throw new StatsError(
        'tradeReturns',
        `tradeBootstrap: tradeReturns[${i}] is ${tradeReturns[i]}; a trade's return must be finite and above −1`,
      );
  if (!(Number.isInteger(samples) && samples >= 10))
    throw new StatsError('samples', `tradeBootstrap: samples must be a whole number ≥ 10, got ${samples}`);
  if (!(level > 0 && level < 1))
    throw new StatsError('level', `tradeBootstrap: level must be in (0, 1), got ${level}`);
  const r = Float64Array.from(tradeReturns);
  const rand = mulberry32(seed);
  const draw = new Float64Array(n);
  const sharpes = new Float64Array(samples);
  const drawdowns = new Float64Array(samples);
  let defined = 0;
  for (let k = 0; k < samples; k++) {
    for (let i = 0; i < n; i++) draw[i] = r[Math.floor(rand() * n)];
    const s = sharpeOf(draw, scale);
    if (!Number.isNaN(s)) sharpes[defined++] = s;
    drawdowns[k] = maxDrawdownOf(draw);
  }
  const a = (1 - level) / 2;
  const interval = (estimate: number, x: Float64Array): Interval => ({
    estimate,
    lower: quantile(x, a),
    upper: quantile(x, 1 - a),
  });
  return {
    sharpe: interval(sharpeOf(r, scale), sharpes.subarray(0, defined)),
    maxDrawdown: interval(maxDrawdownOf(r), drawdowns),
    samples,
    level,
    seed,
  };
}
