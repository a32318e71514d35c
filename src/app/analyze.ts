/**
 * `kalrev analyze`: is a series, or a pair's spread, mean reverting, and how fast? The tests of
 * src/stats on the data, plus a verdict that says what they found and why.
 *
 * - One symbol: ADF, half-life, Hurst and the variance ratio of its price.
 * - A pair y, x: Engle-Granger (y on x with a constant) and Johansen (constant, one lagged
 *   difference) on the prices; the spread is the Engle-Granger residual y − βx − α, and ADF,
 *   half-life, Hurst and the variance ratio are computed on it.
 */
import type { PriceFrame } from '../data/frame.js';
import {
  adfuller,
  coint,
  halfLife,
  hurst,
  johansen,
  varianceRatio,
  type CointResult,
  type JohansenResult,
} from '../stats/index.js';
import { failed, fmt, type Analysis, type Outcome } from '../report/analysis.js';

/** Options of {@link analyzeSeries}. */
export interface AnalyzeOptions {
  /** Horizon q of the variance ratio (default 10 bars). */
  vrLag?: number;
  /** Largest lag of the Hurst exponent (default 100, shortened for short series). */
  hurstMaxLag?: number;
  /**
   * Lagged differences of the ADF and Engle-Granger regressions: the most considered (with
   * `autolag`) or the number used (`autolag: 'none'`). Default: statsmodels' formula.
   */
  maxlag?: number;
  /** How the ADF and Engle-Granger tests choose their lags (default 'aic'); 'none': exactly `maxlag`. */
  autolag?: 'aic' | 'bic' | 't-stat' | 'none';
}

function attempt<T>(f: () => T): Outcome<T> {
  try {
    return f();
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** The smallest conventional level (1, 5, 10 %) at which p rejects, or null. */
function level(p: number): number | null {
  for (const l of [1, 5, 10]) if (p < l / 100) return l;
  return null;
}

/**
 * Runs the tests on series `x` (named `series`). For a pair, `y` and `hedgeOn` are the legs and
 * `x` is ignored: the spread is computed from the Engle-Granger fit.
 */
export function analyzeSeries(
  legs: { name: string; values: Float64Array }[],
  dates: { first: string; last: string },
  options: AnalyzeOptions = {},
): Analysis {
  const q = options.vrLag ?? 10;
  const pair = legs.length >= 2;
  const [y, x] = legs;
  const n = y.values.length;
  let series = y.values;
  let name = y.name;
  let engleGranger: Outcome<CointResult> | undefined;
  let jo: Outcome<JohansenResult> | undefined;
  let hedge: Analysis['hedge'];
  const lags = {
    ...(options.maxlag !== undefined ? { maxlag: options.maxlag } : {}),
    ...(options.autolag !== undefined
      ? { autolag: options.autolag === 'none' ? null : options.autolag }
      : {}),
  };
  if (pair) {
    engleGranger = attempt(() => coint(y.values, x.values, lags));
    jo = attempt(() => johansen([y.values, x.values]));
    if (!failed(engleGranger)) {
      const [beta, alpha] = engleGranger.params;
      hedge = { beta, alpha };
      series = new Float64Array(n);
      for (let t = 0; t < n; t++) series[t] = y.values[t] - beta * x.values[t] - alpha;
      name = `${y.name} − ${fmt(beta)}·${x.name} − ${fmt(alpha)}`;
    }
  }
  const adf = attempt(() => adfuller(series, lags));
  const hl = attempt(() => halfLife(series));
  const maxLag = Math.min(options.hurstMaxLag ?? 100, n - 2);
  const hu = attempt(() => hurst(series, { maxLag }));
  const vr = attempt(() => ({ ...varianceRatio(series, q), q }));
  const stationary = !failed(adf) && adf.pvalue < 0.05;
  const what = pair ? 'spread' : `${y.name}`;
  const parts: string[] = [];
  if (failed(adf)) parts.push(`${what}: the ADF test could not run (${adf.error})`);
  else {
    const l = level(adf.pvalue);
    parts.push(
      l !== null && l <= 5
        ? `${what} is stationary at ${l} % (ADF p = ${fmt(adf.pvalue, 3)})`
        : `${what} is not stationary at 5 % (ADF p = ${fmt(adf.pvalue, 3)}${l === 10 ? ', only at 10 %' : ''})`,
    );
  }
  if (engleGranger && !failed(engleGranger))
    parts.push(
      `${level(engleGranger.pvalue) !== null && engleGranger.pvalue < 0.05 ? 'cointegrated' : 'not cointegrated'} by Engle-Granger at 5 % (p = ${fmt(engleGranger.pvalue, 3)})`,
    );
  if (!failed(hl))
    parts.push(
      hl.halfLife > 0 && Number.isFinite(hl.halfLife)
        ? `half-life ${fmt(hl.halfLife, 1)} days`
        : 'no half-life (λ ≥ 0: it does not revert)',
    );
  if (!failed(hu))
    parts.push(
      `Hurst ${fmt(hu.hurst, 2)} (${hu.hurst < 0.45 ? 'mean reverting' : hu.hurst > 0.55 ? 'trending' : 'close to a random walk'})`,
    );
  const verdict = parts.join(', ');
  return {
    kind: pair ? 'pair' : 'single',
    symbols: legs.map((l) => l.name),
    bars: n,
    first: dates.first,
    last: dates.last,
    series: name,
    ...(hedge ? { hedge } : {}),
    adf,
    ...(engleGranger ? { engleGranger } : {}),
    ...(jo ? { johansen: jo } : {}),
    halfLife: hl,
    hurst: hu,
    varianceRatio: vr,
    stationary,
    verdict,
  };
}

/** {@link analyzeSeries} on the closes of an aligned frame's legs (one or two symbols). */
export function analyzeFrame(frame: PriceFrame, symbols: string[], options: AnalyzeOptions = {}): Analysis {
  return analyzeSeries(
    symbols.slice(0, 2).map((s) => ({ name: s, values: frame.get(s, 'close') })),
    { first: frame.date(0), last: frame.date(frame.length - 1) },
    options,
  );
}
