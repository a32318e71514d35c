/** `kalrev status`: positions, P&L, last bar and health of a paper run, from its journal. */
import { Command } from 'commander';
import { journalStatus } from '../live/report.js';

export function statusCommand(): Command {
  return new Command('status')
    .description('show a paper run: positions, P&L, last bar, health (reads the journal; safe while it runs)')
    .requiredOption('--state <file>', 'the journal of the run')
    .option('--json', 'print machine-readable JSON')
    .action((opts: { state: string; json?: boolean }) => {
      const s = journalStatus(opts.state);
      if (opts.json) {
        console.log(JSON.stringify(s, null, 2));
        return;
      }
      const money = (x: number) =>
        x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      console.log(`kalrev status: ${s.file}  health ${s.health}${s.killed ? ` (killed: ${s.killed})` : ''}`);
      console.log(
        `bars      ${s.bars.live} live${s.bars.warmup ? ` + ${s.bars.warmup} warm-up` : ''}` +
          (s.lastBar ? `; last ${s.lastBar.time} (received ${s.lastBar.receivedAt})` : ''),
      );
      console.log(
        `positions ${Object.entries(s.positions)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join('  ')}`,
      );
      console.log(
        `equity    ${money(s.equity)}  P&L ${s.pnl >= 0 ? '+' : ''}${money(s.pnl)} on ${money(s.capital)}`,
      );
      console.log(
        `orders    ${s.orders.total} (${s.orders.unfilled} unfilled)  fills ${s.fills}  trades ${s.trades.total} (${s.trades.closed} closed)`,
      );
      const ev = Object.entries(s.events);
      if (ev.length > 0) console.log(`events    ${ev.map(([k, n]) => `${k} ${n}`).join('  ')}`);
    });
}
