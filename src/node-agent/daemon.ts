// `coronet node-agent`: registers with the cluster manager, heartbeats capacity,
// measured usage and live containers, serves the NodeAgent gRPC API and HTTP (logs,
// shuffle, metrics). It rides through CM outages: heartbeats keep being retried and a
// CM that answers "re-register" (it restarted or lost us) gets a new registration.

import { hostname, totalmem, cpus, tmpdir } from 'node:os';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrderedStream, bindServer, clusterManagerClient, newServer, nodeAgentService, unary, type ClusterManagerClient, type WireContainerReportIn, type WireNodeHeartbeatIn, type WireNodeHeartbeatAnswerOut } from '../proto/index.js';
import { listen } from '../common/http.js';
import { createLogger, type Logger } from '../common/log.js';
import { errorMessage } from '../common/errors.js';
import { formatHostPort } from '../common/net.js';
import { MetricsRegistry } from '../common/metrics.js';
import type { Resources } from '../common/resources.js';
import { resourcesToWire } from '../common/wire.js';
import { ContainerManager } from './containers.js';
import { nodeAgentHandlers } from './rpc-service.js';
import { createAgentHttpServer, type Route } from './http-api.js';
import { CpuMeter, machineMemoryAvailableMb, machineMemoryUsedMb } from './proc.js';
import { warmRunnersMax } from './warm-runners.js';

export { warmRunnersMax };
import { serveMapOutput, mapOutputUrlPrefix } from '../mapreduce/index.js';

export interface AgentConfig {
  cmAddress: string;
  name: string;
  rack: string;
  capacity: Resources;
  workDir: string;
  host: string;
  /** Address advertised to the CM and drivers (defaults to host, or 127.0.0.1 for 0.0.0.0). */
  advertiseHost: string;
  rpcPort: number;
  shufflePort: number;
  memoryCheckIntervalMs: number;
  stopGraceMs: number;
  logRetentionMs: number;
  /** Pre-started, warmed-up Node processes kept ready for task runners (0 - warmRunnersMax). */
  warmRunners: number;
  /** Whether a container's warm-runner process may run a later container of the same user (warm-runners.ts). */
  reuseRunners: boolean;
}

/** The default number of warm runners per agent: enough for a job's first task runner and
 *  the next job's, while the pool refills behind them. */
export const defaultWarmRunners = 2;

/** What warms a warm runner up: the MapReduce task runner's warm-up (a path, not an
 *  import: the agent never loads it itself). */
const runnerWarmupModule = fileURLToPath(new URL('../jobtracker/runner-warmup.js', import.meta.url));

export function defaultAgentConfig(): AgentConfig {
  return {
    cmAddress: '',
    name: hostname(),
    rack: '/default-rack',
    capacity: { memoryMb: Math.floor(totalmem() / 1048576), vcores: cpus().length, gpus: 0, custom: {} },
    workDir: join(tmpdir(), 'coronet-agent'),
    host: '0.0.0.0',
    advertiseHost: '',
    rpcPort: 0,
    shufflePort: 0,
    memoryCheckIntervalMs: 500,
    stopGraceMs: 3_000,
    logRetentionMs: 24 * 3600_000,
    warmRunners: defaultWarmRunners,
    reuseRunners: true,
  };
}

export interface RunningAgent {
  name: string;
  rpcAddress: string;
  shuffleAddress: string;
  containers: ContainerManager;
  close(opts?: { killContainers?: boolean }): Promise<void>;
}

export async function startNodeAgent(config: AgentConfig, opts: { log?: Logger; extraRoutes?: (workDir: string) => Route[] } = {}): Promise<RunningAgent> {
  const log = opts.log ?? createLogger(`node-agent.${config.name}`);
  if (!Number.isInteger(config.warmRunners) || config.warmRunners < 0 || config.warmRunners > warmRunnersMax) throw new Error(`warmRunners must be a whole number from 0 to ${warmRunnersMax}, got ${config.warmRunners}`);
  mkdirSync(config.workDir, { recursive: true });
  const metrics = new MetricsRegistry();
  let tokenKey: string | null = null;
  let shuffleAddress = '';
  const adv = config.advertiseHost || (config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host);
  const containers = new ContainerManager({
    nodeName: config.name,
    workDir: config.workDir,
    cmAddress: () => config.cmAddress,
    httpAddress: () => shuffleAddress,
    advertiseHost: () => adv,
    tokenKey: () => tokenKey,
    log,
    memoryCheckIntervalMs: config.memoryCheckIntervalMs,
    stopGraceMs: config.stopGraceMs,
    finishedKept: 1_000,
    warmRunners: config.warmRunners,
    reuseRunners: config.reuseRunners,
    warmupModule: runnerWarmupModule,
    vcores: config.capacity.vcores,
    availableMemoryMb: machineMemoryAvailableMb,
  });
  containers.start();
  const heartbeatHist = metrics.histogram('coronet_agent_heartbeat_duration_seconds', 'Round trip of one heartbeat to the cluster manager.', [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
  const shuffleRequests = metrics.counter('coronet_shuffle_requests_total', 'Map output partitions served to reducers.');
  const shuffleBytes = metrics.counter('coronet_shuffle_served_bytes_total', 'Map output bytes served to reducers.');
  const heartbeatFailures = metrics.counter('coronet_agent_heartbeat_failures_total', 'Heartbeats that did not reach the cluster manager.');
  metrics.gauge('coronet_containers_running', 'Containers running on this node.', () => containers.running().length);
  metrics.gauge('coronet_containers_launched', 'Containers launched since the agent started.', () => containers.launched);
  metrics.gauge('coronet_warm_runners_ready', 'Warm runners ready to take a container.', () => containers.warmRunners.ready);
  metrics.gauge('coronet_containers_launched_warm', 'Containers launched in a warm runner since the agent started.', () => containers.warmRunners.taken);
  metrics.gauge('coronet_containers_launched_reused', 'Of those, containers launched in a process an earlier container of the same user ran in.', () => containers.warmRunners.takenRecycled);
  metrics.gauge('coronet_containers_killed_over_limit', 'Containers killed for exceeding their memory limit since the agent started.', () => containers.overLimitKills);

  const server = newServer();
  server.addService(nodeAgentService(), nodeAgentHandlers(containers));
  const rpcPort = await bindServer(server, config.host, config.rpcPort);
  const shuffleRoute: Route = async (req, res, url) => {
    if (!url.pathname.startsWith(mapOutputUrlPrefix)) return false;
    shuffleRequests.inc();
    // Count what actually went out on the wire (headers excluded).
    const write = res.write.bind(res);
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function' && chunk !== undefined && chunk !== null) shuffleBytes.inc(undefined, typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength);
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    await serveMapOutput(req, res, containers.shuffleDir);
    return true;
  };
  const http = createAgentHttpServer(containers, metrics, [shuffleRoute, ...(opts.extraRoutes?.(config.workDir) ?? [])], log);
  const shufflePort = await listen(http, config.host, config.shufflePort);
  const rpcAddress = formatHostPort(adv, rpcPort);
  shuffleAddress = formatHostPort(adv, shufflePort);

  const cm: ClusterManagerClient = clusterManagerClient(config.cmAddress);
  const heartbeats = new OrderedStream<WireNodeHeartbeatIn, WireNodeHeartbeatAnswerOut>(cm, 'NodeHeartbeats', 'NodeHeartbeat');
  const cpu = new CpuMeter(config.capacity.vcores);
  let registrationId = '';
  let heartbeatIntervalMs = 1_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const reports = (): WireContainerReportIn[] => containers.running().map((c) => ({ container_id: c.containerId, grant_id: c.grantId, session_id: c.sessionId, state: c.state, rss_mb: c.rssMb }));

  const register = async (): Promise<void> => {
    const res = await unary<object, { token_key: string; heartbeat_interval_ms: number; registration_id: string }>(cm, 'RegisterNode', {
      name: config.name,
      rack: config.rack,
      rpc_address: rpcAddress,
      shuffle_address: shuffleAddress,
      capacity: resourcesToWire(config.capacity),
      containers: reports(),
    }, 5_000);
    tokenKey = res.token_key;
    registrationId = res.registration_id;
    heartbeatIntervalMs = Number(res.heartbeat_interval_ms) || 1_000;
    log.info('registered with the cluster manager', { cm: config.cmAddress, rpc: rpcAddress, shuffle: shuffleAddress });
  };

  let warnedUnreachable = false;
  const beat = async (): Promise<void> => {
    if (!registrationId) {
      await register();
      return;
    }
    const t0 = process.hrtime.bigint();
    const res = await heartbeats.call1({
      name: config.name,
      registration_id: registrationId,
      capacity: resourcesToWire(config.capacity),
      usage: { memory_mb: machineMemoryUsedMb(), cpu_cores: cpu.sample() },
      containers: reports(),
      healthy: true,
      health_report: '',
    }, Math.max(2_000, heartbeatIntervalMs * 2));
    heartbeatHist.observe(Number(process.hrtime.bigint() - t0) / 1e9);
    if (res.reregister) {
      log.warn('cluster manager asked us to register again');
      registrationId = '';
      await register();
      return;
    }
    if (res.ended_session_ids.length) containers.endSessions(res.ended_session_ids);
    if (res.kill_grant_ids.length) containers.killGrants(res.kill_grant_ids, 'grant no longer held (released, revoked or session ended)');
  };

  const loop = (): void => {
    if (stopped) return;
    beat()
      .then(() => {
        if (warnedUnreachable) log.info('cluster manager reachable again', { cm: config.cmAddress });
        warnedUnreachable = false;
      })
      .catch((err: unknown) => {
        heartbeatFailures.inc();
        if (!warnedUnreachable) log.warn('cannot reach the cluster manager; will keep trying', { cm: config.cmAddress, error: errorMessage(err) });
        warnedUnreachable = true;
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, heartbeatIntervalMs);
      });
  };
  loop();
  const cleaner = setInterval(() => containers.cleanLogs(config.logRetentionMs), 600_000);
  cleaner.unref();

  return {
    name: config.name,
    rpcAddress,
    shuffleAddress,
    containers,
    close: async ({ killContainers = true } = {}) => {
      stopped = true;
      if (timer) clearTimeout(timer);
      clearInterval(cleaner);
      const warmGone = killContainers ? containers.killAll() : containers.stop();
      heartbeats.close();
      cm.close();
      server.forceShutdown();
      http.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => http.close(() => resolve())), warmGone]);
    },
  };
}
