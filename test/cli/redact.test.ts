/** src/redact.ts: credentials are masked in URLs, AUTH commands, ioredis error dumps and anywhere a registered secret appears. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redact, registerSecret, registerUrlSecrets } from '../../src/redact.js';

describe('redact', () => {
  it.each([
    ['redis://:hunter2@10.0.0.5:6379/0', 'redis://***@10.0.0.5:6379/0'],
    ['rediss://alice:s3cr3t@redis.example.com', 'rediss://***@redis.example.com'],
    ['cannot reach redis://:p@ss@host:6379 (refused)', 'cannot reach redis://***@host:6379 (refused)'],
    ['redis://127.0.0.1:6379 has no credentials', 'redis://127.0.0.1:6379 has no credentials'],
    ['sent AUTH hunter2', 'sent AUTH ***'],
    ['HELLO 3 AUTH alice s3cr3t SETNAME x', 'HELLO 3 AUTH *** SETNAME x'],
    ["command: { name: 'auth', args: [ 'hunter2' ] }", "command: { name: 'auth', args: [***] }"],
    ['{"name":"auth","args":["alice","s3cr3t"]}', '{"name":"auth","args":[***]}'],
  ])('%s', (text, masked) => {
    expect(redact(text)).toBe(masked);
  });

  it('masks an ioredis-style error dump', () => {
    const e = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      command: { name: 'auth', args: ['TopSecretPw'] },
    });
    const text = redact(inspect(e));
    expect(text).toContain('WRONGPASS');
    expect(text).not.toContain('TopSecretPw');
  });

  it('masks registered secrets wherever they appear, percent-encoded or not', () => {
    registerUrlSecrets('redis://:Zq%40rty-9x@host:6379');
    expect(redact('password Zq%40rty-9x or Zq@rty-9x in free text')).toBe('password *** or *** in free text');
    registerSecret('another-Secret-1');
    expect(redact('x another-Secret-1 y')).toBe('x *** y');
  });
});
