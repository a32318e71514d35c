/**
 * Holds a test to 127.0.0.1: every outgoing TCP connection of this process (fetch's undici and
 * ccxt go through `net.Socket.prototype.connect`) to any other host is refused and recorded.
 */
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Refuses connections beyond 127.0.0.1 until the returned function is called; `refused` lists them. */
export function loopbackOnly(): { refused: string[]; restore: () => void } {
  const original = net.Socket.prototype.connect;
  const refused: string[] = [];
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = args[0] as { host?: string; path?: string } | number | string;
    const host =
      typeof first === 'object' && first !== null
        ? first.path !== undefined
          ? 'local'
          : (first.host ?? 'localhost')
        : typeof args[1] === 'string'
          ? args[1]
          : 'localhost';
    if (host !== 'local' && !LOOPBACK.has(host)) {
      refused.push(host);
      throw new Error(`test network guard: a connection to ${host}, beyond 127.0.0.1`);
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
  return { refused, restore: () => void (net.Socket.prototype.connect = original) };
}
