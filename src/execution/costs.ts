/**
 * The cost model of docs/strategies.md, once: the fill price with slippage against the trader,
 * the commission (basis points of the notional plus a fee per share, at least a minimum), and
 * short borrow per night held. The accounting kernel and the paper broker's quotes both price through
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
  /** Borrow fee per night held as a fraction of the short value (the annual rate / 360). */
  borrowPerNight: number;
}

/**
 * Nights in the year of a borrow rate's quote: an annual borrow rate accrues at 1/360 of it a
 * night, the money-market convention US brokers charge stock borrow by (actual/360), so a short
 * held every night of a year pays 365/360 of the quoted rate.
 */
export const BORROW_DAYS_A_YEAR = 360;

/** The rates of `opts.costs`. @internal */
export function costRates(opts: ResolvedBacktestOptions): CostRates {
  const c = opts.costs;
  return {
    slip: c.slippageBps / 1e4,
    bps: c.commissionBps / 1e4,
    perShare: c.commissionPerShare,
    minCommission: c.minCommission,
    borrowPerNight: c.borrowBps / 1e4 / BORROW_DAYS_A_YEAR,
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
