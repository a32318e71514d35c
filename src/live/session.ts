/**
 * A paper-trading session from its parts: the journal, the paper broker in the same database,
 * the runner (restored from the journal), the assembler and a feed named as on the command line
 * (`csv:PATH`, `stdin`, `ws://…`). What `kalrev paper` runs.
 */
import { BarAssembler } from './assembler.js';
import { PaperBroker } from './broker.js';
import type { PaperConfig } from './config.js';
import { LiveConfigError } from './errors.js';
import { csvReplayFeed, ndjsonFeed, wsFeed, type Feed, type WsMapping } from './feeds.js';
import { Journal } from './journal.js';
import type { Logger } from './logger.js';
import { PaperRunner, type RunnerHooks } from './runner.js';

export interface PaperSessionOptions {
  config: PaperConfig;
  /** The journal file (created if missing). */
  state: string;
  /** `csv:PATH`, `stdin`, or a `ws://` / `wss://` URL. */
  feed: string;
  logger: Logger;
  /** CSV of history to warm the strategy up with before the first live bar (first start only). */
  warmup?: string;
  /** Pause between timestamps of a CSV replay (ms). */
  paceMs?: number;
  wsMapping?: Partial<WsMapping>;
  wsSubscribe?: string;
  clock?: () => number;
  hooks?: RunnerHooks;
  stdin?: NodeJS.ReadableStream;
}

export interface PaperSession {
  runner: PaperRunner;
  assembler: BarAssembler;
  journal: Journal;
  broker: PaperBroker;
  /** Runs the warm-up (if any, and not done yet) and then the feed to its end or a stop. */
  run(signal?: AbortSignal): Promise<void>;
  close(): void;
}

export function makeFeed(spec: string, options: PaperSessionOptions & { signal?: AbortSignal }): Feed {
  if (spec.startsWith('csv:'))
    return csvReplayFeed(spec.slice(4), {
      paceMs: options.paceMs,
      symbols: options.config.symbols,
      signal: options.signal,
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
  throw new LiveConfigError('--feed', `expected csv:PATH, stdin or a ws:// URL, got "${spec}"`);
}

export function openPaperSession(options: PaperSessionOptions): PaperSession {
  const journal = new Journal(options.state);
  try {
    const clock = options.clock ?? Date.now;
    const broker = new PaperBroker(journal.db, options.config.options, clock);
    const runner = new PaperRunner({
      config: options.config,
      journal,
      broker,
      logger: options.logger,
      clock,
      hooks: options.hooks,
    });
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
        if (options.warmup !== undefined && runner.sim.bars === 0) {
          const warm = new BarAssembler(
            options.config.symbols,
            options.config.pairing,
            options.logger,
            runner.lastTime,
            clock,
          );
          for await (const msg of csvReplayFeed(options.warmup, { symbols: options.config.symbols }))
            for (const bar of warm.push(msg)) runner.warmup(bar);
          options.logger.info({ event: 'warmed-up', bars: runner.seq }, `warmed up on ${runner.seq} bars`);
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
        await runner.run(makeFeed(options.feed, { ...options, signal }), live, { signal });
        options.logger.info({ event: 'feed-ended', stats: live.stats, bars: runner.seq }, 'feed ended');
      },
      close() {
        journal.close();
      },
    };
  } catch (e) {
    journal.close();
    throw e;
  }
}
