/**
 * Writing a file so that it is never seen half-written: the content goes to a temporary file
 * beside it, is flushed, and replaces the file in one rename. A crash leaves the old file (or
 * none) and a stray `.tmp` file that nothing reads.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Temporary files end with this; readers skip them. */
export const TEMP_SUFFIX = '.tmp';

/** Writes `content` to `file` atomically, creating its folder. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  try {
    const fd = openSync(temp, 'w');
    try {
      writeFileSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
