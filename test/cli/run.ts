/** Runs the `kalrev` CLI from source (tsx) in a child process. */
import { spawn } from 'node:child_process';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function kalrev(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Runs the CLI's `main` in this process, capturing what it prints: no process start per command
 * line, for tables of many short cases. Not for commands that keep running (worker, paper) or
 * that must exit to release something; runs one at a time (output capture is process-wide).
 */
export async function kalrevInProcess(...args: string[]): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const text = (a: unknown[]) => a.map((x) => (typeof x === 'string' ? x : String(x))).join(' ') + '\n';
  const saved = {
    log: console.log,
    error: console.error,
    warn: console.warn,
    out: process.stdout.write,
    err: process.stderr.write,
  };
  console.log = (...a: unknown[]) => void (stdout += text(a));
  console.error = console.warn = (...a: unknown[]) => void (stderr += text(a));
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    const status = await main([process.execPath, 'kalrev', ...args]);
    return { status: status ?? 0, stdout, stderr };
  } finally {
    console.log = saved.log;
    console.error = saved.error;
    console.warn = saved.warn;
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
}
