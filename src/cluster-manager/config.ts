// Cluster manager configuration: defaults sized for a LAN, a --config file (JSON or
// YAML) and flags on top. Every value is checked; a bad one is a UsageError naming it.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UsageError, errorMessage } from '../common/errors.js';

export interface CmConfig {
  rpcHost: string;
  rpcPort: number;
  httpHost: string;
  httpPort: number;
  /** Durable state (history, store); a fresh temporary dir when empty. */
  stateDir: string;
  /** Pools file (YAML or JSON), hot-reloaded; empty = built-in defaults. */
  poolsFile: string;
  /** A node not heard from for this long is lost. */
  nodeExpiryMs: number;
  nodeHeartbeatIntervalMs: number;
  /** A session not heard from for this long is ended and its containers killed. */
  sessionExpiryMs: number;
  sessionHeartbeatIntervalMs: number;
  /** How long a grant token may be used to launch containers. */
  grantTokenTtlMs: number;
  /** After a revocation, the driver has this long to release before the container is killed. */
  revocationGraceMs: number;
  /** Ended sessions kept in the registry for listing. */
  endedSessionsKept: number;
  /** A decommissioning node leaves after this long even if grants remain. */
  decommissionTimeoutMs: number;
  /** After a restart, how long the CM waits in safe mode for agents to register again. */
  recoveryTimeoutMs: number;
  /** A node is blacklisted when this many sessions report task failures on it within the window. */
  blacklistSessions: number;
  blacklistWindowMs: number;
  /** How long a blacklisted node gets no new grants. */
  blacklistDurationMs: number;
  /** At most this percentage of the live nodes is blacklisted at once. */
  blacklistMaxPercent: number;
}

export function defaultCmConfig(): CmConfig {
  return {
    rpcHost: '0.0.0.0',
    rpcPort: 7070,
    httpHost: '0.0.0.0',
    httpPort: 7080,
    stateDir: '',
    poolsFile: '',
    nodeExpiryMs: 30_000,
    nodeHeartbeatIntervalMs: 1_000,
    sessionExpiryMs: 30_000,
    sessionHeartbeatIntervalMs: 2_000,
    grantTokenTtlMs: 24 * 3600_000,
    revocationGraceMs: 10_000,
    endedSessionsKept: 1_000,
    decommissionTimeoutMs: 3_600_000,
    recoveryTimeoutMs: 30_000,
    blacklistSessions: 3,
    blacklistWindowMs: 600_000,
    blacklistDurationMs: 600_000,
    blacklistMaxPercent: 34,
  };
}

const numericLimits: Partial<Record<keyof CmConfig, [number, number]>> = {
  rpcPort: [0, 65535],
  httpPort: [0, 65535],
  nodeExpiryMs: [100, 86_400_000],
  nodeHeartbeatIntervalMs: [10, 600_000],
  sessionExpiryMs: [100, 86_400_000],
  sessionHeartbeatIntervalMs: [10, 600_000],
  grantTokenTtlMs: [1_000, 30 * 86_400_000],
  revocationGraceMs: [0, 3_600_000],
  endedSessionsKept: [0, 1_000_000],
  decommissionTimeoutMs: [0, 30 * 86_400_000],
  recoveryTimeoutMs: [0, 3_600_000],
  blacklistSessions: [1, 1_000_000],
  blacklistWindowMs: [1_000, 30 * 86_400_000],
  blacklistDurationMs: [0, 30 * 86_400_000],
  blacklistMaxPercent: [0, 100],
};

/** Applies `overrides` (from a file or flags) onto `base`, checking names and ranges. */
export function applyCmConfig(base: CmConfig, overrides: Record<string, unknown>, source: string): CmConfig {
  const out: CmConfig = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in base)) throw new UsageError(`${source}: unknown setting "${key}" (known: ${Object.keys(base).join(', ')})`);
    const k = key as keyof CmConfig;
    const limits = numericLimits[k];
    if (limits) {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < limits[0] || n > limits[1]) {
        throw new UsageError(`${source}: ${key} must be a whole number from ${limits[0]} to ${limits[1]}, got ${JSON.stringify(value)}`);
      }
      (out as unknown as Record<string, number>)[k] = n;
    } else {
      if (typeof value !== 'string') throw new UsageError(`${source}: ${key} must be a string, got ${JSON.stringify(value)}`);
      (out as unknown as Record<string, string>)[k] = value;
    }
  }
  if (out.nodeHeartbeatIntervalMs * 2 > out.nodeExpiryMs) throw new UsageError(`${source}: nodeExpiryMs (${out.nodeExpiryMs}) must be at least twice nodeHeartbeatIntervalMs (${out.nodeHeartbeatIntervalMs})`);
  if (out.sessionHeartbeatIntervalMs * 2 > out.sessionExpiryMs) throw new UsageError(`${source}: sessionExpiryMs (${out.sessionExpiryMs}) must be at least twice sessionHeartbeatIntervalMs (${out.sessionHeartbeatIntervalMs})`);
  return out;
}

export function loadCmConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${errorMessage(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${errorMessage(err).split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`config file ${path} must hold a mapping of settings`);
  return parsed as Record<string, unknown>;
}
