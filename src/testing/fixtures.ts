// Test fixtures shared by the integration tests: a local cluster of real daemons with
// short expiries, and small helpers for waiting on conditions.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from '../local/local-cluster.js';
import type { CmConfig } from '../cluster-manager/config.js';
import type { DriverEvent, Grant } from '../session-driver/index.js';

/** Expiries short enough for tests, long enough for a busy 2-core machine. */
export const fastExpiry: Partial<CmConfig> = {
  nodeHeartbeatIntervalMs: 200,
  nodeExpiryMs: 4_000,
  sessionHeartbeatIntervalMs: 200,
  sessionExpiryMs: 4_000,
  revocationGraceMs: 1_000,
};

export async function testCluster(o: LocalClusterOptions & { cm?: Partial<CmConfig> } = {}): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'coronet-test-'));
  const configFile = join(dir, 'cm.json');
  writeFileSync(configFile, JSON.stringify({ ...fastExpiry, ...o.cm }));
  return startLocalCluster({ nodes: 2, memoryMbPerNode: 4096, vcoresPerNode: 4, stablePorts: true, ...o, cmArgs: ['--config', configFile, ...(o.cmArgs ?? [])] });
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
      last = `the probe returned ${String(v)} (it must return a truthy value when done)`;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function getJson<T = unknown>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** The first grant among driver events (a test asked for one). */
export function grantOf(events: DriverEvent[]): Grant {
  const e = events.find((x) => x.type === 'grant');
  if (!e || e.type !== 'grant') throw new Error(`no grant among ${events.length} events`);
  return e.grant;
}

/** Takes events from an async iterator until `match` returns true; returns every event seen. */
export async function takeUntil<T>(it: AsyncIterator<T>, match: (e: T) => boolean, timeoutMs = 20_000): Promise<T[]> {
  const seen: T[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out; events so far: ${JSON.stringify(seen).slice(0, 2000)}`);
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([it.next(), new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), left)))]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`timed out; events so far: ${JSON.stringify(seen).slice(0, 2000)}`);
    if (r.done) throw new Error(`event stream ended; events so far: ${JSON.stringify(seen).slice(0, 2000)}`);
    seen.push(r.value);
    if (match(r.value)) return seen;
  }
}

export const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `coronet ARGS` against a cluster without blocking this process (its drivers keep heartbeating). */
export function runCli(cluster: LocalCluster, args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, CORONET_CLUSTER: cluster.cmAddress } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
