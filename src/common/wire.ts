// Conversions between wire messages (snake_case, generated from .proto) and domain types.
import type { Resources } from './resources.js';
import type { WireGrantIn, WireResources, WireResourcesIn } from '../proto/index.js';

export function resourcesFromWire(r: WireResources | null | undefined): Resources {
  if (!r) return { memoryMb: 0, vcores: 0, gpus: 0, custom: {} };
  const custom: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.custom ?? {})) custom[k] = Number(v);
  return { memoryMb: Number(r.memory_mb), vcores: Number(r.vcores), gpus: Number(r.gpus), custom };
}

export function resourcesToWire(r: Resources): WireResourcesIn {
  return { memory_mb: r.memoryMb, vcores: r.vcores, gpus: r.gpus, custom: r.custom };
}

/** A grant as the CM signs it and drivers hold it (CM GrantEvent, driver Grant). */
export interface GrantFields {
  grantId: string;
  sessionId: string;
  /** The session's user. */
  user: string;
  requestId: string;
  node: string;
  nodeAddress: string;
  shuffleAddress: string;
  resources: Resources;
  token: string;
  expiresAtMs: number;
  driver: boolean;
}

export function grantToWire(g: GrantFields): WireGrantIn {
  return {
    grant_id: g.grantId,
    session_id: g.sessionId,
    user: g.user,
    request_id: g.requestId,
    node_name: g.node,
    node_address: g.nodeAddress,
    shuffle_address: g.shuffleAddress,
    resources: resourcesToWire(g.resources),
    token: g.token,
    expires_at_ms: g.expiresAtMs,
    driver: g.driver,
  };
}
