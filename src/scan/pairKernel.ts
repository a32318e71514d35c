/**
 * The pair scanner's hot path: the metrics of one Kalman-pairs backtest (spread
 * `kalman-hedge`, normaliser `kalman`, rule `bands`; any sizing, execution, returns basis and
 * costs) in one pass over the bars, with nothing allocated and nothing recorded per fill or
 * per trade.
 *
 * Why it exists: a scan backtests every pair of a universe (124,750 pairs of 2,520 bars in the
 * benchmark) and keeps only the 13 metrics. `runKalmanLoop` + `computeMetrics` give the same
 * numbers through a Ledger that logs every fill and builds a Trade object per round trip, and
 * then a second pass over four per-bar arrays; in pairs that trade on most bars that
 * bookkeeping, not the Kalman filter, was most of the cost. Here the filter state, the rule
 * state, the sizing, the positions, cash, the open trade's cash flows and the metric
 * accumulators live in locals, a round trip's outcome is folded into the win/loss sums when it
 * closes, and the only memory written is a reused buffer of the returns (for the variance).
 *
 * It repeats, operation for operation and in the same order, `kalmanHedgeStep`,
 * `KalmanNormaliser`, `BandRule`, `CapitalSizing` / `UnitSizing`, `Ledger.chargeBorrow` /
 * `Ledger.fill` / `Ledger.liquidate`, runKalmanLoop's marking and returns, and `computeMetrics`, so its metrics equal
 * `backtest()`'s to the last bit, NaN included: test/scan/pairKernel.test.ts holds it to that on
 * random strategies, options and data. A change to any of those must be mirrored here (that
 * test fails otherwise).
 *
 * What makes it fast, each measured on the benchmark's pairs (single thread, ns per bar):
 * - the per-fill and per-trade records gone, everything in locals (runKalmanLoop +
 *   computeMetrics in the scanner: ~100; this loop: ~35);
 * - the filter running one bar ahead of the rest (35 → 29): the rule's and the fill's branches
 *   on z are coin flips that the CPU often mispredicts, and a misprediction no longer throws
 *   away the filter's next step (see pairLoop);
 * - parameters read from a Float64Array, so that each is an unboxed double and no object's
 *   shape can change under the compiled code; log prices computed before the loop;
 * - a warm-up on a small synthetic series that takes every branch (see {@link warmUp}): a
 *   branch V8's compiled code has never seen deoptimises it, and V8 then keeps entering the
 *   loop through its on-stack-replacement version, which boxes every loop variable (2-3×
 *   slower).
 * Branch-free formulations (masks instead of branches) were tried and measured slower in V8.
 */
import { METRIC_NAMES, type Metrics } from '../execution/metrics.js';
import type { ResolvedBacktestOptions } from '../execution/options.js';
import type { StrategySpec } from '../strategy/spec.js';

/** Whether {@link kalmanPairMetrics} can run this strategy (every backtest option is supported). */
export function fitsPairKernel(spec: StrategySpec): boolean {
  return (
    spec.spread.type === 'kalman-hedge' && spec.normaliser.type === 'kalman' && spec.rule.type === 'bands'
  );
}

/** Number of metrics written by {@link kalmanPairMetrics}, in METRIC_NAMES order. */
export const KERNEL_METRICS = METRIC_NAMES.length;
/** Numbers written by {@link kalmanPairMetrics}: the metrics, then the ruin bar (−1: not ruined). */
export const KERNEL_OUT = KERNEL_METRICS + 1;

/**
 * Backtests y = `yc`, x = `xc` over bars [0, n) with `spec` and `opts` exactly as `backtest()`
 * would, and writes its 13 metrics (METRIC_NAMES order) to `out[o …]`, then its ruin bar
 * (`backtest().ruinBar`: −1 when the account was not ruined) to `out[o + 13]`.
 *
 * @param yo,xo the legs' opens (read only for `execution: 'next-open'`; may be null otherwise)
 * @param scratch at least 3n doubles, overwritten (the per-bar returns; log prices)
 */
export function kalmanPairMetrics(
  spec: StrategySpec,
  opts: ResolvedBacktestOptions,
  yc: Float64Array,
  xc: Float64Array,
  yo: Float64Array | null,
  xo: Float64Array | null,
  n: number,
  scratch: Float64Array,
  out: Float64Array,
  o: number,
): void {
  setParams(spec, opts);
  const bit = 1 << (PRM[P_MODE] * 8 + PRM[P_CAPITAL_SIZING] * 4 + PRM[P_GROSS] * 2 + PRM[P_LOG]);
  if ((warmed & bit) === 0) {
    warmUp(spec, opts, bit);
    setParams(spec, opts);
  }
  // the filter's inputs: the prices, or their logs (computed here: a call to Math.log in the
  // loop would make V8 keep more of the loop's values on the stack)
  let yf = yc;
  let xf = xc;
  if (PRM[P_LOG] !== 0) {
    yf = logs(yc, n, scratch.subarray(n, 2 * n));
    xf = logs(xc, n, scratch.subarray(2 * n, 3 * n));
  }
  if (opts.execution === 'next-open') {
    if (yo === null || xo === null) throw new Error('kalmanPairMetrics: next-open fills need the opens');
    pairLoop(yc, xc, yf, xf, yo, xo, n, scratch);
  } else pairLoop(yc, xc, yf, xf, yc, xc, n, scratch);
  finish(n, scratch, out, o);
}

function logs(p: Float64Array, n: number, out: Float64Array): Float64Array {
  for (let t = 0; t < n; t++) out[t] = Math.log(p[t]);
  return out;
}

// The parameters as the strategy's parts and the Ledger resolve them, one double each.
const PRM = new Float64Array(20);
const P_Q = 0; // δ/(1−δ)
const P_VE = 1;
const P_INIT_COV = 2;
const P_LOG = 3; // 1: log prices
const P_ENTRY = 4;
const P_EXIT = 5;
const P_STOP = 6;
const P_MAX_HOLD = 7;
const P_CAPITAL_SIZING = 8; // 1: capital sizing, 0: units
const P_UNIT_CAPITAL = 9;
const P_SLIP = 10;
const P_BPS = 11;
const P_PER_SHARE = 12;
const P_MIN_COMMISSION = 13;
const P_BORROW = 14; // per bar
const P_MODE = 15; // 0 close, 1 next-open, 2 next-close
const P_GROSS = 16; // 1: returns on gross exposure
const P_CAPITAL = 17;
const P_PERIODS = 18;
const P_RISK_FREE = 19;

function setParams(spec: StrategySpec, opts: ResolvedBacktestOptions): void {
  const sp = spec.spread;
  const rs = spec.rule;
  if (sp.type !== 'kalman-hedge' || rs.type !== 'bands')
    throw new Error('kalmanPairMetrics: spec does not fit');
  const c = opts.costs;
  PRM[P_Q] = sp.delta / (1 - sp.delta); // kalmanHedgeState
  PRM[P_VE] = sp.observationVariance;
  PRM[P_INIT_COV] = sp.initialCovariance;
  PRM[P_LOG] = sp.transform === 'log' ? 1 : 0;
  PRM[P_ENTRY] = rs.entryZ;
  PRM[P_EXIT] = rs.exitZ;
  PRM[P_STOP] = rs.stopZ ?? Infinity; // BandRule's defaults
  PRM[P_MAX_HOLD] = rs.maxHoldBars ?? Infinity;
  PRM[P_CAPITAL_SIZING] = spec.sizing.type === 'capital' ? 1 : 0;
  PRM[P_UNIT_CAPITAL] = spec.sizing.type === 'capital' ? spec.sizing.capital : 0;
  PRM[P_SLIP] = c.slippageBps / 1e4; // the Ledger's constructor
  PRM[P_BPS] = c.commissionBps / 1e4;
  PRM[P_PER_SHARE] = c.commissionPerShare;
  PRM[P_MIN_COMMISSION] = c.minCommission;
  PRM[P_BORROW] = c.borrowBps / 1e4 / opts.periodsPerYear;
  PRM[P_MODE] = opts.execution === 'close' ? 0 : opts.execution === 'next-open' ? 1 : 2;
  PRM[P_GROSS] = opts.returns === 'gross' ? 1 : 0;
  PRM[P_CAPITAL] = opts.capital;
  PRM[P_PERIODS] = opts.periodsPerYear;
  PRM[P_RISK_FREE] = opts.riskFreeRate;
}

/**
 * The kernel's parameter block for `spec` and `opts` (a copy): what bench/reference/pair_kernel.c
 * reads, so the C reference runs exactly the kernel's numbers.
 * @internal
 */
export function kernelParams(spec: StrategySpec, opts: ResolvedBacktestOptions): Float64Array {
  setParams(spec, opts);
  return PRM.slice();
}

// What the loop leaves for finish(): computeMetrics' sums over the bars and the trades.
const ACC = new Float64Array(14);
const A_GROWTH = 0;
const A_SUM = 1;
const A_MAX_DD = 2;
const A_MAX_DD_RUN = 3;
const A_DOWNSIDE = 4;
const A_IN_MARKET = 5;
const A_TRADED = 6;
const A_EQUITY_SUM = 7;
const A_TRADES = 8;
const A_CLOSED = 9;
const A_WINS = 10;
const A_GAINS = 11;
const A_LOSSES = 12;
const A_RUIN_BAR = 13;

/**
 * The backtest of bars [0, n) with the parameters in PRM: the accumulators to ACC, the returns
 * to `scratch`. The filter takes `yf`, `xf` (the closes, or their logs); `yo`, `xo` are read
 * only for next-open fills.
 */
function pairLoop(
  yc: Float64Array,
  xc: Float64Array,
  yf: Float64Array,
  xf: Float64Array,
  yo: Float64Array,
  xo: Float64Array,
  n: number,
  scratch: Float64Array,
): void {
  const prm = PRM;
  const q = prm[P_Q];
  const ve = prm[P_VE];
  const logPrices = prm[P_LOG] !== 0;
  const entryZ = prm[P_ENTRY];
  const exitZ = prm[P_EXIT];
  const stopZ = prm[P_STOP];
  const maxHold = prm[P_MAX_HOLD];
  const capitalSizing = prm[P_CAPITAL_SIZING] !== 0;
  const unitCapital = prm[P_UNIT_CAPITAL];
  const slip = prm[P_SLIP];
  const up = 1 + slip;
  const dn = 1 - slip;
  const bps = prm[P_BPS];
  const perShare = prm[P_PER_SHARE];
  const minCommission = prm[P_MIN_COMMISSION];
  const borrowPerBar = prm[P_BORROW];
  const mode = prm[P_MODE];
  const grossBasis = prm[P_GROSS] !== 0;
  const rfBar = prm[P_RISK_FREE] / prm[P_PERIODS];
  // the global NaN read once: in the loop, on a path not yet taken when V8 compiles it, it would
  // be a generic global load that makes z, and everything computed from it, a boxed number
  const nan = NaN;
  // --- filter state (kalmanHedgeState)
  let b = 0;
  let a = 0;
  let p00 = prm[P_INIT_COV];
  let p01 = 0;
  let p11 = prm[P_INIT_COV];
  // --- rule state (BandRule) and sizing state (CapitalSizing)
  let units = 0;
  let held = 0;
  let blocked = 0;
  let sized = false;
  let lastUnits = 0;
  let h0 = 0;
  let h1 = 0;
  // --- account (Ledger)
  let pos0 = 0;
  let pos1 = 0;
  let cash = prm[P_CAPITAL];
  let inTrade = false;
  let tradeCash = 0;
  let pend0 = 0;
  let pend1 = 0;
  let hasPending = false;
  let prevY = 0;
  let prevX = 0;
  let prevEquity = prm[P_CAPITAL];
  let prevGross = 0;
  let ruinNotional = 0;
  // --- metric accumulators (computeMetrics)
  let growth = 1;
  let sum = 0;
  let peak = 1;
  let maxDd = 0;
  let ddRun = 0;
  let maxDdRun = 0;
  let downside = 0;
  let inMarket = 0;
  let traded = 0;
  let equitySum = 0;
  let trades = 0;
  let closed = 0;
  let wins = 0;
  let gains = 0;
  let losses = 0;
  // The filter runs one bar ahead: iteration s takes bar s's filter step, then everything else
  // for bar s − 1, whose z the previous iteration left. The branches on z (the rule's, the
  // fill's) are coin flips the CPU often mispredicts; this way each is decided by a value
  // computed long before, and a misprediction does not discard the filter's next step, which
  // comes before it in program order (measured: 35 -> 29 ns a bar on the benchmark's pairs).
  let zNext = 0;
  let bNext = 0;
  let s = 0;
  for (; s <= n; s++) {
    const z = zNext;
    const beta = bNext;
    if (s < n) {
      // kalmanHedgeStep
      const x = xf[s];
      const y = yf[s];
      if (s > 0) {
        p00 += q;
        p11 += q;
      }
      const g0 = p00 * x + p01;
      const g1 = p01 * x + p11;
      const Qt = x * g0 + g1 + ve;
      const e = y - (b * x + a);
      const invQ = 1 / Qt;
      b += g0 * invQ * e;
      a += g1 * invQ * e;
      const n00 = p00 - g0 * g0 * invQ;
      const n01 = p01 - g0 * g1 * invQ;
      p11 = p11 - g1 * g1 * invQ;
      p00 = n00;
      p01 = n01;
      // KalmanNormaliser
      const scale = Math.sqrt(Qt);
      zNext = scale > 0 ? e / scale : nan;
      bNext = b;
    }
    if (s === 0) continue;
    // bar t: the strategy (it reads no account state, so it may run before a pending fill)
    const t = s - 1;
    const cy = yc[t];
    const cx = xc[t];
    // setWeights
    const w0 = logPrices ? 1 / cy : 1;
    const w1 = logPrices ? -beta / cx : -beta;
    // BandRule.next
    if (z !== z) {
      if (units !== 0) held++;
    } else {
      // if (blocked !== 0 && |z| <= entryZ) blocked = 0, without a branch on z (a coin flip)
      blocked &= +(Math.abs(z) <= entryZ) - 1;
      let target = units;
      if (units > 0) {
        if (z > entryZ) target = -1;
        else if (z > -exitZ) target = 0;
      } else if (units < 0) {
        if (z < -entryZ) target = 1;
        else if (z < exitZ) target = 0;
      } else if (z > entryZ) target = -1;
      else if (z < -entryZ) target = 1;
      if (target === blocked) target = 0;
      if (target !== 0 && target === units) {
        held++;
        const stopped = (target > 0 && z < -stopZ) || (target < 0 && z > stopZ);
        if (stopped || held >= maxHold) {
          blocked = target;
          target = 0;
        }
      }
      if (target !== units) held = 0;
      units = target;
    }
    // sizing
    let tg0: number;
    let tg1: number;
    if (capitalSizing) {
      if (units !== lastUnits || !sized) {
        const gross = Math.abs(w0 * cy) + Math.abs(w1 * cx);
        const k = units === 0 || !(gross > 0) ? 0 : (units * unitCapital) / gross;
        h0 = k * w0;
        h1 = k * w1;
        lastUnits = units;
        sized = true;
      }
      tg0 = h0;
      tg1 = h1;
    } else {
      tg0 = units * w0;
      tg1 = units * w1;
    }
    // borrow on the positions held overnight (Ledger.chargeBorrow), and their move to this
    // close: the bar's P&L so far (Simulator.beginBar)
    let pnl = 0;
    if (t > 0 && borrowPerBar !== 0) {
      let shortValue = 0;
      if (pos0 < 0) shortValue -= pos0 * prevY;
      if (pos1 < 0) shortValue -= pos1 * prevX;
      const fee = shortValue * borrowPerBar;
      cash -= fee;
      pnl -= fee;
      if (inTrade) tradeCash -= fee;
    }
    // (on bar 0 both positions are 0: the terms are +0, as the Simulator's skipped sum)
    pnl += pos0 * (cy - prevY);
    pnl += pos1 * (cx - prevX);
    // this bar's fill: the pending target at the open or close, or the new target at the close
    let f0: number, f1: number, r0: number, r1: number, doFill: boolean;
    if (mode === 0) {
      f0 = tg0;
      f1 = tg1;
      r0 = cy;
      r1 = cx;
      doFill = tg0 !== pos0 || tg1 !== pos1;
    } else {
      f0 = pend0;
      f1 = pend1;
      r0 = mode === 1 ? yo[t] : cy;
      r1 = mode === 1 ? xo[t] : cx;
      doFill = hasPending;
    }
    let fillGross = 0;
    let barNotional = 0;
    if (doFill) {
      // Ledger.fill
      const dirBefore = pos0 !== 0 ? (pos0 > 0 ? 1 : -1) : pos1 !== 0 ? (pos1 > 0 ? 1 : -1) : 0;
      const dirAfter = f0 !== 0 ? (f0 > 0 ? 1 : -1) : f1 !== 0 ? (f1 > 0 ? 1 : -1) : 0;
      const reversal = dirBefore !== 0 && dirAfter !== 0 && dirBefore !== dirAfter;
      const closing = dirBefore !== 0 && (dirAfter === 0 || reversal);
      const opening = dirAfter !== 0 && (dirBefore === 0 || reversal);
      let closeFlow = 0;
      let keepFlow = 0;
      let openFlow = 0;
      // the two legs written out (Ledger.fill's loop over legs): a per-leg function would have
      // to hand back six values through an object, an allocation per fill in the hot loop
      const d0 = f0 - pos0;
      if (d0 !== 0) {
        const px = d0 > 0 ? r0 * up : r0 * dn;
        const size = d0 > 0 ? d0 : -d0;
        const notional = size * r0;
        const commission = Math.max(minCommission, bps * notional + perShare * size);
        const flow = -d0 * px - commission;
        cash += flow;
        fillGross += Math.abs(f0) * px;
        barNotional += notional;
        pnl += d0 * (cy - px) - commission;
        if (closing && opening) {
          const share = Math.abs(pos0) / size;
          closeFlow += pos0 * px - commission * share;
          openFlow += -f0 * px - commission * (1 - share);
        } else if (closing) closeFlow += flow;
        else if (opening) openFlow += flow;
        else keepFlow += flow;
        pos0 = f0;
      }
      const d1 = f1 - pos1;
      if (d1 !== 0) {
        const px = d1 > 0 ? r1 * up : r1 * dn;
        const size = d1 > 0 ? d1 : -d1;
        const notional = size * r1;
        const commission = Math.max(minCommission, bps * notional + perShare * size);
        const flow = -d1 * px - commission;
        cash += flow;
        fillGross += Math.abs(f1) * px;
        barNotional += notional;
        pnl += d1 * (cx - px) - commission;
        if (closing && opening) {
          const share = Math.abs(pos1) / size;
          closeFlow += pos1 * px - commission * share;
          openFlow += -f1 * px - commission * (1 - share);
        } else if (closing) closeFlow += flow;
        else if (opening) openFlow += flow;
        else keepFlow += flow;
        pos1 = f1;
      }
      if (inTrade) {
        tradeCash += closeFlow + keepFlow;
        if (closing) {
          // the round trip's outcome, as computeMetrics folds closed trades in order
          const pnl = tradeCash;
          closed++;
          if (pnl > 0) {
            wins++;
            gains += pnl;
          } else losses -= pnl;
          inTrade = false;
        }
      }
      if (opening) {
        trades++;
        inTrade = true;
        tradeCash = openFlow;
      }
    }
    if (mode !== 0) {
      pend0 = tg0;
      pend1 = tg1;
      hasPending = tg0 !== pos0 || tg1 !== pos1;
    }
    // mark to the close, the bar's return (runKalmanLoop)
    const v0 = pos0 * cy;
    const v1 = pos1 * cx;
    const value = 0 + v0 + v1;
    const grossExp = 0 + Math.abs(v0) + Math.abs(v1); // = Σ (v < 0 ? −v : v) from +0
    prevY = cy;
    prevX = cx;
    const eq = cash + value;
    // equity at or below zero: ruined. The liquidation and the bars after it follow the loop,
    // which so carries no ruin state and no ruin code
    if (eq <= 0) {
      ruinNotional = barNotional;
      break;
    }
    let ret: number;
    if (grossBasis) {
      const base = prevGross > 0 ? prevGross : fillGross;
      ret = base > 0 ? pnl / base : 0;
    } else ret = prevEquity > 0 ? pnl / prevEquity : 0;
    prevEquity = eq;
    prevGross = grossExp;
    // computeMetrics' first pass
    scratch[t] = ret;
    growth *= 1 + ret;
    sum += ret;
    const excess = ret - rfBar;
    if (excess < 0) downside += excess * excess;
    if (growth >= peak) {
      peak = growth;
      ddRun = 0;
    } else {
      ddRun++;
      if (ddRun > maxDdRun) maxDdRun = ddRun;
      const dd = 1 - growth / peak;
      if (dd > maxDd) maxDd = dd;
    }
    if (grossExp > 0) inMarket++;
    traded += barNotional;
    equitySum += eq;
  }
  // Ruined on bar s − 1 (the loop broke there): everything is closed at that close
  // (Ledger.liquidate: Ledger.fill to flat; its P&L is not needed, the bar's return is −1), and
  // the account, flat, trades no more: each later bar's return is 0 and its equity the cash
  // left. computeMetrics' pass over these bars, as the loop would run it.
  const ruinBar = s <= n ? s - 1 : -1;
  if (ruinBar >= 0) {
    const cy = yc[ruinBar];
    const cx = xc[ruinBar];
    if (pos0 !== 0 || pos1 !== 0) {
      let closeFlow = 0;
      const d0 = -pos0;
      if (d0 !== 0) {
        const px = d0 > 0 ? cy * up : cy * dn;
        const size = d0 > 0 ? d0 : -d0;
        const notional = size * cy;
        const commission = Math.max(minCommission, bps * notional + perShare * size);
        const flow = -d0 * px - commission;
        cash += flow;
        ruinNotional += notional;
        closeFlow += flow;
      }
      const d1 = -pos1;
      if (d1 !== 0) {
        const px = d1 > 0 ? cx * up : cx * dn;
        const size = d1 > 0 ? d1 : -d1;
        const notional = size * cx;
        const commission = Math.max(minCommission, bps * notional + perShare * size);
        const flow = -d1 * px - commission;
        cash += flow;
        ruinNotional += notional;
        closeFlow += flow;
      }
      if (inTrade) {
        // the trade's last cash flows (Ledger.fill: closeFlow + keepFlow, the latter 0)
        const tpnl = tradeCash + (closeFlow + 0);
        closed++;
        if (tpnl > 0) {
          wins++;
          gains += tpnl;
        } else losses -= tpnl;
      }
    }
    for (let t = ruinBar; t < n; t++) {
      const ret = t === ruinBar ? -1 : 0;
      scratch[t] = ret;
      growth *= 1 + ret;
      sum += ret;
      const excess = ret - rfBar;
      if (excess < 0) downside += excess * excess;
      if (growth >= peak) {
        peak = growth;
        ddRun = 0;
      } else {
        ddRun++;
        if (ddRun > maxDdRun) maxDdRun = ddRun;
        const dd = 1 - growth / peak;
        if (dd > maxDd) maxDd = dd;
      }
      traded += t === ruinBar ? ruinNotional : 0;
      equitySum += cash;
    }
  }
  ACC[A_GROWTH] = growth;
  ACC[A_SUM] = sum;
  ACC[A_MAX_DD] = maxDd;
  ACC[A_MAX_DD_RUN] = maxDdRun;
  ACC[A_DOWNSIDE] = downside;
  ACC[A_IN_MARKET] = inMarket;
  ACC[A_TRADED] = traded;
  ACC[A_EQUITY_SUM] = equitySum;
  ACC[A_TRADES] = trades;
  ACC[A_CLOSED] = closed;
  ACC[A_WINS] = wins;
  ACC[A_GAINS] = gains;
  ACC[A_LOSSES] = losses;
  ACC[A_RUIN_BAR] = ruinBar;
}

/** computeMetrics' second pass (the variance of the returns in `scratch`) and its formulas. */
function finish(n: number, scratch: Float64Array, out: Float64Array, o: number): void {
  // Every quotient is computed and then chosen (a ratio whose denominator is not positive is
  // NaN), so that no pair takes a path that earlier pairs did not (see warmUp).
  const P = PRM[P_PERIODS];
  const rfBar = PRM[P_RISK_FREE] / P;
  const growth = ACC[A_GROWTH];
  const maxDd = ACC[A_MAX_DD];
  const closed = ACC[A_CLOSED];
  const gains = ACC[A_GAINS];
  const losses = ACC[A_LOSSES];
  const mean = ACC[A_SUM] / n;
  let ss = 0;
  for (let t = 0; t < n; t++) ss += (scratch[t] - mean) * (scratch[t] - mean);
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : NaN;
  const apr = Math.pow(growth, P / n) - 1;
  const downsideDev = Math.sqrt(ACC[A_DOWNSIDE] / n);
  const excessMean = Math.sqrt(P) * (mean - rfBar);
  const sharpe = excessMean / std;
  const sortino = excessMean / downsideDev;
  const calmar = apr / maxDd;
  const winRate = ACC[A_WINS] / closed;
  const profitFactor = gains / losses;
  const noLossFactor = gains > 0 ? Infinity : NaN;
  const exposure = ACC[A_IN_MARKET] / n;
  const equityMean = ACC[A_EQUITY_SUM] / n;
  const turnover = (ACC[A_TRADED] * (P / n)) / equityMean;
  out[o] = growth - 1;
  out[o + 1] = apr;
  out[o + 2] = std * Math.sqrt(P);
  // a ruined run's ratios are capped at 0 (computeMetrics)
  const ruined = ACC[A_RUIN_BAR] >= 0;
  out[o + 3] = std > 0 ? (ruined && sharpe > 0 ? 0 : sharpe) : NaN;
  out[o + 4] = downsideDev > 0 ? (ruined && sortino > 0 ? 0 : sortino) : NaN;
  out[o + 5] = maxDd > 0 ? calmar : NaN;
  out[o + 6] = maxDd;
  out[o + 7] = ACC[A_MAX_DD_RUN];
  out[o + 8] = ACC[A_TRADES];
  out[o + 9] = closed > 0 ? winRate : NaN;
  out[o + 10] = losses > 0 ? profitFactor : noLossFactor;
  out[o + 11] = n > 0 ? exposure : NaN;
  out[o + 12] = equityMean > 0 ? turnover : NaN;
  out[o + 13] = ACC[A_RUIN_BAR];
}

/** The settings warmed up so far, as bits (see {@link warmUp}). */
let warmed = 0;

/**
 * Runs the kernel on a small synthetic series with the caller's execution, returns basis,
 * sizing and price transform and with rules that between them take every branch of pairLoop
 * and finish (entries, exits, reversals, stops, the holding limit and the block after them,
 * wins and losses, no trades at all, a filter that overflows to NaN), so that V8's type feedback
 * covers all of it before the compiler sees the first real pair. Once per combination of those
 * settings (a scan has one) and thread; about 0.1 ms.
 *
 * Why: V8 compiles pairLoop while the first real pair runs. A branch no pair has taken by then
 * is compiled as a deoptimisation; when a later pair takes it, V8 drops the compiled code and
 * from then on enters the loop through its on-stack-replacement version, which keeps every loop
 * variable boxed and runs 2-3× slower (measured). Warming every setting instead of the caller's
 * would compile their code too and cost ~2 ns a bar.
 */
function warmUp(spec: StrategySpec, opts: ResolvedBacktestOptions, bit: number): void {
  warmed |= bit;
  const n = 48;
  const y = new Float64Array(n);
  const x = new Float64Array(n);
  const scratch = new Float64Array(3 * n);
  const out = new Float64Array(KERNEL_OUT);
  let seed = 7;
  for (let t = 0; t < n; t++) {
    seed = (seed * 48271) % 2147483647;
    x[t] = 50 + 5 * Math.sin(t / 3);
    y[t] = 0.8 * x[t] + 10 + 6 * (seed / 2147483647 - 0.5); // a spread that swings through every band
  }
  const hugeY = y.map((v) => v * 1e160); // Q_t overflows, the filter's state and z turn NaN
  const hugeX = x.map((v) => v * 1e160);
  const rules = [
    { entryZ: 0.3, exitZ: 0.3 }, // reversals
    { entryZ: 0.5, exitZ: 0, stopZ: 0.6, maxHoldBars: 2 }, // stops and the holding limit
    { entryZ: 50, exitZ: 0 }, // no trades
  ];
  const sp = spec.spread as StrategySpec['spread'] & { type: 'kalman-hedge' };
  for (const rule of rules) {
    const s = {
      spread: { ...sp, delta: 0.01, observationVariance: 0.5, initialCovariance: 1 },
      normaliser: spec.normaliser,
      rule: { type: 'bands', ...rule },
      sizing: spec.sizing.type === 'capital' ? { type: 'capital', capital: 1e4 } : spec.sizing,
    } as StrategySpec;
    const o = {
      ...opts,
      capital: 1e5,
      riskFreeRate: 0.01,
      costs: { commissionBps: 1, commissionPerShare: 0.005, minCommission: 1, slippageBps: 5, borrowBps: 50 },
    } as ResolvedBacktestOptions;
    kalmanPairMetrics(s, o, y, x, x, y, n, scratch, out, 0);
    kalmanPairMetrics(s, o, hugeY, hugeX, x, y, n, scratch, out, 0);
    // ruin: a commission of 30 % of the notional takes equity below zero after a few dozen
    // bars (with the rule that trades); a ruin on the first bars made V8 compile a slower loop
    const ruinous = { ...o, costs: { ...o.costs, commissionBps: 3000 } };
    kalmanPairMetrics(s, ruinous, y, x, x, y, n, scratch, out, 0);
  }
}

/**
 * {@link kalmanPairMetrics} as a Metrics object (allocates; for tests and one-off use).
 * @internal
 */
export function kalmanPairMetricsObject(
  spec: StrategySpec,
  opts: ResolvedBacktestOptions,
  yc: Float64Array,
  xc: Float64Array,
  yo: Float64Array | null,
  xo: Float64Array | null,
): Metrics & { ruinBar: number } {
  const n = yc.length;
  const row = new Float64Array(KERNEL_OUT);
  kalmanPairMetrics(spec, opts, yc, xc, yo, xo, n, new Float64Array(3 * n), row, 0);
  const metrics = { ruinBar: row[KERNEL_METRICS] } as Metrics & { ruinBar: number };
  METRIC_NAMES.forEach((name, i) => (metrics[name] = row[i]));
  return metrics;
}
