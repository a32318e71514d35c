/**
 * A fake asynchronous venue for the tests, on a fake clock: requests and reports take
 * `latencyMs`, orders fill in `parts`, some are rejected, and the connection can drop (requests
 * fail, reports sent meanwhile are lost, answers in flight are lost). No wall-clock sleep
 * anywhere: the clock jumps to its next timer whenever the program is waiting for nothing else.
 */
import {
  BrokerConnectionError,
  type Broker,
  type ConnectionEvent,
  type Fill,
  type MarketBar,
  type OrderRequest,
  type OrderState,
} from '../../src/execution/broker.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * Time that moves only by its timers: when every promise the program waits on is a timer's,
 * the next timer fires (checked from `setImmediate`, after the pending promise callbacks ran).
 */
export class FakeClock {
  #now: number;
  #timers: Timer[] = [];
  #seq = 0;
  #pumping = false;
  constructor(start = 0) {
    this.#now = start;
  }
  /** The current fake time (ms), as a clock function. */
  readonly read = (): number => this.#now;
  /** Runs `fn` after `ms` of fake time. */
  after(ms: number, fn: () => void): void {
    this.#timers.push({ at: this.#now + ms, seq: this.#seq++, fn });
    this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.#pump();
  }
  /** Resolves once `ms` of fake time have elapsed (no wall-clock wait: the clock jumps there). */
  elapse(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    setImmediate(() => {
      this.#pumping = false;
      const t = this.#timers.shift();
      if (t === undefined) return;
      this.#now = Math.max(this.#now, t.at);
      t.fn();
      if (this.#timers.length > 0) this.#pump();
    });
  }
}

export interface FakeBrokerOptions {
  clock: FakeClock;
  /** Round trip of a request, and delay of a report (ms). */
  latencyMs?: number;
  /** An order fills in this many equal parts, `latencyMs` apart. */
  parts?: number;
  /** A reason to reject an order, or null to accept it. */
  reject?: (order: OrderRequest, n: number) => string | null;
  /** An order not filled this long after it was accepted expires (what is filled stays). */
  expireAfterMs?: number;
}

interface VenueOrder {
  order: OrderRequest;
  status: OrderState['status'];
  reason: string;
  fills: Fill[];
  price: number;
}

/** The fake venue. Prices: the last close it saw for the order's leg, fixed when accepted. */
export class FakeBroker implements Broker {
  readonly name = 'fake';
  readonly clock: FakeClock;
  readonly latencyMs: number;
  readonly parts: number;
  readonly #reject: FakeBrokerOptions['reject'];
  readonly #expireAfterMs: number | undefined;
  readonly #orders = new Map<string, VenueOrder>();
  readonly #positions = new Map<string, number>();
  readonly #updates: ((s: OrderState) => void)[] = [];
  readonly #connection: ((e: ConnectionEvent) => void)[] = [];
  #last: number[] = [];
  #up = true;
  #dropAfterOrder: { n: number; forMs: number } | null = null;
  /** Submits that reached the venue, per client id (a resend is counted, not executed). */
  readonly received = new Map<string, number>();
  /** Reports lost while the connection was down. */
  lost = 0;

  constructor(options: FakeBrokerOptions) {
    this.clock = options.clock;
    this.latencyMs = options.latencyMs ?? 0;
    this.parts = options.parts ?? 1;
    this.#reject = options.reject;
    this.#expireAfterMs = options.expireAfterMs;
  }

  get connected(): boolean {
    return this.#up;
  }

  /** The connection drops now and comes back after `forMs`. */
  drop(forMs: number): void {
    if (!this.#up) return;
    this.#up = false;
    for (const l of this.#connection) l('disconnected');
    this.clock.after(forMs, () => {
      this.#up = true;
      for (const l of this.#connection) l('reconnected');
    });
  }

  /** The connection drops right after the venue takes its `n`-th new order (0-based): its answer is lost. */
  dropAfterOrder(n: number, forMs: number): void {
    this.#dropAfterOrder = { n, forMs };
  }

  /** The client went away (its process died): its listeners hear nothing more. */
  detach(): void {
    this.#updates.length = 0;
    this.#connection.length = 0;
  }

  /** Changes a position behind the client's back (a trade made elsewhere). */
  tamper(symbol: string, shares: number): void {
    this.#positions.set(symbol, (this.#positions.get(symbol) ?? 0) + shares);
  }

  /** Positions as the venue holds them, without the connection. */
  book(): Map<string, number> {
    return new Map(this.#positions);
  }

  #state(v: VenueOrder): OrderState {
    const base = { order: { ...v.order }, fills: v.fills.map((f) => ({ ...f })) };
    return v.status === 'rejected'
      ? { ...base, status: 'rejected', reason: v.reason }
      : { ...base, status: v.status };
  }

  /** A request: half the latency to reach the venue, half for the answer; either leg can be lost. */
  async #call<T>(venue: () => T): Promise<T> {
    if (!this.#up) throw new BrokerConnectionError(this.name, 'not connected');
    await this.clock.elapse(this.latencyMs / 2);
    if (!this.#up) throw new BrokerConnectionError(this.name, 'connection lost before the venue answered');
    const answer = venue();
    await this.clock.elapse(this.latencyMs / 2);
    if (!this.#up) throw new BrokerConnectionError(this.name, 'connection lost, answer not received');
    return answer;
  }

  /** A report travels to the client; lost if the connection is down when it would arrive. */
  #report(v: VenueOrder): void {
    const state = this.#state(v);
    this.clock.after(this.latencyMs / 2, () => {
      if (!this.#up) {
        this.lost++;
        return;
      }
      for (const l of this.#updates) l(state);
    });
  }

  #accept(order: OrderRequest): VenueOrder {
    this.received.set(order.clientId, (this.received.get(order.clientId) ?? 0) + 1);
    const known = this.#orders.get(order.clientId);
    if (known !== undefined) return known;
    const n = this.#orders.size;
    const reason = this.#reject?.(order, n) ?? null;
    const v: VenueOrder = {
      order: { ...order },
      status: reason === null ? 'accepted' : 'rejected',
      reason: reason ?? '',
      fills: [],
      price: this.#last[order.leg],
    };
    this.#orders.set(order.clientId, v);
    if (reason === null) {
      const part = order.shares / this.parts;
      for (let k = 1; k <= this.parts; k++)
        this.clock.after(k * this.latencyMs, () => {
          if (v.status !== 'accepted' && v.status !== 'partially-filled') return;
          // the last part takes what is left, so the parts add up to the order exactly
          const qty = k === this.parts ? order.shares - part * (this.parts - 1) : part;
          v.fills.push({ qty, price: v.price, commission: 0, time: this.clock.read() });
          v.status = k === this.parts ? 'filled' : 'partially-filled';
          this.#positions.set(order.symbol, (this.#positions.get(order.symbol) ?? 0) + qty);
          this.#report(v);
        });
    }
    if (reason === null && this.#expireAfterMs !== undefined)
      this.clock.after(this.#expireAfterMs, () => {
        if (v.status !== 'accepted' && v.status !== 'partially-filled') return;
        v.status = 'expired';
        this.#report(v);
      });
    const drop = this.#dropAfterOrder;
    if (drop !== null && drop.n === n) {
      this.#dropAfterOrder = null;
      this.drop(drop.forMs);
    }
    return v;
  }

  submit(order: OrderRequest): Promise<OrderState> {
    return this.#call(() => this.#state(this.#accept(order)));
  }

  cancel(clientId: string): Promise<OrderState | null> {
    return this.#call(() => {
      const v = this.#orders.get(clientId);
      if (v === undefined) return null;
      if (v.status === 'accepted' || v.status === 'partially-filled') {
        v.status = 'cancelled';
        this.#report(v);
      }
      return this.#state(v);
    });
  }

  order(clientId: string): Promise<OrderState | null> {
    return this.#call(() => {
      const v = this.#orders.get(clientId);
      return v === undefined ? null : this.#state(v);
    });
  }

  openOrders(): Promise<OrderState[]> {
    return this.#call(() =>
      [...this.#orders.values()]
        .filter((v) => v.status === 'accepted' || v.status === 'partially-filled')
        .map((v) => this.#state(v)),
    );
  }

  positions(): Promise<Map<string, number>> {
    return this.#call(() => new Map(this.#positions));
  }

  onUpdate(listener: (state: OrderState) => void): void {
    this.#updates.push(listener);
  }

  onConnection(listener: (event: ConnectionEvent) => void): void {
    this.#connection.push(listener);
  }

  /** Market data reaches the venue at once (it prices the orders that follow). */
  onBar(bar: MarketBar): Promise<void> {
    this.#last = Array.from(bar.close);
    return Promise.resolve();
  }
}
