/**
 * Run presets: a strategy preset, or a backtest preset that pins a publication's whole setup
 * (strategy, execution, costs, returns and the legs it was published on). Applied once, by the
 * run spec's resolver (./spec.ts).
 */
import type { BacktestOptions } from '../execution/options.js';
import { STRATEGY_PRESETS, type StrategyInput } from '../strategy/spec.js';

/** A preset that pins a complete setup: the strategy and the backtest conventions. */
export interface BacktestPreset {
  description: string;
  strategy: StrategyInput;
  options: BacktestOptions;
  /**
   * The legs it was published on (dependent first): a run given no symbols trades them when the
   * data has them, so the preset reproduces its publication on any file holding them.
   */
  legs?: string[];
  /** The bundled data file (in data/) it was published on: a run given no data reads it. */
  data?: string;
  /** The figures the publication prints (its script's, then its text's), for the CLI to show beside the run's. */
  published?: string;
}

/** Chan's scripts: fills at the signal bar's close, no costs, returns on gross exposure. */
const CHAN_OPTIONS = {
  execution: 'close',
  returns: 'gross',
  costs: { commissionBps: 0, commissionPerShare: 0, minCommission: 0, slippageBps: 0, borrowBps: 0 },
} as const;

/**
 * Chan (2013), Examples 3.1–3.2 on GLD/USO: the scripts regress USO on GLD over 20 bars, then
 * drop the first 20 rows before scoring the spread against its 20-bar mean and std and before
 * counting returns (so scoring and metrics start at bar 20).
 */
const GLD_USO = { lookback: 20, start: 20 } as const;
const ex31 = (
  parts: { spread: Record<string, unknown>; rule: Record<string, unknown>; legs: string[] },
  text: { description: string; published: string },
): BacktestPreset => ({
  ...text,
  strategy: {
    spread: parts.spread,
    normaliser: { type: 'rolling', lookback: GLD_USO.lookback, start: GLD_USO.start },
    rule: parts.rule,
    sizing: { type: 'units' },
  },
  legs: parts.legs,
  data: 'gld_uso.csv',
  options: { ...CHAN_OPTIONS, metricsFrom: GLD_USO.start },
});
const LINEAR = { type: 'linear', zPerUnit: 1, maxUnits: null } as const;

/** The named complete setups (`--preset`), such as `'chan-2013-ex3.3'`: a strategy and backtest conventions. */
export const BACKTEST_PRESETS: Record<string, BacktestPreset> = {
  'chan-2013-ex3.3': {
    description:
      'Chan, Algorithmic Trading (2013), Example 3.3 exactly: kalman-pair in units (1 share of y, β of x), filled at the signal bar’s close, no costs, returns on the previous day’s gross exposure',
    strategy: { preset: 'chan-2013-ex3.3' },
    legs: ['EWC', 'EWA'],
    published: 'script APR 0.262252, Sharpe 2.361162; book 26.2 %, 2.4',
    options: CHAN_OPTIONS,
  },
  'chan-2013-ex3.1': ex31(
    { spread: { type: 'rolling-ols', lookback: 20, intercept: 'keep' }, rule: LINEAR, legs: ['USO', 'GLD'] },
    {
      description:
        'Chan, Algorithmic Trading (2013), Example 3.1: USO − β·GLD (β from a 20-day rolling OLS, level kept), held at −z units (20-day z, uncapped), close fills, no costs, gross returns, counted from bar 20',
      published: 'script APR 0.108335, Sharpe 0.589651; book 10.9 %, 0.59',
    },
  ),
  'chan-2013-ex3.1-log': ex31(
    {
      spread: { type: 'rolling-ols', lookback: 20, intercept: 'keep', transform: 'log' },
      rule: LINEAR,
      legs: ['USO', 'GLD'],
    },
    {
      description:
        'Chan (2013), Example 3.1 on log prices: log USO − β·log GLD, one unit = 1 dollar of USO and β dollars of GLD short; otherwise as chan-2013-ex3.1',
      published: 'script APR 0.088863, Sharpe 0.504153; book about 9 %, 0.5',
    },
  ),
  'chan-2013-ex3.1-ratio': ex31(
    { spread: { type: 'ratio' }, rule: LINEAR, legs: ['GLD', 'USO'] },
    {
      description:
        'Chan (2013), Example 3.1 on the price ratio GLD/USO (equal dollars in each leg); otherwise as chan-2013-ex3.1',
      published: 'script APR -0.141522, Sharpe -0.746663; book negative',
    },
  ),
  'chan-2013-ex3.2': ex31(
    {
      spread: { type: 'rolling-ols', lookback: 20, intercept: 'keep' },
      rule: { type: 'bands', entryZ: 1, exitZ: 0 },
      legs: ['USO', 'GLD'],
    },
    {
      description:
        'Chan (2013), Example 3.2: the Example 3.1 spread traded with Bollinger bands, one unit beyond ±1 z, out at the mean',
      published: 'script APR 0.178249, Sharpe 0.964673; book 17.8 %, 0.96',
    },
  ),
  'chan-2013-ex2.8': {
    description:
      'Chan (2013), Example 2.8: the Johansen basket of EWC, EWA and IGE (first eigenvector fitted on the whole sample: look-ahead), held at −z units over a lookback of its rounded half-life (23 days), close fills, no costs, gross returns, every bar counted',
    strategy: {
      spread: { type: 'static', method: 'johansen', legs: 3, trainBars: 'all', fit: 'in-sample' },
      normaliser: { type: 'rolling', lookback: 'half-life' },
      rule: LINEAR,
      sizing: { type: 'units' },
    },
    legs: ['EWC', 'EWA', 'IGE'],
    data: 'ewa_ewc_ige.csv',
    options: CHAN_OPTIONS,
    published: 'script APR 0.125739, Sharpe 1.391310; book 12.5 %, 1.4',
  },
  'chan-2008-ex3.6': {
    description:
      'Chan, Quantitative Trading (2008), Example 3.6: GLD − β·GDX with β from an OLS without a constant on the first 252 days, z from those days’ mean and std (both applied to the training days too: look-ahead there), in beyond ±2, out inside ±1, equal dollars in each leg; Sharpe on days 1–251 (train) and 252 on (test)',
    strategy: {
      spread: { type: 'static', method: 'ols', constant: false, trainBars: 252, fit: 'in-sample' },
      normaliser: { type: 'frozen', trainBars: 252, fit: 'in-sample' },
      rule: { type: 'bands', entryZ: 2, exitZ: 1 },
      sizing: { type: 'equal-dollar', dollars: 1 },
    },
    legs: ['GLD', 'GDX'],
    data: 'gld_gdx_qt.csv',
    options: { ...CHAN_OPTIONS, metricsFrom: 1, split: 252 },
    published: 'script and book: Sharpe about 2.3 train, 1.5 test',
  },
};

/** Every preset a run may name: the strategy presets and the backtest presets. */
export const PRESET_NAMES = [
  ...new Set([...Object.keys(STRATEGY_PRESETS), ...Object.keys(BACKTEST_PRESETS)]),
] as [string, ...string[]];

/** The bundled data file a backtest preset was published on, if any. */
export function presetData(preset: string | undefined): string | undefined {
  return preset !== undefined ? BACKTEST_PRESETS[preset]?.data : undefined;
}

/** The legs of a backtest preset, if it has legs and `available` holds them all. */
export function presetLegs(preset: string | undefined, available: readonly string[]): string[] | undefined {
  const legs = preset !== undefined ? BACKTEST_PRESETS[preset]?.legs : undefined;
  return legs && legs.every((s) => available.includes(s)) ? [...legs] : undefined;
}
