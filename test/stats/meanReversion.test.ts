import { describe, it, expect } from 'vitest';
import { halfLife, hurst, varianceRatio } from '../../src/stats/index.js';
import { expectClose, loadCases } from './fixtures.js';

const hl = loadCases<
  Record<string, never>,
  { y: number[] },
  {
    lambda: number;
    intercept: number;
    lambda_se: number;
    halflife: number;
    mean_reversion_level: number;
    nobs: number;
  }
>('ou_halflife.json');
const hu = loadCases<
  { min_lag: number; max_lag: number },
  { y: number[] },
  { hurst: number; intercept: number }
>('hurst.json');
const vr = loadCases<
  { q: number },
  { x: number[] },
  { vr: number; z: number; z_star: number; pvalue_z: number; pvalue_z_star: number }
>('variance_ratio.json');

describe('halfLife matches the OLS + formula reference', () => {
  it.each(hl.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const r = halfLife(c.input.y);
    const e = c.expected;
    expectClose('halfLife', r.halfLife, e.halflife, 1e-10);
    expectClose('lambda', r.lambda, e.lambda, 1e-10);
    expectClose('intercept', r.intercept, e.intercept, 1e-10);
    expectClose('lambdaSe', r.lambdaSe, e.lambda_se, 1e-9);
    expectClose('meanReversionLevel', r.meanReversionLevel, e.mean_reversion_level, 1e-10);
    expect(r.nobs).toBe(e.nobs);
  });
});

describe('hurst matches the lag-variance reference', () => {
  it.each(hu.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const r = hurst(c.input.y, { minLag: c.args.min_lag, maxLag: c.args.max_lag });
    expectClose('hurst', r.hurst, c.expected.hurst, 1e-10);
    expectClose('intercept', r.intercept, c.expected.intercept, 1e-10);
  });
});

describe('varianceRatio matches the Lo-MacKinlay reference', () => {
  it.each(vr.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const r = varianceRatio(c.input.x, c.args.q);
    const e = c.expected;
    expectClose('ratio', r.ratio, e.vr, 1e-10);
    expectClose('z', r.z, e.z, 1e-10);
    expectClose('zStar', r.zStar, e.z_star, 1e-10);
    expectClose('pvalueZ', r.pvalueZ, e.pvalue_z, 1e-8, 1e-14);
    expectClose('pvalueZStar', r.pvalueZStar, e.pvalue_z_star, 1e-8, 1e-14);
  });
});
