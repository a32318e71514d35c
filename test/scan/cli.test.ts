import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'kalrev-scan-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kalrev = (...args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', 'test/scan/fixtures/cli-entry.ts', ...args], {
    encoding: 'utf8',
  });

describe('kalrev scan and sweep', () => {
  it('scan writes scan.csv, scan.json and a self-contained scan.html', () => {
    const out = join(dir, 'scan');
    const summary = JSON.parse(
      kalrev(
        'scan',
        '--data',
        'data/etf_universe_close.csv',
        '--max-pvalue',
        '0.05',
        '--threads',
        '2',
        '--out',
        out,
        '--json',
      ),
    ) as { pairs: number; counts: Record<string, number>; best: { y: string; x: string }[] };
    expect(summary.pairs).toBe(2211);
    const json = JSON.parse(readFileSync(join(out, 'scan.json'), 'utf8')) as {
      ranked: { y: string }[];
      counts: Record<string, number>;
    };
    expect(json.ranked.length).toBe(summary.counts.ok);
    const csv = readFileSync(join(out, 'scan.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(2212);
    expect(csv[0].startsWith('rank,y,x,status,bars')).toBe(true);
    const html = readFileSync(join(out, 'scan.html'), 'utf8');
    expect(html).toContain('<table id="t">');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/[^"'\s]*\.(js|css)/);
    expect(html).toContain(`"${summary.best[0].y}/${summary.best[0].x}"`);
  });

  it('sweep with walk-forward writes sweep.json and a heat map page', () => {
    const out = join(dir, 'sweep');
    const s = JSON.parse(
      kalrev(
        'sweep',
        '--data',
        'data/ewa_ewc.csv',
        '--pair',
        'EWC,EWA',
        '--grid',
        'delta=1e-5,1e-4;entryZ=1,1.5,2',
        '--train',
        '500',
        '--test',
        '250',
        '--threads',
        '1',
        '--out',
        out,
        '--json',
      ),
    ) as { points: number; windows: number; outOfSample: { sharpe: number } };
    expect(s.points).toBe(6);
    expect(s.windows).toBe(4);
    const html = readFileSync(join(out, 'sweep.html'), 'utf8');
    expect(html).toContain('whole period (in-sample');
    expect((html.match(/<td style="background:/g) ?? []).length).toBe(6);
  });
});
