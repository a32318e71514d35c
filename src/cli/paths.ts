import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (works from src/ under tsx and from dist/ once built). */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A file of the bundled sample data in data/. */
export const bundledData = (name: string): string => join(packageRoot, 'data', name);

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
