import { describe, it, expect } from 'vitest';
import { ols } from '../../src/stats/index.js';
import { expectClose, loadCases } from './fixtures.js';

interface OlsExpected {
  params: number[];
  bse: number[];
  tvalues: number[];
  resid_first5: number[];
  resid_last5: number[];
  ssr: number;
  rsquared: number;
  rsquared_adj: number;
  scale: number;
  nobs: number;
  df_resid: number;
  df_model: number;
  k_constant: number;
  llf: number;
  aic: number;
  bic: number;
  adfuller_adfstat?: number;
}

const cases = loadCases<{ exog_names: string[] }, { y: number[]; exog_columns: number[][] }, OlsExpected>(
  'ols.json',
);

/** Transposes a list of columns into n rows of k values (the `ols` input layout). */
function rows(columns: number[][]): number[][] {
  return columns[0].map((_, i) => columns.map((c) => c[i]));
}

describe('ols matches statsmodels OLS(y, X).fit()', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const r = ols(c.input.y, rows(c.input.exog_columns));
    const e = c.expected;
    // Coefficient-level quantities: rtol 1e-9, atol 1e-12.
    expectClose('params', r.params, e.params, 1e-9, 1e-12);
    expectClose('bse', r.bse, e.bse, 1e-9, 1e-12);
    expectClose('tvalues', r.tvalues, e.tvalues, 1e-9, 1e-12);
    expectClose('resid_first5', r.resid.subarray(0, 5), e.resid_first5, 1e-9, 1e-12);
    expectClose('resid_last5', r.resid.subarray(r.resid.length - 5), e.resid_last5, 1e-9, 1e-12);
    // Fit-level quantities: rtol 1e-10, atol 1e-12.
    for (const [got, exp, name] of [
      [r.ssr, e.ssr, 'ssr'],
      [r.scale, e.scale, 'scale'],
      [r.rsquared, e.rsquared, 'rsquared'],
      [r.rsquaredAdj, e.rsquared_adj, 'rsquared_adj'],
      [r.llf, e.llf, 'llf'],
      [r.aic, e.aic, 'aic'],
      [r.bic, e.bic, 'bic'],
    ] as const) {
      expectClose(name, got, exp, 1e-10, 1e-12);
    }
    expect(r.nobs).toBe(e.nobs);
    expect(r.dfResid).toBe(e.df_resid);
    expect(r.dfModel).toBe(e.df_model);
    expect(r.kConstant).toBe(e.k_constant);
    if (e.adfuller_adfstat !== undefined) expectClose('adfstat', r.tvalues[0], e.adfuller_adfstat, 1e-8);
  });

  it('addConstant appends a column of ones as the last regressor', () => {
    const c = cases.find((x) => x.id === 'ols/simple_synthetic')!;
    expect(c.args.exog_names).toEqual(['x', 'const']);
    const r = ols(c.input.y, c.input.exog_columns[0], { addConstant: true });
    expectClose('params', r.params, c.expected.params, 1e-9, 1e-12);
    expectClose('bse', r.bse, c.expected.bse, 1e-9, 1e-12);
  });

  it('accepts Float64Array inputs', () => {
    const c = cases.find((x) => x.id === 'ols/simple_synthetic')!;
    const r = ols(
      Float64Array.from(c.input.y),
      rows(c.input.exog_columns).map((row) => Float64Array.from(row)),
    );
    expectClose('params', r.params, c.expected.params, 1e-9, 1e-12);
  });
});
