/**
 * A paper run's configuration from a run spec: the same `--config` file (or `run.json`) and
 * flags as a backtest, plus the paper-only sections (orders, risk, pairing).
 */
import {
  ordersSchema,
  pairingSchema,
  riskSchema,
  type BookConfig,
  type PaperConfig,
} from '../live/config.js';
import { hasLimits } from '../execution/bookLimits.js';
import { legsOf } from '../strategy/spec.js';
import { bookLimits, bookWeights } from './book.js';
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
 * A paper book from a run spec's `portfolio` section: fixed pairs, funded equally or with fixed
 * weights from the first bar; its legs are the pairs' symbols, each once, in the order named.
 * @throws ConfigError naming the key: no pairs, a selection (`top`), inverse-vol weights (not
 * traded yet), a pair of one symbol or given twice, weights that do not fit.
 */
function paperBook(spec: RunSpec, p: PortfolioSpec, at: string): { symbols: string[]; book: BookConfig } {
  const key = (k: keyof PortfolioSpec) => `${at}portfolio.${k}`;
  if (spec.symbols.length > 0)
    throw new ConfigError(
      `${at}symbols: a paper book trades the symbols of its pairs (portfolio.pairs); leave "symbols" out`,
    );
  if (p.top !== undefined)
    throw new ConfigError(
      `${key('top')}: paper trading holds fixed pairs; a walk-forward selection is not traded yet (give portfolio.pairs)`,
    );
  if (p.pairs === undefined)
    throw new ConfigError(
      `${key('pairs')}: a paper book needs its pairs, e.g. [["EWA", "EWC"], ["SPY", "IWM"]]`,
    );
  if (p.allocation === 'inverse-vol')
    throw new ConfigError(
      `${key('allocation')}: inverse-vol weights are not traded yet (they need a training window before the first bar); use "equal", or "fixed" with portfolio.weights`,
    );
  if (legsOf(spec.strategy) !== 2)
    throw new ConfigError(
      `${at}strategy: a book's sleeves trade pairs; this strategy trades ${legsOf(spec.strategy)} leg`,
    );
  const weights = bookWeights(p, p.pairs.length, (k) => `portfolio.${k}`, at);
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
  const limits = bookLimits(p);
  return { symbols, book: hasLimits(limits) ? { sleeves, limits } : { sleeves } };
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
  if (spec.session === 'rth')
    throw new ConfigError(
      `${at}session: paper trading trades every bar its feed gives; the regular-hours filter applies to backtests, scans and portfolios (give a feed of regular-hours bars)`,
    );
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
