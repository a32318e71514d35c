/**
 * The import-boundary rule of eslint.config.js: a file planted in a layer with an import that
 * points up or sideways fails the lint step; imports down the layers (and a report's type-only
 * imports of the results it renders) pass.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/lint/${name}.ts.txt`, import.meta.url), 'utf8');

async function boundaryErrors(name: string, plantedAt: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(fixture(name), { filePath: `${root}${plantedAt}` });
  return result.messages
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => `${m.line}: ${m.message}`);
}

describe('layer boundaries (docs/design.md) are enforced by the lint step', () => {
  it.each([
    ['kalman-imports-backtest', 'src/kalman/planted.ts', 'src/kalman may not import src/backtest'],
    ['live-imports-backtest', 'src/live/planted.ts', 'src/live may not import src/backtest'],
    ['strategy-imports-cli', 'src/strategy/planted.ts', 'src/strategy may not import src/cli'],
    ['report-value-import', 'src/report/planted.ts', 'src/report may not import src/backtest'],
  ])('%s planted at %s fails: %s', async (name, at, expected) => {
    const errors = await boundaryErrors(name, at);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('2: ');
    expect(errors[0]).toContain(expected);
  });

  it.each([
    ['kalman-imports-linalg', 'src/kalman/planted.ts'],
    ['report-type-import', 'src/report/planted.ts'],
  ])('%s planted at %s passes', async (name, at) => {
    expect(await boundaryErrors(name, at)).toEqual([]);
  });
});
