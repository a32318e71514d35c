/**
 * Bad input to the queue and thread options: each row's arguments must exit 2 with a one- or
 * two-line message naming the flag (and, for a URL, what is wrong with it), never a stack
 * trace or the "bug" path, and never the password of a URL.
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { freePort } from '../scan/fixtures/redis.js';
import { kalrev } from './run.js';

const closed = await freePort();
const tooMany = String(4 * availableParallelism() + 1);
const scan = ['scan', '--data', 'data/ewa_ewc_ige.csv', '--out', 'out/test-bad-queue'];
const sweep = ['sweep', '--data', 'data/ewa_ewc.csv', '--pair', 'EWA,EWC', '--grid', 'delta=1e-5'];

const rows: { args: string[]; message: RegExp }[] = [
  {
    args: ['worker', '--queue', 'not a url'],
    message: /^kalrev: --queue: "not a url" is not a URL; expected redis:\/\/host\[:port\]/,
  },
  {
    args: ['worker', '--queue', 'http://127.0.0.1:6379'],
    message:
      /^kalrev: --queue: http:\/\/ is not a Redis URL; expected redis:\/\/.*got "http:\/\/127\.0\.0\.1:6379"/,
  },
  {
    args: ['worker', '--queue', 'redis://'],
    message: /^kalrev: --queue: "redis:\/\/" names no host/,
  },
  {
    args: [...scan, '--queue', 'https://:hunter22@example.com'],
    message: /^kalrev: --queue: https:\/\/ is not a Redis URL; .*got "https:\/\/\*\*\*@example\.com"/,
  },
  { args: [...sweep, '--queue', 'ftp://host'], message: /^kalrev: --queue: ftp:\/\/ is not a Redis URL/ },
  {
    args: ['worker', '--queue', `redis://127.0.0.1:${closed}`],
    message: /^kalrev: --queue redis:\/\/127\.0\.0\.1:\d+: cannot use Redis: nothing listens there/,
  },
  {
    args: [...scan, '--queue', `redis://:hunter22@127.0.0.1:${closed}`],
    message: /^kalrev: --queue redis:\/\/\*\*\*@127\.0\.0\.1:\d+: cannot use Redis: nothing listens there/,
  },
  {
    args: [...scan, '--threads', '1000'],
    message: /--threads expects a whole number from 1 to \d+ .*got "1000"/,
  },
  { args: [...sweep, '--threads', tooMany], message: /--threads expects a whole number from 1 to \d+/ },
  { args: [...scan, '--threads', '0'], message: /--threads expects a whole number from 1 to/ },
  { args: [...scan, '--threads', '2.5'], message: /--threads expects a whole number from 1 to/ },
  {
    args: [...scan, '--threads', '2', '--queue', 'redis://127.0.0.1:6379'],
    message: /^kalrev: --threads and --queue: .*give one/,
  },
  { args: ['worker', '--queue', 'redis://127.0.0.1:6379', '--concurrency', '0'], message: /--concurrency/ },
  {
    args: [...scan, '--queu=redis://:hunter22@127.0.0.1:6379'],
    message: /^error: unknown option '--queu=redis:\/\/\*\*\*@127\.0\.0\.1:6379'/,
  },
];

describe('bad queue and thread options exit 2 with a short message naming the flag', () => {
  it.each(rows.map((r) => [r.args.join(' '), r] as const))(
    'kalrev %s',
    async (_, { args, message }) => {
      const r = await kalrev(...args);
      expect(r.status, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines.length).toBeLessThanOrEqual(2);
      expect(lines[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/this is a bug|\n\s+at /);
      expect(r.stderr + r.stdout).not.toContain('hunter22');
    },
    120_000,
  );
});
