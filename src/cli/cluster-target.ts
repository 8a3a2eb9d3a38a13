// Which cluster a client command talks to: --cluster, else CORONET_CLUSTER, else (for
// commands that run work) an embedded local cluster started for the command.

import { UsageError } from '../common/errors.js';
import { parseHostPort } from '../common/net.js';
import type { LocalCluster } from '../local/local-cluster.js';

export function namedCluster(flag: unknown): string | undefined {
  const v = (typeof flag === 'string' && flag) || process.env.CORONET_CLUSTER || '';
  if (!v) return undefined;
  parseHostPort(v, flag ? '--cluster' : 'CORONET_CLUSTER');
  return v;
}

export function requireCluster(flag: unknown): string {
  const c = namedCluster(flag);
  if (!c) throw new UsageError('no cluster named: pass --cluster HOST:PORT or set CORONET_CLUSTER');
  return c;
}

/** Runs `fn` against the named cluster, or against an embedded local one torn down afterwards. */
export async function withCluster<T>(flag: unknown, fn: (address: string, embedded: LocalCluster | null) => Promise<T>, embeddedOpts: { nodes?: number; quiet?: boolean } = {}): Promise<T> {
  const named = namedCluster(flag);
  if (named) return fn(named, null);
  if (!embeddedOpts.quiet) process.stderr.write(`coronet: no cluster named; starting an embedded local cluster (${embeddedOpts.nodes ?? 2} nodes)\n`);
  // No warm runners: the cluster lives for this one command, so warming processes up
  // for later containers would only take CPU from this command's own.
  // (Loaded only here: a command against a named cluster never starts daemons.)
  const { startLocalCluster } = await import('../local/local-cluster.js');
  const cluster = await startLocalCluster({ nodes: embeddedOpts.nodes ?? 2, warmRunners: 0 });
  const onSignal = () => void cluster.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(cluster.cmAddress, cluster);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cluster.stop();
  }
}
