/**
 * The run spec: one zod schema for everything a run is (its data and legs, the strategy, the
 * execution, costs, returns and capital, the data repairs, and for paper trading its orders,
 * risk limits and pairing), and one resolver that applies the preset once and gives a
 * {@link RunSpec} nothing validates again. `kalrev backtest`, `scan`, `sweep` and `paper` read
 * this shape from `--config` and from their flags, and a backtest writes it as `run.json`.
 *
 * Precedence: defaults < preset < config file < command-line flags.
 */
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { KalrevError } from '../errors.js';
import {
  EXECUTION_KEYS,
  executionOptionsSchema,
  mergeOptions,
  resolveBacktestOptions,
  type BacktestOptions,
  type ResolvedExecutionOptions,
} from '../execution/options.js';
import { ordersSchema, pairingSchema, riskSchema } from '../live/config.js';
import type { OrdersConfig, PairingConfig, RiskConfig } from '../live/config.js';
import {
  STRATEGY_PRESETS,
  resolveStrategy,
  strategySchema,
  type StrategyInput,
  type StrategySpec,
} from '../strategy/spec.js';
import { StrategyError } from '../strategy/types.js';
import { SESSION_HOURS, type SessionHours } from '../data/sessions.js';
import { flagOf } from './flags.js';
import { BACKTEST_PRESETS, PRESET_NAMES } from './presets.js';
import { portfolioSchema, type PortfolioSpec } from './portfolioSpec.js';

/** A configuration value is invalid; the message names the file and the key, or the flag. */
export class ConfigError extends KalrevError {
  override name = 'ConfigError';
}

const component = z.record(z.string(), z.unknown());

/** Data repairs a run asks for (none by default; every repair made is reported). */
export const repairSchema = z.strictObject({
  sort: z.boolean().optional(),
  dropDuplicates: z.boolean().optional(),
  dropNonPositive: z.boolean().optional(),
  forwardFill: z.number().int().min(1).optional(),
});

/** What the report adds to a run: the tear sheet's benchmark and rolling window. */
export const reportSchema = z.strictObject({
  /** A symbol of the run's data to compare the run with (default: buy-and-hold of its legs). */
  benchmark: z.string().min(1).optional(),
  /** Bars of the rolling Sharpe ratio, volatility and β (default 63). */
  rollingWindow: z.number().int().min(2).optional(),
});

/**
 * A run spec as written: a config file, `run.json`, or a command line's flags. Every key is
 * optional. Strategy components and execution options are validated once merged with the
 * preset (a file may change one parameter of a preset).
 */
export const runSpecSchema = z.strictObject({
  /** The kalrev version that wrote the file (informational). */
  kalrev: z.string().optional(),
  /**
   * Price data: a CSV or Parquet file or a folder of per-symbol files. A relative path is
   * relative to the config file's folder.
   */
  data: z.string().min(1).optional(),
  /** The legs, dependent leg first (a scan: the symbols to pair). */
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
  /** Execution options (`execution`, `costs`, `returns`, `capital`, …). */
  options: z.record(z.string(), z.unknown()).optional(),
  /** Data repairs (none by default; every repair is reported). */
  repair: repairSchema.optional(),
  /**
   * Which bars to keep: 'all' (default) or 'rth', the bars in the regular trading hours of
   * `options.calendar` (docs/data.md, "Trading sessions and calendars"); the others are dropped
   * and counted.
   */
  session: z.enum(SESSION_HOURS).optional(),
  /**
   * Paper trading: the broker orders go to, by name (`paper`, the default: simulated fills, as
   * the backtest's); the session knows the names.
   */
  broker: z.string().min(1).optional(),
  /** Paper trading: order rounding. */
  orders: ordersSchema.optional(),
  /** Paper trading: risk limits and the kill switch. */
  risk: riskSchema.optional(),
  /** Paper trading: how a multi-leg bar is assembled from a stream. */
  pairing: pairingSchema.optional(),
  /** A book of pairs (`kalrev portfolio`): fixed pairs or a walk-forward selection, and the funding. */
  portfolio: portfolioSchema.partial().optional(),
  /** The report's tear sheet: its benchmark and rolling window. */
  report: reportSchema.optional(),
});

/** A run spec as a user writes it (a config file, run.json, or flags). */
export type RunSpecInput = z.input<typeof runSpecSchema>;
/** A run spec checked against {@link runSpecSchema} (still to be resolved). */
export type ParsedRunSpec = z.output<typeof runSpecSchema>;

/** A resolved run: every default filled in and validated, the preset applied. */
export interface RunSpec {
  kalrev?: string;
  /** The data path (a config file's relative path made relative to the cwd); none for paper. */
  data?: string;
  /** The legs; empty until the data names them (see `loadRunData`). */
  symbols: string[];
  /** The preset the run started from (informational: `strategy` and `options` are complete). */
  preset?: string;
  strategy: StrategySpec;
  options: ResolvedExecutionOptions;
  repair?: z.output<typeof repairSchema>;
  /** 'rth': only the bars in the calendar's regular trading hours (absent: every bar). */
  session?: SessionHours;
  broker?: string;
  orders?: OrdersConfig;
  risk?: RiskConfig;
  pairing?: PairingConfig;
  portfolio?: PortfolioSpec;
  report?: z.output<typeof reportSchema>;
}

/** The schema of a resolved run, for checking `run.json` files written by kalrev. */
export const resolvedRunSpecSchema = runSpecSchema.extend({
  symbols: z.array(z.string().min(1)).min(1),
  strategy: strategySchema,
  options: executionOptionsSchema,
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
 * Checks a parsed configuration object (a config file or run.json).
 * @param source the file it came from, for messages; a relative `data` path is made relative
 *   to the cwd from that file's folder.
 * @throws ConfigError `FILE: key.path: problem`.
 */
export function parseRunSpec(value: unknown, source?: string): ParsedRunSpec {
  const parsed = runSpecSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issuePath(issue);
    const what =
      issue.code !== 'unrecognized_keys'
        ? issue.message
        : key in executionOptionsSchema.shape
          ? `unknown key; backtest options go under "options", e.g. {"options": {"${key}": …}}`
          : 'unknown key';
    throw new ConfigError(`${source ? `${source}: ` : ''}${key}: ${what}`);
  }
  const config = parsed.data;
  if (source !== undefined && config.data !== undefined && !isAbsolute(config.data))
    config.data = resolve(dirname(source), config.data);
  return config;
}

/** Where a run spec's values come from, lowest precedence first after the preset. */
export interface RunSpecLayers {
  /** A config file's content, checked by {@link parseRunSpec}. */
  file?: ParsedRunSpec;
  /** The file's name, for messages. */
  source?: string;
  /** Command-line values in the same shape (errors in them name their flag). */
  flags?: RunSpecInput;
}

/** What neither the file nor the flags give. */
export interface RunSpecDefaults {
  data?: string;
  /**
   * The preset when none is named and the file does not name its own spread model, by the
   * number of legs given (undefined when none are).
   */
  preset?: (symbols: number | undefined) => string | undefined;
  /** Execution options below a preset's (a scan of closes only fills at the next close). */
  options?: BacktestOptions;
}

type ComponentKey = 'spread' | 'normaliser' | 'rule' | 'sizing';
const COMPONENTS: ComponentKey[] = ['spread', 'normaliser', 'rule', 'sizing'];

function mergeComponent(
  base: Record<string, unknown> | undefined,
  over: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (over === undefined) return base;
  if (base === undefined || (over.type !== undefined && base.type !== undefined && over.type !== base.type))
    return over;
  return { ...base, ...over };
}

/** The spec path of a StrategyError's parameter (`costs.slippageBps` → `options.costs.slippageBps`). */
function specPath(parameter: string): string {
  return `${EXECUTION_KEYS.has(parameter.split('.')[0]) ? 'options' : 'strategy'}.${parameter}`;
}

/** Whether a spec input sets a dotted path. */
function sets(spec: RunSpecInput | undefined, path: string): boolean {
  let v: unknown = spec;
  for (const p of path.split('.')) {
    if (typeof v !== 'object' || v === null || !(p in v)) return false;
    v = (v as Record<string, unknown>)[p];
  }
  return true;
}

/**
 * Resolves a run spec: the preset (if any) supplies the strategy and, for a backtest preset,
 * the execution, cost and return conventions; the config file and then the flags change them.
 * @throws ConfigError naming the flag that set a bad value, or the file and the JSON path.
 */
export function resolveRunSpec(layers: RunSpecLayers, defaults: RunSpecDefaults = {}): RunSpec {
  try {
    return resolveUnchecked(layers.file ?? {}, layers.flags ?? {}, defaults, layers.source);
  } catch (e) {
    if (!(e instanceof StrategyError)) throw e;
    const path = specPath(e.parameter);
    const problem = e.message.slice(e.parameter.length + 2);
    const flag = flagOf(path);
    if (flag !== undefined && sets(layers.flags, path)) {
      const [, comp, key] = path.split('.');
      if (problem === 'unknown parameter')
        throw new ConfigError(
          `${flag}: this strategy's ${comp} has no ${key}${key === 'lookback' ? ' (its normaliser is not rolling: add --normaliser rolling)' : ''}`,
        );
      throw new ConfigError(`${flag}: ${problem} (${e.parameter})`);
    }
    // the file: at the value's JSON path when it set it, at the component when it left it out
    // (`strategy.normaliser: missing`)
    throw new ConfigError(`${layers.source ? `${layers.source}: ` : ''}${path}: ${problem}`);
  }
}

/** The `portfolio` section, the flags' keys over the file's; a bad value names its flag or its key. */
function portfolioSection(
  file: ParsedRunSpec,
  flags: RunSpecInput,
  source: string | undefined,
): { portfolio?: PortfolioSpec } {
  if (!flags.portfolio && !file.portfolio) return {};
  const parsed = portfolioSchema.safeParse({ ...file.portfolio, ...flags.portfolio });
  if (parsed.success) return { portfolio: parsed.data };
  const issue = parsed.error.issues[0];
  const key = issuePath(issue);
  const path = `portfolio.${key}`;
  const flag = flagOf(path);
  const fromFlags = flags.portfolio !== undefined && key in flags.portfolio;
  throw new ConfigError(
    fromFlags && flag !== undefined
      ? `${flag}: ${issue.message}`
      : `${source ? `${source}: ` : ''}${path}: ${issue.message}`,
  );
}

/** The `report` section, the flags' keys over the file's; a bad value names its flag or its key. */
function reportSection(
  file: ParsedRunSpec,
  flags: RunSpecInput,
  source: string | undefined,
): { report?: z.output<typeof reportSchema> } {
  if (!flags.report && !file.report) return {};
  const parsed = reportSchema.safeParse({ ...file.report, ...flags.report });
  if (parsed.success) return { report: parsed.data };
  const issue = parsed.error.issues[0];
  const path = `report.${issuePath(issue)}`;
  const flag = flagOf(path);
  throw new ConfigError(
    flags.report !== undefined && flag !== undefined && path.split('.')[1] in flags.report
      ? `${flag}: ${issue.message}`
      : `${source ? `${source}: ` : ''}${path}: ${issue.message}`,
  );
}

function resolveUnchecked(
  file: ParsedRunSpec,
  flags: RunSpecInput,
  defaults: RunSpecDefaults,
  source?: string,
): RunSpec {
  const symbols = flags.symbols ?? file.symbols;
  const preset =
    flags.preset ??
    file.preset ??
    // a config that names its own spread model builds its own strategy; one that only changes
    // parameters (no spread type) changes the default preset's
    (file.strategy?.spread?.type === undefined && flags.strategy?.spread?.type === undefined
      ? defaults.preset?.(symbols?.length)
      : undefined);
  const backtestPreset = preset !== undefined ? BACKTEST_PRESETS[preset] : undefined;
  const input: StrategyInput = backtestPreset
    ? { ...backtestPreset.strategy }
    : preset !== undefined
      ? { preset: preset as StrategyInput['preset'] }
      : {};
  const fromFile = file.strategy ?? {};
  const fromFlags = flags.strategy ?? {};
  if (fromFlags.preset !== undefined || fromFile.preset !== undefined)
    input.preset = (fromFlags.preset ?? fromFile.preset) as StrategyInput['preset'];
  for (const key of COMPONENTS) {
    const merged = mergeComponent(fromFile[key], fromFlags[key]);
    if (merged !== undefined) input[key] = mergeComponent(input[key], merged);
  }
  const strategy = resolveStrategy(input);
  const { symbols: _legs, ...options } = resolveBacktestOptions(
    mergeOptions((file.options ?? {}) as BacktestOptions, (flags.options ?? {}) as BacktestOptions),
    mergeOptions(defaults.options ?? {}, backtestPreset?.options ?? {}),
  );
  const data = flags.data ?? file.data ?? defaults.data;
  const repair = flags.repair || file.repair ? { ...file.repair, ...flags.repair } : undefined;
  // paper's sections: the flags' keys over the file's (the file's were checked by the schema)
  const section = <T>(
    key: 'orders' | 'risk' | 'pairing' | 'portfolio' | 'report',
    schema: z.ZodType<T>,
  ): { [k: string]: T } =>
    flags[key] || file[key] ? { [key]: schema.parse({ ...file[key], ...flags[key] }) } : {};
  const broker = flags.broker ?? file.broker;
  const session = flags.session ?? file.session;
  return {
    ...(data !== undefined ? { data } : {}),
    symbols: symbols ? [...symbols] : [],
    ...(preset !== undefined ? { preset } : {}),
    strategy,
    options,
    ...(repair ? { repair } : {}),
    ...(session !== undefined ? { session } : {}),
    ...(broker ? { broker } : {}),
    ...section('orders', ordersSchema),
    ...section('risk', riskSchema),
    ...section('pairing', pairingSchema),
    ...portfolioSection(file, flags, source),
    ...reportSection(file, flags, source),
  };
}

/**
 * The `run.json` object of a run written to `dir`: the data path relative to that folder, so
 * moving the folder and the data together keeps it reproducible. It is a valid `--config` of
 * `backtest`, `scan`, `sweep` and `paper`.
 */
export function runJson(run: RunSpec, dir: string, version: string): Record<string, unknown> {
  const rel = run.data !== undefined ? relative(resolve(dir), run.data) : undefined;
  return {
    kalrev: version,
    ...(rel !== undefined ? { data: rel === '' ? '.' : rel } : {}),
    // a portfolio names no legs: it reads the whole universe
    ...(run.symbols.length > 0 ? { symbols: run.symbols } : {}),
    ...(run.preset !== undefined ? { preset: run.preset } : {}),
    strategy: run.strategy,
    options: run.options,
    ...(run.repair ? { repair: run.repair } : {}),
    ...(run.session !== undefined ? { session: run.session } : {}),
    ...(run.portfolio ? { portfolio: run.portfolio } : {}),
    ...(run.report ? { report: run.report } : {}),
  };
}
