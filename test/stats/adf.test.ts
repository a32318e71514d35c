import { describe, it, expect } from 'vitest';
import { adfuller, type Autolag, type Regression } from '../../src/stats/index.js';
import { adfCore } from '../../src/stats/adf.js';
import { expectClose, fixtureFiles, loadCases } from './fixtures.js';

interface AdfExpected {
  adfstat: number;
  pvalue: number;
  usedlag: number;
  nobs: number;
  critvalues: { '1%': number; '5%': number; '10%': number };
  icbest: number | null;
  maxlag_resolved: number;
  gamma: number;
  gamma_se: number;
}
type AdfArgs = { maxlag: number | null; regression: Regression; autolag: Autolag };

const cases = fixtureFiles('adfuller_').flatMap((f) => loadCases<AdfArgs, { x: number[] }, AdfExpected>(f));

describe('adfuller matches statsmodels (160 cases)', () => {
  it('loads every case of the 8 series', () => {
    expect(cases.length).toBe(160);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const r = adfuller(c.input.x, {
      maxlag: c.args.maxlag,
      regression: c.args.regression,
      autolag: c.args.autolag,
    });
    const e = c.expected;
    expect(r.usedLag).toBe(e.usedlag);
    expect(r.nobs).toBe(e.nobs);
    expect(r.maxlag).toBe(e.maxlag_resolved);
    expectClose('statistic', r.statistic, e.adfstat, 1e-8);
    expectClose('gamma', r.gamma, e.gamma, 1e-8);
    expectClose('gammaSe', r.gammaSe, e.gamma_se, 1e-8);
    expectClose('pvalue', r.pvalue, e.pvalue, 0, 1e-8);
    for (const level of ['1%', '5%', '10%'] as const) {
      expectClose(`criticalValues[${level}]`, r.criticalValues[level], e.critvalues[level], 1e-12);
    }
    if (e.icbest === null) expect(r.icbest).toBeNull();
    else expectClose('icbest', r.icbest!, e.icbest, 1e-10, 1e-10);
  });
});

describe('adfuller fast path', () => {
  it('agrees with the Householder-QR slow path on every case', () => {
    for (const c of cases) {
      const opts = { maxlag: c.args.maxlag, regression: c.args.regression, autolag: c.args.autolag };
      const x = Float64Array.from(c.input.x);
      const fast = adfCore(x, opts, 'adfuller');
      const slow = adfCore(x, opts, 'adfuller', true);
      expect(fast.usedLag).toBe(slow.usedLag);
      expectClose(`${c.id} statistic`, fast.statistic, slow.statistic, 1e-9);
    }
  });

  it('accepts lower-case criteria as coint passes them', () => {
    const c = cases.find((x) => x.id === 'adfuller/ar1_phi09/c/maxlag=None/autolag=AIC')!;
    const r = adfuller(c.input.x, { autolag: 'aic' });
    expectClose('statistic', r.statistic, c.expected.adfstat, 1e-8);
  });

  it('defaults to regression c, autolag AIC', () => {
    const c = cases.find((x) => x.id === 'adfuller/ou_daily/c/maxlag=None/autolag=AIC')!;
    const r = adfuller(c.input.x);
    expect(r.usedLag).toBe(c.expected.usedlag);
    expectClose('statistic', r.statistic, c.expected.adfstat, 1e-8);
  });
});
