// `coronet cluster-manager`, `coronet node-agent`, `coronet local`.

import { applyCmConfig, defaultCmConfig, loadCmConfigFile } from '../cluster-manager/config.js';
import { startClusterManager } from '../cluster-manager/daemon.js';
import { defaultAgentConfig, startNodeAgent, warmRunnersMax } from '../node-agent/daemon.js';
import { startLocalCluster } from '../local/local-cluster.js';
import { parseHostPort } from '../common/net.js';
import { UsageError } from '../common/errors.js';
import { parseArgs } from './args.js';

function ready(rpc: string, http: string): void {
  process.stdout.write(JSON.stringify({ event: 'ready', rpc, http }) + '\n');
}

function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const handler = () => {
    if (closing) process.exit(1);
    closing = true;
    void close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

export async function clusterManagerCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs('cluster-manager', argv, {
    'rpc-port': { type: 'int', min: 0, max: 65535 },
    'http-port': { type: 'int', min: 0, max: 65535 },
    'rpc-host': { type: 'string' },
    'http-host': { type: 'string' },
    'state-dir': { type: 'string' },
    pools: { type: 'string' },
    config: { type: 'string' },
    'node-expiry-ms': { type: 'int', min: 100 },
    'session-expiry-ms': { type: 'int', min: 100 },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for "coronet cluster-manager"`);
  let config = defaultCmConfig();
  if (flags.config) config = applyCmConfig(config, loadCmConfigFile(String(flags.config)), String(flags.config));
  const fromFlags: Record<string, unknown> = {};
  const map: Record<string, string> = { 'rpc-port': 'rpcPort', 'http-port': 'httpPort', 'rpc-host': 'rpcHost', 'http-host': 'httpHost', 'state-dir': 'stateDir', pools: 'poolsFile', 'node-expiry-ms': 'nodeExpiryMs', 'session-expiry-ms': 'sessionExpiryMs' };
  for (const [flag, key] of Object.entries(map)) if (flags[flag] !== undefined) fromFlags[key] = flags[flag];
  config = applyCmConfig(config, fromFlags, 'flags');
  const running = await startClusterManager(config);
  ready(running.rpcAddress, running.httpAddress);
  onShutdown(() => running.close());
  return new Promise<number>(() => undefined);
}

export async function nodeAgentCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs('node-agent', argv, {
    cm: { type: 'string' },
    name: { type: 'string' },
    rack: { type: 'string' },
    'memory-mb': { type: 'int', min: 1 },
    vcores: { type: 'int', min: 1 },
    gpus: { type: 'int', min: 0 },
    'work-dir': { type: 'string' },
    host: { type: 'string' },
    'advertise-host': { type: 'string' },
    'rpc-port': { type: 'int', min: 0, max: 65535 },
    'shuffle-port': { type: 'int', min: 0, max: 65535 },
    'memory-check-ms': { type: 'int', min: 10 },
    'warm-runners': { type: 'int', min: 0, max: warmRunnersMax },
    'no-runner-reuse': { type: 'boolean' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for "coronet node-agent"`);
  if (!flags.cm) throw new UsageError('--cm HOST:PORT is required (the cluster manager RPC address)');
  parseHostPort(String(flags.cm), '--cm');
  const c = defaultAgentConfig();
  c.cmAddress = String(flags.cm);
  if (flags.name) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(String(flags.name))) throw new UsageError(`--name "${flags.name}" may hold only letters, digits, ".", "_" and "-"`);
    c.name = String(flags.name);
  }
  if (flags.rack) {
    if (!String(flags.rack).startsWith('/')) throw new UsageError(`--rack "${flags.rack}" must start with "/" (e.g. /rack-1)`);
    c.rack = String(flags.rack);
  }
  if (flags['memory-mb'] !== undefined) c.capacity.memoryMb = Number(flags['memory-mb']);
  if (flags.vcores !== undefined) c.capacity.vcores = Number(flags.vcores);
  if (flags.gpus !== undefined) c.capacity.gpus = Number(flags.gpus);
  c.workDir = flags['work-dir'] ? String(flags['work-dir']) : `${c.workDir}-${c.name}`;
  if (flags.host) c.host = String(flags.host);
  if (flags['advertise-host']) c.advertiseHost = String(flags['advertise-host']);
  if (flags['rpc-port'] !== undefined) c.rpcPort = Number(flags['rpc-port']);
  if (flags['shuffle-port'] !== undefined) c.shufflePort = Number(flags['shuffle-port']);
  if (flags['memory-check-ms'] !== undefined) c.memoryCheckIntervalMs = Number(flags['memory-check-ms']);
  if (flags['warm-runners'] !== undefined) c.warmRunners = Number(flags['warm-runners']);
  if (flags['no-runner-reuse']) c.reuseRunners = false;
  const agent = await startNodeAgent(c);
  ready(agent.rpcAddress, agent.shuffleAddress);
  onShutdown(() => agent.close());
  return new Promise<number>(() => undefined);
}

export async function localCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs('local', argv, {
    nodes: { type: 'int', min: 1, max: 64 },
    'memory-mb': { type: 'int', min: 64 },
    vcores: { type: 'int', min: 1 },
    'base-dir': { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for "coronet local"`);
  const cluster = await startLocalCluster({
    nodes: (flags.nodes as number | undefined) ?? 2,
    memoryMbPerNode: flags['memory-mb'] as number | undefined,
    vcoresPerNode: flags.vcores as number | undefined,
    baseDir: flags['base-dir'] as string | undefined,
    logs: 'inherit',
  });
  process.stdout.write(
    [
      `Coronet local cluster is up (${cluster.agents.length} nodes).`,
      `  cluster manager RPC   ${cluster.cmAddress}`,
      `  web UI and REST API   http://${cluster.httpAddress}/`,
      ...cluster.agents.map((a) => `  ${a.name.padEnd(20)}  rpc ${a.rpcAddress}  http ${a.httpAddress}`),
      `Try:  export CORONET_CLUSTER=${cluster.cmAddress}; coronet nodes`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  onShutdown(() => cluster.stop());
  return new Promise<number>(() => undefined);
}
