/**
 * A paper run's configuration from a run spec: the same `--config` file (or `run.json`) and
 * flags as a backtest, plus the paper-only sections (orders, risk, pairing).
 */
import {
  ordersSchema,
  pairingSchema,
  riskSchema,
  type BookConfig,
  type PairSelection,
  type PaperConfig,
} from '../live/config.js';
import type { PriceFrame } from '../data/frame.js';
import type { ResolvedBacktestOptions } from '../execution/options.js';
import { allocationWeights, checkSelection, selectPairs, type SelectionOptions } from '../scan/selection.js';
import type { StrategySpec } from '../strategy/spec.js';
import { hasLimits } from '../execution/bookLimits.js';
import { legsOf } from '../strategy/spec.js';
import { bookLimits, bookWeights, selectionOptions } from './book.js';
import type { PortfolioSpec } from './portfolioSpec.js';
import {
  ConfigError,
  parseRunSpec,
  resolveRunSpec,
  type RunSpec,
  type RunSpecInput,
  type RunSpecLayers,
} from './spec.js';

/** The preset of a run that names none: by its number of legs. */
export const defaultPreset = (legs: number | undefined): string =>
  legs === 1 ? 'kalman-single' : 'kalman-pair';

/**
 * A paper book from a run spec's `portfolio` section: fixed pairs (their legs the run's
 * symbols, each once, in the order named) funded equally or with fixed weights from the first
 * live bar, or by the inverse volatility of their spreads once the feed has given a training
 * window; or (`top`) the best pairs of the universe named in `symbols`, selected on each
 * training window as `kalrev portfolio` selects them.
 * @throws ConfigError naming the key: neither pairs nor a selection, a pair of one symbol or
 * given twice, weights that do not fit, a selection without its universe.
 */
function paperBook(spec: RunSpec, p: PortfolioSpec, at: string): { symbols: string[]; book: BookConfig } {
  const key = (k: keyof PortfolioSpec) => `${at}portfolio.${k}`;
  if (legsOf(spec.strategy) !== 2)
    throw new ConfigError(
      `${at}strategy: a book's sleeves trade pairs; this strategy trades ${legsOf(spec.strategy)} leg`,
    );
  const limits = bookLimits(p);
  const withLimits = (book: BookConfig): BookConfig => (hasLimits(limits) ? { ...book, limits } : book);
  if (p.top !== undefined) {
    if (p.pairs !== undefined)
      throw new ConfigError(
        `${at}portfolio.pairs or portfolio.top: a book holds either fixed pairs or the best K of each window; give one`,
      );
    if (p.allocation === 'fixed')
      throw new ConfigError(`${key('allocation')}: fixed weights go with fixed pairs (portfolio.pairs)`);
    const symbols = spec.symbols;
    if (symbols.length < 2)
      throw new ConfigError(
        `${at}symbols: a walk-forward book selects its pairs from the universe named in "symbols" (every symbol the feed carries), e.g. ["EWA", "EWC", "SPY", "IWM"]`,
      );
    if (new Set(symbols).size !== symbols.length)
      throw new ConfigError(`${at}symbols: a symbol is given twice (${symbols.join(', ')})`);
    const possible = (symbols.length * (symbols.length - 1)) / 2;
    if (p.top > possible)
      throw new ConfigError(
        `${key('top')}: top:${p.top} is more than the ${possible} pairs ${symbols.length} symbols can form`,
      );
    const selection = selectionOptions(p);
    checkSelection(selection, Number.MAX_SAFE_INTEGER);
    const strategy = spec.strategy;
    // the options the backtest's selection runs its in-sample backtests with
    const options = spec.options;
    return {
      symbols,
      book: withLimits({
        sleeves: [],
        schedule: {
          kind: 'walk-forward',
          train: p.train,
          rebalance: p.rebalance,
          onLeave: p.onLeave,
          settings: { ...selection },
          select: (window) => selectOnWindow(window, strategy, options, selection),
        },
      }),
    };
  }
  if (spec.symbols.length > 0)
    throw new ConfigError(
      `${at}symbols: a paper book of fixed pairs trades the symbols of its pairs (portfolio.pairs); leave "symbols" out`,
    );
  if (p.pairs === undefined)
    throw new ConfigError(
      `${key('pairs')}: a paper book needs its pairs, e.g. [["EWA", "EWC"], ["SPY", "IWM"]], or a selection (portfolio.top)`,
    );
  const inverse = p.allocation === 'inverse-vol';
  const weights = inverse
    ? p.pairs.map(() => 0)
    : bookWeights(p, p.pairs.length, (k) => `portfolio.${k}`, at);
  if (inverse && p.weights !== undefined)
    throw new ConfigError(`${key('weights')}: weights go with portfolio.allocation fixed, not inverse-vol`);
  const symbols: string[] = [];
  const seen = new Set<string>();
  const sleeves = p.pairs.map(([y, x], i) => {
    if (y === x)
      throw new ConfigError(`${key('pairs')}: pair ${i + 1} (${y},${x}) needs two different symbols`);
    const name = `${y},${x}`;
    if (seen.has(name)) throw new ConfigError(`${key('pairs')}: ${name} is given twice`);
    seen.add(name);
    for (const s of [y, x]) if (!symbols.includes(s)) symbols.push(s);
    return { y, x, weight: weights[i] };
  });
  return {
    symbols,
    book: withLimits(inverse ? { sleeves, schedule: { kind: 'inverse-vol', train: p.train } } : { sleeves }),
  };
}

/** One selection of a walk-forward paper book: `kalrev portfolio`'s, on a frame of the training window. */
async function selectOnWindow(
  window: PriceFrame,
  strategy: StrategySpec,
  options: ResolvedBacktestOptions,
  selection: SelectionOptions,
): Promise<PairSelection> {
  const picked = await selectPairs({ frame: window, at: window.length, strategy, options, selection });
  const weights = allocationWeights(picked.pairs, selection.top, selection.allocation ?? 'equal');
  return {
    eligible: picked.eligible,
    tested: picked.tested,
    survivors: picked.survivors,
    pairs: picked.pairs.map((p, i) => ({ ...p, weight: weights[i] })),
  };
}

/**
 * The paper configuration of a resolved run spec: one strategy on its legs (`symbols`), or a
 * book of fixed pairs (`portfolio.pairs`).
 * @param input the configuration as given (recorded in the journal).
 * @throws ConfigError when the legs are missing, repeated or do not fit the strategy, or the
 * book cannot be traded (naming the key).
 */
export function paperConfig(spec: RunSpec, input: Record<string, unknown>, source?: string): PaperConfig {
  const at = source ? `${source}: ` : '';
  if (spec.options.flattenAtClose && spec.options.execution !== 'close')
    throw new ConfigError(
      `${at}options.flattenAtClose: paper trading flattens at the close with execution 'close' only (the venue fills a close-out at the bar's close); this run's execution is '${spec.options.execution}'`,
    );
  if (spec.portfolio !== undefined) {
    const { symbols, book } = paperBook(spec, spec.portfolio, at);
    return {
      symbols,
      strategy: spec.strategy,
      options: { symbols, ...spec.options },
      broker: spec.broker ?? 'paper',
      orders: spec.orders ?? ordersSchema.parse({}),
      risk: spec.risk ?? riskSchema.parse({}),
      pairing: spec.pairing ?? pairingSchema.parse({}),
      ...(spec.session === 'rth' ? { session: 'rth' as const } : {}),
      book,
      input,
    };
  }
  if (spec.symbols.length === 0)
    throw new ConfigError(
      `${at}symbols: paper trading needs the legs: give --pair Y,X (or --symbol S), or "symbols" in --config`,
    );
  const legs = legsOf(spec.strategy);
  if (legs !== spec.symbols.length)
    throw new ConfigError(
      `${at}symbols: the strategy trades ${legs} leg${legs > 1 ? 's' : ''} but ${spec.symbols.length} symbol${spec.symbols.length === 1 ? ' was' : 's were'} given (${spec.symbols.join(', ')})`,
    );
  if (new Set(spec.symbols).size !== spec.symbols.length)
    throw new ConfigError(`${at}symbols: a symbol is given twice (${spec.symbols.join(', ')})`);
  return {
    symbols: spec.symbols,
    strategy: spec.strategy,
    // the legs first: the journal compares a resumed run's options with the recorded ones as JSON
    options: { symbols: spec.symbols, ...spec.options },
    broker: spec.broker ?? 'paper',
    orders: spec.orders ?? ordersSchema.parse({}),
    risk: spec.risk ?? riskSchema.parse({}),
    pairing: spec.pairing ?? pairingSchema.parse({}),
    ...(spec.session === 'rth' ? { session: 'rth' as const } : {}),
    input,
  };
}

/** Resolves a paper run from a config file's content and flags (see {@link resolveRunSpec}). */
export function resolvePaperLayers(layers: RunSpecLayers): PaperConfig {
  const spec = resolveRunSpec(layers, { preset: defaultPreset });
  const config = paperConfig(spec, {}, layers.flags?.symbols ? undefined : layers.source);
  // what was given, with the sections that may change between runs of a journal as resolved
  config.input = {
    ...(layers.file ?? {}),
    ...(layers.flags ?? {}),
    orders: config.orders,
    risk: config.risk,
    pairing: config.pairing,
  };
  return config;
}

/**
 * Validates a paper-trading configuration: a run spec (`{ preset, symbols, strategy, options,
 * orders, risk, pairing }`, the shape of `run.json` and of `kalrev paper --config`).
 * @throws ConfigError naming the key.
 */
export function resolvePaperConfig(input: unknown): PaperConfig {
  return resolvePaperLayers({ file: parseRunSpec(input) });
}

/** A paper-trading configuration as written: a run spec. */
export type PaperConfigInput = RunSpecInput;
