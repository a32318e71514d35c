/**
 * The readers on the bundled files, checked against the figures published in data/README.md and
 * against values read from the raw text (line numbers and cells quoted from the files).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DataError,
  readLongCsv,
  readLongCsvSync,
  readPrices,
  readWideCsv,
  readWideCsvSync,
} from '../../src/data/index.js';

const DAY = 86_400_000;
const utc = (d: string) => Date.parse(`${d}T00:00:00Z`);

describe('wide CSV: the pair files', () => {
  const cases: [string, string[], number, string, string][] = [
    ['data/ewa_ewc.csv', ['EWA', 'EWC'], 1500, '2006-04-26', '2012-04-09'],
    ['data/gld_uso.csv', ['GLD', 'USO'], 1500, '2006-04-26', '2012-04-09'],
    ['data/gld_gdx.csv', ['GLD', 'GDX'], 1481, '2006-05-23', '2012-04-09'],
    ['data/ewa_ewc_ige.csv', ['EWA', 'EWC', 'IGE'], 1500, '2006-04-26', '2012-04-09'],
    ['data/gld_gdx_qt.csv', ['GLD', 'GDX'], 385, '2006-05-23', '2007-11-30'],
  ];
  for (const [file, symbols, rows, first, last] of cases) {
    it(`${file}: ${rows} rows, ${first} … ${last} (data/README.md)`, async () => {
      const { frame, repairs } = await readWideCsv(file);
      expect(frame.symbols).toEqual(symbols);
      expect(frame.length).toBe(rows);
      expect(frame.date(0)).toBe(first);
      expect(frame.date(rows - 1)).toBe(last);
      expect(frame.source).toBe(file);
      expect(repairs).toEqual([]);
      for (const s of symbols) expect(frame.get(s).every((v) => v > 0)).toBe(true);
    });
  }

  it('ewa_ewc.csv: first and last rows as written (2006-04-26,16.10,22.95 and 2012-04-09,22.93,27.46)', () => {
    const { frame } = readWideCsvSync('data/ewa_ewc.csv');
    expect(frame.times[0]).toBe(Date.UTC(2006, 3, 26));
    expect(frame.times[0] % DAY).toBe(0);
    expect([frame.get('EWA')[0], frame.get('EWC')[0]]).toEqual([16.1, 22.95]);
    expect([frame.get('EWA')[1499], frame.get('EWC')[1499]]).toEqual([22.93, 27.46]);
    expect(frame.fields('EWA')).toEqual(['close']);
    const all = frame.dates();
    expect([all.length, all[0], all[1], all[1499]]).toEqual([1500, '2006-04-26', '2006-04-27', '2012-04-09']);
  });

  it('sync and streaming reads give the same frame', async () => {
    const a = readWideCsvSync('data/gld_gdx.csv').frame;
    const b = (await readWideCsv('data/gld_gdx.csv')).frame;
    expect(Array.from(a.times)).toEqual(Array.from(b.times));
    expect(Array.from(a.get('GDX'))).toEqual(Array.from(b.get('GDX')));
  });

  it('reads only the symbols asked for, in that order', async () => {
    const { frame } = await readWideCsv('data/ewa_ewc_ige.csv', { symbols: ['IGE', 'EWA'] });
    expect(frame.symbols).toEqual(['IGE', 'EWA']);
    expect(frame.has('EWC')).toBe(false);
  });
});

describe('wide CSV: the ETF universe (67 ETFs, 1500 days)', () => {
  it('refuses the raw file at its first non-positive price: SMN -0.86 on 2008-06-17 (line 541, column 43)', async () => {
    const err = await readWideCsv('data/etf_universe_close.csv').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(
      'data/etf_universe_close.csv:541:43: non-positive price -0.86 in column SMN',
    );
    expect((err as DataError).code).toBe('non-positive-price');
    expect(readFileSync('data/etf_universe_close.csv', 'utf8').split('\n')[540].split(',')[42]).toBe('-0.86');
  });

  it('with dropNonPositive: 67 symbols, 1500 rows, NaN before listing, 11 reported cells', async () => {
    const { frame, repairs } = await readWideCsv('data/etf_universe_close.csv', {
      repair: { dropNonPositive: true },
    });
    expect(frame.symbols.length).toBe(67);
    expect(frame.length).toBe(1500);
    expect(frame.date(0)).toBe('2006-04-26');
    expect(frame.date(1499)).toBe('2012-04-09');
    // 2006-04-26: EWA 16.1, SPY 115.42, BGU empty (listed 2008-11-05); 2012-04-09: SPY 138.22, BGU 81.54
    expect(frame.get('EWA')[0]).toBe(16.1);
    expect(frame.get('SPY')[0]).toBe(115.42);
    expect(frame.get('SPY')[1499]).toBe(138.22);
    expect(frame.get('BGU')[0]).toBeNaN();
    expect(frame.get('BGU')[1499]).toBe(81.54);
    const bgu = frame.get('BGU');
    const firstBgu = bgu.findIndex((v) => !Number.isNaN(v));
    expect(frame.date(firstBgu)).toBe('2008-11-05');
    expect(bgu[firstBgu]).toBe(42.48);
    // 32 ETFs have a price on all 1500 days (counted in the raw text; data/README.md says 35)
    const full = frame.symbols.filter((s) => frame.get(s).every((v) => !Number.isNaN(v)));
    expect(full.length).toBe(32);
    expect(repairs.map((r) => r.message)).toEqual([
      'data/etf_universe_close.csv: SMN: 4 non-positive prices treated as missing (lines 541, 542, 543, 545)',
      'data/etf_universe_close.csv: EDC: 2 non-positive prices treated as missing (lines 718, 719)',
      'data/etf_universe_close.csv: MWJ: 5 non-positive prices treated as missing (lines 718, 719, 721, 722, 723)',
    ]);
    expect(frame.get('SMN')[539]).toBeNaN();
  });

  it('the 32 fully priced symbols agree with a plain split of the raw text', () => {
    const lines = readFileSync('data/etf_universe_close.csv', 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const cells = lines.slice(1).map((l) => l.split(','));
    const full = header.slice(1).filter((_, j) => cells.every((row) => row[j + 1] !== ''));
    const { frame } = readWideCsvSync('data/etf_universe_close.csv', { repair: { dropNonPositive: true } });
    expect(full.length).toBe(32);
    expect(frame.symbols.filter((s) => !frame.get(s).some((v) => Number.isNaN(v)))).toEqual(full);
  });
});

describe('long CSV: the ETF universe OHLCV (83,454 rows)', () => {
  it('refuses the raw file at its first non-positive price: EDC low -2.75 on 2009-03-02 (line 3600)', async () => {
    const message = await readLongCsv('data/etf_universe_ohlcv.csv').catch((e: Error) => e.message);
    expect(message).toBe('data/etf_universe_ohlcv.csv:3600:5: non-positive price -2.75 in column low');
  });

  it('with dropNonPositive: 67 symbols on 1500 dates, 83,454 − 21 bars, OHLCV spot values', async () => {
    const { frame, repairs } = await readLongCsv('data/etf_universe_ohlcv.csv', {
      repair: { dropNonPositive: true },
    });
    expect(frame.symbols.length).toBe(67);
    expect(frame.symbols[0]).toBe('BGU');
    expect(frame.length).toBe(1500);
    expect(frame.date(0)).toBe('2006-04-26');
    expect(frame.date(1499)).toBe('2012-04-09');
    let bars = 0;
    for (const s of frame.symbols) for (const v of frame.get(s)) if (!Number.isNaN(v)) bars++;
    expect(bars).toBe(83_454 - 21);
    // line 52911: 2006-04-26,SPY,115.52,116.16,115.32,115.42,672624.0
    expect(frame.fields('SPY')).toEqual(['open', 'high', 'low', 'close', 'volume']);
    expect(['open', 'high', 'low', 'close', 'volume'].map((f) => frame.get('SPY', f as 'open')[0])).toEqual([
      115.52, 116.16, 115.32, 115.42, 672624,
    ]);
    // line 54410: 2012-04-09,SPY,138.03,139.84,137.84,138.22,1274671.0
    expect(frame.get('SPY', 'volume')[1499]).toBe(1274671);
    // line 2: 2008-11-05,BGU,49.22,50.27,41.6,42.48,191.0 (862 BGU rows)
    const i = frame.times.indexOf(utc('2008-11-05'));
    expect(frame.get('BGU', 'open')[i]).toBe(49.22);
    expect(frame.get('BGU', 'open')[i - 1]).toBeNaN();
    expect(frame.get('BGU').filter((v) => !Number.isNaN(v)).length).toBe(862);
    expect(repairs.map((r) => [r.symbol, r.kind === 'drop-non-positive' ? r.lines : []])).toEqual([
      ['EDC', [3600, 3601, 3604, 3605]],
      ['MWJ', [40379, 40380, 40381, 40382, 40383, 40384, 40385]],
      ['SMN', [51227, 51240, 51241, 51246, 51247, 51248, 51249, 51250, 51251, 51252]],
    ]);
    expect(repairs[0].message).toBe(
      'data/etf_universe_ohlcv.csv: EDC: dropped 4 bars with a non-positive price (lines 3600, 3601, 3604, 3605)',
    );
  });

  it('its closes equal the wide file where both are positive', () => {
    const long = readLongCsvSync('data/etf_universe_ohlcv.csv', { repair: { dropNonPositive: true } }).frame;
    const wide = readWideCsvSync('data/etf_universe_close.csv', { repair: { dropNonPositive: true } }).frame;
    expect(Array.from(long.times)).toEqual(Array.from(wide.times));
    for (const s of ['EWA', 'SPY', 'XLE', 'BGU', 'VXX'])
      expect(Array.from(long.get(s))).toEqual(Array.from(wide.get(s)));
  });

  it('readPrices recognises both layouts from the header', async () => {
    const long = await readPrices('data/etf_universe_ohlcv.csv', {
      symbols: ['EWA', 'EWC'],
      repair: { dropNonPositive: true },
    });
    expect(long.frame.fields('EWA')).toEqual(['open', 'high', 'low', 'close', 'volume']);
    const wide = await readPrices('data/ewa_ewc.csv');
    expect(wide.frame.fields('EWA')).toEqual(['close']);
    expect(Array.from(long.frame.get('EWC'))).toEqual(Array.from(wide.frame.get('EWC')));
  });
});
