/**
 * Alerts: a paper run's fills, risk-limit hits, a stale feed, a halt, the kill switch and ruin,
 * posted as JSON to webhooks (`--alert webhook:URL`, any number). The trading loop only queues
 * an alert (no I/O, no await); each webhook has its own sender that posts them in order, retries
 * a failed post with a doubling back-off a bounded number of times, and then gives it up with a
 * warning in the log. A webhook that is down, slow or hanging therefore delays no bar; a queue
 * that grows past its bound drops its oldest alerts (counted and logged once).
 *
 * A webhook URL is a secret (Slack's path, Telegram's bot token, a password in it): the log names
 * a webhook by its origin only (`https://hooks.slack.com/…`), and its path, query and password
 * are registered with src/redact.ts so that no message printed carries them. The URL is a
 * process option, never part of the run spec, so the journal and run.json never see it.
 */
import { registerSecret, registerUrlSecrets, redact } from '../redact.js';
import { LiveConfigError } from './errors.js';
import type { RunnerEvent } from './events.js';
import { isoTime } from './journal.js';
import type { Logger } from './logger.js';
import type { PaperRunner } from './runner.js';

/** What an alert is about. */
export type AlertKind = 'fill' | 'risk' | 'feed-stale' | 'halt' | 'kill' | 'ruined';

/**
 * The JSON body posted for one alert. `text` is a one-line summary, the field Slack's incoming
 * webhooks and Telegram's `sendMessage` show; the other fields are for programs.
 */
export interface AlertPayload {
  text: string;
  kind: AlertKind;
  /** The run: its journal file's name and its symbols. */
  run: { state: string; symbols: string[] };
  /** The bar the alert is about (ISO), null when none (a kill between bars). */
  barTime: string | null;
  /** When it was raised (ISO, the engine's clock). */
  at: string;
  /** The notice's own fields (a fill's symbol, shares, price; a risk action; the halt's difference). */
  detail: Record<string, unknown>;
}

/** A webhook alerts go to. */
export interface AlertTarget {
  url: string;
  /** How logs name it: its origin, never its path, query or password. */
  label: string;
}

/**
 * Reads `webhook:URL` (an `http:` or `https:` URL) and registers its secrets for redaction.
 * @throws LiveConfigError naming `--alert`.
 */
export function parseAlertTarget(spec: string): AlertTarget {
  if (!spec.startsWith('webhook:'))
    // the target is not echoed: a webhook's URL is its credential
    throw new LiveConfigError('--alert', `expected webhook:URL, got "${spec.split(':')[0]}:…"`);
  const url = spec.slice('webhook:'.length);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LiveConfigError('--alert', 'webhook:URL: what follows "webhook:" is not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new LiveConfigError('--alert', `a webhook is an http: or https: URL, got ${parsed.protocol}`);
  registerUrlSecrets(url);
  if (parsed.password !== '') registerSecret(parsed.password);
  // a webhook's path and query are its credentials (Slack's /services/T…/B…/X…, Telegram's
  // /bot<token>/…): each segment that looks like a key or an id (a digit in it, or long) is
  // masked wherever it appears; plain words (services, sendMessage) stay readable
  for (const part of [...parsed.pathname.split('/'), ...parsed.search.slice(1).split('&')])
    if (part.length >= 6 && (/\d/.test(part) || part.length >= 16)) registerSecret(part);
  const hidden = parsed.pathname.length > 1 || parsed.search !== '';
  return { url, label: `${parsed.protocol}//${parsed.host}${hidden ? '/…' : ''}` };
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(4));
const signed = (x: number) => (x > 0 ? `+${num(x)}` : num(x));

/** The alert for a runner notice, or null for notices that are not alerts (a bar). */
export function alertOf(event: RunnerEvent, run: AlertPayload['run']): AlertPayload | null {
  const at = isoTime(event.at);
  const base = (kind: AlertKind, time: number | null, text: string, detail: Record<string, unknown>) => ({
    text: `kalrev ${run.symbols.join('/')}: ${text}`,
    kind,
    run,
    barTime: time === null ? null : isoTime(time),
    at,
    detail,
  });
  switch (event.kind) {
    case 'bar':
      return null;
    case 'fill': {
      const f = event.fill;
      return base(
        'fill',
        f.time,
        `fill ${f.symbol} ${signed(f.shares)} @ ${num(f.price)} (order ${f.clientId})`,
        { ...f },
      );
    }
    case 'risk': {
      const a = event.action;
      const why = 'reason' in a ? ` (${a.reason})` : '';
      return base('risk', event.time, `risk limit: ${a.kind}${why}`, { ...a });
    }
    case 'feed-stale':
      return base(
        'feed-stale',
        event.time,
        `feed stale: no bar for ${Math.round(event.silentMs / 1000)} s (limit ${Math.round(event.limitMs / 1000)} s)`,
        { silentMs: event.silentMs, limitMs: event.limitMs },
      );
    case 'halt':
      return base('halt', event.time, `HALTED: the broker disagrees with the journal (${event.difference})`, {
        ...event.mismatch,
      });
    case 'kill':
      return base('kill', null, `kill switch: ${event.reason}; flattening and stopping`, {
        reason: event.reason,
      });
    case 'ruined':
      return base(
        'ruined',
        event.time,
        `${event.sleeve === null ? 'account' : `sleeve ${event.sleeve}`} ruined (equity ${num(event.equity)})`,
        { sleeve: event.sleeve, equity: event.equity },
      );
  }
}

/** Options of {@link WebhookAlerts}. */
export interface WebhookAlertsOptions {
  targets: AlertTarget[];
  logger: Logger;
  /**
   * Resolves after `ms`: the back-off between attempts, and {@link WebhookAlerts.drain}'s bound.
   * Default: a real timer that does not keep the process alive; tests pass a fake clock's `elapse`.
   */
  delay?: (ms: number) => Promise<void>;
  /** The HTTP client (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Posts of one alert after the first fails, before it is given up (default 4). */
  retries?: number;
  /** The first back-off (ms), doubling after every failed attempt (default 1,000). */
  backoffMs?: number;
  /** The longest back-off (ms; default 30,000). */
  maxBackoffMs?: number;
  /** A post with no answer after this long has failed (ms; default 10,000). */
  timeoutMs?: number;
  /** Alerts waiting per webhook beyond which the oldest are dropped (default 1,000). */
  maxQueue?: number;
}

/** What happened to the alerts so far, over every webhook. */
export interface AlertStats {
  /** Posted and answered with a 2xx status. */
  sent: number;
  /** Given up after every retry failed. */
  failed: number;
  /** Dropped from a full queue. */
  dropped: number;
  /** Waiting, or being posted now. */
  queued: number;
}

const realDelay = (ms: number) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
  });

/** One webhook's queue and its sender. */
class Lane {
  readonly queue: string[] = [];
  busy: Promise<void> | null = null;
  droppedLogged = false;
  constructor(readonly target: AlertTarget) {}
}

/** Posts alerts to webhooks without ever blocking the caller (see the module notes). */
export class WebhookAlerts {
  readonly #lanes: Lane[];
  readonly #logger: Logger;
  readonly #delay: (ms: number) => Promise<void>;
  readonly #fetch: typeof fetch;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #timeoutMs: number;
  readonly #maxQueue: number;
  readonly #stats: AlertStats = { sent: 0, failed: 0, dropped: 0, queued: 0 };

  constructor(options: WebhookAlertsOptions) {
    this.#lanes = options.targets.map((t) => new Lane(t));
    this.#logger = options.logger;
    this.#delay = options.delay ?? realDelay;
    this.#fetch = options.fetch ?? fetch;
    this.#retries = options.retries ?? 4;
    this.#backoffMs = options.backoffMs ?? 1_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxQueue = options.maxQueue ?? 1_000;
  }

  get stats(): AlertStats {
    return { ...this.#stats };
  }

  /** Queues an alert for every webhook and returns at once. */
  notify(alert: AlertPayload): void {
    const body = JSON.stringify(alert);
    for (const lane of this.#lanes) {
      if (lane.queue.length >= this.#maxQueue) {
        lane.queue.shift();
        this.#stats.dropped++;
        this.#stats.queued--;
        if (!lane.droppedLogged) {
          lane.droppedLogged = true;
          this.#logger.warn(
            { event: 'alert-dropped', webhook: lane.target.label, maxQueue: this.#maxQueue },
            'alert queue full (the webhook is not keeping up): dropping the oldest alerts',
          );
        }
      }
      lane.queue.push(body);
      this.#stats.queued++;
      lane.busy ??= this.#send(lane);
    }
  }

  /** Sends a runner's alerts from now on; returns the function that stops it. */
  watch(runner: PaperRunner, run: AlertPayload['run']): () => void {
    return runner.onEvent((e) => {
      const alert = alertOf(e, run);
      if (alert !== null) this.notify(alert);
    });
  }

  /**
   * Resolves when every queued alert is sent or given up, or after `maxMs` (the `delay` clock),
   * whichever is first: a run that ends gives its last alerts (a halt) a bounded time to leave.
   */
  async drain(maxMs: number): Promise<void> {
    if (this.#stats.queued === 0) return;
    await Promise.race([this.idle(), this.#delay(maxMs)]);
  }

  /** Resolves when every alert queued so far (and any queued meanwhile) is sent or given up. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = this.#lanes.flatMap((l) => (l.busy === null ? [] : [l.busy]));
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }

  async #send(lane: Lane): Promise<void> {
    try {
      // the alert being posted has left the queue: only waiting ones are dropped
      for (let body = lane.queue.shift(); body !== undefined; body = lane.queue.shift()) {
        const ok = await this.#deliver(lane.target, body);
        this.#stats.queued--;
        if (ok) this.#stats.sent++;
        else this.#stats.failed++;
      }
    } finally {
      lane.busy = null;
    }
  }

  /** Posts one alert, retrying with back-off; true when a 2xx answer came. */
  async #deliver(target: AlertTarget, body: string): Promise<boolean> {
    let wait = this.#backoffMs;
    for (let attempt = 0; ; attempt++) {
      const why = await this.#post(target, body);
      if (why === null) return true;
      if (attempt >= this.#retries) {
        this.#logger.warn(
          { event: 'alert-failed', webhook: target.label, attempts: attempt + 1, reason: why },
          'alert given up after every retry failed',
        );
        return false;
      }
      this.#logger.debug(
        { event: 'alert-retry', webhook: target.label, attempt: attempt + 1, reason: why, backoffMs: wait },
        'alert post failed: retrying',
      );
      await this.#delay(wait);
      wait = Math.min(2 * wait, this.#maxBackoffMs);
    }
  }

  /** One post: null when answered 2xx, else why it failed (redacted). */
  async #post(target: AlertTarget, body: string): Promise<string | null> {
    // a real timer: a post is real I/O (the back-off between posts is on the injected clock)
    const signal = AbortSignal.timeout(this.#timeoutMs);
    try {
      const res = await this.#fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal,
      });
      // the answer's body is not needed; reading it frees the connection
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? null : `HTTP ${res.status}`;
    } catch (e) {
      if (signal.aborted) return `no answer within ${this.#timeoutMs} ms`;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return redact(cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e)));
    }
  }
}
