// Property tests on the real scheduler: random clusters, pools and operation
// sequences, checked against an independent ledger built from the plans alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { add, fits, resources, subtract, zero, type Resources } from '../common/resources.js';
import { createScheduler, defaultPoolsConfig, type GrantDecision, type PoolsConfig, type SchedulePlan, type SchedulerRequest } from './index.js';

class ManualClock {
  t = 0;
  now(): number {
    return this.t;
  }
}

const poolNames = ['ga.p0', 'ga.p1', 'gb.p0', 'gb.p1'] as const;
const shapes = [resources(1024, 1), resources(2048, 1), resources(1024, 2), resources(4096, 2), resources(512, 1)];

interface PoolSpec {
  weight: number;
  minVcores: number;
  maxVcores: number | null;
  preemptable: boolean;
}

function makeConfig(pools: PoolSpec[], extra: Partial<PoolsConfig>): PoolsConfig {
  const c = { ...defaultPoolsConfig(), nodeLocalityWaitMs: 0, rackLocalityWaitMs: 0, ...extra };
  pools.forEach((p, i) => {
    const [g, name] = poolNames[i].split('.');
    c.groups[g] ??= { ...c.groupDefaults, pools: {} };
    c.groups[g].pools[name] = {
      ...c.poolDefaults,
      weight: p.weight,
      minShare: resources(p.minVcores * 4096, p.minVcores),
      maxShare: p.maxVcores === null ? null : resources(p.maxVcores * 4096, p.maxVcores),
      preemptable: p.preemptable,
    };
  });
  return c;
}

const poolSpec = fc.record({
  weight: fc.integer({ min: 1, max: 4 }),
  minVcores: fc.integer({ min: 0, max: 6 }),
  maxVcores: fc.option(fc.integer({ min: 4, max: 16 }), { nil: null }),
  preemptable: fc.boolean(),
});

const op = fc.oneof(
  fc.record({ kind: fc.constant('request' as const), session: fc.nat(5), shape: fc.nat(shapes.length - 1), count: fc.integer({ min: 1, max: 6 }), host: fc.option(fc.nat(7), { nil: null }), strict: fc.boolean(), exclude: fc.option(fc.nat(7), { nil: null }), driver: fc.boolean() }),
  fc.record({ kind: fc.constant('release' as const), session: fc.nat(5), pick: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('endSession' as const), session: fc.nat(5) }),
  fc.record({ kind: fc.constant('newSession' as const), session: fc.nat(5), pool: fc.nat(3) }),
  fc.record({ kind: fc.constant('removeNode' as const), node: fc.nat(7) }),
  fc.record({ kind: fc.constant('addNode' as const), node: fc.nat(7), vcores: fc.integer({ min: 2, max: 8 }) }),
  fc.record({ kind: fc.constant('decommission' as const), node: fc.nat(7) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ kind: fc.constant('cancel' as const), session: fc.nat(5), pick: fc.nat() }),
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** The world as the plans describe it, kept independently of the scheduler. */
class Ledger {
  grants = new Map<string, GrantDecision>();
  revoked = new Set<string>();
  nodeCap = new Map<string, Resources>();
  decommissioned = new Set<string>();
  /** sessionId → requestId → [request, remaining] */
  pending = new Map<string, Map<string, [SchedulerRequest, number]>>();

  apply(plan: SchedulePlan): void {
    for (const g of plan.grants) {
      assert.ok(!this.grants.has(g.grantId), `grant id ${g.grantId} reused`);
      assert.ok(this.nodeCap.has(g.node), `grant on unknown node ${g.node}`);
      assert.ok(!this.decommissioned.has(g.node), `grant on decommissioning node ${g.node}`);
      this.grants.set(g.grantId, g);
      const e = this.pending.get(g.sessionId)?.get(g.requestId);
      assert.ok(e && e[1] > 0, `grant for a request with nothing pending: ${g.sessionId}/${g.requestId}`);
      e[1]--;
      assert.ok(!e[0].excludedHosts.includes(g.node), 'grant on an excluded host');
      if (!e[0].relaxLocality && e[0].hosts.length > 0) assert.ok(e[0].hosts.includes(g.node), 'strict locality broken');
    }
  }

  nodeAllocated(node: string): Resources {
    let a = zero();
    for (const g of this.grants.values()) if (g.node === node) a = add(a, g.resources);
    return a;
  }

  drop(ids: Iterable<string>): void {
    for (const id of ids) {
      this.grants.delete(id);
      this.revoked.delete(id);
    }
  }
}

function runScenario(pools: PoolSpec[], ops: Op[], sessionPools: number[], extra: Partial<PoolsConfig>, check: (ctx: Ctx) => void): void {
  const clock = new ManualClock();
  const config = makeConfig(pools, extra);
  const s = createScheduler({ clock, config });
  const L = new Ledger();
  for (let i = 0; i < 4; i++) {
    s.addNode({ name: `n${i}`, rack: `/r${i % 2}`, capacity: resources(16384, 4) });
    L.nodeCap.set(`n${i}`, resources(16384, 4));
  }
  const live = new Set<string>();
  const poolOf = new Map<string, number>();
  const newSession = (i: number, pool: number): void => {
    const id = `s${i}`;
    if (live.has(id)) return;
    const v = s.addSession({ id, pool: poolNames[pool % pools.length], user: 'u', priority: 'NORMAL', deadlineMs: 0 });
    assert.deepEqual(v, { ok: true });
    live.add(id);
    poolOf.set(id, pool % pools.length);
    L.pending.set(id, new Map());
  };
  sessionPools.forEach((p, i) => newSession(i, p));
  let reqSeq = 0;
  const ctx: Ctx = { s, L, pools, poolOf, live, config };
  const pass = (): void => {
    for (let i = 0; i < 100; i++) {
      const due = s.nextWakeMs();
      if (due === null || due > clock.t) break;
      const plan = s.schedule();
      L.apply(plan);
      for (const r of plan.revocations) {
        assert.ok(L.grants.has(r.grantId), 'revocation of an unknown grant');
        assert.ok(!L.revoked.has(r.grantId), `grant ${r.grantId} revoked twice`);
        L.revoked.add(r.grantId);
      }
      check(ctx);
    }
  };
  for (const o of ops) {
    const sid = 'session' in o ? `s${o.session}` : '';
    switch (o.kind) {
      case 'request': {
        if (!live.has(sid)) break;
        const req: SchedulerRequest = {
          requestId: `r${reqSeq++}`, resources: shapes[o.shape], count: o.count, hosts: o.host === null ? [] : [`n${o.host}`], racks: [],
          relaxLocality: o.host === null || !o.strict, excludedHosts: o.exclude === null ? [] : [`n${o.exclude}`], driver: o.driver,
        };
        const v = s.addRequests(sid, [req]);
        if (v.ok) L.pending.get(sid)!.set(req.requestId, [req, req.count]);
        else assert.ok(v.code === 'unsatisfiable', `unexpected verdict ${JSON.stringify(v)}`);
        break;
      }
      case 'release': {
        const mine = [...L.grants.values()].filter((g) => g.sessionId === sid);
        if (mine.length === 0) break;
        const ids = Array.from({ length: o.n }, (_, k) => mine[(o.pick + k) % mine.length].grantId);
        const gone = s.releaseGrants(sid, ids);
        assert.deepEqual(new Set(gone), new Set(ids));
        L.drop(ids);
        break;
      }
      case 'cancel': {
        const m = L.pending.get(sid);
        if (!m || m.size === 0) break;
        const id = [...m.keys()][o.pick % m.size];
        s.cancelRequests(sid, [id]);
        m.delete(id);
        break;
      }
      case 'endSession': {
        if (!live.has(sid)) break;
        const gone = s.removeSession(sid);
        assert.deepEqual(new Set(gone.map((g) => g.grantId)), new Set([...L.grants.values()].filter((g) => g.sessionId === sid).map((g) => g.grantId)));
        L.drop(gone.map((g) => g.grantId));
        L.pending.delete(sid);
        live.delete(sid);
        break;
      }
      case 'newSession':
        newSession(o.session, o.pool);
        break;
      case 'removeNode': {
        const name = `n${o.node}`;
        const gone = s.removeNode(name);
        assert.deepEqual(new Set(gone.map((g) => g.grantId)), new Set([...L.grants.values()].filter((g) => g.node === name).map((g) => g.grantId)));
        L.drop(gone.map((g) => g.grantId));
        L.nodeCap.delete(name);
        L.decommissioned.delete(name);
        break;
      }
      case 'addNode': {
        const name = `n${o.node}`;
        if (L.nodeCap.has(name)) break;
        s.addNode({ name, rack: `/r${o.node % 2}`, capacity: resources(o.vcores * 4096, o.vcores) });
        L.nodeCap.set(name, resources(o.vcores * 4096, o.vcores));
        break;
      }
      case 'decommission': {
        const name = `n${o.node}`;
        if (!L.nodeCap.has(name)) break;
        s.setNodeState(name, 'decommissioning');
        L.decommissioned.add(name);
        break;
      }
      case 'tick':
        clock.t += o.ms;
        break;
    }
    pass();
  }
}

interface Ctx {
  s: ReturnType<typeof createScheduler>;
  L: Ledger;
  pools: PoolSpec[];
  poolOf: Map<string, number>;
  live: Set<string>;
  config: PoolsConfig;
}

function checkNoOverAllocation({ s, L }: Ctx): void {
  for (const [name, cap] of L.nodeCap) {
    const a = L.nodeAllocated(name);
    assert.ok(fits(a, cap), `node ${name} over-allocated: ${JSON.stringify(a)} > ${JSON.stringify(cap)}`);
    assert.deepEqual(s.nodeAllocated(name), a);
  }
}

/** Each session's grants, as the scheduler lists and counts them, are the ledger's, oldest first. */
function checkSessionGrants({ s, L, live }: Ctx): void {
  for (const sid of live) {
    const want = [...L.grants.values()].filter((g) => g.sessionId === sid).map((g) => g.grantId);
    assert.deepEqual(s.sessionGrants(sid).map((g) => g.grantId), want, `grants of ${sid}`);
    assert.equal(s.sessionGrantCount(sid), want.length, `grant count of ${sid}`);
  }
}

function checkMaxShares({ L, pools, poolOf }: Ctx): void {
  const used = pools.map(() => zero());
  for (const g of L.grants.values()) {
    const p = poolOf.get(g.sessionId)!;
    used[p] = add(used[p], g.resources);
  }
  pools.forEach((p, i) => {
    if (p.maxVcores !== null) assert.ok(fits(used[i], resources(p.maxVcores * 4096, p.maxVcores)), `pool ${poolNames[i]} over its max share`);
  });
}

/** Nothing placeable waits: every pending relaxed request fits on no schedulable node (or its pool is at its max share). */
function checkWorkConserving({ s, L, pools, poolOf, live }: Ctx): void {
  const used = pools.map(() => zero());
  for (const g of L.grants.values()) {
    const p = poolOf.get(g.sessionId)!;
    used[p] = add(used[p], g.resources);
  }
  for (const sid of live) {
    if (s.sessionState(sid) !== 'running') continue;
    for (const [req, left] of L.pending.get(sid)!.values()) {
      if (left === 0 || req.driver) continue;
      const p = pools[poolOf.get(sid)!];
      if (p.maxVcores !== null && !fits(add(used[poolOf.get(sid)!], req.resources), resources(p.maxVcores * 4096, p.maxVcores))) continue;
      for (const [name, cap] of L.nodeCap) {
        if (L.decommissioned.has(name) || req.excludedHosts.includes(name)) continue;
        if (!req.relaxLocality && !req.hosts.includes(name)) continue;
        const free = subtract(cap, L.nodeAllocated(name));
        assert.ok(!fits(req.resources, free), `request ${sid}/${req.requestId} (${left} left) fits on ${name} but waits`);
      }
    }
  }
}

function checkPreemptionTargets({ L, pools, poolOf }: Ctx): void {
  for (const id of L.revoked) {
    const g = L.grants.get(id)!;
    assert.equal(g.driver, false, 'a driver grant was revoked');
    assert.equal(pools[poolOf.get(g.sessionId)!].preemptable, true, 'a grant of a non-preemptable pool was revoked');
  }
}

const scenario = fc.record({
  pools: fc.array(poolSpec, { minLength: 2, maxLength: 4 }),
  sessionPools: fc.array(fc.nat(3), { minLength: 1, maxLength: 6 }),
  ops: fc.array(op, { minLength: 1, maxLength: 40 }),
});

void test('property: no node is ever over-allocated, and the scheduler agrees with the ledger', () => {
  fc.assert(fc.property(scenario, ({ pools, sessionPools, ops }) => runScenario(pools, ops, sessionPools, {}, checkNoOverAllocation)), { numRuns: 150 });
});

void test("property: a session's grants, listed and counted, are the ledger's", () => {
  fc.assert(fc.property(scenario, ({ pools, sessionPools, ops }) => runScenario(pools, ops, sessionPools, {}, checkSessionGrants)), { numRuns: 150 });
});

void test('property: no pool ever exceeds its max share', () => {
  fc.assert(fc.property(scenario, ({ pools, sessionPools, ops }) => runScenario(pools, ops, sessionPools, {}, checkMaxShares)), { numRuns: 150 });
});

void test('property: work-conserving (no waits configured): nothing placeable is left waiting after a pass', () => {
  fc.assert(fc.property(scenario, ({ pools, sessionPools, ops }) => runScenario(pools, ops, sessionPools, { preemptionEnabled: false }, checkWorkConserving)), { numRuns: 150 });
});

void test('property: preemption never takes from non-preemptable pools or drivers, nor twice', () => {
  fc.assert(
    fc.property(scenario, ({ pools, sessionPools, ops }) =>
      runScenario(pools, ops, sessionPools, { preemptionEnabled: true, minSharePreemptionTimeoutMs: 500, fairSharePreemptionTimeoutMs: 1000, fairSharePreemptionThreshold: 0.8 }, checkPreemptionTargets),
    ),
    { numRuns: 150 },
  );
});

void test('property: min shares are met whenever demand exists (fresh cluster, min shares that fit)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ min: fc.integer({ min: 0, max: 4 }), demand: fc.integer({ min: 0, max: 12 }), weight: fc.integer({ min: 1, max: 4 }) }), { minLength: 2, maxLength: 4 }),
      (specs) => {
        // 16 vcores in all; min shares sum to at most 16.
        const clock = new ManualClock();
        const pools: PoolSpec[] = specs.map((x) => ({ weight: x.weight, minVcores: x.min, maxVcores: null, preemptable: true }));
        const s = createScheduler({ clock, config: makeConfig(pools, {}) });
        for (let i = 0; i < 4; i++) s.addNode({ name: `n${i}`, rack: '/r', capacity: resources(16384, 4) });
        specs.forEach((x, i) => {
          s.addSession({ id: `s${i}`, pool: poolNames[i], user: 'u', priority: 'NORMAL', deadlineMs: 0 });
          if (x.demand > 0) s.addRequests(`s${i}`, [{ requestId: 'r', resources: resources(1024, 1), count: x.demand, hosts: [], racks: [], relaxLocality: true, excludedHosts: [], driver: false }]);
        });
        s.schedule();
        specs.forEach((x, i) => {
          assert.ok(s.sessionAllocated(`s${i}`).vcores >= Math.min(x.min, x.demand), `pool ${i}: ${s.sessionAllocated(`s${i}`).vcores} < min(${x.min}, ${x.demand})`);
        });
      },
    ),
    { numRuns: 200 },
  );
});

void test('property: a late pool gets its min share back by preemption within the timeout', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 3 }), (minVcores, hogs) => {
      const clock = new ManualClock();
      const pools: PoolSpec[] = [
        { weight: 1, minVcores: 0, maxVcores: null, preemptable: true },
        { weight: 1, minVcores: 0, maxVcores: null, preemptable: true },
        { weight: 1, minVcores, maxVcores: null, preemptable: false },
      ];
      const s = createScheduler({ clock, config: makeConfig(pools, { minSharePreemptionTimeoutMs: 1000, fairSharePreemptionTimeoutMs: 1e9 }) });
      for (let i = 0; i < 4; i++) s.addNode({ name: `n${i}`, rack: '/r', capacity: resources(16384, 4) });
      for (let h = 0; h < hogs; h++) {
        s.addSession({ id: `hog${h}`, pool: poolNames[h % 2], user: 'u', priority: 'NORMAL', deadlineMs: 0 });
        s.addRequests(`hog${h}`, [{ requestId: 'r', resources: resources(1024, 1), count: 16, hosts: [], racks: [], relaxLocality: true, excludedHosts: [], driver: false }]);
      }
      s.schedule();
      s.addSession({ id: 'late', pool: poolNames[2], user: 'u', priority: 'NORMAL', deadlineMs: 0 });
      s.addRequests('late', [{ requestId: 'r', resources: resources(1024, 1), count: 16, hosts: [], racks: [], relaxLocality: true, excludedHosts: [], driver: false }]);
      for (let t = 0; t <= 1500; t += 100) {
        clock.t += 100;
        const plan = s.schedule();
        // The CM kills revoked grants at once here (no grace period).
        for (const r of plan.revocations) s.releaseGrants(r.sessionId, [r.grantId]);
        s.schedule();
      }
      assert.ok(s.sessionAllocated('late').vcores >= minVcores, `late pool has ${s.sessionAllocated('late').vcores} < ${minVcores}`);
    }),
    { numRuns: 100 },
  );
});

void test('property: under pressure, preemption revokes only preemptable, non-driver grants, each once', () => {
  let revocationsSeen = 0;
  fc.assert(
    fc.property(
      fc.array(fc.record({ preemptable: fc.boolean(), drivers: fc.integer({ min: 0, max: 3 }), tasks: fc.integer({ min: 1, max: 12 }), weight: fc.integer({ min: 1, max: 3 }) }), { minLength: 2, maxLength: 3 }),
      fc.integer({ min: 2, max: 10 }),
      fc.boolean(),
      (hogs, lateMin, releaseRevoked) => {
        const clock = new ManualClock();
        const pools: PoolSpec[] = hogs.map((h) => ({ weight: h.weight, minVcores: 0, maxVcores: null, preemptable: h.preemptable }));
        pools.push({ weight: 1, minVcores: lateMin, maxVcores: null, preemptable: true });
        const s = createScheduler({ clock, config: makeConfig(pools, { minSharePreemptionTimeoutMs: 200, fairSharePreemptionTimeoutMs: 400, fairSharePreemptionThreshold: 0.9 }) });
        for (let i = 0; i < 4; i++) s.addNode({ name: `n${i}`, rack: '/r', capacity: resources(16384, 4) });
        const drivers = new Set<string>();
        const poolOfSession = new Map<string, number>();
        hogs.forEach((h, i) => {
          s.addSession({ id: `h${i}`, pool: poolNames[i], user: 'u', priority: 'NORMAL', deadlineMs: 0 });
          poolOfSession.set(`h${i}`, i);
          const reqs: SchedulerRequest[] = [{ requestId: 't', resources: resources(1024, 1), count: h.tasks, hosts: [], racks: [], relaxLocality: true, excludedHosts: [], driver: false }];
          if (h.drivers > 0) reqs.unshift({ requestId: 'd', resources: resources(1024, 1), count: h.drivers, hosts: [], racks: [], relaxLocality: true, excludedHosts: [], driver: true });
          s.addRequests(`h${i}`, reqs);
        });
        for (const g of s.schedule().grants) if (g.driver) drivers.add(g.grantId);
        s.addSession({ id: 'late', pool: poolNames[pools.length - 1], user: 'u', priority: 'NORMAL', deadlineMs: 0 });
        poolOfSession.set('late', pools.length - 1);
        s.addRequests('late', [{ requestId: 'r', resources: resources(1024, 1), count: 16, hosts: [], racks: [], relaxLocality: true, excludedHosts: [], driver: false }]);
        const revoked = new Set<string>();
        for (let step = 0; step < 20; step++) {
          clock.t += 100;
          const plan = s.schedule();
          for (const g of plan.grants) if (g.driver) drivers.add(g.grantId);
          for (const r of plan.revocations) {
            revocationsSeen++;
            assert.ok(!revoked.has(r.grantId), `grant ${r.grantId} revoked twice`);
            revoked.add(r.grantId);
            assert.ok(!drivers.has(r.grantId), 'a driver grant was revoked');
            assert.ok(pools[poolOfSession.get(r.sessionId)!].preemptable, `grant of non-preemptable pool ${poolNames[poolOfSession.get(r.sessionId)!]} revoked`);
            if (releaseRevoked && step % 2 === 0) s.releaseGrants(r.sessionId, [r.grantId]);
          }
        }
      },
    ),
    { numRuns: 200 },
  );
  assert.ok(revocationsSeen > 0, 'the scenarios never preempted anything');
});
