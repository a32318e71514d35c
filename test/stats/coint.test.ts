import { describe, it, expect } from 'vitest';
import { coint, type Autolag, type Regression } from '../../src/stats/index.js';
import { expectClose, fixtureFiles, loadCases } from './fixtures.js';

interface CointExpected {
  coint_t: number;
  pvalue: number;
  crit_values: { '1%': number; '5%': number; '10%': number };
  k_vars: number;
  aux: { step1_params: number[]; adf_usedlag?: number };
  collinear_warning?: boolean;
}
type CointArgs = { trend: Regression; maxlag: number | null; autolag: Autolag };

const cases = fixtureFiles('coint_')
  .filter((f) => !f.startsWith('coint_johansen'))
  .flatMap((f) => loadCases<CointArgs, { y0: number[]; y1_columns: number[][] }, CointExpected>(f));

describe('coint (Engle-Granger) matches statsmodels', () => {
  it('loads all 33 cases', () => {
    expect(cases.length).toBe(33);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const y1 = c.input.y1_columns.length === 1 ? c.input.y1_columns[0] : c.input.y1_columns;
    const r = coint(c.input.y0, y1, { trend: c.args.trend, maxlag: c.args.maxlag, autolag: c.args.autolag });
    const e = c.expected;
    expectClose('statistic', r.statistic, e.coint_t, 1e-8);
    expectClose('pvalue', r.pvalue, e.pvalue, 1e-8, 1e-10);
    for (const level of ['1%', '5%', '10%'] as const) {
      // NaN for trend 'n' (no table), compared exactly by expectClose.
      expectClose(`criticalValues[${level}]`, r.criticalValues[level], e.crit_values[level], 1e-12);
    }
    expectClose('params', r.params, e.aux.step1_params, 1e-9, 1e-12);
    if (e.aux.adf_usedlag !== undefined) expect(r.usedLag).toBe(e.aux.adf_usedlag);
    if (e.collinear_warning) expect(r.usedLag).toBeNull();
  });

  it('exactly collinear series give −Infinity and p = 0', () => {
    const c = cases.find((x) => x.id.startsWith('coint/synthetic_coint_exact_collinear'))!;
    const r = coint(c.input.y0, c.input.y1_columns[0]);
    expect(r.statistic).toBe(-Infinity);
    expect(r.pvalue).toBe(0);
  });
});

describe('coint on typed arrays', () => {
  const c = cases.find((k) => k.input.y1_columns.length === 1 && k.args.trend === 'c')!;
  it('reads Float64Array inputs in place: the same result as from plain arrays, the inputs unchanged', () => {
    const y0 = Float64Array.from(c.input.y0);
    const y1 = Float64Array.from(c.input.y1_columns[0]);
    const before = [Array.from(y0), Array.from(y1)];
    const typed = coint(y0, y1);
    expect(typed).toEqual(coint(c.input.y0, c.input.y1_columns[0]));
    expect([Array.from(y0), Array.from(y1)]).toEqual(before);
  });
  it('refuses NaN and infinities in a Float64Array, naming the series and the index', () => {
    const y0 = Float64Array.from(c.input.y0);
    const y1 = Float64Array.from(c.input.y1_columns[0]);
    y1[7] = NaN;
    expect(() => coint(y0, y1)).toThrow('coint: y1 contains NaN at index 7');
    y1[7] = 1;
    y0[3] = -Infinity;
    expect(() => coint(y0, y1)).toThrow('coint: y0 contains -Infinity at index 3');
  });
});
