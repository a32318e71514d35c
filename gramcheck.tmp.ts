import { fitLagsGram, prepareAdf } from './src/stats/adfRegression.js';
import { fixtureFiles, loadCases } from './test/stats/fixtures.js';
let nulls = 0, total = 0;
for (const f of fixtureFiles('adfuller_')) for (const c of loadCases<any, any, any>(f)) {
  for (const reg of ['n','c','ct','ctt'] as const) {
    const d = prepareAdf(Float64Array.from(c.input.x), reg);
    total++;
    if (fitLagsGram(d, 10, 10, true, 'x') === null) { nulls++; console.log('null', c.id, reg); }
  }
}
console.log(nulls, total);
