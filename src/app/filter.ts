/**
 * `kalrev filter`: a local-level Kalman filter (or RTS smoother) over one column, the general
 * tool people use pykalman for. Model: level_t = level_{t−1} + w_t, Var w = Q;
 * value_t = level_t + v_t, Var v = R. Defaults as pykalman (Q = R = 1, initial covariance 1)
 * except the initial mean, which is the first value (pykalman's 0 makes the first estimates
 * meaningless for prices). With `em: N`, Q, R and the initial state are learned by N EM iterations.
 */
import { isoTime, type PriceField, type PriceFrame } from '../data/frame.js';
import { FrameError } from '../data/frame.js';
import { KalmanFilter } from '../kalman/index.js';

/** Options of {@link filterColumn}: the smoother instead of the filter, EM iterations, the noise variances. */
export interface FilterColumnOptions {
  smooth?: boolean;
  em?: number;
  transitionCovariance?: number;
  observationCovariance?: number;
}

/** A filtered (or smoothed) column: its times, values, state means and standard deviations. */
export interface FilteredColumn {
  column: string;
  times: Float64Array;
  observed: Float64Array;
  mean: Float64Array;
  std: Float64Array;
  /** The model used (after EM when asked). */
  model: {
    transitionCovariance: number;
    observationCovariance: number;
    initialStateMean: number;
    initialStateCovariance: number;
  };
  smoothed: boolean;
}

/** Splits `SYM` or `SYM.field` (e.g. `EWA.open`); a bare name is a close column. */
export function parseColumn(frame: PriceFrame, column: string): { symbol: string; field: PriceField } {
  const dot = column.lastIndexOf('.');
  if (!frame.symbols.includes(column) && dot > 0) {
    const symbol = column.slice(0, dot);
    const field = column.slice(dot + 1) as PriceField;
    if (frame.symbols.includes(symbol)) {
      if (!frame.has(symbol, field))
        throw new FrameError(
          `${frame.source}: unknown column "${column}"; ${symbol} has ${frame.fields(symbol).join(', ')}`,
        );
      return { symbol, field };
    }
  }
  if (!frame.symbols.includes(column))
    throw new FrameError(
      `${frame.source}: unknown column "${column}"; the data has ${frame.symbols.join(', ')}`,
    );
  return { symbol: column, field: 'close' };
}

/** Filters (or smooths) one column of a frame. NaN values are missing observations. */
export function filterColumn(
  frame: PriceFrame,
  column: string,
  options: FilterColumnOptions = {},
): FilteredColumn {
  const { symbol, field } = parseColumn(frame, column);
  const observed = frame.get(symbol, field);
  let first = NaN;
  for (const v of observed)
    if (!Number.isNaN(v)) {
      first = v;
      break;
    }
  let kf = new KalmanFilter({
    transitionCovariance: [[options.transitionCovariance ?? 1]],
    observationCovariance: [[options.observationCovariance ?? 1]],
    initialStateMean: [Number.isNaN(first) ? 0 : first],
    initialStateCovariance: [[1]],
  });
  if (options.em && options.em > 0)
    kf = kf.em(observed, {
      nIter: options.em,
      emVars: ['transitionCovariance', 'observationCovariance', 'initialStateMean', 'initialStateCovariance'],
    });
  const out = options.smooth ? kf.smooth(observed) : kf.filter(observed);
  const n = observed.length;
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    mean[t] = out.stateMeans.at(t, 0);
    std[t] = Math.sqrt(out.stateCovariances.at(t, 0, 0));
  }
  const m = kf.model;
  const scalar = (v: unknown): number => (Array.isArray(v) ? scalar(v[0]) : (v as number));
  return {
    column,
    times: frame.times,
    observed,
    mean,
    std,
    model: {
      transitionCovariance: scalar(m.transitionCovariance),
      observationCovariance: scalar(m.observationCovariance),
      initialStateMean: scalar(m.initialStateMean),
      initialStateCovariance: scalar(m.initialStateCovariance),
    },
    smoothed: Boolean(options.smooth),
  };
}

/** CSV of a filtered column: date, the observed value, the state mean and its standard deviation. */
export function filteredCsv(f: FilteredColumn): string {
  const c = (v: number) => (Number.isFinite(v) ? String(v) : '');
  const lines = [
    `date,${f.column},${f.smoothed ? 'smoothed' : 'filtered'}_mean,${f.smoothed ? 'smoothed' : 'filtered'}_std`,
  ];
  for (let t = 0; t < f.times.length; t++)
    lines.push(`${isoTime(f.times[t])},${c(f.observed[t])},${c(f.mean[t])},${c(f.std[t])}`);
  return lines.join('\n') + '\n';
}
