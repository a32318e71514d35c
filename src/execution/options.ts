/**
 * Execution options: when targets fill, what fills cost, the returns basis and the capital. One
 * zod schema, the execution layer's input; its resolved form is what every run (backtest, scan,
 * paper) hands to the accounting.
 */
import { z } from 'zod';
import { StrategyError } from '../errors.js';
import { CALENDAR_NAMES } from '../data/calendar.js';

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

/** When a target computed on bar t's close is filled. */
export const EXECUTION_TIMINGS = ['close', 'next-open', 'next-close'] as const;
/** One of {@link EXECUTION_TIMINGS}. */
export type ExecutionTiming = (typeof EXECUTION_TIMINGS)[number];

/** What a return is measured on. */
export const RETURN_BASES = ['equity', 'gross'] as const;

const bps = z.number().min(0);
/** A bar: its index, or an ISO date (the first bar at or after it). */
const barRef = z.union([
  z.number().int().min(0),
  z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'expected a bar number or a date (YYYY-MM-DD)'),
]);

/** The zod schema of the costs: every default filled in, unknown keys refused. */
export const costsSchema = z.strictObject({
  commissionBps: bps.default(DEFAULT_COSTS.commissionBps),
  commissionPerShare: bps.default(DEFAULT_COSTS.commissionPerShare),
  minCommission: bps.default(DEFAULT_COSTS.minCommission),
  slippageBps: bps.default(DEFAULT_COSTS.slippageBps),
  borrowBps: bps.default(DEFAULT_COSTS.borrowBps),
});

/** Execution timing, costs, returns basis and capital: the accounting's parameters. */
export const executionOptionsSchema = z.strictObject({
  /**
   * When a target computed on bar t's close is filled: 'next-open' (default: the first price a
   * trader could really get), 'close' (at bar t's own close: the research convention, e.g.
   * Chan's), or 'next-close'.
   */
  execution: z.enum(EXECUTION_TIMINGS).default('next-open'),
  costs: costsSchema.default(DEFAULT_COSTS),
  /**
   * 'equity': r_t = P&L_t / E_{t−1} on the account's equity (capital-based, default).
   * 'gross': r_t = P&L_t / gross exposure at the previous close (Chan's convention), 0 when flat.
   * P&L_t is summed from positions × price moves, fills and costs (docs/strategies.md).
   */
  returns: z.enum(RETURN_BASES).default('equity'),
  /** Starting cash. */
  capital: z.number().positive().default(100_000),
  /** Bars per year for annualising (252 trading days). */
  periodsPerYear: z.number().positive().default(252),
  /** Annual risk-free rate for Sharpe and Sortino (0 by default). */
  riskFreeRate: z.number().default(0),
  /**
   * The first bar the metrics count (a bar index, or an ISO date: the first bar at or after it):
   * the warm-up left out of the figures. The run itself starts at the first bar.
   */
  metricsFrom: barRef.optional(),
  /**
   * The first bar of a test set (an index or an ISO date): the metrics are then also given for
   * the train set [metricsFrom, split) and the test set [split, end), side by side.
   */
  split: barRef.optional(),
  /**
   * The exchange calendar of the traded market (data/calendar.ts): its trading days count the
   * nights short borrow is charged for, and its sessions' closes are where `flattenAtClose`
   * closes positions. 'nyse' (default) or 'crypto' (24/7, the UTC day).
   */
  calendar: z.enum(CALENDAR_NAMES).default('nyse'),
  /**
   * Close every position at the close of each session of `calendar` (and hold none on a bar
   * outside regular hours), whatever the execution timing; the strategy's target then fills
   * from the next session on. For intraday bars (docs/strategies.md, "Flattening at the close").
   */
  flattenAtClose: z.boolean().default(false),
});

/** The library's `backtest()` options: the execution options and the legs to trade. */
export const backtestOptionsSchema = z.strictObject({
  /**
   * Symbols of the legs in the strategy's order (dependent leg first); default: the frame's
   * symbols in order.
   */
  symbols: z.array(z.string().min(1)).min(1).optional(),
  ...executionOptionsSchema.shape,
});

/** Execution options as a user writes them (everything optional). */
export type ExecutionOptions = z.input<typeof executionOptionsSchema>;
/** Execution options with every default filled in: validated once, trusted below. */
export type ResolvedExecutionOptions = z.output<typeof executionOptionsSchema>;
/** Backtest options as a user writes them (everything optional). */
export type BacktestOptions = z.input<typeof backtestOptionsSchema>;
/** Backtest options with every default filled in (the accounting kernel's input). */
export type ResolvedBacktestOptions = z.output<typeof backtestOptionsSchema>;
/** Trading costs with their defaults filled in: commission (bps, per share, minimum), slippage and borrow. */
export type Costs = z.output<typeof costsSchema>;

/** The top-level keys of the execution options (what a StrategyError's parameter starts with). */
export const EXECUTION_KEYS: ReadonlySet<string> = new Set(Object.keys(executionOptionsSchema.shape));

/** `base` with `over` on top, the costs merged key by key. */
export function mergeOptions(base: BacktestOptions, over: BacktestOptions): BacktestOptions {
  const merged: BacktestOptions = { ...base, ...over };
  if (base.costs || over.costs) merged.costs = { ...(base.costs ?? {}), ...(over.costs ?? {}) };
  else delete merged.costs;
  return merged;
}

/** Validates options (on top of a preset's, when given). @throws StrategyError naming the option. */
export function resolveBacktestOptions(
  options: BacktestOptions = {},
  base: BacktestOptions = {},
): ResolvedBacktestOptions {
  if (typeof options !== 'object' || options === null)
    throw new StrategyError('options', `expected an object, got ${String(options)}`);
  const parsed = backtestOptionsSchema.safeParse(mergeOptions(base, options));
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

/**
 * The first leg without open prices when the execution fills at the next open (which needs
 * them), or undefined: the one statement of that rule, worded by each caller for its user.
 */
export function legWithoutOpens(
  execution: ExecutionTiming,
  symbols: readonly string[],
  hasOpen: (symbol: string) => boolean,
): string | undefined {
  return execution === 'next-open' ? symbols.find((s) => !hasOpen(s)) : undefined;
}
