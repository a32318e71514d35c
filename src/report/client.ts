/**
 * The report's browser side, inlined into report.html as plain ES5-style JavaScript: it draws the
 * charts with uPlot from the embedded JSON, links every time axis (cursor and zoom), adds wheel
 * zoom, shift-drag pan and a crosshair tooltip, and makes the trades table sortable. It makes no
 * request. `window.kalrevCharts` exposes the uPlot instances (the browser test reads them).
 */
import { ESC_JS } from '../escape.js';

export const CLIENT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2937;background:#f8fafc}
header,main{max-width:1200px;margin:0 auto;padding:12px 20px}
header{background:#fff;border-bottom:1px solid #e5e7eb}
h1{font-size:20px;margin:8px 0}h2{font-size:15px;margin:18px 0 6px}
.muted{color:#6b7280;margin:2px 0}.strategy{margin:4px 0}
.metrics{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}
.metric{background:#f1f5f9;border-radius:6px;padding:4px 10px;min-width:84px}
.metric .label{display:block;font-size:11px;color:#6b7280}.metric .value{font-weight:600;font-variant-numeric:tabular-nums}
.metrics.cmp .metric{background:#fff7ed}.cmp-title{margin:6px 0 0}.look-ahead{background:#fef2f2;border-left:4px solid #dc2626;padding:4px 8px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:6px 14px 12px;margin:12px 0}
.chart{width:100%;min-height:240px;position:relative}.chart.short{min-height:150px}
.tip{position:absolute;pointer-events:none;background:rgba(17,24,39,.9);color:#fff;font-size:11px;padding:4px 6px;border-radius:4px;z-index:10;display:none;white-space:nowrap}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:12px}
td,th{padding:2px 6px;border-bottom:1px solid #f1f5f9;text-align:right}
.stats td:first-child,.stats td:last-child{text-align:left}
.heat td{min-width:42px;text-align:center}.heat .year{font-weight:600}
.scroll{max-height:420px;overflow:auto}
.sortable th{cursor:pointer;position:sticky;top:0;background:#fff}.sortable th.asc:after{content:" ▲"}.sortable th.desc:after{content:" ▼"}
tr.loss td:last-child{color:#dc2626}tr.win td:last-child{color:#16a34a}
.tear-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:8px 24px;margin-top:8px}
.tear-block h3,section h3{font-size:13px;margin:12px 0 4px}.tear-block.wide{grid-column:1/-1}
.kv th{text-align:left;font-weight:normal;color:#374151}.kv td{font-weight:600}.kv tr[title] th{text-decoration:underline dotted #9ca3af}
.tear th{text-align:right}
.verdict{font-weight:600}pre{font-size:12px;background:#f8fafc;padding:8px;overflow:auto}
`;

/**
 * The charts' core, shared by every page's script: the page's data `D` and its time axis, the
 * list of charts (linked: zooming one zooms all), drag-zoom, pan and tooltips, the series
 * helpers and `chart(id, series, data, extra)`, the resize hook and sortable tables. A page's
 * script is this core followed by its own charts, in one function scope.
 */
export const CHART_CORE_JS = String.raw`
  'use strict';
  var D = JSON.parse(document.getElementById('kalrev-data').textContent);
  var charts = [];
  // the charts on the time axis, zoomed together (a histogram has its own x axis)
  var linked = [];
  window.kalrevCharts = charts;
  var linking = false;
  var T0 = D.times[0], T1 = D.times[D.times.length - 1];

  ${ESC_JS}
  function fmtDate(t) { return new Date(t * 1000).toISOString().slice(0, 10); }
  function fmtNum(v) { return Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(4); }
  // a y range that ignores the few most extreme values (a Kalman filter's first forecast error is
  // the whole price, which would flatten the rest of the chart)
  function robust(arrays, i0, i1) {
    var v = [];
    arrays.forEach(function (a) { if (a) for (var i = Math.max(0, i0); i <= Math.min(a.length - 1, i1); i++) if (a[i] != null) v.push(a[i]); });
    if (!v.length) return null;
    v.sort(function (a, b) { return a - b; });
    var lo = v[Math.floor(v.length * 0.002)], hi = v[Math.ceil(v.length * 0.998) - 1];
    var pad = (hi - lo) * 0.06 || Math.abs(hi) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  // the range of the bars in view (uPlot keeps the visible index range in series[i].idxs)
  function yScale(arrays) {
    return { range: function (u, dmin, dmax) {
      var ids = u.series[1] && u.series[1].idxs;
      var r = robust(arrays, ids ? ids[0] : 0, ids ? ids[1] : D.times.length - 1);
      return r || [dmin == null ? 0 : dmin, dmax == null ? 1 : dmax];
    } };
  }
  function constant(v) { return D.times.map(function () { return v; }); }

  // every x scale follows the one the user zoomed or panned
  function linkPlugin() {
    return { hooks: { setScale: [function (u, key) {
      if (key !== 'x' || linking) return;
      linking = true;
      var min = u.scales.x.min, max = u.scales.x.max;
      linked.forEach(function (c) { if (c !== u) c.setScale('x', { min: min, max: max }); });
      linking = false;
    }] } };
  }

  function zoomPanPlugin() {
    return { hooks: { ready: [function (u) {
      var over = u.over;
      over.addEventListener('wheel', function (e) {
        e.preventDefault();
        var rect = over.getBoundingClientRect();
        var at = u.posToVal(e.clientX - rect.left, 'x');
        var min = u.scales.x.min, max = u.scales.x.max, f = e.deltaY < 0 ? 0.8 : 1.25;
        var lo = Math.max(T0, at - (at - min) * f), hi = Math.min(T1, at + (max - at) * f);
        if (hi - lo > 86400) u.setScale('x', { min: lo, max: hi });
      }, { passive: false });
      over.addEventListener('mousedown', function (e) {
        if (!e.shiftKey) return;
        e.preventDefault(); e.stopPropagation();
        var x0 = e.clientX, min0 = u.scales.x.min, max0 = u.scales.x.max;
        var per = (max0 - min0) / over.clientWidth;
        function move(ev) { var dx = (ev.clientX - x0) * per; u.setScale('x', { min: min0 - dx, max: max0 - dx }); }
        function up() { document.removeEventListener('mousemove', move); document.removeEventListener('mouseup', up); }
        document.addEventListener('mousemove', move); document.addEventListener('mouseup', up);
      }, true);
    }] } };
  }

  function tooltipPlugin() {
    var tip;
    return { hooks: {
      init: [function (u) { tip = document.createElement('div'); tip.className = 'tip'; u.over.appendChild(tip); }],
      setCursor: [function (u) {
        var i = u.cursor.idx;
        if (i == null || u.cursor.left == null || u.cursor.left < 0) { tip.style.display = 'none'; return; }
        var lines = ['<b>' + fmtDate(u.data[0][i]) + '</b>'];
        for (var s = 1; s < u.series.length; s++) {
          var v = u.data[s][i];
          if (v != null && u.series[s].show && !u.series[s].quiet) lines.push(esc(u.series[s].label) + ': ' + fmtNum(v));
        }
        tip.innerHTML = lines.join('<br>');
        tip.style.display = 'block';
        tip.style.left = Math.max(0, Math.min(u.cursor.left + 14, u.over.clientWidth - tip.offsetWidth - 4)) + 'px';
        tip.style.top = Math.max(0, u.cursor.top - tip.offsetHeight - 8) + 'px';
      }],
    } };
  }

  function line(label, color, extra) {
    var s = { label: label, stroke: color, width: 1.25, points: { show: false } };
    for (var k in extra || {}) s[k] = extra[k];
    return s;
  }
  function dashed(label, color, extra) { var e = extra || {}; e.dash = [4, 4]; e.width = 1; return line(label, color, e); }
  function markers(label, color) {
    return { label: label, stroke: color, fill: color, paths: function () { return null; }, points: { show: true, size: 7, width: 1, fill: color } };
  }

  function chart(id, series, data, extra) {
    var el = document.getElementById(id);
    if (!el) return null;
    var opts = {
      width: Math.max(320, el.clientWidth),
      height: el.classList.contains('short') ? 150 : 240,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
      cursor: { sync: { key: 'kalrev', setSeries: false }, drag: { x: true, y: false } },
      scales: { x: { time: true } },
      series: [{ label: 'date', value: function (u, v) { return v == null ? '' : fmtDate(v); } }].concat(series),
      axes: [{}, { size: 60 }],
      legend: { live: true },
      plugins: [linkPlugin(), zoomPanPlugin(), tooltipPlugin()],
    };
    for (var k in extra || {}) opts[k] = extra[k];
    var u = new uPlot(opts, [D.times].concat(data), el);
    charts.push(u);
    linked.push(u);
    return u;
  }

  // a chart over its own x values (not time, not linked to the others)
  function plot(id, xs, xLabel, series, data, extra) {
    var el = document.getElementById(id);
    if (!el) return null;
    var opts = {
      width: Math.max(320, el.clientWidth),
      height: el.classList.contains('short') ? 150 : 240,
      scales: { x: { time: false } },
      series: [{ label: xLabel, value: function (u, v) { return v == null ? '' : fmtNum(v); } }].concat(series),
      axes: [{}, { size: 60 }],
      legend: { live: true },
    };
    for (var k in extra || {}) opts[k] = extra[k];
    var u = new uPlot(opts, [xs].concat(data), el);
    charts.push(u);
    return u;
  }

  window.addEventListener('resize', function () {
    charts.forEach(function (u) { u.setSize({ width: Math.max(320, u.root.parentNode.clientWidth), height: u.height }); });
  });

  // sortable tables
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    var heads = table.querySelectorAll('th');
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener('click', function () {
        var asc = !th.classList.contains('asc');
        Array.prototype.forEach.call(heads, function (h) { h.classList.remove('asc', 'desc'); });
        th.classList.add(asc ? 'asc' : 'desc');
        var num = th.getAttribute('data-kind') === 'num';
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');
          var c = num ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x < y ? -1 : x > y ? 1 : 0;
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
`;

/**
 * The tear sheet's charts (src/report/tearSheet.ts puts their data in `D.tear`): rolling Sharpe
 * ratio and volatility, the run against its benchmark with the rolling β, and the histogram of
 * returns with a normal of the same mean and standard deviation and the historical VaR lines.
 * Runs after CHART_CORE_JS, in its scope.
 */
export const TEAR_SHEET_JS = String.raw`
  if (D.tear) (function () {
    var T = D.tear;
    chart('chart-rolling-sharpe', [line('rolling Sharpe ratio', '#2563eb'), dashed('0', '#6b7280', { quiet: true })], [T.rollingSharpe, constant(0)], { scales: { x: { time: true }, y: yScale([T.rollingSharpe]) } });
    chart('chart-rolling-vol', [line('rolling volatility % (annualised)', '#d97706', { fill: 'rgba(217,119,6,0.1)' })], [T.rollingVolatility]);
    if (T.benchmark) {
      chart('chart-benchmark', [line('this run', '#2563eb'), line(T.benchmark.label, '#6b7280')], [T.benchmark.run, T.benchmark.growth]);
      chart('chart-rolling-beta', [line('rolling β', '#7c3aed'), dashed('0', '#6b7280', { quiet: true })], [T.rollingBeta, constant(0)], { scales: { x: { time: true }, y: yScale([T.rollingBeta]) } });
    }
    var h = T.histogram;
    function varLines(u) {
      var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
      [[h.var95, 'VaR 95 %'], [h.var99, 'VaR 99 %']].forEach(function (v, i) {
        var x = u.valToPos(v[0], 'x', true);
        ctx.save();
        ctx.strokeStyle = i ? '#7f1d1d' : '#dc2626';
        ctx.setLineDash([5, 4]);
        ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
        ctx.fillStyle = ctx.strokeStyle;
        ctx.font = (10 * devicePixelRatio) + 'px sans-serif';
        ctx.fillText(v[1], x + 3, top + (12 + 12 * i) * devicePixelRatio);
        ctx.restore();
      });
    }
    plot('chart-distribution', h.centres, 'return %', [
      { label: 'bars', stroke: '#2563eb', fill: 'rgba(37,99,235,0.35)', paths: uPlot.paths.bars({ size: [0.95, 100] }), points: { show: false } },
      line('normal', '#dc2626'),
    ], [h.counts, h.normal], { hooks: { draw: [varLines] } });
  })();
`;

/** The single run's page: prices, spread, z-score, hedge ratio, equity and drawdown. */
export const CLIENT_JS = String.raw`
(function () {
  ${CHART_CORE_JS}
  var C = { y: '#2563eb', x: '#d97706', fair: '#7c3aed', band: '#dc2626', exit: '#059669', grey: '#6b7280' };

  // prices (both legs), the dependent leg's fair value and bands
  (function () {
    var s = [], d = [];
    var y = D.legs[0];
    s.push(line(y.name, C.y)); d.push(y.close);
    var twoScales = D.legs.length > 1;
    for (var j = 1; j < D.legs.length; j++) {
      s.push(line(D.legs[j].name + (twoScales ? ' (right axis)' : ''), j === 1 ? C.x : C.grey, { scale: 'right' }));
      d.push(D.legs[j].close);
    }
    var bands = [];
    if (D.fair) {
      s.push(line(D.fair.name, C.fair)); d.push(D.fair.value);
      if (D.fair.upper) {
        s.push(dashed('entry band +', C.band)); d.push(D.fair.upper);
        s.push(dashed('entry band −', C.band)); d.push(D.fair.lower);
        bands.push({ series: [s.length - 1, s.length], fill: 'rgba(124,58,237,0.06)' });
      }
      if (D.fair.exitUpper) {
        s.push(dashed('exit band +', C.exit)); d.push(D.fair.exitUpper);
        s.push(dashed('exit band −', C.exit)); d.push(D.fair.exitLower);
      }
    }
    var axes = [{}, { size: 60, scale: 'y' }];
    if (twoScales) axes.push({ side: 1, scale: 'right', size: 60, grid: { show: false } });
    chart('chart-prices', s, d, { axes: axes, bands: bands, scales: { x: { time: true }, y: yScale([y.close].concat(D.fair ? [D.fair.value] : [])), right: twoScales ? yScale(D.legs.slice(1).map(function (l) { return l.close; })) : { auto: true } } });
  })();

  // the spread (or deviation) with its centre and bands
  (function () {
    var p = D.spread, s = [line(p.label, C.y), dashed('centre', C.grey)], d = [p.value, p.centre], bands = [];
    if (p.upper) {
      s.push(dashed('entry +', C.band)); d.push(p.upper);
      s.push(dashed('entry −', C.band)); d.push(p.lower);
      bands.push({ series: [3, 4], fill: 'rgba(220,38,38,0.05)' });
    }
    if (p.exitUpper) { s.push(dashed('exit +', C.exit)); d.push(p.exitUpper); s.push(dashed('exit −', C.exit)); d.push(p.exitLower); }
    chart('chart-spread', s, d, { bands: bands, scales: { x: { time: true }, y: yScale(d) } });
  })();

  // z-score with the entry and exit levels and the trades
  (function () {
    var z = D.z, s = [line('z', C.y)], d = [z.value];
    if (z.entry != null) {
      s.push(dashed('+entry', C.band, { quiet: true })); d.push(constant(z.entry));
      s.push(dashed('−entry', C.band, { quiet: true })); d.push(constant(-z.entry));
      if (z.exit !== z.entry) {
        s.push(dashed('+exit', C.exit, { quiet: true })); d.push(constant(z.exit));
        s.push(dashed('−exit', C.exit, { quiet: true })); d.push(constant(-z.exit));
      }
    }
    s.push(markers('long entry', '#16a34a')); d.push(z.longEntry);
    s.push(markers('short entry', '#dc2626')); d.push(z.shortEntry);
    s.push(markers('exit', '#111827')); d.push(z.exits);
    chart('chart-z', s, d, { scales: { x: { time: true }, y: yScale([z.value].concat(z.entry != null ? [[z.entry * 1.5, -z.entry * 1.5]] : [])) } });
  })();

  // hedge ratio with its ±2σ band
  if (D.beta) (function () {
    var s = [line('β', C.y)], d = [D.beta.value], bands = [];
    if (D.beta.lower) {
      s.push(line('β + 2σ', 'rgba(37,99,235,0.35)')); d.push(D.beta.upper);
      s.push(line('β − 2σ', 'rgba(37,99,235,0.35)')); d.push(D.beta.lower);
      bands.push({ series: [2, 3], fill: 'rgba(37,99,235,0.12)' });
    }
    chart('chart-beta', s, d, { bands: bands, scales: { x: { time: true }, y: yScale(d) } });
  })();

  // equity (growth of 1) and drawdown
  (function () {
    var e = D.equity, s = [line('this run', C.y)], d = [e.main];
    if (e.comparison) { s.push(line(e.comparisonLabel, C.x)); d.push(e.comparison); }
    chart('chart-equity', s, d);
    chart('chart-drawdown', [line('drawdown %', C.band, { fill: 'rgba(220,38,38,0.15)' })], [e.drawdown.map(function (v) { return v == null ? null : 100 * v; })]);
  })();
  ${TEAR_SHEET_JS}

})();
`;
