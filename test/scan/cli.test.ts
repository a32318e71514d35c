import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kalrev as cli } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'kalrev-scan-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kalrev = (...args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', 'test/scan/fixtures/cli-entry.ts', ...args], {
    encoding: 'utf8',
  });

describe('kalrev scan and sweep', () => {
  it('scan writes every pair to scan.csv, the best 200 and the counts to scan.json and scan.html', () => {
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
    ) as {
      pairs: number;
      counts: Record<string, number>;
      best: { rank: number; y: string; x: string }[];
      files: string[];
    };
    // 67 symbols: 67·66/2 pairs, 204 of them pass the Engle-Granger screen at 5 %
    expect(summary.pairs).toBe(2211);
    expect(summary.counts.ok).toBe(204);
    expect(summary.counts.pvalue).toBe(2211 - 204);
    expect(summary.best.map((b) => b.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // and the full reports of the best 10 pairs, by rank
    expect(summary.files.map((f) => f.slice(out.length + 1))).toEqual([
      'scan.csv',
      'scan.json',
      'scan.html',
      ...Array.from({ length: 10 }, (_, i) => join('pairs', String(i + 1).padStart(3, '0'), 'report.html')),
    ]);
    const csv = readFileSync(join(out, 'scan.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(2211 + 1);
    expect(csv[0].startsWith('rank,y,x,status,bars')).toBe(true);
    expect(csv.filter((l) => l.split(',')[3] === 'ok').length).toBe(204);
    const json = JSON.parse(readFileSync(join(out, 'scan.json'), 'utf8')) as {
      pairs: number;
      backtested: number;
      screenedOut: number;
      shown: number;
      counts: Record<string, number>;
      ranked: { rank: number; y: string; x: string }[];
    };
    expect([json.pairs, json.backtested, json.screenedOut, json.shown]).toEqual([2211, 204, 2007, 200]);
    expect(json.counts).toEqual(summary.counts);
    expect(json.ranked.map((p) => p.rank)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(json.ranked[0]).toMatchObject({ y: summary.best[0].y, x: summary.best[0].x });
    // the CSV's first 200 rows are scan.json's pairs, in order
    expect(csv.slice(1, 201).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(
      json.ranked.map((p) => `${p.rank},${p.y},${p.x}`),
    );
    const html = readFileSync(join(out, 'scan.html'), 'utf8');
    expect(html).toContain('<table id="t">');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/[^"'\s]*\.(js|css)/);
    expect(html).toContain(
      '2211 pairs tested; 204 passed the screens and were backtested; 2007 screened out',
    );
    const data = JSON.parse(
      html.match(/<script type="application\/json" id="scan-data">(.*?)<\/script>/s)![1],
    ) as {
      rows: unknown[][];
      page: { closes: Record<string, string>; equity: unknown[]; dates: string[] };
    };
    expect(data.rows.length).toBe(200);
    expect(data.rows.map((r) => `${r[1]}/${r[2]}`)).toEqual(json.ranked.map((p) => `${p.y}/${p.x}`));
    // each symbol of the table once, and nothing else
    expect(Object.keys(data.page.closes).sort()).toEqual(
      [...new Set(json.ranked.flatMap((p) => [p.y, p.x]))].sort(),
    );
    expect(data.page.equity.length).toBe(200);
  });

  it('--format and --top refuse what they cannot write, exit 2', async () => {
    const format = await cli('scan', '--data', 'data/ewa_ewc.csv', '--format', 'csv,xlsx', '--out', dir);
    expect(format.status).toBe(2);
    expect(format.stderr).toContain('--format expects csv, parquet or csv,parquet, got "csv,xlsx".');
    const top = await cli('scan', '--data', 'data/ewa_ewc.csv', '--top', '0', '--out', dir);
    expect(top.status).toBe(2);
    expect(top.stderr).toContain('--top expects a whole number from 1 to 1,000,000,000, got "0".');
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
