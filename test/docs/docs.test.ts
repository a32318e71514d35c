/**
 * The documentation runs as written: every ```sh command and ```ts example of README.md and
 * docs/*.md runs on the bundled data (test/docs/runner.ts, in two processes side by side), the
 * figures the docs quote are compared with what the code prints or returns, and every block
 * that is not run says why (a `doctest: skip` directive, shown in the test's name). The
 * directives are described in test/docs/extract.ts. Outputs go under out/doctest/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractBlocks, shellCommands } from './extract.js';
import type { BlockResult } from './runner.js';

const PAGES = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const OUT = 'out/doctest';
// a guard against a hung example, far above the normal run
const DEADLINE_MS = 300_000;

const blocks = PAGES.flatMap((p) => extractBlocks(p)).filter(
  (b) => b.lang === 'sh' || b.lang === 'ts' || b.output !== undefined,
);
const results = new Map<string, BlockResult>();
const key = (file: string, line: number) => `${file}:${line}`;

/** The pages in two groups of about equal work (commands count most), one per runner process. */
function groups(): string[][] {
  const cost = (p: string) =>
    extractBlocks(p).reduce(
      (c, b) => c + (b.lang === 'sh' ? 3 * shellCommands(b.code).length : b.lang === 'ts' ? 2 : 0),
      0,
    );
  const out: [string[], string[]] = [[], []];
  const load = [0, 0];
  for (const p of [...PAGES].sort((a, b) => cost(b) - cost(a))) {
    const k = load[0] <= load[1] ? 0 : 1;
    out[k].push(p);
    load[k] += cost(p);
  }
  return out;
}

function runner(results: string, pages: string[], log: string): Promise<void> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/docs/runner.ts', results, ...pages], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    // a hung example must not hang the suite: what finished is reported, the rest fails
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.on('close', () => {
      clearTimeout(timer);
      writeFileSync(log, text);
      done();
    });
  });
}

describe('the documentation runs as written', () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const files = groups().map((pages, i) => ({ pages, results: join(OUT, `results-${i}.ndjson`) }));
    for (const f of files) rmSync(f.results, { force: true });
    await Promise.all(files.map((f, i) => runner(f.results, f.pages, join(OUT, `runner-${i}.log`))));
    for (const f of files)
      if (existsSync(f.results))
        for (const line of readFileSync(f.results, 'utf8').trim().split('\n').filter(Boolean)) {
          const r = JSON.parse(line) as BlockResult;
          results.set(key(r.file, r.line), r);
        }
    const lines = [...results.values()].map(
      (r) =>
        `${r.outcome.padEnd(4)} ${r.file}:${r.line} ${r.lang || 'output'} (${r.ms} ms)${r.reason ? ` — ${r.reason}` : ''}${r.problems.length ? `\n       ${r.problems.join('\n       ')}` : ''}`,
    );
    writeFileSync(join(OUT, 'report.txt'), lines.join('\n') + '\n');
    // what was not run stays in sight: skipped blocks, and skipped lines of blocks that passed
    console.log(`doc-test (${OUT}/report.txt):\n${lines.filter((l) => !/^pass\s[^—]*$/.test(l)).join('\n')}`);
  }, DEADLINE_MS + 30_000);

  for (const b of blocks) {
    const skips = [
      ...(b.skip ? [`skip — ${b.skip}`] : []),
      ...(b.skipLines ?? []).map((l) => `skip "${l.text}" — ${l.reason}`),
    ];
    const what = `${b.file}:${b.line} ${b.lang || 'quoted output'}${skips.length ? ` (${skips.join('; ')})` : ''}`;
    it(what, () => {
      const r = results.get(key(b.file, b.line));
      expect(r, 'the block was not run (its runner was stopped at the deadline or crashed)').toBeDefined();
      if (r!.outcome === 'skip') expect(r!.reason?.trim()).toBeTruthy();
      expect(r!.problems).toEqual([]);
    });
  }
});
