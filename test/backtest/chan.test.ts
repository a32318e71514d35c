/**
 * Chan, Algorithmic Trading (2013), Example 3.3: the Kalman hedge ratio of EWC on EWA, traded
 * on the forecast error beyond ±√Q_t. His script prints APR 0.262252 and Sharpe 2.361162.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/app/backtest.js';
import { kalrevInProcess } from '../cli/run.js';
import { wideFrame } from './load.js';

const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);

/** Chan's MATLAB script transcribed (KF_beta_EWA_EWC.m): an independent oracle for every series. */
function chanScript(y: Float64Array, x: Float64Array) {
  const n = y.length;
  const Vw = 1e-4 / (1 - 1e-4);
  const Ve = 1e-3;
  let b0 = 0,
    b1 = 0;
  let P = [0, 0, 0, 0];
  let R = [0, 0, 0, 0];
  const beta: number[] = [];
  const e: number[] = [];
  const Q: number[] = [];
  for (let t = 0; t < n; t++) {
    if (t > 0) R = [P[0] + Vw, P[1], P[2], P[3] + Vw];
    const yhat = x[t] * b0 + b1;
    const Rx = [R[0] * x[t] + R[1], R[2] * x[t] + R[3]];
    Q.push(x[t] * Rx[0] + Rx[1] + Ve);
    e.push(y[t] - yhat);
    const K = [Rx[0] / Q[t], Rx[1] / Q[t]];
    b0 += K[0] * e[t];
    b1 += K[1] * e[t];
    const xR = [x[t] * R[0] + R[2], x[t] * R[1] + R[3]];
    P = [R[0] - K[0] * xR[0], R[1] - K[0] * xR[1], R[2] - K[1] * xR[0], R[3] - K[1] * xR[1]];
    beta.push(b0);
  }
  // numUnitsLong: 1 where e < −√Q, 0 where e > −√Q, else carried; likewise short; first row 0 unless set
  const units: number[] = [];
  let long = 0,
    short = 0;
  for (let t = 0; t < n; t++) {
    const s = Math.sqrt(Q[t]);
    if (e[t] < -s) long = 1;
    else if (e[t] > -s) long = 0;
    if (e[t] > s) short = -1;
    else if (e[t] < s) short = 0;
    units.push(long + short);
  }
  // positions (dollars) = units × [−β·EWA, EWC]; pnl = Σ lag(pos)·Δp/p; ret = pnl / Σ|lag(pos)|
  const ret: number[] = [0];
  for (let t = 1; t < n; t++) {
    const px = -units[t - 1] * beta[t - 1] * x[t - 1];
    const py = units[t - 1] * y[t - 1];
    const pnl = (px * (x[t] - x[t - 1])) / x[t - 1] + (py * (y[t] - y[t - 1])) / y[t - 1];
    const gross = Math.abs(px) + Math.abs(py);
    ret.push(gross > 0 ? pnl / gross : 0);
  }
  const apr = ret.reduce((g, r) => g * (1 + r), 1) ** (252 / n) - 1;
  const mean = ret.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(ret.reduce((a, r) => a + (r - mean) ** 2, 0) / (n - 1));
  return { beta, e, Q, units, ret, apr, sharpe: (Math.sqrt(252) * mean) / sd };
}

describe("Chan's Example 3.3", () => {
  const r = backtest(frame, 'chan-2013-ex3.3', { symbols: ['EWC', 'EWA'] });

  it('reproduces the published APR and Sharpe ratio', () => {
    expect(Math.abs(r.metrics.apr - 0.262252)).toBeLessThan(5e-6);
    expect(Math.abs(r.metrics.sharpe - 2.361162)).toBeLessThan(5e-6);
  });

  it('is the same as the full kalman-pair preset with the book’s conventions spelled out', () => {
    const spelled = backtest(
      frame,
      { preset: 'kalman-pair', sizing: { type: 'units' } },
      {
        symbols: ['EWC', 'EWA'],
        execution: 'close',
        returns: 'gross',
        costs: { commissionBps: 0, commissionPerShare: 0, minCommission: 0, slippageBps: 0, borrowBps: 0 },
      },
    );
    expect(spelled.metrics).toEqual(r.metrics);
  });

  it("matches the book's script day by day: hedge ratio, forecast error, units and returns", () => {
    const ref = chanScript(frame.get('EWC'), frame.get('EWA'));
    for (let t = 0; t < frame.length; t++) {
      expect(r.signals.hedgeRatio[t]).toBeCloseTo(ref.beta[t], 10);
      expect(r.signals.value[t]).toBeCloseTo(ref.e[t], 10);
      expect(r.signals.scale[t]).toBeCloseTo(Math.sqrt(ref.Q[t]), 10);
      expect(r.signals.units[t]).toBe(ref.units[t]);
      expect(r.returns[t]).toBeCloseTo(ref.ret[t], 10);
    }
    expect(ref.apr).toBeCloseTo(0.262252, 5);
    expect(ref.sharpe).toBeCloseTo(2.361162, 5);
  });

  it('enters on the first row (e_0 = y_0 > √Vₑ: short one unit)', () => {
    expect(r.signals.units[0]).toBe(-1);
    expect(r.positions[0]).toBe(-1); // EWC shares
    expect(r.positions[1] === 0).toBe(true); // β_0 = 0 shares of EWA
  });

  it('trades its published legs, EWC on EWA, when no symbols are given and the data has them', () => {
    // the file lists EWA first: the first two symbols would trade EWA on EWC (APR 0.2105)
    const asFiled = wideFrame('data/ewa_ewc.csv');
    expect(asFiled.symbols).toEqual(['EWA', 'EWC']);
    const r = backtest(asFiled, 'chan-2013-ex3.3');
    expect(r.symbols).toEqual(['EWC', 'EWA']);
    expect(r.metrics.apr).toBeCloseTo(0.262252, 6);
    // without them, the frame's first symbols, as for any strategy
    const other = wideFrame('data/gld_uso.csv');
    expect(backtest(other, 'chan-2013-ex3.3').symbols).toEqual(['GLD', 'USO']);
  });

  it('`kalrev backtest --data data/ewa_ewc.csv --preset chan-2013-ex3.3` reproduces the book', async () => {
    const r = await kalrevInProcess(
      'backtest',
      '--data',
      'data/ewa_ewc.csv',
      '--preset',
      'chan-2013-ex3.3',
      '--json',
      '--out',
      join(mkdtempSync(join(tmpdir(), 'kalrev-chan-')), 'run'),
    );
    expect(r.status).toBe(0);
    const m = JSON.parse(r.stdout).metrics;
    expect(m.apr).toBeCloseTo(0.262252, 6);
    expect(m.sharpe).toBeCloseTo(2.361162, 6);
  });
});
