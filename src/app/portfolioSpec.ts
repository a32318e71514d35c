/**
 * The `portfolio` section of a run spec: which pairs the book holds (fixed, or the best K
 * selected walk-forward), how often it re-selects, its training window, how the sleeves are
 * funded and how a pair that leaves ends.
 */
import { z } from 'zod';
import { METRIC_NAMES } from '../execution/metrics.js';

const symbol = z.string().min(1);

/** The `portfolio` section as written (config file or flags). */
export const portfolioSchema = z.strictObject({
  /** Fixed pairs [Y, X], held from the first bar (or from `train` with inverse-vol weights). */
  pairs: z
    .array(z.tuple([symbol, symbol]))
    .min(1)
    .optional(),
  /** Walk-forward: hold the K best pairs of each training window. */
  top: z.number().int().min(1).optional(),
  rebalance: z.number().int().min(1).default(63),
  train: z.number().int().min(20).default(252),
  allocation: z.enum(['equal', 'inverse-vol', 'fixed']).default('equal'),
  /** With `fixed`: one weight per pair of `pairs`, summing to 1. */
  weights: z.array(z.number().gt(0).max(1)).min(1).optional(),
  fdr: z.number().gt(0).max(1).default(0.05),
  maxPValue: z.number().gt(0).max(1).optional(),
  halfLife: z.tuple([z.number().min(0), z.number().min(0)]).optional(),
  minCorrelation: z.number().min(-1).max(1).optional(),
  minPrice: z.number().min(0).optional(),
  rankBy: z.enum(METRIC_NAMES).default('sharpe'),
  /** The worst in-sample value of `rankBy` a pair may be held with (default 0 for Sharpe and the other larger-is-better metrics). */
  minScore: z.number().optional(),
  onLeave: z.enum(['exit', 'close']).default('exit'),
  /** The book's limits, as multiples of its equity (src/execution/bookLimits.ts). */
  maxGrossLeverage: z.number().min(0).optional(),
  maxNetLeverage: z.number().min(0).optional(),
  maxSleeveExposure: z.number().min(0).optional(),
  maxSymbolExposure: z.number().min(0).optional(),
  maxOpenPairs: z.number().int().min(1).optional(),
});

/** The `portfolio` section as a user writes it (defaults filled in by parsing). */
export type PortfolioSpecInput = z.input<typeof portfolioSchema>;
/** The resolved `portfolio` section. */
export type PortfolioSpec = z.output<typeof portfolioSchema>;
