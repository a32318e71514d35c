/** Test data read straight from the bundled CSV text (independent of the data module). */
import { readFileSync } from 'node:fs';
import { PriceFrame } from '../../src/data/frame.js';

/** Closes of a wide CSV as a frame (`date,SYM1,SYM2,…`). */
export function wideFrame(file: string, symbols?: string[]): PriceFrame {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const want = symbols ?? header.slice(1);
  const idx = want.map((s) => header.indexOf(s));
  const dates: string[] = [];
  const cols: number[][] = want.map(() => []);
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    dates.push(cells[0]);
    idx.forEach((j, k) => cols[k].push(Number(cells[j])));
  }
  return PriceFrame.fromCloses(dates, Object.fromEntries(want.map((s, k) => [s, cols[k]])), file);
}

/** Open and close of some symbols from the long OHLCV file, on the dates all of them have. */
export function ohlcFrame(symbols: string[]): PriceFrame {
  const lines = readFileSync('data/etf_universe_ohlcv.csv', 'utf8').trim().split('\n');
  const byDate = new Map<string, Map<string, [number, number]>>();
  for (const line of lines.slice(1)) {
    const [date, symbol, open, , , close] = line.split(',');
    if (!symbols.includes(symbol)) continue;
    if (!byDate.has(date)) byDate.set(date, new Map());
    byDate.get(date)!.set(symbol, [Number(open), Number(close)]);
  }
  const dates = [...byDate.keys()].filter((d) => byDate.get(d)!.size === symbols.length).sort();
  const columns: Record<string, { open: Float64Array; close: Float64Array }> = {};
  for (const s of symbols) {
    columns[s] = {
      open: Float64Array.from(dates, (d) => byDate.get(d)!.get(s)![0]),
      close: Float64Array.from(dates, (d) => byDate.get(d)!.get(s)![1]),
    };
  }
  return new PriceFrame({
    times: dates.map((d) => Date.parse(`${d}T00:00:00Z`)),
    columns,
    source: 'etf_universe_ohlcv.csv',
  });
}
