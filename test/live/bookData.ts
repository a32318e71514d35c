/** Test data of the paper book tests: a slice of the bundled long OHLCV file, on dates every symbol has. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AssembledBar } from '../../src/live/assembler.js';

/** The book the tests trade: three pairs over six ETFs. */
export const PAIRS: [string, string][] = [
  ['EWA', 'EWC'],
  ['SPY', 'IWM'],
  ['XLE', 'USO'],
];

/**
 * Writes `data/etf_universe_ohlcv.csv`'s rows of `symbols`, on the dates all of them have,
 * bars [from, from + n) of those, as a long CSV (grouped by symbol, as the bundled file) in `dir`.
 * @returns the file's path and its dates.
 */
export function bookCsv(
  dir: string,
  symbols: readonly string[],
  from: number,
  n: number,
  name = 'book.csv',
): { file: string; dates: string[] } {
  const [header, ...lines] = readFileSync('data/etf_universe_ohlcv.csv', 'utf8').trim().split('\n');
  const rows = new Map<string, Map<string, string>>();
  for (const line of lines) {
    const [date, symbol] = line.split(',', 2);
    if (!symbols.includes(symbol)) continue;
    if (!rows.has(symbol)) rows.set(symbol, new Map());
    rows.get(symbol)!.set(date, line);
  }
  const all = [...rows.get(symbols[0])!.keys()]
    .filter((d) => symbols.every((s) => rows.get(s)!.has(d)))
    .sort();
  const dates = all.slice(from, from + n);
  const out = [header];
  for (const s of symbols) for (const d of dates) out.push(rows.get(s)!.get(d)!);
  const file = join(dir, name);
  writeFileSync(file, out.join('\n') + '\n');
  return { file, dates };
}

/** A long CSV's bars as the assembler gives them: every symbol's close and open, in `symbols` order. */
export function barsOf(file: string, symbols: readonly string[]): AssembledBar[] {
  const byDate = new Map<string, Map<string, [number, number]>>();
  for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
    const [date, symbol, open, , , close] = line.split(',');
    if (!byDate.has(date)) byDate.set(date, new Map());
    byDate.get(date)!.set(symbol, [Number(open), Number(close)]);
  }
  return [...byDate.keys()].sort().map((d, t) => ({
    time: Date.parse(`${d}T00:00:00Z`),
    close: Float64Array.from(symbols, (s) => byDate.get(d)!.get(s)![1]),
    open: Float64Array.from(symbols, (s) => byDate.get(d)!.get(s)![0]),
    flatten: false,
    receivedAt: t,
  }));
}
