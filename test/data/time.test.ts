/** Timestamps in data files. */
import { describe, expect, it } from 'vitest';
import { parseTime } from '../../src/data/index.js';

describe('parseTime', () => {
  it('reads YYYY-MM-DD as midnight UTC', () => {
    expect(parseTime('2006-04-26')).toBe(Date.UTC(2006, 3, 26));
    expect(parseTime('2020-02-29')).toBe(Date.UTC(2020, 1, 29));
    expect(parseTime('2000-02-29')).toBe(Date.UTC(2000, 1, 29));
    expect(parseTime(' 2006-04-26 ')).toBe(Date.UTC(2006, 3, 26));
  });

  it('reads ISO timestamps with a zone', () => {
    expect(parseTime('2020-01-02T15:30:00Z')).toBe(Date.UTC(2020, 0, 2, 15, 30));
    expect(parseTime('2020-01-02T09:30:00-05:00')).toBe(Date.UTC(2020, 0, 2, 14, 30));
    expect(parseTime('2020-01-02 09:30:00.250+0100')).toBe(Date.UTC(2020, 0, 2, 8, 30, 0, 250));
    expect(parseTime('2020-01-02T09:30+05')).toBe(Date.UTC(2020, 0, 2, 4, 30));
    expect(parseTime('2020-01-02T09:30:00.123456789Z')).toBe(Date.UTC(2020, 0, 2, 9, 30, 0, 123));
  });

  it('refuses impossible dates, other layouts and times without a zone', () => {
    for (const bad of [
      '2021-02-29',
      '1900-02-29',
      '2020-04-31',
      '2020-13-01',
      '2020-00-10',
      '2020-1-2',
      '02/01/2020',
      '20200102',
      '2020-01-02T24:00:00Z',
      '2020-01-02T10:00:00',
      '2020-01-02T10:00:00+25:00',
      '',
      'yesterday',
    ])
      expect(parseTime(bad), bad).toBeNaN();
  });
});
