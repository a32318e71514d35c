/** `kalrev demo`: the hedge-ratio summary on the bundled EWA/EWC prices (no longer the default command). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWideCsvSync } from '../../src/data/index.js';
import { dynamicHedgeRatio } from '../../src/kalman/index.js';

function kalrev(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Chan's MATLAB loop for Example 3.3 transcribed line by line (an independent oracle):
 * beta(:,t)=beta(:,t-1); R=P+Vw; yhat=x*beta; Q=x*R*x'+Ve; e=y-yhat; K=R*x'/Q; beta+=K*e; P=R-K*x*R.
 */
function chanLoop(y: Float64Array, x: Float64Array, delta: number, Ve: number) {
  const Vw = delta / (1 - delta);
  let b0 = 0,
    b1 = 0;
  let P = [0, 0, 0, 0];
  let R = [0, 0, 0, 0];
  const beta: number[] = [];
  const e: number[] = [];
  const Q: number[] = [];
  for (let t = 0; t < y.length; t++) {
    if (t > 0) R = [P[0] + Vw, P[1], P[2], P[3] + Vw];
    const xr = [x[t], 1];
    const yhat = xr[0] * b0 + xr[1] * b1;
    const Rx = [R[0] * xr[0] + R[1] * xr[1], R[2] * xr[0] + R[3] * xr[1]];
    const q = xr[0] * Rx[0] + xr[1] * Rx[1] + Ve;
    const err = y[t] - yhat;
    const K = [Rx[0] / q, Rx[1] / q];
    b0 += K[0] * err;
    b1 += K[1] * err;
    const xR = [xr[0] * R[0] + xr[1] * R[2], xr[0] * R[1] + xr[1] * R[3]];
    P = [R[0] - K[0] * xR[0], R[1] - K[0] * xR[1], R[2] - K[1] * xR[0], R[3] - K[1] * xR[1]];
    beta.push(b0);
    e.push(err);
    Q.push(q);
  }
  return { beta, e, Q };
}

describe('dynamicHedgeRatio', () => {
  it("reproduces Chan's Example 3.3 loop on the bundled EWA/EWC prices", () => {
    const t = readWideCsvSync('data/ewa_ewc.csv').frame;
    const y = t.get('EWC');
    const x = t.get('EWA');
    const p = dynamicHedgeRatio(y, x);
    const ref = chanLoop(y, x, 1e-4, 1e-3);
    for (let i = 0; i < y.length; i++) {
      expect(p.beta[i]).toBeCloseTo(ref.beta[i], 9);
      expect(p.forecastError[i]).toBeCloseTo(ref.e[i], 9);
      expect(p.forecastStd[i]).toBeCloseTo(Math.sqrt(ref.Q[i]), 9);
    }
  });
});

describe('kalrev demo', () => {
  it('summarises the EWC-on-EWA hedge ratio of the bundled data', () => {
    const r = kalrev('demo', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.days).toBe(1500);
    expect(out.first).toBe('2006-04-26');
    expect(out.last).toBe('2012-04-09');
    const t = readWideCsvSync('data/ewa_ewc.csv').frame;
    const ref = chanLoop(t.get('EWC'), t.get('EWA'), 1e-4, 1e-3);
    expect(out.beta.end).toBeCloseTo(ref.beta[1499], 9);
    expect(out.beta.max).toBeCloseTo(Math.max(...ref.beta.slice(1)), 9);
  });

  it('prints a readable summary', () => {
    const r = kalrev('demo');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Kalman dynamic hedge ratio of EWC on EWA');
    expect(r.stdout).toMatch(/hedge ratio β\s+start \d\.\d{4}\s+end 0\.90\d\d/);
  });

  it('reports bad input in one line with the location, and exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kalrev-'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'date,A,B\n2020-01-02,1,2\n2020-01-03,1.5,x7\n');
    let r = kalrev('demo', '--data', bad, '--y', 'A', '--x', 'B');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`kalrev: ${bad}:3:3: unparseable number "x7" in column B`);
    writeFileSync(bad, 'date,A,B\n2020-01-03,1,2\n2020-01-02,1.5,2\n');
    r = kalrev('demo', '--data', bad, '--y', 'A', '--x', 'B');
    expect(r.stderr.trim()).toBe(
      `kalrev: ${bad}:3:1: date 2020-01-02 is before the previous row's 2020-01-03; dates must be strictly increasing`,
    );
    r = kalrev('demo', '--data', join(dir, 'missing.csv'));
    expect(r.stderr.trim()).toBe(`kalrev: ${join(dir, 'missing.csv')}: no such file`);
    r = kalrev('demo', '--y', 'SPY');
    expect(r.stderr.trim()).toMatch(/^kalrev: .*ewa_ewc\.csv: unknown symbol "SPY"; the file has EWA, EWC$/);
    r = kalrev('demo', '--delta', '-1');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      "error: option '--delta <δ>' argument '-1' is invalid. --delta must be a positive number.",
    );
    r = kalrev('demo', '--bogus');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });
});
