/**
 * A local Alpaca on 127.0.0.1 for the tests: the Trading API v2 REST routes kalrev uses
 * (account, assets, orders, order by client id, cancel, positions, FILL activities), the
 * trade-updates stream at `/stream` and the market-data stream at `/v2/iex`, with the request
 * and response shapes of Alpaca's documentation (the objects are the documented examples in
 * test/fixtures/alpaca/, with the fields a test sets changed).
 *
 * Orders fill when the test publishes the next bar ({@link FakeAlpaca.publishBar}), at that
 * bar's open, as a plan says: whole, in two parts, cancelled or rejected by the venue, or
 * never. The test can answer 429s, lose an answer after the venue took the order, drop a stream,
 * or change a position behind the engine's back. Nothing waits on the wall clock.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/alpaca/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const ORDER = fixture('order');
const POSITION = fixture('position');
const ACCOUNT = fixture('account');
const ASSET = fixture('asset');
const ACTIVITY = fixture('activity_fill');
const STREAM = fixture('stream') as {
  trading: Record<string, Record<string, unknown>>;
  data: Record<string, unknown>;
  errors: Record<string, Record<string, unknown>>;
};

/** What the venue does with an order: fill it whole, in two parts, cancel or reject it later, or never. */
export type OrderPlan =
  'fill' | 'partial' | 'partial-then-cancel' | 'cancel' | 'reject-later' | 'hold' | { reject: string };

interface VenueOrder {
  json: Record<string, unknown> & { id: string; client_order_id: string; symbol: string; side: string };
  qty: number;
  filled: number;
  cost: number;
  plan: OrderPlan;
  step: number;
}

export interface FakeAlpacaOptions {
  keyId: string;
  secretKey: string;
  /** Fields of the account changed from the documented example (buying power is 100,000 unless set). */
  account?: Record<string, unknown>;
  /** Per symbol: fields of its asset changed from the documented example; a symbol listed as null does not exist. */
  assets?: Record<string, Record<string, unknown> | null>;
  /** The plan of the n-th order the venue takes (default: fill). */
  plan?: (order: { symbol: string; qty: number; side: string }, n: number) => OrderPlan;
}

/** The fake venue (see the module notes). */
export class FakeAlpaca {
  readonly options: FakeAlpacaOptions;
  readonly #server: Server;
  readonly #trading = new WebSocketServer({ noServer: true });
  readonly #data = new WebSocketServer({ noServer: true });
  readonly #sockets = new Set<Socket>();
  readonly #listeners = new Set<WebSocket>();
  readonly #subscribers = new Map<WebSocket, Set<string>>();
  readonly #orders: VenueOrder[] = [];
  readonly #activities: Record<string, unknown>[] = [];
  readonly #positions = new Map<string, number>();
  #now = '2024-01-02T14:30:00Z';
  #rateLimit = 0;
  #loseNextOrderAnswer = false;
  #ids = 0;
  #taken = 0;
  /** POST /v2/orders received, per client_order_id (a duplicate is counted, not executed). */
  readonly submits = new Map<string, number>();
  /** Every request: method and path (without the query). */
  readonly requests: string[] = [];
  /** 429 answers given. */
  rateLimited = 0;
  /** Trading-stream connections authorized so far. */
  tradingConnections = 0;

  private constructor(options: FakeAlpacaOptions) {
    this.options = options;
    this.#server = createServer((req, res) => void this.#route(req, res));
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    this.#server.on('upgrade', (req, socket, head) => {
      const path = (req.url ?? '').split('?')[0];
      const wss =
        path === '/stream' ? this.#trading : path === '/v2/iex' || path === '/v2/sip' ? this.#data : null;
      if (wss === null) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
    });
    this.#trading.on('connection', (ws) => this.#tradingSocket(ws));
    this.#data.on('connection', (ws) => this.#dataSocket(ws));
  }

  /** Starts the fake on 127.0.0.1 (a free port). */
  static async start(options: FakeAlpacaOptions): Promise<FakeAlpaca> {
    const fake = new FakeAlpaca(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }
  /** The REST endpoint (APCA_API_BASE_URL). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  /** The market-data stream's base (APCA_API_STREAM_URL). */
  get streamUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The next `n` REST requests are answered 429 (with `Retry-After: 1`). */
  rateLimit(n: number): void {
    this.#rateLimit = n;
  }

  /** The venue takes the next order, but its answer is lost (the connection is cut). */
  loseNextOrderAnswer(): void {
    this.#loseNextOrderAnswer = true;
  }

  /** Positions as the venue holds them. */
  positions(): Map<string, number> {
    return new Map([...this.#positions].filter(([, q]) => q !== 0));
  }

  /** A trade made elsewhere on the account. */
  tamper(symbol: string, shares: number): void {
    this.#positions.set(symbol, (this.#positions.get(symbol) ?? 0) + shares);
  }

  /** Venue order statuses by client order id. */
  statuses(): Record<string, string> {
    return Object.fromEntries(this.#orders.map((o) => [o.json.client_order_id, o.json.status as string]));
  }

  /** Drops every trade-updates connection. */
  dropTradingStream(): void {
    for (const ws of this.#listeners) ws.terminate();
    this.#listeners.clear();
  }

  /** Drops every market-data connection. */
  dropDataStream(): void {
    for (const ws of this.#subscribers.keys()) ws.terminate();
    this.#subscribers.clear();
  }

  #subscribed: (() => void)[] = [];
  #listening: (() => void)[] = [];
  /** Resolves when a trade-updates client next listens. */
  whenListening(): Promise<void> {
    return new Promise((resolve) => this.#listening.push(resolve));
  }

  /** Resolves when a market-data client next subscribes. */
  whenSubscribed(): Promise<void> {
    return new Promise((resolve) => this.#subscribed.push(resolve));
  }

  /** Market-data subscribers (authenticated and subscribed). */
  get subscribers(): number {
    return this.#subscribers.size;
  }

  /**
   * The next bar: the venue's clock moves to `time`, orders working execute at the bar's opens
   * as their plans say (reported on the trade-updates stream), then the bar is streamed to the
   * market-data subscribers of its symbols.
   */
  publishBar(time: string, bars: Record<string, { o: number; c: number }>): void {
    this.#now = time;
    for (const o of this.#orders) {
      if (!['accepted', 'new', 'partially_filled'].includes(o.json.status as string)) continue;
      const open = bars[o.json.symbol]?.o;
      if (open === undefined) continue;
      this.#execute(o, open);
    }
    const base = STREAM.data.bar as Record<string, unknown>;
    for (const [ws, symbols] of this.#subscribers) {
      const items = Object.entries(bars)
        .filter(([s]) => symbols.has(s))
        .map(([S, b]) => ({
          ...base,
          S,
          o: b.o,
          h: Math.max(b.o, b.c),
          l: Math.min(b.o, b.c),
          c: b.c,
          t: time,
        }));
      if (items.length > 0) ws.send(JSON.stringify(items));
    }
  }

  /** Sends raw market-data items (e.g. a malformed bar) to every subscriber. */
  sendBars(items: Record<string, unknown>[]): void {
    for (const ws of this.#subscribers.keys()) ws.send(JSON.stringify(items));
  }

  #execute(o: VenueOrder, price: number): void {
    const plan = o.plan;
    o.step++;
    if (plan === 'hold') return;
    if (plan === 'cancel' || (plan === 'partial-then-cancel' && o.step === 2)) {
      this.#finish(o, 'canceled', 'canceled_at');
      return;
    }
    if (plan === 'reject-later') {
      this.#finish(o, 'rejected', 'failed_at');
      return;
    }
    const partial = (plan === 'partial' || plan === 'partial-then-cancel') && o.step === 1;
    const qty = partial ? Math.floor(o.qty / 2) || o.qty / 2 : o.qty - o.filled;
    this.#fill(o, qty, price);
  }

  #fill(o: VenueOrder, qty: number, price: number): void {
    o.filled += qty;
    o.cost += qty * price;
    const sign = o.json.side === 'buy' ? 1 : -1;
    this.#positions.set(o.json.symbol, (this.#positions.get(o.json.symbol) ?? 0) + sign * qty);
    const done = Math.abs(o.filled - o.qty) < 1e-9;
    o.json.status = done ? 'filled' : 'partially_filled';
    o.json.filled_qty = String(o.filled);
    o.json.filled_avg_price = String(o.cost / o.filled);
    o.json.updated_at = this.#now;
    if (done) o.json.filled_at = this.#now;
    this.#activities.push({
      ...ACTIVITY,
      id: `${this.#now.replace(/\D/g, '')}::${String(++this.#ids).padStart(8, '0')}`,
      order_id: o.json.id,
      symbol: o.json.symbol,
      side: o.json.side,
      qty: String(qty),
      price: String(price),
      cum_qty: String(o.filled),
      leaves_qty: String(o.qty - o.filled),
      transaction_time: this.#now,
      type: done ? 'fill' : 'partial_fill',
    });
    this.#report(done ? 'fill' : 'partial_fill', o, {
      price: String(price),
      qty: String(qty),
      position_qty: String(this.#positions.get(o.json.symbol)),
    });
  }

  #finish(o: VenueOrder, status: string, stamp: string): void {
    o.json.status = status;
    o.json[stamp] = this.#now;
    o.json.updated_at = this.#now;
    this.#report(status, o, {});
  }

  #report(event: string, o: VenueOrder, extra: Record<string, unknown>): void {
    const msg = {
      stream: 'trade_updates',
      data: { event, timestamp: this.#now, ...extra, order: { ...o.json } },
    };
    // Alpaca's paper stream sends binary frames
    for (const ws of this.#listeners) ws.send(Buffer.from(JSON.stringify(msg)), { binary: true });
  }

  #tradingSocket(ws: WebSocket): void {
    let authorized = false;
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as {
        action?: string;
        key?: string;
        secret?: string;
        data?: { streams?: string[] };
      };
      if (m.action === 'auth') {
        authorized = m.key === this.options.keyId && m.secret === this.options.secretKey;
        ws.send(JSON.stringify(authorized ? STREAM.trading.authorized : STREAM.trading.unauthorized));
        if (authorized) this.tradingConnections++;
        else ws.close();
      } else if (m.action === 'listen' && authorized) {
        const streams = (m.data?.streams ?? []).filter((s) => s === 'trade_updates');
        if (streams.length > 0) this.#listeners.add(ws);
        ws.send(JSON.stringify({ ...STREAM.trading.listening, data: { streams } }));
        for (const w of this.#listening.splice(0)) w();
      }
    });
    ws.on('close', () => this.#listeners.delete(ws));
  }

  #dataSocket(ws: WebSocket): void {
    let authorized = false;
    ws.send(JSON.stringify(STREAM.data.connected));
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as {
        action?: string;
        key?: string;
        secret?: string;
        bars?: string[];
      };
      if (m.action === 'auth') {
        authorized = m.key === this.options.keyId && m.secret === this.options.secretKey;
        ws.send(JSON.stringify(authorized ? STREAM.data.authenticated : STREAM.data.authFailed));
      } else if (m.action === 'subscribe') {
        if (!authorized) {
          ws.send(JSON.stringify([{ T: 'error', code: 401, msg: 'not authenticated' }]));
          return;
        }
        const set = this.#subscribers.get(ws) ?? new Set<string>();
        for (const s of m.bars ?? []) set.add(s);
        this.#subscribers.set(ws, set);
        const sub = (STREAM.data.subscription as Record<string, unknown>[])[0];
        ws.send(JSON.stringify([{ ...sub, bars: [...set] }]));
        for (const w of this.#subscribed.splice(0)) w();
      }
    });
    ws.on('close', () => this.#subscribers.delete(ws));
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    this.requests.push(`${req.method} ${path}`);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (this.#rateLimit > 0) {
      this.#rateLimit--;
      this.rateLimited++;
      send(429, STREAM.errors.rateLimited, { 'retry-after': '1' });
      return;
    }
    if (
      req.headers['apca-api-key-id'] !== this.options.keyId ||
      req.headers['apca-api-secret-key'] !== this.options.secretKey
    ) {
      send(401, STREAM.errors.unauthorized);
      return;
    }
    const body =
      chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, string>) : {};
    if (req.method === 'GET' && path === '/v2/account') {
      send(200, { ...ACCOUNT, buying_power: '100000.00', ...this.options.account });
      return;
    }
    const asset = /^\/v2\/assets\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && asset) {
      const symbol = decodeURIComponent(asset[1]);
      const changes = this.options.assets?.[symbol];
      if (changes === null) send(404, { code: 40410000, message: 'asset not found' });
      else send(200, { ...ASSET, symbol, name: symbol, ...changes });
      return;
    }
    if (req.method === 'POST' && path === '/v2/orders') {
      this.#submit(body, req, res, send);
      return;
    }
    if (req.method === 'GET' && path === '/v2/orders:by_client_order_id') {
      const o = this.#orders.find((x) => x.json.client_order_id === url.searchParams.get('client_order_id'));
      if (o === undefined) send(404, STREAM.errors.notFound);
      else send(200, o.json);
      return;
    }
    if (req.method === 'GET' && path === '/v2/orders') {
      const open = this.#orders.filter((o) =>
        ['new', 'accepted', 'partially_filled'].includes(o.json.status as string),
      );
      send(
        200,
        url.searchParams.get('status') === 'open' ? open.map((o) => o.json) : this.#orders.map((o) => o.json),
      );
      return;
    }
    const cancel = /^\/v2\/orders\/([^/]+)$/.exec(path);
    if (req.method === 'DELETE' && cancel) {
      const o = this.#orders.find((x) => x.json.id === cancel[1]);
      if (o === undefined) send(404, STREAM.errors.notFound);
      else if (!['new', 'accepted', 'partially_filled'].includes(o.json.status as string))
        send(422, { code: 42210000, message: `order is already in "${String(o.json.status)}" state` });
      else {
        this.#finish(o, 'canceled', 'canceled_at');
        send(204);
      }
      return;
    }
    if (req.method === 'GET' && path === '/v2/positions') {
      send(
        200,
        [...this.positions()].map(([symbol, q]) => ({
          ...POSITION,
          symbol,
          qty: String(q),
          qty_available: String(q),
          side: q < 0 ? 'short' : 'long',
        })),
      );
      return;
    }
    if (req.method === 'GET' && path === '/v2/account/activities/FILL') {
      const after = url.searchParams.get('after');
      const token = url.searchParams.get('page_token');
      const size = Number(url.searchParams.get('page_size') ?? 100);
      let list = this.#activities.filter(
        (a) => after === null || Date.parse(a.transaction_time as string) > Date.parse(after),
      );
      if (url.searchParams.get('direction') !== 'asc') list = list.reverse();
      if (token !== null) list = list.slice(list.findIndex((a) => a.id === token) + 1);
      send(200, list.slice(0, size));
      return;
    }
    send(404, { code: 40410000, message: `no route ${req.method} ${path}` });
  }

  #submit(
    body: Record<string, string>,
    req: IncomingMessage,
    res: ServerResponse,
    send: (status: number, body?: unknown) => void,
  ): void {
    const cid = body.client_order_id;
    this.submits.set(cid, (this.submits.get(cid) ?? 0) + 1);
    if (this.#orders.some((o) => o.json.client_order_id === cid)) {
      send(422, STREAM.errors.duplicateClientOrderId);
      return;
    }
    const qty = Number(body.qty);
    const n = this.#taken++;
    const plan = this.options.plan?.({ symbol: body.symbol, qty, side: body.side }, n) ?? 'fill';
    if (typeof plan === 'object') {
      send(403, { code: 40310000, message: plan.reject });
      return;
    }
    const id = `00000000-0000-4000-8000-${String(n + 1).padStart(12, '0')}`;
    const at = this.#orders.length;
    const json = {
      ...ORDER,
      id,
      client_order_id: cid,
      symbol: body.symbol,
      qty: body.qty,
      notional: null,
      side: body.side,
      type: body.type,
      order_type: body.type,
      time_in_force: body.time_in_force,
      created_at: this.#now,
      updated_at: this.#now,
      submitted_at: this.#now,
      status: 'accepted',
    };
    this.#orders.push({ json, qty, filled: 0, cost: 0, plan, step: 0 });
    this.#report('new', this.#orders[at], {});
    if (this.#loseNextOrderAnswer) {
      this.#loseNextOrderAnswer = false;
      req.socket.destroy();
      return;
    }
    send(200, json);
  }

  /** Stops the server and every connection. */
  async close(): Promise<void> {
    for (const ws of [...this.#trading.clients, ...this.#data.clients]) ws.terminate();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
