// The cluster manager's core: node registry, session registry, the scheduler, and
// the push of grants / revocations / node-lost events to session drivers.
//
// It knows nothing of gRPC or HTTP (rpc-service.ts and http-api.ts adapt it), so it
// can be driven directly in tests. All time comes from the injected clock.
//
// Scheduling is push-based: every change (a request, a release, a node joining, a
// session ending) marks the scheduler dirty and queues ONE pass on the next turn of
// the event loop; the pass's grants are pushed at once, batched per session.

import { randomUUID } from 'node:crypto';
import { createScheduler, loadPoolsFile, type PoolsConfig, type Scheduler, type GrantDecision, type Priority, type SchedulerRequest, type PoolInfo } from '../scheduler/index.js';
import * as R from '../common/resources.js';
import type { Resources } from '../common/resources.js';
import { newTokenKey, sessionSecret, signGrant, verifySessionSecret } from '../common/tokens.js';
import type { Logger } from '../common/log.js';
import { MetricsRegistry, latencyBucketsSeconds } from '../common/metrics.js';
import type { CmConfig } from './config.js';
import { errorMessage } from '../common/errors.js';
import type { GrantFields } from '../common/wire.js';
import type { CmStore, StoredDriver, StoredRequest, StoredSession } from './store.js';

export type NodeState = 'alive' | 'lost' | 'decommissioning' | 'decommissioned';

export interface ContainerOnNode {
  containerId: string;
  grantId: string;
  sessionId: string;
  state: string;
  rssMb: number;
}

export interface NodeRecord {
  name: string;
  rack: string;
  rpcAddress: string;
  shuffleAddress: string;
  capacity: Resources;
  usage: { memoryMb: number; cpuCores: number };
  /** Running containers at the last report. Only the count is kept: a heartbeat's
   *  reports die young instead of filling the old generation (GC pauses at scale). */
  runningContainers: number;
  lastHeartbeatMs: number;
  registeredAtMs: number;
  registrationId: string;
  state: NodeState;
  healthy: boolean;
  healthReport: string;
  /** Sessions that ended while holding grants here: the agent cleans up after them. */
  endedSessions: Set<string>;
  /** Blacklisted (no new grants) until then; 0 = not blacklisted. */
  blacklistedUntilMs: number;
  blacklistReason: string;
  /** Task failures drivers reported here: session -> last report time. */
  failureReports: Map<string, number>;
}

/** A grant as the CM signs it and pushes it to drivers. */
export type GrantEvent = GrantFields;

export type SessionEvent =
  | { type: 'grant'; grant: GrantEvent }
  | { type: 'revocation'; grantId: string; reason: string; killAtMs: number }
  | { type: 'node-lost'; node: string; grantIds: string[] }
  | { type: 'session-ended'; reason: string };

/** Where a session's events go: the driver's open stream. */
export interface EventSink {
  write(events: SessionEvent[], snapshot: boolean): void;
  end(): void;
}

/** A session as the CM keeps it: what is stored durably, plus its live state. */
export interface SessionRecord extends StoredSession {
  lastSeenMs: number;
  endedAtMs: number;
  state: 'running' | 'waiting' | 'ended';
  finalStatus: string;
  diagnostics: string;
  sink: EventSink | null;
  queued: SessionEvent[];
  /** grantId -> kill time, for revocations the driver has not answered yet. */
  revoked: Map<string, { reason: string; killAtMs: number }>;
}

/** What a driver says about its session when it starts it. */
export type StartSessionInput = Omit<StoredSession, 'id' | 'startedAtMs'>;

/** The durable part of a session record. */
function stored(s: SessionRecord): StoredSession {
  return { id: s.id, name: s.name, user: s.user, pool: s.pool, priority: s.priority, deadlineMs: s.deadlineMs, kind: s.kind, driverAddress: s.driverAddress, tags: s.tags, startedAtMs: s.startedAtMs, driver: s.driver };
}

/** What a session asks for in StartDriver. */
export type DriverSpec = Pick<StoredDriver, 'resources' | 'command' | 'args' | 'env' | 'maxAttempts'>;

/** Starts a driver attempt's container on its grant (the daemon calls the node agent). */
export type DriverLauncher = (grant: GrantEvent, spec: { command: string; args: string[]; env: Record<string, string> }, sessionSecret: string) => Promise<void>;

/** A driver attempt the CM launched: watched in its node's heartbeats. */
interface DriverAttempt {
  sessionId: string;
  node: string;
  /** When the launch RPC succeeded; 0 while launching. */
  launchedAtMs: number;
  /** Seen running in a heartbeat: from then on, missing from one means it ended. */
  seen: boolean;
}

/** Node state as shown: a blacklisted node is alive but gets no new grants. */
export type NodeView = NodeState | 'blacklisted';

const newNodeFields = () => ({ endedSessions: new Set<string>(), blacklistedUntilMs: 0, blacklistReason: '', failureReports: new Map<string, number>() });

export interface RegisterNodeInput {
  name: string;
  rack: string;
  rpcAddress: string;
  shuffleAddress: string;
  capacity: Resources;
  containers: ContainerOnNode[];
}

export interface NodeHeartbeatInput {
  name: string;
  registrationId: string;
  capacity: Resources;
  usage: { memoryMb: number; cpuCores: number };
  containers: ContainerOnNode[];
  healthy: boolean;
  healthReport: string;
}

/** An operating error with a code the RPC layer maps to a gRPC status. */
export class CmError extends Error {
  override readonly name = 'CmError';
  constructor(
    readonly code: 'not-found' | 'invalid' | 'denied' | 'unauthenticated' | 'unsatisfiable',
    message: string,
  ) {
    super(message);
  }
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const priorities: readonly Priority[] = ['VERY_LOW', 'LOW', 'NORMAL', 'HIGH', 'VERY_HIGH'];

export class ClusterManager {
  readonly scheduler: Scheduler & { setConfig(c: PoolsConfig): void };
  readonly nodes = new Map<string, NodeRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly metrics = new MetricsRegistry();
  readonly tokenKey: string;
  readonly startedAtMs: number;
  private passQueued = false;
  private flushQueued = false;
  private readonly dirtySessions = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private sessionSeq = 0;
  private endedOrder: string[] = [];
  httpAddress = '';
  /** No new grants and no kill orders while on (planned upgrades, restarts). */
  safeMode = false;
  /** After a restart: until when the CM waits for agents to re-register (safe mode). */
  private recoveringUntilMs = 0;
  /** Outstanding requests as persisted (session -> request id -> request). */
  private readonly requestBook = new Map<string, Map<string, StoredRequest>>();
  private readonly decommissionDeadlines = new Map<string, number>();
  /** Launches the drivers sessions ask the CM to run (StartDriver); set by the daemon. */
  driverLauncher: DriverLauncher | null = null;
  /** Called after a session ended (the daemon files reports of jobs whose driver could not). */
  onSessionEnded: ((s: SessionRecord) => void) | null = null;
  /** Driver attempts running or launching, by grant id. */
  private readonly drivers = new Map<string, DriverAttempt>();

  private readonly m = {
    grants: this.metrics.counter('coronet_grants_total', 'Grants given to sessions.'),
    revocations: this.metrics.counter('coronet_revocations_total', 'Grants revoked by preemption.'),
    releases: this.metrics.counter('coronet_grants_released_total', 'Grants given back by sessions.'),
    sessionsStarted: this.metrics.counter('coronet_sessions_started_total', 'Sessions started.'),
    sessionsEnded: this.metrics.counter('coronet_sessions_ended_total', 'Sessions ended, by final status.'),
    nodesLost: this.metrics.counter('coronet_nodes_lost_total', 'Nodes declared lost after missing heartbeats.'),
    nodesBlacklisted: this.metrics.counter('coronet_nodes_blacklisted_total', 'Times a node was blacklisted for failing tasks of many sessions.'),
    driverAttempts: this.metrics.counter('coronet_driver_attempts_total', 'Driver attempts the CM launched, by outcome.'),
    rejected: this.metrics.counter('coronet_requests_rejected_total', 'Resource requests rejected at once, by reason code.'),
    pass: this.metrics.histogram('coronet_scheduling_pass_duration_seconds', 'Duration of one scheduling pass.', latencyBucketsSeconds),
    heartbeat: this.metrics.histogram('coronet_node_heartbeat_duration_seconds', 'Time to process one node heartbeat.', latencyBucketsSeconds),
  };

  constructor(
    readonly config: CmConfig,
    readonly log: Logger,
    readonly clock: Clock = systemClock,
    poolsConfig?: PoolsConfig,
    private readonly store: CmStore | null = null,
  ) {
    const recovered = store?.recover() ?? null;
    this.tokenKey = recovered?.tokenKey ?? newTokenKey();
    if (store && !recovered) store.setTokenKey(this.tokenKey);
    this.startedAtMs = clock.now();
    // Grant ids stay unique across restarts of the CM.
    const epoch = this.startedAtMs.toString(36);
    this.scheduler = createScheduler({ clock, config: poolsConfig, grantIdPrefix: `g-${epoch}-`, grantIdRadix: 36 });
    // Configured pools show (with their shares) before any session uses them.
    if (poolsConfig) this.scheduler.setConfig(poolsConfig);
    this.registerGauges();
    if (recovered) this.restore(recovered);
  }

  /**
   * Rebuilds the registries and the scheduler from the store after a restart, and
   * enters safe mode until the agents re-register (or the recovery time passes):
   * running sessions, their grants and their outstanding requests carry on.
   */
  private restore(r: NonNullable<ReturnType<CmStore['recover']>>): void {
    const now = this.clock.now();
    for (const n of r.nodes) {
      this.nodes.set(n.name, { ...n, usage: { memoryMb: 0, cpuCores: 0 }, runningContainers: 0, lastHeartbeatMs: now, registeredAtMs: now, registrationId: '', state: 'alive', healthy: true, healthReport: 'recovered; waiting for the agent to register again', ...newNodeFields() });
      this.scheduler.addNode({ name: n.name, rack: n.rack, capacity: n.capacity });
    }
    for (const s of r.sessions) {
      const v = this.scheduler.addSession({ id: s.id, pool: s.pool, user: s.user, priority: s.priority, deadlineMs: s.deadlineMs });
      if (!v.ok) continue;
      this.sessions.set(s.id, { ...s, lastSeenMs: now, endedAtMs: 0, state: this.scheduler.sessionState(s.id) === 'waiting' ? 'waiting' : 'running', finalStatus: '', diagnostics: '', sink: null, queued: [], revoked: new Map() });
    }
    let grants = 0;
    for (const g of r.grants) if (this.scheduler.restoreGrant?.(g).ok) grants++;
    for (const q of r.requests) {
      if (!this.sessions.has(q.sessionId) || q.remaining <= 0) continue;
      if (this.scheduler.addRequests(q.sessionId, [{ ...q.spec, count: q.remaining }]).ok) this.book(q);
    }
    // Drivers the CM runs: watch the current attempts again (their agents report them
    // when they register); one whose grant did not survive starts its next attempt.
    for (const s of this.sessions.values()) {
      const d = s.driver;
      if (!d?.grantId) continue;
      const g = this.scheduler.grant(d.grantId);
      if (g) this.drivers.set(d.grantId, { sessionId: s.id, node: g.node, launchedAtMs: now, seen: false });
      else setImmediate(() => this.driverFailed(s, 'its grant was lost in a cluster manager restart'));
    }
    this.recoveringUntilMs = now + this.config.recoveryTimeoutMs;
    this.safeMode = true;
    this.log.warn('recovered state after a restart; safe mode until the agents register again', { nodes: r.nodes.length, sessions: this.sessions.size, grants, requests: r.requests.length });
  }

  private book(q: StoredRequest): void {
    let m = this.requestBook.get(q.sessionId);
    if (!m) this.requestBook.set(q.sessionId, (m = new Map()));
    m.set(q.spec.requestId, q);
  }

  /** Leaves recovery when every recovered node is back (or the time is up). */
  private checkRecovery(now: number): void {
    if (!this.recoveringUntilMs) return;
    const waiting = [...this.nodes.values()].filter((n) => n.state === 'alive' && n.registrationId === '');
    if (waiting.length && now < this.recoveringUntilMs) return;
    this.recoveringUntilMs = 0;
    for (const n of waiting) this.loseNode(n, 'did not register again after the cluster manager restarted');
    this.log.info('recovery complete', { nodesMissing: waiting.length });
    this.setSafeMode(false);
  }

  start(): void {
    const tickMs = Math.max(10, Math.min(1_000, Math.floor(Math.min(this.config.nodeExpiryMs, this.config.sessionExpiryMs) / 4)));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    for (const s of this.sessions.values()) s.sink?.end();
  }

  setPoolsConfig(config: PoolsConfig): void {
    this.scheduler.setConfig(config);
    this.requestPass();
  }

  // ---------------------------------------------------------------- sessions

  startSession(input: StartSessionInput): { id: string; secret: string } {
    const now = this.clock.now();
    const id = `s-${now.toString(36)}-${(++this.sessionSeq).toString(36)}`;
    const pool = normalizePool(input.pool, input.user);
    const verdict = this.scheduler.addSession({ id, pool, user: input.user, priority: input.priority, deadlineMs: input.deadlineMs });
    if (!verdict.ok) throw new CmError(verdict.code === 'denied' ? 'denied' : 'invalid', verdict.reason);
    const record: SessionRecord = {
      id,
      name: input.name,
      user: input.user,
      pool,
      priority: input.priority,
      deadlineMs: input.deadlineMs,
      kind: input.kind,
      driverAddress: input.driverAddress,
      tags: input.tags,
      startedAtMs: now,
      lastSeenMs: now,
      endedAtMs: 0,
      state: this.scheduler.sessionState(id) === 'waiting' ? 'waiting' : 'running',
      finalStatus: '',
      diagnostics: '',
      sink: null,
      queued: [],
      revoked: new Map(),
    };
    this.sessions.set(id, record);
    this.store?.putSession(stored(record));
    this.m.sessionsStarted.inc();
    this.log.info('session started', { session: id, name: input.name, user: input.user, pool, kind: input.kind });
    return { id, secret: sessionSecret(this.tokenKey, id) };
  }

  /** Finds a live session and checks its secret; throws CmError otherwise. */
  authSession(id: string, secret: string): SessionRecord {
    const s = this.sessions.get(id);
    if (!s) throw new CmError('not-found', `unknown session "${String(id).slice(0, 80)}"`);
    if (!verifySessionSecret(this.tokenKey, id, secret)) throw new CmError('unauthenticated', `wrong secret for session ${id}`);
    if (s.state === 'ended') throw new CmError('not-found', `session ${id} has ended (${s.finalStatus}${s.diagnostics ? ': ' + s.diagnostics : ''})`);
    s.lastSeenMs = this.clock.now();
    return s;
  }

  /** Attaches the driver's push stream. The first batch is a snapshot of every grant held. */
  attachStream(s: SessionRecord, sink: EventSink): void {
    if (s.sink && s.sink !== sink) s.sink.end();
    s.sink = sink;
    const snapshot: SessionEvent[] = this.scheduler.sessionGrants(s.id).map((g) => ({ type: 'grant', grant: this.grantEvent(g) }));
    for (const [grantId, r] of s.revoked) snapshot.push({ type: 'revocation', grantId, reason: r.reason, killAtMs: r.killAtMs });
    s.queued = [];
    sink.write(snapshot, true);
  }

  detachStream(s: SessionRecord, sink: EventSink): void {
    if (s.sink === sink) s.sink = null;
  }

  /** Merges tags into a session (e.g. where its job tracker listens). */
  setTags(s: SessionRecord, tags: Record<string, string>): void {
    Object.assign(s.tags, tags);
    this.store?.putSession(stored(s));
  }

  requestResources(s: SessionRecord, requests: SchedulerRequest[]): void {
    const verdict = this.scheduler.addRequests(s.id, requests);
    if (!verdict.ok) {
      this.m.rejected.inc({ reason: verdict.code });
      throw new CmError(verdict.code === 'unknown-session' ? 'not-found' : verdict.code === 'denied' ? 'denied' : verdict.code === 'unsatisfiable' ? 'unsatisfiable' : 'invalid', verdict.reason);
    }
    for (const spec of requests) {
      const q = { sessionId: s.id, spec, remaining: spec.count };
      this.book(q);
      this.store?.putRequest(q);
    }
    this.requestPass();
  }

  releaseResources(s: SessionRecord, grantIds: string[], requestIds: string[]): void {
    if (requestIds.length) {
      this.scheduler.cancelRequests(s.id, requestIds);
      const book = this.requestBook.get(s.id);
      for (const id of requestIds) {
        if (book?.delete(id)) this.store?.removeRequest(s.id, id);
      }
    }
    if (grantIds.length) {
      const released = this.scheduler.releaseGrants(s.id, grantIds);
      this.store?.removeGrants(released);
      this.m.releases.inc(undefined, released.length);
      for (const id of released) s.revoked.delete(id);
    }
    this.requestPass();
  }

  endSession(s: SessionRecord, status: string, diagnostics: string): void {
    this.finishSession(s, status, diagnostics, false);
  }

  private finishSession(s: SessionRecord, status: string, diagnostics: string, notifyDriver: boolean): void {
    if (s.state === 'ended') return;
    if (s.driver?.grantId) this.drivers.delete(s.driver.grantId);
    const freed = this.scheduler.removeSession(s.id);
    for (const g of freed) this.nodes.get(g.node)?.endedSessions.add(s.id);
    this.store?.removeSession(s.id, freed.map((g) => g.grantId), [...(this.requestBook.get(s.id)?.keys() ?? [])]);
    this.requestBook.delete(s.id);
    s.state = 'ended';
    s.finalStatus = status;
    s.diagnostics = diagnostics;
    s.endedAtMs = this.clock.now();
    s.revoked.clear();
    if (notifyDriver && s.sink) s.sink.write([{ type: 'session-ended', reason: diagnostics }], false);
    s.sink?.end();
    s.sink = null;
    this.m.sessionsEnded.inc({ status: status.toLowerCase() });
    this.log.info('session ended', { session: s.id, status, diagnostics: diagnostics || undefined, grantsFreed: freed.length });
    this.onSessionEnded?.(s);
    this.endedOrder.push(s.id);
    while (this.endedOrder.length > this.config.endedSessionsKept) this.sessions.delete(this.endedOrder.shift()!);
    this.requestPass();
  }

  // ---------------------------------------------------------------- nodes

  registerNode(input: RegisterNodeInput): { registrationId: string } {
    const now = this.clock.now();
    const old = this.nodes.get(input.name);
    const registrationId = randomUUID();
    if (old && old.state === 'alive' && old.registrationId === '') {
      // Recovered from the store after a CM restart: the agent comes back with its grants.
      Object.assign(old, { rack: input.rack || old.rack, rpcAddress: input.rpcAddress, shuffleAddress: input.shuffleAddress, registrationId, lastHeartbeatMs: now, healthReport: '' });
      if (!R.equals(old.capacity, input.capacity)) {
        old.capacity = input.capacity;
        this.scheduler.addNode({ name: old.name, rack: old.rack, capacity: old.capacity });
      }
      this.store?.putNode({ name: old.name, rack: old.rack, rpcAddress: old.rpcAddress, shuffleAddress: old.shuffleAddress, capacity: old.capacity });
      this.log.info('node registered again after the CM restart', { node: input.name });
      this.checkRecovery(now);
      this.requestPass();
      return { registrationId };
    }
    if (old && old.state !== 'lost' && old.state !== 'decommissioned') {
      // Same name registering again: the agent restarted. Its old grants are gone.
      this.loseNode(old, 'node re-registered (agent restarted)');
    }
    const record: NodeRecord = {
      name: input.name,
      rack: input.rack || '/default-rack',
      rpcAddress: input.rpcAddress,
      shuffleAddress: input.shuffleAddress,
      capacity: input.capacity,
      usage: { memoryMb: 0, cpuCores: 0 },
      runningContainers: input.containers.filter((c) => c.state === 'RUNNING').length,
      lastHeartbeatMs: now,
      registeredAtMs: now,
      registrationId,
      state: 'alive',
      healthy: true,
      healthReport: '',
      ...newNodeFields(),
    };
    this.nodes.set(input.name, record);
    this.scheduler.addNode({ name: record.name, rack: record.rack, capacity: record.capacity });
    if (old && old.blacklistedUntilMs > now) {
      // A restarted agent stays blacklisted: the host is what kept failing.
      record.blacklistedUntilMs = old.blacklistedUntilMs;
      record.blacklistReason = old.blacklistReason;
      this.scheduler.setNodeState(record.name, 'decommissioning');
    }
    this.store?.putNode({ name: record.name, rack: record.rack, rpcAddress: record.rpcAddress, shuffleAddress: record.shuffleAddress, capacity: record.capacity });
    this.log.info('node registered', { node: input.name, rack: record.rack, rpc: input.rpcAddress, capacity: R.format(input.capacity) });
    this.requestPass();
    return { registrationId };
  }

  /** Returns what the agent must do, or null when it must register again. */
  nodeHeartbeat(input: NodeHeartbeatInput): { killGrantIds: string[]; endedSessionIds: string[] } | null {
    const started = process.hrtime.bigint();
    const node = this.nodes.get(input.name);
    if (!node || node.registrationId !== input.registrationId || node.state === 'lost') return null;
    node.lastHeartbeatMs = this.clock.now();
    node.usage.memoryMb = input.usage.memoryMb;
    node.usage.cpuCores = input.usage.cpuCores;
    node.healthy = input.healthy;
    node.healthReport = input.healthReport;
    if (!R.equals(node.capacity, input.capacity)) {
      node.capacity = input.capacity;
      this.scheduler.addNode({ name: node.name, rack: node.rack, capacity: node.capacity });
      this.requestPass();
    }
    if (this.drivers.size) this.watchDrivers(node, input.containers);
    // Containers whose grant no longer exists (released, revoked past grace, session
    // ended, or from before the node was lost) must die.
    // Safe mode gives no kill orders (the CM's view may be incomplete).
    if (this.safeMode) return { killGrantIds: [], endedSessionIds: [] };
    const kill: string[] = [];
    const ended = new Set<string>(node.endedSessions);
    node.endedSessions.clear();
    let running = 0;
    for (const c of input.containers) {
      if (c.state !== 'RUNNING') continue;
      running++;
      const g = this.scheduler.grant(c.grantId);
      if (!g || g.node !== node.name) {
        kill.push(c.grantId);
        const s = this.sessions.get(c.sessionId);
        if (!s || s.state === 'ended') ended.add(c.sessionId);
      }
    }
    node.runningContainers = running;
    this.m.heartbeat.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return { killGrantIds: kill, endedSessionIds: [...ended] };
  }

  /** Graceful removal: no new grants; the node leaves when idle or at the timeout. */
  decommission(name: string, timeoutMs = this.config.decommissionTimeoutMs): void {
    const node = this.nodes.get(name);
    if (!node) throw new CmError('not-found', `unknown node "${name}"`);
    if (node.state === 'lost' || node.state === 'decommissioned') throw new CmError('invalid', `node ${name} is ${node.state}`);
    if (node.state === 'decommissioning') return;
    node.state = 'decommissioning';
    this.decommissionDeadlines.set(name, this.clock.now() + timeoutMs);
    this.scheduler.setNodeState(name, 'decommissioning');
    this.log.info('node decommissioning', { node: name, timeoutMs });
  }

  setSafeMode(on: boolean): void {
    if (this.safeMode === on) return;
    this.safeMode = on;
    this.log.warn(on ? 'safe mode on: no new grants, no kill orders' : 'safe mode off');
    if (!on) this.requestPass();
  }

  /** Re-reads the pools file; a bad file is refused and the previous configuration stays. */
  reloadPoolsFile(): { ok: true } | { ok: false; error: string } {
    const file = this.config.poolsFile;
    if (!file) return { ok: false, error: 'the cluster manager was started without a pools file (--pools)' };
    let loaded;
    try {
      loaded = loadPoolsFile(file);
    } catch (err) {
      loaded = { ok: false as const, error: `cannot read pools file ${file}: ${(err as Error).message}` };
    }
    if (!loaded.ok) {
      this.log.error('pools file rejected; the previous configuration stays in force', { file, error: loaded.error });
      return loaded;
    }
    this.setPoolsConfig(loaded.config);
    this.log.info('pools file loaded', { file });
    return { ok: true };
  }

  private loseNode(node: NodeRecord, reason: string): void {
    node.state = 'lost';
    const lost = this.scheduler.removeNode(node.name);
    this.store?.removeNode(node.name, lost.map((g) => g.grantId));
    this.m.nodesLost.inc();
    this.log.warn('node lost', { node: node.name, reason, grantsLost: lost.length });
    const bySession = new Map<string, string[]>();
    for (const g of lost) {
      const list = bySession.get(g.sessionId) ?? [];
      list.push(g.grantId);
      bySession.set(g.sessionId, list);
    }
    for (const [sessionId, grantIds] of bySession) {
      const s = this.sessions.get(sessionId);
      if (!s || s.state === 'ended') continue;
      for (const id of grantIds) s.revoked.delete(id);
      this.enqueue(s, { type: 'node-lost', node: node.name, grantIds });
      if (grantIds.some((id) => this.drivers.has(id))) this.driverFailed(s, `its node ${node.name} was lost (${reason})`);
    }
    this.requestPass();
  }

  // ---------------------------------------------------------------- drivers run by the CM

  /**
   * StartDriver: the CM launches the session's driver (a remote job tracker) in a
   * container and starts a new attempt when one dies without ending the session, loses
   * its node or stops heartbeating, up to maxAttempts (YARN's application-master
   * attempts). Each attempt starts clean: the last one's grants and requests go.
   */
  startDriver(s: SessionRecord, spec: DriverSpec): void {
    if (!this.driverLauncher) throw new CmError('invalid', 'this cluster manager does not launch drivers');
    if (s.driver) throw new CmError('invalid', `session ${s.id} already has a driver (attempt ${s.driver.attempt})`);
    s.driver = { ...spec, attempt: 0, requestId: '', grantId: '', failures: [] };
    try {
      this.nextDriverAttempt(s);
    } catch (err) {
      s.driver = undefined;
      throw err;
    }
  }

  private nextDriverAttempt(s: SessionRecord): void {
    const d = s.driver!;
    d.attempt++;
    d.requestId = `driver-attempt-${d.attempt}`;
    d.grantId = '';
    s.tags.driverAttempt = String(d.attempt);
    s.lastSeenMs = this.clock.now();
    this.store?.putSession(stored(s));
    this.requestResources(s, [{ requestId: d.requestId, resources: d.resources, count: 1, hosts: [], racks: [], relaxLocality: true, excludedHosts: [], driver: true }]);
  }

  private launchDriver(s: SessionRecord, g: GrantDecision): void {
    const d = s.driver!;
    if (!this.driverLauncher) return;
    d.grantId = g.grantId;
    this.store?.putSession(stored(s));
    const attempt: DriverAttempt = { sessionId: s.id, node: g.node, launchedAtMs: 0, seen: false };
    this.drivers.set(g.grantId, attempt);
    const secret = sessionSecret(this.tokenKey, s.id);
    const env = { ...d.env, CORONET_SESSION: s.id, CORONET_SESSION_SECRET: secret, CORONET_DRIVER_ATTEMPT: String(d.attempt) };
    this.log.info('launching a driver attempt', { session: s.id, attempt: d.attempt, node: g.node, grant: g.grantId });
    this.m.driverAttempts.inc({ outcome: 'launched' });
    this.driverLauncher(this.grantEvent(g), { command: d.command, args: d.args, env }, secret).then(
      () => {
        attempt.launchedAtMs = this.clock.now();
      },
      (err: unknown) => {
        if (this.drivers.get(g.grantId) === attempt) this.driverFailed(s, `could not launch it on ${g.node}: ${errorMessage(err)}`);
      },
    );
  }

  /** A driver attempt is running once its node reported its container. */
  private driverRunning(s: SessionRecord): boolean {
    return Boolean(s.driver?.grantId && this.drivers.get(s.driver.grantId)?.seen);
  }

  /** Checks the driver attempts on a node against the containers it reports. */
  private watchDrivers(node: NodeRecord, containers: ContainerOnNode[]): void {
    const now = this.clock.now();
    const startTimeoutMs = Math.max(10_000, 5 * this.config.nodeHeartbeatIntervalMs);
    for (const [grantId, a] of this.drivers) {
      if (a.node !== node.name) continue;
      if (containers.some((c) => c.grantId === grantId && c.state === 'RUNNING')) {
        a.seen = true;
        continue;
      }
      const s = this.sessions.get(a.sessionId);
      if (!s || s.state === 'ended') {
        this.drivers.delete(grantId);
        continue;
      }
      if (this.safeMode || a.launchedAtMs === 0) continue;
      if (a.seen) this.driverFailed(s, `its container on ${node.name} exited without ending the session`);
      else if (now - a.launchedAtMs > startTimeoutMs) this.driverFailed(s, `its container on ${node.name} was not running ${now - a.launchedAtMs} ms after the launch`);
    }
  }

  private driverFailed(s: SessionRecord, reason: string): void {
    const d = s.driver;
    if (!d || s.state === 'ended') return;
    if (d.grantId) this.drivers.delete(d.grantId);
    d.failures.push(reason);
    this.m.driverAttempts.inc({ outcome: 'failed' });
    this.log.warn('driver attempt failed', { session: s.id, attempt: d.attempt, maxAttempts: d.maxAttempts, reason });
    if (d.attempt >= d.maxAttempts) {
      this.finishSession(s, 'FAILED', `the driver failed ${d.attempt} time(s) (max attempts ${d.maxAttempts}); last: ${reason}`, true);
      return;
    }
    // The next attempt starts clean: what the last one held or asked for goes (the
    // agents kill its containers; session data such as map outputs stays).
    this.releaseResources(s, this.scheduler.sessionGrants(s.id).map((g) => g.grantId), [...(this.requestBook.get(s.id)?.keys() ?? [])]);
    s.revoked.clear();
    try {
      this.nextDriverAttempt(s);
    } catch (err) {
      this.finishSession(s, 'FAILED', `could not ask for the driver's next attempt: ${errorMessage(err)}`, true);
    }
  }

  // ---------------------------------------------------------------- node blacklisting

  /**
   * A driver reports task failures on nodes. A node that fails tasks of
   * `blacklistSessions` different sessions within `blacklistWindowMs` gets no new grants
   * for `blacklistDurationMs` (Corona's fault manager); never more than
   * `blacklistMaxPercent` of the live nodes at once, so a job that fails everywhere
   * can't empty the cluster.
   */
  nodeFeedback(s: SessionRecord, reports: Array<{ node: string; failedTasks: number }>): void {
    const now = this.clock.now();
    for (const r of reports) {
      const node = this.nodes.get(r.node);
      if (!node || r.failedTasks <= 0 || node.state !== 'alive') continue;
      node.failureReports.set(s.id, now);
      for (const [sid, at] of node.failureReports) if (now - at > this.config.blacklistWindowMs) node.failureReports.delete(sid);
      if (node.blacklistedUntilMs || node.failureReports.size < this.config.blacklistSessions) continue;
      const alive = [...this.nodes.values()].filter((n) => n.state === 'alive');
      const blacklisted = alive.filter((n) => n.blacklistedUntilMs).length;
      if (blacklisted + 1 > Math.floor((alive.length * this.config.blacklistMaxPercent) / 100)) {
        this.log.warn('node keeps failing tasks but the blacklist is full', { node: node.name, sessions: node.failureReports.size, blacklisted });
        continue;
      }
      node.blacklistedUntilMs = now + this.config.blacklistDurationMs;
      node.blacklistReason = `tasks of ${node.failureReports.size} sessions failed here within ${Math.round(this.config.blacklistWindowMs / 1000)} s`;
      node.failureReports.clear();
      this.scheduler.setNodeState(node.name, 'decommissioning'); // the scheduler's "no new grants"
      this.m.nodesBlacklisted.inc();
      this.log.warn('node blacklisted', { node: node.name, reason: node.blacklistReason, untilMs: node.blacklistedUntilMs });
    }
  }

  private unblacklist(node: NodeRecord): void {
    node.blacklistedUntilMs = 0;
    node.blacklistReason = '';
    if (node.state === 'alive') this.scheduler.setNodeState(node.name, 'alive');
    this.log.info('node off the blacklist', { node: node.name });
    this.requestPass();
  }

  // ---------------------------------------------------------------- timers

  /** Expires nodes and sessions, and kills revoked grants past their grace period. */
  tick(): void {
    const now = this.clock.now();
    this.checkRecovery(now);
    for (const node of this.nodes.values()) {
      if (node.blacklistedUntilMs && now >= node.blacklistedUntilMs) this.unblacklist(node);
      if ((node.state === 'alive' || node.state === 'decommissioning') && now - node.lastHeartbeatMs > this.config.nodeExpiryMs) {
        this.loseNode(node, `no heartbeat for ${now - node.lastHeartbeatMs} ms (expiry ${this.config.nodeExpiryMs} ms)`);
      } else if (node.state === 'decommissioning') {
        const idle = R.isZero(this.scheduler.nodeAllocated(node.name));
        const deadline = this.decommissionDeadlines.get(node.name) ?? 0;
        if (idle || now >= deadline) {
          if (!idle) this.loseNode(node, 'decommission timeout passed with grants still on the node');
          node.state = 'decommissioned';
          this.decommissionDeadlines.delete(node.name);
          this.scheduler.removeNode(node.name);
          this.store?.removeNode(node.name, []);
          this.log.info('node decommissioned', { node: node.name });
        }
      }
    }
    for (const s of this.sessions.values()) {
      if (s.state === 'ended') continue;
      if (s.driver && !this.driverRunning(s)) s.lastSeenMs = now; // its next attempt is not up yet
      if (now - s.lastSeenMs > this.config.sessionExpiryMs) {
        const why = `driver not heard from for ${now - s.lastSeenMs} ms (expiry ${this.config.sessionExpiryMs} ms)`;
        if (s.driver) {
          this.driverFailed(s, why);
          continue;
        }
        this.finishSession(s, 'KILLED', `session expired: ${why}`, true);
        continue;
      }
      if (s.revoked.size) {
        const due = [...s.revoked].filter(([, r]) => r.killAtMs <= now).map(([id]) => id);
        if (due.length) {
          this.log.info('killing revoked grants past their grace period', { session: s.id, grants: due });
          this.scheduler.releaseGrants(s.id, due);
          this.store?.removeGrants(due);
          for (const id of due) s.revoked.delete(id);
          this.requestPass();
        }
      }
    }
  }

  // ---------------------------------------------------------------- scheduling and push

  /** Queues one scheduling pass on the next turn of the event loop (coalesced). */
  requestPass(): void {
    if (this.passQueued) return;
    this.passQueued = true;
    setImmediate(() => {
      this.passQueued = false;
      this.runPass();
    });
  }

  runPass(): void {
    if (this.safeMode) return;
    const started = process.hrtime.bigint();
    const plan = this.scheduler.schedule();
    for (const g of plan.grants) {
      const s = this.sessions.get(g.sessionId);
      if (!s) continue;
      this.enqueue(s, { type: 'grant', grant: this.grantEvent(g) });
      if (g.driver && s.driver?.requestId === g.requestId) this.launchDriver(s, g);
    }
    if (plan.grants.length) {
      this.m.grants.inc(undefined, plan.grants.length);
      if (this.store) {
        const touched = new Set<StoredRequest>();
        for (const g of plan.grants) {
          const q = this.requestBook.get(g.sessionId)?.get(g.requestId);
          if (!q) continue;
          q.remaining--;
          touched.add(q);
          if (q.remaining <= 0) this.requestBook.get(g.sessionId)!.delete(g.requestId);
        }
        this.store.recordGrants(plan.grants, [...touched]);
      }
    }
    const now = this.clock.now();
    for (const r of plan.revocations) {
      const s = this.sessions.get(r.sessionId);
      if (!s || s.revoked.has(r.grantId)) continue;
      const killAtMs = now + this.config.revocationGraceMs;
      s.revoked.set(r.grantId, { reason: r.reason, killAtMs });
      this.m.revocations.inc();
      this.enqueue(s, { type: 'revocation', grantId: r.grantId, reason: r.reason, killAtMs });
    }
    for (const s of this.sessions.values()) {
      if (s.state === 'waiting' && this.scheduler.sessionState(s.id) === 'running') s.state = 'running';
    }
    this.flush();
    this.m.pass.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.armWake();
  }

  /** Time-driven work (locality waits, preemption timeouts, a pass cut short): one timer. */
  private armWake(): void {
    const at = this.scheduler.nextWakeMs?.() ?? null;
    if (this.wakeTimer) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = undefined;
    }
    if (at === null) return;
    const delay = at - this.clock.now();
    if (delay <= 0) {
      this.requestPass();
      return;
    }
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.requestPass();
    }, delay);
    this.wakeTimer.unref();
  }

  private grantEvent(g: GrantDecision): GrantEvent {
    const node = this.nodes.get(g.node);
    const expiresAtMs = this.clock.now() + this.config.grantTokenTtlMs;
    const user = this.sessions.get(g.sessionId)?.user ?? '';
    return {
      grantId: g.grantId,
      sessionId: g.sessionId,
      user,
      requestId: g.requestId,
      node: g.node,
      nodeAddress: node?.rpcAddress ?? '',
      shuffleAddress: node?.shuffleAddress ?? '',
      resources: g.resources,
      token: signGrant(this.tokenKey, { grantId: g.grantId, sessionId: g.sessionId, user, node: g.node, resources: g.resources, expiresAtMs }),
      expiresAtMs,
      driver: g.driver,
    };
  }

  private enqueue(s: SessionRecord, ev: SessionEvent): void {
    s.queued.push(ev);
    this.dirtySessions.add(s.id);
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends each session's queued events as one batch. */
  private flush(): void {
    this.flushQueued = false;
    for (const id of this.dirtySessions) {
      const s = this.sessions.get(id);
      if (!s || !s.queued.length) continue;
      // A driver without an open stream gets its grants in the snapshot on reconnect.
      if (s.sink) s.sink.write(s.queued, false);
      s.queued = [];
    }
    this.dirtySessions.clear();
  }

  // ---------------------------------------------------------------- views

  clusterInfo(): {
    version: string;
    startedAtMs: number;
    nodesAlive: number;
    nodesLost: number;
    nodesDecommissioning: number;
    capacity: Resources;
    allocated: Resources;
    sessionsRunning: number;
    sessionsWaiting: number;
    pendingRequests: number;
    httpAddress: string;
  } {
    const t = this.scheduler.totals();
    let alive = 0;
    let lost = 0;
    let decom = 0;
    for (const n of this.nodes.values()) {
      if (n.state === 'alive') alive++;
      else if (n.state === 'lost') lost++;
      else if (n.state === 'decommissioning') decom++;
    }
    return {
      version: coronetVersion,
      startedAtMs: this.startedAtMs,
      nodesAlive: alive,
      nodesLost: lost,
      nodesDecommissioning: decom,
      capacity: t.capacity,
      allocated: t.allocated,
      sessionsRunning: t.sessionsRunning,
      sessionsWaiting: t.sessionsWaiting,
      pendingRequests: t.pendingContainers,
      httpAddress: this.httpAddress,
    };
  }

  nodeViews(): Array<Omit<NodeRecord, 'endedSessions' | 'failureReports' | 'state'> & { state: NodeView; allocated: Resources; containerCount: number }> {
    return [...this.nodes.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(({ endedSessions: _e, failureReports: _f, ...n }) => ({
        ...n,
        state: n.state === 'alive' && n.blacklistedUntilMs ? 'blacklisted' : n.state,
        allocated: n.state === 'alive' || n.state === 'decommissioning' ? this.scheduler.nodeAllocated(n.name) : R.zero(),
        containerCount: n.runningContainers,
      }));
  }

  sessionViews(): Array<Omit<SessionRecord, 'sink' | 'queued' | 'revoked'> & { allocated: Resources; grants: number; pending: number; streamOpen: boolean }> {
    return [...this.sessions.values()].map((s) => {
      const { sink, queued: _q, revoked: _r, ...rest } = s;
      const live = s.state !== 'ended';
      return {
        ...rest,
        allocated: live ? this.scheduler.sessionAllocated(s.id) : R.zero(),
        grants: live ? this.scheduler.sessionGrantCount(s.id) : 0,
        pending: live ? this.scheduler.sessionPending(s.id) : 0,
        streamOpen: sink !== null,
      };
    });
  }

  poolViews(): PoolInfo[] {
    return this.scheduler.pools();
  }

  private registerGauges(): void {
    const m = this.metrics;
    m.gauge('coronet_nodes', 'Nodes by state.', () => {
      const counts: Record<string, number> = { alive: 0, lost: 0, decommissioning: 0, decommissioned: 0 };
      for (const n of this.nodes.values()) counts[n.state]++;
      return Object.entries(counts).map(([state, v]) => [{ state }, v]);
    });
    m.gauge('coronet_sessions', 'Sessions by state.', () => {
      const t = this.scheduler.totals();
      return [
        [{ state: 'running' }, t.sessionsRunning],
        [{ state: 'waiting' }, t.sessionsWaiting],
      ];
    });
    m.gauge('coronet_capacity_memory_bytes', 'Memory capacity of live nodes.', () => this.scheduler.totals().capacity.memoryMb * 1048576);
    m.gauge('coronet_allocated_memory_bytes', 'Memory granted to sessions.', () => this.scheduler.totals().allocated.memoryMb * 1048576);
    m.gauge('coronet_capacity_vcores', 'Virtual cores of live nodes.', () => this.scheduler.totals().capacity.vcores);
    m.gauge('coronet_allocated_vcores', 'Virtual cores granted to sessions.', () => this.scheduler.totals().allocated.vcores);
    m.gauge('coronet_pending_containers', 'Containers requested and not yet granted, per pool.', () => {
      const byPool = new Map<string, number>();
      for (const p of this.scheduler.pools()) byPool.set(p.name, 0);
      for (const s of this.sessions.values()) if (s.state !== 'ended') byPool.set(s.pool, (byPool.get(s.pool) ?? 0) + this.scheduler.sessionPending(s.id));
      return [...byPool].map(([pool, v]) => [{ pool }, v]);
    });
    m.gauge('coronet_pool_fair_share_vcores', 'Fair share of each pool, in vcores.', () => this.scheduler.pools().map((p) => [{ pool: p.name }, p.fairShare.vcores]));
    m.gauge('coronet_pool_granted_vcores', 'Vcores granted to each pool.', () => this.scheduler.pools().map((p) => [{ pool: p.name }, p.granted.vcores]));
    m.gauge('coronet_pool_fair_share_memory_bytes', 'Fair share of each pool, memory.', () => this.scheduler.pools().map((p) => [{ pool: p.name }, p.fairShare.memoryMb * 1048576]));
    m.gauge('coronet_pool_granted_memory_bytes', 'Memory granted to each pool.', () => this.scheduler.pools().map((p) => [{ pool: p.name }, p.granted.memoryMb * 1048576]));
  }
}

export const coronetVersion = '0.1.0';

/** "group.pool"; a bare "pool" goes to the default group; empty = default.<user>. */
export function normalizePool(pool: string, user: string): string {
  const p = (pool ?? '').trim();
  if (!p) return `default.${user || 'anonymous'}`;
  return p.includes('.') ? p : `default.${p}`;
}

export function parsePriority(p: string): Priority {
  return (priorities as readonly string[]).includes(p) ? (p as Priority) : 'NORMAL';
}
