/** Loads the golden statistics cases from test/fixtures/stats (a copy of the shared reference). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'stats');

/** One reference case, with "Infinity" / "-Infinity" / "NaN" strings mapped to numbers. */
export interface Case<A = Record<string, unknown>, I = Record<string, unknown>, E = Record<string, unknown>> {
  id: string;
  description: string;
  args: A;
  input: I;
  expected: E;
}

function decode(v: unknown): unknown {
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (v === 'NaN') return NaN;
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

/** All cases of one fixture file. */
export function loadCases<A, I, E>(file: string): Case<A, I, E>[] {
  const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cases: unknown[] };
  return doc.cases.map((c) => decode(c) as Case<A, I, E>);
}

/** The file names of a group (e.g. every `adfuller_*.json`). */
export function fixtureFiles(prefix: string): string[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    files: Record<string, unknown>;
  };
  return Object.keys(manifest.files)
    .filter((f) => f.startsWith(prefix))
    .sort();
}

/** Raw parsed JSON of a fixture file (for the tables comparison). */
export function loadRaw(file: string): unknown {
  return decode(JSON.parse(readFileSync(join(dir, file), 'utf8')));
}

/**
 * |got − exp| ≤ atol + rtol·|exp|, with exact equality for non-finite expectations. Returns a
 * description of the failure, or null.
 */
export function mismatch(got: number, exp: number, rtol: number, atol: number): string | null {
  if (!Number.isFinite(exp)) {
    return Object.is(got, exp) || (Number.isNaN(got) && Number.isNaN(exp))
      ? null
      : `got ${got}, expected ${exp}`;
  }
  if (typeof got !== 'number' || !(Math.abs(got - exp) <= atol + rtol * Math.abs(exp))) {
    return `got ${got}, expected ${exp} (|diff| ${Math.abs(got - exp)}, rtol ${rtol}, atol ${atol})`;
  }
  return null;
}

/** Asserts closeness element-wise; throws with the field name and index on failure. */
export function expectClose(
  field: string,
  got: ArrayLike<number> | number,
  exp: ArrayLike<number> | number,
  rtol: number,
  atol = 0,
): void {
  if (typeof exp === 'number') {
    const m = mismatch(got as number, exp, rtol, atol);
    if (m) throw new Error(`${field}: ${m}`);
    return;
  }
  const g = got as ArrayLike<number>;
  if (g.length !== exp.length) throw new Error(`${field}: length ${g.length}, expected ${exp.length}`);
  for (let i = 0; i < exp.length; i++) {
    const m = mismatch(g[i], exp[i], rtol, atol);
    if (m) throw new Error(`${field}[${i}]: ${m}`);
  }
}
