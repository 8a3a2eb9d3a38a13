// The fair-share scheduler (first cut): node registry, sessions, requests, grants;
// each grant goes to the pool, then the session, with the lowest dominant share.

import { addInto, clone, dominantShare, fits, format, subtractInto, zero, type Resources } from '../common/resources.js';
import { defaultGroupName, defaultPoolsConfig, type PoolsConfig } from './config.js';
import type {
  Clock, GrantDecision, NodeState, PoolInfo, Scheduler, SchedulePlan, SchedulerNode, SchedulerRequest, SchedulerSession, SchedulerTotals, Verdict,
} from './types.js';

export interface SchedulerOptions {
  clock: Clock;
  config?: PoolsConfig;
  nextGrantId?: () => string;
}

interface NodeRec {
  node: SchedulerNode;
  free: Resources;
  allocated: Resources;
  state: NodeState;
  grants: Set<GrantRec>;
}

interface RequestRec {
  spec: SchedulerRequest;
  remaining: number;
  waitingSinceMs: number;
}

interface SessionRec {
  s: SchedulerSession;
  pool: PoolRec;
  requests: Map<string, RequestRec>;
  grants: Map<string, GrantRec>;
  allocated: Resources;
  pending: number;
}

interface GrantRec {
  d: GrantDecision;
  session: SessionRec;
  node: NodeRec;
}

interface PoolRec {
  name: string;
  group: string;
  sessions: Set<SessionRec>;
  allocated: Resources;
}

export function createScheduler(opts: SchedulerOptions): Scheduler & { setConfig(c: PoolsConfig): void } {
  let grantSeq = 0;
  const nextGrantId = opts.nextGrantId ?? ((): string => `g-${++grantSeq}`);
  let config = opts.config ?? defaultPoolsConfig();
  const nodes = new Map<string, NodeRec>();
  const sessions = new Map<string, SessionRec>();
  const grants = new Map<string, GrantRec>();
  const pools = new Map<string, PoolRec>();
  const capacity = zero();
  const allocated = zero();

  function poolName(s: SchedulerSession): string {
    const p = s.pool.trim();
    if (p === '') return `${defaultGroupName}.${s.user}`;
    return p.includes('.') ? p : `${defaultGroupName}.${p}`;
  }

  function poolFor(name: string): PoolRec {
    let p = pools.get(name);
    if (!p) {
      p = { name, group: name.slice(0, name.indexOf('.')), sessions: new Set(), allocated: zero() };
      pools.set(name, p);
    }
    return p;
  }

  function dropGrant(g: GrantRec): void {
    grants.delete(g.d.grantId);
    g.session.grants.delete(g.d.grantId);
    subtractInto(g.session.allocated, g.d.resources);
    subtractInto(g.session.pool.allocated, g.d.resources);
    g.node.grants.delete(g);
    addInto(g.node.free, g.d.resources);
    subtractInto(g.node.allocated, g.d.resources);
    subtractInto(allocated, g.d.resources);
  }

  function largestNode(): NodeRec | undefined {
    let best: NodeRec | undefined;
    for (const n of nodes.values()) if (!best || dominantShare(n.node.capacity, capacity) > dominantShare(best.node.capacity, capacity)) best = n;
    return best;
  }

  function nodeOk(n: NodeRec, req: RequestRec): boolean {
    return n.state === 'alive' && fits(req.spec.resources, n.free) && !req.spec.excludedHosts.includes(n.node.name);
  }

  function findNode(req: RequestRec): { n: NodeRec; locality: GrantDecision['locality'] } | undefined {
    const { hosts, racks, relaxLocality } = req.spec;
    for (const h of hosts) {
      const n = nodes.get(h);
      if (n && nodeOk(n, req)) return { n, locality: 'node' };
    }
    if (racks.length > 0 || (hosts.length > 0 && relaxLocality)) {
      const wantRacks = new Set(racks);
      if (relaxLocality) for (const h of hosts) { const n = nodes.get(h); if (n) wantRacks.add(n.node.rack); }
      for (const n of nodes.values()) if (wantRacks.has(n.node.rack) && nodeOk(n, req)) return { n, locality: 'rack' };
    }
    if (relaxLocality || (hosts.length === 0 && racks.length === 0)) {
      for (const n of nodes.values()) if (nodeOk(n, req)) return { n, locality: 'any' };
    }
    return undefined;
  }

  const sched: Scheduler & { setConfig(c: PoolsConfig): void } = {
    setConfig(c: PoolsConfig): void {
      config = c;
    },

    addNode(node: SchedulerNode): void {
      const old = nodes.get(node.name);
      if (old) {
        subtractInto(capacity, old.node.capacity);
        old.node = { name: node.name, rack: node.rack, capacity: clone(node.capacity) };
        old.free = clone(node.capacity);
        subtractInto(old.free, old.allocated);
        addInto(capacity, node.capacity);
        return;
      }
      nodes.set(node.name, { node: { name: node.name, rack: node.rack, capacity: clone(node.capacity) }, free: clone(node.capacity), allocated: zero(), state: 'alive', grants: new Set() });
      addInto(capacity, node.capacity);
    },

    setNodeState(name: string, state: NodeState): void {
      const n = nodes.get(name);
      if (n) n.state = state;
    },

    removeNode(name: string): GrantDecision[] {
      const n = nodes.get(name);
      if (!n) return [];
      const out = [...n.grants].map((g) => g.d);
      for (const g of [...n.grants]) dropGrant(g);
      nodes.delete(name);
      subtractInto(capacity, n.node.capacity);
      return out;
    },

    addSession(session: SchedulerSession): Verdict {
      if (sessions.has(session.id)) return { ok: false, code: 'invalid', reason: `session ${session.id} already exists` };
      const pool = poolFor(poolName(session));
      const rec: SessionRec = { s: { ...session }, pool, requests: new Map(), grants: new Map(), allocated: zero(), pending: 0 };
      sessions.set(session.id, rec);
      pool.sessions.add(rec);
      return { ok: true };
    },

    sessionState(id: string): 'running' | 'waiting' | undefined {
      return sessions.has(id) ? 'running' : undefined;
    },

    removeSession(id: string): GrantDecision[] {
      const s = sessions.get(id);
      if (!s) return [];
      const out = [...s.grants.values()].map((g) => g.d);
      for (const g of [...s.grants.values()]) dropGrant(g);
      sessions.delete(id);
      s.pool.sessions.delete(s);
      return out;
    },

    addRequests(sessionId: string, requests: SchedulerRequest[]): Verdict {
      const s = sessions.get(sessionId);
      if (!s) return { ok: false, code: 'unknown-session', reason: `unknown session ${sessionId}` };
      for (const r of requests) {
        if (!Number.isInteger(r.count) || r.count < 1) return { ok: false, code: 'invalid', reason: `request ${r.requestId}: count must be a whole number >= 1` };
        if (nodes.size > 0 && ![...nodes.values()].some((n) => fits(r.resources, n.node.capacity))) {
          const big = largestNode();
          return { ok: false, code: 'unsatisfiable', reason: `request ${r.requestId} wants ${format(r.resources)} but the largest node (${big?.node.name}) has ${big ? format(big.node.capacity) : '-'}` };
        }
      }
      const now = opts.clock.now();
      for (const r of requests) {
        const old = s.requests.get(r.requestId);
        if (old) s.pending -= old.remaining;
        s.requests.set(r.requestId, { spec: { ...r, resources: clone(r.resources) }, remaining: r.count, waitingSinceMs: now });
        s.pending += r.count;
      }
      return { ok: true };
    },

    cancelRequests(sessionId: string, requestIds: string[]): void {
      const s = sessions.get(sessionId);
      if (!s) return;
      for (const id of requestIds) {
        const r = s.requests.get(id);
        if (!r) continue;
        s.pending -= r.remaining;
        s.requests.delete(id);
      }
    },

    releaseGrants(sessionId: string, grantIds: string[]): GrantDecision[] {
      const s = sessions.get(sessionId);
      if (!s) return [];
      const out: GrantDecision[] = [];
      for (const id of grantIds) {
        const g = s.grants.get(id);
        if (!g) continue;
        out.push(g.d);
        dropGrant(g);
      }
      return out;
    },

    schedule(): SchedulePlan {
      const plan: SchedulePlan = { grants: [], revocations: [] };
      const blocked = new Set<SessionRec>();
      for (;;) {
        let best: SessionRec | undefined;
        let bestKey = Infinity;
        for (const s of sessions.values()) {
          if (s.pending === 0 || blocked.has(s)) continue;
          const key = dominantShare(s.pool.allocated, capacity) * 1e6 + dominantShare(s.allocated, capacity);
          if (key < bestKey) { best = s; bestKey = key; }
        }
        if (!best) break;
        let granted = false;
        for (const r of best.requests.values()) {
          const found = findNode(r);
          if (!found) continue;
          const d: GrantDecision = { grantId: nextGrantId(), sessionId: best.s.id, requestId: r.spec.requestId, node: found.n.node.name, resources: clone(r.spec.resources), driver: r.spec.driver, locality: found.locality };
          const g: GrantRec = { d, session: best, node: found.n };
          grants.set(d.grantId, g);
          best.grants.set(d.grantId, g);
          found.n.grants.add(g);
          subtractInto(found.n.free, d.resources);
          addInto(found.n.allocated, d.resources);
          addInto(best.allocated, d.resources);
          addInto(best.pool.allocated, d.resources);
          addInto(allocated, d.resources);
          r.remaining--;
          best.pending--;
          if (r.remaining === 0) best.requests.delete(r.spec.requestId);
          plan.grants.push(d);
          granted = true;
          break;
        }
        if (!granted) blocked.add(best);
      }
      return plan;
    },

    grant(grantId: string): GrantDecision | undefined {
      return grants.get(grantId)?.d;
    },
    sessionGrants(sessionId: string): GrantDecision[] {
      return [...(sessions.get(sessionId)?.grants.values() ?? [])].map((g) => g.d);
    },
    sessionAllocated(sessionId: string): Resources {
      const s = sessions.get(sessionId);
      return s ? clone(s.allocated) : zero();
    },
    sessionPending(sessionId: string): number {
      return sessions.get(sessionId)?.pending ?? 0;
    },
    nodeAllocated(name: string): Resources {
      const n = nodes.get(name);
      return n ? clone(n.allocated) : zero();
    },
    pools(): PoolInfo[] {
      const out: PoolInfo[] = [];
      for (const p of pools.values()) {
        const demand = clone(p.allocated);
        for (const s of p.sessions) for (const r of s.requests.values()) for (let i = 0; i < r.remaining; i++) addInto(demand, r.spec.resources);
        const pc = config.groups[p.group]?.pools[p.name.slice(p.group.length + 1)] ?? config.poolDefaults;
        out.push({
          name: p.name, group: p.group, weight: pc.weight, minShare: clone(pc.minShare), maxShare: pc.maxShare ? clone(pc.maxShare) : null,
          demand, granted: clone(p.allocated), fairShare: zero(), starvingSinceMs: null, runningSessions: p.sessions.size, waitingSessions: 0,
          preemptable: pc.preemptable, order: pc.order,
        });
      }
      return out;
    },
    totals(): SchedulerTotals {
      let pending = 0;
      for (const s of sessions.values()) pending += s.pending;
      return { capacity: clone(capacity), allocated: clone(allocated), pendingContainers: pending, nodes: nodes.size, sessionsRunning: sessions.size, sessionsWaiting: 0 };
    },
  };
  return sched;
}
