/**
 * Backtest options: one zod schema (shared with config files), honest defaults, and the
 * backtest presets that pin a publication's conventions.
 */
import { z } from 'zod';
import { StrategyError } from '../strategy/types.js';
import type { StrategyInput } from '../strategy/spec.js';

/** Default costs: documented, not zero (see docs/strategies.md). */
export const DEFAULT_COSTS = {
  /** Commission as basis points of traded notional. */
  commissionBps: 0,
  /** Commission per share traded (a US retail/pro broker's order of magnitude). */
  commissionPerShare: 0.005,
  /** Minimum commission per order (per leg per fill). */
  minCommission: 1,
  /** Slippage: fills this many bps worse than the reference price. */
  slippageBps: 5,
  /** Short borrow fee, annual bps on short market value. */
  borrowBps: 50,
} as const;

const bps = z.number().min(0);

export const costsSchema = z.strictObject({
  commissionBps: bps.default(DEFAULT_COSTS.commissionBps),
  commissionPerShare: bps.default(DEFAULT_COSTS.commissionPerShare),
  minCommission: bps.default(DEFAULT_COSTS.minCommission),
  slippageBps: bps.default(DEFAULT_COSTS.slippageBps),
  borrowBps: bps.default(DEFAULT_COSTS.borrowBps),
});

/**
 * The zod schema of {@link BacktestOptions}: parsing fills every default and refuses unknown
 * keys; the output is {@link ResolvedBacktestOptions}.
 */
export const backtestOptionsSchema = z.strictObject({
  /**
   * Symbols of the legs in the strategy's order (dependent leg first); default: the frame's
   * symbols in order.
   */
  symbols: z.array(z.string().min(1)).min(1).optional(),
  /**
   * When a target computed on bar t's close is filled: 'next-open' (default: the first price a
   * trader could really get), 'close' (at bar t's own close: the research convention, e.g.
   * Chan's), or 'next-close'.
   */
  execution: z.enum(['close', 'next-open', 'next-close']).default('next-open'),
  costs: costsSchema.default(DEFAULT_COSTS),
  /**
   * 'equity': r_t = P&L_t / E_{t−1} on the account's equity (capital-based, default).
   * 'gross': r_t = P&L_t / gross exposure at the previous close (Chan's convention), 0 when flat.
   * P&L_t is summed from positions × price moves, fills and costs (docs/strategies.md).
   */
  returns: z.enum(['equity', 'gross']).default('equity'),
  /** Starting cash. */
  capital: z.number().positive().default(100_000),
  /** Bars per year for annualising (252 trading days). */
  periodsPerYear: z.number().positive().default(252),
  /** Annual risk-free rate for Sharpe and Sortino (0 by default). */
  riskFreeRate: z.number().default(0),
});

/** Backtest options as a user writes them (everything optional). */
export type BacktestOptions = z.input<typeof backtestOptionsSchema>;
/** Backtest options with every default filled in. */
export type ResolvedBacktestOptions = z.output<typeof backtestOptionsSchema>;
/** Trading costs with their defaults filled in: commission (bps, per share, minimum), slippage and borrow. */
export type Costs = z.output<typeof costsSchema>;

/** A preset that pins a complete setup: the strategy and the backtest conventions. */
export interface BacktestPreset {
  description: string;
  strategy: StrategyInput;
  options: BacktestOptions;
  /**
   * The legs it was published on (dependent first): a backtest given no symbols trades them when
   * the data has them, so the preset reproduces its publication on any file holding them.
   */
  legs?: string[];
}

/** The legs of a backtest preset, if it has legs and `available` holds them all. */
export function presetLegs(preset: string | undefined, available: readonly string[]): string[] | undefined {
  const legs = preset !== undefined ? BACKTEST_PRESETS[preset]?.legs : undefined;
  return legs && legs.every((s) => available.includes(s)) ? [...legs] : undefined;
}

/** The named complete setups (`--preset`), such as `'chan-2013-ex3.3'`: a strategy and backtest conventions. */
export const BACKTEST_PRESETS: Record<string, BacktestPreset> = {
  'chan-2013-ex3.3': {
    description:
      'Chan, Algorithmic Trading (2013), Example 3.3 exactly: kalman-pair in units (1 share of y, β of x), filled at the signal bar’s close, no costs, returns on the previous day’s gross exposure',
    strategy: { preset: 'chan-2013-ex3.3' },
    legs: ['EWC', 'EWA'],
    options: {
      execution: 'close',
      returns: 'gross',
      costs: { commissionBps: 0, commissionPerShare: 0, minCommission: 0, slippageBps: 0, borrowBps: 0 },
    },
  },
};

/** Validates options (on top of a preset's, when given). @throws StrategyError naming the option. */
export function resolveBacktestOptions(
  options: BacktestOptions = {},
  base: BacktestOptions = {},
): ResolvedBacktestOptions {
  if (typeof options !== 'object' || options === null)
    throw new StrategyError('options', `expected an object, got ${String(options)}`);
  const merged = {
    ...base,
    ...options,
    costs: base.costs || options.costs ? { ...(base.costs ?? {}), ...(options.costs ?? {}) } : undefined,
  };
  if (merged.costs === undefined) delete merged.costs;
  const parsed = backtestOptionsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map(String).join('.') || 'options';
    if (issue.code === 'unrecognized_keys')
      throw new StrategyError(
        `${path === 'options' ? '' : `${path}.`}${(issue as { keys: string[] }).keys[0]}`,
        'unknown option',
      );
    throw new StrategyError(path, issue.message);
  }
  return parsed.data;
}
