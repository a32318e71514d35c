/**
 * The paper-trading configuration: one zod schema (the `--config` file and the journal's
 * recorded config), resolved into the strategy spec and the backtest options the runner uses.
 */
import { z } from 'zod';
import { BACKTEST_PRESETS, resolveBacktestOptions } from '../backtest/options.js';
import type { ResolvedBacktestOptions } from '../backtest/options.js';
import { legsOf, resolveStrategy, type StrategyInput, type StrategySpec } from '../strategy/spec.js';
import { StrategyError } from '../strategy/types.js';
import { LiveConfigError } from './errors.js';

const positive = z.number().positive();

export const ordersSchema = z.strictObject({
  /** Orders are rounded to a multiple of this many shares (0: fractional shares, as the backtest). */
  lotSize: z.number().min(0).default(0),
  /** A leg's change smaller than this many shares is not traded (0: every change is). */
  minTradeShares: z.number().min(0).default(0),
});

export const riskSchema = z.strictObject({
  /** Largest gross exposure Σ|shares·price| a target may have; larger targets are scaled down. */
  maxGrossExposure: positive.optional(),
  /** Largest |shares·price| in any one symbol; larger targets are scaled down (all legs alike). */
  maxPositionValue: positive.optional(),
  /** Loss since the day's first bar (marked to the close) that flattens and blocks trading for the day. */
  dailyLossLimit: positive.optional(),
  /** A bar older than this (receipt time − bar time) is not traded on: orders refused. */
  maxBarAgeMs: positive.optional(),
  /** No bar for this long (wall clock) marks the feed stale: logged and shown by `status`. */
  staleAfterMs: positive.optional(),
  /** If this file exists (checked on every bar), flatten and stop: the kill switch. */
  killFile: z.string().min(1).optional(),
});

export const pairingSchema = z.strictObject({
  /**
   * A bar whose legs have not all arrived this long (wall clock) after its first leg, or when a
   * leg has already moved on to a later bar, is resolved by `missingLeg`.
   */
  timeoutMs: positive.default(5_000),
  /**
   * A bar stamped more than this far ahead of the clock has an implausible time: malformed,
   * logged and skipped (default one day, for feeds that stamp a day's bar ahead of its close).
   */
  maxFutureMs: positive.default(86_400_000),
  /** 'skip': drop the incomplete bar; 'flatten': drop it and go flat on the next complete bar. */
  missingLeg: z.enum(['skip', 'flatten']).default('skip'),
});

/**
 * The zod schema of a paper session's configuration (paper.json): strategy, symbols, orders,
 * risk limits and backtest conventions; parsing fills every default and refuses unknown keys.
 */
export const paperConfigSchema = z.strictObject({
  /** A strategy preset name, or a strategy input (`{ preset, rule: {…} }`, or every part). */
  strategy: z.union([z.string(), z.record(z.string(), z.unknown())]).default('kalman-pair'),
  /** Symbols of the legs in the strategy's order (dependent leg first). */
  symbols: z.array(z.string().min(1)).min(1),
  /** Execution, costs, returns, capital: exactly the backtest's options (docs/strategies.md). */
  backtest: z.record(z.string(), z.unknown()).default({}),
  orders: ordersSchema.prefault({}),
  risk: riskSchema.prefault({}),
  pairing: pairingSchema.prefault({}),
});

/** A paper configuration as written (defaults may be left out): the input of {@link paperConfigSchema}. */
export type PaperConfigInput = z.input<typeof paperConfigSchema>;
/** The `orders` section of a paper configuration, resolved: lot size and smallest traded change. */
export type OrdersConfig = z.output<typeof ordersSchema>;
/** The `risk` section of a paper configuration (limits the order gate enforces), resolved. */
export type RiskConfig = z.output<typeof riskSchema>;
/** The `pairing` section of a paper configuration, resolved: how long to wait for a bar's legs, and what to do when one is missing. */
export type PairingConfig = z.output<typeof pairingSchema>;

/** A validated configuration with the strategy and backtest options resolved. */
export interface PaperConfig {
  symbols: string[];
  strategy: StrategySpec;
  options: ResolvedBacktestOptions;
  orders: OrdersConfig;
  risk: RiskConfig;
  pairing: PairingConfig;
  /** The configuration as given (recorded in the journal). */
  input: z.output<typeof paperConfigSchema>;
}

/**
 * Validates a configuration. A strategy named by a backtest preset (`chan-2013-ex3.3`) also
 * takes that preset's execution, costs and returns, as `backtest()` does.
 * @throws LiveConfigError naming the parameter.
 */
export function resolvePaperConfig(input: unknown): PaperConfig {
  const parsed = paperConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    let path = issue.path.map(String).join('.') || 'config';
    if (issue.code === 'unrecognized_keys') {
      path = `${path === 'config' ? '' : `${path}.`}${(issue as { keys: string[] }).keys[0]}`;
      throw new LiveConfigError(path, 'unknown parameter');
    }
    throw new LiveConfigError(path, issue.message);
  }
  const c = parsed.data;
  try {
    const preset = typeof c.strategy === 'string' ? BACKTEST_PRESETS[c.strategy] : undefined;
    const strategy = resolveStrategy(
      preset
        ? preset.strategy
        : ((typeof c.strategy === 'string' ? c.strategy : c.strategy) as StrategyInput),
    );
    const options = resolveBacktestOptions(
      { ...(c.backtest as object), symbols: c.symbols },
      preset ? preset.options : {},
    );
    if (legsOf(strategy) !== c.symbols.length)
      throw new LiveConfigError(
        'symbols',
        `the strategy trades ${legsOf(strategy)} legs but ${c.symbols.length} symbols were given (${c.symbols.join(', ')})`,
      );
    if (new Set(c.symbols).size !== c.symbols.length)
      throw new LiveConfigError('symbols', `a symbol is given twice (${c.symbols.join(', ')})`);
    return {
      symbols: c.symbols,
      strategy,
      options,
      orders: c.orders,
      risk: c.risk,
      pairing: c.pairing,
      input: c,
    };
  } catch (e) {
    if (e instanceof StrategyError) {
      const where = ['execution', 'costs', 'returns', 'capital', 'periodsPerYear', 'riskFreeRate'].some((k) =>
        e.parameter.startsWith(k),
      )
        ? 'backtest'
        : 'strategy';
      throw new LiveConfigError(`${where}.${e.parameter}`, e.message.slice(e.parameter.length + 2));
    }
    throw e;
  }
}
