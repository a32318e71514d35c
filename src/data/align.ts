/**
 * Aligning legs by date. Readers never drop a bar; this is where bars are dropped (inner join) or
 * kept with NaN (outer join), and every bar dropped is counted per symbol with its first dates.
 */
import { FrameError, PriceFrame, type PriceField } from './frame.js';
import { forwardFill, listDates, REPORT_DATES, type ForwardFillRepair } from './repair.js';
import { requireRows } from './validate.js';

/**
 * `inner`: keep the bars on which every symbol is priced (the default: a pair trades only on
 * days both legs have a price). `outer`: keep the bars on which any symbol is priced, NaN elsewhere.
 */
export type Join = 'inner' | 'outer';

/** Options of {@link alignFrames}. */
export interface AlignOptions {
  /** Default `inner`. */
  join?: Join;
  /** The symbols to align, in this order (default: all, frame by frame). */
  symbols?: readonly string[];
  /** Forward-fill gaps of at most this many bars before joining (see `RepairOptions.forwardFill`). */
  forwardFill?: number;
  /** Refuse a result with fewer priced bars than this for any symbol (a lookback). */
  minRows?: number;
  /** The result's source name (default: the input's, joined with ` + `). */
  source?: string;
}

/** What alignment did to one symbol. */
export interface SymbolAlignment {
  /** The symbol. */
  symbol: string;
  /** Bars of the combined calendar on which the symbol is priced (after any forward fill). */
  priced: number;
  /** Bars of the combined calendar on which it has no price. */
  missing: number;
  /** The first few of those dates. */
  missingDates: string[];
  /** Its priced bars that were dropped because another symbol had no price on them (inner join). */
  dropped: number;
  /** The first few of those dates. */
  droppedDates: string[];
}

/** What {@link alignFrames} kept and dropped. */
export interface AlignmentReport {
  /** The join made. */
  join: Join;
  /** Bars in the combined calendar (the union of the inputs' timestamps). */
  calendarBars: number;
  /** Bars kept. */
  bars: number;
  /** Bars of the calendar dropped. */
  dropped: number;
  /** The first few dropped dates. */
  droppedDates: string[];
  /** Per symbol, in output order. */
  symbols: SymbolAlignment[];
  /** Forward fills made (when asked for). */
  repairs: ForwardFillRepair[];
  /** A few lines for people: the join, then one line per symbol that lost or lacks bars. */
  message: string;
}

/** Puts several frames on the union of their timestamps (NaN where a frame has no bar). */
function combine(frames: readonly PriceFrame[], source: string): PriceFrame {
  if (frames.length === 1 && frames[0].source === source) return frames[0];
  const owner = new Map<string, string>();
  for (const f of frames)
    for (const s of f.symbols) {
      const other = owner.get(s);
      if (other !== undefined) throw new FrameError(`symbol "${s}" is in both ${other} and ${f.source}`);
      owner.set(s, f.source);
    }
  let total = 0;
  for (const f of frames) total += f.length;
  const all = new Float64Array(total);
  let k = 0;
  for (const f of frames) {
    all.set(f.times, k);
    k += f.length;
  }
  all.sort();
  let m = 0;
  for (let i = 0; i < total; i++) if (m === 0 || all[i] !== all[m - 1]) all[m++] = all[i];
  const times = all.slice(0, m);
  const columns = new Map<string, Partial<Record<PriceField, Float64Array>>>();
  for (const f of frames) {
    const same = f.length === m;
    const pos = new Int32Array(f.length);
    if (!same) for (let i = 0, j = 0; i < f.length; i++) pos[i] = j = seek(times, f.times[i], j);
    for (const s of f.symbols) {
      const fields: Partial<Record<PriceField, Float64Array>> = {};
      for (const field of f.fields(s)) {
        const data = f.get(s, field);
        if (same) fields[field] = data;
        else {
          const out = new Float64Array(m).fill(NaN);
          for (let i = 0; i < data.length; i++) out[pos[i]] = data[i];
          fields[field] = out;
        }
      }
      columns.set(s, fields);
    }
  }
  return new PriceFrame({ times, columns, source });
}

function seek(times: Float64Array, t: number, from: number): number {
  let j = from;
  while (times[j] !== t) j++;
  return j;
}

/**
 * Aligns symbols by date: combines the frames on the union of their timestamps, optionally
 * forward-fills short gaps, then keeps the bars of the join (inner by default) and reports, per
 * symbol, the bars it lacks and the bars of its own that were dropped because another lacked a
 * price.
 * @example
 * const { frame, report } = alignFrames(universe, { symbols: ['EWA', 'EWC'] });
 * @throws FrameError for an unknown symbol or a symbol present in two frames; DataError when
 *   `minRows` is not met.
 */
export function alignFrames(
  input: PriceFrame | readonly PriceFrame[],
  options: AlignOptions = {},
): { frame: PriceFrame; report: AlignmentReport } {
  const frames = input instanceof PriceFrame ? [input] : input;
  if (frames.length === 0) throw new FrameError('alignFrames: no frames given');
  const join = options.join ?? 'inner';
  const source = options.source ?? frames.map((f) => f.source).join(' + ');
  let union = combine(frames, source);
  const symbols = options.symbols ?? union.symbols;
  for (const s of symbols) union.get(s);
  let repairs: ForwardFillRepair[] = [];
  if (options.forwardFill !== undefined)
    ({ frame: union, repairs } = forwardFill(union, options.forwardFill, symbols));
  const n = union.length;
  const closes = symbols.map((s) => union.get(s));
  const keep = new Uint8Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    let priced = 0;
    for (const c of closes) if (!Number.isNaN(c[i])) priced++;
    const k = join === 'inner' ? priced === closes.length : priced > 0;
    keep[i] = k ? 1 : 0;
    if (k) kept++;
  }
  const droppedDates: string[] = [];
  for (let i = 0; i < n && droppedDates.length < REPORT_DATES; i++)
    if (!keep[i]) droppedDates.push(union.date(i));
  const perSymbol: SymbolAlignment[] = symbols.map((symbol, k) => {
    const c = closes[k];
    const r: SymbolAlignment = {
      symbol,
      priced: 0,
      missing: 0,
      missingDates: [],
      dropped: 0,
      droppedDates: [],
    };
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(c[i])) {
        if (r.missing++ < REPORT_DATES) r.missingDates.push(union.date(i));
      } else {
        r.priced++;
        if (!keep[i] && r.dropped++ < REPORT_DATES) r.droppedDates.push(union.date(i));
      }
    }
    return r;
  });
  let frame: PriceFrame;
  if (
    kept === n &&
    symbols.length === union.symbols.length &&
    symbols.every((s, i) => s === union.symbols[i])
  )
    frame = union;
  else if (kept === n) frame = union.select(symbols);
  else {
    const idx = new Int32Array(kept);
    for (let i = 0, j = 0; i < n; i++) if (keep[i]) idx[j++] = i;
    const gather = (a: Float64Array) => {
      const out = new Float64Array(kept);
      for (let j = 0; j < kept; j++) out[j] = a[idx[j]];
      return out;
    };
    const columns = new Map<string, Partial<Record<PriceField, Float64Array>>>();
    for (const s of symbols) {
      const fields: Partial<Record<PriceField, Float64Array>> = {};
      for (const f of union.fields(s)) fields[f] = gather(union.get(s, f));
      columns.set(s, fields);
    }
    frame = new PriceFrame({ times: gather(union.times), columns, source });
  }
  const lines = [
    `${join} join of ${symbols.join(', ')}: ${kept} of ${n} bars kept` +
      (kept < n ? `, ${n - kept} dropped (${listDates(droppedDates, n - kept)})` : ''),
  ];
  for (const r of perSymbol) {
    const parts: string[] = [];
    if (r.missing > 0)
      parts.push(
        `no price on ${r.missing} bar${r.missing === 1 ? '' : 's'} (${listDates(r.missingDates, r.missing)})`,
      );
    if (r.dropped > 0)
      parts.push(`${r.dropped} of its bars dropped (${listDates(r.droppedDates, r.dropped)})`);
    if (parts.length > 0) lines.push(`  ${r.symbol}: ${parts.join('; ')}`);
  }
  const report: AlignmentReport = {
    join,
    calendarBars: n,
    bars: kept,
    dropped: n - kept,
    droppedDates,
    symbols: perSymbol,
    repairs,
    message: lines.join('\n'),
  };
  if (options.minRows !== undefined) requireRows(frame, options.minRows);
  return { frame, report };
}
