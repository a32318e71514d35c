import { describe, it, expect } from 'vitest';
import { johansen } from '../../src/stats/index.js';
import { expectClose, fixtureFiles, loadCases } from './fixtures.js';

interface JohansenExpected {
  eig: number[];
  lr1: number[];
  lr2: number[];
  cvt: number[][];
  cvm: number[][];
  evec: number[][];
  evec_first_row_normalized: number[][];
  nobs_effective: number;
}

const cases = fixtureFiles('coint_johansen_').flatMap((f) =>
  loadCases<{ det_order: -1 | 0 | 1; k_ar_diff: number }, { endog_columns: number[][] }, JohansenExpected>(f),
);

const column = (m: number[][], j: number): number[] => m.map((row) => row[j]);

describe('johansen matches statsmodels coint_johansen', () => {
  it('loads all 24 cases', () => {
    expect(cases.length).toBe(24);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const r = johansen(c.input.endog_columns, { detOrder: c.args.det_order, kArDiff: c.args.k_ar_diff });
    const e = c.expected;
    expect(r.nobs).toBe(e.nobs_effective);
    expectClose('eigenvalues', r.eigenvalues, e.eig, 1e-6, 1e-9);
    expectClose('traceStatistics', r.traceStatistics, e.lr1, 1e-6, 1e-8);
    expectClose('maxEigenStatistics', r.maxEigenStatistics, e.lr2, 1e-6, 1e-8);
    expect(r.traceCriticalValues).toEqual(e.cvt);
    expect(r.maxEigenCriticalValues).toEqual(e.cvm);
    const m = e.eig.length;
    for (let j = 0; j < m; j++) {
      const got = column(r.eigenvectors, j);
      const exp = column(e.evec, j);
      // Column 0 has statsmodels' sign; the other columns' signs come from LAPACK: align them.
      const sign = j === 0 ? 1 : Math.sign(got.reduce((s, g, i) => s + g * exp[i], 0));
      expectClose(
        `eigenvectors[:, ${j}]`,
        got.map((g) => sign * g),
        exp,
        1e-6,
        1e-9,
      );
      expectClose(
        `first-row normalised [:, ${j}]`,
        got.map((g) => g / got[0]),
        column(e.evec_first_row_normalized, j),
        1e-6,
        1e-9,
      );
    }
  });
});
