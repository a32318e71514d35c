/**
 * A paper-trading session from its parts: the journal, the broker chosen by name (the paper
 * broker keeps its book in the same database), the runner (restored from the journal), the
 * assembler and a feed named as on the command line (`csv:PATH`, `stdin`, `ws://…`). What
 * `kalrev paper` runs.
 */
import type Database from 'better-sqlite3';
import type { Broker } from '../execution/broker.js';
import { BarAssembler, type AssemblerStats } from './assembler.js';
import { PaperBroker } from './broker.js';
import type { PaperConfig } from './config.js';
import { LiveConfigError } from './errors.js';
import { csvFeedSymbols, csvReplayFeed, ndjsonFeed, wsFeed, type Feed, type WsMapping } from './feeds.js';
import { guardJournal, Journal, journalFailure } from './journal.js';
import type { Logger } from './logger.js';
import { PaperRunner, type RunnerHooks } from './runner.js';
import { AlpacaBroker } from './venues/alpacaBroker.js';
import { alpacaBarFeed, alpacaFeedSymbols } from './venues/alpacaFeed.js';
import { resolveAlpacaSettings, type AlpacaFlags } from './venues/alpacaSettings.js';
import type { Backoff, Pause } from './venues/http.js';
import { CcxtBroker } from './venues/ccxtBroker.js';
import { ccxtBarFeed, ccxtFeedSpec } from './venues/ccxtFeed.js';
import { openCcxtExchange, type CcxtFlags } from './venues/ccxtVenue.js';

/** What a broker is built from: the run's configuration, the journal (and its database), the clock, the venue settings. */
export interface BrokerContext {
  config: PaperConfig;
  db: Database.Database;
  clock: () => number;
  journal: Journal;
  logger: Logger;
  venue: VenueOptions;
}

/**
 * How to reach a real venue: the environment its keys and endpoints come from (default
 * `process.env`), the flags that override them, and the pause of retries and reconnections.
 */
export interface VenueOptions {
  env?: Readonly<Record<string, string | undefined>>;
  alpaca?: AlpacaFlags;
  ccxt?: CcxtFlags & {
    /** ccxt's own request throttle (default on; it paces on the wall clock). */
    throttle?: boolean;
  };
  pause?: Pause;
  backoff?: Backoff;
  /** The pause between two polls of a polled feed (`ccxt:…`; default 5 s of the wall clock). */
  poll?: Pause;
}

const ccxtExchange = (id: string, venue: VenueOptions, keys: boolean, parameter: string) =>
  openCcxtExchange(id, {
    env: venue.env ?? process.env,
    flags: venue.ccxt,
    keys,
    throttle: venue.ccxt?.throttle,
    parameter,
  });

const ccxtBroker =
  (id: string): BrokerFactory =>
  ({ config, journal, logger, venue }) =>
    new CcxtBroker({
      exchange: ccxtExchange(id, venue, true, '--broker'),
      symbols: config.symbols,
      journal,
      logger,
      pause: venue.pause,
      backoff: venue.backoff,
      live: venue.ccxt?.live === true,
    });

const alpacaSettings = (venue: VenueOptions) => resolveAlpacaSettings(venue.env ?? process.env, venue.alpaca);

/** Builds a broker for a session. */
export type BrokerFactory = (context: BrokerContext) => Broker;

/** The brokers `--broker` can name. */
export const BROKERS: Readonly<Record<string, BrokerFactory>> = {
  paper: ({ db, config, clock }) => new PaperBroker(db, config.options, clock),
  alpaca: ({ config, journal, logger, venue }) =>
    new AlpacaBroker({
      settings: alpacaSettings(venue),
      symbols: config.symbols,
      journal,
      logger,
      pause: venue.pause,
      backoff: venue.backoff,
      shorts: true,
    }),
};

/**
 * The factory of a broker named on the command line.
 * @throws LiveConfigError naming `--broker` and the known names.
 */
export function brokerFactory(name: string): BrokerFactory {
  if (name.startsWith('ccxt:')) return ccxtBroker(name.slice(5));
  const make = Object.hasOwn(BROKERS, name) ? BROKERS[name] : undefined;
  if (make === undefined)
    throw new LiveConfigError(
      '--broker',
      `unknown broker "${name}" (known: ${[...Object.keys(BROKERS), 'ccxt:EXCHANGE'].join(', ')})`,
    );
  return make;
}

/** Options of {@link openPaperSession}: the configuration, the journal file, the feed and the logger. */
export interface PaperSessionOptions {
  config: PaperConfig;
  /** The broker: a name of {@link BROKERS} or a factory (default: the configuration's broker, `paper`). */
  broker?: string | BrokerFactory;
  /** The journal file (created if missing). */
  state: string;
  /** `csv:PATH`, `stdin`, or a `ws://` / `wss://` URL. */
  feed: string;
  logger: Logger;
  /** CSV of history to warm the strategy up with before the first live bar (first start only). */
  warmup?: string;
  /** Pause between timestamps of a CSV replay (ms); never on rows already journaled. */
  paceMs?: number;
  wsMapping?: Partial<WsMapping>;
  wsSubscribe?: string;
  clock?: () => number;
  hooks?: RunnerHooks;
  stdin?: NodeJS.ReadableStream;
  /** The pause of a paced replay (tests drive it without the clock). */
  sleep?: (ms: number) => Promise<unknown>;
  /** How to reach a real venue (`--broker alpaca`, `--feed alpaca:…`). */
  venue?: VenueOptions;
}

/** An open paper-trading session: its runner, bar assembler, journal and broker, ready to run. */
export interface PaperSession {
  runner: PaperRunner;
  assembler: BarAssembler;
  journal: Journal;
  broker: Broker;
  /**
   * Runs the warm-up (if any, and not done yet) and then the feed to its end or a stop;
   * resolves to what the feed's messages came to.
   */
  run(signal?: AbortSignal): Promise<AssemblerStats>;
  close(): void;
}

const isCsv = (spec: string) => spec.startsWith('csv:');
const isStream = (spec: string) =>
  spec === 'stdin' || spec === '-' || spec.startsWith('ws://') || spec.startsWith('wss://');
const FEED_FORMS = 'csv:PATH, stdin, a ws:// URL, alpaca:SYMBOLS or ccxt:EXCHANGE:SYMBOLS';

/** The symbols a venue feed subscribes to (null for another feed). */
const venueFeedSymbols = (spec: string): string[] | null =>
  alpacaFeedSymbols(spec) ?? ccxtFeedSpec(spec)?.symbols ?? null;

/**
 * Checks a feed named on the command line before anything is opened: its form, and for a CSV
 * file (whose symbols are known) that it carries every symbol the strategy (or `trader`, e.g.
 * "the book") trades.
 * @throws LiveConfigError naming `--feed` / `--warmup`, the file and the missing symbol.
 */
export function checkFeed(
  spec: string,
  symbols: readonly string[],
  parameter = '--feed',
  trader = 'the strategy',
): void {
  const venueSymbols = venueFeedSymbols(spec);
  if (venueSymbols !== null) {
    const missing = symbols.filter((s) => !venueSymbols.includes(s));
    if (missing.length > 0)
      throw new LiveConfigError(
        parameter,
        `${spec} does not subscribe to ${missing.map((s) => `"${s}"`).join(', ')} (${trader} trades ${symbols.join(', ')})`,
      );
    return;
  }
  if (!isCsv(spec) && !isStream(spec))
    throw new LiveConfigError(parameter, `expected ${FEED_FORMS}, got "${spec}"`);
  if (isCsv(spec)) checkCsvSymbols(spec.slice(4), symbols, parameter, trader);
}

function checkCsvSymbols(file: string, symbols: readonly string[], parameter: string, trader: string): void {
  const has = csvFeedSymbols(file, parameter);
  const missing = symbols.filter((s) => !has.includes(s));
  if (missing.length > 0)
    throw new LiveConfigError(
      parameter,
      `${file} has no ${missing.map((s) => `"${s}"`).join(', ')} (${trader} trades ${symbols.join(', ')}; the file has ${has.slice(0, 12).join(', ')}${has.length > 12 ? ', …' : ''})`,
    );
}

export function makeFeed(
  spec: string,
  options: PaperSessionOptions & { signal?: AbortSignal; unpacedUpTo?: number },
): Feed {
  if (isCsv(spec))
    return csvReplayFeed(spec.slice(4), {
      paceMs: options.paceMs,
      unpacedUpTo: options.unpacedUpTo,
      symbols: options.config.symbols,
      signal: options.signal,
      parameter: '--feed',
      sleep: options.sleep,
    });
  if (spec === 'stdin' || spec === '-')
    return ndjsonFeed((options.stdin ?? process.stdin) as import('node:stream').Readable, 'stdin');
  if (spec.startsWith('ws://') || spec.startsWith('wss://'))
    return wsFeed(spec, {
      mapping: options.wsMapping,
      subscribe: options.wsSubscribe,
      logger: options.logger,
      signal: options.signal,
    });
  const venueSymbols = alpacaFeedSymbols(spec);
  if (venueSymbols !== null) {
    const venue = options.venue ?? {};
    return alpacaBarFeed(alpacaSettings(venue), venueSymbols, {
      logger: options.logger,
      signal: options.signal,
      pause: venue.pause,
      backoff: venue.backoff,
    });
  }
  const ccxtFeed = ccxtFeedSpec(spec);
  if (ccxtFeed !== null) {
    const venue = options.venue ?? {};
    const poll = venue.poll;
    return ccxtBarFeed(ccxtExchange(ccxtFeed.exchange, venue, false, '--feed'), ccxtFeed.symbols, {
      logger: options.logger,
      signal: options.signal,
      pause: venue.pause,
      poll: poll === undefined ? undefined : () => poll(0),
      backoff: venue.backoff,
    });
  }
  throw new LiveConfigError('--feed', `expected ${FEED_FORMS}, got "${spec}"`);
}

/**
 * Opens a session: checks the feed (and warm-up file), takes the journal's lock, restores the
 * runner from it.
 * @throws LiveConfigError for a bad feed or an unknown broker, JournalLockedError when another process runs on the
 * journal, JournalCorruptError for a damaged or hand-edited one.
 */
export function openPaperSession(options: PaperSessionOptions): PaperSession {
  const makeBroker =
    typeof options.broker === 'function'
      ? options.broker
      : brokerFactory(options.broker ?? options.config.broker ?? 'paper');
  const trader = options.config.book !== undefined ? 'the book' : 'the strategy';
  checkFeed(options.feed, options.config.symbols, '--feed', trader);
  if (options.warmup !== undefined)
    checkCsvSymbols(options.warmup, options.config.symbols, '--warmup', trader);
  // a venue's keys and endpoints are checked before the journal is created
  const named = typeof options.broker === 'function' ? null : (options.broker ?? options.config.broker);
  const venue = options.venue ?? {};
  if ((named === 'alpaca' || named?.startsWith('ccxt:')) && isCsv(options.feed))
    throw new LiveConfigError(
      '--feed',
      `a CSV replay is history, and broker ${named} would fill its orders at today's prices: trade a venue on a live feed (alpaca:…, ccxt:…, ws://…, stdin), or replay with --broker paper`,
    );
  if (named === 'alpaca' || alpacaFeedSymbols(options.feed) !== null) alpacaSettings(venue);
  if (named?.startsWith('ccxt:')) ccxtExchange(named.slice(5), venue, true, '--broker');
  const feedExchange = ccxtFeedSpec(options.feed);
  if (feedExchange !== null) ccxtExchange(feedExchange.exchange, venue, false, '--feed');
  const clock = options.clock ?? Date.now;
  const file = options.state;
  const journal = new Journal(file, { lock: true, clock });
  try {
    return guardJournal(file, () => {
      const broker = makeBroker({
        db: journal.db,
        config: options.config,
        clock,
        journal,
        logger: options.logger,
        venue: options.venue ?? {},
      });
      const runner = new PaperRunner({
        config: options.config,
        journal,
        broker,
        logger: options.logger,
        clock,
        hooks: options.hooks,
        replay: isCsv(options.feed),
      });
      if (journal.takenOver !== null)
        options.logger.warn(
          { event: 'lock-taken-over', pid: journal.takenOver.pid },
          `the journal's previous holder (pid ${journal.takenOver.pid}) is gone: lock taken over`,
        );
      const assembler = new BarAssembler(
        options.config.symbols,
        options.config.pairing,
        options.logger,
        runner.lastTime,
        clock,
      );
      return {
        runner,
        assembler,
        journal,
        broker,
        async run(signal?: AbortSignal) {
          try {
            await runner.start();
            if (options.warmup !== undefined && runner.liveBars === 0) {
              const warm = new BarAssembler(
                options.config.symbols,
                options.config.pairing,
                options.logger,
                runner.lastTime,
                clock,
              );
              for await (const msg of csvReplayFeed(options.warmup, {
                symbols: options.config.symbols,
                parameter: '--warmup',
              }))
                for (const bar of warm.push(msg)) runner.warmup(bar);
              options.logger.info(
                { event: 'warmed-up', bars: runner.seq },
                `warmed up on ${runner.seq} bars`,
              );
            }
            // live bars must come after the warm-up's
            const live =
              runner.lastTime > assembler.resumeAfter
                ? new BarAssembler(
                    options.config.symbols,
                    options.config.pairing,
                    options.logger,
                    runner.lastTime,
                    clock,
                  )
                : assembler;
            const feed = makeFeed(options.feed, { ...options, signal, unpacedUpTo: runner.lastTime });
            await runner.run(feed, live, { signal });
            options.logger.info({ event: 'feed-ended', stats: live.stats, bars: runner.seq }, 'feed ended');
            const unseen = live.unseenSymbols();
            // a stream's symbols are not known in advance: say so when one never came
            if (unseen.length > 0 && !runner.stopped && !signal?.aborted)
              options.logger.warn(
                { event: 'feed-symbol-missing', missing: unseen, feed: options.feed },
                `the feed ended without a bar for ${unseen.join(', ')}: nothing was traded on it (check --feed and the symbols)`,
              );
            return live.stats;
          } catch (e) {
            throw journalFailure(file, e);
          }
        },
        close() {
          broker.close?.();
          journal.close();
        },
      };
    });
  } catch (e) {
    journal.close();
    throw e;
  }
}
