import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root: the nearest folder above this module holding package.json (src/cli under
 * tsx, dist/cli once built, or a build of the sources under another folder, as the benchmarks').
 */
export const packageRoot = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return join(here, '..', '..');
    dir = up;
  }
})();

/** A file of the bundled sample data in data/. */
export const bundledData = (name: string): string => join(packageRoot, 'data', name);

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
