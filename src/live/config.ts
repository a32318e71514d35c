/**
 * Paper trading's parts of a run spec (src/app/spec.ts): order rounding, risk limits and the
 * pairing of a stream's legs, and the resolved configuration the runner takes.
 */
import type { BookLimits } from '../execution/bookLimits.js';
import type { PriceFrame } from '../data/frame.js';
import { z } from 'zod';
import type { ResolvedBacktestOptions } from '../execution/options.js';
import type { StrategySpec } from '../strategy/spec.js';

const positive = z.number().positive();

/** The zod schema of a paper run's `orders` section: order rounding. */
export const ordersSchema = z.strictObject({
  /** Orders are rounded to a multiple of this many shares (0: fractional shares, as the backtest). */
  lotSize: z.number().min(0).default(0),
  /** A leg's change smaller than this many shares is not traded (0: every change is). */
  minTradeShares: z.number().min(0).default(0),
});

/** The zod schema of a paper run's `risk` section: the order gate's limits and the kill switch. */
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

/** The zod schema of a paper run's `pairing` section: how a multi-leg bar is assembled from a stream. */
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

/** The `orders` section of a paper configuration, resolved: lot size and smallest traded change. */
export type OrdersConfig = z.output<typeof ordersSchema>;
/** The `risk` section of a paper configuration (limits the order gate enforces), resolved. */
export type RiskConfig = z.output<typeof riskSchema>;
/** The `pairing` section of a paper configuration, resolved: how long to wait for a bar's legs, and what to do when one is missing. */
export type PairingConfig = z.output<typeof pairingSchema>;

/** One sleeve of a paper book: a pair (dependent leg `y`, hedge leg `x`) and its share of the book. */
export interface SleeveConfig {
  y: string;
  x: string;
  /** Share of the book's capital it is funded with (the weights sum to 1). */
  weight: number;
}

/** A pair a walk-forward selection holds: its pair, its weight and the figures it was picked on. */
export interface PairPicked extends SleeveConfig {
  pvalue: number;
  qvalue: number;
  halfLife: number;
  correlation: number;
  score: number;
  volatility: number;
}

/** One selection of a walk-forward book: how many symbols and pairs it screened, and the pairs it holds, best first. */
export interface PairSelection {
  eligible: number;
  tested: number;
  survivors: number;
  pairs: PairPicked[];
}

/**
 * When a book's sleeves start, for a book that reads a training window first: fixed pairs
 * weighted by the inverse volatility of their spreads over it, or the best pairs of the
 * universe selected on it and again every `rebalance` bars (src/app/paper.ts makes `select`,
 * the selection `kalrev portfolio` runs).
 */
export type BookSchedule =
  | { kind: 'inverse-vol'; train: number }
  | {
      kind: 'walk-forward';
      train: number;
      rebalance: number;
      /** How a pair that leaves the selection ends: at once, or at its exit. */
      onLeave: 'close' | 'exit';
      /** The selection's settings as given (part of the run's identity). */
      settings: Readonly<Record<string, unknown>>;
      /** The selection on a training window (a frame of its `train` bars). */
      select(window: PriceFrame): Promise<PairSelection>;
    };

/** A book of pair sleeves traded in one account: every sleeve runs the run's strategy on its pair. */
export interface BookConfig {
  /**
   * Fixed pairs (a walk-forward book: none; its sleeves come from its selections). With an
   * inverse-vol schedule their weights are set when the window has been read (given as 0).
   */
  sleeves: SleeveConfig[];
  /** The book's limits (`kalrev portfolio`'s), fitted on every bar as the backtest fits them. */
  limits?: BookLimits;
  /** Sleeves that start after a training window (none: the fixed pairs trade from the first live bar). */
  schedule?: BookSchedule;
}

/**
 * A paper run's resolved configuration (src/app/paper.ts resolves it from the run spec): the
 * legs, the strategy spec, the execution options, and the orders, risk and pairing settings.
 */
export interface PaperConfig {
  /** The legs the run trades (a book's: every sleeve's, each once, in the order the pairs name them). */
  symbols: string[];
  strategy: StrategySpec;
  options: ResolvedBacktestOptions;
  /** The broker orders go to, by name (the session's registry knows the names). */
  broker: string;
  orders: OrdersConfig;
  risk: RiskConfig;
  pairing: PairingConfig;
  /** `'rth'`: only bars in the regular trading hours of `options.calendar` are traded; the others are passed over. */
  session?: 'rth';
  /**
   * A book of pair sleeves (a run spec's `portfolio.pairs`): each sleeve trades `strategy` on its
   * pair with its share of `options.capital`; the risk limits apply to the whole book.
   */
  book?: BookConfig;
  /** The configuration as given (recorded in the journal; orders, risk and pairing may change). */
  input: Readonly<Record<string, unknown>>;
}
