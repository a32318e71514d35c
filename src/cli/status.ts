/** `kalrev status`: positions, P&L, last bar and health of a paper run (a book's: every sleeve's), from its journal. */
import { Command } from 'commander';
import { JournalCorruptError } from '../live/errors.js';
import { journalStatus } from '../live/report.js';
import type { OutputOptions } from './common.js';

export function statusCommand(): Command {
  return new Command('status')
    .description('show a paper run: positions, P&L, last bar, health (reads the journal; safe while it runs)')
    .requiredOption('--state <file>', 'the journal of the run')
    .option('--json', 'print machine-readable JSON')
    .option('--quiet', 'print nothing but errors (a corrupt journal still exits with status 2)')
    .action((opts: OutputOptions & { state: string }) => {
      let s: ReturnType<typeof journalStatus>;
      try {
        s = journalStatus(opts.state);
      } catch (e) {
        // a monitor reading --json gets the corruption as data too; the exit status says it
        if (!(e instanceof JournalCorruptError) || !opts.json) throw e;
        console.log(JSON.stringify({ file: opts.state, health: 'corrupt', error: e.reason }, null, 2));
        process.exitCode = 2;
        return;
      }
      if (opts.json) {
        console.log(JSON.stringify(s, null, 2));
        return;
      }
      if (opts.quiet) return;
      const money = (x: number) =>
        x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      const why =
        s.health === 'halted'
          ? ` (the broker disagrees with the journal: ${s.halted})`
          : s.health === 'refusing'
            ? ` (orders refused on ${s.refusedSinceLastTrade} bars since the last trade)`
            : s.killed
              ? ` (killed: ${s.killed})`
              : '';
      console.log(
        `kalrev status: ${s.file}  health ${s.health}${why}  ${s.runningPid !== null ? `running (pid ${s.runningPid})` : 'not running'}`,
      );
      console.log(
        `bars      ${s.bars.live} live${s.bars.warmup ? ` + ${s.bars.warmup} warm-up` : ''}` +
          (s.lastBar ? `; last ${s.lastBar.time} (received ${s.lastBar.receivedAt})` : ''),
      );
      console.log(
        `positions ${Object.entries(s.positions)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join('  ')}`,
      );
      const held = Object.entries(s.brokerPositions);
      if (held.some(([k, v]) => Math.abs(v - s.positions[k]) > 1e-9 * Math.max(1, Math.abs(v))))
        console.log(`at broker ${held.map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ')}`);
      console.log(
        `equity    ${money(s.equity)}  P&L ${s.pnl >= 0 ? '+' : ''}${money(s.pnl)} on ${money(s.capital)}`,
      );
      if (s.book !== undefined) {
        const released = s.book.sleeves.filter((v) => v.released).length;
        console.log(
          `book      ${s.book.sleeves.length} sleeves${released > 0 ? ` (${released} released)` : ''}  free cash ${money(s.book.freeCash)}`,
        );
        s.book.sleeves.forEach((v, k) =>
          console.log(
            `sleeve ${k + 1}  ${v.pair}  weight ${+v.weight.toPrecision(6)}  equity ${money(v.equity)}  P&L ${v.pnl >= 0 ? '+' : ''}${money(v.pnl)} on ${money(v.capital)}  ${Object.entries(
              v.positions,
            )
              .map(([sym, q]) => `${sym} ${q.toFixed(4)}`)
              .join(
                '  ',
              )}  trades ${v.trades.total} (${v.trades.closed} closed)${v.released ? '  released' : ''}`,
          ),
        );
      }
      console.log(
        `orders    ${s.orders.total} (${s.orders.unfilled} unfilled)  fills ${s.fills}  trades ${s.trades.total} (${s.trades.closed} closed)`,
      );
      const ev = Object.entries(s.events);
      if (ev.length > 0) console.log(`events    ${ev.map(([k, n]) => `${k} ${n}`).join('  ')}`);
      for (const c of s.configChanges)
        console.log(
          `config    changed at ${c.at}${c.afterBar ? ` (after bar ${c.afterBar})` : ''}: ${Object.entries(
            c.changed,
          )
            .map(([k, v]) => `${k} ${JSON.stringify(v.from)} → ${JSON.stringify(v.to)}`)
            .join('; ')}`,
        );
    });
}
