/** Helpers for the data tests: scratch files and the message of an expected failure. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | undefined;

/** A scratch folder for this test file. */
export function scratchDir(): string {
  dir ??= mkdtempSync(join(tmpdir(), 'kalrev-data-'));
  return dir;
}

/** Writes `text` to a scratch file and returns its path. */
export function scratchFile(name: string, text: string): string {
  const file = join(scratchDir(), name);
  writeFileSync(file, text);
  return file;
}

/** The message of the error `fn` throws (fails the test if it does not throw). */
export function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}

/** The message of the error a promise rejects with. */
export async function rejected(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a rejection, the promise resolved');
}
