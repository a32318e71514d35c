/**
 * The scan's ranking order: sortedOrder (a native sort of exact composite keys) equals the stable
 * comparator sort it replaces, on keys with ties, NaN, ±0 and ±Infinity, flagged (ruined)
 * entries, in both directions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortedOrder } from '../../src/scan/scan.js';

/** The reference: a stable sort of indices by (flag, NaN last, key up or down), as written out. */
function reference(key: number[], last: boolean[], ascending: boolean): number[] {
  return key
    .map((_, i) => i)
    .sort((i, j) => {
      if (last[i] !== last[j]) return last[i] ? 1 : -1;
      const a = key[i];
      const b = key[j];
      if (Number.isNaN(a) || Number.isNaN(b))
        return Number.isNaN(a) === Number.isNaN(b) ? 0 : Number.isNaN(a) ? 1 : -1;
      return ascending ? a - b : b - a;
    });
}

const value = fc.oneof(
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1, -1, 0.5),
  fc.double({ noNaN: false }),
  fc.integer({ min: -3, max: 3 }),
);

describe('scan ranking order', () => {
  it('equals the stable comparator sort', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, fc.boolean()), { maxLength: 300 }),
        fc.boolean(),
        (entries, ascending) => {
          const key = entries.map(([v]) => v);
          const last = entries.map(([, f]) => f);
          const got = sortedOrder(Float64Array.from(key), Uint8Array.from(last, Number), ascending);
          expect(Array.from(got)).toEqual(reference(key, last, ascending));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps job order among equal keys (many ties)', () => {
    const key = Float64Array.from({ length: 1000 }, (_, i) => i % 3);
    const got = Array.from(sortedOrder(key, new Uint8Array(1000), false));
    expect(got.slice(0, 4)).toEqual([2, 5, 8, 11]);
    expect(got[got.length - 1]).toBe(999);
  });
});
