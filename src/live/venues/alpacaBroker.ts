/**
 * The Alpaca broker: the asynchronous {@link Broker} contract over Alpaca's Trading API v2
 * (REST for orders, positions, account, assets and fills; the `trade_updates` WebSocket stream
 * for order changes). Written on `fetch` and `ws` rather than Alpaca's SDK so that every call
 * goes through one client whose retries and reconnection pause on an injectable clock
 * (docs/design.md says why).
 *
 * - Order identity: the venue's `client_order_id` is `<prefix>-<journal id>`, the prefix a
 *   random tag kept in the journal (`venue-client-prefix`), so ids are unique across the runs on
 *   one account and a restarted engine finds its orders by the journal's ids. A resend answered
 *   "client_order_id must be unique" is looked up and answered with the order's state.
 * - Fills: every state carries the order's executions from the account's FILL activities, oldest
 *   first, so the list is the same before and after a restart; commission 0 (Alpaca charges none
 *   on US equities).
 * - The stream: authenticated, listening to `trade_updates`; a drop is reported `disconnected`,
 *   it reconnects with a growing delay and reports `reconnected` (the runner then reconciles).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import {
  BrokerConnectionError,
  BrokerRefusedError,
  type Broker,
  type ConnectionEvent,
  type Fill,
  type OrderRequest,
  type OrderState,
} from '../../execution/broker.js';
import { redact, redactedMessage } from '../../redact.js';
import type { Journal } from '../journal.js';
import {
  DEFAULT_BACKOFF,
  VenueHttp,
  VenueHttpError,
  wallClockPause,
  type Backoff,
  type Pause,
} from './http.js';
import type { AlpacaSettings } from './alpacaSettings.js';

/** An order as Alpaca's REST API and trade_updates stream give it (the fields kalrev reads). */
export interface AlpacaOrder {
  id: string;
  client_order_id: string;
  symbol: string;
  qty: string | null;
  filled_qty: string;
  filled_avg_price: string | null;
  side: 'buy' | 'sell';
  status: string;
  submitted_at: string | null;
  created_at: string;
}

/** One FILL activity of the account (an execution). */
interface AlpacaFillActivity {
  id: string;
  order_id: string;
  qty: string;
  price: string;
  side: string;
  transaction_time: string;
}

interface AlpacaPosition {
  symbol: string;
  qty: string;
  side: 'long' | 'short';
}

interface AlpacaAccount {
  status: string;
  currency?: string;
  buying_power: string;
  trading_blocked?: boolean;
  account_blocked?: boolean;
  trade_suspended_by_user?: boolean;
  shorting_enabled?: boolean;
}

interface AlpacaAsset {
  symbol: string;
  status: string;
  tradable: boolean;
  shortable: boolean;
  easy_to_borrow: boolean;
}

const OPEN_AS_PARTIAL = 'partially-filled';

/** Options of {@link AlpacaBroker}. */
export interface AlpacaBrokerOptions {
  settings: AlpacaSettings;
  /** The run's symbols, in leg order (an order's leg is its symbol's index). */
  symbols: readonly string[];
  /** The journal: it keeps the client-id prefix. */
  journal: Pick<Journal, 'getMeta' | 'setMeta'>;
  logger?: Logger;
  /** The pause of retries and reconnections (a fake clock's in tests). */
  pause?: Pause;
  backoff?: Backoff;
  /** Whether the run needs to sell short (a pair does): the account and each symbol must allow it. */
  shorts?: boolean;
}

/** The Alpaca broker (see the module notes). */
export class AlpacaBroker implements Broker {
  readonly name = 'alpaca';
  readonly http: VenueHttp;
  readonly #o: AlpacaBrokerOptions;
  readonly #prefix: string;
  readonly #pause: Pause;
  readonly #backoff: Backoff;
  readonly #updates: ((s: OrderState) => void)[] = [];
  readonly #connection: ((e: ConnectionEvent) => void)[] = [];
  /** Requests this engine sent, by its client id (their bar time; the venue keeps the rest). */
  readonly #sent = new Map<string, OrderRequest>();
  #ws: WebSocket | null = null;
  #closed = false;
  #up = false;
  /** Stream updates, handled one after the other so their states are reported in order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: AlpacaBrokerOptions) {
    this.#o = options;
    this.#pause = options.pause ?? wallClockPause;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    const { settings, journal } = options;
    let prefix = journal.getMeta('venue-client-prefix');
    if (prefix === undefined) {
      prefix = `kr${randomBytes(5).toString('hex')}`;
      journal.setMeta('venue-client-prefix', prefix);
    }
    this.#prefix = prefix;
    this.http = new VenueHttp({
      venue: this.name,
      baseUrl: settings.baseUrl,
      headers: { 'APCA-API-KEY-ID': settings.keyId, 'APCA-API-SECRET-KEY': settings.secretKey },
      pause: this.#pause,
      backoff: this.#backoff,
      logger: options.logger,
    });
  }

  /** The venue's client order id of a journal id. */
  venueId(clientId: string): string {
    return `${this.#prefix}-${clientId}`;
  }

  #journalId(venueId: string): string | null {
    return venueId.startsWith(this.#prefix + '-') ? venueId.slice(this.#prefix.length + 1) : null;
  }

  /**
   * Checks the account (active, not blocked, buying power; with shorts, shorting enabled and
   * every symbol shortable and easy to borrow) and opens the trade-updates stream.
   * @throws BrokerRefusedError naming what the account lacks, or keys the venue refuses.
   */
  async connect(): Promise<Record<string, unknown>> {
    const account = await this.#get<AlpacaAccount>('/v2/account', 'the account');
    const problems: string[] = [];
    if (account.status !== 'ACTIVE') problems.push(`account status ${account.status}, not ACTIVE`);
    if (account.trading_blocked) problems.push('trading is blocked on the account');
    if (account.account_blocked) problems.push('the account is blocked');
    if (account.trade_suspended_by_user) problems.push('trading is suspended by the user');
    const buyingPower = Number(account.buying_power);
    if (!(buyingPower > 0)) problems.push(`no buying power (${account.buying_power})`);
    const shorts = this.#o.shorts ?? true;
    if (shorts && account.shorting_enabled === false)
      problems.push('shorting is not enabled on the account (a pair sells one leg short)');
    const assets: Record<string, { tradable: boolean; shortable: boolean; easyToBorrow: boolean }> = {};
    for (const symbol of this.#o.symbols) {
      const asset = await this.#get<AlpacaAsset>(
        `/v2/assets/${encodeURIComponent(symbol)}`,
        `asset ${symbol}`,
        true,
      );
      if (asset === null) {
        problems.push(`${symbol}: no such asset at Alpaca`);
        continue;
      }
      assets[symbol] = {
        tradable: asset.tradable,
        shortable: asset.shortable,
        easyToBorrow: asset.easy_to_borrow,
      };
      if (!asset.tradable || asset.status !== 'active') problems.push(`${symbol} is not tradable`);
      else if (shorts && !asset.shortable) problems.push(`${symbol} cannot be sold short`);
      else if (shorts && !asset.easy_to_borrow) problems.push(`${symbol} is hard to borrow`);
    }
    if (problems.length > 0) throw new BrokerRefusedError(this.name, problems.join('; '));
    await this.#openStream();
    return {
      endpoint: redact(this.#o.settings.baseUrl),
      live: this.#o.settings.live,
      account: {
        status: account.status,
        currency: account.currency ?? null,
        buyingPower,
        shortingEnabled: account.shorting_enabled ?? null,
      },
      assets,
    };
  }

  async #get<T>(path: string, what: string, allowMissing = false): Promise<T> {
    try {
      const r = await this.http.request<T>('GET', path);
      if (r.status === 404) {
        if (allowMissing) return null as T;
        throw new BrokerRefusedError(this.name, `${what}: not found (HTTP 404)`);
      }
      return r.body as T;
    } catch (e) {
      if (e instanceof VenueHttpError && (e.status === 401 || e.status === 403))
        throw new BrokerRefusedError(
          this.name,
          `${what}: the keys were refused (HTTP ${e.status}: ${e.venueMessage}); check APCA_API_KEY_ID / APCA_API_SECRET_KEY and that they belong to ${this.#o.settings.live ? 'the live' : 'a paper'} account`,
        );
      throw e;
    }
  }

  /** Connects the trade-updates stream; resolves once it listens. */
  #openStream(): Promise<void> {
    const { settings, logger } = this.#o;
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(settings.tradingStreamUrl);
      this.#ws = ws;
      let listening = false;
      let failed: Error | null = null;
      ws.on('open', () =>
        ws.send(JSON.stringify({ action: 'auth', key: settings.keyId, secret: settings.secretKey })),
      );
      ws.on('message', (raw) => {
        let m: { stream?: string; data?: Record<string, unknown> };
        try {
          m = JSON.parse(raw.toString()) as typeof m;
        } catch {
          logger?.warn(
            { event: 'venue-stream-garbage', venue: this.name },
            'trade stream: a message that is not JSON',
          );
          return;
        }
        if (m.stream === 'authorization') {
          if (m.data?.status === 'authorized')
            ws.send(JSON.stringify({ action: 'listen', data: { streams: ['trade_updates'] } }));
          else {
            failed = new BrokerRefusedError(
              this.name,
              'the trade-updates stream refused the keys (unauthorized)',
            );
            ws.close();
          }
        } else if (m.stream === 'listening') {
          const streams = (m.data?.streams ?? []) as string[];
          if (!streams.includes('trade_updates')) {
            failed = new BrokerRefusedError(this.name, 'the trade-updates stream is not available');
            ws.close();
            return;
          }
          listening = true;
          this.#up = true;
          resolve();
        } else if (m.stream === 'trade_updates' && m.data !== undefined) {
          const data = m.data as { event: string; order: AlpacaOrder };
          this.#queue = this.#queue.then(() => this.#onTradeUpdate(data));
        }
      });
      ws.on('error', (e) =>
        logger?.warn(
          { event: 'venue-stream-error', venue: this.name, error: redactedMessage(e) },
          'trade stream error',
        ),
      );
      ws.on('close', () => {
        if (this.#ws === ws) this.#ws = null;
        if (!listening) {
          reject(
            failed ??
              new BrokerConnectionError(this.name, 'the trade-updates stream closed before it listened'),
          );
          return;
        }
        this.#up = false;
        if (this.#closed) return;
        for (const l of this.#connection) l('disconnected');
        void this.#reconnect();
      });
    });
  }

  async #reconnect(): Promise<void> {
    let delay = this.#backoff.initialMs;
    while (!this.#closed) {
      this.#o.logger?.warn(
        { event: 'venue-stream-reconnecting', venue: this.name, inMs: delay },
        `trade stream dropped: reconnecting in ${delay} ms`,
      );
      await this.#pause(delay);
      if (this.#closed) return;
      try {
        await this.#openStream();
        for (const l of this.#connection) l('reconnected');
        return;
      } catch (e) {
        if (e instanceof BrokerRefusedError) {
          this.#o.logger?.error(
            { event: 'venue-stream-refused', venue: this.name, reason: e.reason },
            e.message,
          );
          return;
        }
        delay = Math.min(delay * this.#backoff.factor, this.#backoff.maxMs);
      }
    }
  }

  async #onTradeUpdate(data: { event: string; order: AlpacaOrder }): Promise<void> {
    if (this.#journalId(data.order.client_order_id) === null) return;
    try {
      const state = await this.#state(data.order);
      for (const l of this.#updates) l(state);
    } catch (e) {
      // the next reconciliation asks for the order again
      this.#o.logger?.warn(
        { event: 'venue-update-unread', venue: this.name, error: redactedMessage(e) },
        'an order update could not be completed from the venue',
      );
    }
  }

  /** The engine's state of a venue order, with its executions. */
  async #state(o: AlpacaOrder): Promise<OrderState> {
    const clientId = this.#journalId(o.client_order_id) ?? o.client_order_id;
    const sign = o.side === 'sell' ? -1 : 1;
    const request: OrderRequest = this.#sent.get(clientId) ?? {
      clientId,
      symbol: o.symbol,
      leg: this.#o.symbols.indexOf(o.symbol),
      shares: sign * Number(o.qty ?? 0),
      time: Date.parse(o.submitted_at ?? o.created_at),
    };
    const filledQty = Number(o.filled_qty);
    const fills = filledQty > 0 ? await this.#fills(o) : [];
    let got = 0;
    for (const f of fills) got += Math.abs(f.qty);
    const base = { order: request, fills };
    // executions not yet listed by the activities: the order stays open until they are
    const short = got + 1e-9 < filledQty;
    switch (o.status) {
      case 'filled':
        return { ...base, status: short ? OPEN_AS_PARTIAL : 'filled' };
      case 'partially_filled':
        return { ...base, status: OPEN_AS_PARTIAL };
      case 'canceled':
      case 'replaced':
        return { ...base, status: short ? OPEN_AS_PARTIAL : 'cancelled' };
      case 'expired':
        return { ...base, status: short ? OPEN_AS_PARTIAL : 'expired' };
      case 'rejected':
        return { ...base, status: 'rejected', reason: 'rejected by Alpaca' };
      default:
        // new, accepted, pending_new, pending_cancel, done_for_day, …: may still fill
        return { ...base, status: fills.length > 0 ? OPEN_AS_PARTIAL : 'accepted' };
    }
  }

  /** The order's executions, oldest first, from the account's FILL activities. */
  async #fills(o: AlpacaOrder): Promise<Fill[]> {
    const out: Fill[] = [];
    const since = Date.parse(o.submitted_at ?? o.created_at) - 60_000;
    let token: string | null = null;
    for (;;) {
      const q = new URLSearchParams({
        direction: 'asc',
        page_size: '100',
        after: new Date(since).toISOString(),
      });
      if (token !== null) q.set('page_token', token);
      const r = await this.http.request<AlpacaFillActivity[]>('GET', `/v2/account/activities/FILL?${q}`);
      const page = r.body ?? [];
      for (const a of page)
        if (a.order_id === o.id)
          out.push({
            qty: (a.side === 'buy' ? 1 : -1) * Number(a.qty),
            price: Number(a.price),
            commission: 0,
            time: Date.parse(a.transaction_time),
          });
      if (page.length < 100) return out;
      token = page[page.length - 1].id;
    }
  }

  #connected(): void {
    if (!this.#up) throw new BrokerConnectionError(this.name, 'the trade-updates stream is down');
  }

  async submit(order: OrderRequest): Promise<OrderState> {
    this.#connected();
    this.#sent.set(order.clientId, order);
    const venueId = this.venueId(order.clientId);
    try {
      const r = await this.http.request<AlpacaOrder>('POST', '/v2/orders', {
        symbol: order.symbol,
        // Alpaca takes fractional quantities to 9 decimals
        qty: String(Number(Math.abs(order.shares).toFixed(9))),
        side: order.shares > 0 ? 'buy' : 'sell',
        type: 'market',
        time_in_force: 'day',
        client_order_id: venueId,
      });
      return await this.#state(r.body!);
    } catch (e) {
      if (!(e instanceof VenueHttpError)) throw e;
      // a resend of an order the venue already has: answer with its state, trade nothing
      if (e.status === 422 && /client_order_id/i.test(e.venueMessage)) {
        const known = await this.order(order.clientId);
        if (known !== null) return known;
      }
      if (e.status === 403 || e.status === 422)
        return { status: 'rejected', reason: e.venueMessage, order, fills: [] };
      throw e;
    }
  }

  async cancel(clientId: string): Promise<OrderState | null> {
    const o = await this.#byClientId(clientId);
    if (o === null) return null;
    try {
      await this.http.request('DELETE', `/v2/orders/${encodeURIComponent(o.id)}`);
    } catch (e) {
      // 422: the order can no longer be cancelled (filled meanwhile); its state says what it is
      if (!(e instanceof VenueHttpError && e.status === 422)) throw e;
    }
    return this.order(clientId);
  }

  async #byClientId(clientId: string): Promise<AlpacaOrder | null> {
    const q = new URLSearchParams({ client_order_id: this.venueId(clientId) });
    const r = await this.http.request<AlpacaOrder>('GET', `/v2/orders:by_client_order_id?${q}`);
    return r.status === 404 ? null : r.body;
  }

  async order(clientId: string): Promise<OrderState | null> {
    const o = await this.#byClientId(clientId);
    return o === null ? null : this.#state(o);
  }

  async openOrders(): Promise<OrderState[]> {
    const r = await this.http.request<AlpacaOrder[]>('GET', '/v2/orders?status=open&limit=500&direction=asc');
    const out: OrderState[] = [];
    for (const o of r.body ?? []) out.push(await this.#state(o));
    return out;
  }

  async positions(): Promise<Map<string, number>> {
    const r = await this.http.request<AlpacaPosition[]>('GET', '/v2/positions');
    const out = new Map<string, number>();
    for (const p of r.body ?? []) {
      const q = Number(p.qty);
      out.set(p.symbol, p.side === 'short' ? -Math.abs(q) : q);
    }
    return out;
  }

  onUpdate(listener: (state: OrderState) => void): void {
    this.#updates.push(listener);
  }

  onConnection(listener: (event: ConnectionEvent) => void): void {
    this.#connection.push(listener);
  }

  close(): void {
    this.#closed = true;
    this.#up = false;
    this.#ws?.terminate();
    this.#ws = null;
  }
}
