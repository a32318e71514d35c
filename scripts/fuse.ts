/**
 * Generates the fused kernels from the one implementation of each rule.
 *
 * A fused kernel is a template (scripts/fuse/*.template.ts) whose `// @fuse NAME` lines are
 * replaced by regions of the library's own source, the lines between `// @fuse-begin NAME` and
 * `// @fuse-end NAME`, rewritten for the template's shape:
 * - `for (let i = 0; i < …; i++)` loops over the legs are unrolled for the template's number of
 *   legs (a `continue` in such a loop becomes a break out of that leg's block);
 * - expressions are replaced as the splice's map says, by their source text with white space
 *   removed: `pos[i]` by `pos0` and `pos1` (one name a leg), `full` by `false`, …;
 * - a statement mapped to {@link DROP} (`k++`), or an assignment to an expression mapped to it,
 *   is left out;
 * - the region file's numeric top-level constants (`const PENDING = 0;`) are inlined;
 * - `if`, `?:`, `!`, `&&`, `||`, `===` and `!==` on constants are folded, so the code of a
 *   recording level the kernel does not use disappears.
 * The result goes through Prettier and is committed; test/scan/fuse.test.ts fails when a
 * committed kernel differs from what this script makes of the current sources.
 *
 * Usage: `npx tsx scripts/fuse.ts` rewrites the generated files; `--check` only compares.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import ts from 'typescript';

/** Where a template's `// @fuse NAME` line takes its code from, and how it is rewritten. */
export interface Splice {
  /** The source file (from the repository root) holding `// @fuse-begin NAME`. */
  from: string;
  /** The region's name in that file (default: the splice's name). */
  region?: string;
  /** Legs to unroll loops over `i` into. */
  legs?: number;
  /** Source text (white space removed) → replacement: one for all, or one per leg. */
  map?: Record<string, string | readonly string[]>;
}

/** A generated file: its template, its output and what each `// @fuse` line of it takes. */
export interface FusedKernel {
  template: string;
  output: string;
  splices: Record<string, Splice>;
}

/** A map value: the assignment to this expression is dropped (a series the kernel does not keep). */
export const DROP = '<drop>';

const LEGS_2 = (a: string, b: string) => [a, b] as const;
const LEGS_1 = (a: string) => [a] as const;

/** The accounting kernel's bar at the `'metrics'` level, both phases, two legs in locals. */
const BAR = {
  L: '2',
  begin: 'true',
  end: 'true',
  full: 'false',
  rec: 'null',
  'pos[i]': LEGS_2('pos0', 'pos1'),
  'prev[i]': LEGS_2('prevY', 'prevX'),
  'close[c+i]': LEGS_2('cy', 'cx'),
  'target[c+i]': LEGS_2('tg0', 'tg1'),
  'pending[i]': LEGS_2('pend0', 'pend1'),
  'goal[i]': LEGS_2('goal0', 'goal1'),
  'fillAt[c+i]': LEGS_2('yo[t]', 'xo[t]'),
  'ledger.ruinBar': 'ruinBar',
  // no session close-out: a scan with flattenAtClose backtests through the kernel itself
  closingOut: 'false',
  // the account's bar and the series index are the data's row (the pair starts at row 0)
  bar: 't',
  k: 't',
  'bar++': DROP,
  'k++': DROP,
  // the metric sums are added up as the bars go (accumulate), not from these series, and the
  // cost totals are not among the scan's metrics
  'grossSeries[k]': DROP,
  'notionalSeries[k]': DROP,
  'equitySeries[k]': DROP,
  commissionSum: DROP,
  slippageSum: DROP,
  borrowSum: DROP,
} as const;
/** The bar of a live account: not ruined (a ruin leaves the kernel's main loop). */
const LIVE = { ...BAR, ruined: 'false' } as const;
/** The bar after a ruin: flat, trading no more; the strategy's targets are not read. */
const RUINED = { ...BAR, ruined: 'true', 'target[c+i]': '0' } as const;

/** The Kalman-pairs strategy's parts, both legs in locals: the filter step to the sizing. */
const STRATEGY: Record<string, Splice> = {
  'strategy-state': { from: 'scripts/fuse/pairStrategy.template.ts' },
  'rule-state': { from: 'scripts/fuse/pairStrategy.template.ts' },
  'pair-step': { from: 'src/kalman/pair.ts' },
  weights: {
    from: 'src/strategy/spread.ts',
    legs: 2,
    map: {
      'out[i]': LEGS_2('w0', 'w1'),
      'w[i]': LEGS_2('1', '-hedge'),
      'prices[i]': LEGS_2('cy', 'cx'),
      "transform==='log'": 'logPrices',
    },
  },
  'band-rule': { from: 'src/strategy/rules.ts' },
  'capital-sizing': {
    from: 'src/strategy/sizing.ts',
    legs: 2,
    map: {
      'held[i]': LEGS_2('h0', 'h1'),
      'weights[i]': LEGS_2('w0', 'w1'),
      'prices[i]': LEGS_2('cy', 'cx'),
      'out[i]': LEGS_2('tg0', 'tg1'),
    },
  },
  'unit-sizing': {
    from: 'src/strategy/sizing.ts',
    legs: 2,
    map: { 'weights[i]': LEGS_2('w0', 'w1'), 'out[i]': LEGS_2('tg0', 'tg1') },
  },
};

/** The one-asset Kalman strategy's rule and sizing, its one leg in locals. */
const LEVEL: Record<string, Splice> = {
  'rule-state': { from: 'scripts/fuse/pairStrategy.template.ts' },
  weights: {
    from: 'src/strategy/spread.ts',
    legs: 1,
    map: {
      'out[i]': LEGS_1('w0'),
      'w[i]': LEGS_1('1'),
      'prices[i]': LEGS_1('cy'),
      "transform==='log'": 'logPrices',
    },
  },
  'band-rule': { from: 'src/strategy/rules.ts' },
  'capital-sizing': {
    from: 'src/strategy/sizing.ts',
    legs: 1,
    map: {
      'held[i]': LEGS_1('h0'),
      'weights[i]': LEGS_1('w0'),
      'prices[i]': LEGS_1('cy'),
      'out[i]': LEGS_1('tg0'),
    },
  },
  'unit-sizing': {
    from: 'src/strategy/sizing.ts',
    legs: 1,
    map: { 'weights[i]': LEGS_1('w0'), 'out[i]': LEGS_1('tg0') },
  },
};

/** The kernels this script generates. */
export const KERNELS: readonly FusedKernel[] = [
  {
    template: 'scripts/fuse/pairLoop.template.ts',
    output: 'src/scan/pairLoop.generated.ts',
    splices: {
      ...STRATEGY,
      'bar-open': { from: 'src/execution/kernel.ts', legs: 2, map: BAR },
      'bar-order': { from: 'src/execution/kernel.ts', legs: 2, map: LIVE },
      fill: { from: 'src/execution/kernel.ts', legs: 2, map: BAR },
      mark: { from: 'src/execution/kernel.ts', legs: 2, map: LIVE },
      'bar-return': { from: 'src/execution/kernel.ts', map: BAR },
      'bar-record': { from: 'src/execution/kernel.ts', legs: 2, map: BAR },
      ruin: { from: 'src/execution/kernel.ts', legs: 2, map: { ...BAR, ruined: DROP } },
      'ruined-mark': { from: 'src/execution/kernel.ts', map: BAR },
      'bar-open-ruined': { from: 'src/execution/kernel.ts', region: 'bar-open', legs: 2, map: RUINED },
      'bar-order-ruined': { from: 'src/execution/kernel.ts', region: 'bar-order', legs: 2, map: RUINED },
      'fill-ruined': { from: 'src/execution/kernel.ts', region: 'fill', legs: 2, map: RUINED },
      'mark-ruined': { from: 'src/execution/kernel.ts', region: 'mark', legs: 2, map: RUINED },
      'accumulator-load': { from: 'src/execution/metrics.ts' },
      accumulate: {
        from: 'src/execution/metrics.ts',
        map: {
          'returns[t]': 'r',
          'grossExposure[t]': 'gross',
          'tradedNotional[t]': 'notional',
          'equity[t]': 'eq',
        },
      },
      'accumulator-store': { from: 'src/execution/metrics.ts', map: { from: '0', to: 'n' } },
    },
  },
  {
    template: 'scripts/fuse/pairTargets.template.ts',
    output: 'src/backtest/pairTargets.generated.ts',
    splices: STRATEGY,
  },
  {
    template: 'scripts/fuse/levelTargets.template.ts',
    output: 'src/backtest/levelTargets.generated.ts',
    splices: LEVEL,
  },
];

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Why a region could not be spliced: names the file, the region and what is wrong. */
export class FuseError extends Error {
  override name = 'FuseError';
}

/** The text of region `name` of `file`. */
function regionText(file: string, source: string, name: string): string {
  const begin = `// @fuse-begin ${name}`;
  const end = `// @fuse-end ${name}`;
  const lines = source.split('\n');
  const a = lines.findIndex((l) => l.trim() === begin);
  const b = lines.findIndex((l) => l.trim() === end);
  if (a < 0 || b < a) throw new FuseError(`${file}: no region '${name}' (${begin} … ${end})`);
  return lines.slice(a + 1, b).join('\n');
}

/** The numeric top-level constants of a file (`const NAME = 12;`). */
function numericConstants(source: string): Map<string, string> {
  const sf = ts.createSourceFile('c.ts', source, ts.ScriptTarget.ES2022, true);
  const out = new Map<string, string>();
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st) || !(st.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const d of st.declarationList.declarations)
      if (ts.isIdentifier(d.name) && d.initializer && ts.isNumericLiteral(d.initializer))
        out.set(d.name.text, d.initializer.text);
  }
  return out;
}

const squeeze = (s: string) => s.replace(/\s+/g, '');
const f = ts.factory;

/** An expression node for replacement text: a literal where it is one (so it folds). */
function expressionOf(text: string): ts.Expression {
  if (text === 'true') return f.createTrue();
  if (text === 'false') return f.createFalse();
  if (text === 'null') return f.createNull();
  if (/^\d+(\.\d+)?$/.test(text)) return f.createNumericLiteral(text);
  if (/^[A-Za-z_$][\w$]*$/.test(text)) return f.createIdentifier(text);
  // any other expression, printed as written (Prettier drops the parentheses it does not need)
  return f.createParenthesizedExpression(f.createIdentifier(text));
}

type Constant = boolean | null | number;
/** The value of a literal node, or undefined for anything else. */
function constantOf(e: ts.Node): Constant | undefined {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (e.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isNumericLiteral(e)) return Number(e.text);
  return undefined;
}
function literalOf(v: Constant): ts.Expression {
  if (v === null) return f.createNull();
  if (typeof v === 'boolean') return v ? f.createTrue() : f.createFalse();
  return f.createNumericLiteral(v);
}

interface Env {
  leg: number | null;
  loopVar: string | null;
  /** The label a bare `continue` breaks to (in an unrolled leg), with whether it was used. */
  label: { name: string; used: boolean } | null;
}

/** Rewrites a region's statements as the splice says. */
class Rewriter {
  #labels = 0;
  readonly #map: Map<string, string | readonly string[]>;
  constructor(
    readonly where: string,
    readonly sf: ts.SourceFile,
    readonly splice: Splice,
    readonly constants: Map<string, string>,
  ) {
    this.#map = new Map(Object.entries(splice.map ?? {}).map(([k, v]) => [squeeze(k), v]));
    for (const [k, v] of constants) if (!this.#map.has(k)) this.#map.set(k, v);
  }

  /** The replacement of an original expression node, if the map names it. */
  #mapped(node: ts.Node, env: Env): ts.Expression | undefined {
    if (node.pos < 0 || !(ts.isExpression(node) || ts.isIdentifier(node))) return undefined;
    const key = squeeze(node.getText(this.sf));
    const v = this.#map.get(key);
    if (v === undefined) return undefined;
    if (v === DROP) throw new FuseError(`${this.where}: '${key}' is dropped but read`);
    if (typeof v === 'string') return expressionOf(v);
    if (env.leg === null) throw new FuseError(`${this.where}: '${key}' outside a loop over the legs`);
    return expressionOf(v[env.leg]);
  }

  visit(node: ts.Node, env: Env): ts.Node | ts.Node[] | undefined {
    // a declaration's or a property's name is not an expression to replace
    if (ts.isPropertyAccessExpression(node)) {
      const m = this.#mapped(node, env);
      if (m) return m;
      return f.updatePropertyAccessExpression(node, this.expr(node.expression, env), node.name);
    }
    if (ts.isVariableDeclaration(node)) {
      return f.updateVariableDeclaration(
        node,
        node.name,
        node.exclamationToken,
        node.type,
        node.initializer && this.expr(node.initializer, env),
      );
    }
    if (ts.isIdentifier(node)) {
      if (env.loopVar !== null && node.text === env.loopVar) return f.createNumericLiteral(env.leg!);
      return this.#mapped(node, env) ?? node;
    }
    if (ts.isExpression(node)) {
      const m = this.#mapped(node, env);
      if (m) return m;
    }
    if (ts.isExpressionStatement(node) && this.#dropped(node.expression)) return undefined;
    if (ts.isForStatement(node) && this.splice.legs !== undefined) {
      const i = legLoopVariable(node);
      if (i !== null) return this.#unroll(node, i);
    }
    if (ts.isContinueStatement(node) && node.label === undefined && env.label !== null) {
      env.label.used = true;
      return f.createBreakStatement(env.label.name);
    }
    if (ts.isIterationStatement(node, false) && env.label !== null) env = { ...env, label: null }; // a continue inside targets this loop
    const out = ts.visitEachChild(node, (n) => this.visit(n, env), undefined);
    return fold(out);
  }

  /** Whether a statement's expression is dropped: itself, or the target it assigns, maps to DROP. */
  #dropped(e: ts.Expression): boolean {
    const drop = (n: ts.Node) => n.pos >= 0 && this.#map.get(squeeze(n.getText(this.sf))) === DROP;
    if (drop(e)) return true;
    return ts.isBinaryExpression(e) && isAssignment(e.operatorToken.kind) && drop(e.left);
  }

  expr(node: ts.Expression, env: Env): ts.Expression {
    return this.visit(node, env) as ts.Expression;
  }

  #unroll(node: ts.ForStatement, i: string): ts.Statement | ts.Statement[] {
    const legs: ts.Statement[] = [];
    for (let leg = 0; leg < this.splice.legs!; leg++) {
      const label = { name: `leg${this.#labels++}`, used: false };
      const body = this.visit(node.statement, { leg, loopVar: i, label }) as ts.Statement;
      const block = ts.isBlock(body) ? body : f.createBlock([body], true);
      if (label.used) legs.push(f.createLabeledStatement(label.name, block));
      else if (block.statements.some(declares)) legs.push(block);
      else legs.push(...block.statements); // nothing of its own to scope
    }
    // in a list of statements the legs stand in the loop's place; elsewhere in one block
    const p = node.parent;
    return ts.isBlock(p) || ts.isSourceFile(p) ? legs : f.createBlock(legs, true);
  }
}

/** Whether an operator assigns (`=`, `+=`, `-=`, …). */
function isAssignment(op: ts.SyntaxKind): boolean {
  return op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment;
}

/** Whether a statement declares a name in its block. */
function declares(st: ts.Statement): boolean {
  return ts.isVariableStatement(st) || ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st);
}

/** The loop variable of `for (let i = 0; i < …; i++)`, or null for another loop. */
function legLoopVariable(node: ts.ForStatement): string | null {
  const init = node.initializer;
  if (!init || !ts.isVariableDeclarationList(init) || init.declarations.length !== 1) return null;
  const d = init.declarations[0];
  if (!ts.isIdentifier(d.name) || !d.initializer || constantOf(d.initializer) !== 0) return null;
  const i = d.name.text;
  const cond = node.condition;
  if (!cond || !ts.isBinaryExpression(cond) || cond.operatorToken.kind !== ts.SyntaxKind.LessThanToken)
    return null;
  if (!ts.isIdentifier(cond.left) || cond.left.text !== i) return null;
  const inc = node.incrementor;
  if (!inc || !ts.isPostfixUnaryExpression(inc) || !ts.isIdentifier(inc.operand) || inc.operand.text !== i)
    return null;
  return i;
}

/** Whether evaluating `e` has no effect (no call, assignment, increment or `new` in it). */
function pure(e: ts.Node): boolean {
  if (ts.isCallExpression(e) || ts.isNewExpression(e)) return false;
  if (ts.isBinaryExpression(e) && isAssignment(e.operatorToken.kind)) return false;
  if (
    (ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) &&
    (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken)
  )
    return false;
  return ts.forEachChild(e, (c) => (pure(c) ? undefined : true)) !== true;
}

/** Folds a node whose condition or operands are now constants. */
function fold(node: ts.Node): ts.Node | ts.Node[] | undefined {
  if (ts.isIfStatement(node)) {
    const c = constantOf(node.expression);
    if (c === undefined) return node;
    const taken = c ? node.thenStatement : node.elseStatement;
    return taken ?? f.createEmptyStatement();
  }
  if (ts.isConditionalExpression(node)) {
    const c = constantOf(node.condition);
    if (c === undefined) return node;
    return c ? node.whenTrue : node.whenFalse;
  }
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) {
    const c = constantOf(node.operand);
    return c === undefined ? node : literalOf(!c);
  }
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    const a = constantOf(node.left);
    const b = constantOf(node.right);
    if (op === ts.SyntaxKind.AmpersandAmpersandToken && a !== undefined) return a ? node.right : node.left;
    if (op === ts.SyntaxKind.BarBarToken && a !== undefined) return a ? node.left : node.right;
    // on a boolean (the regions' conditions are), `x && true` and `x || false` are x
    if (op === ts.SyntaxKind.AmpersandAmpersandToken && b === true) return node.left;
    if (op === ts.SyntaxKind.BarBarToken && b === false) return node.left;
    // and `x && false` is false, `x || true` true, when x has no effect to keep
    if (op === ts.SyntaxKind.AmpersandAmpersandToken && b === false && pure(node.left))
      return literalOf(false);
    if (op === ts.SyntaxKind.BarBarToken && b === true && pure(node.left)) return literalOf(true);
    if (a !== undefined && b !== undefined) {
      if (op === ts.SyntaxKind.EqualsEqualsEqualsToken) return literalOf(a === b);
      if (op === ts.SyntaxKind.ExclamationEqualsEqualsToken) return literalOf(a !== b);
      if (op === ts.SyntaxKind.AsteriskToken && typeof a === 'number' && typeof b === 'number')
        return literalOf(a * b);
    }
  }
  if (ts.isParenthesizedExpression(node)) {
    const c = constantOf(node.expression);
    if (c !== undefined) return literalOf(c);
  }
  return node;
}

/** The code a template's `// @fuse NAME` line stands for. */
function spliceCode(name: string, splice: Splice, read: (file: string) => string): string {
  const file = splice.from;
  const source = read(file);
  const region = splice.region ?? name;
  const text = regionText(file, source, region);
  const wrapped = `function __region() {\n${text}\n}\n`;
  const sf = ts.createSourceFile(`${file}#${region}`, wrapped, ts.ScriptTarget.ES2022, true);
  const fn = sf.statements[0] as ts.FunctionDeclaration;
  const rw = new Rewriter(`${file} region '${region}'`, sf, splice, numericConstants(source));
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  const env: Env = { leg: null, loopVar: null, label: null };
  const lines: string[] = [`// @fuse ${name}: ${file}, region '${region}'`];
  for (const st of fn.body!.statements) {
    const out = rw.visit(st, env);
    for (const n of Array.isArray(out) ? out : out === undefined ? [] : [out])
      if (!ts.isEmptyStatement(n as ts.Statement))
        lines.push(printer.printNode(ts.EmitHint.Unspecified, n, sf));
  }
  return lines.join('\n');
}

/** The generated text of `kernel` from the sources as `read` gives them. */
export async function generate(
  kernel: FusedKernel,
  read: (file: string) => string = (file) => readFileSync(join(ROOT, file), 'utf8'),
): Promise<string> {
  const template = read(kernel.template);
  const used = new Set<string>();
  const body = template.replace(/^([ \t]*)\/\/ @fuse ([\w-]+)[ \t]*$/gm, (_line, _indent, name: string) => {
    const splice = kernel.splices[name];
    if (!splice) throw new FuseError(`${kernel.template}: no splice named '${name}'`);
    used.add(name);
    return spliceCode(name, splice, read);
  });
  for (const name of Object.keys(kernel.splices))
    if (!used.has(name)) throw new FuseError(`${kernel.template}: no '// @fuse ${name}' line`);
  const sources = [...new Set(Object.values(kernel.splices).map((s) => s.from))].join(', ');
  const header =
    `// GENERATED by scripts/fuse.ts from ${kernel.template} and the @fuse regions of ${sources}.\n` +
    `// Do not edit: change those and run \`npx tsx scripts/fuse.ts\` (test/scan/fuse.test.ts fails when this file is stale).\n`;
  const options = (await prettier.resolveConfig(join(ROOT, kernel.output))) ?? {};
  return prettier.format(header + body, { ...options, parser: 'typescript' });
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const kernel of KERNELS) {
    const text = await generate(kernel);
    const path = join(ROOT, kernel.output);
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // not generated yet
    }
    if (current === text) continue;
    stale++;
    if (check) console.error(`${relative(process.cwd(), path)} is stale`);
    else {
      writeFileSync(path, text);
      console.log(`wrote ${relative(process.cwd(), path)}`);
    }
  }
  if (check && stale > 0) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
