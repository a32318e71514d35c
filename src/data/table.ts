/**
 * Format-independent table building: header roles, cell parsing, per-row validation, ordering
 * (with the sort and drop-duplicates repairs) and assembly into a {@link PriceFrame}. The CSV and
 * Parquet front ends feed rows of cells in and turn {@link Located} problems into `DataError`s
 * with the file's own coordinates (line and column, or row and column name).
 * @internal
 */
import type { DataErrorCode } from './errors.js';
import { isoTime, PriceFrame, type PriceField } from './frame.js';
import type { RepairOptions } from './repair.js';
import { parseTime, timeProblem } from './time.js';

/** One cell as a front end delivers it: CSV text, or a Parquet value. */
export type Cell = string | number | bigint | Date | null | undefined;

/** Maps a record index to the words that locate it in the file (`line 12`, `row 11`). */
export type Where = (record: number) => string;

/**
 * A problem at a record and field of the input. Record 0 is the header; data records count from 1
 * in input order; record -1 means the problem has no location (e.g. an unknown symbol). Field is
 * the 0-based column, -1 for none.
 */
export class Located extends Error {
  constructor(
    readonly render: (where: Where) => string,
    readonly record: number,
    readonly field: number,
    readonly code: DataErrorCode,
  ) {
    super('data problem (not converted to a DataError)');
  }
}

function at(text: string, record: number, field: number, code: DataErrorCode): Located {
  return new Located(() => text, record, field, code);
}

/** Returned by {@link readNumber} for a cell that is not a number (never a valid value). */
export const UNPARSEABLE = Infinity;

/**
 * A cell's number: finite for a number, NaN for an empty cell (or a Parquet null or NaN), and
 * {@link UNPARSEABLE} for anything else (text that is not a decimal number, ±Infinity, hex).
 */
export function readNumber(cell: Cell): number {
  if (typeof cell === 'string') {
    const v = Number(cell);
    if (!Number.isFinite(v)) return UNPARSEABLE;
    if (v === 0 && cell.trim() === '') return NaN;
    if (cell.length > 2 && cell.charCodeAt(0) === 48) {
      const c = cell.charCodeAt(1) | 32;
      if (c === 120 || c === 98 || c === 111) return UNPARSEABLE; // 0x…, 0b…, 0o…
    }
    return v;
  }
  if (typeof cell === 'number') return Number.isFinite(cell) || Number.isNaN(cell) ? cell : UNPARSEABLE;
  if (typeof cell === 'bigint') return Number(cell);
  if (cell === null || cell === undefined) return NaN;
  return UNPARSEABLE;
}

/** A cell as text, for messages. */
export function cellText(cell: Cell): string {
  if (typeof cell === 'string') return cell;
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? 'Invalid Date' : cell.toISOString();
  if (cell === null || cell === undefined) return '';
  return String(cell);
}

function readTime(cell: Cell, record: number, field: number): number {
  if (typeof cell === 'string') {
    const t = parseTime(cell);
    if (!Number.isNaN(t)) return t;
    throw at(cell.trim() === '' ? 'empty date' : timeProblem(cell), record, field, 'unparseable-date');
  }
  if (cell instanceof Date && !Number.isNaN(cell.getTime())) return cell.getTime();
  if (cell === null || cell === undefined) throw at('empty date', record, field, 'unparseable-date');
  throw at(
    `unparseable date ${cellText(cell)} (a ${typeof cell}; expected a date or timestamp, or YYYY-MM-DD text)`,
    record,
    field,
    'unparseable-date',
  );
}

/** What a header name means. */
export type Role = PriceField | 'date' | 'symbol' | 'adjClose';

const ROLE_NAMES = new Map<string, Role>([
  ['date', 'date'],
  ['datetime', 'date'],
  ['timestamp', 'date'],
  ['time', 'date'],
  ['symbol', 'symbol'],
  ['ticker', 'symbol'],
  ['open', 'open'],
  ['high', 'high'],
  ['low', 'low'],
  ['close', 'close'],
  ['adjclose', 'adjClose'],
  ['volume', 'volume'],
]);

/** The role of a header name: case, spaces, `_` and `-` are ignored (`Adj Close` = `adj_close`). */
export function roleOf(name: string): Role | undefined {
  return ROLE_NAMES.get(name.toLowerCase().replace(/[\s_-]/g, ''));
}

/**
 * Whether a header describes bars (a `symbol` column, or only date and price-field columns)
 * rather than a wide table of one column per symbol.
 */
export function isBarsHeader(header: readonly Cell[]): boolean {
  const roles = header.map((h) => roleOf(cellText(h).trim()));
  if (roles.includes('symbol')) return true;
  const rest = roles.slice(1);
  return roles[0] === 'date' && rest.length > 0 && rest.every((r) => r !== undefined && r !== 'date');
}

/** Rows that share one timestamp axis: a whole wide file, or one symbol of a bars file. */
export interface Group {
  /** The symbol when the group is one symbol's bars; undefined for a wide file. */
  symbol: string | undefined;
  times: number[];
  /** Record index of each row, for messages and repairs. */
  records: number[];
  columns: { symbol: string; field: PriceField; data: number[] | Float64Array }[];
}

/** What a builder hands over once every row is in. */
export interface Built {
  groups: Group[];
  /** Symbols in frame order. */
  symbols: string[];
  /** The date column (0-based), for locating order problems. */
  dateField: number;
  /** Checks that need the final rows (empty columns); run after ordering. */
  check(): void;
  /** Repairs made while reading rows (non-positive prices treated as missing). */
  pending: PendingRepair[];
}

/** Builds tables row by row. */
export interface Builder {
  /**
   * One record. Where `values[f]` is a number (not NaN) it is field f's value, already read
   * (a front end's fast path for plain positive decimals), and `cells[f]` is not to be read.
   */
  row(cells: readonly Cell[], record: number, values?: Float64Array): void;
  finish(): Built;
}

function unknownSymbols(wanted: readonly string[], have: readonly string[], what: string): void {
  const known = new Set(have);
  for (const s of wanted)
    if (!known.has(s))
      throw at(`unknown symbol "${s}"; ${what} has ${have.join(', ')}`, -1, -1, 'unknown-symbol');
}

function nonPositivePending(found: Map<string, number[]>, bars: boolean): PendingRepair[] {
  return [...found].map(([symbol, records]) => ({ kind: 'non-positive', symbol, records, bars }));
}

/** A wide table: `date` then one column of closes per symbol; empty cells are unpriced (NaN). */
export class WideBuilder implements Builder {
  readonly #group: Group;
  readonly #index: number[];
  readonly #names: string[];
  readonly #dropNonPositive: boolean;
  readonly #nonPositive = new Map<string, number[]>();
  // the values row by row, one growing typed array: a number[] per column grows in the young
  // generation, and copying hundreds of those at every scavenge was most of reading a wide file
  #values = new Float64Array(1 << 12);
  #rows = 0;

  constructor(header: readonly Cell[], symbols?: readonly string[], dropNonPositive = false) {
    this.#dropNonPositive = dropNonPositive;
    const names = header.map((h) => cellText(h).trim());
    if (roleOf(names[0] ?? '') !== 'date')
      throw at(`the first column must be "date", found "${names[0] ?? ''}"`, 0, 0, 'bad-header');
    const all = names.slice(1);
    if (all.length === 0) throw at('no price columns after "date"', 0, -1, 'bad-header');
    const seen = new Map<string, number>();
    all.forEach((s, i) => {
      if (s === '') throw at('empty column name', 0, i + 1, 'bad-header');
      const before = seen.get(s);
      if (before !== undefined)
        throw at(`duplicate column "${s}" (also column ${before + 1})`, 0, i + 1, 'bad-header');
      seen.set(s, i + 1);
    });
    const picked = symbols ?? all;
    unknownSymbols(picked, all, 'the file');
    this.#names = names;
    this.#index = picked.map((s) => seen.get(s)!);
    this.#group = {
      symbol: undefined,
      times: [],
      records: [],
      columns: picked.map((symbol) => ({ symbol, field: 'close' as const, data: [] })),
    };
  }

  row(cells: readonly Cell[], record: number, values?: Float64Array): void {
    const g = this.#group;
    g.times.push(readTime(cells[0], record, 0));
    g.records.push(record);
    const index = this.#index;
    const columns = g.columns;
    const w = index.length;
    if ((this.#rows + 1) * w > this.#values.length) {
      const grown = new Float64Array(Math.max(2 * this.#values.length, (this.#rows + 1) * w));
      grown.set(this.#values);
      this.#values = grown;
    }
    const out = this.#values;
    const o = this.#rows++ * w;
    for (let k = 0; k < w; k++) {
      const c = index[k];
      const read = values === undefined ? NaN : values[c];
      const v = read === read ? read : readNumber(cells[c]);
      if (v === UNPARSEABLE)
        throw at(
          `unparseable number "${cellText(cells[c])}" in column ${this.#names[c]}`,
          record,
          c,
          'unparseable-number',
        );
      if (v <= 0) {
        if (!this.#dropNonPositive)
          throw at(
            `non-positive price ${cellText(cells[c])} in column ${this.#names[c]}`,
            record,
            c,
            'non-positive-price',
          );
        const list = this.#nonPositive.get(columns[k].symbol);
        if (list === undefined) this.#nonPositive.set(columns[k].symbol, [record]);
        else list.push(record);
        out[o + k] = NaN;
        continue;
      }
      out[o + k] = v;
    }
  }

  finish(): Built {
    const g = this.#group;
    if (g.times.length === 0) throw at('no data rows after the header', 0, -1, 'no-rows');
    const rows = this.#rows;
    const w = this.#index.length;
    const all = this.#values;
    g.columns.forEach((c, k) => {
      const data = new Float64Array(rows);
      for (let r = 0, i = k; r < rows; r++, i += w) data[r] = all[i];
      c.data = data;
    });
    return {
      groups: [g],
      symbols: g.columns.map((c) => c.symbol),
      dateField: 0,
      pending: nonPositivePending(this.#nonPositive, false),
      check: () => {
        g.columns.forEach((c, k) => {
          if (!c.data.some((v) => !Number.isNaN(v)))
            throw at(
              `column ${c.symbol} has no prices (every cell is empty)`,
              0,
              this.#index[k],
              'empty-column',
            );
        });
      },
    };
  }
}

/** How to read a bars table. */
export interface BarsSpec {
  /** The symbol of a file without a `symbol` column. */
  symbol: string;
  /** Keep only these symbols (in this order). */
  symbols?: readonly string[];
  /** Use the adjusted close when the file has one (and scale open, high, low alike). */
  adjusted: boolean;
  /** Refuse a file without an adjusted-close column (unless `adjusted` is false). */
  requireAdjClose?: boolean;
  /** Drop (and report) bars with a non-positive price instead of refusing them. */
  dropNonPositive?: boolean;
}

const BARS_NAMES = 'date, symbol, open, high, low, close, adj close, volume';

/**
 * Bars: `date[,symbol],open,high,low,close[,adj close],volume` (any subset holding date and close),
 * one row per symbol per bar. Every cell must hold a value.
 */
export class BarsBuilder implements Builder {
  readonly #names: string[];
  readonly #date: number;
  readonly #symbol: number;
  readonly #adj: number;
  readonly #close: number;
  readonly #fields: { col: number; field: PriceField }[];
  readonly #adjust: boolean;
  readonly #spec: BarsSpec;
  readonly #wanted: Set<string> | undefined;
  readonly #groups = new Map<string, Group>();
  readonly #seen = new Set<string>();
  readonly #nonPositive = new Map<string, number[]>();
  #scratch: number[] = [];

  constructor(header: readonly Cell[], spec: BarsSpec) {
    this.#spec = spec;
    const names = header.map((h) => cellText(h).trim());
    this.#names = names;
    const cols = new Map<Role, number>();
    names.forEach((name, i) => {
      const role = roleOf(name);
      if (role === undefined)
        throw at(`unknown column "${name}"; expected ${BARS_NAMES}`, 0, i, 'bad-header');
      const before = cols.get(role);
      if (before !== undefined)
        throw at(
          `duplicate column "${name}" (same as column ${before + 1}, "${names[before]}")`,
          0,
          i,
          'bad-header',
        );
      cols.set(role, i);
    });
    if (!cols.has('date')) throw at(`no date column; expected ${BARS_NAMES}`, 0, -1, 'bad-header');
    if (!cols.has('close')) throw at(`no close column; expected ${BARS_NAMES}`, 0, -1, 'bad-header');
    if (spec.requireAdjClose && spec.adjusted && !cols.has('adjClose'))
      throw at('no "Adj Close" column (read with adjusted: false to use the raw close)', 0, -1, 'bad-header');
    this.#date = cols.get('date')!;
    this.#symbol = cols.get('symbol') ?? -1;
    this.#adj = cols.get('adjClose') ?? -1;
    this.#close = cols.get('close')!;
    this.#adjust = spec.adjusted && this.#adj >= 0;
    this.#fields = (['open', 'high', 'low', 'close', 'volume'] as const)
      .filter((f) => cols.has(f))
      .map((field) => ({ col: cols.get(field)!, field }));
    this.#wanted = spec.symbols === undefined ? undefined : new Set(spec.symbols);
  }

  /** A cell's value; NaN for a non-positive price when those bars are dropped. */
  #value(cells: readonly Cell[], c: number, record: number, field: PriceField | 'adjClose'): number {
    const v = readNumber(cells[c]);
    if (v === UNPARSEABLE)
      throw at(
        `unparseable number "${cellText(cells[c])}" in column ${this.#names[c]}`,
        record,
        c,
        'unparseable-number',
      );
    if (Number.isNaN(v)) throw at(`empty cell in column ${this.#names[c]}`, record, c, 'empty-cell');
    if (field === 'volume') {
      if (v < 0) throw at(`negative volume ${cellText(cells[c])}`, record, c, 'negative-volume');
    } else if (v <= 0) {
      if (!this.#spec.dropNonPositive)
        throw at(
          `non-positive price ${cellText(cells[c])} in column ${this.#names[c]}`,
          record,
          c,
          'non-positive-price',
        );
      return NaN;
    }
    return v;
  }

  row(cells: readonly Cell[], record: number): void {
    let symbol = this.#spec.symbol;
    if (this.#symbol >= 0) {
      symbol = cellText(cells[this.#symbol]).trim();
      if (symbol === '') throw at('empty symbol', record, this.#symbol, 'empty-cell');
    }
    this.#seen.add(symbol);
    if (this.#wanted !== undefined && !this.#wanted.has(symbol)) return;
    const time = readTime(cells[this.#date], record, this.#date);
    const fields = this.#fields;
    const values = this.#scratch;
    let bad = false;
    for (let k = 0; k < fields.length; k++) {
      const v = this.#value(cells, fields[k].col, record, fields[k].field);
      if (Number.isNaN(v)) bad = true;
      values[k] = v;
    }
    if (this.#adj >= 0) {
      const adj = this.#value(cells, this.#adj, record, 'adjClose');
      if (Number.isNaN(adj)) bad = true;
      else if (this.#adjust && !bad) {
        const factor = adj / this.#value(cells, this.#close, record, 'close');
        for (let k = 0; k < fields.length; k++) {
          const f = fields[k].field;
          if (f === 'close') values[k] = adj;
          else if (f !== 'volume') values[k] *= factor;
        }
      }
    }
    if (bad) {
      const list = this.#nonPositive.get(symbol);
      if (list === undefined) this.#nonPositive.set(symbol, [record]);
      else list.push(record);
      return;
    }
    let g = this.#groups.get(symbol);
    if (g === undefined) {
      g = {
        symbol,
        times: [],
        records: [],
        columns: fields.map(({ field }) => ({ symbol, field, data: [] })),
      };
      this.#groups.set(symbol, g);
    }
    g.times.push(time);
    g.records.push(record);
    // a bars group's columns are number[] (pushed to; see the constructor of the group above)
    for (let k = 0; k < fields.length; k++) (g.columns[k].data as number[]).push(values[k]);
  }

  finish(): Built {
    const have = [...this.#seen];
    if (this.#wanted !== undefined) unknownSymbols(this.#spec.symbols!, have, 'the file');
    if (this.#seen.size === 0) throw at('no data rows after the header', 0, -1, 'no-rows');
    const symbols = this.#spec.symbols ?? [...this.#seen];
    for (const s of symbols)
      if (!this.#groups.has(s))
        throw at(`${s} has no bars left (every one had a non-positive price)`, -1, -1, 'empty-column');
    return {
      groups: symbols.map((s) => this.#groups.get(s)!),
      symbols: [...symbols],
      dateField: this.#date,
      pending: nonPositivePending(this.#nonPositive, true),
      check: () => {},
    };
  }
}

/** A repair found while ordering, before its records are turned into lines. */
export type PendingRepair =
  | { kind: 'sort'; symbol: string | undefined; moved: number; firstRecord: number }
  | { kind: 'non-positive'; symbol: string; records: number[]; bars: boolean }
  | { kind: 'drop-duplicates'; symbol: string | undefined; records: number[]; differing: number };

/**
 * Checks that a group's timestamps strictly increase, in input order. With `repair.sort` it sorts
 * them (stably) instead of refusing; with `repair.dropDuplicates` it drops rows repeating an
 * earlier timestamp (keeping the first). Reorders the group in place; returns the repairs made.
 */
export function orderGroup(g: Group, repair: RepairOptions, dateField: number): PendingRepair[] {
  const { times, records } = g;
  const n = times.length;
  const sym = g.symbol;
  const date = (i: number) => isoTime(times[i]);
  const pending: PendingRepair[] = [];
  let firstDecrease = -1;
  for (let i = 1; i < n; i++) {
    const d = times[i] - times[i - 1];
    if (d > 0) continue;
    if (d < 0) {
      if (!repair.sort) {
        const [r, p] = [records[i], records[i - 1]];
        throw new Located(
          (where) =>
            sym === undefined
              ? `date ${date(i)} is before the previous row's ${date(i - 1)}; dates must be strictly increasing`
              : `date ${date(i)} of ${sym} is before the previous ${sym} row's ${date(i - 1)} (${where(p)}); dates must be strictly increasing per symbol`,
          r,
          dateField,
          'decreasing-time',
        );
      }
      if (firstDecrease < 0) firstDecrease = i;
    } else if (!repair.dropDuplicates && !repair.sort) {
      const [r, p] = [records[i], records[i - 1]];
      throw new Located(
        (where) =>
          sym === undefined
            ? `date ${date(i)} is a duplicate of the previous row's ${date(i - 1)}; dates must be strictly increasing`
            : `date ${date(i)} of ${sym} repeats the previous ${sym} row's (${where(p)}); dates must be strictly increasing per symbol`,
        r,
        dateField,
        'duplicate-time',
      );
    }
  }
  let order: number[] | undefined;
  if (firstDecrease >= 0) {
    order = Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
    let moved = 0;
    for (let k = 0; k < n; k++) if (order[k] !== k) moved++;
    pending.push({ kind: 'sort', symbol: sym, moved, firstRecord: records[firstDecrease] });
  }
  const pos = (k: number) => (order === undefined ? k : order[k]);
  let keep: number[] | undefined;
  const dropped: number[] = [];
  let differing = 0;
  for (let k = 1, kept = pos(0); k < n; k++) {
    const i = pos(k);
    if (times[i] !== times[kept]) {
      kept = i;
      keep?.push(i);
      continue;
    }
    if (!repair.dropDuplicates) {
      const [r, p] = [records[i], records[kept]];
      throw new Located(
        (where) =>
          `date ${date(i)}${sym === undefined ? '' : ` of ${sym}`} also appears on ${where(p)}; timestamps must be unique`,
        r,
        dateField,
        'duplicate-time',
      );
    }
    if (keep === undefined) keep = Array.from({ length: k }, (_, j) => pos(j));
    dropped.push(records[i]);
    if (g.columns.some((c) => !Object.is(c.data[i], c.data[kept]))) differing++;
  }
  if (dropped.length > 0) {
    dropped.sort((a, b) => a - b);
    pending.push({ kind: 'drop-duplicates', symbol: sym, records: dropped, differing });
  }
  const final = keep ?? order;
  if (final !== undefined) {
    g.times = final.map((i) => times[i]);
    g.records = final.map((i) => records[i]);
    for (const c of g.columns) {
      const data = c.data;
      c.data = Float64Array.from(final, (i) => data[i]);
    }
  }
  return pending;
}

/**
 * Puts groups on one timestamp axis (the union of theirs; NaN where a symbol has no bar) and
 * builds the frame, symbols in the given order.
 */
export function assemble(groups: readonly Group[], symbols: readonly string[], source: string): PriceFrame {
  let times: Float64Array;
  const columns = new Map<string, Partial<Record<PriceField, Float64Array>>>(symbols.map((s) => [s, {}]));
  if (groups.length === 1) {
    times = Float64Array.from(groups[0].times);
    for (const c of groups[0].columns)
      columns.get(c.symbol)![c.field] = c.data instanceof Float64Array ? c.data : Float64Array.from(c.data);
  } else {
    let total = 0;
    for (const g of groups) total += g.times.length;
    const all = new Float64Array(total);
    let k = 0;
    for (const g of groups) for (const t of g.times) all[k++] = t;
    all.sort();
    let m = 0;
    for (let i = 0; i < total; i++) if (i === 0 || all[i] !== all[m - 1]) all[m++] = all[i];
    times = all.slice(0, m);
    const index = new Map<number, number>();
    for (let i = 0; i < m; i++) index.set(times[i], i);
    for (const g of groups) {
      const pos = g.times.map((t) => index.get(t)!);
      for (const c of g.columns) {
        const out = new Float64Array(m).fill(NaN);
        for (let i = 0; i < pos.length; i++) out[pos[i]] = c.data[i];
        columns.get(c.symbol)![c.field] = out;
      }
    }
  }
  return new PriceFrame({ times, columns, source });
}
