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
      res.nodes.map((n) => [n.name, n.rack, n.state, R.format(resourcesFromWire(n.capacity)), R.format(resourcesFromWire(n.allocated)), `${n.usage?.memory_mb ?? 0}MB`, (n.usage?.cpu_cores ?? 0).toFixed(2), n.containers, ago(Number(n.last_heartbeat_ms)), n.rpc_address]),
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
