/**
 * The package's public API is what src/index.ts names. Its list is committed
 * (test/api/public-api.txt), so adding or removing a public name is a deliberate change to that
 * file (`npx vitest run test/api -u` rewrites it; review the diff); and every public name must
 * carry a TSDoc comment.
 */
import { resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

interface PublicName {
  name: string;
  /** Has a runtime value (a class counts as a value). */
  value: boolean;
  /** The TSDoc summary of its declaration, '' when there is none. */
  doc: string;
  /** Where it is declared, for the failure message. */
  at: string;
}

let names: PublicName[] = [];

/**
 * A name declared by a dependency (pino's Logger) is documented where src/ re-exports it: the
 * TSDoc comment on that `export … from` statement.
 */
function reexportDoc(e: ts.Symbol, checker: ts.TypeChecker): string {
  for (let s: ts.Symbol | undefined = e; s && s.flags & ts.SymbolFlags.Alias;) {
    for (const d of s.declarations ?? []) {
      const statement = ts.isExportSpecifier(d) ? d.parent.parent : d;
      if (!ts.isExportDeclaration(statement)) continue;
      for (const doc of ts.getJSDocCommentsAndTags(statement))
        if (ts.isJSDoc(doc) && doc.comment) return ts.getTextOfJSDocComment(doc.comment)?.trim() ?? '';
    }
    s = checker.getImmediateAliasedSymbol(s);
  }
  return '';
}

/** The root module's exports as the compiler sees them (aliases followed to their declarations). */
function publicNames(): PublicName[] {
  const config = ts.readConfigFile('tsconfig.json', (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, process.cwd());
  const program = ts.createProgram([resolve('src/index.ts')], parsed.options);
  const checker = program.getTypeChecker();
  const root = checker.getSymbolAtLocation(program.getSourceFile(resolve('src/index.ts'))!)!;
  return checker.getExportsOfModule(root).map((e) => {
    const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    const decl = target.declarations?.[0];
    const file = decl?.getSourceFile();
    return {
      name: e.name,
      value: (target.flags & ts.SymbolFlags.Value) !== 0,
      doc: ts.displayPartsToString(target.getDocumentationComment(checker)).trim() || reexportDoc(e, checker),
      at: file
        ? `${file.fileName.replace(`${process.cwd()}/`, '')}:${file.getLineAndCharacterOfPosition(decl!.getStart()).line + 1}`
        : '?',
    };
  });
}

beforeAll(() => {
  names = publicNames();
}, 120_000);

describe('public API', () => {
  it('is the committed list of names', async () => {
    const values = names.filter((n) => n.value).map((n) => n.name);
    const types = names.filter((n) => !n.value).map((n) => n.name);
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const text = [
      '# src/index.ts: runtime values',
      ...values.sort(byName),
      '',
      '# src/index.ts: types only',
      ...types.sort(byName),
      '',
    ].join('\n');
    await expect(text).toMatchFileSnapshot('public-api.txt');
  });

  it('has at runtime exactly the values the compiler sees', async () => {
    const mod = (await import('../../src/index.js')) as Record<string, unknown>;
    expect(Object.keys(mod).sort()).toEqual(
      names
        .filter((n) => n.value)
        .map((n) => n.name)
        .sort(),
    );
    for (const key of Object.keys(mod)) expect(mod[key], key).not.toBeUndefined();
  });

  it('documents every name with TSDoc', () => {
    expect(names.length).toBeGreaterThan(50);
    const undocumented = names.filter((n) => n.doc === '').map((n) => `${n.name} (${n.at})`);
    expect(undocumented).toEqual([]);
  });

  it('keeps the internals out', () => {
    const all = new Set(names.map((n) => n.name));
    for (const internal of [
      'Simulator',
      'Ledger',
      'createWorkspace',
      'predict',
      'update',
      'MIGRATIONS',
      'argBest',
      'progressBar',
      'checkJobs',
      'encodeUniverse',
      'decodeUniverse',
      'legsOf',
      'warmupBars',
      'requireRows',
    ])
      expect(all.has(internal), internal).toBe(false);
  });
});
