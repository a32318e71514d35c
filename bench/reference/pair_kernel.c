/*
 * The scan's backtest kernel (src/scan/pairKernel.ts) written in plain C, as a speed reference:
 * what hand-written C does with the same backtest on this machine. Not part of kalrev; built and
 * run by bench/scan.bench.ts (`npm run bench -- scan`) when a C compiler is present.
 *
 * It is pairLoop + finish of pairKernel.ts line for line (the same operations in the same order,
 * the same parameter block), so its metrics equal the JavaScript kernel's to the last bit; the
 * benchmark checks that on every pair it times (all metrics but apr and calmar, which go through
 * pow(): libm's and V8's may differ in the last bit). Compile with -ffp-contract=off so that the
 * compiler does not fuse a*b+c into one rounding.
 *
 * Usage: pair_kernel UNIVERSE.bin SYMBOLS BARS PARAMS.bin PAIRS.bin OUT.bin PASSES
 *   UNIVERSE.bin  SYMBOLS × BARS doubles, symbol-major (closes)
 *   PARAMS.bin    the kernel's 20-double parameter block (kernelParams() in pairKernel.ts)
 *   PAIRS.bin     int32 pairs (y symbol, x symbol)
 *   OUT.bin       written: 14 doubles per pair, METRIC_NAMES order, then the ruin bar (-1: none)
 * Prints the median pass's nanoseconds per pair-bar.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum {
  P_Q, P_VE, P_INIT_COV, P_LOG, P_ENTRY, P_EXIT, P_STOP, P_MAX_HOLD, P_CAPITAL_SIZING,
  P_UNIT_CAPITAL, P_SLIP, P_BPS, P_PER_SHARE, P_MIN_COMMISSION, P_BORROW, P_MODE, P_GROSS,
  P_CAPITAL, P_PERIODS, P_RISK_FREE, P_COUNT
};
static double PRM[P_COUNT];

/* computeMetrics' sums, as pairKernel.ts's ACC */
typedef struct {
  double growth, sum, maxDd, maxDdRun, downside, inMarket, traded, equitySum;
  double trades, closed, wins, gains, losses, ruinBar;
} Acc;

/* pairLoop with close fills (the benchmark's execution); yf, xf are the filter's inputs. */
static void pair_loop(const double *yc, const double *xc, const double *yf, const double *xf,
                      int n, double *scratch, Acc *acc) {
  const double *prm = PRM;
  const double q = prm[P_Q], ve = prm[P_VE];
  const bool logPrices = prm[P_LOG] != 0;
  const double entryZ = prm[P_ENTRY], exitZ = prm[P_EXIT], stopZ = prm[P_STOP];
  const double maxHold = prm[P_MAX_HOLD];
  const bool capitalSizing = prm[P_CAPITAL_SIZING] != 0;
  const double unitCapital = prm[P_UNIT_CAPITAL];
  const double slip = prm[P_SLIP], up = 1 + slip, dn = 1 - slip;
  const double bps = prm[P_BPS], perShare = prm[P_PER_SHARE];
  const double minCommission = prm[P_MIN_COMMISSION], borrowPerBar = prm[P_BORROW];
  const bool grossBasis = prm[P_GROSS] != 0;
  const double rfBar = prm[P_RISK_FREE] / prm[P_PERIODS];
  double b = 0, a = 0, p00 = prm[P_INIT_COV], p01 = 0, p11 = prm[P_INIT_COV];
  int units = 0, held = 0, blocked = 0, lastUnits = 0;
  bool sized = false;
  double h0 = 0, h1 = 0;
  double pos0 = 0, pos1 = 0, cash = prm[P_CAPITAL];
  bool inTrade = false;
  double tradeCash = 0, prevY = 0, prevX = 0, prevEquity = prm[P_CAPITAL], prevGross = 0;
  double ruinNotional = 0;
  double growth = 1, sum = 0, peak = 1, maxDd = 0, downside = 0, traded = 0, equitySum = 0;
  int ddRun = 0, maxDdRun = 0, inMarket = 0, trades = 0, closed = 0, wins = 0;
  double gains = 0, losses = 0;
  double zNext = 0, bNext = 0;
  int s = 0;
  for (; s <= n; s++) {
    const double z = zNext, beta = bNext;
    if (s < n) { /* kalmanHedgeStep, KalmanNormaliser */
      const double x = xf[s], y = yf[s];
      if (s > 0) {
        p00 += q;
        p11 += q;
      }
      const double g0 = p00 * x + p01, g1 = p01 * x + p11;
      const double Qt = x * g0 + g1 + ve;
      const double e = y - (b * x + a);
      const double invQ = 1 / Qt;
      b += g0 * invQ * e;
      a += g1 * invQ * e;
      const double n00 = p00 - g0 * g0 * invQ, n01 = p01 - g0 * g1 * invQ;
      p11 = p11 - g1 * g1 * invQ;
      p00 = n00;
      p01 = n01;
      const double scale = sqrt(Qt);
      zNext = scale > 0 ? e / scale : NAN;
      bNext = b;
    }
    if (s == 0) continue;
    const int t = s - 1;
    const double cy = yc[t], cx = xc[t];
    const double w0 = logPrices ? 1 / cy : 1;
    const double w1 = logPrices ? -beta / cx : -beta;
    if (z != z) { /* BandRule.next */
      if (units != 0) held++;
    } else {
      if (fabs(z) <= entryZ) blocked = 0;
      int target = units;
      if (units > 0) {
        if (z > entryZ) target = -1;
        else if (z > -exitZ) target = 0;
      } else if (units < 0) {
        if (z < -entryZ) target = 1;
        else if (z < exitZ) target = 0;
      } else if (z > entryZ) target = -1;
      else if (z < -entryZ) target = 1;
      if (target == blocked) target = 0;
      if (target != 0 && target == units) {
        held++;
        const bool stopped = (target > 0 && z < -stopZ) || (target < 0 && z > stopZ);
        if (stopped || held >= maxHold) {
          blocked = target;
          target = 0;
        }
      }
      if (target != units) held = 0;
      units = target;
    }
    double tg0, tg1; /* sizing */
    if (capitalSizing) {
      if (units != lastUnits || !sized) {
        const double gross = fabs(w0 * cy) + fabs(w1 * cx);
        const double k = units == 0 || !(gross > 0) ? 0 : (units * unitCapital) / gross;
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
    double pnl = 0; /* the bar's P&L: - borrow, + overnight positions' moves, + fills */
    if (t > 0 && borrowPerBar != 0) { /* Ledger.chargeBorrow */
      double shortValue = 0;
      if (pos0 < 0) shortValue -= pos0 * prevY;
      if (pos1 < 0) shortValue -= pos1 * prevX;
      const double fee = shortValue * borrowPerBar;
      cash -= fee;
      pnl -= fee;
      if (inTrade) tradeCash -= fee;
    }
    pnl += pos0 * (cy - prevY); /* on bar 0 both are 0 * cy = +0 */
    pnl += pos1 * (cx - prevX);
    double fillGross = 0, barNotional = 0;
    const double f0 = tg0, f1 = tg1, r0 = cy, r1 = cx;
    if (tg0 != pos0 || tg1 != pos1) { /* Ledger.fill */
      const int dirBefore = pos0 != 0 ? (pos0 > 0 ? 1 : -1) : pos1 != 0 ? (pos1 > 0 ? 1 : -1) : 0;
      const int dirAfter = f0 != 0 ? (f0 > 0 ? 1 : -1) : f1 != 0 ? (f1 > 0 ? 1 : -1) : 0;
      const bool reversal = dirBefore != 0 && dirAfter != 0 && dirBefore != dirAfter;
      const bool closing = dirBefore != 0 && (dirAfter == 0 || reversal);
      const bool opening = dirAfter != 0 && (dirBefore == 0 || reversal);
      double closeFlow = 0, keepFlow = 0, openFlow = 0;
      const double d0 = f0 - pos0;
      if (d0 != 0) {
        const double px = d0 > 0 ? r0 * up : r0 * dn;
        const double size = d0 > 0 ? d0 : -d0;
        const double notional = size * r0;
        const double c = bps * notional + perShare * size;
        const double commission = c > minCommission ? c : minCommission; /* Math.max */
        const double flow = -d0 * px - commission;
        cash += flow;
        fillGross += fabs(f0) * px;
        barNotional += notional;
        pnl += d0 * (cy - px) - commission;
        if (closing && opening) {
          const double share = fabs(pos0) / size;
          closeFlow += pos0 * px - commission * share;
          openFlow += -f0 * px - commission * (1 - share);
        } else if (closing) closeFlow += flow;
        else if (opening) openFlow += flow;
        else keepFlow += flow;
        pos0 = f0;
      }
      const double d1 = f1 - pos1;
      if (d1 != 0) {
        const double px = d1 > 0 ? r1 * up : r1 * dn;
        const double size = d1 > 0 ? d1 : -d1;
        const double notional = size * r1;
        const double c = bps * notional + perShare * size;
        const double commission = c > minCommission ? c : minCommission;
        const double flow = -d1 * px - commission;
        cash += flow;
        fillGross += fabs(f1) * px;
        barNotional += notional;
        pnl += d1 * (cx - px) - commission;
        if (closing && opening) {
          const double share = fabs(pos1) / size;
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
          const double pnl = tradeCash;
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
    /* mark to the close, the bar's return, computeMetrics' first pass */
    const double v0 = pos0 * cy, v1 = pos1 * cx;
    const double value = 0 + v0 + v1;
    const double grossExp = 0 + fabs(v0) + fabs(v1);
    prevY = cy;
    prevX = cx;
    const double eq = cash + value;
    if (eq <= 0) { /* ruined: the liquidation and the bars after it follow the loop */
      ruinNotional = barNotional;
      break;
    }
    double ret;
    if (grossBasis) {
      const double base = prevGross > 0 ? prevGross : fillGross;
      ret = base > 0 ? pnl / base : 0;
    } else ret = prevEquity > 0 ? pnl / prevEquity : 0;
    prevEquity = eq;
    prevGross = grossExp;
    scratch[t] = ret;
    growth *= 1 + ret;
    sum += ret;
    const double excess = ret - rfBar;
    if (excess < 0) downside += excess * excess;
    if (growth >= peak) {
      peak = growth;
      ddRun = 0;
    } else {
      ddRun++;
      if (ddRun > maxDdRun) maxDdRun = ddRun;
      const double dd = 1 - growth / peak;
      if (dd > maxDd) maxDd = dd;
    }
    if (grossExp > 0) inMarket++;
    traded += barNotional;
    equitySum += eq;
  }
  /* ruined on bar s - 1: Ledger.liquidate at that close, then flat bars with return 0 */
  const int ruinBar = s <= n ? s - 1 : -1;
  if (ruinBar >= 0) {
    const double cy = yc[ruinBar], cx = xc[ruinBar];
    if (pos0 != 0 || pos1 != 0) {
      double closeFlow = 0;
      const double d0 = -pos0;
      if (d0 != 0) {
        const double px = d0 > 0 ? cy * up : cy * dn;
        const double size = d0 > 0 ? d0 : -d0;
        const double notional = size * cy;
        const double c = bps * notional + perShare * size;
        const double commission = c > minCommission ? c : minCommission;
        const double flow = -d0 * px - commission;
        cash += flow;
        ruinNotional += notional;
        closeFlow += flow;
      }
      const double d1 = -pos1;
      if (d1 != 0) {
        const double px = d1 > 0 ? cx * up : cx * dn;
        const double size = d1 > 0 ? d1 : -d1;
        const double notional = size * cx;
        const double c = bps * notional + perShare * size;
        const double commission = c > minCommission ? c : minCommission;
        const double flow = -d1 * px - commission;
        cash += flow;
        ruinNotional += notional;
        closeFlow += flow;
      }
      if (inTrade) {
        const double tpnl = tradeCash + (closeFlow + 0);
        closed++;
        if (tpnl > 0) {
          wins++;
          gains += tpnl;
        } else losses -= tpnl;
      }
    }
    for (int t = ruinBar; t < n; t++) {
      const double ret = t == ruinBar ? -1 : 0;
      scratch[t] = ret;
      growth *= 1 + ret;
      sum += ret;
      const double excess = ret - rfBar;
      if (excess < 0) downside += excess * excess;
      if (growth >= peak) {
        peak = growth;
        ddRun = 0;
      } else {
        ddRun++;
        if (ddRun > maxDdRun) maxDdRun = ddRun;
        const double dd = 1 - growth / peak;
        if (dd > maxDd) maxDd = dd;
      }
      traded += t == ruinBar ? ruinNotional : 0;
      equitySum += cash;
    }
  }
  *acc = (Acc){growth, sum, maxDd, maxDdRun, downside, inMarket, traded, equitySum,
               trades, closed, wins, gains, losses, ruinBar};
}

/* pairKernel.ts finish(): the variance's second pass and the formulas */
static void finish(const Acc *A, int n, const double *scratch, double *out) {
  const double P = PRM[P_PERIODS];
  const double rfBar = PRM[P_RISK_FREE] / P;
  const double mean = A->sum / n;
  double ss = 0;
  for (int t = 0; t < n; t++) ss += (scratch[t] - mean) * (scratch[t] - mean);
  const double std = n > 1 ? sqrt(ss / (n - 1)) : NAN;
  const double apr = pow(A->growth, P / n) - 1;
  const double downsideDev = sqrt(A->downside / n);
  const double excessMean = sqrt(P) * (mean - rfBar);
  const double equityMean = A->equitySum / n;
  out[0] = A->growth - 1;
  out[1] = apr;
  out[2] = std * sqrt(P);
  const bool ruined = A->ruinBar >= 0; /* a ruined run's ratios are capped at 0 */
  const double sharpe = excessMean / std, sortino = excessMean / downsideDev;
  out[3] = std > 0 ? (ruined && sharpe > 0 ? 0 : sharpe) : NAN;
  out[4] = downsideDev > 0 ? (ruined && sortino > 0 ? 0 : sortino) : NAN;
  out[5] = A->maxDd > 0 ? apr / A->maxDd : NAN;
  out[6] = A->maxDd;
  out[7] = A->maxDdRun;
  out[8] = A->trades;
  out[9] = A->closed > 0 ? A->wins / A->closed : NAN;
  out[10] = A->losses > 0 ? A->gains / A->losses : A->gains > 0 ? INFINITY : NAN;
  out[11] = n > 0 ? A->inMarket / n : NAN;
  out[12] = equityMean > 0 ? (A->traded * (P / n)) / equityMean : NAN;
  out[13] = A->ruinBar;
}

static int compare_doubles(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void *read_file(const char *path, size_t bytes) {
  FILE *f = fopen(path, "rb");
  void *p = malloc(bytes);
  if (f == NULL || p == NULL || fread(p, 1, bytes, f) != bytes) {
    fprintf(stderr, "pair_kernel: cannot read %zu bytes from %s\n", bytes, path);
    exit(2);
  }
  fclose(f);
  return p;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: pair_kernel UNIVERSE.bin SYMBOLS BARS PARAMS.bin PAIRS.bin OUT.bin PASSES\n");
    return 2;
  }
  const int S = atoi(argv[2]), n = atoi(argv[3]), passes = atoi(argv[7]);
  double *u = read_file(argv[1], sizeof(double) * (size_t)S * n);
  double *prm = read_file(argv[4], sizeof(double) * P_COUNT);
  for (int i = 0; i < P_COUNT; i++) PRM[i] = prm[i];
  FILE *pf = fopen(argv[5], "rb");
  if (pf == NULL) {
    fprintf(stderr, "pair_kernel: cannot open %s\n", argv[5]);
    return 2;
  }
  fseek(pf, 0, SEEK_END);
  const int pairs = (int)(ftell(pf) / (2 * sizeof(int)));
  fclose(pf);
  int *ij = read_file(argv[5], sizeof(int) * 2 * (size_t)pairs);
  if (PRM[P_LOG] != 0 || PRM[P_MODE] != 0) {
    fprintf(stderr, "pair_kernel: the reference runs price-transform, close-fill strategies only\n");
    return 2;
  }
  double *scratch = malloc(sizeof(double) * n);
  double *out = malloc(sizeof(double) * 14 * (size_t)pairs);
  double *times = malloc(sizeof(double) * (size_t)passes);
  for (int r = 0; r < passes; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int p = 0; p < pairs; p++) {
      const double *y = u + (size_t)ij[2 * p] * n, *x = u + (size_t)ij[2 * p + 1] * n;
      Acc acc;
      pair_loop(y, x, y, x, n, scratch, &acc);
      finish(&acc, n, scratch, out + 14 * (size_t)p);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    times[r] = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / pairs / n;
  }
  qsort(times, (size_t)passes, sizeof(double), compare_doubles);
  FILE *of = fopen(argv[6], "wb");
  if (of == NULL || fwrite(out, sizeof(double), 14 * (size_t)pairs, of) != 14 * (size_t)pairs) {
    fprintf(stderr, "pair_kernel: cannot write %s\n", argv[6]);
    return 2;
  }
  fclose(of);
  printf("%.3f\n", times[passes / 2]);
  return 0;
}
