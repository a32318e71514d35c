/**
 * Shared parsing and printing helpers of the commands: number arguments, tables, progress on a
 * terminal, and reading a JSON config file.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../app/spec.js';

/** A decimal literal: digits, an optional fraction and exponent (no hex, binary, Infinity or spaces). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The number a flag's text spells, or NaN unless it is a finite decimal literal: `Number()`
 * alone would read `0x10` as 16, `0b1` as 1 and `' 5 '` as 5.
 */
export function decimal(v: string): number {
  const x = DECIMAL.test(v) ? Number(v) : NaN;
  return Number.isFinite(x) ? x : NaN;
}

/** Parses a number argument; range checks are the schemas' job. */
export const number =
  (flag: string) =>
  (v: string): number => {
    const x = decimal(v);
    if (Number.isNaN(x)) throw new InvalidArgumentError(`${flag} expects a decimal number, got "${v}".`);
    return x;
  };

/**
 * Parses a whole-number argument in [min, max]; the default bound keeps a typo such as `1e12`
 * from reaching an allocation or a loop.
 */
export const integer =
  (flag: string, min = 1, max = 1e9) =>
  (v: string): number => {
    const x = decimal(v);
    if (!Number.isInteger(x) || x < min || x > max)
      throw new InvalidArgumentError(
        `${flag} expects a whole number from ${min} to ${max.toLocaleString('en-US')}, got "${v}".`,
      );
    return x;
  };

/** Parses a bar: a whole number (its index from 0) or an ISO date (`2007-05-24`). */
export const barRef =
  (flag: string) =>
  (v: string): number | string => {
    if (/^\d+$/.test(v)) return integer(flag, 0)(v);
    if (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))) return v;
    throw new InvalidArgumentError(
      `${flag} expects a bar number (0, 1, …) or a date (YYYY-MM-DD), got "${v}".`,
    );
  };

/** Parses a positive number, or `none` for no limit (the spec's null: see specFromFlags). */
export const numberOrNone =
  (flag: string) =>
  (v: string): number | 'none' => {
    if (v === 'none') return v;
    const x = decimal(v);
    if (!(x > 0)) throw new InvalidArgumentError(`${flag} expects a positive number or "none", got "${v}".`);
    return x;
  };

/** Parses a variadic list of pairs (`--pairs EWA,EWC SPY,IWM`): each as `--pair`'s. */
export const pairs =
  (flag: string) =>
  (v: string, previous: [string, string][] | undefined): [string, string][] => [
    ...(previous ?? []),
    pair(flag)(v),
  ];

/** Parses a comma-separated list of decimal numbers (`--weights 0.5,0.3,0.2`). */
export const numbers =
  (flag: string) =>
  (v: string): number[] => {
    const xs = v.split(',').map((s) => decimal(s.trim()));
    if (xs.length === 0 || xs.some(Number.isNaN))
      throw new InvalidArgumentError(`${flag} expects decimal numbers separated by commas, got "${v}".`);
    return xs;
  };

/** Parses `min,max` (`--half-life 1,60`). */
export const range =
  (flag: string) =>
  (v: string): [number, number] => {
    const xs = v.split(',').map((s) => decimal(s.trim()));
    if (xs.length !== 2 || xs.some(Number.isNaN))
      throw new InvalidArgumentError(`${flag} expects min,max, got "${v}".`);
    return xs as [number, number];
  };

/** Parses `top:K` (`--select top:10`): hold the K best pairs. */
export const topK =
  (flag: string) =>
  (v: string): number => {
    const m = /^top:(\d+)$/.exec(v.trim());
    const k = m ? Number(m[1]) : NaN;
    if (!(k >= 1 && k <= 1e6))
      throw new InvalidArgumentError(
        `${flag} expects top:K with K a whole number ≥ 1 (the pairs held), got "${v}".`,
      );
    return k;
  };

/**
 * Parses `--pair Y,X`: exactly two different, non-empty symbols (one symbol is `--symbol`'s).
 */
export const pair =
  (flag = '--pair') =>
  (v: string): [string, string] => {
    const legs = v.split(',').map((s) => s.trim());
    if (legs.length !== 2 || legs.some((s) => s === ''))
      throw new InvalidArgumentError(
        `${flag} expects two symbols Y,X (the dependent leg, then the hedge leg), got "${v}"; for one asset use --symbol.`,
      );
    if (legs[0] === legs[1])
      throw new InvalidArgumentError(
        `${flag} names ${legs[0]} twice, got "${v}"; a pair needs two different symbols.`,
      );
    return legs as [string, string];
  };

/** Output options every command takes. */
export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
}

/** A table with a header row, columns padded; the first column left-aligned. */
export function table(rows: string[][], align: ('l' | 'r')[] = []): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => {
          const pad = ' '.repeat(widths[i] - [...c].length);
          return (align[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? c + pad : pad + c;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * A progress bar on stderr, only when stderr is a terminal and output is not quiet or JSON
 * (so pipes and CI logs stay clean).
 */
export function progress(total: number, opts: OutputOptions) {
  const on = Boolean(process.stderr.isTTY) && !opts.quiet && !opts.json;
  let done = 0;
  const draw = (label: string) => {
    if (!on) return;
    const w = 20;
    const fill = Math.round((w * done) / total);
    process.stderr.write(`\r\x1b[2K[${'#'.repeat(fill)}${' '.repeat(w - fill)}] ${label}`);
  };
  return {
    step(label: string) {
      draw(label);
      done++;
    },
    end() {
      if (on) process.stderr.write('\r\x1b[2K');
    },
  };
}

/** Reads and parses a JSON file. @throws ConfigError naming the file (and the JSON problem). */
export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a JSON file' : (e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Prints a line unless quiet. */
export const say = (opts: OutputOptions, line = '') => {
  if (!opts.quiet) console.log(line);
};
