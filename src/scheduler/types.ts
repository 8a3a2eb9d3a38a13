// The scheduler's contract with the cluster manager and the simulator.
//
// The scheduler is pure logic: it keeps an in-memory model of nodes, sessions,
// outstanding requests and grants, is told about changes through the methods of
// `Scheduler`, and decides in `schedule()` — synchronously, with time read only from
// the injected `Clock`. It does no I/O. The cluster manager applies the plan (pushes
// grants, sends revocations); the simulator (`npm run bench:scheduler`) drives the
// very same code.

import type { Resources } from '../common/resources.js';

export interface Clock {
  /** Milliseconds; monotonic enough for timeouts. */
  now(): number;
}

export type Priority = 'VERY_LOW' | 'LOW' | 'NORMAL' | 'HIGH' | 'VERY_HIGH';

export interface SchedulerNode {
  name: string;
  rack: string;
  capacity: Resources;
}

export interface SchedulerSession {
  id: string;
  /** "group.pool" */
  pool: string;
  user: string;
  priority: Priority;
  /** ms since epoch, 0 = none */
  deadlineMs: number;
}

export interface SchedulerRequest {
  /** Unique within the session. */
  requestId: string;
  resources: Resources;
  /** Containers wanted. */
  count: number;
  hosts: string[];
  racks: string[];
  relaxLocality: boolean;
  excludedHosts: string[];
  /** A session-driver container (remote job tracker): never preempted. */
  driver: boolean;
}

export interface GrantDecision {
  grantId: string;
  sessionId: string;
  requestId: string;
  node: string;
  resources: Resources;
  driver: boolean;
  /** How well locality was met. */
  locality: 'node' | 'rack' | 'any';
}

export interface RevokeDecision {
  grantId: string;
  sessionId: string;
  node: string;
  reason: string;
}

/** The output of one scheduling pass. */
export interface SchedulePlan {
  grants: GrantDecision[];
  revocations: RevokeDecision[];
}

export type NodeState = 'alive' | 'decommissioning';

/** A result with a code rather than an exception: operating errors are values. */
export type Verdict = { ok: true } | { ok: false; code: 'invalid' | 'unsatisfiable' | 'unknown-session' | 'denied'; reason: string };

/** One pool's live figures, for `coronet pools`, /api/v1/pools and the web UI. */
export interface PoolInfo {
  /** "group.pool" */
  name: string;
  group: string;
  weight: number;
  minShare: Resources;
  maxShare: Resources | null;
  demand: Resources;
  granted: Resources;
  fairShare: Resources;
  /** When the pool started starving (below min or fair share), or null. */
  starvingSinceMs: number | null;
  runningSessions: number;
  waitingSessions: number;
  preemptable: boolean;
  order: 'fifo' | 'fair' | 'priority';
}

export interface SchedulerTotals {
  capacity: Resources;
  allocated: Resources;
  /** Containers requested and not yet granted, all sessions. */
  pendingContainers: number;
  nodes: number;
  sessionsRunning: number;
  sessionsWaiting: number;
}

/**
 * The scheduler as the cluster manager and the simulator see it. Every method is
 * synchronous and does no I/O. Unknown ids given to mutators are ignored (the caller
 * reports them) unless the method returns a Verdict.
 */
export interface Scheduler {
  /** A node joins (or re-registers with a new capacity). */
  addNode(node: SchedulerNode): void;
  /** `decommissioning`: no new grants on the node. */
  setNodeState(name: string, state: NodeState): void;
  /** The node is gone: returns the grants that were on it (they no longer exist). */
  removeNode(name: string): GrantDecision[];

  /** Registers a session; it may be admitted at once or queued (`waiting`). */
  addSession(session: SchedulerSession): Verdict;
  sessionState(id: string): 'running' | 'waiting' | undefined;
  /** The session ended: returns the grants it held (they no longer exist). */
  removeSession(id: string): GrantDecision[];

  /** Adds requests; rejects at once any request no node could ever satisfy. */
  addRequests(sessionId: string, requests: SchedulerRequest[]): Verdict;
  cancelRequests(sessionId: string, requestIds: string[]): void;
  /** The driver gave grants back (or the CM killed them after a revocation). Returns the ids released (those the session held). */
  releaseGrants(sessionId: string, grantIds: string[]): string[];

  /** One scheduling pass: grants (batched per session by the caller) and revocations. */
  schedule(): SchedulePlan;

  grant(grantId: string): GrantDecision | undefined;
  /** Its grants, oldest first (a walk of its pool's grants: for rare callers). */
  sessionGrants(sessionId: string): GrantDecision[];
  /** How many grants it holds (cheap). */
  sessionGrantCount(sessionId: string): number;
  sessionAllocated(sessionId: string): Resources;
  /** Containers requested and not yet granted. */
  sessionPending(sessionId: string): number;
  nodeAllocated(name: string): Resources;
  pools(): PoolInfo[];
  totals(): SchedulerTotals;

  // ---- Optional additions (the fair-share scheduler implements all of them) ----

  /**
   * When `schedule()` next has time-driven work (a locality wait or a preemption
   * timeout coming due), in Clock ms; the current time if a change is waiting for a
   * pass; null if nothing is due. The CM arms one timer for it.
   */
  nextWakeMs?(): number | null;
  /** Puts back a grant the CM had before a restart (recovery); no request is consumed. */
  restoreGrant?(grant: GrantDecision): Verdict;
  /** The session's resolved pool name ("group.pool", defaults applied). */
  sessionPoolName?(id: string): string | undefined;
  /** The administer ACL of the pool or its group allows `user` (pool "group.pool"). */
  canAdminister?(user: string, pool: string): boolean;
}
