/**
 * The probability of backtest overfitting by combinatorially symmetric cross-validation (CSCV;
 * Bailey, Borwein, López de Prado and Zhu 2017, "The probability of backtest overfitting").
 * The bars are cut into S equal blocks; every choice of S/2 blocks is once the in-sample set and
 * its complement the out-of-sample one. In each split the configuration with the best in-sample
 * Sharpe ratio is ranked among all configurations out of sample; PBO is the share of splits where
 * it lands at or below the out-of-sample median (its rank's logit λ ≤ 0).
 */
import { StatsError } from './errors.js';

/** {@link probabilityOfOverfitting}'s result. */
export interface OverfittingResult {
  /** Share of splits whose in-sample best is at or below the out-of-sample median. */
  pbo: number;
  /** λ = ln(ω/(1 − ω)) per split, ω the in-sample best's relative out-of-sample rank r/(N + 1). */
  logits: Float64Array;
  /** Splits: C(S, S/2). */
  splits: number;
  blocks: number;
  configurations: number;
}

/** Bars of block b of S over T bars: [⌊bT/S⌋, ⌊(b + 1)T/S⌋). */
const blockStart = (b: number, T: number, S: number) => Math.floor((b * T) / S);

/**
 * PBO of N configurations from their per-bar returns (`returns[n]` is configuration n's series,
 * all of one length T). `blocks` S is even, at least 2 and at most T/2 (default 16, as the
 * paper's examples; fewer when the series is short). Ranks among tied out-of-sample Sharpe
 * ratios are averaged.
 */
export function probabilityOfOverfitting(
  returns: readonly ArrayLike<number>[],
  blocks = 16,
): OverfittingResult {
  const N = returns.length;
  if (N < 2)
    throw new StatsError('returns', `probabilityOfOverfitting: needs at least 2 configurations, got ${N}`);
  const T = returns[0].length;
  returns.forEach((r, n) => {
    if (r.length !== T)
      throw new StatsError(
        'returns',
        `probabilityOfOverfitting: mismatched lengths: configuration 0 has ${T} bars, configuration ${n} has ${r.length}`,
      );
    for (let t = 0; t < T; t++)
      if (!Number.isFinite(r[t]))
        throw new StatsError(
          'returns',
          `probabilityOfOverfitting: configuration ${n} has ${r[t]} at bar ${t}`,
        );
  });
  const S = blocks;
  if (!(Number.isInteger(S) && S >= 2 && S % 2 === 0 && 2 * S <= T))
    throw new StatsError(
      'blocks',
      `probabilityOfOverfitting: blocks must be an even whole number from 2 to T/2 = ${Math.floor(T / 2)}, got ${S}`,
    );
  // per block and configuration: count, Σr and Σr² (a split's Sharpe ratio from S/2 blocks' sums)
  const cnt = new Float64Array(S);
  const sum = new Float64Array(S * N);
  const sq = new Float64Array(S * N);
  for (let b = 0; b < S; b++) {
    const t0 = blockStart(b, T, S);
    const t1 = blockStart(b + 1, T, S);
    cnt[b] = t1 - t0;
    for (let n = 0; n < N; n++) {
      const r = returns[n];
      let s = 0;
      let q = 0;
      for (let t = t0; t < t1; t++) {
        s += r[t];
        q += r[t] * r[t];
      }
      sum[b * N + n] = s;
      sq[b * N + n] = q;
    }
  }
  const sharpe = (set: boolean[], inSet: boolean, out: Float64Array) => {
    let c = 0;
    out.fill(0);
    const q = new Float64Array(N);
    for (let b = 0; b < S; b++) {
      if (set[b] !== inSet) continue;
      c += cnt[b];
      for (let n = 0; n < N; n++) {
        out[n] += sum[b * N + n];
        q[n] += sq[b * N + n];
      }
    }
    for (let n = 0; n < N; n++) {
      const m = out[n] / c;
      const v = (q[n] - c * m * m) / (c - 1);
      out[n] = v > 0 ? m / Math.sqrt(v) : m > 0 ? Infinity : m < 0 ? -Infinity : 0;
    }
  };
  const logits: number[] = [];
  const chosen = new Array<boolean>(S).fill(false);
  const isSr = new Float64Array(N);
  const oosSr = new Float64Array(N);
  let overfit = 0;
  // every subset of S/2 blocks, in lexicographic order
  const pick = (from: number, left: number): void => {
    if (left === 0) {
      sharpe(chosen, true, isSr);
      sharpe(chosen, false, oosSr);
      let best = 0;
      for (let n = 1; n < N; n++) if (isSr[n] > isSr[best]) best = n;
      let below = 0;
      let ties = 0;
      for (let n = 0; n < N; n++)
        if (oosSr[n] < oosSr[best]) below++;
        else if (oosSr[n] === oosSr[best]) ties++;
      const rank = below + (ties + 1) / 2;
      const w = rank / (N + 1);
      const lambda = Math.log(w / (1 - w));
      logits.push(lambda);
      if (lambda <= 0) overfit++;
      return;
    }
    for (let b = from; b <= S - left; b++) {
      chosen[b] = true;
      pick(b + 1, left - 1);
      chosen[b] = false;
    }
  };
  pick(0, S / 2);
  return {
    pbo: overfit / logits.length,
    logits: Float64Array.from(logits),
    splits: logits.length,
    blocks: S,
    configurations: N,
  };
}
