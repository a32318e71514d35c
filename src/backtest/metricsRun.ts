/**
 * A backtest of a pair that keeps only its metrics: the strategy's batch signal pass into a
 * reused targets buffer, then the accounting kernel at the `'metrics'` recording level (no fill
 * log, no trade objects, no series but the four the metrics are accumulated from) and the one
 * finish step. The scan's per-pair backtest; the same passes and kernel as `backtest()`, so its
 * metrics equal `backtest()`'s to the last bit (test/scan/pairKernel.test.ts).
 * @internal
 */
import type { StrategySpec } from '../strategy/spec.js';
import { metricsRecord, runAccount, Simulator, type SeriesRecord } from '../execution/simulator.js';
import { finishRun } from '../execution/result.js';
import { METRIC_NAMES, metricsOf, type Metrics } from '../execution/metrics.js';
import type { ResolvedBacktestOptions } from '../execution/options.js';
import { NO_SIGNALS, specTargets } from './targets.js';

/** Numbers {@link MetricsRun.run} writes: the 13 metrics, then the ruin bar (−1: not ruined). */
export const METRICS_OUT = METRIC_NAMES.length + 1;

/** Buffers reused from pair to pair (one per thread). */
export class MetricsRun {
  #n = 0;
  #rows = new Float64Array(0);
  #openRows = new Float64Array(0);
  #targets = new Float64Array(0);
  #rec: SeriesRecord = metricsRecord(0);
  #sim: Simulator | null = null;

  #ensure(n: number): void {
    if (n <= this.#n) return;
    this.#n = n;
    this.#rows = new Float64Array(2 * n);
    this.#openRows = new Float64Array(2 * n);
    this.#targets = new Float64Array(2 * n);
    this.#rec = metricsRecord(n);
  }

  /**
   * Backtests y = `yc`, x = `xc` over bars [0, n) with `spec` and `opts` as `backtest()` would,
   * (`times`: the bars' times) and writes its metrics (METRIC_NAMES order) to `out[o …]`, then its ruin bar to
   * `out[o + 13]`. `yo`, `xo`: the opens, read for `execution: 'next-open'` only.
   */
  run(
    spec: StrategySpec,
    opts: ResolvedBacktestOptions,
    yc: Float64Array,
    xc: Float64Array,
    yo: Float64Array | null,
    xo: Float64Array | null,
    times: Float64Array,
    n: number,
    out: Float64Array,
    o: number,
  ): void {
    this.#ensure(n);
    const rows = this.#rows;
    const targets = this.#targets;
    for (let t = 0; t < n; t++) {
      rows[2 * t] = yc[t];
      rows[2 * t + 1] = xc[t];
    }
    let openRows: Float64Array | null = null;
    if (opts.execution === 'next-open') {
      if (yo === null || xo === null) throw new Error('MetricsRun: next-open fills need the opens');
      openRows = this.#openRows;
      for (let t = 0; t < n; t++) {
        openRows[2 * t] = yo[t];
        openRows[2 * t + 1] = xo[t];
      }
    }
    let sim = this.#sim;
    if (sim === null || sim.options !== opts) sim = this.#sim = new Simulator(null, opts, 2, 'metrics');
    else sim.reset();
    specTargets(spec, [yc, xc], times, n, targets, NO_SIGNALS);
    runAccount(sim, times, rows, openRows, targets, n, this.#rec);
    finishRun(sim, this.#rec.returns, out, o);
  }
}

/**
 * {@link MetricsRun.run} as a Metrics object (allocates; for tests and one-off use).
 * @internal
 */
export function pairMetrics(
  spec: StrategySpec,
  opts: ResolvedBacktestOptions,
  yc: Float64Array,
  xc: Float64Array,
  yo: Float64Array | null,
  xo: Float64Array | null,
  times: Float64Array = new Float64Array(yc.length),
): Metrics & { ruinBar: number } {
  const row = new Float64Array(METRICS_OUT);
  new MetricsRun().run(spec, opts, yc, xc, yo, xo, times, yc.length, row, 0);
  return { ...metricsOf(row), ruinBar: row[METRIC_NAMES.length] };
}
