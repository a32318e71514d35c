/**
 * The ccxt broker: the {@link Broker} contract for a crypto exchange through ccxt's unified API,
 * in the exchange's sandbox unless `--live`. Spot symbols (`BTC/USDT`) and perpetual swaps
 * (`BTC/USDT:USDT`).
 *
 * - Order identity: the exchange's client order id is `<prefix>-<journal id>` (the prefix kept in
 *   the journal); an order is looked up by it (the exchange's own parameter for it: see
 *   {@link CLIENT_ID_LOOKUP}), in the market of the leg the journal id names (`<bar>.<leg>`).
 * - Positions: a swap's are the exchange's positions (contracts × contract size, signed); a spot
 *   symbol's are the base coin's balance less what the account held when the journal first
 *   connected (its baseline, kept in the journal), so coins held apart from the run are not
 *   taken for the run's.
 * - Fills: the order's trades (`fetchOrderTrades`, or `fetchMyTrades` filtered by order),
 *   oldest first; a fee paid in the market's quote or settle currency is the fill's commission.
 * - No stream: the runner asks the exchange on every bar. A network failure is reported
 *   `disconnected`; the broker then probes the exchange with a growing delay (an injectable
 *   pause) and reports `reconnected`, and the runner reconciles.
 */
import { randomBytes } from 'node:crypto';
import type { Exchange, MarketInterface, Order, Trade } from 'ccxt';
import type { Logger } from 'pino';
import {
  BrokerConnectionError,
  BrokerRefusedError,
  type Broker,
  type ConnectionEvent,
  type Fill,
  type OrderRequest,
  type OrderState,
} from '../../execution/broker.js';
import type { Journal } from '../journal.js';
import { DEFAULT_BACKOFF, wallClockPause, type Backoff, type Pause } from './http.js';
import {
  CcxtCaller,
  ccxtMessage,
  isAuthenticationError,
  isExchangeError,
  isOrderNotFound,
} from './ccxtVenue.js';

/** How an exchange takes a client order id when an order is looked up (ccxt's `clientOrderId` otherwise). */
export const CLIENT_ID_LOOKUP: Readonly<Record<string, (id: string) => Record<string, unknown>>> = {
  // the order id left out of the request (ccxt would send the empty one given)
  bybit: (id) => ({ orderLinkId: id, orderId: undefined, acknowledged: true }),
  binance: (id) => ({ origClientOrderId: id }),
  okx: (id) => ({ clOrdId: id }),
};

/** Options of {@link CcxtBroker}. */
export interface CcxtBrokerOptions {
  exchange: Exchange;
  symbols: readonly string[];
  journal: Pick<Journal, 'getMeta' | 'setMeta'>;
  logger?: Logger;
  pause?: Pause;
  backoff?: Backoff;
  live: boolean;
}

/** The ccxt broker (see the module notes). */
export class CcxtBroker implements Broker {
  readonly name: string;
  readonly exchange: Exchange;
  readonly caller: CcxtCaller;
  readonly #o: CcxtBrokerOptions;
  readonly #prefix: string;
  readonly #pause: Pause;
  readonly #backoff: Backoff;
  readonly #updates: ((s: OrderState) => void)[] = [];
  readonly #connection: ((e: ConnectionEvent) => void)[] = [];
  readonly #sent = new Map<string, OrderRequest>();
  #baseline: Record<string, number> | null = null;
  #up = true;
  #closed = false;

  constructor(options: CcxtBrokerOptions) {
    this.#o = options;
    this.exchange = options.exchange;
    this.name = `ccxt:${this.exchange.id}`;
    this.#pause = options.pause ?? wallClockPause;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.caller = new CcxtCaller(this.name, options.logger, this.#pause, this.#backoff);
    let prefix = options.journal.getMeta('venue-client-prefix');
    if (prefix === undefined) {
      prefix = `kr${randomBytes(4).toString('hex')}`;
      options.journal.setMeta('venue-client-prefix', prefix);
    }
    this.#prefix = prefix;
    const baseline = options.journal.getMeta('venue-spot-baseline');
    if (baseline !== undefined) this.#baseline = JSON.parse(baseline) as Record<string, number>;
  }

  venueId(clientId: string): string {
    return `${this.#prefix}-${clientId}`;
  }

  /** The market of the leg a journal id names (`<bar>.<leg>` or `<bar>.<sleeve>.<leg>`). */
  #symbolOf(clientId: string): string {
    const leg = Number(clientId.slice(clientId.lastIndexOf('.') + 1));
    const symbol = this.#o.symbols[leg];
    if (symbol === undefined)
      throw new BrokerRefusedError(this.name, `order id ${clientId} names no leg of the run`);
    return symbol;
  }

  #market(symbol: string): MarketInterface {
    return this.exchange.market(symbol) as MarketInterface;
  }

  /** A call to the exchange; a lost connection is reported and probed until it is back. */
  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (!this.#up) throw new BrokerConnectionError(this.name, 'the exchange is unreachable');
    try {
      return await this.caller.call(what, fn);
    } catch (e) {
      if (e instanceof BrokerConnectionError) this.#down();
      throw e;
    }
  }

  #down(): void {
    if (!this.#up || this.#closed) return;
    this.#up = false;
    for (const l of this.#connection) l('disconnected');
    void this.#probe();
  }

  async #probe(): Promise<void> {
    let delay = this.#backoff.initialMs;
    while (!this.#closed) {
      this.#o.logger?.warn(
        { event: 'venue-unreachable', venue: this.name, retryInMs: delay },
        `${this.name} unreachable: trying again in ${delay} ms`,
      );
      await this.#pause(delay);
      if (this.#closed) return;
      try {
        await this.caller.call('probe', async () => {
          if (this.exchange.has.fetchTime) await this.exchange.fetchTime();
          else await this.exchange.fetchBalance();
        });
        this.#up = true;
        for (const l of this.#connection) l('reconnected');
        return;
      } catch {
        delay = Math.min(delay * this.#backoff.factor, this.#backoff.maxMs);
      }
    }
  }

  /**
   * Loads the markets and checks the run: every symbol a market of the exchange, active; some
   * balance of each market's quote (or settle) currency. Records the spot baseline on a new journal.
   * @throws BrokerRefusedError naming what is missing, or keys the exchange refuses.
   */
  async connect(): Promise<Record<string, unknown>> {
    try {
      await this.caller.call('loadMarkets', () => this.exchange.loadMarkets());
      const problems: string[] = [];
      const markets: Record<string, { type: string; contractSize: number; active: boolean | null }> = {};
      const currencies = new Set<string>();
      for (const symbol of this.#o.symbols) {
        const m = (this.exchange.markets as Record<string, MarketInterface | undefined>)[symbol];
        if (m === undefined) {
          problems.push(
            `${symbol}: no such market at ${this.exchange.id} (spot: BASE/QUOTE, perpetual: BASE/QUOTE:SETTLE)`,
          );
          continue;
        }
        if (m.type !== 'spot' && m.type !== 'swap')
          problems.push(`${symbol} is a ${m.type} market (spot and perpetual swaps only)`);
        if (m.active === false) problems.push(`${symbol} is not trading`);
        markets[symbol] = { type: m.type, contractSize: m.contractSize ?? 1, active: m.active ?? null };
        currencies.add(m.settle ?? m.quote ?? '');
      }
      if (problems.length > 0) throw new BrokerRefusedError(this.name, problems.join('; '));
      const balance = await this.caller.call('fetchBalance', () => this.exchange.fetchBalance());
      const free: Record<string, number> = {};
      for (const c of currencies) {
        free[c] = Number((balance.free as unknown as Record<string, number | undefined>)[c] ?? 0);
        if (!(free[c] > 0)) problems.push(`no ${c} to trade with (free balance ${free[c]})`);
      }
      if (problems.length > 0) throw new BrokerRefusedError(this.name, problems.join('; '));
      if (this.#baseline === null) {
        const total = balance.total as unknown as Record<string, number | undefined>;
        const baseline: Record<string, number> = {};
        for (const symbol of this.#o.symbols) {
          const m = this.#market(symbol);
          if (m.type === 'spot' && m.base) baseline[m.base] = Number(total[m.base] ?? 0);
        }
        this.#baseline = baseline;
        this.#o.journal.setMeta('venue-spot-baseline', JSON.stringify(baseline));
      }
      return {
        exchange: this.exchange.id,
        sandbox: !this.#o.live,
        markets,
        free,
        spotBaseline: this.#baseline,
      };
    } catch (e) {
      if (isAuthenticationError(e))
        throw new BrokerRefusedError(
          this.name,
          `the keys were refused (${ccxtMessage(e)}); check CCXT_API_KEY / CCXT_SECRET and that they are ${this.#o.live ? 'live' : 'sandbox (testnet)'} keys`,
        );
      throw e;
    }
  }

  /** The engine's state of an exchange order, with its fills. */
  async #state(o: Order, symbol: string, clientId: string): Promise<OrderState> {
    const m = this.#market(symbol);
    const size = m.contractSize ?? 1;
    const sign = o.side === 'sell' ? -1 : 1;
    const request: OrderRequest = this.#sent.get(clientId) ?? {
      clientId,
      symbol,
      leg: this.#o.symbols.indexOf(symbol),
      shares: sign * (o.amount ?? 0) * size,
      time: o.timestamp ?? 0,
    };
    const filled = (o.filled ?? 0) * size;
    const fills = filled > 0 ? await this.#fills(o, symbol, m) : [];
    let got = 0;
    for (const f of fills) got += Math.abs(f.qty);
    const short = got + 1e-9 * Math.max(1, filled) < filled;
    const base = { order: request, fills };
    const raw = String((o.info as Record<string, unknown> | undefined)?.orderStatus ?? o.info?.status ?? '');
    if (o.status === 'rejected' || /reject/i.test(raw))
      return {
        ...base,
        status: 'rejected',
        reason: `rejected by ${this.exchange.id} (${raw || 'rejected'})`,
      };
    switch (o.status) {
      case 'closed': {
        // ccxt calls an order closed once it can fill no more, also when cancelled after a part
        // (Bybit's PartiallyFilledCanceled)
        const whole = filled + 1e-9 * Math.max(1, filled) >= (o.amount ?? 0) * (m.contractSize ?? 1);
        return { ...base, status: short ? 'partially-filled' : whole ? 'filled' : 'cancelled' };
      }
      case 'canceled':
        return { ...base, status: short ? 'partially-filled' : 'cancelled' };
      case 'expired':
        return { ...base, status: short ? 'partially-filled' : 'expired' };
      default:
        return { ...base, status: fills.length > 0 ? 'partially-filled' : 'accepted' };
    }
  }

  async #fills(o: Order, symbol: string, m: MarketInterface): Promise<Fill[]> {
    const ex = this.exchange;
    const trades: Trade[] = ex.has.fetchOrderTrades
      ? await this.caller.call('fetchOrderTrades', () => ex.fetchOrderTrades(o.id ?? '', symbol))
      : (await this.caller.call('fetchMyTrades', () => ex.fetchMyTrades(symbol, o.timestamp))).filter(
          (t) => t.order === o.id,
        );
    const size = m.contractSize ?? 1;
    const feeCurrency = m.settle ?? m.quote;
    return [...trades]
      .sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0) || String(a.id).localeCompare(String(b.id)))
      .map((t) => ({
        qty: (t.side === 'sell' ? -1 : 1) * (t.amount ?? 0) * size,
        price: t.price ?? NaN,
        commission: t.fee?.currency === feeCurrency ? (t.fee.cost ?? 0) : 0,
        time: t.timestamp ?? 0,
      }));
  }

  async #find(clientId: string): Promise<{ order: Order; symbol: string } | null> {
    const symbol = this.#symbolOf(clientId);
    const lookup = CLIENT_ID_LOOKUP[this.exchange.id] ?? ((id: string) => ({ clientOrderId: id }));
    try {
      const order = await this.#call('fetchOrder', () =>
        this.exchange.fetchOrder('', symbol, lookup(this.venueId(clientId))),
      );
      return { order, symbol };
    } catch (e) {
      if (isOrderNotFound(e)) return null;
      throw e;
    }
  }

  async submit(order: OrderRequest): Promise<OrderState> {
    this.#sent.set(order.clientId, order);
    const m = this.#market(order.symbol);
    const amount = Math.abs(order.shares) / (m.contractSize ?? 1);
    try {
      await this.#call('createOrder', () =>
        this.exchange.createOrder(
          order.symbol,
          'market',
          order.shares > 0 ? 'buy' : 'sell',
          amount,
          undefined,
          {
            clientOrderId: this.venueId(order.clientId),
          },
        ),
      );
    } catch (e) {
      if (!isExchangeError(e)) throw e;
      // the exchange may already have it (a resend): its state, and nothing traded
      const known = await this.order(order.clientId);
      if (known !== null) return known;
      return { status: 'rejected', reason: ccxtMessage(e), order, fills: [] };
    }
    // an exchange's answer to a new order is brief: ask for the whole order
    const full = await this.order(order.clientId).catch(() => null);
    return full ?? { status: 'accepted', order, fills: [] };
  }

  async cancel(clientId: string): Promise<OrderState | null> {
    const found = await this.#find(clientId);
    if (found === null) return null;
    try {
      await this.#call('cancelOrder', () => this.exchange.cancelOrder(found.order.id ?? '', found.symbol));
    } catch (e) {
      // already done: its state says what it became
      if (!isOrderNotFound(e) && !isExchangeError(e)) throw e;
    }
    return this.order(clientId);
  }

  async order(clientId: string): Promise<OrderState | null> {
    const found = await this.#find(clientId);
    return found === null ? null : this.#state(found.order, found.symbol, clientId);
  }

  async openOrders(): Promise<OrderState[]> {
    const out: OrderState[] = [];
    for (const symbol of this.#o.symbols) {
      const orders = await this.#call('fetchOpenOrders', () => this.exchange.fetchOpenOrders(symbol));
      for (const o of orders) {
        const cid = o.clientOrderId ?? '';
        const mine = cid.startsWith(this.#prefix + '-')
          ? cid.slice(this.#prefix.length + 1)
          : cid || (o.id ?? '');
        out.push(await this.#state(o, symbol, mine));
      }
    }
    return out;
  }

  async positions(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const swaps = this.#o.symbols.filter((s) => this.#market(s).type === 'swap');
    const spots = this.#o.symbols.filter((s) => this.#market(s).type === 'spot');
    if (swaps.length > 0) {
      // one symbol a request: some exchanges take no more
      const list = [];
      for (const symbol of swaps)
        list.push(...(await this.#call('fetchPositions', () => this.exchange.fetchPositions([symbol]))));
      for (const p of list) {
        const symbol = p.symbol ?? '';
        if (!swaps.includes(symbol)) continue;
        const size = (p.contracts ?? 0) * (p.contractSize ?? this.#market(symbol).contractSize ?? 1);
        out.set(symbol, (out.get(symbol) ?? 0) + (p.side === 'short' ? -size : size));
      }
    }
    if (spots.length > 0) {
      const balance = await this.#call('fetchBalance', () => this.exchange.fetchBalance());
      const total = balance.total as unknown as Record<string, number | undefined>;
      for (const s of spots) {
        const base = this.#market(s).base ?? '';
        out.set(s, Number(total[base] ?? 0) - (this.#baseline?.[base] ?? 0));
      }
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
  }
}
