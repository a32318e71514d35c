/**
 * `kalrev fetch`: download bars from a provider into a file every kalrev command reads.
 * Parsing and printing only; the fetch is src/app/fetch.ts.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { fetchPrices } from '../app/fetch.js';
import { FETCH_INTERVALS, type FetchInterval } from '../data/fetch/index.js';
import { KalrevError } from '../errors.js';
import { progressBar } from '../scan/progress.js';
import { say, table, type OutputOptions } from './common.js';

interface FetchFlags extends OutputOptions {
  from: string;
  to?: string;
  interval: FetchInterval;
  provider: string;
  out: string;
  cache: string | boolean;
  baseUrl?: string;
  feed?: string;
  progress?: boolean;
  closes: 'both' | 'raw';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const dateFlag = (flag: string) => (v: string) => {
  if (
    !DATE.test(v) ||
    Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ||
    new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v
  )
    throw new InvalidArgumentError(`${flag} expects a date YYYY-MM-DD, got "${v}".`);
  return v;
};

const providerFlag = (v: string) => {
  if (!/^(yahoo|stooq|alpaca|ccxt:[a-z0-9_]+)$/.test(v))
    throw new InvalidArgumentError(
      `--provider expects yahoo, stooq, alpaca or ccxt:EXCHANGE (e.g. ccxt:binance), got "${v}".`,
    );
  return v;
};

const urlFlag = (v: string) => {
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    u = undefined;
  }
  if (u === undefined || (u.protocol !== 'http:' && u.protocol !== 'https:'))
    throw new InvalidArgumentError(`--base-url expects an http:// or https:// URL, got "${v}".`);
  return v;
};

export function fetchCommand(): Command {
  return new Command('fetch')
    .description('download bars from a provider into a CSV file or folder that every command reads')
    .argument(
      '<symbols...>',
      'symbols as the provider spells them (SPY; aapl.us at Stooq; BTC/USDT at an exchange)',
    )
    .requiredOption('--from <date>', 'first date, YYYY-MM-DD', dateFlag('--from'))
    .option('--to <date>', 'last date, YYYY-MM-DD (default: today)', dateFlag('--to'))
    .addOption(new Option('--interval <i>', 'bar interval').choices(FETCH_INTERVALS).default('1d'))
    .requiredOption('--provider <p>', 'yahoo, stooq, alpaca or ccxt:EXCHANGE', providerFlag)
    .requiredOption(
      '--out <path>',
      'a .csv or .parquet file (one long file), or a folder (one SYMBOL.csv per symbol)',
    )
    .option('--cache <dir>', 'cache folder (default: $KALREV_CACHE_DIR, else ~/.cache/kalrev/fetch)')
    .option('--no-cache', 'fetch everything again and keep nothing')
    .option('--base-url <url>', "the provider's address, in place of its public one", urlFlag)
    .addOption(
      new Option(
        '--closes <which>',
        'both: the close and the adjusted close (commands use it); raw: the close alone',
      )
        .choices(['both', 'raw'])
        .default('both'),
    )
    .addOption(new Option('--feed <feed>', "Alpaca's data feed").choices(['iex', 'sip']))
    .option('--progress', 'draw the progress bar even when stderr is not a terminal')
    .option('--json', 'print what was written as JSON')
    .option('--quiet', 'print nothing but errors')
    .action(async (symbols: string[], f: FetchFlags) => {
      const bar = progressBar('kalrev fetch', process.stderr, Boolean(f.progress) && !f.quiet);
      const quietBar = f.quiet || f.json;
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      let result;
      try {
        result = await fetchPrices({
          symbols,
          from: f.from,
          ...(f.to === undefined ? {} : { to: f.to }),
          interval: f.interval,
          provider: f.provider,
          out: f.out,
          closes: f.closes,
          ...(f.cache === false
            ? { cacheDir: false }
            : typeof f.cache === 'string'
              ? { cacheDir: f.cache }
              : {}),
          ...(f.baseUrl === undefined ? {} : { baseUrl: f.baseUrl }),
          ...(f.feed === undefined ? {} : { feed: f.feed }),
          signal: controller.signal,
          ...(quietBar && !f.progress ? {} : { onProgress: (p) => bar.update(p.done, p.total) }),
        });
      } catch (e) {
        if (controller.signal.aborted)
          throw new KalrevError(
            f.cache === false
              ? 'fetch interrupted (nothing was kept: --no-cache)'
              : 'fetch interrupted; the chunks already fetched are cached, and the same command resumes from there',
          );
        throw e;
      } finally {
        bar.finish();
        process.removeListener('SIGINT', stop);
      }
      if (f.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      const { symbols: rows } = result;
      say(
        f,
        `kalrev fetch: ${rows.length} ${rows.length === 1 ? 'symbol' : 'symbols'} from ${result.provider}, ${result.interval} bars → ${f.out} (${result.fetchedChunks} chunks fetched, ${result.cachedChunks} from the cache)`,
      );
      say(
        f,
        table([
          ['symbol', 'bars', 'first', 'last'],
          ...rows.map((r) => [r.symbol, String(r.bars), r.first, r.last]),
        ]),
      );
      say(f, `close: ${result.columns.close}`);
      if (result.columns.adjClose !== undefined)
        say(
          f,
          `adj close: ${result.columns.adjClose}; commands use it (the library reads close with adjusted: false)`,
        );
    });
}
