/**
 * The plain-file fast path of the CSV readers (src/data/csv.ts) reads exactly what csv-parse
 * reads: every file here is read twice, as written and with its header's first name quoted,
 * which sends it through csv-parse (a quote anywhere does), and both reads must give the same
 * values to the last bit, or the same error at the same line and column.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readWideCsv, readWideCsvSync, readLongCsvSync, type ReadResult } from '../../src/data/index.js';
import { scratchDir, scratchFile } from './helpers.js';

type Outcome = { values: number[][]; times: number[]; symbols: string[]; repairs: string[] } | string;

function outcome(read: () => ReadResult, file: string): Outcome {
  try {
    const { frame, repairs } = read();
    return {
      symbols: [...frame.symbols],
      times: Array.from(frame.times),
      values: frame.symbols.map((s) => Array.from(frame.get(s, 'close'))),
      repairs: repairs.map((r) => r.message.replaceAll(file, 'FILE')),
    };
  } catch (e) {
    return (e as Error).message.replaceAll(file, 'FILE');
  }
}

let n = 0;
/** `text` as written (plain) and with `date` quoted (csv-parse), read by the sync wide reader. */
function both(text: string, dropNonPositive = false): [Outcome, Outcome] {
  const k = n++;
  const dir = join(scratchDir(), `fast-${k}`);
  mkdirSync(dir, { recursive: true });
  const plain = scratchFile(`fast-${k}/p.csv`, text);
  const quoted = scratchFile(`fast-${k}/q.csv`, text.replace(/^(\uFEFF?)date/, '$1"date"'));
  const options = { repair: { dropNonPositive } };
  return [
    outcome(() => readWideCsvSync(plain, options), plain),
    outcome(() => readWideCsvSync(quoted, options), quoted),
  ];
}

/** Values compared bit for bit (NaN equal to NaN, −0 not equal to 0). */
function same(a: Outcome, b: Outcome): void {
  if (typeof a === 'string' || typeof b === 'string') return void expect(a).toBe(b);
  expect(a.symbols).toEqual(b.symbols);
  expect(a.times).toEqual(b.times);
  expect(a.repairs).toEqual(b.repairs);
  a.values.forEach((col, i) => col.forEach((v, t) => expect(Object.is(v, b.values[i][t])).toBe(true)));
}

const CELLS = [
  '1.5',
  '01.50',
  '.5',
  '5.',
  '7',
  '1e3',
  ' 2',
  '2 ',
  '+3',
  '-1',
  '0',
  '0.000',
  '',
  '1.2.3',
  '.',
  'abc',
  '0x10',
  '123456789012345',
  '1234567890123456',
  '0.1234567890123456789',
  '9007199254740993',
  '0.30000000000000004',
  '99999999999999.9',
  'Infinity',
  'NaN',
];

describe('the plain-file fast path reads what csv-parse reads', () => {
  it('every kind of cell, one per line: the same values, or the same error at the same place', () => {
    for (const cell of CELLS) {
      for (const drop of [false, true]) {
        const text = `date,A,B\n2024-01-02,1.25,${cell}\n2024-01-03,${cell},2.5\n`;
        const [p, q] = both(text, drop);
        same(p, q);
      }
    }
  });

  it('a plain decimal of up to 15 digits is Number(text), to the last bit', () => {
    const decimal = fc
      .tuple(fc.stringMatching(/^[0-9]{1,9}$/), fc.stringMatching(/^[0-9]{0,6}$/), fc.boolean())
      .map(([i, f, point]) => (point ? `${i}.${f}` : i))
      .filter((s) => Number(s) > 0);
    fc.assert(
      fc.property(fc.array(decimal, { minLength: 2, maxLength: 8 }), (cells) => {
        const text = `date,${cells.map((_, i) => `S${i}`).join(',')}\n2024-01-02,${cells.join(',')}\n`;
        const [p, q] = both(text);
        same(p, q);
        if (typeof p === 'string') throw new Error(p);
        p.values.forEach((col, i) => expect(Object.is(col[0], Number(cells[i]))).toBe(true));
      }),
      { numRuns: 60 },
    );
  });

  it('line endings, a byte-order mark, blank lines and a last line without its newline', () => {
    const rows = ['date,A,B', '2024-01-02,1.5,2', '2024-01-03,1.75,2.25'];
    for (const text of [
      rows.join('\r\n') + '\r\n',
      rows.join('\r\n'),
      '\uFEFF' + rows.join('\n') + '\n',
      rows.join('\n\n\n') + '\n\n',
      rows.join('\r\n\r\n') + '\r\n',
      // mixed endings and bare carriage returns: left to csv-parse
      rows.join('\n') + '\r\n',
      rows[0] + '\r\n' + rows[1] + '\n' + rows[2] + '\n',
      rows.join('\r') + '\r',
    ]) {
      const [p, q] = both(text);
      same(p, q);
    }
  });

  it('files csv-parse refuses are refused with its message: a short line, a long line', () => {
    for (const text of [
      'date,A,B\n2024-01-02,1.5\n2024-01-03,1.5,2\n',
      'date,A,B\n2024-01-02,1.5,2,3\n',
      'date,A,B\n2024-01-02,1.5,2\n2024-01-03,1.5,2\n2024-01-04,1.5\n',
    ]) {
      const [p, q] = both(text);
      expect(typeof p).toBe('string');
      same(p, q);
    }
  });

  it('a builder error before a later malformed line is reported as csv-parse streaming reports it', async () => {
    // the streaming reader meets the bad number on line 2 before the short line 4
    const file = scratchFile('fast-order.csv', 'date,A,B\n2024-01-02,x,2\n2024-01-03,1,2\n2024-01-04,1\n');
    const message = await readWideCsv(file).then(
      () => 'read',
      (e: Error) => e.message,
    );
    expect(message).toBe(`${file}:2:2: unparseable number "x" in column A`);
  });

  it('symbols and dates stay text; a file that is not UTF-8 goes to csv-parse', () => {
    same(...both('date,Nestlé,007\n2024-01-02,1.5,2\n'));
    const dir = join(scratchDir(), 'fast-latin1');
    mkdirSync(dir, { recursive: true });
    const bytes = (head: string) =>
      Buffer.concat([Buffer.from(`${head},A`), Buffer.from([0xe9]), Buffer.from(',B\n2024-01-02,1,2\n')]);
    const plain = join(dir, 'p.csv');
    const quoted = join(dir, 'q.csv');
    writeFileSync(plain, bytes('date'));
    writeFileSync(quoted, bytes('"date"'));
    same(
      outcome(() => readWideCsvSync(plain), plain),
      outcome(() => readWideCsvSync(quoted), quoted),
    );
  });

  it('a long file keeps its bars read as numbers through the long reader too', () => {
    const file = scratchFile('fast-long.csv', 'date,symbol,close\n2024-01-02,007,1.5\n2024-01-03,007,1.25\n');
    const r = readLongCsvSync(file);
    expect(r.frame.symbols).toEqual(['007']);
    expect(Array.from(r.frame.get('007', 'close'))).toEqual([1.5, 1.25]);
  });
});
