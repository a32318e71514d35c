/**
 * `kalrev portfolio --data UNIVERSE (--pairs Y,X … | --select top:K)`: a book of pairs in one
 * account, fixed or selected walk-forward; prints its metrics and its best and worst pairs,
 * writes the output folder. Parsing and printing only (src/app/portfolio.ts does the work).
 */
import { Command } from 'commander';
import { LocalExecutor } from '../scan/executor.js';
import { progressBar } from '../scan/progress.js';
import { portfolioRun, writePortfolioFolder } from '../app/portfolio.js';
import { metricsObject } from '../report/writers.js';
import { metricsTable } from './backtest.js';
import { packageVersion } from './paths.js';
import { addExecutorOptions, executorFrom, specLayers } from './scan.js';
import { addSpecFlags } from './specFlags.js';

interface PortfolioFlags {
  config?: string;
  out: string;
  threads?: number;
  queue?: string;
  prefix: string;
  json?: boolean;
  quiet?: boolean;
}

export function portfolioCommand(): Command {
  const command = new Command('portfolio')
    .description('a book of pairs in one account: fixed pairs, or the best K selected walk-forward')
    .option(
      '--config <file>',
      'a JSON run spec with a "portfolio" section (as the run.json a portfolio writes)',
    );
  addSpecFlags(command, 'portfolio').option('--out <dir>', 'output folder', 'out/portfolio');
  return addExecutorOptions(command, 'the selection').action(async (f: PortfolioFlags, cmd: Command) => {
    const layers = specLayers(f.config, cmd, 'portfolio');
    const executor = await executorFrom(f);
    try {
      if (executor instanceof LocalExecutor) executor.start();
      const bar = progressBar('selection');
      const r = await portfolioRun(layers, executor, f.quiet || f.json ? undefined : bar.update);
      bar.finish();
      const files = writePortfolioFolder(f.out, r, packageVersion());
      const book = r.book;
      const byPair = new Map<string, { pnl: number; trades: number }>();
      for (const s of book.sleeves) {
        const key = `${s.y}/${s.x}`;
        const a = byPair.get(key) ?? { pnl: 0, trades: 0 };
        a.pnl += s.pnl;
        a.trades += s.trades.length;
        byPair.set(key, a);
      }
      const ranked = [...byPair].sort((a, b) => b[1].pnl - a[1].pnl);
      const summary = {
        from: r.frame.date(book.from),
        to: r.frame.date(r.frame.length - 1),
        periods: r.periods?.length ?? 0,
        sleeves: book.sleeves.length,
        pairs: byPair.size,
        finalEquity: book.equity[book.equity.length - 1],
        metrics: metricsObject(book.metrics, book),
        pnlByPair: Object.fromEntries(ranked.map(([k, v]) => [k, v])),
        files,
      };
      if (f.json) console.log(JSON.stringify(summary, null, 2));
      else if (!f.quiet) {
        for (const rep of r.repairs) console.error(`repair: ${rep.message}`);
        if (r.sessions) console.error(`session: ${r.sessions.message}`);
        console.log(
          `kalrev portfolio: ${summary.sleeves} sleeves on ${summary.pairs} pairs, ${summary.from} … ${summary.to}${r.periods ? `, ${r.periods.length} selections` : ''}`,
        );
        console.log(metricsTable([{ title: ['book'], metrics: book.metrics }]));
        if (book.ruined)
          console.log(`  the book was ruined on ${r.frame.date(book.ruinBar)} (equity reached zero)`);
        const show = (list: typeof ranked) =>
          list.map(([k, v]) => `    ${k}  P&L ${v.pnl.toFixed(0)}  trades ${v.trades}`).join('\n');
        console.log(`  best pairs:\n${show(ranked.slice(0, 5))}`);
        if (ranked.length > 5) console.log(`  worst pairs:\n${show(ranked.slice(-3))}`);
        console.log(`  wrote ${files.join(', ')}`);
      }
    } finally {
      await executor.close();
    }
  });
}
