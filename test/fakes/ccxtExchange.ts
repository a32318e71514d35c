/**
 * A local crypto exchange on 127.0.0.1 for the ccxt tests: Bybit's V5 REST API (testnet), the
 * routes ccxt's `bybit` calls for markets, account, orders, positions, balances, executions and
 * klines, answering in Bybit's `{retCode, retMsg, result}` envelope with the documentation's
 * example objects (test/fixtures/bybit/) changed where a test sets them. ccxt is pointed at it
 * through its `urls` (the sandbox URLs' host replaced), as `--ccxt-url` does.
 *
 * Spot (`BTC/USDT`) and USDT perpetual (`BTC/USDT:USDT`) markets. Orders fill when the test
 * publishes the next bar ({@link FakeExchange.publishBar}), at its open, as a plan says: whole,
 * in two parts, cancelled or rejected, or never. Rate-limit answers (retCode 10006), an answer
 * lost after the order was taken and a position changed behind the engine's back are played on
 * request. Nothing waits on the wall clock.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { OrderPlan } from './alpacaTrading.js';

export type { OrderPlan } from './alpacaTrading.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/bybit/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const SPOT = fixture('instrument_spot');
const LINEAR = fixture('instrument_linear');
const ORDER = fixture('order');
const POSITION = fixture('position');
const EXECUTION = fixture('execution');
const WALLET = fixture('wallet');

type Category = 'spot' | 'linear';

interface VenueOrder {
  json: Record<string, unknown> & {
    orderId: string;
    orderLinkId: string;
    symbol: string;
    side: 'Buy' | 'Sell';
  };
  category: Category;
  qty: number;
  filled: number;
  cost: number;
  plan: OrderPlan;
  step: number;
}

export interface FakeExchangeOptions {
  apiKey: string;
  secret: string;
  /** Coins the wallet holds at start (default 100,000 USDT). */
  wallet?: Record<string, number>;
  /** Plan of the n-th order the exchange takes (default: fill). */
  plan?: (order: { symbol: string; category: Category; qty: number; side: string }, n: number) => OrderPlan;
  /** Markets: base coins listed for spot and for USDT perpetuals (default BTC and ETH). */
  bases?: string[];
}

const OPEN = new Set(['New', 'PartiallyFilled']);

/** The fake exchange (see the module notes). */
export class FakeExchange {
  readonly options: FakeExchangeOptions;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #orders: VenueOrder[] = [];
  readonly #executions: (Record<string, unknown> & { category: Category })[] = [];
  readonly #wallet = new Map<string, number>();
  readonly #positions = new Map<string, number>();
  readonly #klines = new Map<string, [number, number, number, number, number][]>();
  #now = Date.parse('2024-01-02T00:00:00Z');
  #rateLimit = 0;
  #loseNextOrderAnswer = false;
  #taken = 0;
  #execs = 0;
  /** Create-order requests received per orderLinkId (a duplicate is counted, not executed). */
  readonly submits = new Map<string, number>();
  /** Every request: method and path. */
  readonly requests: string[] = [];
  /** Rate-limit answers given. */
  rateLimited = 0;

  private constructor(options: FakeExchangeOptions) {
    this.options = options;
    for (const [coin, q] of Object.entries(options.wallet ?? { USDT: 100_000 })) this.#wallet.set(coin, q);
    this.#server = createServer((req, res) => void this.#route(req, res));
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  static async start(options: FakeExchangeOptions): Promise<FakeExchange> {
    const fake = new FakeExchange(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** The base URL ccxt's API URLs are rewritten to. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  #published = 0;
  #waiting: (() => void)[] = [];
  /** A wait that ends at the next bar published after its previous end (a poller's pause). */
  poller(): () => Promise<void> {
    let seen = this.#published;
    return () =>
      new Promise<void>((resolve) => {
        const done = () => {
          seen = this.#published;
          resolve();
        };
        if (this.#published > seen) done();
        else this.#waiting.push(done);
      });
  }

  /** The next `n` requests are answered with Bybit's rate-limit error (retCode 10006). */
  rateLimit(n: number): void {
    this.#rateLimit = n;
  }

  /** The exchange takes the next order, but its answer is lost (the connection is cut). */
  loseNextOrderAnswer(): void {
    this.#loseNextOrderAnswer = true;
  }

  /** Coins in the wallet. */
  wallet(): Map<string, number> {
    return new Map(this.#wallet);
  }

  /** Perpetual positions by Bybit symbol (signed). */
  positions(): Map<string, number> {
    return new Map([...this.#positions].filter(([, q]) => q !== 0));
  }

  /** A trade made elsewhere on the perpetual `symbol` (Bybit id, e.g. BTCUSDT). */
  tamper(symbol: string, qty: number): void {
    this.#positions.set(symbol, (this.#positions.get(symbol) ?? 0) + qty);
  }

  /** Order statuses by orderLinkId. */
  statuses(): Record<string, string> {
    return Object.fromEntries(this.#orders.map((o) => [o.json.orderLinkId, o.json.orderStatus as string]));
  }

  /**
   * The next one-minute bar, starting at `time` (ms): the exchange's clock moves to its end,
   * orders working in a market execute at its open as their plans say, and the bar joins the
   * klines of each symbol (Bybit id, both categories).
   */
  publishBar(time: number, bars: Record<string, { o: number; c: number }>): void {
    this.#now = time + 60_000;
    for (const o of this.#orders) {
      if (!OPEN.has(o.json.orderStatus as string)) continue;
      const open = bars[o.json.symbol]?.o;
      if (open !== undefined) this.#execute(o, open);
    }
    for (const [symbol, b] of Object.entries(bars)) {
      const list = this.#klines.get(symbol) ?? [];
      list.push([time, b.o, Math.max(b.o, b.c), Math.min(b.o, b.c), b.c]);
      this.#klines.set(symbol, list);
    }
    this.#published++;
    for (const w of this.#waiting.splice(0)) w();
  }

  #execute(o: VenueOrder, price: number): void {
    o.step++;
    const plan = o.plan;
    if (plan === 'hold') return;
    if (plan === 'cancel' || (plan === 'partial-then-cancel' && o.step === 2)) {
      this.#finish(o, o.filled > 0 ? 'PartiallyFilledCanceled' : 'Cancelled');
      return;
    }
    if (plan === 'reject-later') {
      this.#finish(o, 'Rejected');
      return;
    }
    const partial = (plan === 'partial' || plan === 'partial-then-cancel') && o.step === 1;
    this.#fill(o, partial ? o.qty / 2 : o.qty - o.filled, price);
  }

  #fill(o: VenueOrder, qty: number, price: number): void {
    o.filled += qty;
    o.cost += qty * price;
    const sign = o.json.side === 'Buy' ? 1 : -1;
    const fee = qty * price * 0.001;
    if (o.category === 'spot') {
      const base = o.json.symbol.replace(/USDT$/, '');
      this.#wallet.set(base, (this.#wallet.get(base) ?? 0) + sign * qty);
      this.#wallet.set('USDT', (this.#wallet.get('USDT') ?? 0) - sign * qty * price - fee);
    } else {
      this.#positions.set(o.json.symbol, (this.#positions.get(o.json.symbol) ?? 0) + sign * qty);
      this.#wallet.set('USDT', (this.#wallet.get('USDT') ?? 0) - fee);
    }
    const done = Math.abs(o.filled - o.qty) < 1e-12;
    Object.assign(o.json, {
      orderStatus: done ? 'Filled' : 'PartiallyFilled',
      cumExecQty: String(o.filled),
      cumExecValue: String(o.cost),
      cumExecFee: String(Number(o.json.cumExecFee) + fee),
      avgPrice: String(o.cost / o.filled),
      leavesQty: String(o.qty - o.filled),
      updatedTime: String(this.#now),
    });
    this.#executions.push({
      ...EXECUTION,
      category: o.category,
      symbol: o.json.symbol,
      orderId: o.json.orderId,
      orderLinkId: o.json.orderLinkId,
      side: o.json.side,
      orderType: 'Market',
      orderQty: String(o.qty),
      orderPrice: '0',
      execId: `exec-${String(++this.#execs).padStart(8, '0')}`,
      execPrice: String(price),
      execQty: String(qty),
      execValue: String(qty * price),
      execFee: String(fee),
      feeRate: '0.001',
      feeCurrency: 'USDT',
      leavesQty: String(o.qty - o.filled),
      execTime: String(this.#now),
      markPrice: String(price),
      seq: this.#execs,
    });
  }

  #finish(o: VenueOrder, status: string): void {
    o.json.orderStatus = status;
    o.json.updatedTime = String(this.#now);
    if (status === 'Rejected') o.json.rejectReason = 'EC_NoImmediateQtyToFill';
  }

  #instrument(category: string, base: string): Record<string, unknown> {
    return category === 'spot'
      ? { ...SPOT, symbol: `${base}USDT`, baseCoin: base }
      : { ...LINEAR, symbol: `${base}USDT`, baseCoin: base };
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const q = Object.fromEntries(url.searchParams) as Record<string, string>;
    this.requests.push(`${req.method} ${path}`);
    const reply = (result: unknown, retCode = 0, retMsg = 'OK') => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ retCode, retMsg, result: result ?? {}, retExtInfo: {}, time: this.#now }));
    };
    if (this.#rateLimit > 0) {
      this.#rateLimit--;
      this.rateLimited++;
      reply({}, 10006, 'Too many visits!');
      return;
    }
    const bases = this.options.bases ?? ['BTC', 'ETH'];
    if (path === '/v5/market/time') {
      reply({ timeSecond: String(Math.floor(this.#now / 1000)), timeNano: `${this.#now}000000` });
      return;
    }
    if (path === '/v5/market/instruments-info') {
      const list =
        q.category === 'spot' || q.category === 'linear'
          ? bases.map((b) => this.#instrument(q.category, b))
          : [];
      reply({ category: q.category, list, nextPageCursor: '' });
      return;
    }
    if (path === '/v5/market/kline') {
      const list = (this.#klines.get(q.symbol) ?? [])
        .filter(
          ([t]) =>
            (q.start === undefined || t >= Number(q.start)) && (q.end === undefined || t <= Number(q.end)),
        )
        .slice(-(Number(q.limit) || 200))
        .reverse()
        .map(([t, o, h, l, c]) => [String(t), String(o), String(h), String(l), String(c), '1', String(c)]);
      reply({ category: q.category, symbol: q.symbol, list });
      return;
    }
    if (req.headers['x-bapi-api-key'] !== this.options.apiKey) {
      reply({}, 10003, 'API key is invalid.');
      return;
    }
    const body =
      chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, string>) : {};
    switch (path) {
      case '/v5/asset/coin/query-info':
        reply({ rows: [] });
        return;
      case '/v5/user/query-api':
        reply({
          id: '1',
          note: 'kalrev test',
          apiKey: this.options.apiKey,
          readOnly: 0,
          unified: 1,
          uta: 1,
          isMaster: true,
        });
        return;
      case '/v5/account/info':
        reply({ marginMode: 'REGULAR_MARGIN', unifiedMarginStatus: 5, updatedTime: String(this.#now) });
        return;
      case '/v5/account/wallet-balance': {
        const template = (WALLET.coin as Record<string, unknown>[])[0];
        const coin = [...this.#wallet].map(([c, v]) => ({
          ...template,
          coin: c,
          walletBalance: String(v),
          equity: String(v),
          availableToWithdraw: String(v),
          locked: '0',
          spotHedgingQty: '0',
        }));
        reply({ list: [{ ...WALLET, coin }] });
        return;
      }
      case '/v5/order/create':
        this.#create(body, req, reply);
        return;
      case '/v5/order/realtime':
      case '/v5/order/history': {
        const list = this.#orders
          .filter(
            (o) =>
              o.category === q.category &&
              (q.symbol === undefined || o.json.symbol === q.symbol) &&
              (q.orderId === undefined || o.json.orderId === q.orderId) &&
              (q.orderLinkId === undefined || o.json.orderLinkId === q.orderLinkId) &&
              (path === '/v5/order/history'
                ? !OPEN.has(o.json.orderStatus as string)
                : q.openOnly === '0' ||
                  q.orderId !== undefined ||
                  q.orderLinkId !== undefined ||
                  OPEN.has(o.json.orderStatus as string)),
          )
          .map((o) => ({ ...o.json }))
          .reverse();
        reply({ category: q.category, list, nextPageCursor: '' });
        return;
      }
      case '/v5/order/cancel': {
        const o = this.#orders.find(
          (x) =>
            x.category === body.category &&
            (x.json.orderId === body.orderId || x.json.orderLinkId === body.orderLinkId),
        );
        if (o === undefined || !OPEN.has(o.json.orderStatus as string)) {
          reply({}, 110001, 'Order does not exist.');
          return;
        }
        this.#finish(o, o.filled > 0 ? 'PartiallyFilledCanceled' : 'Cancelled');
        reply({ orderId: o.json.orderId, orderLinkId: o.json.orderLinkId });
        return;
      }
      case '/v5/position/list': {
        const list = [...this.#positions]
          .filter(([s, size]) => size !== 0 && (q.symbol === undefined || s === q.symbol))
          .map(([symbol, size]) => ({
            ...POSITION,
            symbol,
            side: size > 0 ? 'Buy' : 'Sell',
            size: String(Math.abs(size)),
            positionIdx: 0,
            avgPrice: '0',
            updatedTime: String(this.#now),
          }));
        reply({ category: 'linear', list, nextPageCursor: '' });
        return;
      }
      case '/v5/execution/list': {
        const list = this.#executions
          .filter(
            (e) =>
              e.category === q.category &&
              (q.symbol === undefined || e.symbol === q.symbol) &&
              (q.orderId === undefined || e.orderId === q.orderId) &&
              (q.startTime === undefined || Number(e.execTime) >= Number(q.startTime)),
          )
          .map(({ category: _c, ...e }) => e)
          .reverse();
        reply({ category: q.category, list, nextPageCursor: '' });
        return;
      }
      default:
        reply({}, 10001, `no route ${req.method} ${path}`);
    }
  }

  #create(
    body: Record<string, string>,
    req: IncomingMessage,
    reply: (r: unknown, code?: number, msg?: string) => void,
  ): void {
    const link = body.orderLinkId;
    this.submits.set(link, (this.submits.get(link) ?? 0) + 1);
    if (this.#orders.some((o) => o.json.orderLinkId === link)) {
      reply({}, 110072, 'OrderLinkedID is duplicate');
      return;
    }
    const category = body.category as Category;
    const qty = Number(body.qty);
    const plan =
      this.options.plan?.({ symbol: body.symbol, category, qty, side: body.side }, this.#taken++) ?? 'fill';
    if (typeof plan === 'object') {
      reply({}, 110007, plan.reject);
      return;
    }
    const orderId = `ord-${String(this.#orders.length + 1).padStart(8, '0')}`;
    const json = {
      ...ORDER,
      orderId,
      orderLinkId: link,
      symbol: body.symbol,
      side: body.side as 'Buy' | 'Sell',
      orderType: 'Market',
      price: '0',
      qty: body.qty,
      timeInForce: 'IOC',
      orderStatus: 'New',
      avgPrice: '0',
      leavesQty: body.qty,
      leavesValue: '0',
      cumExecQty: '0',
      cumExecValue: '0',
      cumExecFee: '0',
      takeProfit: '0',
      stopLoss: '0',
      positionIdx: 0,
      createdTime: String(this.#now),
      updatedTime: String(this.#now),
    };
    this.#orders.push({ json, category, qty, filled: 0, cost: 0, plan, step: 0 });
    if (this.#loseNextOrderAnswer) {
      this.#loseNextOrderAnswer = false;
      req.socket.destroy();
      return;
    }
    reply({ orderId, orderLinkId: link });
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
