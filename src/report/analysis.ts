/**
 * The analysis of `kalrev analyze` (and the report's statistics panel) as text: its result type,
 * the printed table's rows, and its JSON.
 */
import type {
  AdfResult,
  CointResult,
  HalfLifeResult,
  HurstResult,
  JohansenResult,
  VarianceRatioResult,
} from '../stats/index.js';

/** A test that could not run on the data carries the reason instead of a result. */
export type Outcome<T> = T | { error: string };

export interface Analysis {
  kind: 'single' | 'pair';
  symbols: string[];
  bars: number;
  first: string;
  last: string;
  /** The series tested: the price, or the spread y − βx − α. */
  series: string;
  /** Pairs: the Engle-Granger hedge ratio β and intercept α. */
  hedge?: { beta: number; alpha: number };
  adf: Outcome<AdfResult>;
  engleGranger?: Outcome<CointResult>;
  johansen?: Outcome<JohansenResult>;
  halfLife: Outcome<HalfLifeResult>;
  hurst: Outcome<HurstResult>;
  varianceRatio: Outcome<VarianceRatioResult & { q: number }>;
  /** Whether the series is stationary by ADF at 5 %, and the one-line verdict. */
  stationary: boolean;
  verdict: string;
}

export const failed = <T extends object>(o: Outcome<T>): o is { error: string } => 'error' in o;

/** A number for the table and the verdict: at most `d` decimals, no trailing zeros. */
export const fmt = (v: number, d = 4) => (Number.isFinite(v) ? Number(v.toFixed(d)).toString() : String(v));

/** The analysis as rows of [test, statistic, p-value, note] for a printed table. */
export function analysisRows(a: Analysis): [string, string, string, string][] {
  const rows: [string, string, string, string][] = [];
  const crit = (c: { '1%': number; '5%': number; '10%': number }) =>
    `crit 1 % ${fmt(c['1%'], 3)}, 5 % ${fmt(c['5%'], 3)}, 10 % ${fmt(c['10%'], 3)}`;
  if (a.engleGranger) {
    const eg = a.engleGranger;
    rows.push(
      failed(eg)
        ? ['Engle-Granger', '–', '–', eg.error]
        : [
            'Engle-Granger',
            fmt(eg.statistic),
            fmt(eg.pvalue),
            `β ${fmt(eg.params[0])}, α ${fmt(eg.params[1])}; ${crit(eg.criticalValues)}`,
          ],
    );
  }
  if (a.johansen) {
    const j = a.johansen;
    if (failed(j)) rows.push(['Johansen', '–', '–', j.error]);
    else
      j.traceStatistics.forEach((s, i) =>
        rows.push([
          `Johansen trace r ≤ ${i}`,
          fmt(s),
          '–',
          `crit 90 % ${fmt(j.traceCriticalValues[i][0], 3)}, 95 % ${fmt(j.traceCriticalValues[i][1], 3)}, 99 % ${fmt(j.traceCriticalValues[i][2], 3)}${s > j.traceCriticalValues[i][1] ? ' (rejected at 5 %)' : ''}`,
        ]),
      );
  }
  const adf = a.adf;
  rows.push(
    failed(adf)
      ? ['ADF', '–', '–', adf.error]
      : ['ADF', fmt(adf.statistic), fmt(adf.pvalue), `${adf.usedLag} lags; ${crit(adf.criticalValues)}`],
  );
  const hl = a.halfLife;
  rows.push(
    failed(hl)
      ? ['half-life', '–', '–', hl.error]
      : [
          'half-life',
          fmt(hl.halfLife, 2),
          '–',
          `days; λ ${fmt(hl.lambda, 5)}, level ${fmt(hl.meanReversionLevel)}`,
        ],
  );
  const hu = a.hurst;
  rows.push(
    failed(hu)
      ? ['Hurst', '–', '–', hu.error]
      : ['Hurst', fmt(hu.hurst), '–', '0.5 random walk, < 0.5 reverting'],
  );
  const vr = a.varianceRatio;
  rows.push(
    failed(vr)
      ? ['variance ratio', '–', '–', vr.error]
      : [
          `variance ratio q=${vr.q}`,
          fmt(vr.ratio),
          fmt(vr.pvalueZStar),
          `z* ${fmt(vr.zStar, 3)}; < 1 reverting`,
        ],
  );
  return rows;
}

/** JSON of an analysis: NaN/±Infinity as null. */
export function analysisJson(a: Analysis): string {
  return (
    JSON.stringify(a, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n'
  );
}
