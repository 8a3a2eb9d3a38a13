// Addresses: HOST:PORT parsing and formatting.
import { isIPv6 } from 'node:net';
import { UsageError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(text: string, what = 'address'): HostPort {
  const m = text.trim().match(/^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/);
  if (!m) throw new UsageError(`${what} "${text}" is not HOST:PORT`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`${what} "${text}" has a port outside 1-65535`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The local address this host uses to reach HOST:PORT — what to advertise to peers on that
 *  network (a connected UDP socket picks the route; no packet is sent). */
export async function localAddressToward(address: string): Promise<string> {
  const { host, port } = parseHostPort(address);
  // The loopback address is reached from itself (a local cluster): no socket needed.
  if (host === '127.0.0.1' || host === '::1') return host;
  // Loaded here, not with the module: of the processes that load this module, few ask.
  const { createSocket } = await import('node:dgram');
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, host, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}
