/**
 * Runs the examples of some pages (test/docs/extract.ts) and writes one JSON line per block to a
 * results file as it goes, so a run stopped by its deadline still reports what it did.
 * `kalrev` command lines run in this process through the CLI's `main` (one start for all of
 * them); background commands and shell constructs run as processes, `kalrev` being the CLI from
 * source. Each page runs in its own folder under out/doctest/ with `data` linked, so the files
 * the examples write stay under out/.
 *
 * Usage: node --import tsx test/docs/runner.ts RESULTS.ndjson PAGE.md…
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kalrevInProcess, type CliResult } from '../cli/run.js';
import {
  compareQuoted,
  extractBlocks,
  figures,
  inOrder,
  instrument,
  needsShell,
  quotedFigures,
  shellCommands,
  words,
  type Block,
} from './extract.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DOCTEST_DIR = join(REPO, 'out/doctest');
const BIN = join(DOCTEST_DIR, 'bin');

export interface CommandResult {
  cmd: string;
  status: number | null;
  ms: number;
  /** Why it was not run. */
  skipped?: string;
  output: string;
}

export interface BlockResult {
  file: string;
  line: number;
  lang: string;
  outcome: 'pass' | 'fail' | 'skip';
  reason?: string;
  commands: CommandResult[];
  problems: string[];
  ms: number;
}

/** Commands the doc-test never runs, and why. */
const NOT_RUN: [RegExp, string][] = [
  [/^npm ci\b/, 'installs the dependencies: the doc-test runs on the installed tree'],
  [/^npm test\b/, 'the test suite itself, of which the doc-test is a part'],
  [/^npm run bench\b/, 'the benchmarks take minutes and are their own step (npm run bench)'],
  [/^npm run (format|build)\b/, 'changes the working tree'],
];

function shim() {
  mkdirSync(BIN, { recursive: true });
  const tsx = import.meta.resolve('tsx');
  const file = join(BIN, 'kalrev');
  writeFileSync(
    file,
    `#!/bin/sh\nexec "${process.execPath}" --import ${tsx} ${join(REPO, 'src/cli/main.ts')} "$@"\n`,
  );
  chmodSync(file, 0o755);
}

const env = () => ({ ...process.env, NO_COLOR: '1', PATH: `${BIN}:${process.env.PATH}` });
const tail = (s: string, n = 1200) => (s.length > n ? '…' + s.slice(-n) : s);

/** A command that runs until stopped: started, stopped once its output shows `text`. */
function background(line: string, text: string, timeoutMs = 30_000): Promise<CommandResult> {
  const t0 = Date.now();
  return new Promise((done) => {
    const child = spawn('sh', ['-c', `exec ${line}`], { env: env() });
    let output = '';
    let seen = false;
    const stop = () => child.kill('SIGTERM');
    const timer = setTimeout(stop, timeoutMs);
    const on = (d: Buffer) => {
      output += d.toString();
      if (!seen && output.includes(text)) {
        seen = true;
        stop();
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('close', (code) => {
      clearTimeout(timer);
      // stopped after showing the text is the expected end
      done({ cmd: line, status: seen ? 0 : (code ?? 1), ms: Date.now() - t0, output });
    });
  });
}

async function command(line: string): Promise<CommandResult> {
  const t0 = Date.now();
  for (const [re, why] of NOT_RUN)
    if (re.test(line)) return { cmd: line, status: 0, ms: 0, skipped: why, output: '' };
  if (needsShell(line)) {
    const r = spawnSync('sh', ['-c', line], { env: env(), encoding: 'utf8', timeout: 30_000 });
    return { cmd: line, status: r.status, ms: Date.now() - t0, output: r.stdout + r.stderr };
  }
  const argv = words(line);
  let r: CliResult;
  if (argv[0] === 'kalrev') r = await kalrevInProcess(...argv.slice(1));
  else if (argv[0] === 'npm' && argv[1] === 'start') r = await kalrevInProcess(...argv.slice(3));
  else {
    const p = spawnSync(argv[0], argv.slice(1), { env: env(), encoding: 'utf8', timeout: 30_000 });
    r = { status: p.status, stdout: p.stdout ?? '', stderr: (p.stderr ?? '') + (p.error?.message ?? '') };
  }
  return { cmd: line, status: r.status, ms: Date.now() - t0, output: r.stdout + r.stderr };
}

/** Runs a command line: `a && b` stops at the first failure. */
async function commandLine(line: string): Promise<CommandResult[]> {
  if (needsShell(line)) return [await command(line)];
  const out: CommandResult[] = [];
  for (const part of line.split(' && ')) {
    const r = await command(part.trim());
    out.push(r);
    if (r.status !== 0) break;
  }
  return out;
}

let checks: string[] = [];
(globalThis as Record<string, unknown>).__doctest = (value: unknown, comment: string, line: number) => {
  const want = quotedFigures(comment)!;
  for (const p of compareQuoted(value, want)) checks.push(`line ${line}: ${p}`);
  return value;
};

/**
 * Runs a ts example as a module, capturing what it prints. `before` is the code of the blocks it
 * continues, run again (their figures are checked with those blocks).
 */
async function typescript(
  b: Block,
  before: string,
  dir: string,
): Promise<CommandResult & { problems: string[] }> {
  const t0 = Date.now();
  // .mts: an ES module (top-level await) wherever it is written
  const file = join(dir, `example-${b.line}.mts`);
  const code = (before ? before + '\n' : '') + instrument(b.code, b.line);
  const source = code.replace(/from 'kalrev'/g, `from '${join(REPO, 'src/index.ts')}'`);
  writeFileSync(file, source);
  checks = [];
  let output = '';
  const saved = { log: console.log, error: console.error, warn: console.warn };
  const text = (a: unknown[]) =>
    a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ') + '\n';
  console.log = (...a: unknown[]) => void (output += text(a));
  console.error = console.warn = (...a: unknown[]) => void (output += text(a));
  const problems: string[] = [];
  try {
    await import(pathToFileURL(file).href);
  } catch (e) {
    problems.push(`threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  } finally {
    Object.assign(console, saved);
  }
  problems.push(...checks);
  return { cmd: `${basename(file)}`, status: problems.length ? 1 : 0, ms: Date.now() - t0, output, problems };
}

async function page(path: string, results: string) {
  const rel = path.startsWith(REPO) ? path.slice(REPO.length + 1) : path;
  const dir = join(DOCTEST_DIR, rel.replace(/[/.]/g, '-'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(DOCTEST_DIR, { recursive: true });
  // on a RAM disk where there is one, linked from out/: the paper journal syncs every bar to disk
  if (existsSync('/dev/shm')) {
    const ram = join(
      '/dev/shm',
      `kalrev-doctest-${createHash('sha1').update(REPO).digest('hex').slice(0, 8)}`,
      basename(dir),
    );
    rmSync(ram, { recursive: true, force: true });
    mkdirSync(ram, { recursive: true });
    symlinkSync(ram, dir);
  } else mkdirSync(dir, { recursive: true });
  symlinkSync(join(REPO, 'data'), join(dir, 'data'));
  // worker threads and the kalrev shim load tsx from the working folder
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  process.chdir(dir);
  const blocks = extractBlocks(path, rel);
  for (const b of blocks)
    if (b.writeTo) {
      mkdirSync(dirname(join(dir, b.writeTo)), { recursive: true });
      writeFileSync(join(dir, b.writeTo), b.code + '\n');
    }
  const ran: CommandResult[] = [];
  let lastTs: { code: string; output: string } | undefined;
  for (const b of blocks) {
    const t0 = Date.now();
    const r: BlockResult = {
      file: rel,
      line: b.line,
      lang: b.lang,
      outcome: 'pass',
      commands: [],
      problems: [],
      ms: 0,
    };
    if (b.skip !== undefined) {
      r.outcome = 'skip';
      r.reason = b.skip;
    } else if (b.lang === 'sh') {
      for (const line of shellCommands(b.code)) {
        const skip = b.skipLines?.find((l) => line.includes(l.text));
        const cs =
          skip !== undefined
            ? [{ cmd: line, status: 0, ms: 0, skipped: skip.reason, output: '' }]
            : b.background !== undefined &&
                (b.backgroundOnly === undefined || line.includes(b.backgroundOnly))
              ? [await background(line, b.background)]
              : await commandLine(line);
        r.commands.push(...cs);
        for (const c of cs)
          if (c.status !== 0)
            r.problems.push(`\`${c.cmd}\` exited with ${c.status}: ${tail(c.output.trim(), 600)}`);
      }
      ran.push(...r.commands);
      const skipped = r.commands.filter((c) => c.skipped);
      if (skipped.length > 0)
        r.reason = [...new Set(skipped.map((c) => `\`${c.cmd}\` not run: ${c.skipped}`))].join('; ');
      if (r.commands.length > 0 && skipped.length === r.commands.length) r.outcome = 'skip';
    } else if (b.lang === 'ts') {
      const before = b.continues && lastTs ? lastTs.code : '';
      const t = await typescript(b, before, dir);
      r.commands.push(t);
      r.problems.push(...t.problems);
      lastTs = { code: (before ? before + '\n' : '') + b.code, output: t.output };
    } else if (b.output) {
      const of = b.output.of;
      const source = of === undefined ? lastTs?.output : ran.filter((c) => c.cmd.includes(of)).pop()?.output;
      if (source === undefined)
        r.problems.push(`no output of ${of ? `"${of}"` : 'a ts block'} before it to compare`);
      else {
        const check = inOrder(figures(b.code), figures(source));
        if (!check.ok)
          r.problems.push(
            `quoted figure ${check.missing} is not in the output (in order); the output was:\n${tail(source, 3000)}`,
          );
      }
    } else continue;
    if (r.problems.length) r.outcome = 'fail';
    r.ms = Date.now() - t0;
    appendFileSync(results, JSON.stringify(r) + '\n');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [results, ...pages] = process.argv.slice(2).map((p) => resolve(p));
  shim();
  process.on('unhandledRejection', (e) => {
    console.error('doctest: unhandled rejection in an example:', e);
  });
  for (const p of pages) await page(p, results);
  process.exit(0);
}
