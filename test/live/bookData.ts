/** Test data of the paper book tests: a slice of the bundled long OHLCV file, on dates every symbol has. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
