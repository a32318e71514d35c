/**
 * The tear sheet's statistics against reference values computed independently by
 * test/fixtures/stats/tearsheet/ref.py (numpy and scipy, following the formulas empyrical,
 * quantstats and pyfolio document), and the selection-bias statistics against the papers'
 * worked examples.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  benchmarkStats,
  returnMoments,
  rollingStats,
  tailRisk,
  tradeStatistics,
  worstDrawdowns,
} from '../../src/stats/performance.js';
import {
  deflatedSharpeRatio,
  expectedMaxSharpe,
  probabilisticSharpeRatio,
} from '../../src/stats/sharpeInference.js';
import { probabilityOfOverfitting } from '../../src/stats/pbo.js';
import { normalPpf } from '../../src/stats/normal.js';
import { StatsError } from '../../src/stats/errors.js';

interface Ref {
  periodsPerYear: number;
  returns: number[];
  benchmark: number[];
  moments: Record<string, number>;
  tailRisk: Record<string, number>[];
  rolling: { window: number; sharpe: number[]; volatility: number[]; beta: number[] };
  benchmarkStats: Record<string, number>;
  drawdowns: Record<string, number>[];
  tradesInput: { pnl: number[]; holding: number[] };
  tradeStatistics: Record<string, number>;
  sharpeInference: {
    sharpe: number;
    psr0: number;
    psr005: number;
    emax: { trials: number; variance: number; value: number }[];
    dsr: { trials: number; variance: number; value: number };
  };
  pbo: { blocks: number; returns: number[][]; pbo: number; logits: number[] };
  normalPpf: { p: number; z: number }[];
}

const REF = JSON.parse(
  readFileSync(new URL('../fixtures/stats/tearsheet/ref.json', import.meta.url), 'utf8'),
) as Ref;
const r = Float64Array.from(REF.returns);
const b = Float64Array.from(REF.benchmark);
const P = REF.periodsPerYear;

/** |a − e| ≤ tol·max(1, |e|). */
function close(actual: number, expected: number, tol: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    tol * Math.max(1, Math.abs(expected)),
  );
}

describe('normalPpf', () => {
  it('matches scipy.stats.norm.ppf from 1e-300 to 1 − 1e-12', () => {
    for (const { p, z } of REF.normalPpf) {
      expect(Math.abs(normalPpf(p) - z), `p = ${p}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(z)));
    }
    expect(normalPpf(0)).toBe(-Infinity);
    expect(normalPpf(1)).toBe(Infinity);
    expect(normalPpf(1.5)).toBeNaN();
  });
});

describe('return statistics (quantstats, empyrical)', () => {
  it('moments: mean, sample std, pandas skew and excess kurtosis', () => {
    const m = returnMoments(r);
    expect(m.n).toBe(REF.moments.n);
    for (const k of ['mean', 'std', 'skew', 'kurtosis'] as const) close(m[k], REF.moments[k], 1e-12, k);
  });

  it('VaR and CVaR at 95 % and 99 %, historical and Cornish-Fisher', () => {
    const t = tailRisk(r);
    REF.tailRisk.forEach((e, i) => {
      expect(t[i].confidence).toBe(e.confidence);
      close(t[i].historicalVaR, e.historicalVaR, 1e-13, `historicalVaR ${e.confidence}`);
      close(t[i].historicalCVaR, e.historicalCVaR, 1e-13, `historicalCVaR ${e.confidence}`);
      close(t[i].cornishFisherVaR, e.cornishFisherVaR, 1e-12, `cornishFisherVaR ${e.confidence}`);
      // closed form against scipy's adaptive quadrature
      close(t[i].cornishFisherCVaR, e.cornishFisherCVaR, 1e-9, `cornishFisherCVaR ${e.confidence}`);
      // a tail's mean is beyond its quantile
      expect(t[i].historicalCVaR).toBeLessThan(t[i].historicalVaR);
      expect(t[i].cornishFisherCVaR).toBeLessThan(t[i].cornishFisherVaR);
    });
  });

  it('rolling Sharpe, volatility and β (empyrical roll_* over 63 bars)', () => {
    const w = REF.rolling.window;
    const s = rollingStats(r, w, P, b);
    for (let t = 0; t < w - 1; t++) expect(s.sharpe[t]).toBeNaN();
    REF.rolling.sharpe.forEach((e, i) => close(s.sharpe[i + w - 1], e, 1e-10, `sharpe[${i + w - 1}]`));
    REF.rolling.volatility.forEach((e, i) => close(s.volatility[i + w - 1], e, 1e-12, `vol[${i + w - 1}]`));
    REF.rolling.beta.forEach((e, i) => close(s.beta![i + w - 1], e, 1e-10, `beta[${i + w - 1}]`));
  });

  it('α, β, correlation, tracking error and information ratio against the benchmark', () => {
    const s = benchmarkStats(r, b, P);
    for (const [k, e] of Object.entries(REF.benchmarkStats)) close(s[k as keyof typeof s], e, 1e-11, k);
  });

  it('the five worst drawdowns (pyfolio get_top_drawdowns)', () => {
    const d = worstDrawdowns(r, 5);
    expect(d.map(({ peak, trough, recovery, length }) => ({ peak, trough, recovery, length }))).toEqual(
      REF.drawdowns.map(({ peak, trough, recovery, length }) => ({ peak, trough, recovery, length })),
    );
    d.forEach((x, i) => close(x.depth, REF.drawdowns[i].depth, 1e-12, `depth ${i}`));
  });

  it('trade statistics: P&L per trade, holding time, consecutive wins and losses', () => {
    const s = tradeStatistics(REF.tradesInput.pnl, REF.tradesInput.holding);
    for (const [k, e] of Object.entries(REF.tradeStatistics)) close(s[k as keyof typeof s], e, 1e-12, k);
  });

  it('refuses NaN naming the index', () => {
    expect(() => returnMoments([0.01, NaN])).toThrow(/returnMoments: returns contains NaN at index 1/);
    expect(() => rollingStats([1, 2, 3], 1, P)).toThrow(StatsError);
    expect(() => benchmarkStats([0.1, 0.2], [0.1], P)).toThrow(/mismatched lengths/);
  });
});

describe('probabilistic and deflated Sharpe ratio (Bailey and López de Prado)', () => {
  const m = returnMoments(r);
  const sample = { sharpe: m.mean / m.std, n: m.n, skew: m.skew, kurtosis: m.kurtosis };

  it('PSR and the expected maximum Sharpe ratio match the reference', () => {
    close(sample.sharpe, REF.sharpeInference.sharpe, 1e-12, 'sharpe');
    close(probabilisticSharpeRatio(sample), REF.sharpeInference.psr0, 1e-12, 'PSR(0)');
    close(probabilisticSharpeRatio(sample, 0.05), REF.sharpeInference.psr005, 1e-12, 'PSR(0.05)');
    for (const e of REF.sharpeInference.emax)
      close(expectedMaxSharpe(e.trials, e.variance), e.value, 1e-12, `E[max] N=${e.trials}`);
    const d = REF.sharpeInference.dsr;
    close(deflatedSharpeRatio(sample, d.trials, d.variance).dsr, d.value, 1e-12, 'DSR');
  });

  it("reproduces the deflated Sharpe ratio's worked example (2014)", () => {
    // 100 trials whose annualised Sharpe ratios vary with variance 1/2; the best has an
    // annualised Sharpe ratio of 2.5 over 1,250 daily returns (5 years of 250 days), skewness −3
    // and kurtosis 10. The paper finds SR₀ ≈ 0.1132 per day and DSR ≈ 0.9004.
    const day = Math.sqrt(250);
    const d = deflatedSharpeRatio({ sharpe: 2.5 / day, n: 1250, skew: -3, kurtosis: 10 - 3 }, 100, 0.5 / 250);
    expect(d.threshold).toBeCloseTo(0.1132, 4);
    expect(d.dsr).toBeCloseTo(0.9004, 4);
    expect(d.trials).toBe(100);
  });

  it('one trial is no deflation: DSR is PSR against 0', () => {
    expect(deflatedSharpeRatio(sample, 1, 0.01).dsr).toBe(probabilisticSharpeRatio(sample, 0));
  });
});

describe('probability of backtest overfitting (CSCV)', () => {
  it('matches the reference over the 70 splits of 8 blocks', () => {
    const res = probabilityOfOverfitting(REF.pbo.returns, REF.pbo.blocks);
    expect(res.splits).toBe(70);
    expect(res.pbo).toBe(REF.pbo.pbo);
    REF.pbo.logits.forEach((e, i) => close(res.logits[i], e, 1e-12, `logit ${i}`));
  });

  it('is near 0 when one configuration truly dominates, near ½ when all are noise', () => {
    // deterministic pseudo-noise: a linear congruential generator, Box-Muller
    let s = 12345;
    const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296;
    const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    const noise = (mu: number) => Float64Array.from({ length: 1000 }, () => mu + 0.01 * gauss());
    const dominant = [noise(0.004), ...Array.from({ length: 9 }, () => noise(0))];
    expect(probabilityOfOverfitting(dominant, 10).pbo).toBeLessThan(0.05);
    // one noise universe's PBO varies widely (its splits share the data): the mean of 20 is ½
    let sum = 0;
    for (let k = 0; k < 20; k++)
      sum += probabilityOfOverfitting(
        Array.from({ length: 40 }, () => noise(0)),
        10,
      ).pbo;
    expect(sum / 20).toBeGreaterThan(0.35);
    expect(sum / 20).toBeLessThan(0.6);
  });

  it('names a bad block count', () => {
    expect(() =>
      probabilityOfOverfitting(
        [
          [1, 2, 3, 4],
          [1, 2, 3, 5],
        ],
        3,
      ),
    ).toThrow(/blocks must be an even/);
  });
});
