/**
 * The broker contract: what the engine needs from a venue. A venue answers asynchronously,
 * may fill an order in parts, may reject it, and is the truth about positions; the engine
 * journals every order under a client order id it chose *before* submitting it, so a crash
 * between the journal and the venue is reconciled on restart (the id is the venue's
 * idempotency key) and never sends an order twice.
 */
import { KalrevError } from '../errors.js';

/** A market order for one leg. */
export interface OrderRequest {
  /** Chosen and journaled by the engine before submit; the venue must treat a repeat as the same order. */
  clientId: string;
  symbol: string;
  /** Leg index in the strategy's order. */
  leg: number;
  /** Signed shares: positive buys, negative sells. */
  shares: number;
  /** Time of the bar the order was decided on (UTC ms). */
  time: number;
}

/** One execution of (part of) an order. */
export interface Fill {
  /** Signed shares filled: the same sign as the order's. */
  qty: number;
  /** Price per share, slippage included. */
  price: number;
  commission: number;
  /** Time the venue filled it (for a simulated venue, the time of the bar whose price filled it). */
  time: number;
}

/** What every order state carries: the request and the fills so far, oldest first. */
interface OrderStateBase {
  order: OrderRequest;
  fills: readonly Fill[];
}

/**
 * An order's state at the venue. `fills` only grows; the states after `accepted` are reached
 * in any order the venue reports them, and `filled`, `rejected`, `cancelled` and `expired` are
 * final (a cancelled or expired order may carry the fills it had before).
 */
export type OrderState =
  | (OrderStateBase & { status: 'new' })
  | (OrderStateBase & { status: 'accepted' })
  | (OrderStateBase & { status: 'partially-filled' })
  | (OrderStateBase & { status: 'filled' })
  | (OrderStateBase & { status: 'rejected'; reason: string })
  | (OrderStateBase & { status: 'cancelled' })
  | (OrderStateBase & { status: 'expired' });

/** The status of an order alone: `new`, `accepted`, `partially-filled`, … (see {@link OrderState}). */
export type OrderStatus = OrderState['status'];

/** Statuses after which an order neither fills nor changes again. */
export const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'filled',
  'rejected',
  'cancelled',
  'expired',
]);

/** Whether an order in this state may still fill. */
export const isOpen = (status: OrderStatus): boolean => !FINAL_STATUSES.has(status);

/** Shares filled so far (signed). */
export function filledQty(state: Pick<OrderState, 'fills'>): number {
  let q = 0;
  for (const f of state.fills) q += f.qty;
  return q;
}

/** One bar of market data as a simulated venue sees it (prices per leg). */
export interface MarketBar {
  time: number;
  close: ArrayLike<number>;
  open: ArrayLike<number> | null;
}

/** A change of the connection to the venue. */
export type ConnectionEvent = 'disconnected' | 'reconnected';

/**
 * A venue. Every call may reject with {@link BrokerConnectionError} while the connection is
 * down; a broker that reports {@link ConnectionEvent}s lets the engine wait for it to come back
 * and reconcile, one that does not halts the run on such an error.
 */
export interface Broker {
  /** Short name, as `--broker` gives it; journaled with the run. */
  readonly name: string;
  /**
   * Sends an order and resolves to the venue's first answer (accepted, rejected, or already
   * (partly) filled). Idempotent on `clientId`: a repeat resolves to the order's current state
   * and trades nothing.
   */
  submit(order: OrderRequest): Promise<OrderState>;
  /** Asks the venue to cancel an open order; resolves to its state after (null when unknown). */
  cancel(clientId: string): Promise<OrderState | null>;
  /** What the venue knows of an order, null when it never saw the id: how a restart learns whether an order left. */
  order(clientId: string): Promise<OrderState | null>;
  /** The orders that may still fill. */
  openOrders(): Promise<OrderState[]>;
  /** Shares held per symbol (a symbol not listed holds none). */
  positions(): Promise<Map<string, number>>;
  /** Registers a listener for every change of an order's state (a fill, a rejection, …). */
  onUpdate(listener: (state: OrderState) => void): void;
  /** Registers a listener for connection changes (brokers whose connection can drop). */
  onConnection?(listener: (event: ConnectionEvent) => void): void;
  /** Market data, for a simulated venue (a real venue has its own). */
  onBar?(bar: MarketBar): Promise<void>;
  /**
   * Connects and checks the account before the first reconciliation (a real venue): resolves to
   * what was checked (journaled as `broker-connected`; never a key).
   * @throws BrokerRefusedError when the account cannot trade the run (journaled as `broker-refused`).
   */
  connect?(): Promise<Record<string, unknown>>;
  /** Ends the connection and its timers (the session is closing). */
  close?(): void;
}

/** The connection to the venue is down: the call did not reach it, or its answer was lost. */
export class BrokerConnectionError extends KalrevError {
  override name = 'BrokerConnectionError';
  constructor(
    readonly broker: string,
    reason: string,
  ) {
    super(`broker ${broker}: ${reason}`);
  }
}

/**
 * The venue's account cannot trade this run: blocked, no buying power, a symbol it does not
 * trade or cannot lend for a short, keys it does not accept. Names the broker and the reason.
 */
export class BrokerRefusedError extends KalrevError {
  override name = 'BrokerRefusedError';
  constructor(
    readonly broker: string,
    readonly reason: string,
  ) {
    super(`broker ${broker} refused the run: ${reason}`);
  }
}
