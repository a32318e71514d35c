/**
 * Reading the legs a command works on: read the file (only the symbols asked for), align them by
 * date (inner join) and say what was dropped.
 */
import { alignFrames, type AlignmentReport } from '../data/align.js';
import { readPrices } from '../data/readers.js';
import { type PriceFrame } from '../data/frame.js';
import { type Repair } from '../data/repair.js';

/** Reads `path` and aligns `symbols` (default: the file's first `count` symbols). */
export async function loadLegs(
  path: string,
  symbols: string[] | undefined,
  count: number,
): Promise<{ frame: PriceFrame; symbols: string[]; repairs: Repair[]; alignment: AlignmentReport }> {
  const read = await readPrices(path, symbols ? { symbols } : {});
  const chosen = symbols ?? read.frame.symbols.slice(0, count);
  const { frame, report } = alignFrames(read.frame, { symbols: chosen });
  return { frame, symbols: chosen, repairs: read.repairs, alignment: report };
}
