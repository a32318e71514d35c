/**
 * The cost model of docs/strategies.md, once: the fill price with slippage against the trader,
 * the commission (basis points of the notional plus a fee per share, at least a minimum), and
 * short borrow per bar. The accounting kernel and the paper broker's quotes both price through
 * these functions.
 */
import type { ResolvedBacktestOptions } from './options.js';

/** The cost rates of a run, resolved to fractions and per-bar amounts. @internal */
export interface CostRates {
  /** Slippage as a fraction of the reference price. */
  slip: number;
  /** Commission as a fraction of the notional. */
  bps: number;
  perShare: number;
  minCommission: number;
  /** Borrow fee per bar as a fraction of the short value. */
  borrowPerBar: number;
}

/** The rates of `opts.costs` at `opts.periodsPerYear` bars a year. @internal */
export function costRates(opts: ResolvedBacktestOptions): CostRates {
  const c = opts.costs;
  return {
    slip: c.slippageBps / 1e4,
    bps: c.commissionBps / 1e4,
    perShare: c.commissionPerShare,
    minCommission: c.minCommission,
    borrowPerBar: c.borrowBps / 1e4 / opts.periodsPerYear,
  };
}

/** The price an order of `shares` (signed, non-zero) fills at, reference `ref`. @internal */
export function fillPrice(shares: number, ref: number, slip: number): number {
  return shares > 0 ? ref * (1 + slip) : ref * (1 - slip);
}

/** The commission on `size` shares (unsigned) of notional `notional`. @internal */
export function commissionOf(size: number, notional: number, c: CostRates): number {
  return Math.max(c.minCommission, c.bps * notional + c.perShare * size);
}
