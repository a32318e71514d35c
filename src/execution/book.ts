/**
 * A book of sleeves in one account: the rules a backtest of a book (src/backtest/portfolio.ts)
 * and a paper book (src/live/book.ts) share, written once. Each sleeve is its own account on
 * the accounting kernel; these are the book's funding of them and its return.
 */

/**
 * The capital of sleeves funded together: each `weight` × the book's `equity`, all scaled down
 * alike to the `free` cash when together they would take more (none when nothing is free).
 */
export function sleeveCapitals(weights: readonly number[], equity: number, free: number): number[] {
  let want = 0;
  for (const w of weights) want += w * equity;
  const scale = want > free ? Math.max(free, 0) / want : 1;
  return weights.map((w) => w * equity * scale);
}

/**
 * A book's return on a bar from its equity's change (`pnl`): on the equity at the previous
 * close, or (gross basis) on the gross exposure held at the previous close, else the exposure
 * held at this one; 0 with no base.
 */
export function bookReturn(
  pnl: number,
  prevEquity: number,
  prevGross: number,
  gross: number,
  grossBasis: boolean,
): number {
  if (grossBasis) {
    const base = prevGross > 0 ? prevGross : gross;
    return base > 0 ? pnl / base : 0;
  }
  return prevEquity > 0 ? pnl / prevEquity : 0;
}

/**
 * Inverse-volatility (risk-parity) weights of `vols.length` sleeves funded together in a book of
 * `k`: each ∝ 1 / its volatility, together the share of the book `k` sleeves would give them
 * (all of it when every one of the `k` starts together). Every volatility must be > 0.
 */
export function inverseVolWeights(vols: readonly number[], k: number): number[] {
  let sum = 0;
  for (const v of vols) sum += 1 / v;
  const share = vols.length / k;
  return vols.map((v) => (1 / v / sum) * share);
}
