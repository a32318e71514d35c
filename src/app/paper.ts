/**
 * A paper run's configuration from a run spec: the same `--config` file (or `run.json`) and
 * flags as a backtest, plus the paper-only sections (orders, risk, pairing).
 */
import { ordersSchema, pairingSchema, riskSchema, type PaperConfig } from '../live/config.js';
import { legsOf } from '../strategy/spec.js';
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
 * The paper configuration of a resolved run spec.
 * @param input the configuration as given (recorded in the journal).
 * @throws ConfigError when the legs are missing, repeated or do not fit the strategy.
 */
export function paperConfig(spec: RunSpec, input: Record<string, unknown>, source?: string): PaperConfig {
  const at = source ? `${source}: ` : '';
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
