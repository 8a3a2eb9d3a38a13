// Addresses: HOST:PORT parsing and formatting.
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
