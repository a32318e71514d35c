/**
 * The OLS hedge of a pair and the volatility of its hedged spread: what a book's inverse-vol
 * funding weighs a pair by, in a backtest's selection and in a paper book alike.
 */

/** Slope of the OLS of y on x with a constant. */
export function olsBeta(y: Float64Array, x: Float64Array, m: number): number {
  // One pass (it runs on every pair, screens or not): sums of the prices' deviations from the
  // first bar, so price levels do not cancel, in two interleaved sets so that the additions'
  // dependency chains overlap; then the centred sums Σdxdy − ΣdxΣdy/m and Σdx² − (Σdx)²/m.
  const y0 = y[0];
  const x0 = x[0];
  let sy = 0,
    sx = 0,
    sxx = 0,
    sxy = 0,
    sy2 = 0,
    sx2 = 0,
    sxx2 = 0,
    sxy2 = 0;
  let t = 0;
  for (; t + 1 < m; t += 2) {
    const dy = y[t] - y0;
    const dx = x[t] - x0;
    const ey = y[t + 1] - y0;
    const ex = x[t + 1] - x0;
    sy += dy;
    sx += dx;
    sxx += dx * dx;
    sxy += dx * dy;
    sy2 += ey;
    sx2 += ex;
    sxx2 += ex * ex;
    sxy2 += ex * ey;
  }
  if (t < m) {
    const dy = y[t] - y0;
    const dx = x[t] - x0;
    sy += dy;
    sx += dx;
    sxx += dx * dx;
    sxy += dx * dy;
  }
  sy += sy2;
  sx += sx2;
  const cxx = sxx + sxx2 - (sx * sx) / m;
  const cxy = sxy + sxy2 - (sx * sy) / m;
  return cxx > 0 ? cxy / cxx : NaN;
}

/**
 * Volatility of the daily returns of one unit of the OLS-hedged spread (long 1 y, short β x)
 * over bars [from, to): its daily P&L over its gross value at the previous close.
 */
export function spreadVolatility(
  y: Float64Array,
  x: Float64Array,
  beta: number,
  from: number,
  to: number,
): number {
  const r = (t: number) =>
    (y[t] - y[t - 1] - beta * (x[t] - x[t - 1])) / (y[t - 1] + Math.abs(beta) * x[t - 1]);
  const n = to - from - 1;
  if (n < 2) return NaN;
  let sum = 0;
  for (let t = from + 1; t < to; t++) sum += r(t);
  const mean = sum / n;
  let ss = 0;
  for (let t = from + 1; t < to; t++) ss += (r(t) - mean) ** 2;
  return Math.sqrt(ss / (n - 1));
}
