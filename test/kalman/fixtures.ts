import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kalman');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export function caseNames(): string[] {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { cases: { file: string }[] };
  return index.cases.map((c) => c.file.replace(/\.json$/, ''));
}

export function loadCase(name: string): Json {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** pykalman constructor kwargs → kalrev model input. */
export function toModelInput(kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) out[camel(k)] = v;
  return out;
}

function flatten(a: unknown, out: number[] = []): number[] {
  if (Array.isArray(a)) for (const x of a) flatten(x, out);
  else out.push(a as number);
  return out;
}

/**
 * The reference README's element-wise check: |actual − expected| ≤ tol·|expected| + tol·S,
 * S = max |expected| over the whole array.
 */
export function expectClose(actual: unknown, expected: unknown, tol: number, what: string): void {
  const a = flatten(actual);
  const e = flatten(expected);
  expect(a.length, `${what}: length`).toBe(e.length);
  let S = 0;
  for (const x of e) S = Math.max(S, Math.abs(x));
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i] - e[i]);
    const allowed = tol * Math.abs(e[i]) + tol * S;
    const ratio = err / (allowed || Number.MIN_VALUE);
    if (!(ratio <= worst)) {
      worst = ratio;
      worstAt = i;
    }
  }
  expect(
    worst <= 1,
    `${what}: element ${worstAt} is ${a[worstAt]}, expected ${e[worstAt]} (error ${(worst * 100).toFixed(1)}% of allowed)`,
  ).toBe(true);
}
