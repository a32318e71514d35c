/**
 * Shared parsing and printing helpers of the commands: number arguments, tables, progress on a
 * terminal, and reading a JSON config file.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../report/config.js';

/** Parses a number argument; range checks are the schemas' job. */
export const number =
  (flag: string) =>
  (v: string): number => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x))
      throw new InvalidArgumentError(`${flag} expects a number, got "${v}".`);
    return x;
  };

export const integer =
  (flag: string, min = 1) =>
  (v: string): number => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < min)
      throw new InvalidArgumentError(`${flag} expects a whole number ≥ ${min}, got "${v}".`);
    return x;
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
