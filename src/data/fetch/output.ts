/**
 * The file a fetch writes: a long CSV (`date,symbol,open,high,low,close[,adj close][,volume]`)
 * or the same columns as a Parquet file,
 * or a folder of one bars CSV per symbol (`SYMBOL.csv`, the same columns without `symbol`),
 * daily bars dated `YYYY-MM-DD` and intraday bars stamped with their UTC instant,
 * both read by every kalrev command. `close` is the provider's close and `adj close` the close
 * adjusted for splits and dividends; the readers use `adj close` when it is there (and scale
 * open, high and low alike), or the close with `adjusted: false`.
 */
import { join } from 'node:path';
import { isoTime } from '../frame.js';
import { writeFileAtomic } from './atomic.js';
import type { FetchInterval } from './provider.js';
import type { SymbolBars } from './run.js';

/** A bar's timestamp: its date for daily bars, the instant in UTC for intraday ones. */
const stamp = (t: number, daily: boolean) => (daily ? isoTime(t) : new Date(t).toISOString());

/** The header and rows of one CSV. */
function csv(list: readonly SymbolBars[], withSymbol: boolean, daily: boolean): string {
  const adjusted = list.every((s) => s.bars.adjClose !== undefined);
  const volume = list.every((s) => s.bars.volume !== undefined);
  const header = ['date', ...(withSymbol ? ['symbol'] : []), 'open', 'high', 'low', 'close'];
  if (adjusted) header.push('adj close');
  if (volume) header.push('volume');
  const lines = [header.join(',')];
  for (const { symbol, bars } of list) {
    const name = withSymbol ? `,${csvCell(symbol)}` : '';
    for (let i = 0; i < bars.time.length; i++) {
      let line = `${stamp(bars.time[i], daily)}${name},${bars.open[i]},${bars.high[i]},${bars.low[i]},${bars.close[i]}`;
      if (adjusted) line += `,${bars.adjClose![i]}`;
      if (volume) line += `,${bars.volume![i]}`;
      lines.push(line);
    }
  }
  return lines.join('\n') + '\n';
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The file name of a symbol's file in a folder: the symbol, `/` and `\` as `-`. */
export function symbolFileName(symbol: string): string {
  return `${symbol.replace(/[/\\:]/g, '-')}.csv`;
}

/** Whether `out` names one file (`.csv` or `.parquet`) rather than a folder. */
export const isOneFile = (out: string): boolean => /\.(csv|parquet)$/i.test(out);

/** The long layout as a Parquet file: the CSV's columns, the date as the same text. */
async function parquet(list: readonly SymbolBars[], daily: boolean): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const adjusted = list.every((s) => s.bars.adjClose !== undefined);
  const volume = list.every((s) => s.bars.volume !== undefined);
  const all = (f: (s: SymbolBars) => readonly (number | string)[]) => list.flatMap(f);
  const double = (name: string, f: (s: SymbolBars) => readonly number[]) => ({
    name,
    data: all(f) as number[],
    type: 'DOUBLE' as const,
  });
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'date', data: all((s) => s.bars.time.map((t) => stamp(t, daily))), type: 'STRING' },
      { name: 'symbol', data: all((s) => s.bars.time.map(() => s.symbol)), type: 'STRING' },
      double('open', (s) => s.bars.open),
      double('high', (s) => s.bars.high),
      double('low', (s) => s.bars.low),
      double('close', (s) => s.bars.close),
      ...(adjusted ? [double('adj close', (s) => s.bars.adjClose!)] : []),
      ...(volume ? [double('volume', (s) => s.bars.volume!)] : []),
    ],
  });
  return new Uint8Array(buffer);
}

/**
 * Writes the bars to `out`: one long CSV if it ends with `.csv`, one long Parquet file if it
 * ends with `.parquet`, else a folder of per-symbol CSV files. Every file is written
 * atomically. Returns the files written.
 */
export async function writeFetched(
  out: string,
  list: readonly SymbolBars[],
  interval: FetchInterval,
): Promise<string[]> {
  const daily = interval === '1d';
  if (/\.parquet$/i.test(out)) {
    writeFileAtomic(out, await parquet(list, daily));
    return [out];
  }
  if (isOneFile(out)) {
    writeFileAtomic(out, csv(list, true, daily));
    return [out];
  }
  return list.map((s) => {
    const file = join(out, symbolFileName(s.symbol));
    writeFileAtomic(file, csv([s], false, daily));
    return file;
  });
}
