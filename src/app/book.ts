/**
 * A book's fixed pairs and their weights, as `kalrev portfolio` and `kalrev paper` read them from
 * a run spec's `portfolio` section: one statement of the rules for both.
 */
import type { PortfolioSpec } from './portfolioSpec.js';
import type { BookLimits } from '../execution/bookLimits.js';
import type { SelectionOptions } from '../scan/selection.js';
import { ConfigError } from './spec.js';

/** How a message names a key of the `portfolio` section: its flag, or its path in the config file. */
export type PortfolioKeyName = (key: keyof PortfolioSpec) => string;

/**
 * The weights of a book of `K` fixed pairs: `1/K` each, or with the `fixed` allocation the
 * `weights` given (one per pair, summing to 1).
 * @param at what the message starts with (the config file's name).
 * @throws ConfigError naming the key (through `where`).
 */
export function bookWeights(p: PortfolioSpec, K: number, where: PortfolioKeyName, at = ''): number[] {
  if (p.allocation === 'fixed') {
    if (p.weights === undefined || p.weights.length !== K)
      throw new ConfigError(
        `${at}${where('weights')}: the fixed allocation needs one weight per pair (${K}), got ${p.weights?.length ?? 'none'}`,
      );
    const sum = p.weights.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-9)
      throw new ConfigError(`${at}${where('weights')}: the weights must sum to 1, they sum to ${sum}`);
    return p.weights;
  }
  if (p.weights !== undefined)
    throw new ConfigError(
      `${at}${where('weights')}: weights go with ${where('allocation')} fixed, not ${p.allocation}`,
    );
  return p.pairs!.map(() => 1 / K);
}

const LIMIT_KEYS = [
  'maxGrossLeverage',
  'maxNetLeverage',
  'maxSleeveExposure',
  'maxSymbolExposure',
  'maxOpenPairs',
] as const satisfies readonly (keyof PortfolioSpec & keyof BookLimits)[];

/** The book's limits a `portfolio` section sets (a backtest and a paper book apply them alike). */
export function bookLimits(p: PortfolioSpec): BookLimits {
  const limits: BookLimits = {};
  for (const k of LIMIT_KEYS) if (p[k] !== undefined) limits[k] = p[k];
  return limits;
}

/** The walk-forward selection a `portfolio` section with `top` asks for (a backtest and a paper book select alike). */
export function selectionOptions(p: PortfolioSpec): SelectionOptions {
  if (p.allocation === 'fixed') throw new Error('selectionOptions: fixed weights go with fixed pairs');
  return {
    top: p.top!,
    rebalance: p.rebalance,
    train: p.train,
    fdr: p.fdr,
    rankBy: p.rankBy,
    onLeave: p.onLeave,
    allocation: p.allocation,
    ...(p.maxPValue !== undefined ? { maxPValue: p.maxPValue } : {}),
    ...(p.halfLife !== undefined ? { halfLife: p.halfLife } : {}),
    ...(p.minCorrelation !== undefined ? { minCorrelation: p.minCorrelation } : {}),
    ...(p.minPrice !== undefined ? { minPrice: p.minPrice } : {}),
    ...(p.minScore !== undefined ? { minScore: p.minScore } : {}),
  };
}
