/**
 * Scan and sweep outputs: scan.csv, scan.json and scan.html (a sortable table; clicking a pair
 * shows its spread, hedge ratio and equity), sweep.json and sweep.html (heat maps of the metric
 * over the grid, the walk-forward windows and the out-of-sample equity). The pages are single
 * files with inline SVG drawn by a few lines of inline script: no network, work from file://.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backtest } from '../backtest/engine.js';
import type { Metrics } from '../backtest/metrics.js';
import { alignFrames } from '../data/align.js';
import type { PriceFrame } from '../data/frame.js';
import { METRIC_KEYS } from './evaluate.js';
import type { PairResult, ScanResult } from './scan.js';
import type { SweepResult } from './sweep.js';

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
  'halfLife',
  'olsBeta',
  'ruined',
  'ruinedAt',
] as const;

function csvCell(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  const s = String(v ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** JSON with NaN and ±Infinity as null (JSON has no such numbers). */
function json(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));
}

/** Every pair as one CSV line: ranked pairs first (best first), then the rest in job order. */
export function scanCsv(scan: ScanResult): string {
  const header = [...COLUMNS, ...METRIC_KEYS].join(',');
  const rows = [...scan.ranked, ...scan.pairs.filter((p) => p.status !== 'ok')].map((p) =>
    [
      ...COLUMNS.map((c) => csvCell(p[c])),
      ...METRIC_KEYS.map((k) => csvCell(p.metrics ? p.metrics[k] : NaN)),
    ].join(','),
  );
  return [header, ...rows].join('\n') + '\n';
}

/** Decimates a series to at most `max` points (every k-th, keeping the last). */
function thin(n: number, max: number): number[] {
  const step = Math.max(1, Math.ceil(n / max));
  const idx: number[] = [];
  for (let i = 0; i < n; i += step) idx.push(i);
  if (idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return idx;
}

interface PairSeries {
  dates: string[];
  error: number[];
  band: number[];
  hedgeRatio: number[];
  equity: number[];
}

/** The series of a pair's backtest for the page (the same backtest the scan ran). */
function pairSeries(frame: PriceFrame, scan: ScanResult, p: PairResult): PairSeries {
  const f = alignFrames(frame, { symbols: [p.y, p.x] }).frame;
  const r = backtest(f, scan.strategy, { ...scan.options, symbols: [p.y, p.x] });
  const idx = thin(f.length, 500);
  const pick = (a: Float64Array) => idx.map((i) => a[i]);
  return {
    dates: idx.map((i) => f.date(i)),
    error: pick(r.signals.value),
    band: pick(r.signals.scale),
    hedgeRatio: pick(r.signals.hedgeRatio),
    equity: pick(r.equity),
  };
}

export interface ScanOutputOptions {
  /** Pairs (best first) whose series the page embeds (default 50). */
  detail?: number;
  /** Rows in scan.json and the page (default: every backtested pair). */
  top?: number;
}

/** Writes scan.csv, scan.json and scan.html to `dir` (created). Returns the paths. */
export function writeScanOutputs(
  scan: ScanResult,
  frame: PriceFrame,
  dir: string,
  o: ScanOutputOptions = {},
): string[] {
  mkdirSync(dir, { recursive: true });
  const ranked = o.top === undefined ? scan.ranked : scan.ranked.slice(0, o.top);
  const summary = {
    source: scan.source,
    symbols: scan.symbols.length,
    pairs: scan.pairs.length,
    counts: scan.counts,
    rankBy: scan.rankBy,
    screens: scan.screens,
    minBars: scan.minBars,
    strategy: scan.strategy,
    options: scan.options,
    executor: scan.executor,
    elapsedMs: scan.elapsedMs,
  };
  const files = [join(dir, 'scan.csv'), join(dir, 'scan.json'), join(dir, 'scan.html')];
  writeFileSync(files[0], scanCsv(scan));
  writeFileSync(files[1], json({ ...summary, ranked }) + '\n');
  const detail: Record<string, PairSeries> = {};
  for (const p of ranked.slice(0, o.detail ?? 50)) detail[`${p.y}/${p.x}`] = pairSeries(frame, scan, p);
  writeFileSync(files[2], scanHtml(summary, ranked, detail));
  return files;
}

const STYLE = `body{font:13px system-ui,sans-serif;margin:16px;color:#222}table{border-collapse:collapse}
td,th{padding:2px 6px;text-align:right;border-bottom:1px solid #eee}th{cursor:pointer;background:#f5f5f5;position:sticky;top:0}
td:nth-child(2),td:nth-child(3){text-align:left}tr.sel{background:#ffe9a8}tbody tr:hover{background:#f0f6ff;cursor:pointer}
.wrap{display:flex;gap:16px;align-items:flex-start}.tbl{max-height:90vh;overflow:auto}svg{background:#fafafa;border:1px solid #ddd;margin-bottom:8px}
.note{color:#666;max-width:900px}`;

/** Inline chart helper: a line chart of series over an index axis into an <svg>. */
const CHART_JS = `function chart(title,series,colors,dates){const W=560,H=170,P=34;let lo=Infinity,hi=-Infinity;
for(const s of series)for(const v of s)if(v!==null&&isFinite(v)){lo=Math.min(lo,v);hi=Math.max(hi,v)}
if(!(hi>lo)){hi=lo+1;lo=lo-1}const n=series[0].length,x=i=>P+(W-P-6)*i/Math.max(1,n-1),y=v=>H-18-(H-30)*(v-lo)/(hi-lo);
let s='<svg width="'+W+'" height="'+H+'"><text x="'+P+'" y="12" font-weight="bold">'+title+'</text>';
s+='<text x="2" y="'+(y(hi)+4)+'" font-size="10">'+(+hi.toPrecision(4))+'</text><text x="2" y="'+(y(lo)+4)+'" font-size="10">'+(+lo.toPrecision(4))+'</text>';
s+='<text x="'+P+'" y="'+(H-4)+'" font-size="10">'+dates[0]+'</text><text x="'+(W-70)+'" y="'+(H-4)+'" font-size="10">'+dates[n-1]+'</text>';
series.forEach((a,k)=>{let d='';a.forEach((v,i)=>{if(v===null||!isFinite(v))return;d+=(d?'L':'M')+x(i).toFixed(1)+','+y(v).toFixed(1)});
s+='<path d="'+d+'" fill="none" stroke="'+colors[k]+'" stroke-width="1"/>'});return s+'</svg>'}`;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function scanHtml(
  summary: Record<string, unknown>,
  ranked: PairResult[],
  detail: Record<string, PairSeries>,
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
    'halfLife',
    'olsBeta',
    ...METRIC_KEYS,
  ];
  const rows = ranked.map((p) =>
    cols.map((c) => (c in p ? (p as unknown as Record<string, unknown>)[c] : p.metrics![c as keyof Metrics])),
  );
  const counts = summary.counts as Record<string, number>;
  return `<!doctype html><html><head><meta charset="utf-8"><title>kalrev scan</title><style>${STYLE}</style></head><body>
<h2>kalrev scan: ${esc(String(summary.source))}</h2>
<p class="note">${summary.symbols} symbols, ${summary.pairs} pairs: ${Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(
      ', ',
    )}. Ranked by <b>${esc(String(summary.rankBy))}</b>. These are in-sample results of many tests at once:
the best of thousands of pairs looks good by chance alone. Confirm a pair out of sample (kalrev sweep with walk-forward) before trading it.
Click a column to sort, a row to see the pair (series for the first ${Object.keys(detail).length} ranked pairs).</p>
<div class="wrap"><div class="tbl"><table id="t"><thead><tr>${cols.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody></tbody></table></div>
<div id="d"></div></div>
<script>const COLS=${json(cols)};let ROWS=${json(rows)};const DETAIL=${json(detail)};${CHART_JS}
const fmt=v=>v===null?'':typeof v==='number'?(Number.isInteger(v)?String(v):(+v.toPrecision(4)).toString()):String(v);
let sortCol=0,asc=true;function render(){const tb=document.querySelector('#t tbody');tb.innerHTML=ROWS.map(r=>'<tr data-k="'+r[1]+'/'+r[2]+'">'+r.map(v=>'<td>'+fmt(v)+'</td>').join('')+'</tr>').join('')}
document.querySelectorAll('th').forEach((th,i)=>th.onclick=()=>{asc=sortCol===i?!asc:true;sortCol=i;ROWS.sort((a,b)=>{const x=a[i],y=b[i];if(x===y)return 0;if(x===null)return 1;if(y===null)return -1;return (x<y?-1:1)*(asc?1:-1)});render()});
document.querySelector('#t tbody').onclick=e=>{const tr=e.target.closest('tr');if(!tr)return;document.querySelectorAll('tr.sel').forEach(r=>r.classList.remove('sel'));tr.classList.add('sel');
const k=tr.dataset.k,s=DETAIL[k],d=document.getElementById('d');if(!s){d.innerHTML='<p>'+k+': series not embedded (only the first ranked pairs are); run kalrev backtest --pair '+k.replace('/',',')+'</p>';return}
const neg=s.band.map(v=>-v);d.innerHTML='<h3>'+k+'</h3>'+chart('spread: forecast error e and ±√Q',[s.error,s.band,neg],['#1f5fbf','#bbb','#bbb'],s.dates)+chart('hedge ratio β',[s.hedgeRatio],['#c0392b'],s.dates)+chart('equity',[s.equity],['#27ae60'],s.dates)};
render();</script></body></html>
`;
}

/** Writes sweep.json and sweep.html to `dir`. Returns the paths. */
export function writeSweepOutputs(r: SweepResult, dir: string): string[] {
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
  };
  writeFileSync(files[0], json(body) + '\n');
  writeFileSync(files[1], sweepHtml(r));
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
      .map((v) => `<th>${v}</th>`)
      .join('')}</tr>`;
    rowsAxis.values.forEach((rv, ri) => {
      html += `<tr><th>${Number.isNaN(rv) ? '' : rv}</th>`;
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

function sweepHtml(r: SweepResult): string {
  const full = r.fullPeriod.map((m) => (m ? m[r.metric] : NaN));
  const wf = r.walkForward;
  let wfHtml = '<p>No walk-forward was run (give --train and --test).</p>';
  if (wf) {
    const idx = thin(wf.equity.length, 600);
    const eq = idx.map((i) => wf.equity[i]);
    const dates = idx.map((i) => new Date(wf.times[i]).toISOString().slice(0, 10));
    const m = wf.metrics;
    wfHtml = `<h3>Walk-forward (${wf.mode}${wf.learn ? ', noise learned by EM per training window' : ''}): out-of-sample ${r.metric} ${m[r.metric].toFixed(3)}, APR ${(100 * m.apr).toFixed(2)} %, max drawdown ${(100 * m.maxDrawdown).toFixed(1)} %</h3>
<div id="eq"></div><table><tr><th>train</th><th>test</th><th>chosen</th><th>in-sample ${r.metric}</th><th>out-of-sample ${r.metric}</th><th>OOS return</th></tr>
${wf.windows
  .map(
    (w) =>
      `<tr><td>${w.trainFirst} … ${w.trainLast}</td><td>${w.testFirst} … ${w.testLast}</td><td>${esc(
        Object.entries(w.params)
          .map(([k, v]) => `${k}=${+v.toPrecision(4)}`)
          .join(' '),
      )}</td><td>${w.inSample.toFixed(3)}</td><td>${w.outOfSample[r.metric].toFixed(3)}</td><td>${(100 * w.outOfSample.totalReturn).toFixed(2)} %</td></tr>`,
  )
  .join('\n')}</table>
<script>${CHART_JS};document.getElementById('eq').innerHTML=chart('out-of-sample equity (test windows chained)',[${json(eq)}],['#27ae60'],${json(dates)})</script>`;
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>kalrev sweep ${esc(r.pair.join('/'))}</title><style>${STYLE}</style></head><body>
<h2>kalrev sweep: ${esc(r.pair[0])} on ${esc(r.pair[1])}, ${r.bars} bars (${r.dates[0]} … ${r.dates[r.dates.length - 1]})</h2>
${wfHtml}
${heatMaps(r, full, `${r.metric} over the grid, whole period (in-sample: for exploration, not a result)`)}
</body></html>
`;
}
