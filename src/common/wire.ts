// Conversions between wire messages (snake_case, generated from .proto) and domain types.
import type { Resources } from './resources.js';
import type { WireResources, WireResourcesIn } from '../proto/index.js';

export function resourcesFromWire(r: WireResources | null | undefined): Resources {
  if (!r) return { memoryMb: 0, vcores: 0, gpus: 0, custom: {} };
  const custom: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.custom ?? {})) custom[k] = Number(v);
  return { memoryMb: Number(r.memory_mb), vcores: Number(r.vcores), gpus: Number(r.gpus), custom };
}

export function resourcesToWire(r: Resources): WireResourcesIn {
  return { memory_mb: r.memoryMb, vcores: r.vcores, gpus: r.gpus, custom: r.custom };
}
