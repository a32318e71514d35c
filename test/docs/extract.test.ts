/**
 * The doc-test's own parts: that it finds the blocks and directives of a page, splits command
 * lines as a shell would, and that its figure checks fail on a figure the code does not produce
 * (a checker that cannot fail would pass every page).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
} from './extract.js';

const page = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'kalrev-doctest-')), 'page.md');
  writeFileSync(file, text);
  return extractBlocks(file, 'page.md');
};

describe('the doc-test', () => {
  it('finds blocks, their languages and lines, and the directives before them', () => {
    const blocks = page(
      [
        '# t',
        '<!-- doctest: skip — needs a server -->',
        '',
        '```sh',
        'kalrev worker',
        '```',
        'text',
        '<!-- doctest: skip "ws://" — needs a feed -->',
        '<!-- doctest: background "kalrev serve", stop after "ready" -->',
        '```sh',
        'kalrev paper --feed ws://x',
        '```',
        '1. step:',
        '   <!-- doctest: continue -->',
        '   ```ts',
        '   const b = a;',
        '   ```',
        '<!-- doctest: output -->',
        '```',
        'apr 0.26',
        '```',
      ].join('\n'),
    );
    expect(blocks.map((b) => [b.line, b.lang])).toEqual([
      [4, 'sh'],
      [10, 'sh'],
      [15, 'ts'],
      [19, ''],
    ]);
    expect(blocks[0].skip).toBe('needs a server');
    expect(blocks[1].skip).toBeUndefined();
    expect(blocks[1].skipLines).toEqual([{ text: 'ws://', reason: 'needs a feed' }]);
    expect([blocks[1].background, blocks[1].backgroundOnly]).toEqual(['ready', 'kalrev serve']);
    expect(blocks[2]).toMatchObject({ continues: true, code: 'const b = a;' });
    expect(blocks[3].output).toEqual({});
  });

  it('refuses a directive it does not know, and a skip without a reason', () => {
    expect(() => page('<!-- doctest: skpi — typo -->\n```sh\nls\n```\n')).toThrow(
      /page.md:2: unknown doctest directive/,
    );
    expect(() => page('<!-- doctest: skip -->\n```sh\nls\n```\n')).toThrow(
      /unknown doctest directive "skip"/,
    );
  });

  it('splits command lines as a shell does', () => {
    expect(shellCommands("kalrev a --x 1  # note\nkalrev b \\\n  --grid 'a=1;b=2' # c\n\n")).toEqual([
      'kalrev a --x 1',
      "kalrev b --grid 'a=1;b=2'",
    ]);
    expect(words(`kalrev sweep --grid 'delta=1e-5,1e-4;entryZ=1' --name "a b" ''`)).toEqual([
      'kalrev',
      'sweep',
      '--grid',
      'delta=1e-5,1e-4;entryZ=1',
      '--name',
      'a b',
      '',
    ]);
    expect(needsShell('npm ci && npm start')).toBe(false);
    expect(needsShell('kalrev worker --queue x & done')).toBe(true);
    expect(needsShell('kalrev paper --feed stdin < bars.ndjson')).toBe(true);
  });

  it('reads the figures a comment quotes, and fails on a figure the value does not round to', () => {
    expect(quotedFigures('{ apr, sharpe, maxDrawdown, … }')).toBeUndefined();
    expect(quotedFigures('Float64Array of closes, one per day')).toBeUndefined();
    const apr = quotedFigures('0.2622519…')!;
    expect(compareQuoted(0.26225194, apr)).toEqual([]);
    expect(compareQuoted(0.2622529, apr)).toHaveLength(1);
    const params = quotedFigures('[0.9624, 6.4113]  (slope, intercept), R² = 0.917')!;
    expect(params.map((q) => q.value)).toEqual([0.9624, 6.4113]);
    expect(compareQuoted([0.96244, 6.41126], params)).toEqual([]);
    expect(compareQuoted([0.96256, 6.41126], params)).toEqual(['quoted 0.9624, got 0.96256']);
    expect(compareQuoted([0.9624], params)).toHaveLength(1);
    const named = quotedFigures('apr 0.262252, sharpe 2.361162')!;
    expect(compareQuoted({ apr: 0.2622519, sharpe: 2.3611616 }, named)).toEqual([]);
    expect(compareQuoted({ apr: 0.2105, sharpe: 2.3611616 }, named)).toEqual([
      'apr: quoted 0.262252, got 0.2105',
    ]);
    expect(
      compareQuoted(new Float64Array([1.70269]), quotedFigures('[[1.7027]]  day-to-day variance')!),
    ).toEqual([]);
  });

  it('instruments statements with quoted figures only', () => {
    const code = [
      'const r = f(); // 0.5',
      'r.apr; // 0.2622519…',
      'r.metrics; // { apr, … }',
      '  fit.params; // [0.9624, 6.4113]',
    ].join('\n');
    expect(instrument(code, 10).split('\n')).toEqual([
      'const r = f(); // 0.5',
      '__doctest(r.apr, "0.2622519…", 12); // 0.2622519…',
      'r.metrics; // { apr, … }',
      '  __doctest(fit.params, "[0.9624, 6.4113]", 14); // [0.9624, 6.4113]',
    ]);
  });

  it('compares quoted output by its figures, in order', () => {
    const out = figures('APR 26.23 %, Sharpe 2.361 on 1500 bars (−67.28 %)');
    expect(out).toEqual(['26.23', '2.361', '1500', '-67.28']);
    expect(inOrder(['26.23', '-67.28'], out).ok).toBe(true);
    expect(inOrder(['-67.28', '26.23'], out)).toMatchObject({ ok: false, missing: '26.23' });
    expect(inOrder(['26.2'], out).ok).toBe(false);
  });
});
