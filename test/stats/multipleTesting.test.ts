import { describe, expect, it } from 'vitest';
import { benjaminiHochberg } from '../../src/stats/multipleTesting.js';

describe('benjaminiHochberg', () => {
  // Benjamini and Hochberg (1995), section 4: 15 p-values from a study of myocardial
  // infarction treatments; at a false discovery rate of 0.05 the procedure rejects the four
  // smallest (the Bonferroni correction rejects three).
  const P = [
    0.0201, 0.0001, 0.0004, 0.0019, 0.0095, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528,
    0.759, 1.0,
  ];

  it('rejects the four hypotheses of the paper at 0.05, in the input order', () => {
    const q = benjaminiHochberg(P);
    const rejected = P.filter((_, i) => q[i] <= 0.05).sort((a, b) => a - b);
    expect(rejected).toEqual([0.0001, 0.0004, 0.0019, 0.0095]);
  });

  it('gives the step-up adjusted p-values', () => {
    const q = benjaminiHochberg(P);
    // 0.0095 is 4th of 15: 0.0095·15/4; 0.0201 (5th): 0.0201·15/5 = 0.0603; 0.0278 (6th)
    // takes the smaller 7th, 0.0298·15/7; 0.0344 (8th): 0.0645; 0.0459 (9th): 0.0765
    expect(q[4]).toBeCloseTo((0.0095 * 15) / 4, 15);
    expect(q[0]).toBeCloseTo(0.0603, 15);
    expect(q[5]).toBeCloseTo((0.0298 * 15) / 7, 15);
    expect(q[6]).toBeCloseTo((0.0298 * 15) / 7, 15);
    expect(q[7]).toBeCloseTo(0.0645, 15);
    expect(q[8]).toBeCloseTo(0.0765, 15);
    expect(q[14]).toBe(1);
  });

  it('is monotone in p, never below p, and skips NaN', () => {
    const p = [0.5, NaN, 0.01, 0.02, 0.2];
    const q = benjaminiHochberg(p);
    expect(Number.isNaN(q[1])).toBe(true);
    // m = 4 tests
    expect(q[2]).toBeCloseTo(0.04, 15);
    expect(q[3]).toBeCloseTo(0.04, 15);
    expect(q[4]).toBeCloseTo((0.2 * 4) / 3, 15);
    expect(q[0]).toBe(0.5);
    for (const i of [0, 2, 3, 4]) expect(q[i]).toBeGreaterThanOrEqual(p[i]);
  });
});
