/**
 * JSON and CSV writers of a backtest result. JSON has no NaN or Infinity: they are written as
 * `null` (an undefined ratio, e.g. a Sharpe ratio of a run that never traded, or a profit factor
 * with no losing trade) — see docs/cli.md.
 */
import type { BacktestResult, Metrics } from '../backtest/index.js';
import { METRIC_NAMES } from '../execution/metrics.js';
import { isoTime } from '../data/frame.js';

export { METRIC_NAMES };

/** A number for JSON: NaN and ±Infinity become null. */
export const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Whether a run's account was ruined, and when (see docs/strategies.md, "Ruin"). */
export type RunRuin = Pick<BacktestResult, 'ruined' | 'ruinTime'> &
  Partial<Pick<BacktestResult, 'metricsFrom' | 'split' | 'lookAhead' | 'times'>>;

/**
 * metrics.json: the DESIGN.md names, NaN/±Infinity as null; with `ruin`, then `ruined` and
 * `ruinedAt` (the ruin bar's date, null when not ruined); then, when the run has them,
 * `metricsFrom` (the first bar counted, and its date), `train` and `test` (a split's two
 * metric sets, each with its first and last bar) and `lookAhead` (what was fitted in-sample).
 */
export function metricsObject(m: Metrics, ruin?: RunRuin): Record<string, unknown> {
  const out: Record<string, number | boolean | string | null> = {};
  for (const k of METRIC_NAMES) out[k] = finiteOrNull(m[k]);
  if (ruin !== undefined) {
    out.ruined = ruin.ruined;
    out.ruinedAt = ruin.ruined ? isoTime(ruin.ruinTime) : null;
  }
  return { ...out, ...windowsObject(ruin) };
}

/** A window's metrics with its first and last bar (and their dates when known). */
function windowObject(
  w: { from: number; to: number; metrics: Metrics },
  times: Float64Array | undefined,
): Record<string, unknown> {
  const m: Record<string, number | null> = {};
  for (const k of METRIC_NAMES) m[k] = finiteOrNull(w.metrics[k]);
  return {
    fromBar: w.from,
    toBar: w.to - 1,
    ...(times ? { from: isoTime(times[w.from]), to: isoTime(times[w.to - 1]) } : {}),
    ...m,
  };
}

/** metrics.json's window and look-ahead keys of a run (none for a run without them). */
function windowsObject(r: RunRuin | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r === undefined) return out;
  if (r.metricsFrom !== undefined && r.metricsFrom > 0) {
    out.metricsFrom = r.metricsFrom;
    if (r.times) out.metricsFromDate = isoTime(r.times[r.metricsFrom]);
  }
  if (r.split) {
    out.train = windowObject(r.split.train, r.times);
    out.test = windowObject(r.split.test, r.times);
  }
  if (r.lookAhead && r.lookAhead.length > 0) out.lookAhead = r.lookAhead;
  return out;
}

export function metricsJson(m: Metrics, ruin?: RunRuin): string {
  return JSON.stringify(metricsObject(m, ruin), null, 2) + '\n';
}

/** Seven significant digits are plenty for a chart and keep the file small. */
export const r7 = (v: number): number | null => (Number.isFinite(v) ? Number(v.toPrecision(7)) : null);
/** A series for a chart's JSON: seven significant digits, null where not finite. */
export const series = (a: ArrayLike<number>): (number | null)[] => Array.from(a, r7);

/** A number for CSV: shortest round-trip text; NaN and ±Infinity as an empty cell. */
const cell = (v: number): string => (Number.isFinite(v) ? String(v) : '');

const day = (t: number) => isoTime(t);

/**
 * trades.csv: one row per trade. `exit_date` and the exit prices are empty while a trade is still
 * open at the end (its P&L is then marked to the last close).
 */
export function tradesCsv(r: BacktestResult): string {
  const legs = r.symbols;
  const header = [
    'trade',
    'direction',
    'entry_date',
    'exit_date',
    'entry_bar',
    'exit_bar',
    'holding_bars',
    ...legs.map((s) => `entry_price_${s}`),
    ...legs.map((s) => `exit_price_${s}`),
    'pnl',
    'closed',
  ];
  const rows = r.trades.map((t, i) =>
    [
      String(i + 1),
      t.direction === 1 ? 'long' : 'short',
      day(t.entryTime),
      t.closed ? day(t.exitTime) : '',
      String(t.entryBar),
      t.closed ? String(t.exitBar) : '',
      String(t.holdingBars),
      ...t.entryPrices.map(cell),
      ...t.exitPrices.map(cell),
      cell(t.pnl),
      t.closed ? 'true' : 'false',
    ].join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}

/** equity.csv: one row per bar: equity, return, drawdown of the return index, exposures, shares per leg. */
export function equityCsv(r: BacktestResult): string {
  const L = r.symbols.length;
  const header = [
    'date',
    'equity',
    'return',
    'drawdown',
    'gross_exposure',
    'net_exposure',
    'cash',
    ...r.symbols.map((s) => `shares_${s}`),
  ];
  const dd = drawdownSeries(r.returns);
  const lines = [header.join(',')];
  for (let t = 0; t < r.times.length; t++) {
    const row = [
      day(r.times[t]),
      cell(r.equity[t]),
      cell(r.returns[t]),
      cell(dd[t]),
      cell(r.grossExposure[t]),
      cell(r.netExposure[t]),
      cell(r.cash[t]),
    ];
    for (let j = 0; j < L; j++) row.push(cell(r.positions[t * L + j]));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

/**
 * Drawdown of the return index W_t = Π(1 + r_s) below its running peak, as a fraction ≤ 0 (the
 * definition of metrics' `maxDrawdown`, whose value is −min of this series).
 */
export function drawdownSeries(returns: Float64Array): Float64Array {
  const n = returns.length;
  const out = new Float64Array(n);
  let w = 1;
  let peak = 1;
  for (let t = 0; t < n; t++) {
    w *= 1 + returns[t];
    if (w > peak) peak = w;
    out[t] = w / peak - 1;
  }
  return out;
}

/** The return index W_t = Π_{s≤t}(1 + r_s): the equity curve on the returns basis. */
export function returnIndex(returns: Float64Array): Float64Array {
  const out = new Float64Array(returns.length);
  let w = 1;
  for (let t = 0; t < returns.length; t++) out[t] = w *= 1 + returns[t];
  return out;
}

/** Compounded returns per calendar month: rows of [year, month (1–12), return]. */
export function monthlyReturns(times: Float64Array, returns: Float64Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  let key = -1;
  let acc = 1;
  let year = 0;
  let month = 0;
  for (let t = 0; t < times.length; t++) {
    const d = new Date(times[t]);
    const k = d.getUTCFullYear() * 12 + d.getUTCMonth();
    if (k !== key) {
      if (key >= 0) out.push([year, month, acc - 1]);
      key = k;
      acc = 1;
      year = d.getUTCFullYear();
      month = d.getUTCMonth() + 1;
    }
    acc *= 1 + returns[t];
  }
  if (key >= 0) out.push([year, month, acc - 1]);
  return out;
}
