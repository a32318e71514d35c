/**
 * Scan and sweep outputs. A scan writes every pair to scan.csv (or scan.parquet), and the best
 * `top` pairs with the run's counts to scan.json and scan.html: a sortable table where clicking a
 * pair draws its prices, spread, z-score and hedge ratio, computed in the page from the closes
 * of the symbols in the table (embedded once each), and its equity. A sweep writes sweep.json and
 * sweep.html (heat maps of the metric over the grid, the walk-forward windows and the
 * out-of-sample equity). The pages are single files with inline SVG drawn by a few lines of
 * inline script: no network, work from file://. Every name in them goes through
 * ../report/escape.ts.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { backtest } from '../backtest/engine.js';
import type { Metrics } from '../execution/metrics.js';
import { alignFrames } from '../data/align.js';
import type { PriceFrame } from '../data/frame.js';
import { ESC_JS, escapeHtml as esc, scriptJson as json } from '../escape.js';
import { createPairState, PAIR_E, PAIR_Q, pairStep } from '../kalman/pair.js';
import type { StrategySpec } from '../strategy/spec.js';
import { CSV_NUMBERS_BEFORE_METRICS, CSV_TEXTS, formatCsvRows, type CsvRows } from './csvTable.js';
import { ScanError } from './errors.js';
import {
  JOB,
  METRIC_KEYS,
  R_BARS,
  R_BETA,
  R_CORR,
  R_HALFLIFE,
  R_METRICS,
  R_PVALUE,
  R_STATUS,
  ROW,
  STATUS,
} from './evaluate.js';
import { moduleWorker } from './executor.js';
import { bestPairs, rowTexts, scanRows, type PairResult, type ScanResult, type ScanRows } from './scan.js';
import type { SweepResult } from './sweep.js';
import {
  scanTrials,
  sharpeSignificance,
  type SelectionTrials,
  type SharpeSignificance,
  type SweepSelectionBias,
} from './selectionBias.js';

const COLUMNS = [
  'rank',
  'y',
  'x',
  'status',
  'bars',
  'first',
  'last',
  'correlation',
  'pvalue',
  'qvalue',
  'halfLife',
  'olsBeta',
  'ruined',
  'ruinedAt',
] as const;

const QUOTE = /[",\n\r]/;

function csvText(s: string): string {
  return QUOTE.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Every pair: ranked pairs first (best first), then the rest in job order. */
function allRows(scan: ScanResult): PairResult[] {
  const rest = scan.pairs.filter((p) => p.status !== 'ok');
  return scan.ranked.length === 0 ? rest : scan.ranked.concat(rest);
}

/** Every pair as one CSV line: ranked pairs first (best first), then the rest in job order. */
export function scanCsv(scan: ScanResult): string {
  const rows = tableRows(scan, false);
  return csvHeader() + formatCsvRows(rows, 0, rows.rows).toString('utf8');
}

/** scan.csv's rows: from the scan's result rows when its objects were never read, else from those. */
function tableRows(scan: ScanResult, shared: boolean): CsvRows {
  const t = scanRows(scan);
  return t !== undefined && !t.read ? csvRowsOfScan(t, shared) : csvRows(allRows(scan), shared);
}

/** Pairs in the scan. */
function pairCount(scan: ScanResult): number {
  const t = scanRows(scan);
  return t !== undefined && !t.read ? t.jobs.length / JOB : scan.pairs.length;
}

function csvHeader(): string {
  return [...COLUMNS, ...METRIC_KEYS].join(',') + '\n';
}

/**
 * The rows as typed arrays for {@link formatCsvRows}, on shared memory when `shared` (for the
 * formatting threads). Texts are interned: symbols and dates repeat in every row, and each is
 * quoted once.
 */
function csvRows(pairs: PairResult[], shared: boolean): CsvRows {
  const { width, numbers, textIndex, texts, text, name } = csvRowsOf(pairs.length, shared);
  for (let r = 0; r < pairs.length; r++) {
    const p = pairs[r];
    const n = r * width;
    numbers[n] = p.rank;
    numbers[n + 1] = p.bars;
    numbers[n + 2] = p.correlation;
    numbers[n + 3] = p.pvalue;
    numbers[n + 4] = p.qvalue;
    numbers[n + 5] = p.halfLife;
    numbers[n + 6] = p.olsBeta;
    const m = p.metrics;
    for (let c = 0; c < METRIC_KEYS.length; c++)
      numbers[n + CSV_NUMBERS_BEFORE_METRICS + c] = m ? m[METRIC_KEYS[c]] : NaN;
    const k = r * CSV_TEXTS;
    textIndex[k] = name(p.y);
    textIndex[k + 1] = name(p.x);
    textIndex[k + 2] = text(p.status);
    textIndex[k + 3] = text(p.first);
    textIndex[k + 4] = text(p.last);
    textIndex[k + 5] = text(String(p.ruined));
    textIndex[k + 6] = text(p.ruinedAt);
  }
  return { rows: pairs.length, width, numbers, textIndex, texts };
}

/** Empty {@link CsvRows} for `count` rows, and the interning of their texts. */
function csvRowsOf(count: number, shared: boolean) {
  const width = CSV_NUMBERS_BEFORE_METRICS + METRIC_KEYS.length;
  const alloc = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const numbers = new Float64Array(alloc(count * width * 8));
  const textIndex = new Int32Array(alloc(count * CSV_TEXTS * 4));
  const texts: string[] = [];
  const known = new Map<string, number>();
  const text = (s: string) => {
    let i = known.get(s);
    if (i === undefined) known.set(s, (i = texts.push(s) - 1));
    return i;
  };
  const names = new Map<string, number>();
  const name = (s: string) => {
    let i = names.get(s);
    if (i === undefined) names.set(s, (i = text(csvText(s))));
    return i;
  };
  return { width, numbers, textIndex, texts, text, name };
}

/**
 * {@link csvRows} of a scan's result rows, in the same order (ranked pairs, then the rest in job
 * order) and with the same cells as its {@link PairResult} objects would give (rowTexts decodes
 * the texts for both).
 */
function csvRowsOfScan(t: ScanRows, shared: boolean): CsvRows {
  const { jobs, rows, order } = t;
  const symbols = t.universe.symbols;
  const count = jobs.length / JOB;
  const { width, numbers, textIndex, texts, text, name } = csvRowsOf(count, shared);
  const dates = new Map<number, string>();
  const cells: string[] = [];
  const truth = [text('false'), text('true')];
  let r = 0;
  const put = (k: number, rank: number) => {
    const o = k * ROW;
    const n = r * width;
    numbers[n] = rank;
    numbers[n + 1] = rows[o + R_BARS];
    numbers[n + 2] = rows[o + R_CORR];
    numbers[n + 3] = rows[o + R_PVALUE];
    numbers[n + 4] = t.qvalues[k];
    numbers[n + 5] = rows[o + R_HALFLIFE];
    numbers[n + 6] = rows[o + R_BETA];
    const ok = rows[o + R_STATUS] === 0;
    for (let c = 0; c < METRIC_KEYS.length; c++)
      numbers[n + CSV_NUMBERS_BEFORE_METRICS + c] = ok ? rows[o + R_METRICS + c] : NaN;
    rowTexts(rows, k, dates, cells);
    const i = r * CSV_TEXTS;
    textIndex[i] = name(symbols[jobs[k * JOB]]);
    textIndex[i + 1] = name(symbols[jobs[k * JOB + 1]]);
    textIndex[i + 2] = text(cells[0]);
    textIndex[i + 3] = text(cells[1]);
    textIndex[i + 4] = text(cells[2]);
    textIndex[i + 5] = truth[cells[3] === '' ? 0 : 1];
    textIndex[i + 6] = text(cells[3]);
    r++;
  };
  for (let i = 0; i < order.length; i++) put(order[i], i + 1);
  for (let k = 0; k < count; k++) if (rows[k * ROW + R_STATUS] !== 0) put(k, 0);
  return { rows: count, width, numbers, textIndex, texts };
}

/** Tables with fewer rows are formatted in this thread (a thread takes a few ms to start). */
const THREADED_CSV_ROWS = 20_000;

/**
 * scan.csv's bytes: the header, then every row, formatted in slices on `threads` threads when the
 * table is large (this thread is free meanwhile: the caller writes the other files).
 */
async function scanCsvBytes(scan: ScanResult, threads: number): Promise<Buffer[]> {
  const header = Buffer.from(csvHeader());
  if (threads <= 1 || pairCount(scan) < THREADED_CSV_ROWS) {
    const rows = tableRows(scan, false);
    return [header, formatCsvRows(rows, 0, rows.rows)];
  }
  const workers = Array.from({ length: threads }, () => moduleWorker('csvWorker'));
  const rows = tableRows(scan, true);
  const parts = workers.map(
    (w, i) =>
      new Promise<Buffer>((resolve, reject) => {
        w.once('message', (m: { type: 'bytes'; bytes: Uint8Array } | { type: 'error'; message: string }) =>
          m.type === 'bytes'
            ? resolve(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength))
            : reject(new ScanError(`writing scan.csv: ${m.message}`)),
        );
        w.once('error', reject);
        w.once('exit', () => reject(new ScanError('writing scan.csv: a formatting thread ended early')));
        const from = Math.floor((i * rows.rows) / threads);
        const to = Math.floor(((i + 1) * rows.rows) / threads);
        w.postMessage({ rows, from, to });
      }),
  );
  try {
    return [header, ...(await Promise.all(parts))];
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Every pair as a Parquet file with scan.csv's columns and rows (missing numbers as null). */
export async function scanParquet(scan: ScanResult): Promise<ArrayBuffer> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const rows = allRows(scan);
  const num = (f: (p: PairResult) => number) =>
    rows.map((p) => {
      const v = f(p);
      return Number.isFinite(v) ? v : null;
    });
  const str = (f: (p: PairResult) => string) => rows.map(f);
  return parquetWriteBuffer({
    columnData: [
      { name: 'rank', data: rows.map((p) => p.rank), type: 'INT32' },
      { name: 'y', data: str((p) => p.y), type: 'STRING' },
      { name: 'x', data: str((p) => p.x), type: 'STRING' },
      { name: 'status', data: str((p) => p.status), type: 'STRING' },
      { name: 'bars', data: rows.map((p) => p.bars), type: 'INT32' },
      { name: 'first', data: str((p) => p.first), type: 'STRING' },
      { name: 'last', data: str((p) => p.last), type: 'STRING' },
      { name: 'correlation', data: num((p) => p.correlation), type: 'DOUBLE' },
      { name: 'pvalue', data: num((p) => p.pvalue), type: 'DOUBLE' },
      { name: 'qvalue', data: num((p) => p.qvalue), type: 'DOUBLE' },
      { name: 'halfLife', data: num((p) => p.halfLife), type: 'DOUBLE' },
      { name: 'olsBeta', data: num((p) => p.olsBeta), type: 'DOUBLE' },
      { name: 'ruined', data: rows.map((p) => p.ruined), type: 'BOOLEAN' },
      { name: 'ruinedAt', data: str((p) => p.ruinedAt), type: 'STRING' },
      ...METRIC_KEYS.map((k) => ({
        name: k,
        data: num((p) => (p.metrics ? p.metrics[k] : NaN)),
        type: 'DOUBLE' as const,
      })),
    ],
  });
}

/** JSON for a file: NaN and ±Infinity as null (JSON has no such numbers). */
function fileJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));
}

/** Decimates a series to at most `max` points (every k-th, keeping the last). */
function thin(n: number, max: number): number[] {
  const step = Math.max(1, Math.ceil(n / max));
  const idx: number[] = [];
  for (let i = 0; i < n; i += step) idx.push(i);
  if (idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return idx;
}

/** Float32 values as base64 (little-endian): a third of the size of JSON numbers. */
function f32(values: ArrayLike<number>): string {
  const a = Float32Array.from(values);
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** A full table's formats: scan.csv, scan.parquet. */
export type ScanTableFormat = 'csv' | 'parquet';

/** Options of {@link writeScanOutputs}. */
export interface ScanOutputOptions {
  /** Pairs (best first) in scan.json and scan.html (default 200). */
  top?: number;
  /**
   * The best pairs that have a full report beside scan.html, at pairs/NNN/report.html (NNN the
   * rank; written by the app's `writeScanReports`): scan.html links to them (default 0).
   */
  reports?: number;
  /**
   * More files to write on this thread while scan.csv is formatted on others (the pair reports);
   * returns their paths, listed after the scan's own.
   */
  alsoWrite?: () => string[];
  /** Formats of the table of every pair (default `['csv']`). */
  formats?: readonly ScanTableFormat[];
  /**
   * Threads formatting a large scan.csv (default one per core; 1: in this thread). The bytes
   * do not depend on it.
   */
  threads?: number;
}

/** Default of {@link ScanOutputOptions.top}. */
export const SCAN_TOP = 200;

/** What scan.json and scan.html say about the whole run. */
function scanSummary(scan: ScanResult, shown: number) {
  return {
    source: scan.source,
    symbols: scan.symbols.length,
    pairs: pairCount(scan),
    backtested: scan.counts.ok,
    screenedOut: pairCount(scan) - scan.counts.ok,
    shown,
    counts: scan.counts,
    rankBy: scan.rankBy,
    screens: scan.screens,
    minBars: scan.minBars,
    strategy: scan.strategy,
    options: scan.options,
    executor: scan.executor,
    elapsedMs: scan.elapsedMs,
    trials: scanTrials(scan),
  };
}

/**
 * Writes the table of every pair (scan.csv and/or scan.parquet), scan.json and scan.html (the
 * best `top` pairs and the counts) to `dir` (created). Returns the paths.
 */
export async function writeScanOutputs(
  scan: ScanResult,
  frame: PriceFrame,
  dir: string,
  o: ScanOutputOptions = {},
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const ranked = bestPairs(scan, o.top ?? SCAN_TOP);
  const summary = scanSummary(scan, ranked.length);
  const files: string[] = [];
  const formats = o.formats ?? ['csv'];
  // scan.csv is formatted on other threads while this one writes the other files
  const csv = formats.includes('csv') ? scanCsvBytes(scan, o.threads ?? availableParallelism()) : undefined;
  // a rejection is handled where it is awaited, below, after the other files
  csv?.catch(() => undefined);
  if (csv) files.push(join(dir, 'scan.csv'));
  if (formats.includes('parquet')) {
    files.push(join(dir, 'scan.parquet'));
    writeFileSync(files[files.length - 1], new Uint8Array(await scanParquet(scan)));
  }
  files.push(join(dir, 'scan.json'), join(dir, 'scan.html'));
  const page = { ...pageData(scan, frame, ranked, summary.trials), reports: o.reports ?? 0 };
  const withSignificance = ranked.map((p, i) => ({
    ...p,
    psr: page.significance[i].psr,
    dsr: page.significance[i].dsr,
  }));
  writeFileSync(files[files.length - 2], fileJson({ ...summary, ranked: withSignificance }) + '\n');
  writeFileSync(files[files.length - 1], scanHtml(summary, withSignificance, page));
  if (o.alsoWrite) files.push(...o.alsoWrite());
  if (csv) writeParts(join(dir, 'scan.csv'), await csv);
  return files;
}

function writeParts(file: string, parts: Buffer[]): void {
  const fd = openSync(file, 'w');
  try {
    for (const p of parts) for (let o = 0; o < p.length;) o += writeSync(fd, p, o, p.length - o);
  } finally {
    closeSync(fd);
  }
}

/** Equity points per pair on the page. */
const EQUITY_POINTS = 250;

/**
 * What the page computes its charts from: the universe's dates, the closes of the symbols in
 * the table (once each), the spread and rule of the strategy, and each pair's equity from the
 * scan's backtest (thinned; the equity needs the backtester, the rest is recomputed on click).
 */
function pageData(scan: ScanResult, frame: PriceFrame, ranked: PairResult[], trials: SelectionTrials) {
  const symbols = [...new Set(ranked.flatMap((p) => [p.y, p.x]))];
  const closes: Record<string, string> = {};
  for (const s of symbols) closes[s] = f32(frame.get(s, 'close'));
  const index = new Map<number, number>();
  frame.times.forEach((t, i) => index.set(t, i));
  const significance: SharpeSignificance[] = [];
  const equity = ranked.map((p) => {
    const f = alignFrames(frame, { symbols: [p.y, p.x] }).frame;
    const r = backtest(f, scan.strategy, { ...scan.options, symbols: [p.y, p.x] });
    significance.push(
      sharpeSignificance(r.returns, trials, scan.options.periodsPerYear, scan.options.riskFreeRate),
    );
    const idx = thin(f.length, EQUITY_POINTS);
    return { t: idx.map((i) => index.get(f.times[i])!), v: f32(idx.map((i) => r.equity[i])) };
  });
  return {
    dates: frame.dates(),
    closes,
    spread: scan.strategy.spread,
    pairState: pairState(scan.strategy.spread),
    normaliser: scan.strategy.normaliser,
    rule: scan.strategy.rule,
    equity,
    significance,
    trials,
  };
}

/** The pairs filter's initial state for a kalman-hedge spread, else null. */
function pairState(sp: StrategySpec['spread']): number[] | null {
  if (sp.type !== 'kalman-hedge') return null;
  return Array.from(createPairState(sp.delta, sp.observationVariance, sp.initialCovariance));
}

const STYLE = `body{font:13px system-ui,sans-serif;margin:16px;color:#222}table{border-collapse:collapse}
td,th{padding:2px 6px;text-align:right;border-bottom:1px solid #eee;white-space:nowrap}th{cursor:pointer;background:#f5f5f5;position:sticky;top:0}
td:nth-child(2),td:nth-child(3){text-align:left}tr.sel{background:#ffe9a8}tbody tr:hover{background:#f0f6ff;cursor:pointer}
.wrap{display:flex;gap:16px;align-items:flex-start}.tbl{max-height:90vh;overflow:auto}svg{background:#fafafa;border:1px solid #ddd;margin-bottom:8px}
.note{color:#666;max-width:900px}`;

/** Inline chart helper: a line chart of series over an index axis into an <svg> (titles and dates escaped). */
const CHART_JS = `${ESC_JS}
function chart(title,series,colors,dates){const W=560,H=170,P=34;let lo=Infinity,hi=-Infinity;
for(const s of series)for(const v of s)if(v!==null&&isFinite(v)){lo=Math.min(lo,v);hi=Math.max(hi,v)}
if(!(hi>lo)){hi=lo+1;lo=lo-1}const n=series[0].length,x=i=>P+(W-P-6)*i/Math.max(1,n-1),y=v=>H-18-(H-30)*(v-lo)/(hi-lo);
let s='<svg width="'+W+'" height="'+H+'"><text x="'+P+'" y="12" font-weight="bold">'+esc(title)+'</text>';
s+='<text x="2" y="'+(y(hi)+4)+'" font-size="10">'+(+hi.toPrecision(4))+'</text><text x="2" y="'+(y(lo)+4)+'" font-size="10">'+(+lo.toPrecision(4))+'</text>';
s+='<text x="'+P+'" y="'+(H-4)+'" font-size="10">'+esc(dates[0])+'</text><text x="'+(W-70)+'" y="'+(H-4)+'" font-size="10">'+esc(dates[n-1])+'</text>';
series.forEach((a,k)=>{let d='';a.forEach((v,i)=>{if(v===null||!isFinite(v))return;d+=(d?'L':'M')+x(i).toFixed(1)+','+y(v).toFixed(1)});
s+='<path d="'+d+'" fill="none" stroke="'+esc(colors[k])+'" stroke-width="1"/>'});return s+'</svg>'}`;

/**
 * The page's script. The table is built with textContent; a click recomputes the pair's series
 * from the embedded closes on the bars where both legs have a close (the pair's overlap, as the
 * scan backtests it): for a kalman-hedge spread the pairs filter, `pairStep` itself (its source
 * is put in the page, from the initial state the strategy starts from; its z-score with the
 * `kalman` normaliser), else the OLS spread with the
 * scan's β. `window.kalrevScan` exposes the last pair's series (the browser test compares them
 * with the backtester's).
 */
const SCAN_JS = `${CHART_JS}
${pairStep.toString()}
const D=JSON.parse(document.getElementById('scan-data').textContent),COLS=D.cols,P=D.page;let ROWS=D.rows.map((r,i)=>({r,i}));
const f32=b=>{const s=atob(b),u=new Uint8Array(s.length);for(let i=0;i<s.length;i++)u[i]=s.charCodeAt(i);return new Float32Array(u.buffer)};
const CLOSE={};for(const k of Object.keys(P.closes))CLOSE[k]=f32(P.closes[k]);
const fmt=v=>v===null?'':typeof v==='number'?(Number.isInteger(v)?String(v):(+v.toPrecision(4)).toString()):String(v);
let sortCol=0,asc=true;
function render(){const tb=document.querySelector('#t tbody');tb.textContent='';for(const {r,i} of ROWS){const tr=document.createElement('tr');tr.dataset.i=String(i);
for(const v of r){const td=document.createElement('td');td.textContent=fmt(v);tr.appendChild(td)}tb.appendChild(tr)}}
document.querySelectorAll('th').forEach((th,i)=>th.onclick=()=>{asc=sortCol===i?!asc:true;sortCol=i;ROWS.sort((a,b)=>{const x=a.r[i],y=b.r[i];if(x===y)return 0;if(x===null)return 1;if(y===null)return -1;return (x<y?-1:1)*(asc?1:-1)});render()});
function series(yName,xName,olsBeta){const Y=CLOSE[yName],X=CLOSE[xName],S=P.spread,log=S.transform==='log',tf=v=>log?Math.log(v):v;
const o={dates:[],y:[],x:[],value:[],band:[],hedgeRatio:[],z:S.type!=='kalman-hedge'||P.normaliser.type==='kalman'?[]:null};let s=null;
if(P.pairState)s=Float64Array.from(P.pairState);
for(let t=0;t<P.dates.length;t++){const yv=Y[t],xv=X[t];if(!(isFinite(yv)&&isFinite(xv)))continue;o.dates.push(P.dates[t]);o.y.push(yv);o.x.push(xv);
if(s){pairStep(s,tf(xv),tf(yv));const e=s[${PAIR_E}],Q=s[${PAIR_Q}];o.value.push(e);o.band.push(Math.sqrt(Q));o.hedgeRatio.push(s[0]);if(o.z)o.z.push(e/Math.sqrt(Q))}
else o.value.push(tf(yv)-olsBeta*tf(xv))}
if(!s){const n=o.value.length,m=o.value.reduce((a,b)=>a+b,0)/n,sd=Math.sqrt(o.value.reduce((a,b)=>a+(b-m)*(b-m),0)/n);o.value=o.value.map(v=>v-m);o.band=o.value.map(()=>sd);o.z=o.value.map(v=>v/sd);o.hedgeRatio=null}
return o}
function show(i){const r=D.rows[i],yName=r[1],xName=r[2],d=document.getElementById('d');d.textContent='';
const h=document.createElement('h3');h.textContent=yName+' on '+xName+' (rank '+r[0]+')';d.appendChild(h);
const o=series(yName,xName,r[COLS.indexOf('olsBeta')]);window.kalrevScan=o;const rule=P.rule,entry=rule&&rule.type==='bands'?rule.entryZ:null;
const k=P.spread.type==='kalman-hedge',lab=k?'forecast error e and ±'+(entry===null?'':entry+'·')+'√Q':'OLS spread (β '+fmt(r[COLS.indexOf('olsBeta')])+'), demeaned, ±'+(entry===null?'':entry+'·')+'std';
const y0=o.y[0],x0=o.x[0],band=o.band.map(v=>(entry===null?1:entry)*v);
let html=chart('prices rebased to 1: '+yName+' (blue), '+xName+' (orange)',[o.y.map(v=>v/y0),o.x.map(v=>v/x0)],['#1f5fbf','#e67e22'],o.dates)
+chart(lab,[o.value,band,band.map(v=>-v)],['#1f5fbf','#bbb','#bbb'],o.dates)
;const zc=4*(entry===null?1:entry);if(o.z)html+=chart('z-score (shown within ±'+zc+')',[o.z.map(v=>Math.max(-zc,Math.min(zc,v))),o.z.map(()=>entry),o.z.map(()=>entry===null?null:-entry)],['#8e44ad','#bbb','#bbb'],o.dates);
if(o.hedgeRatio)html+=chart('hedge ratio β',[o.hedgeRatio],['#c0392b'],o.dates);
const q=P.equity[i],ev=Array.from(f32(q.v));html+=chart('equity (the scan’s backtest)',[ev],['#27ae60'],q.t.map(t=>P.dates[t]));
const g=P.significance[i],pc=v=>v===null?'–':(100*v).toFixed(1)+' %',sg=document.createElement('p');sg.className='note';
sg.textContent='Sharpe ratio '+fmt(g.sharpe)+'; probabilistic Sharpe ratio (vs 0) '+pc(g.psr)+'; deflated Sharpe ratio '+pc(g.dsr)+', against '+fmt(g.threshold)+', the best Sharpe ratio '+P.trials.count+' backtested pairs would show by luck';d.appendChild(sg);
const c=document.createElement('div');c.innerHTML=html;d.appendChild(c);
const p=document.createElement('p');p.className='note';
if(r[0]>=1&&r[0]<=P.reports){const a=document.createElement('a');a.href='pairs/'+String(r[0]).padStart(3,'0')+'/report.html';a.textContent='The full report, with its tear sheet';p.appendChild(a)}
else p.textContent='Full report: kalrev backtest --data … --pair '+yName+','+xName;d.appendChild(p)}
document.querySelector('#t tbody').onclick=e=>{const tr=e.target.closest('tr');if(!tr)return;document.querySelectorAll('tr.sel').forEach(r=>r.classList.remove('sel'));tr.classList.add('sel');show(+tr.dataset.i)};
render();`;

function scanHtml(
  summary: ReturnType<typeof scanSummary>,
  ranked: (PairResult & Pick<SharpeSignificance, 'psr' | 'dsr'>)[],
  page: ReturnType<typeof pageData> & { reports: number },
): string {
  const cols = [
    'rank',
    'y',
    'x',
    'bars',
    'first',
    'last',
    'correlation',
    'pvalue',
    'qvalue',
    'halfLife',
    'olsBeta',
    ...METRIC_KEYS,
    // the Sharpe ratio's significance: probabilistic (vs 0) and deflated (vs the best of the trials by luck)
    'psr',
    'dsr',
    // a ruined backtest (equity reached zero) ranks after every other; its date says so
    'ruinedAt',
  ];
  const rows = ranked.map((p) =>
    cols.map((c) => (c in p ? (p as unknown as Record<string, unknown>)[c] : p.metrics![c as keyof Metrics])),
  );
  const counts = STATUS.filter((k) => k !== 'ok')
    .map((k) => `${k} ${summary.counts[k]}`)
    .join(', ');
  return `<!doctype html><html><head><meta charset="utf-8"><title>kalrev scan</title><style>${STYLE}</style></head><body>
<h2>kalrev scan: ${esc(summary.source)}</h2>
<p class="note" id="counts">${summary.symbols} symbols, ${summary.pairs} pairs tested; ${summary.backtested} passed the screens and were backtested; ${summary.screenedOut} screened out (${esc(counts)}). The best ${summary.shown} by <b>${esc(summary.rankBy)}</b> are below; every pair is in the scan's table file.
These are in-sample results of many tests at once: the best of thousands of pairs looks good by chance alone. The <b>dsr</b> column is the deflated Sharpe ratio: the probability that a pair's true Sharpe ratio beats the best that ${summary.trials.count} backtested pairs would show by luck (<b>psr</b>: that it beats 0); the <b>qvalue</b> is the Benjamini-Hochberg false discovery rate of the Engle-Granger p-value (filter with --max-qvalue). Confirm a pair out of sample (kalrev sweep with walk-forward) before trading it.
Click a column to sort, a row to see the pair.</p>
<div class="wrap"><div class="tbl"><table id="t"><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody></tbody></table></div>
<div id="d"></div></div>
<script type="application/json" id="scan-data">${json({ cols, rows, page })}</script>
<script>${SCAN_JS}</script></body></html>
`;
}

/**
 * Writes sweep.json and sweep.html to `dir`, with the selection-bias statistics of
 * `sweepSelectionBias` when given. Returns the paths.
 */
export function writeSweepOutputs(r: SweepResult, dir: string, bias?: SweepSelectionBias): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'sweep.json'), join(dir, 'sweep.html')];
  const wf = r.walkForward;
  const body = {
    pair: r.pair,
    metric: r.metric,
    axes: r.axes,
    points: r.points,
    bars: r.bars,
    first: r.dates[0],
    last: r.dates[r.dates.length - 1],
    strategy: r.strategy,
    options: r.options,
    fullPeriod: r.fullPeriod,
    walkForward: wf && {
      mode: wf.mode,
      learn: wf.learn,
      metrics: wf.metrics,
      windows: wf.windows,
      equity: Array.from(wf.equity),
      dates: Array.from(wf.times, (t) => new Date(t).toISOString().slice(0, 10)),
    },
    ...(bias ? { selectionBias: bias } : {}),
  };
  writeFileSync(files[0], fileJson(body) + '\n');
  writeFileSync(files[1], sweepHtml(r, bias));
  return files;
}

function heatColor(v: number, lo: number, hi: number): string {
  if (!Number.isFinite(v)) return '#ddd';
  const u = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  const r = Math.round(255 * Math.min(1, 2 - 2 * u));
  const g = Math.round(255 * Math.min(1, 2 * u));
  return `rgb(${r},${g},90)`;
}

/** Heat maps: the first two axes as rows × columns, one map per combination of the others. */
function heatMaps(r: SweepResult, values: number[], title: string): string {
  const a = r.axes;
  const rowsAxis = a.length > 1 ? a[a.length - 2] : { name: '', values: [NaN] };
  const colsAxis = a[a.length - 1];
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const groups = new Map<string, number[]>();
  r.points.forEach((p, i) => {
    const key = p
      .slice(0, Math.max(0, a.length - 2))
      .map((v, j) => `${a[j].name}=${v}`)
      .join(', ');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(i);
  });
  let html = `<h3>${esc(title)}</h3><div class="wrap" style="flex-wrap:wrap">`;
  for (const [key, idx] of groups) {
    html += `<div><p>${esc(key || 'all points')}</p><table><tr><th>${esc(rowsAxis.name)} \\ ${esc(colsAxis.name)}</th>${colsAxis.values
      .map((v) => `<th>${esc(v)}</th>`)
      .join('')}</tr>`;
    rowsAxis.values.forEach((rv, ri) => {
      html += `<tr><th>${Number.isNaN(rv) ? '' : esc(rv)}</th>`;
      colsAxis.values.forEach((_, ci) => {
        const v = values[idx[ri * colsAxis.values.length + ci]];
        html += `<td style="background:${heatColor(v, lo, hi)}">${Number.isFinite(v) ? v.toFixed(3) : '–'}</td>`;
      });
      html += '</tr>';
    });
    html += '</table></div>';
  }
  return html + '</div>';
}

/** The selection-bias section of sweep.html: the best point's deflated Sharpe ratio and the PBO. */
function biasHtml(r: SweepResult, b: SweepSelectionBias): string {
  const pc = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : '–');
  const point = r.axes.map((a, j) => `${a.name}=${+b.best.point[j].toPrecision(4)}`).join(' ');
  const pbo = b.pbo
    ? `<p id="pbo">Probability of backtest overfitting (CSCV, ${b.pbo.blocks} blocks, ${b.pbo.splits} splits): <b>${pc(b.pbo.pbo)}</b>: how often the grid point best in one half of the blocks is at or below the median of the other half. Above 50 %, choosing the in-sample best is worse than choosing at random.</p>`
    : '<p id="pbo">No probability of backtest overfitting: it needs at least 2 grid points and 4 bars.</p>';
  return `<h3>Selection bias</h3><p id="dsr">The best point by ${esc(r.metric)} over the whole period, ${esc(point)}: Sharpe ratio ${b.best.sharpe.toFixed(3)}, probabilistic Sharpe ratio (vs 0) ${pc(b.best.psr)}, <b>deflated Sharpe ratio ${pc(b.best.dsr)}</b>: the probability that its true Sharpe ratio beats ${Number.isFinite(b.best.threshold) ? b.best.threshold.toFixed(3) : '–'}, the best that ${b.trials.count} grid points would show by luck.</p>${pbo}`;
}

function sweepHtml(r: SweepResult, bias?: SweepSelectionBias): string {
  const full = r.fullPeriod.map((m) => (m ? m[r.metric] : NaN));
  const wf = r.walkForward;
  let wfHtml = '<p>No walk-forward was run (give --train and --test).</p>';
  if (wf) {
    const idx = thin(wf.equity.length, 600);
    const eq = idx.map((i) => wf.equity[i]);
    const dates = idx.map((i) => new Date(wf.times[i]).toISOString().slice(0, 10));
    const m = wf.metrics;
    wfHtml = `<h3>Walk-forward (${esc(wf.mode)}${wf.learn ? ', noise learned by EM per training window' : ''}): out-of-sample ${esc(r.metric)} ${m[r.metric].toFixed(3)}, APR ${(100 * m.apr).toFixed(2)} %, max drawdown ${(100 * m.maxDrawdown).toFixed(1)} %</h3>
<div id="eq"></div><table><tr><th>train</th><th>test</th><th>chosen</th><th>in-sample ${esc(r.metric)}</th><th>out-of-sample ${esc(r.metric)}</th><th>OOS return</th></tr>
${wf.windows
  .map(
    (w) =>
      `<tr><td>${esc(w.trainFirst)} … ${esc(w.trainLast)}</td><td>${esc(w.testFirst)} … ${esc(w.testLast)}</td><td>${esc(
        Object.entries(w.params)
          .map(([k, v]) => `${k}=${+v.toPrecision(4)}`)
          .join(' '),
      )}</td><td>${w.inSample.toFixed(3)}</td><td>${w.outOfSample[r.metric].toFixed(3)}</td><td>${(100 * w.outOfSample.totalReturn).toFixed(2)} %</td></tr>`,
  )
  .join('\n')}</table>
<script>${CHART_JS};document.getElementById('eq').innerHTML=chart('out-of-sample equity (test windows chained)',[${json(eq)}],['#27ae60'],${json(dates)})</script>`;
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>kalrev sweep ${esc(r.pair.join('/'))}</title><style>${STYLE}</style></head><body>
<h2>kalrev sweep: ${esc(r.pair[0])} on ${esc(r.pair[1])}, ${r.bars} bars (${esc(r.dates[0])} … ${esc(r.dates[r.dates.length - 1])})</h2>
${wfHtml}
${bias ? biasHtml(r, bias) : ''}
${heatMaps(r, full, `${r.metric} over the grid, whole period (in-sample: for exploration, not a result)`)}
</body></html>
`;
}
