/**
 * The fused loop for any mean-reversion strategy built from a spec: the strategy's four parts
 * called directly (as `MeanReversionStrategy.step` calls them) between the simulator's
 * `beginBar` and `endBar`, recording straight into the result's arrays. It
 * exists for speed: the modular path spends more time passing state between objects than
 * computing. Same calls, same order, same arithmetic: test/backtest/fast.test.ts holds every
 * output equal to the modular path bit for bit. (The two Kalman families have a loop of their
 * own, with the state in locals: kalmanLoop.ts.)
 */
import type { MeanReversionStrategy } from '../strategy/meanReversion.js';
import type { Ledger } from '../execution/ledger.js';
import type { SeriesRecord } from '../execution/simulator.js';
import type { ResolvedBacktestOptions } from './options.js';
import { recordBar, Simulator } from '../execution/simulator.js';

/** Runs `strategy` (fresh) over bars [0, n) and returns the ledger; per-bar series go to `rec`. */
export function runFused(
  strategy: MeanReversionStrategy,
  close: readonly Float64Array[],
  open: readonly Float64Array[] | null,
  times: Float64Array,
  n: number,
  opts: ResolvedBacktestOptions,
  rec: SeriesRecord,
): Ledger {
  const { spread: model, normaliser, rule, sizing } = strategy;
  const L = close.length;
  const sim = new Simulator(null, opts, L);
  const px = sim.bar.close;
  const po = sim.open;
  const target = new Float64Array(L);
  let units = 0;
  for (let t = 0; t < n; t++) {
    sim.bar.time = times[t];
    for (let i = 0; i < L; i++) px[i] = close[i][t];
    if (open !== null) for (let i = 0; i < L; i++) po[i] = open[i][t];
    sim.beginBar();
    // the strategy, as MeanReversionStrategy.step
    model.update(px);
    const z = model.ready ? normaliser.score(model) : NaN;
    units = rule.next(z, units);
    sizing.shares(units, model.weights, px, target);
    if (rec.value !== null) {
      rec.value[t] = model.value;
      rec.z![t] = z;
      rec.centre![t] = normaliser.centre;
      rec.scale![t] = normaliser.scale;
      rec.units![t] = units;
      rec.hedgeRatio![t] = model.hedgeRatio;
      rec.fairValue![t] = model.fairValue;
    }
    sim.endBar(target);
    recordBar(sim, t, rec);
  }
  sim.markOpenTrade();
  return sim.ledger;
}
