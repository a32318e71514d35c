/**
 * The live dashboard's page: one self-contained HTML document (uPlot and the report's chart core
 * inlined, no request to another origin) that subscribes to its server's event stream (`/events`)
 * and draws what the stream sends (src/live/dashboardState.ts `DashboardView`): equity, P&L,
 * positions, open orders, recent fills, the risk limits and recent risk events, the feed's
 * health, the latest z-score with its bands, a book's sleeves, and a halt. Every string it shows
 * comes from the stream and is put in the page as text (`textContent`), never as markup: symbol
 * names and file names are the user's.
 */
import { CHART_CORE_JS, CLIENT_CSS } from './client.js';
import { uplotAssets } from './html.js';

const DASHBOARD_CSS = `
.bar{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.badge{border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;background:#e5e7eb}
.badge.ok,.badge.live{background:#dcfce7;color:#166534}.badge.halted,.badge.killed,.badge.stopped{background:#fee2e2;color:#991b1b}
.badge.stale,.badge.refusing,.badge.reconnecting{background:#fef3c7;color:#92400e}
#halt{display:none;background:#fee2e2;color:#991b1b;border:1px solid #fca5a5;border-radius:8px;padding:8px 12px;margin:8px 0;font-weight:600}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:0 12px}
td{white-space:nowrap}.scroll{max-height:320px}
td.l,th.l{text-align:left}.pos{color:#16a34a}.neg{color:#dc2626}
`;

/** The page's script: the chart core, then the stream's client. */
const DASHBOARD_JS = String.raw`
(function () {
  ${CHART_CORE_JS}
  var C = ['#2563eb', '#d97706', '#7c3aed', '#059669', '#db2777', '#0891b2', '#65a30d', '#6b7280'];
  var V = null;
  var S = { times: [], equity: [], z: [] };
  window.kalrevDashboard = { updates: 0, snapshots: 0 };

  function $(id) { return document.getElementById(id); }
  function text(id, s) { var e = $(id); if (e) e.textContent = s; }
  function money(x) { return x == null ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
  // rounding residue of summed fills (−9e-13) shows as 0, not −0.0000
  function num(x, d) { if (x == null) return '–'; d = d == null ? 4 : d; var v = Number(x); return (Math.abs(v) < 0.5 * Math.pow(10, -d) ? 0 : v).toFixed(d); }
  function iso(ms) { return ms == null ? '–' : new Date(ms).toISOString().replace('T', ' ').replace('.000Z', 'Z'); }
  // a bar's time: the date alone for a daily bar stamped at midnight UTC
  function barTime(ms) { return ms != null && ms % 86400000 === 0 ? new Date(ms).toISOString().slice(0, 10) : iso(ms); }
  function ago(ms) { if (ms == null) return '–'; var s = Math.round(ms / 1000); return s < 120 ? s + ' s' : s < 7200 ? Math.round(s / 60) + ' min' : Math.round(s / 3600) + ' h'; }
  function badge(id, label, cls) { var e = $(id); if (!e) return; e.textContent = label; e.className = 'badge ' + cls; }
  // a table body from rows of cell texts; a cell may be {t: text, c: class}
  function rows(id, list, empty) {
    var body = $(id); if (!body) return;
    while (body.firstChild) body.removeChild(body.firstChild);
    if (!list.length) { var tr0 = document.createElement('tr'), td0 = document.createElement('td'); td0.className = 'l muted'; td0.colSpan = 12; td0.textContent = empty; tr0.appendChild(td0); body.appendChild(tr0); return; }
    list.forEach(function (cells) {
      var tr = document.createElement('tr');
      cells.forEach(function (c, k) {
        var td = document.createElement('td');
        if (c !== null && typeof c === 'object') { td.textContent = c.t; if (c.c) td.className = c.c; }
        else { td.textContent = c == null ? '–' : String(c); if (k === 0) td.className = 'l'; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }
  function signedCell(x, d) { var t = num(x, d), v = Number(t); return { t: (v > 0 ? '+' : '') + t, c: v > 0 ? 'pos' : v < 0 ? 'neg' : '' }; }

  function drawCharts() {
    charts.forEach(function (u) { u.destroy(); });
    charts.length = 0;
    D.times = S.times;
    if (!S.times.length) return;
    T0 = S.times[0]; T1 = S.times[S.times.length - 1];
    chart('chart-equity', [line('equity', C[0])], [S.equity], { axes: [{}, { size: 80 }], scales: { x: { time: true }, y: yScale([S.equity]) } });
    var s = [], d = [];
    var labels = (V && V.z) || [];
    S.z.forEach(function (z, i) { s.push(line('z ' + (labels[i] ? labels[i].label : i + 1), C[i % C.length])); d.push(z); });
    var b = V && V.bands;
    if (b) {
      s.push(dashed('+entry', '#dc2626', { quiet: true })); d.push(constant(b.entry));
      s.push(dashed('−entry', '#dc2626', { quiet: true })); d.push(constant(-b.entry));
      if (b.exit !== b.entry) {
        s.push(dashed('+exit', '#059669', { quiet: true })); d.push(constant(b.exit));
        s.push(dashed('−exit', '#059669', { quiet: true })); d.push(constant(-b.exit));
      }
    }
    chart('chart-z', s, d, { scales: { x: { time: true }, y: yScale(S.z.concat(b ? [[b.entry * 1.5, -b.entry * 1.5]] : [])) } });
  }

  function appendSeries(a) {
    if (!a || !a.times.length) return;
    var fresh = !S.times.length || S.z.length !== a.z.length;
    Array.prototype.push.apply(S.times, a.times);
    Array.prototype.push.apply(S.equity, a.equity);
    a.z.forEach(function (z, i) { if (!S.z[i]) S.z[i] = []; Array.prototype.push.apply(S.z[i], z); });
    if (fresh || charts.length < 2) { drawCharts(); return; }
    D.times = S.times; T0 = S.times[0]; T1 = S.times[S.times.length - 1];
    charts[0].setData([S.times, S.equity]);
    var b = V && V.bands, zd = [S.times].concat(S.z);
    if (b) { zd.push(constant(b.entry), constant(-b.entry)); if (b.exit !== b.entry) zd.push(constant(b.exit), constant(-b.exit)); }
    charts[1].setData(zd);
  }

  function render(v) {
    V = v;
    var st = v.status;
    text('file', v.file);
    if (!st) { badge('health', 'waiting', ''); text('title', 'kalrev live'); text('waiting', 'no run in this journal yet'); return; }
    text('waiting', '');
    var title = 'kalrev live · ' + st.symbols.join('/') + (st.book ? ' (book of ' + st.book.sleeves.length + ' pairs)' : '');
    text('title', title);
    document.title = title;
    badge('health', st.health, st.health);
    text('running', st.runningPid != null ? 'engine running (pid ' + st.runningPid + ')' : 'engine not running');
    var h = $('halt');
    if (st.halted) { h.style.display = 'block'; h.textContent = 'HALTED: the broker disagrees with the journal (' + st.halted + '). Nothing more is traded until the account matches and the run is restarted.'; }
    else h.style.display = 'none';
    text('killed', st.killed ? 'kill switch: ' + st.killed : '');
    text('equity', money(st.equity));
    var pnl = $('pnl'); pnl.textContent = (st.pnl >= 0 ? '+' : '') + money(st.pnl); pnl.className = 'value ' + (st.pnl > 0 ? 'pos' : st.pnl < 0 ? 'neg' : '');
    text('capital', money(st.capital));
    text('bars', String(st.bars.live) + (st.bars.warmup ? ' + ' + st.bars.warmup + ' warm-up' : ''));
    text('last-bar', st.lastBar ? iso(Date.parse(st.lastBar.time)) : '–');
    text('broker', st.broker || '–');
    text('trades', st.trades.total + ' (' + st.trades.closed + ' closed)');
    // positions: the account's, the broker's (by its fills) and the last close
    rows('positions', st.symbols.map(function (s, i) {
      var a = st.positions[s], b = st.brokerPositions[s];
      return [s, signedCell(a, 4), { t: num(b, 4), c: Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(b)) ? 'neg' : '' }, st.lastBar ? num(st.lastBar.close[i], 4) : '–'];
    }), 'no symbols');
    // the z-score now, with its bands
    var b = v.bands;
    text('bands', b ? 'entry ±' + b.entry + ', exit ±' + b.exit + (b.stop != null ? ', stop ±' + b.stop : '') : 'this rule has no bands');
    rows('zs', v.z.map(function (z) {
      var where = z.value == null || !b ? '' : Math.abs(z.value) >= (b.stop != null ? b.stop : Infinity) ? 'beyond stop' : Math.abs(z.value) >= b.entry ? 'beyond entry' : Math.abs(z.value) <= b.exit ? 'inside exit' : 'between bands';
      return [z.label, signedCell(z.value, 3), where];
    }), 'no z-score yet');
    // a book's sleeves
    var sl = $('sleeves-section');
    if (st.book) {
      sl.style.display = '';
      text('free-cash', money(st.book.freeCash));
      var list = [];
      st.book.sleeves.forEach(function (s, k) { if (s) list.push([s, k]); });
      rows('sleeves', list.map(function (e) {
        var s = e[0], k = e[1];
        var z = v.z[k] ? v.z[k].value : null;
        return [s.pair + (s.released ? ' (released)' : ''), num(s.weight, 3), money(s.equity), signedCell(s.pnl, 2), Object.keys(s.positions).map(function (p) { return p + ' ' + num(s.positions[p], 2); }).join('  '), signedCell(z, 3), s.trades.total + ' (' + s.trades.closed + ')'];
      }), 'no sleeves');
    } else sl.style.display = 'none';
    rows('orders', v.openOrders.map(function (o) {
      return [o.clientId, o.symbol, signedCell(o.shares, 4), num(o.filled || 0, 4), o.status, barTime(o.time)];
    }), 'no open order');
    rows('fills', v.fills.map(function (f) {
      return [barTime(f.time), f.symbol, signedCell(f.shares, 4), num(f.price, 4), num(f.commission, 2), f.clientId];
    }), 'no fill yet');
    var lim = v.risk.limits, names = Object.keys(lim).filter(function (k) { return lim[k] != null; });
    var bl = v.risk.book || {}, bnames = Object.keys(bl).filter(function (k) { return bl[k] != null; });
    rows('risk', names.map(function (k) { return [k, String(lim[k])]; }).concat(bnames.map(function (k) { return ['book ' + k, String(bl[k])]; })), 'no risk limit set');
    rows('events', v.events.map(function (e) {
      var d = e.detail || {};
      var why = d.reason || d.kind || (e.kind === 'halt' ? 'broker mismatch' : '');
      return [iso(e.at), e.kind, typeof why === 'string' ? why : JSON.stringify(why), barTime(e.time)];
    }), 'no event');
    var f = v.feed;
    text('feed-last', iso(f.lastBarTime));
    text('feed-received', iso(f.receivedAt));
    text('feed-silent', ago(f.silentMs));
    text('feed-limit', f.staleAfterMs == null ? 'not set' : ago(f.staleAfterMs));
    text('feed-state', f.stale ? 'stale' : f.lastBarTime == null ? 'no bar yet' : 'ok');
    text('feed-stale-events', String(f.staleEvents));
    text('updated', iso(v.at));
  }

  function connect() {
    var es = new EventSource('events');
    es.addEventListener('open', function () { badge('conn', 'live', 'live'); });
    es.addEventListener('error', function () { badge('conn', 'reconnecting…', 'reconnecting'); });
    es.addEventListener('snapshot', function (m) {
      var v = JSON.parse(m.data);
      S = { times: [], equity: [], z: [] };
      V = v;
      appendSeries(v.series);
      render(v);
      window.kalrevDashboard.snapshots++;
    });
    es.addEventListener('update', function (m) {
      var v = JSON.parse(m.data);
      V = v;
      appendSeries(v.series);
      render(v);
      window.kalrevDashboard.updates++;
    });
    es.addEventListener('end', function (m) {
      var d = JSON.parse(m.data);
      badge('conn', 'engine stopped: ' + d.reason, 'stopped');
    });
  }
  connect();
})();
`;

let cached: string | undefined;

/** The dashboard's page (the same for every run: the data comes from the event stream). */
export function renderDashboardPage(): string {
  if (cached !== undefined) return cached;
  const { js, css } = uplotAssets();
  const table = (id: string, heads: string[]) =>
    `<table><thead><tr>${heads.map((h, k) => `<th${k === 0 ? ' class="l"' : ''}>${h}</th>`).join('')}</tr></thead><tbody id="${id}"></tbody></table>`;
  cached = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>kalrev live</title>
<link rel="icon" href="data:,">
<style>${css}</style>
<style>${CLIENT_CSS}${DASHBOARD_CSS}</style>
</head><body>
<header>
<div class="bar"><h1 id="title">kalrev live</h1><span id="health" class="badge">…</span><span id="conn" class="badge reconnecting">connecting…</span></div>
<p class="muted"><span id="file"></span> · <span id="running"></span> · updated <span id="updated">–</span> <span id="waiting"></span></p>
<div id="halt" role="alert"></div>
<p id="killed" class="neg"></p>
<div class="metrics">
<div class="metric"><span class="label">equity</span><span class="value" id="equity">–</span></div>
<div class="metric"><span class="label">P&amp;L</span><span class="value" id="pnl">–</span></div>
<div class="metric"><span class="label">capital</span><span class="value" id="capital">–</span></div>
<div class="metric"><span class="label">live bars</span><span class="value" id="bars">–</span></div>
<div class="metric"><span class="label">last bar</span><span class="value" id="last-bar">–</span></div>
<div class="metric"><span class="label">broker</span><span class="value" id="broker">–</span></div>
<div class="metric"><span class="label">trades</span><span class="value" id="trades">–</span></div>
</div>
</header>
<main>
<div class="grid">
<section><h2>Positions</h2>${table('positions', ['symbol', 'account', 'at broker', 'last close'])}</section>
<section><h2>z-score now</h2><p class="muted" id="bands"></p>${table('zs', ['pair', 'z', 'where'])}</section>
</div>
<section id="sleeves-section" style="display:none"><h2>Sleeves</h2><p class="muted">free cash <span id="free-cash"></span></p>${table('sleeves', ['pair', 'weight', 'equity', 'P&amp;L', 'positions', 'z', 'trades (closed)'])}</section>
<section><h2>Equity</h2><div class="chart short" id="chart-equity"></div></section>
<section><h2>z-score and bands</h2><div class="chart short" id="chart-z"></div></section>
<div class="grid">
<section><h2>Open orders</h2><div class="scroll">${table('orders', ['id', 'symbol', 'shares', 'filled', 'status', 'bar'])}</div></section>
<section><h2>Recent fills</h2><div class="scroll">${table('fills', ['bar', 'symbol', 'shares', 'price', 'commission', 'order'])}</div></section>
<section><h2>Risk limits</h2>${table('risk', ['limit', 'value'])}</section>
<section><h2>Recent events</h2><div class="scroll">${table('events', ['at', 'kind', 'why', 'bar'])}</div></section>
<section><h2>Feed</h2><table class="stats"><tbody>
<tr><td>state</td><td id="feed-state">–</td></tr>
<tr><td>last bar</td><td id="feed-last">–</td></tr>
<tr><td>received</td><td id="feed-received">–</td></tr>
<tr><td>silent for</td><td id="feed-silent">–</td></tr>
<tr><td>stale after</td><td id="feed-limit">–</td></tr>
<tr><td>stale events</td><td id="feed-stale-events">–</td></tr>
</tbody></table></section>
</div>
</main>
<script type="application/json" id="kalrev-data">{"times":[]}</script>
<script>${js}</script>
<script>${DASHBOARD_JS}</script>
</body></html>
`;
  return cached;
}
