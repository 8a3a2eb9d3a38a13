// HMAC grant tokens and session secrets.
//
// The CM holds a random key and gives it to node agents when they register. A grant
// token is HMAC-SHA256(key, grant fields + expiry): an agent can check that a launch
// is for a real grant, on this node, with these resources, not expired — without
// asking the CM. A session secret is HMAC(key, "session:" + id): the CM need not store
// it, and agents can check that a caller owns a session.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Resources } from './resources.js';

export interface TokenFields {
  grantId: string;
  sessionId: string;
  /** The session's user. */
  user: string;
  node: string;
  resources: Resources;
  expiresAtMs: number;
}

export function newTokenKey(): string {
  return randomBytes(32).toString('base64');
}

function payload(f: TokenFields): string {
  const custom = Object.keys(f.resources.custom)
    .sort()
    .map((k) => `${k}=${f.resources.custom[k]}`)
    .join(',');
  return ['grant', f.grantId, f.sessionId, f.user, f.node, f.resources.memoryMb, f.resources.vcores, f.resources.gpus, custom, f.expiresAtMs].join('|');
}

function mac(key: string, text: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64')).update(text).digest('base64url');
}

export function signGrant(key: string, f: TokenFields): string {
  return mac(key, payload(f));
}

export type TokenCheck = { ok: true } | { ok: false; reason: string };

function sameMac(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** Checks a token for a launch on `node` at time `nowMs`. */
export function verifyGrant(key: string, token: string, f: TokenFields, node: string, nowMs: number): TokenCheck {
  if (!token) return { ok: false, reason: 'missing grant token' };
  if (!sameMac(token, signGrant(key, f))) return { ok: false, reason: 'grant token does not verify (forged or altered grant)' };
  if (f.node !== node) return { ok: false, reason: `grant is for node ${f.node}, not ${node}` };
  if (f.expiresAtMs <= nowMs) return { ok: false, reason: `grant token expired at ${new Date(f.expiresAtMs).toISOString()}` };
  return { ok: true };
}

export function sessionSecret(key: string, sessionId: string): string {
  return mac(key, `session:${sessionId}`);
}

export function verifySessionSecret(key: string, sessionId: string, secret: string): boolean {
  return typeof secret === 'string' && secret.length > 0 && sameMac(secret, sessionSecret(key, sessionId));
}
