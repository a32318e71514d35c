/**
 * In-sample fits: a static spread's weights fitted on bars it then trades (`fit: 'in-sample'`),
 * and a frozen normaliser whose training window's mean and std also score that window. Both
 * look ahead, which a strategy run bar by bar cannot do; a backtest, which has the whole sample,
 * fits them here once, before the run, and turns them into parts with the fitted values given
 * (`method: 'fixed'`, a `fixed` normaliser). What was fitted on which bars is returned as
 * look-ahead notes, which every result of the run carries.
 * @internal
 */
import { buildStrategy, type StrategySpec } from './spec.js';
import { halfLifeLookback } from './normalise.js';
import { fitStatic, staticSpreadSeries, tf } from './spread.js';
import { halfLife } from '../stats/halflife.js';
import { StrategyError } from './types.js';
import type { Bar } from './types.js';

/** A spec with its in-sample parts fitted, and what looks ahead. */
export interface InSampleFit {
  /** The spec a strategy can run bar by bar: the fitted values given. */
  spec: StrategySpec;
  /** One sentence per part fitted on bars it scores or trades (empty: no look-ahead). */
  lookAhead: string[];
}

const fmt = (v: number) => Number(v.toPrecision(6)).toString();

/**
 * Fits the in-sample parts of `spec` on the closes `close` (one column per leg, n bars).
 * @throws StrategyError when the fitting window is longer than the data.
 */
export function fitInSample(spec: StrategySpec, close: readonly Float64Array[]): InSampleFit {
  const n = close[0].length;
  const lookAhead: string[] = [];
  let out: StrategySpec = spec;
  const sp = spec.spread;
  if (sp.type === 'static' && sp.method !== 'fixed' && sp.fit === 'in-sample') {
    const bars = sp.trainBars === 'all' ? n : sp.trainBars;
    if (bars > n) throw new StrategyError('spread.trainBars', `is ${bars}, but the data has ${n} bars`);
    const cols = close.map((c) => Float64Array.from(c.subarray(0, bars), (p) => tf(p, sp.transform)));
    const fit = fitStatic(cols, sp.method, sp.constant ?? true);
    const weights = Array.from(fit.weights);
    out = {
      ...out,
      spread: {
        type: 'static',
        method: 'fixed',
        trainBars: 252,
        legs: sp.legs,
        weights,
        intercept: fit.intercept,
        transform: sp.transform,
      },
    };
    lookAhead.push(
      `spread: ${sp.method === 'ols' ? 'OLS' : 'Johansen'} weights [${weights.map(fmt).join(', ')}]${fit.intercept !== 0 ? ` and intercept ${fmt(fit.intercept)}` : ''} fitted on bars 0–${bars - 1}${bars === n ? ' (the whole sample)' : ''} and traded from bar 0`,
    );
    const nm = out.normaliser;
    if (nm.type === 'rolling' && nm.lookback === 'half-life') {
      const h = halfLife(staticSpreadSeries(cols, fit)).halfLife;
      const lookback = halfLifeLookback(h);
      out = { ...out, normaliser: { ...nm, lookback } };
      lookAhead.push(
        `normaliser: lookback ${lookback} bars, the spread's half-life (${fmt(h)}) over bars 0–${bars - 1}`,
      );
    }
  }
  const nm = out.normaliser;
  if (nm.type === 'frozen' && nm.fit === 'in-sample') {
    const { centre, scale, first, last } = trainingMoments(out, close, nm.trainBars, nm.start ?? 0);
    out = {
      ...out,
      normaliser: { type: 'fixed', centre, scale, ...(first > 0 ? { start: first } : {}) },
    };
    lookAhead.push(
      `normaliser: mean ${fmt(centre)} and std ${fmt(scale)} of the spread over bars ${first}–${last}, scoring those bars too`,
    );
  }
  return { spec: out, lookAhead };
}

/**
 * Mean and sample std of the spread's reference series over its first `trainBars` ready bars
 * from `start` on (the frozen normaliser's training window), and that window's first and last bar.
 */
function trainingMoments(
  spec: StrategySpec,
  close: readonly Float64Array[],
  trainBars: number,
  start: number,
): { centre: number; scale: number; first: number; last: number } {
  // the spread model alone, bar by bar (a frozen normaliser stands in: it never scores here)
  const model = buildStrategy({ ...spec, normaliser: { type: 'frozen', trainBars: 2 } }).spread;
  const L = close.length;
  const n = close[0].length;
  const bar: Bar = { index: 0, time: 0, close: new Float64Array(L) };
  const values: number[] = [];
  let first = -1;
  let last = -1;
  for (let t = 0; t < n && values.length < trainBars; t++) {
    for (let i = 0; i < L; i++) bar.close[i] = close[i][t];
    model.update(bar.close);
    if (!model.ready || t < start) continue;
    if (first < 0) first = t;
    last = t;
    values.push(model.reference);
  }
  if (values.length < trainBars)
    throw new StrategyError(
      'normaliser.trainBars',
      `is ${trainBars}, but the spread has ${values.length} bars to fit on in the data`,
    );
  // Welford, as the frozen normaliser
  let mean = 0;
  let m2 = 0;
  for (let k = 0; k < values.length; k++) {
    const d = values[k] - mean;
    mean += d / (k + 1);
    m2 += d * (values[k] - mean);
  }
  const scale = Math.sqrt(m2 / (trainBars - 1));
  if (!(scale > 0))
    throw new StrategyError('normaliser', `the spread is constant over bars ${first}–${last}: no z-score`);
  return { centre: mean, scale, first, last };
}
