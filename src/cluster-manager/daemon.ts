// `coronet cluster-manager`: starts the CM's gRPC and HTTP servers, watches the pools
// file, and prints one JSON "ready" line on stdout with the bound addresses.

import { mkdtempSync, mkdirSync, watchFile, unwatchFile } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindServer, clusterManagerService, newServer, nodeAgentClient, unary } from '../proto/index.js';
import { grantToWire } from '../common/wire.js';
import { listen } from '../common/http.js';
import { createLogger, type Logger } from '../common/log.js';
import { UsageError } from '../common/errors.js';
import { formatHostPort } from '../common/net.js';
import { loadPoolsFile, type PoolsConfig } from '../scheduler/index.js';
import { ClusterManager } from './cluster-manager.js';
import { CmStore } from './store.js';
import { clusterManagerHandlers } from './rpc-service.js';
import { createCmHttpServer, type Route } from './http-api.js';
import { HistoryStore, historyRoutes, type LiveJob } from '../history/index.js';
import type { CmConfig } from './config.js';
import { createWebUi } from '../web/index.js';

export interface RunningClusterManager {
  cm: ClusterManager;
  history: HistoryStore;
  rpcAddress: string;
  httpAddress: string;
  stateDir: string;
  close(): Promise<void>;
}

function advertisedHost(bindHost: string): string {
  return bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost;
}

export async function startClusterManager(config: CmConfig, opts: { log?: Logger; extraRoutes?: (cm: ClusterManager) => Route[] } = {}): Promise<RunningClusterManager> {
  const log = opts.log ?? createLogger('cluster-manager');
  const stateDir = config.stateDir || mkdtempSync(join(tmpdir(), 'coronet-cm-'));
  mkdirSync(stateDir, { recursive: true });

  let pools: PoolsConfig | undefined;
  if (config.poolsFile) {
    const loaded = loadPoolsFile(config.poolsFile);
    if (!loaded.ok) throw new UsageError(loaded.error);
    pools = loaded.config;
  }
  const store = new CmStore(stateDir);
  const cm = new ClusterManager({ ...config, stateDir }, log, undefined, pools, store);
  // Drivers the CM runs for sessions (StartDriver) are launched on their node's agent.
  cm.driverLauncher = async (grant, spec, secret) => {
    const agent = nodeAgentClient(grant.nodeAddress);
    try {
      await unary(agent, 'LaunchContainer', { grant: grantToWire(grant), spec: { ...spec, files: [] }, session_secret: secret }, 15_000);
    } finally {
      agent.close();
    }
  };

  const server = newServer();
  server.addService(clusterManagerService(), clusterManagerHandlers(cm));
  const rpcPort = await bindServer(server, config.rpcHost, config.rpcPort);
  const history = new HistoryStore(stateDir);
  // A job whose tracker died for good (or whose session expired) has no one to file its
  // report: the CM files what it knows, so `coronet job status` and the UI tell why.
  cm.onSessionEnded = (s) => {
    const jobId = s.tags.jobId;
    if (s.kind !== 'mapreduce' || !jobId || s.finalStatus === 'SUCCEEDED' || history.exists(jobId)) return;
    const bad = history.put({ jobId, name: s.name, user: s.user, pool: s.pool, state: s.finalStatus === 'SUCCEEDED' ? 'succeeded' : s.finalStatus === 'KILLED' ? 'killed' : 'failed', startedAtMs: s.startedAtMs, finishedAtMs: s.endedAtMs, diagnostics: s.diagnostics || `the session ended (${s.finalStatus}) without a report from its job tracker`, sessionId: s.id, counters: {}, tasks: [] });
    if (bad) log.warn('could not file the report of an ended job', { jobId, error: bad });
  };
  const liveJobs = (): LiveJob[] =>
    cm
      .sessionViews()
      .filter((s) => s.kind === 'mapreduce' && s.tags.jobId)
      .map((s) => ({ jobId: s.tags.jobId, sessionId: s.id, name: s.name, user: s.user, pool: s.pool, state: s.state, startedAtMs: s.startedAtMs, trackerHttp: s.tags.jobtrackerHttp ?? '' }));
  const web = createWebUi(cm, history, liveJobs);
  const http = createCmHttpServer(cm, [...historyRoutes(history, liveJobs), ...web.routes, ...(opts.extraRoutes?.(cm) ?? [])]);
  http.once('close', () => web.stop());
  const httpPort = await listen(http, config.httpHost, config.httpPort);
  const rpcAddress = formatHostPort(advertisedHost(config.rpcHost), rpcPort);
  const httpAddress = formatHostPort(advertisedHost(config.httpHost), httpPort);
  cm.httpAddress = httpAddress;
  cm.start();

  if (config.poolsFile) {
    const file = config.poolsFile;
    watchFile(file, { interval: 1_000 }, () => cm.reloadPoolsFile());
  }
  log.info('cluster manager started', { rpc: rpcAddress, http: httpAddress, stateDir });

  return {
    cm,
    history,
    rpcAddress,
    httpAddress,
    stateDir,
    close: async () => {
      if (config.poolsFile) unwatchFile(config.poolsFile);
      cm.stop();
      await store.flushed();
      await store.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      server.forceShutdown();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
