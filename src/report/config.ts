/**
 * The run configuration: one zod schema for `kalrev backtest --config FILE.json` and for the
 * `run.json` a run writes, and its resolution (defaults < preset < config file < command-line
 * flags) into a complete, reproducible run: the data file, the legs, the full strategy spec and
 * the full backtest options.
 */
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { KalrevError } from '../errors.js';
import {
  BACKTEST_PRESETS,
  backtestOptionsSchema,
  resolveBacktestOptions,
  type BacktestOptions,
  type ResolvedBacktestOptions,
} from '../backtest/index.js';
import {
  STRATEGY_PRESETS,
  StrategyError,
  resolveStrategy,
  strategySchema,
  type StrategyInput,
  type StrategySpec,
} from '../strategy/index.js';

/** A configuration value is invalid; the message names the file and the key. */
export class ConfigError extends KalrevError {
  override name = 'ConfigError';
}

/** Every preset a run may name: the strategy presets and the backtest presets. */
export const PRESET_NAMES = [
  ...new Set([...Object.keys(STRATEGY_PRESETS), ...Object.keys(BACKTEST_PRESETS)]),
] as [string, ...string[]];

const component = z.record(z.string(), z.unknown());

/**
 * The configuration file (and `run.json`). Strategy components and backtest options are
 * validated by the library's own schemas (`strategySchema`, `backtestOptionsSchema`) once they
 * are merged with the preset, so a config file may change one parameter of a preset.
 */
export const runConfigSchema = z.strictObject({
  /** The kalrev version that wrote the file (informational). */
  kalrev: z.string().optional(),
  /**
   * Price data: a CSV or Parquet file or a folder of per-symbol files. A relative path is
   * relative to the config file's folder.
   */
  data: z.string().min(1).optional(),
  /** The legs, dependent leg first. */
  symbols: z.array(z.string().min(1)).min(1).optional(),
  /** A strategy preset (`kalman-single`, `kalman-pair`) or a backtest preset (`chan-2013-ex3.3`). */
  preset: z.enum(PRESET_NAMES).optional(),
  /** Strategy components (a full spec, or changes to the preset's). */
  strategy: z
    .strictObject({
      preset: z.enum(Object.keys(STRATEGY_PRESETS) as [string, ...string[]]).optional(),
      spread: component.optional(),
      normaliser: component.optional(),
      rule: component.optional(),
      sizing: component.optional(),
    })
    .optional(),
  /** Backtest options (`execution`, `costs`, `returns`, `capital`, …). */
  options: z.record(z.string(), z.unknown()).optional(),
  /** Data repairs (none by default; every repair is reported). */
  repair: z
    .strictObject({
      sort: z.boolean().optional(),
      dropDuplicates: z.boolean().optional(),
      dropNonPositive: z.boolean().optional(),
      forwardFill: z.number().int().min(1).optional(),
    })
    .optional(),
});

export type RunConfig = z.infer<typeof runConfigSchema>;

/** A complete run: what `run.json` holds (with `data` made relative to the run folder). */
export interface ResolvedRun {
  kalrev?: string;
  /** The data path, as given (a config file's relative path is made relative to the cwd). */
  data: string;
  symbols: string[];
  /** The preset the run started from (informational: `strategy` and `options` are complete). */
  preset?: string;
  strategy: StrategySpec;
  options: Omit<ResolvedBacktestOptions, 'symbols'>;
  repair?: RunConfig['repair'];
}

/** The schema of a resolved run, for checking `run.json` files written by kalrev. */
export const resolvedRunSchema = runConfigSchema.extend({
  data: z.string().min(1),
  symbols: z.array(z.string().min(1)).min(1),
  strategy: strategySchema,
  options: backtestOptionsSchema.omit({ symbols: true }),
});

function issuePath(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = (issue as { keys: string[] }).keys[0];
    return path ? `${path}.${key}` : key;
  }
  return path || 'config';
}

/**
 * Validates a parsed configuration object.
 * @param source the file it came from, for messages.
 * @throws ConfigError `FILE: key.path: problem`.
 */
export function parseRunConfig(value: unknown, source: string): RunConfig {
  const parsed = runConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issuePath(issue);
    const what =
      issue.code !== 'unrecognized_keys'
        ? issue.message
        : key in backtestOptionsSchema.shape
          ? `unknown key; backtest options go under "options", e.g. {"options": {"${key}": …}}`
          : 'unknown key';
    throw new ConfigError(`${source}: ${key}: ${what}`);
  }
  const config = parsed.data;
  if (config.data !== undefined && !isAbsolute(config.data))
    config.data = resolve(dirname(source), config.data);
  return config;
}

/** Command-line changes on top of a config: the same shape as the file. */
export type RunOverrides = RunConfig;

type ComponentKey = 'spread' | 'normaliser' | 'rule' | 'sizing';

function mergeComponent(
  base: Record<string, unknown> | undefined,
  over: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (over === undefined) return base;
  if (base === undefined || (over.type !== undefined && base.type !== undefined && over.type !== base.type))
    return over;
  return { ...base, ...over };
}

/**
 * Resolves a configuration plus overrides into a complete run. The preset (if any) supplies the
 * strategy and, for a backtest preset, the execution, cost and return conventions; the config
 * file and then the overrides change them.
 * @param defaults used for what neither gives: the data path and the preset.
 * @throws ConfigError / StrategyError naming the parameter.
 */
export function resolveRun(
  config: RunConfig,
  overrides: RunOverrides,
  defaults: { data: string; preset: (symbols: number | undefined) => string },
  source?: string,
): ResolvedRun {
  try {
    return resolveRunUnchecked(config, overrides, defaults);
  } catch (e) {
    // a bad value from the config file names the file; one from a flag names the flag
    if (e instanceof StrategyError) {
      const flag = flagOf(e.parameter);
      const fromFlags = hasPath(overrides, e.parameter);
      if (fromFlags && flag) {
        const problem = e.message.slice(e.parameter.length + 2);
        const [component, key] = e.parameter.split('.');
        if (problem === 'unknown parameter')
          throw new ConfigError(
            `${flag}: this strategy's ${component} has no ${key}${key === 'lookback' ? ' (its normaliser is not rolling: add --normaliser rolling)' : ''}`,
          );
        throw new ConfigError(`${flag}: ${problem} (${e.parameter})`);
      }
      // otherwise the file: at the value's JSON path when it set it, at the component when it
      // left it out (`strategy.normaliser: missing`)
      if (source && !fromFlags) {
        const root = STRATEGY_KEYS.has(e.parameter.split('.')[0]) ? 'strategy' : 'options';
        throw new ConfigError(`${source}: ${root}.${e.message}`);
      }
    }
    throw e;
  }
}

/** The top-level keys of a strategy input (the rest of a StrategyError's parameters are options). */
const STRATEGY_KEYS = new Set(['preset', 'spread', 'normaliser', 'rule', 'sizing']);

/** The command-line flag of each strategy or option parameter. */
export const FLAGS: Record<string, string> = {
  execution: '--execution',
  returns: '--returns',
  capital: '--capital',
  periodsPerYear: '--periods-per-year',
  riskFreeRate: '--risk-free',
  'costs.commissionBps': '--commission-bps',
  'costs.commissionPerShare': '--commission-per-share',
  'costs.minCommission': '--min-commission',
  'costs.slippageBps': '--slippage-bps',
  'costs.borrowBps': '--borrow-bps',
  'rule.entryZ': '--entry-z',
  'rule.exitZ': '--exit-z',
  'rule.stopZ': '--stop-z',
  'rule.maxHoldBars': '--max-hold',
  'normaliser.lookback': '--lookback',
  'normaliser.type': '--normaliser',
  'spread.delta': '--delta',
  'spread.observationVariance': '--ve',
  'spread.transform': '--transform',
  'sizing.type': '--sizing',
  'sizing.capital': '--trade-capital',
};

function flagOf(parameter: string): string | undefined {
  return FLAGS[parameter];
}

/** Whether a config object sets a dotted parameter (options.* or strategy.*). */
function hasPath(config: RunConfig, parameter: string): boolean {
  const parts = parameter.split('.');
  const roots: unknown[] = [config.options, config.strategy];
  return roots.some((root) => {
    let v: unknown = root;
    for (const p of parts) {
      if (typeof v !== 'object' || v === null || !(p in v)) return false;
      v = (v as Record<string, unknown>)[p];
    }
    return true;
  });
}

function resolveRunUnchecked(
  config: RunConfig,
  overrides: RunOverrides,
  defaults: { data: string; preset: (symbols: number | undefined) => string },
): ResolvedRun {
  const symbols = overrides.symbols ?? config.symbols;
  const preset =
    overrides.preset ??
    config.preset ??
    // a config that names its own spread model builds its own strategy; one that only changes
    // parameters (no spread type) changes the default preset's
    (config.strategy?.spread?.type === undefined ? defaults.preset(symbols?.length) : undefined);
  const backtestPreset = preset !== undefined ? BACKTEST_PRESETS[preset] : undefined;
  const strategyBase: StrategyInput = backtestPreset
    ? backtestPreset.strategy
    : preset !== undefined
      ? { preset: preset as StrategyInput['preset'] }
      : {};
  const input: StrategyInput = { ...strategyBase };
  const fromConfig = config.strategy ?? {};
  const fromFlags = overrides.strategy ?? {};
  if (fromConfig.preset !== undefined) input.preset = fromConfig.preset as StrategyInput['preset'];
  for (const key of ['spread', 'normaliser', 'rule', 'sizing'] as ComponentKey[]) {
    const merged = mergeComponent(fromConfig[key], fromFlags[key]);
    if (merged !== undefined) input[key] = mergeComponent(input[key], merged);
  }
  const strategy = resolveStrategy(input);
  const opts = (source?: Record<string, unknown>): BacktestOptions => (source ?? {}) as BacktestOptions;
  const configOptions = opts(config.options);
  const flagOptions = opts(overrides.options);
  const costs =
    configOptions.costs || flagOptions.costs
      ? { ...(configOptions.costs ?? {}), ...(flagOptions.costs ?? {}) }
      : undefined;
  const options = resolveBacktestOptions(
    { ...configOptions, ...flagOptions, ...(costs ? { costs } : {}) },
    backtestPreset?.options ?? {},
  );
  const { symbols: optionSymbols, ...rest } = options;
  const data = overrides.data ?? config.data ?? defaults.data;
  return {
    data,
    symbols: symbols ?? optionSymbols ?? [],
    ...(preset !== undefined ? { preset } : {}),
    strategy,
    options: rest,
    ...(overrides.repair || config.repair ? { repair: { ...config.repair, ...overrides.repair } } : {}),
  };
}

/**
 * The `run.json` object for a run written to `dir`: the data path relative to that folder, so
 * moving the folder and the data together keeps it reproducible.
 */
export function runJson(run: ResolvedRun, dir: string, version: string): Record<string, unknown> {
  const rel = relative(resolve(dir), run.data);
  return {
    kalrev: version,
    data: rel === '' ? '.' : rel,
    symbols: run.symbols,
    ...(run.preset !== undefined ? { preset: run.preset } : {}),
    strategy: run.strategy,
    options: run.options,
    ...(run.repair ? { repair: run.repair } : {}),
  };
}
