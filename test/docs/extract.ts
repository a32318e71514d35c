/**
 * The examples of README.md and docs/*.md, as the doc-test runs them: every ```sh and ```ts block,
 * with the directives written before it as HTML comments (invisible on GitHub):
 *
 * - `<!-- doctest: skip — REASON -->`: not run (only where running it is impossible); the reason
 *   is printed with the results. `skip "TEXT" — REASON` skips only the command lines containing
 *   TEXT (one directive per text).
 * - `<!-- doctest: background, stop after "TEXT" -->`: each command runs as a process, stopped
 *   once its output shows TEXT (a server or worker that runs until stopped);
 *   `background "CMD", stop after "TEXT"` only the command lines containing CMD.
 * - `<!-- doctest: continue -->` (ts): the block continues the page's previous ts block (its
 *   variables are in scope).
 * - `<!-- doctest: file PATH -->` (any block): the block's text is written to PATH before the
 *   page's commands run (a config file the commands name).
 * - `<!-- doctest: output -->` or `<!-- doctest: output of "COMMAND" -->` (an unlabelled block):
 *   the block quotes what the previous ts block, or the command containing COMMAND, printed; its
 *   figures must appear in the real output, in order.
 *
 * A ts statement followed by a comment that starts with a figure (`r.metrics.apr; // 0.2622519…`,
 * `fit.params; // [0.9624, 6.4113]`, `….metrics; // apr 0.262252, sharpe 2.361162`) is checked:
 * the value must round (or, with `…`, truncate) to the quoted figures.
 */
import { readFileSync } from 'node:fs';

export interface Block {
  /** The page, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** Why the whole block is not run. */
  skip?: string;
  /** Command lines not run: those containing `text`, and why. */
  skipLines?: { text: string; reason: string }[];
  background?: string;
  /** Only the command lines containing this text run in the background (default: all). */
  backgroundOnly?: string;
  continues?: boolean;
  writeTo?: string;
  output?: { of?: string };
}

const FENCE = /^(\s*)```(\S*)\s*$/;
const DIRECTIVE = /^\s*<!--\s*doctest:\s*(.*?)\s*-->\s*$/;

/** The fenced blocks of a page and their directives. @throws on a directive it does not know. */
export function extractBlocks(path: string, file = path): Block[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: Block[] = [];
  let pending: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const d = DIRECTIVE.exec(lines[i]);
    if (d) {
      pending.push(d[1]);
      continue;
    }
    const f = FENCE.exec(lines[i]);
    if (!f) {
      // a directive applies to the next block, across blank lines only
      if (lines[i].trim() !== '') pending = [];
      continue;
    }
    const indent = f[1].length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) body.push(lines[j++].slice(indent));
    const block: Block = { file, line: i + 1, lang: f[2], code: body.join('\n') };
    for (const p of pending) applyDirective(block, p);
    pending = [];
    blocks.push(block);
    i = j;
  }
  return blocks;
}

function applyDirective(b: Block, text: string) {
  const where = `${b.file}:${b.line}`;
  let m: RegExpExecArray | null;
  if ((m = /^skip(?: "([^"]+)")?\s*[—–-]+\s*(\S.*)$/.exec(text))) {
    if (m[1] === undefined) b.skip = m[2];
    else (b.skipLines ??= []).push({ text: m[1], reason: m[2] });
  } else if ((m = /^background(?: "([^"]+)")?, stop after "(.+)"$/.exec(text))) {
    b.background = m[2];
    b.backgroundOnly = m[1];
  } else if (text === 'continue') b.continues = true;
  else if ((m = /^file (\S+)$/.exec(text))) b.writeTo = m[1];
  else if ((m = /^output(?: of "(.+)")?$/.exec(text))) b.output = m[1] === undefined ? {} : { of: m[1] };
  else
    throw new Error(
      `${where}: unknown doctest directive "${text}" (skip — reason, background, stop after "…", continue, file PATH, output [of "…"])`,
    );
}

/** One command line of a sh block: continuation lines joined, the trailing comment removed. */
export function shellCommands(code: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of code.split('\n')) {
    const line = stripComment(raw);
    if (line.trimEnd().endsWith('\\')) {
      current += line.trimEnd().slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim() !== '') out.push(current.trim().replace(/\s+/g, ' '));
    current = '';
  }
  return out;
}

function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

/** Splits a command line into words (single and double quotes, no expansion). */
export function words(line: string): string[] {
  const out: string[] = [];
  let w = '';
  let quote = '';
  let has = false;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = '';
      else w += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) {
      if (has || w) out.push(w);
      w = '';
      has = false;
    } else w += c;
  }
  if (has || w) out.push(w);
  return out;
}

/** Whether a command line needs a shell (pipes, redirections, loops, substitutions). */
export const needsShell = (line: string) => /[|<>;`]|\$\(|(^|[^&])&([^&]|$)|^\s*for\s/.test(line);

/** The figures of a text in order (Unicode minus as ASCII), for comparing quoted output. */
export function figures(text: string): string[] {
  return [...text.replace(/−/g, '-').matchAll(/-?\d+(?:[.,]\d+)*/g)].map((m) => m[0]);
}

/** Whether `want` occurs in `have` in order (other figures may come between). */
export function inOrder(want: string[], have: string[]): { ok: boolean; missing?: string; after?: string } {
  let k = 0;
  for (const w of want) {
    while (k < have.length && have[k] !== w) k++;
    if (k === have.length) return { ok: false, missing: w, after: have.slice(-1)[0] };
    k++;
  }
  return { ok: true };
}

/** A quoted figure: its value, and the tolerance its printed digits imply. */
interface Quoted {
  name?: string;
  value: number;
  tolerance: number;
  text: string;
}

function quoted(text: string, name?: string): Quoted {
  const truncated = text.endsWith('…');
  const t = text.replace('…', '').replace('−', '-');
  const m = /\.(\d+)/.exec(t.split(/e/i)[0]);
  const exp = /e([+-]?\d+)$/i.exec(t);
  const step = 10 ** -(m ? m[1].length : 0) * 10 ** (exp ? Number(exp[1]) : 0);
  // rounding: within half the last digit; truncation (…): within one
  return { name, value: Number(t), tolerance: (truncated ? 1 : 0.5) * step * (1 + 1e-9), text };
}

/**
 * The figures a statement's comment quotes: a literal (`0.350`, `[0.9624, 6.4113]`, `[[1.7027]]`,
 * `0.2622519…`) or named values (`apr 0.262252, sharpe 2.361162`); none for a comment in words.
 */
export function quotedFigures(comment: string): Quoted[] | undefined {
  const c = comment.trim();
  const named =
    /^([A-Za-z]\w*) (-?\d[\d.]*(?:e[+-]?\d+)?…?)(?:, ([A-Za-z]\w*) (-?\d[\d.]*(?:e[+-]?\d+)?…?))*(?=$|[\s;(])/;
  if (named.test(c)) {
    const m = named.exec(c)![0];
    return m.split(', ').map((part) => {
      const [name, v] = part.split(' ');
      return quoted(v, name);
    });
  }
  const literal = /^[[\d-][[\]\d.,\s+-]*(?:e[+-]?\d+)?…?/i.exec(c.replace(/−/g, '-'));
  if (!literal || !/\d/.test(literal[0])) return undefined;
  const nums = literal[0].match(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?…?/gi) ?? [];
  return nums.map((n) => quoted(n));
}

/** The numbers of a value, flattened (arrays, typed arrays, nested). */
export function numbersOf(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (ArrayBuffer.isView(v)) return Array.from(v as Float64Array);
  if (Array.isArray(v)) return v.flatMap(numbersOf);
  return [];
}

/** Compares a value with the figures quoted for it; a message for each mismatch. */
export function compareQuoted(value: unknown, want: Quoted[]): string[] {
  const problems: string[] = [];
  if (want.every((q) => q.name !== undefined)) {
    for (const q of want) {
      const have = (value as Record<string, unknown> | null)?.[q.name!];
      if (typeof have !== 'number' || !(Math.abs(have - q.value) <= q.tolerance))
        problems.push(`${q.name}: quoted ${q.text}, got ${String(have)}`);
    }
    return problems;
  }
  const have = numbersOf(value);
  if (have.length !== want.length)
    return [`quoted ${want.map((q) => q.text).join(', ')}, got ${JSON.stringify(have.slice(0, 8))}`];
  want.forEach((q, i) => {
    if (!(Math.abs(have[i] - q.value) <= q.tolerance)) problems.push(`quoted ${q.text}, got ${have[i]}`);
  });
  return problems;
}

/**
 * A ts example made checkable: `EXPR; // FIGURES` statements become `__doctest(EXPR, …)`.
 * Declarations and comments in words are left alone.
 */
export function instrument(code: string, firstLine: number): string {
  return code
    .split('\n')
    .map((line, i) => {
      const m = /^(\s*)([^/]*?[^\s;/]);\s*\/\/\s*(.+)$/.exec(line);
      if (!m || /^(const|let|var|import|export|return|if|for|while)\b/.test(m[2])) return line;
      if (quotedFigures(m[3]) === undefined) return line;
      return `${m[1]}__doctest(${m[2]}, ${JSON.stringify(m[3])}, ${firstLine + 1 + i}); // ${m[3]}`;
    })
    .join('\n');
}
