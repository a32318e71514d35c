import { adfCore } from './src/stats/adf.js';
import { fixtureFiles, loadCases, mismatch } from './test/stats/fixtures.js';
let worst = 0;
for (const f of fixtureFiles('adfuller_')) {
  for (const c of loadCases<any, any, any>(f)) {
    for (const forceQr of [false, true]) {
      const r = adfCore(Float64Array.from(c.input.x), { maxlag: c.args.maxlag, regression: c.args.regression, autolag: c.args.autolag }, 'adfuller', forceQr);
      const e = c.expected;
      const rel = Math.abs(r.statistic - e.adfstat) / Math.abs(e.adfstat);
      worst = Math.max(worst, rel);
      const errs = [mismatch(r.statistic, e.adfstat, 1e-8, 0), mismatch(r.pvalue, e.pvalue, 0, 1e-8), r.usedLag === e.usedlag ? null : `lag ${r.usedLag} vs ${e.usedlag}`, r.nobs === e.nobs ? null : 'nobs',
        e.icbest === null ? (r.icbest === null ? null : 'icbest') : mismatch(r.icbest!, e.icbest, 1e-10, 1e-10), mismatch(r.gamma, e.gamma, 1e-8, 0), mismatch(r.gammaSe, e.gamma_se, 1e-8, 0), mismatch(r.criticalValues['5%'], e.critvalues['5%'], 1e-12, 0)].filter(Boolean);
      if (errs.length) console.log(c.id, forceQr, errs.join(' | '));
    }
  }
}
console.log('worst rel stat', worst);
