// The session-driver library: what any framework (MapReduce, the distributed shell,
// anything else) uses to get resources from the cluster manager and run containers.
//
//   const driver = await SessionDriver.start({ cluster: 'cm:7070', name: 'my-app' });
//   await driver.request([{ resources: { memoryMb: 512, vcores: 1, gpus: 0, custom: {} }, count: 4 }]);
//   for await (const ev of driver.events()) { if (ev.type === 'grant') await driver.launch(ev.grant, spec); ... }
//   await driver.end('SUCCEEDED');
//
// The driver keeps the CM's push stream open, heartbeats automatically, and rides
// through a CM outage of up to `outageToleranceMs`: calls are retried, the stream
// reconnects, and the snapshot sent on reconnect tells it which grants survived.

import { clusterManagerClient, nodeAgentClient, unary, RpcError, Status, type ClusterManagerClient, type NodeAgentClient, type WireSessionEventBatch, type WireContainerStatus, type WireGrant, type Grpc } from '../proto/index.js';
import type { Resources } from '../common/resources.js';
import { grantToWire, resourcesFromWire, resourcesToWire, type GrantFields } from '../common/wire.js';
import { AsyncQueue } from '../common/async-queue.js';
import { errorMessage } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import { userInfo } from 'node:os';

export type Priority = 'VERY_LOW' | 'LOW' | 'NORMAL' | 'HIGH' | 'VERY_HIGH';

/** A grant as the CM signs it and pushes it to drivers. */
export type Grant = GrantFields;


/** How long a driver rides through a CM outage (restart, upgrade) before giving up. */
export const defaultOutageToleranceMs = 120_000;
export interface ContainerStatus {
  containerId: string;
  grantId: string;
  node: string;
  state: 'RUNNING' | 'EXITED' | 'KILLED' | 'OVER_LIMIT' | 'FAILED_TO_START' | 'LOST';
  exitCode: number;
  signal: string;
  diagnostics: string;
  startedAtMs: number;
  finishedAtMs: number;
}

export type DriverEvent =
  | { type: 'grant'; grant: Grant }
  | { type: 'revoked'; grant: Grant; reason: string; killAtMs: number }
  | { type: 'node-lost'; node: string; grants: Grant[] }
  /** Grants the CM no longer knows after an outage (its snapshot on reconnect lacks them). */
  | { type: 'grants-lost'; grants: Grant[]; reason: string }
  | { type: 'container'; status: ContainerStatus }
  | { type: 'session-ended'; reason: string };

export interface RequestSpec {
  /** Chosen by the library when absent. */
  requestId?: string;
  resources: Resources;
  count?: number;
  hosts?: string[];
  racks?: string[];
  /** Default true: fall back host -> rack -> any. */
  relaxLocality?: boolean;
  excludedHosts?: string[];
  driver?: boolean;
}

export interface ContainerSpec {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  files?: Array<{ source: string; name: string }>;
}

export interface DriverOptions {
  /** CM RPC address HOST:PORT. */
  cluster: string;
  name: string;
  user?: string;
  pool?: string;
  priority?: Priority;
  deadlineMs?: number;
  kind?: string;
  tags?: Record<string, string>;
  driverAddress?: string;
  /** A CM that does not answer the first call within this is reported unreachable. */
  connectTimeoutMs?: number;
  /** How long calls keep being retried while the CM is unreachable. */
  outageToleranceMs?: number;
  log?: Logger;
}

export type SessionFinalStatus = 'SUCCEEDED' | 'FAILED' | 'KILLED';

const retryBackoffMs = [50, 100, 250, 500, 1_000, 2_000];
/** The CM takes at most this many requests (or request ids to cancel) in one call; longer lists go in several. */
const requestsPerCallMax = 10_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function grantFromWire(g: WireGrant): Grant {
  return {
    grantId: g.grant_id,
    sessionId: g.session_id,
    user: g.user,
    requestId: g.request_id,
    node: g.node_name,
    nodeAddress: g.node_address,
    shuffleAddress: g.shuffle_address,
    resources: resourcesFromWire(g.resources),
    token: g.token,
    expiresAtMs: Number(g.expires_at_ms),
    driver: g.driver,
  };
}

function statusFromWire(s: WireContainerStatus): ContainerStatus {
  return {
    containerId: s.container_id,
    grantId: s.grant_id,
    node: s.node_name,
    state: s.state as ContainerStatus['state'],
    exitCode: s.exit_code,
    signal: s.signal,
    diagnostics: s.diagnostics,
    startedAtMs: Number(s.started_at_ms),
    finishedAtMs: Number(s.finished_at_ms),
  };
}

/** How long a launch waits for the node agent (connecting included). */
const launchTimeoutMs = 10_000;

export class SessionDriver {
  readonly grants = new Map<string, Grant>();
  private readonly queue = new AsyncQueue<DriverEvent>();
  private readonly agents = new Map<string, { client: NodeAgentClient; stream: Grpc.ClientReadableStream<WireContainerStatus> | null }>();
  private readonly lastContainerState = new Map<string, string>();
  private stream: Grpc.ClientReadableStream<WireSessionEventBatch> | null = null;
  private heartbeat: NodeJS.Timeout | undefined;
  private requestSeq = 0;
  private ended = false;
  /** EndSession sent: the CM closing the stream is expected. */
  private ending = false;
  private lastCmContactMs = Date.now();
  /** Task failures per node, sent with the next heartbeat (the CM's node blacklist). */
  private readonly nodeFailures = new Map<string, number>();
  private readonly log: Logger;

  private constructor(
    private readonly cm: ClusterManagerClient,
    readonly cluster: string,
    readonly sessionId: string,
    readonly secret: string,
    private readonly heartbeatIntervalMs: number,
    private readonly outageToleranceMs: number,
    log: Logger,
  ) {
    this.log = log;
  }

  /** Starts a session with the CM; rejects within connectTimeoutMs naming the address when it is unreachable. */
  static async start(o: DriverOptions): Promise<SessionDriver> {
    const cm = clusterManagerClient(o.cluster);
    let res: { session_id: string; session_secret: string; heartbeat_interval_ms: number };
    try {
      res = await unary(cm, 'StartSession', {
        name: o.name,
        user: o.user ?? safeUser(),
        pool: o.pool ?? '',
        priority: o.priority ?? 'NORMAL',
        deadline_ms: o.deadlineMs ?? 0,
        driver_address: o.driverAddress ?? '',
        kind: o.kind ?? '',
        tags: o.tags ?? {},
      }, o.connectTimeoutMs ?? 5_000);
    } catch (err) {
      cm.close();
      throw err;
    }
    const d = new SessionDriver(cm, o.cluster, res.session_id, res.session_secret, Number(res.heartbeat_interval_ms) || 2_000, o.outageToleranceMs ?? defaultOutageToleranceMs, o.log ?? silentLogger);
    d.openStream();
    d.heartbeat = setInterval(() => void d.sendHeartbeat(), d.heartbeatIntervalMs);
    return d;
  }

  /**
   * Takes over a session started elsewhere (a remote job tracker adopting the session its
   * client started): no StartSession, same id and secret.
   */
  static attach(o: { cluster: string; sessionId: string; secret: string; heartbeatIntervalMs?: number; outageToleranceMs?: number; log?: Logger }): SessionDriver {
    const d = new SessionDriver(clusterManagerClient(o.cluster), o.cluster, o.sessionId, o.secret, o.heartbeatIntervalMs ?? 1_000, o.outageToleranceMs ?? defaultOutageToleranceMs, o.log ?? silentLogger);
    d.openStream();
    d.heartbeat = setInterval(() => void d.sendHeartbeat(), d.heartbeatIntervalMs);
    return d;
  }

  /** Sets tags on the session (merged; visible in `coronet sessions` and the CM's API). */
  async setTags(tags: Record<string, string>): Promise<void> {
    await this.call('SessionHeartbeat', { session_id: this.sessionId, session_secret: this.secret, tags });
  }

  /** Tells the CM (with the next heartbeat) that tasks of this session failed on a node. */
  reportNodeFailure(node: string, failedTasks = 1): void {
    this.nodeFailures.set(node, (this.nodeFailures.get(node) ?? 0) + failedTasks);
  }

  /**
   * Has the CM run this session's driver in a container and start it again (up to
   * maxAttempts) if it dies without ending the session. The driver finds its session
   * in CORONET_SESSION / CORONET_SESSION_SECRET and its attempt in CORONET_DRIVER_ATTEMPT.
   */
  async startDriver(o: { resources: Resources; command: string; args: string[]; env?: Record<string, string>; maxAttempts: number }): Promise<void> {
    await this.call('StartDriver', { session_id: this.sessionId, session_secret: this.secret, resources: resourcesToWire(o.resources), spec: { command: o.command, args: o.args, env: o.env ?? {}, files: [] }, max_attempts: o.maxAttempts });
  }

  /** Every grant, revocation, node loss and container change, in order. One consumer. */
  events(): AsyncIterable<DriverEvent> {
    return this.queue;
  }

  /** Asks for containers; resolves with the request ids once the CM accepted them. */
  async request(specs: RequestSpec[]): Promise<string[]> {
    const requests = specs.map((s) => ({
      request_id: s.requestId ?? `r-${++this.requestSeq}`,
      resources: resourcesToWire(s.resources),
      count: s.count ?? 1,
      hosts: s.hosts ?? [],
      racks: s.racks ?? [],
      relax_locality: s.relaxLocality ?? true,
      excluded_hosts: s.excludedHosts ?? [],
      driver: s.driver ?? false,
    }));
    for (let i = 0; i < requests.length; i += requestsPerCallMax) {
      await this.call('RequestResources', { session_id: this.sessionId, session_secret: this.secret, requests: requests.slice(i, i + requestsPerCallMax) }, (err) => err.code === Status.INVALID_ARGUMENT && / already exists in session /.test(err.details));
    }
    return requests.map((r) => r.request_id);
  }

  /** Gives grants back to the CM (their containers are killed if still running). */
  async release(grantIds: string[]): Promise<void> {
    for (const id of grantIds) this.grants.delete(id);
    await this.call('ReleaseResources', { session_id: this.sessionId, session_secret: this.secret, grant_ids: grantIds, request_ids: [] });
  }

  /** Cancels the not-yet-granted part of requests. */
  async cancel(requestIds: string[]): Promise<void> {
    for (let i = 0; i < requestIds.length; i += requestsPerCallMax) {
      await this.call('ReleaseResources', { session_id: this.sessionId, session_secret: this.secret, grant_ids: [], request_ids: requestIds.slice(i, i + requestsPerCallMax) });
    }
  }

  /**
   * Launches a container on a grant; its state changes arrive as 'container' events.
   * An agent that just restarted is waited for (its channel may still be backing off
   * from the old incarnation's refused connections) up to launchTimeoutMs.
   */
  async launch(grant: Grant, spec: ContainerSpec): Promise<string> {
    const agent = this.agent(grant.nodeAddress);
    const res = await unary<object, { container_id: string }>(agent.client, 'LaunchContainer', {
      grant: grantToWire(grant),
      spec: { command: spec.command, args: spec.args ?? [], env: spec.env ?? {}, files: spec.files ?? [] },
      session_secret: this.secret,
    }, launchTimeoutMs, true);
    return res.container_id;
  }

  /** What the CM says of the cluster now: nodes alive, and its HTTP address (the web UI,
   *  REST API and history server). */
  async clusterInfo(): Promise<{ nodesAlive: number; httpAddress: string }> {
    const info = await unary<object, { nodes_alive: number; http_address: string }>(this.cm, 'GetClusterInfo', {}, 5_000);
    return { nodesAlive: Number(info.nodes_alive), httpAddress: info.http_address };
  }

  async stopContainer(grant: Grant, containerId: string): Promise<void> {
    await unary(this.agent(grant.nodeAddress).client, 'StopContainer', { container_id: containerId, session_id: this.sessionId, session_secret: this.secret }, 10_000);
  }

  async containerStatus(grant: Grant, containerId: string): Promise<ContainerStatus> {
    return statusFromWire(await unary<object, WireContainerStatus>(this.agent(grant.nodeAddress).client, 'GetContainerStatus', { container_id: containerId, session_id: this.sessionId, session_secret: this.secret }, 10_000));
  }

  /** Ends the session: the CM frees every grant and the agents kill its containers. */
  async end(status: SessionFinalStatus = 'SUCCEEDED', diagnostics = ''): Promise<void> {
    if (this.ended) return;
    this.ending = true;
    try {
      await this.call('EndSession', { session_id: this.sessionId, session_secret: this.secret, status, diagnostics });
    } finally {
      this.shutdown();
    }
  }

  /** Stops talking to the cluster without ending the session (it expires on the CM). */
  shutdown(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.stream?.cancel();
    for (const a of this.agents.values()) {
      a.stream?.cancel();
      a.client.close();
    }
    this.cm.close();
    this.queue.close();
  }

  // ------------------------------------------------------------------ internals

  /** A CM call retried while the CM is unreachable, up to the outage tolerance. A call
   *  that failed unreachable may still have been applied (the CM died before it answered):
   *  `appliedBefore` tells the refusal of a retry because of that (undefined is returned). */
  private async call<Res>(method: string, req: object, appliedBefore?: (err: RpcError) => boolean): Promise<Res | undefined> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await unary<object, Res>(this.cm, method, req, 5_000);
        this.lastCmContactMs = Date.now();
        return res;
      } catch (err) {
        if (attempt > 0 && err instanceof RpcError && appliedBefore?.(err)) return undefined;
        if (err instanceof RpcError && err.unavailable && !this.ended && Date.now() - started < this.outageToleranceMs) {
          await sleep(retryBackoffMs[Math.min(attempt, retryBackoffMs.length - 1)]);
          continue;
        }
        throw err;
      }
    }
  }

  private async sendHeartbeat(): Promise<void> {
    const feedback = [...this.nodeFailures].map(([node_name, failed_tasks]) => ({ node_name, failed_tasks }));
    this.nodeFailures.clear();
    try {
      await unary(this.cm, 'SessionHeartbeat', { session_id: this.sessionId, session_secret: this.secret, node_feedback: feedback }, Math.max(1_000, this.heartbeatIntervalMs));
      this.lastCmContactMs = Date.now();
    } catch (err) {
      for (const f of feedback) this.reportNodeFailure(f.node_name, f.failed_tasks);
      if (err instanceof RpcError && err.code === Status.NOT_FOUND) this.sessionGone(err.details);
      else if (Date.now() - this.lastCmContactMs > this.outageToleranceMs) this.sessionGone(`cluster manager at ${this.cluster} unreachable for ${Date.now() - this.lastCmContactMs} ms: ${errorMessage(err)}`);
      else this.log.warn('session heartbeat failed; retrying', { error: errorMessage(err) });
    }
  }

  private sessionGone(reason: string): void {
    if (this.ended) return;
    this.queue.push({ type: 'session-ended', reason });
    this.shutdown();
  }

  private openStream(attempt = 0): void {
    if (this.ended) return;
    const stream = this.cm.SessionEvents({ session_id: this.sessionId, session_secret: this.secret });
    this.stream = stream;
    stream.on('data', (batch: WireSessionEventBatch) => {
      attempt = 0;
      this.lastCmContactMs = Date.now();
      this.onBatch(batch);
    });
    let reconnecting = false;
    const reconnect = (why: string, code?: number) => {
      if (reconnecting || this.ended || this.ending || this.stream !== stream) return;
      reconnecting = true;
      if (code === Status.NOT_FOUND || code === Status.UNAUTHENTICATED) {
        this.sessionGone(why);
        return;
      }
      if (Date.now() - this.lastCmContactMs > this.outageToleranceMs) {
        this.sessionGone(`lost the cluster manager at ${this.cluster}: ${why}`);
        return;
      }
      this.log.warn('session event stream broke; reconnecting', { why });
      setTimeout(() => this.openStream(attempt + 1), retryBackoffMs[Math.min(attempt, retryBackoffMs.length - 1)]);
    };
    stream.on('error', (err: Grpc.ServiceError) => reconnect(err.details || err.message, err.code));
    stream.on('end', () => reconnect('stream ended by the cluster manager'));
  }

  private onBatch(batch: WireSessionEventBatch): void {
    if (batch.snapshot) {
      // The authoritative list of what we hold: anything missing was lost while we were away.
      const present = new Set(batch.events.filter((e) => e.grant).map((e) => e.grant!.grant_id));
      const lost: Grant[] = [];
      for (const g of this.grants.values()) {
        if (present.has(g.grantId)) continue;
        this.grants.delete(g.grantId);
        lost.push(g);
      }
      if (lost.length) this.queue.push({ type: 'grants-lost', grants: lost, reason: 'the cluster manager no longer holds these grants (lost during an outage)' });
    }
    for (const e of batch.events) {
      if (e.grant) {
        const g = grantFromWire(e.grant);
        if (this.grants.has(g.grantId)) continue;
        this.grants.set(g.grantId, g);
        this.queue.push({ type: 'grant', grant: g });
      } else if (e.revocation) {
        const g = this.grants.get(e.revocation.grant_id);
        if (g) this.queue.push({ type: 'revoked', grant: g, reason: e.revocation.reason, killAtMs: Number(e.revocation.kill_at_ms) });
      } else if (e.node_lost) {
        const lost = e.node_lost.grant_ids.map((id) => this.grants.get(id)).filter((g): g is Grant => g !== undefined);
        for (const g of lost) this.grants.delete(g.grantId);
        this.queue.push({ type: 'node-lost', node: e.node_lost.node_name, grants: lost });
      } else if (e.session_ended) {
        this.sessionGone(e.session_ended.reason);
      }
    }
  }

  private agent(address: string): { client: NodeAgentClient; stream: Grpc.ClientReadableStream<WireContainerStatus> | null } {
    let a = this.agents.get(address);
    if (!a) {
      a = { client: nodeAgentClient(address), stream: null };
      this.agents.set(address, a);
      this.watchAgent(address, a, 0);
    }
    return a;
  }

  private watchAgent(address: string, a: { client: NodeAgentClient; stream: Grpc.ClientReadableStream<WireContainerStatus> | null }, attempt: number): void {
    if (this.ended) return;
    const stream = a.client.ContainerEvents({ session_id: this.sessionId, session_secret: this.secret });
    a.stream = stream;
    stream.on('data', (s: WireContainerStatus) => {
      attempt = 0;
      const key = `${s.container_id}`;
      if (this.lastContainerState.get(key) === s.state) return;
      this.lastContainerState.set(key, s.state);
      this.queue.push({ type: 'container', status: statusFromWire(s) });
    });
    const retry = () => {
      if (this.ended || a.stream !== stream) return;
      a.stream = null;
      // Keep watching while we still hold grants on that node.
      const holds = [...this.grants.values()].some((g) => g.nodeAddress === address);
      if (!holds || attempt > 60) return;
      setTimeout(() => this.watchAgent(address, a, attempt + 1), retryBackoffMs[Math.min(attempt, retryBackoffMs.length - 1)]);
    };
    stream.on('error', retry);
    stream.on('end', retry);
  }
}

function safeUser(): string {
  try {
    return process.env.CORONET_USER || userInfo().username;
  } catch {
    return 'anonymous';
  }
}
