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
    // net.connect hands its normalized arguments over as one array
    const list = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
    const first = list[0];
    let host = 'localhost';
    if (typeof first === 'object' && first !== null) {
      const o = first as { host?: string; path?: string };
      host = o.path !== undefined ? 'local' : (o.host ?? 'localhost');
    } else if (typeof list[1] === 'string') host = list[1];
    else if (typeof first === 'string' && !/^\d+$/.test(first)) host = 'local';
    if (host !== 'local' && !LOOPBACK.has(host)) {
      refused.push(host);
      throw new Error(`test network guard: a connection to ${host}, beyond 127.0.0.1`);
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
  return { refused, restore: () => void (net.Socket.prototype.connect = original) };
}
