/**
 * The scan's kernel is warmed up on every branch before the first real pair (pairKernel.ts,
 * warmUp): a branch its compiled code has not seen makes V8 drop that code, and the scan then
 * runs on a slower version. On the 67-ETF universe, whose pairs trade, stop, and are ruined long
 * and short, the kernel must never be deoptimised after the warm-up.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the scan kernel after its warm-up', () => {
  for (const [execution, commissionBps] of [
    ['close', 1],
    ['next-close', 1],
    // ruined on the fill itself, some with one leg flat
    ['next-close', 1000],
  ] as const)
    it(`is never deoptimised on the 67-ETF universe (execution ${execution}, commission ${commissionBps} bp)`, () => {
      const run = spawnSync(
        process.execPath,
        [
          '--trace-deopt',
          '--import',
          'tsx',
          'test/scan/fixtures/kernel-deopt-entry.ts',
          execution,
          String(commissionBps),
        ],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      expect(run.status, run.stderr).toBe(0);
      const after = run.stdout.slice(run.stdout.indexOf('WARMED'));
      expect(run.stdout).toContain('WARMED');
      // the universe's pairs were backtested and some were ruined: the ruin path ran
      const [, pairs, ruined] = /pairs (\d+) ruined (\d+)/.exec(after)!;
      expect(Number(pairs)).toBeGreaterThan(2000);
      expect(Number(ruined)).toBeGreaterThan(0);
      const deopts = after.split('\n').filter((l) => /deoptimizing .*<JSFunction pairLoop /.test(l));
      expect(deopts).toEqual([]);
    }, 120_000);
});
