/**
 * `npm run bench`: runs every benchmark file (one per area) in turn, or only those
 * whose name contains an argument: `npm run bench -- kalman`.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { BenchResult } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => filter.length === 0 || filter.some((a) => f.includes(a)))
  .sort();

const results: BenchResult[] = [];
for (const f of files) {
  console.log(`\n# ${f}`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as {
    main: () => BenchResult[] | Promise<BenchResult[]>;
  };
  results.push(...(await mod.main()));
}
const missed = results.filter((r) => !r.ok);
console.log(`\n${results.length - missed.length} of ${results.length} cases within target.`);
