// `coronet nodes`, `coronet sessions`, `coronet pools`: tables, or --json.

import { clusterManagerClient, unary, type WireNodeInfo, type WireSessionInfo } from '../proto/index.js';
import { resourcesFromWire } from '../common/wire.js';
import * as R from '../common/resources.js';
import { UsageError } from '../common/errors.js';
import { parseArgs, table } from './args.js';
import { requireCluster } from './cluster-target.js';

const flagsSpec = { cluster: { type: 'string' as const }, json: { type: 'boolean' as const } };

async function ask<T>(command: string, argv: string[], method: string): Promise<{ res: T; json: boolean; cluster: string }> {
  const { flags, positionals } = parseArgs(command, argv, flagsSpec);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for "coronet ${command}"`);
  const cluster = requireCluster(flags.cluster);
  const client = clusterManagerClient(cluster);
  try {
    return { res: await unary<object, T>(client, method, {}, 5_000), json: Boolean(flags.json), cluster };
  } finally {
    client.close();
  }
}

function ago(ms: number): string {
  if (!ms) return '-';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120 ? `${s}s ago` : `${Math.round(s / 60)}m ago`;
}

export async function nodesCommand(argv: string[]): Promise<number> {
  const { res, json } = await ask<{ nodes: WireNodeInfo[] }>('nodes', argv, 'ListNodes');
  if (json) {
    process.stdout.write(JSON.stringify(res.nodes.map((n) => ({ ...n, capacity: resourcesFromWire(n.capacity), allocated: resourcesFromWire(n.allocated) })), null, 2) + '\n');
    return 0;
  }
  process.stdout.write(
    table(
      ['NAME', 'RACK', 'STATE', 'CAPACITY', 'ALLOCATED', 'USED MEM', 'CPU', 'CONTAINERS', 'HEARTBEAT', 'ADDRESS'],
      res.nodes.map((n) => [n.name, n.rack, n.state === 'blacklisted' ? `blacklisted (${Math.max(1, Math.round((Number(n.blacklisted_until_ms) - Date.now()) / 60_000))}m left)` : n.state, R.format(resourcesFromWire(n.capacity)), R.format(resourcesFromWire(n.allocated)), `${n.usage?.memory_mb ?? 0}MB`, (n.usage?.cpu_cores ?? 0).toFixed(2), n.containers, ago(Number(n.last_heartbeat_ms)), n.rpc_address]),
    ) + '\n',
  );
  return 0;
}

export async function sessionsCommand(argv: string[]): Promise<number> {
  const { res, json } = await ask<{ sessions: WireSessionInfo[] }>('sessions', argv, 'ListSessions');
  if (json) {
    process.stdout.write(JSON.stringify(res.sessions.map((s) => ({ ...s, allocated: resourcesFromWire(s.allocated) })), null, 2) + '\n');
    return 0;
  }
  process.stdout.write(
    table(
      ['SESSION', 'NAME', 'USER', 'POOL', 'KIND', 'STATE', 'PRIORITY', 'GRANTS', 'PENDING', 'ALLOCATED', 'STARTED'],
      res.sessions.map((s) => [s.session_id, s.name.length > 40 ? s.name.slice(0, 39) + '…' : s.name, s.user, s.pool, s.kind || '-', s.state, s.priority, s.grants, s.pending, R.format(resourcesFromWire(s.allocated)), ago(Number(s.started_at_ms))]),
    ) + '\n',
  );
  return 0;
}

interface WirePool {
  name: string;
  group: string;
  weight: number;
  min_share: Parameters<typeof resourcesFromWire>[0];
  max_share: Parameters<typeof resourcesFromWire>[0];
  demand: Parameters<typeof resourcesFromWire>[0];
  granted: Parameters<typeof resourcesFromWire>[0];
  fair_share: Parameters<typeof resourcesFromWire>[0];
  starving_since_ms: number;
  running_sessions: number;
  waiting_sessions: number;
  preemptable: boolean;
  order: string;
}

export async function poolsCommand(argv: string[]): Promise<number> {
  const { res, json } = await ask<{ pools: WirePool[] }>('pools', argv, 'ListPools');
  const pools = res.pools.map((p) => ({
    name: p.name,
    group: p.group,
    weight: p.weight,
    minShare: resourcesFromWire(p.min_share),
    maxShare: p.max_share ? resourcesFromWire(p.max_share) : null,
    demand: resourcesFromWire(p.demand),
    granted: resourcesFromWire(p.granted),
    fairShare: resourcesFromWire(p.fair_share),
    starvingSinceMs: Number(p.starving_since_ms) || null,
    runningSessions: p.running_sessions,
    waitingSessions: p.waiting_sessions,
    preemptable: p.preemptable,
    order: p.order,
  }));
  if (json) {
    process.stdout.write(JSON.stringify(pools, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(
    table(
      ['POOL', 'GROUP', 'WEIGHT', 'MIN', 'MAX', 'DEMAND', 'GRANTED', 'FAIR SHARE', 'STARVING', 'RUNNING', 'WAITING'],
      pools.map((p) => [p.name, p.group, p.weight, R.format(p.minShare), p.maxShare ? R.format(p.maxShare) : '-', R.format(p.demand), R.format(p.granted), R.format(p.fairShare), p.starvingSinceMs ? ago(p.starvingSinceMs) : '-', p.runningSessions, p.waitingSessions]),
    ) + '\n',
  );
  return 0;
}

export async function adminCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positionals } = parseArgs(`admin ${sub ?? ''}`, rest, { cluster: { type: 'string' }, 'timeout-ms': { type: 'int', min: 0 } });
  const cluster = requireCluster(flags.cluster);
  const client = clusterManagerClient(cluster);
  try {
    switch (sub) {
      case 'safe-mode': {
        const v = positionals[0];
        if (v !== 'on' && v !== 'off') throw new UsageError('usage: coronet admin safe-mode on|off');
        const r = await unary<object, { on: boolean }>(client, 'SetSafeMode', { on: v === 'on' }, 5_000);
        process.stdout.write(`safe mode ${r.on ? 'on' : 'off'}\n`);
        return 0;
      }
      case 'refresh-pools': {
        const r = await unary<object, { ok: boolean; error: string }>(client, 'RefreshPools', {}, 5_000);
        if (!r.ok) {
          process.stderr.write(`coronet: pools file refused: ${r.error}\n`);
          return 1;
        }
        process.stdout.write('pools file reloaded\n');
        return 0;
      }
      case 'decommission': {
        const node = positionals[0];
        if (!node) throw new UsageError('usage: coronet admin decommission NODE [--timeout-ms MS]');
        await unary(client, 'DecommissionNode', { name: node, timeout_ms: (flags['timeout-ms'] as number | undefined) ?? 0 }, 5_000);
        process.stdout.write(`node ${node} decommissioning: no new grants; it leaves when its containers finish\n`);
        return 0;
      }
      default:
        throw new UsageError('usage: coronet admin safe-mode on|off | refresh-pools | decommission NODE');
    }
  } finally {
    client.close();
  }
}
