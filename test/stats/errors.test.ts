import { describe, it, expect } from 'vitest';
import { KalrevError } from '../../src/errors.js';
import {
  StatsError,
  adfuller,
  coint,
  halfLife,
  hurst,
  johansen,
  mackinnoncrit,
  mackinnonp,
  ols,
  RollingWindow,
  rollingZScore,
  varianceRatio,
} from '../../src/stats/index.js';

/** A fixed, non-degenerate series: a deterministic AR(1)-like wiggle. */
function series(n: number, seed = 1): number[] {
  const out: number[] = [];
  let v = 0;
  for (let i = 0; i < n; i++) {
    v = 0.6 * v + Math.sin(seed * 1.7 + i * 2.3) + 0.5 * Math.cos(i * 0.37 * seed);
    out.push(10 + v);
  }
  return out;
}

/** Runs f, asserts it throws a StatsError for `parameter`, and returns the message. */
function statsError(f: () => unknown, parameter: string): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StatsError);
    expect(e).toBeInstanceOf(KalrevError);
    expect((e as StatsError).name).toBe('StatsError');
    expect((e as StatsError).parameter).toBe(parameter);
    return (e as Error).message;
  }
  throw new Error('expected a StatsError, nothing was thrown');
}

describe('series too short for the requested lags', () => {
  it('adfuller: a maxlag above ⌊n/2⌋ − ntrend − 1', () => {
    expect(statsError(() => adfuller(series(30), { maxlag: 14, autolag: null }), 'maxlag')).toBe(
      "adfuller: x is too short for maxlag=14: with 30 observations and regression='c' maxlag must be at most ⌊n/2⌋ − 1 − 1 = 13",
    );
  });
  it('adfuller: fewer points than the regression needs', () => {
    expect(statsError(() => adfuller([1, 3, 2], { regression: 'ctt' }), 'x')).toBe(
      "adfuller: x is too short: an ADF regression with regression='ctt' needs at least 7 observations, got 3",
    );
  });
  it('coint: the residual ADF maxlag', () => {
    expect(statsError(() => coint(series(20), series(20, 2), { maxlag: 10 }), 'maxlag')).toMatch(
      /^coint: x is too short for maxlag=10/,
    );
  });
  it('johansen: kArDiff leaves too few observations', () => {
    expect(statsError(() => johansen([series(12), series(12, 2)], { kArDiff: 4 }), 'columns')).toBe(
      'johansen: series are too short for kArDiff=4: 12 observations leave 7 after lags, need at least 12',
    );
  });
  it('hurst: maxLag beyond the series', () => {
    expect(statsError(() => hurst(series(50), { maxLag: 100 }), 'x')).toBe(
      'hurst: x is too short for maxLag=100: needs at least 102 observations, got 50',
    );
  });
  it('ols: no more observations than regressors', () => {
    expect(
      statsError(
        () =>
          ols(
            [1, 2],
            [
              [1, 0],
              [1, 1],
            ],
          ),
        'y',
      ),
    ).toBe('ols: y is too short: a regression on 2 regressors needs at least 3 observations, got 2');
  });
});

describe('constant series and collinear regressors (singular designs)', () => {
  it('adfuller: a constant series', () => {
    expect(statsError(() => adfuller(new Array(100).fill(5)), 'x')).toBe(
      'adfuller: x is a constant series (every value is 5)',
    );
  });
  it('adfuller: a straight line', () => {
    expect(statsError(() => adfuller(Array.from({ length: 100 }, (_, i) => 2 * i)), 'x')).toBe(
      'adfuller: x is a straight line (every difference is 2): the ADF regression is degenerate',
    );
  });
  it('ols: two identical regressors', () => {
    const x = series(40);
    expect(
      statsError(
        () =>
          ols(
            series(40, 3),
            x.map((v) => [v, 1, v]),
          ),
        'X',
      ),
    ).toBe(
      'ols: singular design: regressor column 2 is constant zero or a linear combination of columns 0..1 (collinear regressors)',
    );
  });
  it('ols: a constant column and addConstant', () => {
    expect(
      statsError(
        () =>
          ols(
            series(40, 3),
            series(40).map((v) => [v, 1]),
            { addConstant: true },
          ),
        'X',
      ),
    ).toMatch(/^ols: singular design: regressor column 2 /);
  });
  it('ols: a constant response', () => {
    expect(statsError(() => ols(new Array(10).fill(1), series(10)), 'y')).toBe(
      'ols: y is a constant series (every value is 1)',
    );
  });
  it('coint: two identical regressor columns', () => {
    const x = series(200);
    expect(statsError(() => coint(series(200, 5), [x, x]), 'X')).toMatch(
      /^coint: singular design: regressor column 1 is .* \(collinear regressors\)$/,
    );
  });
  it('coint: a constant regressor next to the constant term', () => {
    expect(statsError(() => coint(series(200, 5), new Array(200).fill(3)), 'X')).toMatch(
      /^coint: singular design: regressor column 1 /,
    );
  });
  it('johansen: two identical series', () => {
    const x = series(200);
    expect(statsError(() => johansen([x, x], { detOrder: 0, kArDiff: 1 }), 'columns')).toMatch(
      /^johansen: singular (design|moment matrix)/,
    );
  });
  it('halfLife: a constant series', () => {
    expect(statsError(() => halfLife([2, 2, 2, 2, 2]), 'x')).toBe(
      'halfLife: x is a constant series (every value is 2)',
    );
  });
  it('hurst: a straight line has zero-spread differences', () => {
    expect(
      statsError(
        () =>
          hurst(
            Array.from({ length: 50 }, (_, i) => i),
            { maxLag: 10 },
          ),
        'x',
      ),
    ).toBe('hurst: the lag-2 differences of x have zero spread (constant or linear series)');
  });
  it('varianceRatio: constant increments', () => {
    expect(statsError(() => varianceRatio([1, 2, 3, 4, 5, 6], 2), 'x')).toBe(
      'varianceRatio: the increments of x are constant (no variance to compare)',
    );
  });
});

describe('NaN or Infinity inside a series, with its index', () => {
  it('adfuller: NaN', () => {
    const x = series(100);
    x[17] = NaN;
    expect(statsError(() => adfuller(x), 'x')).toBe('adfuller: x contains NaN at index 17');
  });
  it('adfuller: Infinity', () => {
    const x = series(100);
    x[3] = -Infinity;
    expect(statsError(() => adfuller(x), 'x')).toBe('adfuller: x contains -Infinity at index 3');
  });
  it('coint: NaN in y1', () => {
    const y1 = series(100, 2);
    y1[42] = NaN;
    expect(statsError(() => coint(series(100), y1), 'y1')).toBe('coint: y1 contains NaN at index 42');
  });
  it('ols: Infinity in X', () => {
    const X = series(20).map((v) => [v, 1]);
    X[5][0] = Infinity;
    expect(statsError(() => ols(series(20, 2), X), 'X')).toBe('ols: X contains Infinity at row 5, column 0');
  });
  it('johansen: NaN in the second column', () => {
    const b = series(100, 2);
    b[9] = NaN;
    expect(statsError(() => johansen([series(100), b]), 'columns[1]')).toBe(
      'johansen: columns[1] contains NaN at index 9',
    );
  });
  it('halfLife, hurst, varianceRatio', () => {
    const x = series(300);
    x[250] = NaN;
    expect(statsError(() => halfLife(x), 'x')).toBe('halfLife: x contains NaN at index 250');
    expect(statsError(() => hurst(x), 'x')).toBe('hurst: x contains NaN at index 250');
    expect(statsError(() => varianceRatio(x, 4), 'x')).toBe('varianceRatio: x contains NaN at index 250');
  });
  it('rolling: batch and streaming', () => {
    const x = series(60);
    x[33] = Infinity;
    expect(statsError(() => rollingZScore(x), 'x')).toBe('rollingZScore: x contains Infinity at index 33');
    const w = new RollingWindow(5);
    for (let i = 0; i < 7; i++) w.push(i);
    expect(statsError(() => w.push(NaN), 'x')).toBe('RollingWindow.push: x is NaN at index 7');
  });
  it('mackinnonp: a NaN statistic', () => {
    expect(statsError(() => mackinnonp(NaN), 'stat')).toBe('mackinnonp: stat must be a number, got NaN');
  });
});

describe('mismatched lengths', () => {
  it('coint', () => {
    expect(statsError(() => coint(series(100), series(99)), 'y1')).toBe(
      'coint: mismatched lengths: y0 has 100 observations, y1 has 99',
    );
  });
  it('coint with columns', () => {
    expect(statsError(() => coint(series(100), [series(100), series(98)]), 'y1[1]')).toBe(
      'coint: mismatched lengths: y0 has 100 observations, y1[1] has 98',
    );
  });
  it('ols', () => {
    expect(statsError(() => ols(series(10), series(11)), 'X')).toBe(
      'ols: mismatched lengths: y has 10 observations, X has 11',
    );
  });
  it('ols: ragged rows', () => {
    expect(statsError(() => ols(series(3), [[1, 2], [3], [4, 5]]), 'X')).toBe(
      'ols: X row 1 has 1 columns, row 0 has 2',
    );
  });
  it('johansen', () => {
    expect(statsError(() => johansen([series(100), series(90)]), 'columns[1]')).toBe(
      'johansen: mismatched lengths: columns[0] has 100 observations, columns[1] has 90',
    );
  });
});

describe('options out of range', () => {
  it('adfuller: regression and autolag', () => {
    expect(statsError(() => adfuller(series(100), { regression: 'x' as 'c' }), 'regression')).toBe(
      `adfuller: regression must be one of 'n', 'c', 'ct', 'ctt', got "x"`,
    );
    expect(statsError(() => adfuller(series(100), { autolag: 'hqic' as 'AIC' }), 'autolag')).toBe(
      `adfuller: autolag must be one of 'AIC', 'BIC', 't-stat', 'aic', 'bic', null, got "hqic"`,
    );
    expect(statsError(() => adfuller(series(100), { maxlag: -1 }), 'maxlag')).toBe(
      'adfuller: maxlag must be an integer ≥ 0, got -1',
    );
  });
  it('mackinnoncrit and mackinnonp: N out of the tables', () => {
    expect(statsError(() => mackinnoncrit({ n: 2, regression: 'n' }), 'n')).toBe(
      'mackinnoncrit: n must be an integer in [1, 1], got 2',
    );
    expect(statsError(() => mackinnonp(-3, { n: 7 }), 'n')).toBe(
      'mackinnonp: n must be an integer in [1, 6], got 7',
    );
  });
  it('varianceRatio: q', () => {
    expect(statsError(() => varianceRatio(series(50), 1), 'q')).toBe(
      'varianceRatio: q must be an integer in [2, 48], got 1',
    );
  });
  it('RollingWindow: lookback', () => {
    expect(statsError(() => new RollingWindow(1), 'lookback')).toBe(
      'RollingWindow: lookback must be an integer ≥ 2, got 1',
    );
    expect(statsError(() => new RollingWindow(0, { std: 'population' }), 'lookback')).toBe(
      'RollingWindow: lookback must be an integer ≥ 1, got 0',
    );
  });
  it('johansen: detOrder', () => {
    expect(statsError(() => johansen([series(100), series(100, 2)], { detOrder: 2 as 1 }), 'detOrder')).toBe(
      'johansen: detOrder must be one of -1, 0, 1, got 2',
    );
  });
});
