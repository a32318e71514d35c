/**
 * A book of pair sleeves: equal to the sum of single-pair backtests when nothing is shared,
 * and never looking ahead through its walk-forward selection.
 */
import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/engine.js';
import { runBook, PortfolioError, type SleevePlan } from '../../src/backtest/portfolio.js';
import { resolveBacktestOptions } from '../../src/execution/options.js';
import { resolveStrategy, type StrategySpec } from '../../src/strategy/spec.js';
import { sleevePlans, walkForwardSelection, type SelectionOptions } from '../../src/scan/selection.js';
import { PriceFrame, type PriceField } from '../../src/data/frame.js';
import { rng, syntheticUniverse } from './universe.js';
import { portfolio } from '../../src/app/portfolio.js';
import { ConfigError } from '../../src/app/spec.js';

const EXECUTIONS = ['close', 'next-open', 'next-close'] as const;
const atCapital = (spec: StrategySpec, capital: number): StrategySpec => ({
  ...spec,
  sizing: { type: 'capital', capital },
});

describe('a book with fixed equal capital and no selection', () => {
  for (const seed of [1, 2, 3, 4, 5, 6])
    it(`equals the sum of its single-pair backtests at capital/K to the last digit (universe ${seed})`, () => {
      const u = rng(100 + seed);
      const frame = syntheticUniverse(8, 400, seed);
      const K = [2, 4, 5][seed % 3];
      const C = 25_000 * K;
      const execution = EXECUTIONS[seed % 3];
      const spec = resolveStrategy({ preset: 'kalman-pair', rule: { entryZ: 0.8 + u(), exitZ: 0 } });
      const pairs: [string, string][] = [];
      while (pairs.length < K) {
        const a = frame.symbols[Math.floor(u() * 8)];
        const b = frame.symbols[Math.floor(u() * 8)];
        if (a !== b && !pairs.some(([y, x]) => y === a && x === b)) pairs.push([a, b]);
      }
      const opts = resolveBacktestOptions({ execution, capital: C });
      const plans: SleevePlan[] = pairs.map(([y, x]) => ({
        y,
        x,
        strategy: spec,
        warmFrom: 0,
        start: 0,
        stop: frame.length,
        onStop: 'close',
        weight: 1 / K,
      }));
      const book = runBook(frame, plans, opts);
      const singles = pairs.map(([y, x]) =>
        backtest(frame, atCapital(spec, C / K), { ...opts, capital: C / K, symbols: [y, x] }),
      );
      expect(book.sleeves.map((s) => s.capital)).toEqual(pairs.map(() => C / K));
      book.sleeves.forEach((s, k) => {
        expect(Array.from(s.run.equity)).toEqual(Array.from(singles[k].equity));
        expect(Array.from(s.run.fills.shares)).toEqual(Array.from(singles[k].fills.shares));
        expect(Array.from(s.run.fills.price)).toEqual(Array.from(singles[k].fills.price));
        expect(s.trades).toEqual(singles[k].trades);
      });
      for (let t = 0; t < frame.length; t++) {
        let sum = 0;
        for (const s of singles) sum += s.equity[t];
        expect(book.equity[t]).toBe(sum);
      }
      expect(book.metrics.trades).toBe(singles.reduce((a, s) => a + s.trades.length, 0));
      expect(singles.reduce((a, s) => a + s.trades.length, 0)).toBeGreaterThan(K);
    });
});

/** `frame` with every price after bar `t` multiplied by a random factor in [0.5, 1.5). */
function perturbedAfter(frame: PriceFrame, t: number, seed: number): PriceFrame {
  const u = rng(seed);
  const columns: Record<string, Partial<Record<PriceField, Float64Array>>> = {};
  for (const s of frame.symbols) {
    const close = frame.get(s, 'close').slice();
    const open = frame.get(s, 'open').slice();
    for (let i = t + 1; i < frame.length; i++) {
      const k = 0.5 + u();
      close[i] *= k;
      open[i] *= k;
    }
    columns[s] = { close, open };
  }
  return new PriceFrame({ times: frame.times, columns, source: 'perturbed' });
}

describe('walk-forward selection and the book never look ahead', () => {
  const frame = syntheticUniverse(10, 520, 11, true);
  const spec = resolveStrategy('kalman-pair');
  const sel: SelectionOptions = { top: 3, rebalance: 40, train: 120, fdr: 1, halfLife: [0, 1e9] };
  for (const execution of ['close', 'next-open'] as const)
    it(`changing every price after bar t changes no selection, target or fill at or before t (${execution})`, async () => {
      const opts = resolveBacktestOptions({ execution });
      const run = async (f: PriceFrame) => {
        const periods = await walkForwardSelection({
          frame: f,
          strategy: spec,
          options: opts,
          selection: sel,
        });
        const book = runBook(f, sleevePlans(periods, spec, sel, f.length), opts);
        return { periods, book };
      };
      const a = await run(frame);
      expect(a.book.sleeves.length).toBeGreaterThan(3);
      for (const t of [250, 333, 400]) {
        const b = await run(perturbedAfter(frame, t, t));
        const before = (p: { start: number }) => p.start <= t;
        expect(b.periods.filter(before)).toEqual(a.periods.filter(before));
        const sa = a.book.sleeves.filter(before);
        const sb = b.book.sleeves.filter(before);
        expect(sb.map((s) => [s.y, s.x, s.start, s.capital])).toEqual(
          sa.map((s) => [s.y, s.x, s.start, s.capital]),
        );
        sa.forEach((s, k) => {
          const upTo = t - s.start + 1; // bars of the sleeve at or before t
          const rb = sb[k].run;
          expect(Array.from(rb.targets.subarray(0, 2 * upTo))).toEqual(
            Array.from(s.run.targets.subarray(0, 2 * upTo)),
          );
          const fills = (r: typeof rb) =>
            Array.from(r.fills.bar)
              .map((bar, i) => [bar, r.fills.leg[i], r.fills.shares[i], r.fills.price[i]])
              .filter(([bar]) => bar < upTo);
          expect(fills(rb)).toEqual(fills(s.run));
        });
        const m = t - a.book.from + 1;
        expect(Array.from(b.book.equity.subarray(0, m))).toEqual(Array.from(a.book.equity.subarray(0, m)));
        // and something after t did change
        expect(b.book.equity[b.book.equity.length - 1]).not.toBe(a.book.equity[a.book.equity.length - 1]);
      }
    });

  it('selects only pairs whose legs both have a close on every bar of the training window', async () => {
    const opts = resolveBacktestOptions({ execution: 'close' });
    const periods = await walkForwardSelection({ frame, strategy: spec, options: opts, selection: sel });
    let held = 0;
    for (const p of periods)
      for (const pick of p.pairs) {
        held++;
        for (const s of [pick.y, pick.x]) {
          const c = frame.get(s, 'close');
          for (let t = p.start - sel.train; t < p.start; t++) expect(c[t]).toBeGreaterThan(0);
        }
      }
    expect(held).toBeGreaterThan(10);
    // late listings were eligible only once they had a full window
    expect(periods[0].eligible).toBeLessThan(10);
  });
});

describe('runBook refuses plans it cannot run', () => {
  const frame = syntheticUniverse(4, 200, 3);
  const spec = resolveStrategy('kalman-pair');
  const opts = resolveBacktestOptions({ execution: 'close' });
  const plan = (p: Partial<SleevePlan>): SleevePlan => ({
    y: 'S000',
    x: 'S001',
    strategy: spec,
    warmFrom: 0,
    start: 0,
    stop: 200,
    onStop: 'close',
    weight: 0.5,
    ...p,
  });
  it.each([
    [{ y: 'NOPE' }, /NOPE is not in the data/],
    [{ x: 'S000' }, /two different symbols/],
    [{ weight: 0 }, /weight must be in \(0, 1\]/],
    [{ start: 300 }, /bars out of order/],
  ] as const)('%o', (p, message) => {
    expect(() => runBook(frame, [plan(p)], opts)).toThrow(PortfolioError);
    expect(() => runBook(frame, [plan(p)], opts)).toThrow(message);
  });
});

describe("a book's limits", () => {
  const frame = syntheticUniverse(6, 400, 21);
  const spec = resolveStrategy({ preset: 'kalman-pair', rule: { entryZ: 0.7, exitZ: 0 } });
  const C = 120_000;
  const opts = resolveBacktestOptions({ execution: 'close', capital: C });
  const S = frame.symbols;
  const pairs: [string, string][] = [
    [S[0], S[1]],
    [S[0], S[2]],
    [S[1], S[3]],
    [S[2], S[4]],
    [S[3], S[5]],
    [S[4], S[5]],
  ];
  const plans = pairs.map(([y, x]): SleevePlan => ({
    y,
    x,
    strategy: spec,
    warmFrom: 0,
    start: 0,
    stop: 400,
    onStop: 'close',
    weight: 1 / 6,
  }));
  /** Per bar: each sleeve's target exposure per leg at the close (close execution: its position). */
  const exposures = (book: ReturnType<typeof runBook>) =>
    book.sleeves.map((s) => {
      const yc = frame.get(s.y, 'close');
      const xc = frame.get(s.x, 'close');
      return Array.from({ length: 400 }, (_, t) => [
        s.run.positions[2 * t] * yc[t],
        s.run.positions[2 * t + 1] * xc[t],
      ]);
    });
  /** [bar, sleeve] where a sleeve changes to a non-zero position. */
  const entries = (book: ReturnType<typeof runBook>) => {
    const out: [number, number][] = [];
    book.sleeves.forEach((s, k) => {
      for (let t = 1; t < 400; t++) {
        const p = s.run.positions;
        const moved = p[2 * t] !== p[2 * t - 2] || p[2 * t + 1] !== p[2 * t - 1];
        if (moved && (p[2 * t] !== 0 || p[2 * t + 1] !== 0)) out.push([t, k]);
      }
    });
    return out;
  };
  const free = runBook(frame, plans, opts);

  it('at most maxOpenPairs sleeves hold a position at any close', () => {
    expect(Math.max(...free.openSleeves)).toBeGreaterThan(2);
    const book = runBook(frame, plans, opts, { limits: { maxOpenPairs: 2 } });
    expect(Math.max(...book.openSleeves)).toBe(2);
    expect(book.sleeves.reduce((a, s) => a + s.limited, 0)).toBeGreaterThan(0);
  });

  it('gross leverage, sleeve and symbol exposure within their caps whenever a position is taken', () => {
    const limits = { maxGrossLeverage: 0.5, maxSleeveExposure: 0.15, maxSymbolExposure: 0.1 };
    const book = runBook(frame, plans, opts, { limits });
    expect(book.sleeves.every((s) => s.limited > 0)).toBe(true);
    const ex = exposures(book);
    const at = entries(book);
    expect(at.length).toBeGreaterThan(10);
    const tol = 1 + 1e-12;
    // on the bar a sleeve takes a position: the book's gross, and the net of each of its symbols
    for (const [t, k] of at) {
      let gross = 0;
      const bySymbol = new Map<string, number>();
      book.sleeves.forEach((s, j) => {
        const [ey, ex2] = ex[j][t];
        gross += Math.abs(ey) + Math.abs(ex2);
        bySymbol.set(s.y, (bySymbol.get(s.y) ?? 0) + ey);
        bySymbol.set(s.x, (bySymbol.get(s.x) ?? 0) + ex2);
      });
      expect(gross).toBeLessThanOrEqual(0.5 * C * tol);
      for (const sym of [book.sleeves[k].y, book.sleeves[k].x])
        expect(Math.abs(bySymbol.get(sym)!)).toBeLessThanOrEqual(0.1 * C * tol);
    }
    // a sleeve's own exposure on the bar it takes a position
    book.sleeves.forEach((s, k) => {
      for (let t = 1; t < 400; t++) {
        const p = s.run.positions;
        if (p[2 * t] !== p[2 * t - 2] && p[2 * t] !== 0)
          expect(Math.abs(ex[k][t][0]) + Math.abs(ex[k][t][1])).toBeLessThanOrEqual(0.15 * C * tol);
      }
    });
  });

  it('net leverage within its cap whenever a position is taken', () => {
    const book = runBook(frame, plans, opts, { limits: { maxNetLeverage: 0.05 } });
    const ex = exposures(book);
    for (const [t] of entries(book)) {
      let net = 0;
      for (const e of ex) net += e[t][0] + e[t][1];
      expect(Math.abs(net)).toBeLessThanOrEqual(0.05 * C * (1 + 1e-12));
    }
  });

  it('no limits set: the same book as without limits', () => {
    const book = runBook(frame, plans, opts, { limits: {} });
    expect(Array.from(book.equity)).toEqual(Array.from(free.equity));
  });
});

describe('portfolio(): the library entry', () => {
  const frame = syntheticUniverse(6, 500, 31, true);
  const S = frame.symbols;

  it('funds fixed pairs by inverse spread volatility over their first training window, among the pairs starting together', async () => {
    const pairs: [string, string][] = [
      [S[0], S[1]],
      [S[2], S[3]],
      [S[4], S[5]],
    ];
    const { book, periods } = await portfolio(frame, {
      options: { execution: 'close' },
      portfolio: { pairs, allocation: 'inverse-vol', train: 100 },
    });
    expect(periods).toBeNull();
    book.sleeves.forEach((s) => {
      // from the legs' first common bar (S003 is listed late), trading after the window
      const first = [s.y, s.x].map((sym) => frame.get(sym, 'close').findIndex((v) => v > 0));
      expect(s.start).toBe(Math.max(...first) + 100);
      const yc = frame.get(s.y, 'close');
      const xc = frame.get(s.x, 'close');
      const from = s.start - 100;
      // the hedge of the window by least squares, then the std of the hedged spread's returns
      let my = 0,
        mx = 0;
      for (let t = from; t < s.start; t++) {
        my += yc[t] / 100;
        mx += xc[t] / 100;
      }
      let sxy = 0,
        sxx = 0;
      for (let t = from; t < s.start; t++) {
        sxy += (xc[t] - mx) * (yc[t] - my);
        sxx += (xc[t] - mx) ** 2;
      }
      const beta = sxy / sxx;
      const r: number[] = [];
      for (let t = from + 1; t < s.start; t++)
        r.push((yc[t] - yc[t - 1] - beta * (xc[t] - xc[t - 1])) / (yc[t - 1] + Math.abs(beta) * xc[t - 1]));
      const mean = r.reduce((a, b) => a + b, 0) / r.length;
      const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
      (s as { vol?: number }).vol = sd;
    });
    // the pairs starting on one bar share their count's part of the book (1/3 each pair) in
    // inverse proportion to their volatility: no weight reads a volatility measured after its start
    const starts = [...new Set(book.sleeves.map((s) => s.start))];
    expect(starts.length).toBeGreaterThan(1);
    for (const start of starts) {
      const group = book.sleeves.filter((s) => s.start === start);
      expect(group.reduce((a, s) => a + s.weight, 0)).toBeCloseTo(group.length / 3, 14);
      const wv = group.map((s) => s.weight * (s as { vol?: number }).vol!);
      for (const v of wv) expect(v / wv[0]).toBeCloseTo(1, 9);
    }
  });

  it('refuses weights that do not sum to one, naming the option', async () => {
    await expect(
      portfolio(frame, {
        portfolio: {
          pairs: [
            [S[0], S[1]],
            [S[2], S[3]],
          ],
          allocation: 'fixed',
          weights: [0.3, 0.3],
        },
      }),
    ).rejects.toThrow(/^portfolio.weights: the weights must sum to 1, they sum to 0.6/);
    await expect(portfolio(frame, { portfolio: { top: 2, train: 10 } })).rejects.toThrow(ConfigError);
    // a pair whose prices never move has no spread volatility to weigh it by
    const n = 300;
    const dates = frame.dates().slice(0, n);
    const flat = PriceFrame.fromCloses(dates, {
      A: new Float64Array(n).fill(10),
      B: new Float64Array(n).fill(20),
    });
    await expect(
      portfolio(flat, { portfolio: { pairs: [['A', 'B']], allocation: 'inverse-vol', train: 100 } }),
    ).rejects.toThrow(
      /^portfolio.allocation: inverse-vol needs the spread of A,B to move over its 100-bar window/,
    );
  });
});
