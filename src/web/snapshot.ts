// What the web UI shows, assembled from the CM's views: one snapshot of the cluster
// (capacity, nodes, pools, sessions, running jobs with their progress) and the full
// state of one job (live from its job tracker, else its history report).

import type { ClusterManager } from '../cluster-manager/cluster-manager.js';
import type { HistoryStore, LiveJob } from '../history/index.js';
import type { PoolInfo } from '../scheduler/types.js';
import type { PoolSample } from './pool-history.js';

/** A job tracker that does not answer within this is shown without progress this tick. */
export const trackerFetchTimeoutMs = 1_500;
/** Running jobs whose progress one snapshot fetches; the rest are listed without it. */
export const jobsWithProgressMax = 100;
/** Live sessions one snapshot lists. */
export const sessionsInSnapshotMax = 500;
/** Nodes one snapshot lists (the counts in `cluster` are always complete). */
export const nodesInSnapshotMax = 2_000;

export interface JobProgress {
  state: string;
  progress: number;
  maps: { total: number; succeeded: number; running: number };
  reduces: { total: number; succeeded: number; running: number };
  failedAttempts: number;
}

export interface JobRow extends LiveJob {
  /** From the job's tracker; null when it did not answer (yet). */
  tracker: JobProgress | null;
}

export interface Snapshot {
  t: number;
  cluster: ReturnType<ClusterManager['clusterInfo']>;
  nodes: Array<{
    name: string;
    rack: string;
    state: string;
    healthy: boolean;
    healthReport: string;
    shuffleAddress: string;
    capacity: { memoryMb: number; vcores: number; gpus: number };
    allocated: { memoryMb: number; vcores: number; gpus: number };
    usage: { memoryMb: number; cpuCores: number };
    containerCount: number;
    lastHeartbeatMs: number;
    registeredAtMs: number;
  }>;
  nodesTotal: number;
  pools: PoolInfo[];
  sessions: Array<{ id: string; name: string; user: string; pool: string; kind: string; state: string; priority: string; startedAtMs: number; allocated: { memoryMb: number; vcores: number; gpus: number }; grants: number; pending: number; jobId: string }>;
  sessionsTotal: number;
  jobs: JobRow[];
  /** The newest pool-history sample, for appending to the charts. */
  poolSample: PoolSample | null;
  /** The most recently finished job in history, so the history page knows when to reload. */
  historyNewest: { jobId: string; finishedAtMs: number } | null;
}

type Res3 = { memoryMb: number; vcores: number; gpus: number };
const r3 = (r: Res3): Res3 => ({ memoryMb: r.memoryMb, vcores: r.vcores, gpus: r.gpus });

export interface SnapshotSources {
  cm: ClusterManager;
  history: HistoryStore;
  liveJobs: () => LiveJob[];
  latestPoolSample: () => PoolSample | undefined;
  progress: JobProgressCache;
}

interface TrackerStatus {
  state?: unknown;
  progress?: unknown;
  maps?: JobProgress['maps'];
  reduces?: JobProgress['reduces'];
  tasks?: Array<{ attempts?: Array<{ state?: unknown }> }>;
}

async function fetchTrackerStatus(trackerHttp: string): Promise<{ status: Record<string, unknown>; bytes: number } | null> {
  if (!trackerHttp) return null;
  try {
    const r = await fetch(`http://${trackerHttp}/api/v1/job`, { signal: AbortSignal.timeout(trackerFetchTimeoutMs) });
    if (!r.ok) return null;
    const text = await r.text();
    return { status: JSON.parse(text) as Record<string, unknown>, bytes: text.length };
  } catch {
    return null;
  }
}

/** A tracker's status is refetched at most this often for every this many bytes it weighs (big jobs, fewer fetches). */
export const progressRefreshMsPerMiB = 4_000;
export const progressRefreshMsMax = 10_000;

/**
 * The running jobs' progress for the snapshots. A job tracker only serves its full status
 * (every task and attempt), so a big job's status is fetched less often than once a
 * second: the interval grows with its size, up to `progressRefreshMsMax`.
 */
export class JobProgressCache {
  private readonly entries = new Map<string, { progress: JobProgress | null; fetchedAtMs: number; refreshMs: number }>();

  async get(jobs: LiveJob[], now = Date.now()): Promise<Array<JobProgress | null>> {
    const out = await Promise.all(
      jobs.map(async (j) => {
        const e = this.entries.get(j.jobId);
        if (e && now - e.fetchedAtMs < e.refreshMs) return e.progress;
        const r = await fetchTrackerStatus(j.trackerHttp);
        const progress = r ? progressOf(r.status as TrackerStatus) : null;
        const refreshMs = r ? Math.min(progressRefreshMsMax, Math.floor((r.bytes / 1048576) * progressRefreshMsPerMiB)) : 0;
        this.entries.set(j.jobId, { progress, fetchedAtMs: now, refreshMs });
        return progress;
      }),
    );
    // Forget jobs no longer running: the cache never outgrows the live job list.
    const live = new Set(jobs.map((j) => j.jobId));
    for (const id of this.entries.keys()) if (!live.has(id)) this.entries.delete(id);
    return out;
  }
}

function progressOf(s: TrackerStatus): JobProgress {
  let failedAttempts = 0;
  for (const t of s.tasks ?? []) for (const a of t.attempts ?? []) if (a.state === 'failed') failedAttempts++;
  const zero = { total: 0, succeeded: 0, running: 0 };
  return { state: String(s.state ?? 'unknown'), progress: Number(s.progress ?? 0), maps: s.maps ?? zero, reduces: s.reduces ?? zero, failedAttempts };
}

export async function buildSnapshot(src: SnapshotSources): Promise<Snapshot> {
  const { cm } = src;
  const allNodes = cm.nodeViews();
  const liveSessions = cm.sessionViews().filter((s) => s.state !== 'ended');
  const jobs = src.liveJobs().filter((j) => j.state !== 'ended');
  const progress = await src.progress.get(jobs.slice(0, jobsWithProgressMax));
  const newest = src.history.list({ limit: 1 })[0];
  return {
    t: Date.now(),
    cluster: cm.clusterInfo(),
    nodes: allNodes.slice(0, nodesInSnapshotMax).map((n) => ({
      name: n.name,
      rack: n.rack,
      state: n.state,
      healthy: n.healthy,
      healthReport: n.healthReport,
      shuffleAddress: n.shuffleAddress,
      capacity: r3(n.capacity),
      allocated: r3(n.allocated),
      usage: n.usage,
      containerCount: n.containerCount,
      lastHeartbeatMs: n.lastHeartbeatMs,
      registeredAtMs: n.registeredAtMs,
    })),
    nodesTotal: allNodes.length,
    pools: cm.poolViews(),
    sessions: liveSessions.slice(0, sessionsInSnapshotMax).map((s) => ({ id: s.id, name: s.name, user: s.user, pool: s.pool, kind: s.kind, state: s.state, priority: s.priority, startedAtMs: s.startedAtMs, allocated: r3(s.allocated), grants: s.grants, pending: s.pending, jobId: s.tags.jobId ?? '' })),
    sessionsTotal: liveSessions.length,
    jobs: jobs.map((j, i) => ({ ...j, tracker: progress[i] ?? null })),
    poolSample: src.latestPoolSample() ?? null,
    historyNewest: newest ? { jobId: newest.jobId, finishedAtMs: newest.finishedAtMs } : null,
  };
}

/** One job's full state: live from its tracker (`live: true`), else its history report (`live: false`), else null. */
export async function jobDetail(src: SnapshotSources, jobId: string): Promise<Record<string, unknown> | null> {
  const j = src.liveJobs().find((x) => x.jobId === jobId && x.state !== 'ended');
  if (j) {
    const r = await fetchTrackerStatus(j.trackerHttp);
    if (r) return { ...r.status, pool: j.pool, sessionId: j.sessionId, live: true };
  }
  const h = src.history.get(jobId);
  if (h) return { ...h, live: false };
  if (j) return { jobId, name: j.name, user: j.user, state: 'starting', pool: j.pool, sessionId: j.sessionId, startedAtMs: j.startedAtMs, live: true };
  return null;
}
