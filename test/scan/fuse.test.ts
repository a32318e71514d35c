/**
 * The fused kernels are generated (scripts/fuse.ts), never edited: each committed file equals
 * what the generator makes of today's sources, and the generator's rewrites do what they say.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DROP, FuseError, generate, KERNELS, type FusedKernel } from '../../scripts/fuse.js';

describe('generated kernels', () => {
  for (const kernel of KERNELS)
    it(`${kernel.output} is current (run \`npx tsx scripts/fuse.ts\` after changing a @fuse region)`, async () => {
      const committed = readFileSync(kernel.output, 'utf8');
      expect(await generate(kernel)).toBe(committed);
    });

  it('a region changed in its source changes the generated kernel', async () => {
    const kernel = KERNELS[0];
    const real = (file: string) => readFileSync(file, 'utf8');
    const edited = (file: string) =>
      file === 'src/strategy/rules.ts'
        ? real(file).replace('if (target === blocked) target = 0;', 'if (target === blocked) target = 2;')
        : real(file);
    const text = await generate(kernel, edited);
    expect(text).not.toBe(await generate(kernel, real));
    expect(text).toContain('if (target === blocked) target = 2;');
  });
});

/** A kernel of one template line `// @fuse r` over region `r` of src.ts. */
function run(region: string, splice: FusedKernel['splices'][string], extra = ''): Promise<string> {
  const files: Record<string, string> = {
    'src.ts': `const TWO = 2;\nfunction f() {\n  // @fuse-begin r\n${region}\n  // @fuse-end r\n}\n${extra}`,
    't.ts': 'export function k() {\n  // @fuse r\n}\n',
  };
  return generate(
    { template: 't.ts', output: 'out.ts', splices: { r: { ...splice, from: 'src.ts' } } },
    (f) => {
      if (!(f in files)) throw new Error(`no ${f}`);
      return files[f];
    },
  );
}

describe('scripts/fuse.ts rewrites', () => {
  it('unrolls a loop over the legs into one block a leg, with the map per leg', async () => {
    const out = await run('for (let i = 0; i < L; i++) s += pos[i] * close[c + i];', {
      from: '',
      legs: 2,
      map: { 'pos[i]': ['p0', 'p1'], 'close[c + i]': ['cy', 'cx'] },
    });
    expect(out).toMatch(/s \+= p0 \* cy;[\s\S]*s \+= p1 \* cx;/);
    expect(out).not.toContain('pos[');
  });

  it('turns a continue in an unrolled leg into a break out of that leg', async () => {
    const out = await run('for (let i = 0; i < L; i++) {\n if (d[i] === 0) continue;\n n++;\n}', {
      from: '',
      legs: 2,
      map: { 'd[i]': ['d0', 'd1'] },
    });
    expect(out).toMatch(/(leg\d+): \{\s*if \(d0 === 0\) break \1;\s*n\+\+;/);
    expect(out).not.toContain('continue');
  });

  it('folds branches on constants and inlines the numeric constants of the source', async () => {
    const out = await run(
      'if (full) log.push(x);\nlet k = begin ? TWO : 5;\nif (rec !== null) w = 1;\nelse w = 2;\ny = !full && z;',
      { from: '', map: { full: 'false', begin: 'true', rec: 'null' } },
    );
    expect(out).not.toContain('log.push');
    expect(out).toContain('let k = 2;');
    expect(out).toContain('w = 2;');
    expect(out).not.toContain('w = 1;');
    expect(out).toContain('y = z;');
  });

  it('drops the assignments to an expression mapped to DROP', async () => {
    const out = await run('series[k] = v;\nkept[k] = v;', { from: '', map: { 'series[k]': DROP } });
    expect(out).not.toContain('series[k]');
    expect(out).toContain('kept[k] = v;');
  });

  it('drops a statement mapped to DROP and compound assignments to a dropped name; reading one is an error', async () => {
    const out = await run('k++;\nsum += v;\nkept += v;\nseries[k] = v;', {
      from: '',
      map: { 'k++': DROP, sum: DROP, k: 't' },
    });
    expect(out).not.toContain('k++');
    expect(out).not.toContain('sum');
    expect(out).toContain('kept += v;');
    expect(out).toContain('series[t] = v;');
    await expect(run('x = sum;', { from: '', map: { sum: DROP } })).rejects.toThrow(
      /src\.ts region 'r': 'sum' is dropped but read/,
    );
  });

  it('folds `x && true`, `x || false`, and `x && false` or `x || true` when x has no effect', async () => {
    const out = await run(
      'a = eq <= 0 && !ruined;\nb = eq > 0 || ruined;\nc = eq <= 0 && ruined;\nd = f() && ruined;',
      { from: '', map: { ruined: 'false' } },
    );
    expect(out).toContain('a = eq <= 0;');
    expect(out).toContain('b = eq > 0;');
    expect(out).toContain('c = false;');
    // a call is kept for its effect
    expect(out).toContain('d = f() && false;');
  });

  it('names the file and region it cannot find, and a per-leg name used outside the legs', async () => {
    await expect(run('x = 1;', { from: '', region: 'missing' })).rejects.toThrow(
      new FuseError("src.ts: no region 'missing' (// @fuse-begin missing … // @fuse-end missing)"),
    );
    await expect(run('x = pos[i];', { from: '', map: { 'pos[i]': ['a', 'b'] } })).rejects.toThrow(
      /src\.ts region 'r': 'pos\[i\]' outside a loop over the legs/,
    );
  });
});
