/**
 * Strategy configuration: the JSON-able spec of a spread model × normaliser × rule × sizing,
 * its validation (one zod schema, shared with config files), the presets, and the factory.
 */
import { z } from 'zod';
import { MeanReversionStrategy } from './meanReversion.js';
import {
  FixedNormaliser,
  FrozenNormaliser,
  KalmanNormaliser,
  RollingNormaliser,
  type Normaliser,
} from './normalise.js';
import { BandRule, LinearRule, type Rule } from './rules.js';
import { CapitalSizing, EqualDollarSizing, UnitSizing, type Sizing } from './sizing.js';
import {
  KalmanFairValueSpread,
  KalmanHedgeSpread,
  RatioSpread,
  RollingOlsSpread,
  StaticHedgeSpread,
  type SpreadModel,
} from './spread.js';
import { StrategyError } from './types.js';

const positive = z.number().positive();
const transform = z.enum(['price', 'log']).default('price');
/** The longest window a strategy may ask for: its buffers are allocated at full length. */
export const MAX_WINDOW = 10_000_000;
const lookback = z.number().int().min(2).max(MAX_WINDOW);
const startBar = z.number().int().min(0).max(MAX_WINDOW).optional();

/** Spread model specs, one per `type`. */
export const spreadSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('kalman-hedge'),
    /** δ: state drift; state noise δ/(1−δ)·I. */
    delta: z.number().gt(0).lt(1).default(1e-4),
    /** Vₑ: observation noise variance. */
    observationVariance: positive.default(1e-3),
    /** Initial covariance of [β, α] (times I); Chan uses 0. */
    initialCovariance: z.number().min(0).default(0),
    transform,
  }),
  z.strictObject({
    type: z.literal('kalman-fair-value'),
    transitionCovariance: positive.default(0.01),
    observationCovariance: positive.default(1),
    initialCovariance: z.number().min(0).default(1),
    /** Learn Q and R by EM on the first `warmup` bars; `false` keeps the given values. */
    learn: z
      .union([
        z.strictObject({
          warmup: z.number().int().min(10).max(MAX_WINDOW),
          nIter: z.number().int().min(1).max(100_000).default(10),
        }),
        z.literal(false),
      ])
      .default(false),
    signal: z.enum(['fair-value', 'residual']).default('fair-value'),
    transform,
  }),
  z.strictObject({
    type: z.literal('rolling-ols'),
    lookback: lookback.min(3).default(20),
    /**
     * 'subtract' (default): spread = y − βx − α, the residual; 'keep': the same fit, spread =
     * y − βx (the level left in); 'none': a regression through the origin, spread = y − βx.
     */
    intercept: z.enum(['subtract', 'keep', 'none']).optional(),
    transform,
  }),
  z.strictObject({
    type: z.literal('static'),
    /** 'ols', 'johansen' (fitted on the first trainBars bars), or 'fixed' (the weights given). */
    method: z.enum(['ols', 'johansen', 'fixed']).default('ols'),
    /** Bars the fit uses: the first trainBars, or 'all' (the whole sample: with fit 'in-sample' only). */
    trainBars: z.union([z.number().int().min(10).max(MAX_WINDOW), z.literal('all')]).default(252),
    legs: z.number().int().min(2).default(2),
    /** OLS with a constant (default true); its intercept is subtracted from the spread. */
    constant: z.boolean().optional(),
    /** 'fixed': the weight of each leg (shares, or dollars on log prices, per unit). */
    weights: z.array(z.number().finite()).min(2).optional(),
    /** 'fixed': subtracted from w · p. */
    intercept: z.number().finite().optional(),
    /**
     * 'train' (default): trade after the training window with the weights fitted on it;
     * 'in-sample': trade from the first bar with them (look-ahead: labelled in every result).
     */
    fit: z.enum(['train', 'in-sample']).optional(),
    transform,
  }),
  z.strictObject({ type: z.literal('ratio'), transform }),
]);

/** Normaliser specs. */
export const normaliserSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('rolling'),
    /** Bars, or 'half-life': the static spread's half-life over its fitting window, rounded. */
    lookback: z.union([lookback, z.literal('half-life')]).default(20),
    std: z.enum(['sample', 'population']).default('sample'),
    /** The first bar scored (earlier bars only warm the spread model). */
    start: startBar,
  }),
  z.strictObject({
    type: z.literal('frozen'),
    trainBars: lookback.default(252),
    start: startBar,
    /**
     * 'train' (default): no signal during training; 'in-sample': the training window's mean and
     * std also score the training bars (look-ahead there: labelled in every result).
     */
    fit: z.enum(['train', 'in-sample']).optional(),
  }),
  z.strictObject({
    type: z.literal('fixed'),
    centre: z.number().finite(),
    scale: z.number().finite().positive(),
    start: startBar,
  }),
  z.strictObject({ type: z.literal('kalman') }),
]);

/** Rule specs. */
export const ruleSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('bands'),
    entryZ: positive.default(1.5),
    exitZ: z.number().min(0).default(0),
    stopZ: positive.optional(),
    maxHoldBars: z.number().int().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('linear'),
    zPerUnit: positive.default(1),
    /** The cap on |units|; null: uncapped (Chan's linear rule). */
    maxUnits: positive.nullable().default(1),
  }),
]);

/** Sizing specs. */
export const sizingSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('units') }),
  z.strictObject({ type: z.literal('capital'), capital: positive.default(100_000) }),
  /** One unit is `dollars` long or short in each leg, re-balanced to equal dollars every bar. */
  z.strictObject({ type: z.literal('equal-dollar'), dollars: positive.default(1) }),
]);

/** A complete strategy spec (every component given; defaults filled in by parsing). */
export const strategySchema = z.strictObject({
  spread: spreadSchema,
  normaliser: normaliserSchema,
  rule: ruleSchema,
  sizing: sizingSchema,
});

/** A resolved spread model: how leg prices become the value that is scored (`spread` of a spec). */
export type SpreadSpec = z.output<typeof spreadSchema>;
/** A resolved normaliser: how the spread value becomes a z-score (`normaliser` of a spec). */
export type NormaliserSpec = z.output<typeof normaliserSchema>;
/** A resolved trading rule: how z-scores become target units of the spread (`rule` of a spec). */
export type RuleSpec = z.output<typeof ruleSchema>;
/** A resolved sizing: how target units become shares of each leg (`sizing` of a spec). */
export type SizingSpec = z.output<typeof sizingSchema>;
/** A validated strategy spec with every default filled in. */
export type StrategySpec = z.output<typeof strategySchema>;

/** The strategy presets. */
export type StrategyPresetName = 'kalman-single' | 'kalman-pair' | 'chan-2013-ex3.3';

/**
 * What a user writes: an optional preset plus any components to change. A component given
 * without `type` (or with the preset's type) is merged into the preset's; another type
 * replaces it.
 */
export interface StrategyInput {
  preset?: StrategyPresetName;
  spread?: Record<string, unknown>;
  normaliser?: Record<string, unknown>;
  rule?: Record<string, unknown>;
  sizing?: Record<string, unknown>;
}

/** Chan's Example 3.3 strategy: the Kalman hedge ratio, its forecast error, bands at ±√Q_t. */
const CHAN_PAIR = {
  spread: { type: 'kalman-hedge', delta: 1e-4, observationVariance: 1e-3, initialCovariance: 0 },
  normaliser: { type: 'kalman' },
  rule: { type: 'bands', entryZ: 1, exitZ: 1 },
} as const;

/** The presets' strategy parts (backtest conventions of a preset live with the backtester). */
export const STRATEGY_PRESETS: Record<StrategyPresetName, { description: string; spec: StrategyInput }> = {
  'kalman-single': {
    description:
      'One asset: its Kalman fair value (local level, noise learned by EM on the first 60 bars) scored against the price’s 20-bar mean and std; enter beyond ±1.5, exit at the mean',
    spec: {
      spread: { type: 'kalman-fair-value', learn: { warmup: 60, nIter: 10 } },
      normaliser: { type: 'rolling', lookback: 20 },
      rule: { type: 'bands', entryZ: 1.5, exitZ: 0 },
      sizing: { type: 'capital' },
    },
  },
  'kalman-pair': {
    description:
      'A pair with a Kalman dynamic hedge ratio (δ = 1e-4, Vₑ = 1e-3); trade the forecast error beyond ±1·√Q_t, exit at the same band (Chan 2013, Example 3.3)',
    spec: { ...CHAN_PAIR, sizing: { type: 'capital' } },
  },
  'chan-2013-ex3.3': {
    description:
      'kalman-pair exactly as in Chan (2013), Example 3.3: one unit = 1 share of y and β shares of x',
    spec: { ...CHAN_PAIR, sizing: { type: 'units' } },
  },
};

/** The `type`s each component may name. */
const COMPONENT_TYPES = {
  spread: spreadSchema,
  normaliser: normaliserSchema,
  rule: ruleSchema,
  sizing: sizingSchema,
} as const;

function typesOf(key: keyof typeof COMPONENT_TYPES): string[] {
  return COMPONENT_TYPES[key].options.map((o) => String(o.shape.type.value));
}

/** `spread.type: unknown type "x", expected one of …` for a component of no known type. */
function checkType(key: keyof typeof COMPONENT_TYPES, component: Record<string, unknown> | undefined) {
  if (component === undefined || !('type' in component)) return;
  const types = typesOf(key);
  if (!types.includes(component.type as string))
    throw new StrategyError(
      `${key}.type`,
      `unknown type ${JSON.stringify(component.type)}, expected one of ${types.join(', ')}`,
    );
}

function zodToStrategyError(e: z.ZodError, prefix = ''): StrategyError {
  const issue = e.issues[0];
  const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.') || 'strategy';
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    return new StrategyError(`${path}.${keys[0]}`, `unknown parameter`);
  }
  const options = (issue as { options?: unknown[] }).options;
  if (issue.code === 'invalid_union' && Array.isArray(options))
    message = `missing or unknown, expected one of ${options.map(String).join(', ')}`;
  else if (issue.code === 'invalid_union' && 'note' in issue) message = String(issue.note);
  return new StrategyError(path, message);
}

function mergeComponent(
  base: Record<string, unknown> | undefined,
  over: Record<string, unknown> | undefined,
) {
  if (over === undefined) return base;
  if (base === undefined || (over.type !== undefined && over.type !== base.type)) return over;
  return { ...base, ...over };
}

/**
 * Validates a strategy input (preset + overrides) into a complete spec with defaults filled in.
 * @throws StrategyError naming the parameter (`rule.entryZ`, `preset`, …).
 */
export function resolveStrategy(input: StrategyInput | StrategyPresetName): StrategySpec {
  // a bare preset resolves to the same spec every time: validate it once (zod costs more than
  // a short backtest's loop), hand out copies
  const bare =
    typeof input === 'string'
      ? input
      : typeof input === 'object' && input !== null && Object.keys(input).length === 1
        ? input.preset
        : undefined;
  if (bare !== undefined) {
    const cached = PRESET_SPECS.get(bare);
    if (cached !== undefined) return copyPlain(cached);
  }
  const spec = validate(input);
  if (bare !== undefined) PRESET_SPECS.set(bare, copyPlain(spec));
  return spec;
}

const PRESET_SPECS = new Map<string, StrategySpec>();

/** A deep copy of JSON-like data (plain objects, arrays, primitives). */
function copyPlain<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(copyPlain) as T;
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = copyPlain((v as Record<string, unknown>)[k]);
  return out as T;
}

function validate(input: StrategyInput | StrategyPresetName): StrategySpec {
  const given: StrategyInput = typeof input === 'string' ? { preset: input } : input;
  if (typeof given !== 'object' || given === null)
    throw new StrategyError('strategy', `expected a preset name or an object, got ${String(given)}`);
  for (const key of Object.keys(given))
    if (!['preset', 'spread', 'normaliser', 'rule', 'sizing'].includes(key))
      throw new StrategyError(key, 'unknown parameter; expected preset, spread, normaliser, rule or sizing');
  let base: StrategyInput = {};
  if (given.preset !== undefined) {
    const preset = STRATEGY_PRESETS[given.preset];
    if (preset === undefined)
      throw new StrategyError(
        'preset',
        `unknown preset "${String(given.preset)}"; expected one of ${Object.keys(STRATEGY_PRESETS).join(', ')}`,
      );
    base = preset.spec;
  }
  const merged = {
    spread: mergeComponent(base.spread, given.spread),
    normaliser: mergeComponent(base.normaliser, given.normaliser),
    rule: mergeComponent(base.rule, given.rule),
    sizing: mergeComponent(base.sizing, given.sizing) ?? { type: 'units' },
  };
  // an unknown type is the likelier mistake than a missing component: report it first
  for (const key of ['spread', 'normaliser', 'rule', 'sizing'] as const) checkType(key, given[key]);
  for (const key of ['spread', 'normaliser', 'rule'] as const)
    if (merged[key] === undefined) throw new StrategyError(key, 'missing (give a preset or this component)');
  const parsed = strategySchema.safeParse(merged);
  if (!parsed.success) throw zodToStrategyError(parsed.error);
  const spec = parsed.data;
  if (
    spec.normaliser.type === 'kalman' &&
    spec.spread.type !== 'kalman-hedge' &&
    spec.spread.type !== 'kalman-fair-value'
  )
    throw new StrategyError(
      'normaliser.type',
      `'kalman' scores a Kalman forecast error, but spread.type '${spec.spread.type}' has none; use 'rolling' or 'frozen'`,
    );
  checkStatic(spec);
  if (spec.rule.type === 'bands') {
    if (spec.rule.exitZ > spec.rule.entryZ)
      throw new StrategyError(
        'rule.exitZ',
        `must not exceed entryZ (${spec.rule.entryZ}), got ${spec.rule.exitZ}`,
      );
    if (spec.rule.stopZ !== undefined && spec.rule.stopZ <= spec.rule.entryZ)
      throw new StrategyError(
        'rule.stopZ',
        `must exceed entryZ (${spec.rule.entryZ}), got ${spec.rule.stopZ}`,
      );
  }
  return spec;
}

/** The static spread's and the normaliser's combinations that cannot work, named. */
function checkStatic(spec: StrategySpec): void {
  const sp = spec.spread;
  const n = spec.normaliser;
  if (sp.type === 'static') {
    if (sp.method === 'fixed') {
      if (sp.weights === undefined)
        throw new StrategyError('spread.weights', "method 'fixed' needs the weight of each leg");
      sp.legs = sp.weights.length;
      if (sp.fit !== undefined)
        throw new StrategyError('spread.fit', "method 'fixed' fits nothing: leave fit out");
    } else {
      if (sp.weights !== undefined || sp.intercept !== undefined)
        throw new StrategyError(
          `spread.${sp.weights !== undefined ? 'weights' : 'intercept'}`,
          `given weights need method 'fixed' (method is '${sp.method}')`,
        );
      if (sp.trainBars === 'all' && sp.fit !== 'in-sample')
        throw new StrategyError(
          'spread.trainBars',
          "'all' fits on the whole sample, which only fit 'in-sample' (look-ahead) can trade; give a number of bars",
        );
    }
    if (sp.constant !== undefined && sp.method !== 'ols')
      throw new StrategyError('spread.constant', `applies to method 'ols' (method is '${sp.method}')`);
  }
  if (n.type === 'rolling' && n.lookback === 'half-life' && !(sp.type === 'static' && sp.method !== 'fixed'))
    throw new StrategyError(
      'normaliser.lookback',
      "'half-life' is the half-life of a static spread over its fitting window: use spread.type 'static' with method 'ols' or 'johansen'",
    );
}

/** Whether a spec fits a part on bars it then trades (look-ahead: a backtest labels it). */
export function fitsInSample(spec: StrategySpec): boolean {
  return (
    (spec.spread.type === 'static' && spec.spread.fit === 'in-sample') ||
    (spec.normaliser.type === 'frozen' && spec.normaliser.fit === 'in-sample')
  );
}

/**
 * The spec with its capital sizing (if any) at `capital`: a sleeve of a book sizes its trades on
 * its own capital. Other sizings are returned as they are.
 */
export function atCapital(spec: StrategySpec, capital: number): StrategySpec {
  return spec.sizing.type === 'capital' ? { ...spec, sizing: { type: 'capital', capital } } : spec;
}

/** Number of legs (price series) a spec trades. */
export function legsOf(spec: StrategySpec): number {
  switch (spec.spread.type) {
    case 'kalman-fair-value':
      return 1;
    case 'static':
      return spec.spread.legs;
    default:
      return 2;
  }
}

/** The smallest number of bars before the strategy can signal (training and windows). */
export function warmupBars(spec: StrategySpec): number {
  const s = spec.spread;
  const spreadBars =
    s.type === 'rolling-ols'
      ? s.lookback
      : s.type === 'static'
        ? s.method === 'fixed' || s.fit === 'in-sample' || s.trainBars === 'all'
          ? 1
          : s.trainBars
        : s.type === 'kalman-fair-value' && s.learn
          ? s.learn.warmup
          : 1;
  const n = spec.normaliser;
  // a half-life lookback is known once the spread is fitted: at least 2 bars
  const normBars =
    n.type === 'rolling'
      ? n.lookback === 'half-life'
        ? 2
        : n.lookback
      : n.type === 'frozen'
        ? n.trainBars + (n.fit === 'in-sample' ? 0 : 1)
        : 0;
  const start = 'start' in n && n.start !== undefined ? n.start : 0;
  return Math.max(spreadBars, start + 1) + Math.max(normBars - 1, 0);
}

function spreadModel(s: SpreadSpec): SpreadModel {
  switch (s.type) {
    case 'kalman-hedge':
      return new KalmanHedgeSpread(s.delta, s.observationVariance, s.initialCovariance, s.transform);
    case 'kalman-fair-value':
      return new KalmanFairValueSpread(s);
    case 'rolling-ols':
      return new RollingOlsSpread(s.lookback, s.transform, s.intercept ?? 'subtract');
    case 'static':
      if (s.fit === 'in-sample' || s.trainBars === 'all')
        throw new StrategyError(
          'spread.fit',
          "'in-sample' fits the weights on bars it then trades (look-ahead): only a backtest over the whole sample can run it",
        );
      return new StaticHedgeSpread({
        legs: s.legs,
        method: s.method,
        trainBars: s.trainBars,
        constant: s.constant ?? true,
        ...(s.weights ? { weights: s.weights } : {}),
        ...(s.intercept !== undefined ? { intercept: s.intercept } : {}),
        transform: s.transform,
      });
    case 'ratio':
      return new RatioSpread(s.transform);
  }
}

function normaliser(n: NormaliserSpec): Normaliser {
  switch (n.type) {
    case 'rolling':
      return new RollingNormaliser(n.lookback, n.std, n.start ?? 0);
    case 'frozen':
      if (n.fit === 'in-sample')
        throw new StrategyError(
          'normaliser.fit',
          "'in-sample' scores the training bars with their own mean and std (look-ahead): only a backtest over the whole sample can run it",
        );
      return new FrozenNormaliser(n.trainBars, n.start ?? 0);
    case 'fixed':
      return new FixedNormaliser(n.centre, n.scale, n.start ?? 0);
    case 'kalman':
      return new KalmanNormaliser();
  }
}

function rule(r: RuleSpec): Rule {
  return r.type === 'bands'
    ? new BandRule(r.entryZ, r.exitZ, r.stopZ, r.maxHoldBars)
    : new LinearRule(r.zPerUnit, r.maxUnits ?? Infinity);
}

function sizing(s: SizingSpec): Sizing {
  switch (s.type) {
    case 'units':
      return new UnitSizing();
    case 'capital':
      return new CapitalSizing(s.capital);
    case 'equal-dollar':
      return new EqualDollarSizing(s.dollars);
  }
}

/**
 * A fresh strategy (its own state) from a preset name, a preset with overrides, or a full spec.
 * @example createStrategy('kalman-pair')
 * @example createStrategy({ preset: 'kalman-single', rule: { entryZ: 2 } })
 * @throws StrategyError naming an unknown preset or an invalid parameter.
 */
export function createStrategy(
  input: StrategyInput | StrategyPresetName | StrategySpec,
): MeanReversionStrategy {
  return buildStrategy(resolveStrategy(input as StrategyInput));
}

/** A fresh strategy from a spec already validated by {@link resolveStrategy}. @internal */
export function buildStrategy(spec: StrategySpec): MeanReversionStrategy {
  return new MeanReversionStrategy(
    spreadModel(spec.spread),
    normaliser(spec.normaliser),
    rule(spec.rule),
    sizing(spec.sizing),
  );
}
