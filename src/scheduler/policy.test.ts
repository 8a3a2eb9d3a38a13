// Scheduler policy: hierarchy, locality waits, admission, ACLs, max/min shares,
// preemption, session orders. Time is a manual clock moved by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources, type Resources } from '../common/resources.js';
import { createScheduler, defaultPoolsConfig, parsePoolsConfig, type PoolsConfig, type Priority, type SchedulerRequest } from './index.js';

class ManualClock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

function req(id: string, r: Resources, count = 1, extra: Partial<SchedulerRequest> = {}): SchedulerRequest {
  return { requestId: id, resources: r, count, hosts: [], racks: [], relaxLocality: true, excludedHosts: [], driver: false, ...extra };
}

function cfg(yaml: string): PoolsConfig {
  const r = parsePoolsConfig(yaml, 'test.yaml');
  if (!r.ok) throw new Error(r.error);
  return r.config;
}

/** n nodes of 4 GiB / 4 vcores, two per rack (n0,n1 in /r0; n2,n3 in /r1; ...). */
function cluster(n: number, config: PoolsConfig = defaultPoolsConfig()) {
  const clock = new ManualClock();
  const s = createScheduler({ clock, config });
  for (let i = 0; i < n; i++) s.addNode({ name: `n${i}`, rack: `/r${i >> 1}`, capacity: resources(4096, 4) });
  const session = (id: string, pool: string, user = 'u', priority: Priority = 'NORMAL', deadlineMs = 0) => s.addSession({ id, pool, user, priority, deadlineMs });
  return { s, clock, session };
}

const unit = resources(1024, 1);

void test('delay scheduling: host, then rack after nodeLocalityWaitMs, then any after rackLocalityWaitMs', () => {
  const { s, clock, session } = cluster(4, cfg('nodeLocalityWaitMs: 1000\nrackLocalityWaitMs: 500\n'));
  session('filler', 'a.x');
  s.addRequests('filler', [req('f', unit, 4, { hosts: ['n0'], relaxLocality: false })]);
  assert.equal(s.schedule().grants.length, 4); // n0 full
  session('job', 'a.y');
  s.addRequests('job', [req('t', unit, 1, { hosts: ['n0'] })]);
  assert.equal(s.schedule().grants.length, 0);
  assert.equal(s.nextWakeMs(), clock.t + 1000);
  assert.deepEqual(s.schedule(), { grants: [], revocations: [] }); // nothing due: no-op pass
  clock.t += 1000;
  const g = s.schedule().grants;
  assert.equal(g.length, 1);
  assert.equal(g[0].node, 'n1');
  assert.equal(g[0].locality, 'rack');
  // Fill the rest of /r0, then ask for n0 again: waits node + rack, then goes anywhere.
  s.addRequests('filler', [req('f2', unit, 3, { hosts: ['n1'], relaxLocality: false })]);
  s.schedule();
  assert.deepEqual(s.nodeAllocated('n1'), resources(4096, 4));
  s.addRequests('job', [req('t2', unit, 1, { hosts: ['n0'] })]);
  assert.equal(s.schedule().grants.length, 0);
  clock.t += 1000;
  assert.equal(s.schedule().grants.length, 0); // rack allowed now, but /r0 is full
  assert.equal(s.nextWakeMs(), clock.t + 500);
  clock.t += 500;
  const g2 = s.schedule().grants;
  assert.equal(g2.length, 1);
  assert.equal(g2[0].locality, 'any');
  assert.ok(['n2', 'n3'].includes(g2[0].node));
});

void test('relaxLocality=false never leaves the named hosts; excluded hosts are never used', () => {
  const { s, clock, session } = cluster(4, cfg('nodeLocalityWaitMs: 10\nrackLocalityWaitMs: 10\n'));
  session('a', 'a.x');
  s.addRequests('a', [req('f', unit, 4, { hosts: ['n0'] })]);
  s.schedule();
  s.addRequests('a', [req('strict', unit, 1, { hosts: ['n0'], relaxLocality: false }), req('ex', unit, 8, { excludedHosts: ['n1', 'n2'] })]);
  clock.t += 100_000;
  const g = s.schedule().grants;
  assert.equal(g.length, 4);
  for (const x of g) assert.equal(x.node, 'n3');
  assert.equal(s.sessionPending('a'), 5);
  const f = s.sessionGrants('a').find((x) => x.node === 'n0')!;
  s.releaseGrants('a', [f.grantId]);
  const g2 = s.schedule().grants;
  assert.equal(g2.length, 1);
  assert.equal(g2[0].requestId, 'strict');
  assert.equal(g2[0].node, 'n0');
});

void test('a request naming many hosts (repeated, some excluded) waits for any of them and takes the free one node-locally', () => {
  const { s, clock, session } = cluster(6, cfg('nodeLocalityWaitMs: 1000\nrackLocalityWaitMs: 1000\n'));
  session('filler', 'a.x');
  s.addRequests('filler', [req('f', unit, 20, { hosts: ['n0', 'n1', 'n2', 'n3', 'n4'], relaxLocality: false })]);
  assert.equal(s.schedule().grants.length, 20); // n0..n4 full
  session('job', 'a.y');
  // Five distinct hosts after n0 is excluded and n5 repeated; n5 comes last.
  s.addRequests('job', [req('t', unit, 2, { hosts: ['n0', 'n1', 'n2', 'n3', 'n1', 'n4', 'n5', 'n5'], excludedHosts: ['n0'], relaxLocality: false })]);
  const g = s.schedule().grants;
  assert.deepEqual(g.map((x) => [x.node, x.locality]), [['n5', 'node'], ['n5', 'node']]);
  // With n5 full too, a freed slot on any named host (not the excluded one) is taken.
  s.addRequests('filler', [req('f5', unit, 2, { hosts: ['n5'], relaxLocality: false })]);
  assert.equal(s.schedule().grants.length, 2);
  s.addRequests('job', [req('u', unit, 1, { hosts: ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'], excludedHosts: ['n0'], relaxLocality: false })]);
  assert.equal(s.schedule().grants.length, 0);
  clock.t += 10_000;
  const onN0 = s.sessionGrants('filler').find((x) => x.node === 'n0')!;
  s.releaseGrants('filler', [onN0.grantId]);
  assert.equal(s.schedule().grants.length, 0); // n0 is excluded
  const onN4 = s.sessionGrants('filler').find((x) => x.node === 'n4')!;
  s.releaseGrants('filler', [onN4.grantId]);
  assert.deepEqual(s.schedule().grants.map((x) => [x.requestId, x.node, x.locality]), [['u', 'n4', 'node']]);
  assert.equal(s.sessionPending('job'), 0);
});

void test('groups and pools share by weight', () => {
  const { s, session } = cluster(8, cfg('groups:\n  big: { weight: 3 }\n  small: { weight: 1 }\n'));
  session('b', 'big.p');
  session('s', 'small.p');
  s.addRequests('b', [req('r', unit, 100)]);
  s.addRequests('s', [req('r', unit, 100)]);
  s.schedule();
  assert.deepEqual(s.sessionAllocated('b'), resources(24 * 1024, 24));
  assert.deepEqual(s.sessionAllocated('s'), resources(8 * 1024, 8));
  const pools = s.pools();
  const big = pools.find((p) => p.name === 'big.p')!;
  assert.ok(Math.abs(big.fairShare.vcores - 24) < 1e-6, `fair share ${big.fairShare.vcores}`);
});

void test('min share first, max share never exceeded, requests over max share rejected', () => {
  const { s, session } = cluster(4, cfg(`
groups:
  g:
    pools:
      capped: { maxShare: "3072MB,3vc" }
      guaranteed: { minShare: "10240MB,10vc", weight: 0.1 }
`));
  session('c', 'g.capped');
  const v = s.addRequests('c', [req('huge', resources(4096, 4))]);
  assert.ok(!v.ok && v.code === 'unsatisfiable' && /max share of pool g\.capped \(3072MB,3vc\)/.test(v.reason), JSON.stringify(v));
  s.addRequests('c', [req('r', unit, 100)]);
  session('m', 'g.guaranteed');
  s.addRequests('m', [req('r', unit, 100)]);
  session('o', 'g.other');
  s.addRequests('o', [req('r', unit, 100)]);
  s.schedule();
  assert.deepEqual(s.sessionAllocated('c'), resources(3072, 3));
  assert.deepEqual(s.sessionAllocated('m'), resources(10240, 10));
  assert.deepEqual(s.sessionAllocated('o'), resources(3072, 3));
  assert.equal(s.totals().allocated.vcores, 16);
});

void test('admission: sessions over maxRunningSessions wait, and start when a slot frees', () => {
  const { s, session } = cluster(2, cfg('groups:\n  g:\n    pools:\n      p: { maxRunningSessions: 1 }\n'));
  assert.deepEqual(session('a', 'g.p'), { ok: true });
  assert.deepEqual(session('b', 'g.p'), { ok: true });
  assert.equal(s.sessionState('a'), 'running');
  assert.equal(s.sessionState('b'), 'waiting');
  s.addRequests('b', [req('r', unit, 2)]);
  assert.equal(s.schedule().grants.length, 0);
  const p = s.pools().find((x) => x.name === 'g.p')!;
  assert.equal(p.runningSessions, 1);
  assert.equal(p.waitingSessions, 1);
  assert.equal(s.totals().sessionsWaiting, 1);
  s.removeSession('a');
  assert.equal(s.sessionState('b'), 'running');
  assert.equal(s.schedule().grants.length, 2);
});

void test('submit ACLs and configured-pools-only give denied; pool names resolve', () => {
  const { s, session } = cluster(1, cfg(`
configuredPoolsOnly: true
groups:
  default:
    pools:
      alice: {}
  secure:
    acl: { submit: [alice] }
    pools:
      p: { acl: { submit: "*" } }
`));
  const v1 = session('x', 'secure.p', 'mallory');
  assert.ok(!v1.ok && v1.code === 'denied' && /mallory/.test(v1.reason));
  assert.deepEqual(session('y', 'secure.p', 'alice'), { ok: true });
  const v2 = session('z', 'nope.p', 'alice');
  assert.ok(!v2.ok && v2.code === 'denied' && /not configured/.test(v2.reason));
  assert.deepEqual(session('w', '', 'alice'), { ok: true });
  assert.equal(s.sessionPoolName('w'), 'default.alice');
  const v3 = session('bad', 'a.b.c', 'alice');
  assert.ok(!v3.ok && v3.code === 'invalid');
  assert.equal(s.canAdminister('bob', 'secure.p'), true); // administer defaults to everyone
});

void test('fifo pool serves the oldest session first; priority pool the highest priority, then earliest deadline', () => {
  const { s, session } = cluster(1, cfg('groups:\n  g:\n    pools:\n      f: { order: fifo }\n      q: { order: priority }\n'));
  session('old', 'g.f');
  session('new', 'g.f');
  s.addRequests('new', [req('r', unit, 4)]);
  s.addRequests('old', [req('r', unit, 4)]);
  s.schedule();
  assert.equal(s.sessionGrants('old').length, 4);
  assert.equal(s.sessionGrants('new').length, 0);
  s.removeSession('old');
  s.removeSession('new');
  session('low', 'g.q', 'u', 'LOW');
  session('high-late', 'g.q', 'u', 'HIGH', 9_000_000);
  session('high-soon', 'g.q', 'u', 'HIGH', 5_000_000);
  for (const id of ['low', 'high-late', 'high-soon']) s.addRequests(id, [req('r', unit, 3)]);
  s.schedule();
  assert.equal(s.sessionGrants('high-soon').length, 3);
  assert.equal(s.sessionGrants('high-late').length, 1);
  assert.equal(s.sessionGrants('low').length, 0);
});

void test('preemption: after the min-share timeout, youngest non-driver grants of the most over-served pool are revoked once', () => {
  const { s, clock, session } = cluster(4, cfg(`
minSharePreemptionTimeoutMs: 5000
fairSharePreemptionTimeoutMs: 1000000
groups:
  g:
    pools:
      hog: {}
      keep: { preemptable: false }
      needy: { minShare: "8192MB,8vc" }
`));
  session('hog', 'g.hog');
  session('keep', 'g.keep');
  s.addRequests('hog', [req('drv', unit, 1, { driver: true })]);
  s.schedule();
  s.addRequests('hog', [req('r', unit, 11)]);
  s.addRequests('keep', [req('r', unit, 4)]);
  assert.equal(s.schedule().grants.length, 15);
  clock.t += 1;
  session('needy', 'g.needy');
  s.addRequests('needy', [req('r', unit, 8)]);
  let plan = s.schedule();
  assert.equal(plan.grants.length, 0);
  assert.equal(plan.revocations.length, 0);
  assert.ok(s.pools().find((p) => p.name === 'g.needy')!.starvingSinceMs !== null);
  assert.equal(s.nextWakeMs(), clock.t + 5000);
  clock.t += 5000;
  plan = s.schedule();
  // needy's fair share is its min share (8 of 16 vcores); keep is not preemptable, so
  // all 8 come from hog, whose fair share is what is left: 4.
  assert.equal(plan.revocations.length, 8);
  const hogGrants = s.sessionGrants('hog');
  const youngest = [...hogGrants].filter((g) => !g.driver).slice(-plan.revocations.length).map((g) => g.grantId).sort();
  assert.deepEqual(plan.revocations.map((r) => r.grantId).sort(), youngest);
  for (const r of plan.revocations) {
    assert.equal(r.sessionId, 'hog');
    assert.equal(s.grant(r.grantId)!.driver, false);
    assert.match(r.reason, /g\.needy/);
  }
  // Not revoked twice while the CM is killing them.
  clock.t += 5000;
  assert.equal(s.schedule().revocations.length, 0);
  s.releaseGrants('hog', plan.revocations.map((r) => r.grantId));
  const after = s.schedule();
  assert.equal(after.grants.length, plan.revocations.length);
  for (const g of after.grants) assert.equal(g.sessionId, 'needy');
});

void test('preemption: small scattered victims are taken node by node, as many as the starving request needs', () => {
  const { s, clock, session } = cluster(4, cfg(`
minSharePreemptionTimeoutMs: 1000
fairSharePreemptionTimeoutMs: 1000000
groups:
  g:
    pools:
      hog: {}
      needy: { minShare: "8192MB,8vc" }
`));
  session('hog', 'g.hog');
  // One-vcore grants dealt round-robin over the nodes: the youngest are on different nodes.
  for (let round = 0; round < 4; round++) {
    s.addRequests('hog', [0, 1, 2, 3].map((n) => req(`r${round}-${n}`, unit, 1, { hosts: [`n${n}`], relaxLocality: false })));
    assert.equal(s.schedule().grants.length, 4);
  }
  clock.t += 1;
  session('needy', 'g.needy');
  s.addRequests('needy', [req('big', resources(4096, 4), 2)]);
  assert.equal(s.schedule().revocations.length, 0);
  clock.t += 1000;
  const plan = s.schedule();
  // Two whole nodes, no more: scattered picks would free 1 vcore here and there.
  assert.equal(plan.revocations.length, 8);
  const perNode = new Map<string, number>();
  for (const r of plan.revocations) perNode.set(r.node, (perNode.get(r.node) ?? 0) + 1);
  assert.deepEqual([...perNode.values()], [4, 4]);
  s.releaseGrants('hog', plan.revocations.map((r) => r.grantId));
  const after = s.schedule();
  assert.equal(after.grants.length, 2);
  for (const g of after.grants) assert.equal(g.sessionId, 'needy');
});

void test('driver share: driver grants beyond maxDriverShare of the pool wait', () => {
  const { s, session } = cluster(4, cfg('groups:\n  g:\n    pools:\n      p: { maxDriverShare: 0.25, maxShare: "8192MB,8vc" }\n'));
  session('a', 'g.p');
  s.addRequests('a', [req('d', unit, 5, { driver: true }), req('w', unit, 20)]);
  s.schedule();
  // Fair share 8 vcores (the max share) → at most 2 vcores of drivers.
  assert.equal(s.sessionGrants('a').filter((g) => g.driver).length, 2);
  assert.equal(s.sessionGrants('a').length, 8);
});

void test('setConfig applies new limits and admits waiting sessions', () => {
  const { s, session } = cluster(2, cfg('groups:\n  g:\n    pools:\n      p: { maxRunningSessions: 0 }\n'));
  session('a', 'g.p');
  assert.equal(s.sessionState('a'), 'waiting');
  s.setConfig(cfg('groups:\n  g:\n    pools:\n      p: { maxRunningSessions: 5 }\n'));
  assert.equal(s.sessionState('a'), 'running');
});

void test('removing a node returns its grants and keeps the requests of other sessions pending', () => {
  const { s, session } = cluster(2);
  session('a', 'g.p');
  s.addRequests('a', [req('r', unit, 10)]);
  s.schedule();
  const lost = s.removeNode('n0');
  assert.equal(lost.length, 4);
  assert.equal(s.sessionGrants('a').length, 4);
  assert.equal(s.sessionPending('a'), 2);
  assert.deepEqual(s.totals().allocated, resources(4096, 4));
  s.addNode({ name: 'n9', rack: '/r9', capacity: resources(8192, 8) });
  assert.equal(s.schedule().grants.length, 2);
});

void test('configured pools are listed from the start, with their settings and no sessions', () => {
  const { s } = cluster(2, cfg('groups:\n  g:\n    pools:\n      idle: { weight: 3, order: priority, preemptable: false }\n'));
  const p = s.pools().find((x) => x.name === 'g.idle');
  assert.ok(p);
  assert.equal(p.weight, 3);
  assert.equal(p.order, 'priority');
  assert.equal(p.preemptable, false);
  assert.equal(p.runningSessions, 0);
  assert.deepEqual(p.granted, resources(0, 0));
});

void test('a session whose requests all wait for locality is left alone until the wait ends; a request naming no host or a new one is not held up', () => {
  const { s, clock, session } = cluster(4, cfg('nodeLocalityWaitMs: 1000\nrackLocalityWaitMs: 1000\n'));
  session('filler', 'a.x');
  s.addRequests('filler', [req('f', unit, 4, { hosts: ['n0'], relaxLocality: false })]);
  assert.equal(s.schedule().grants.length, 4); // n0 full
  session('job', 'a.y');
  s.addRequests('job', [req('t1', unit, 1, { hosts: ['n0'] })]);
  assert.equal(s.schedule().grants.length, 0); // waits for n0 until +1000
  clock.t += 400;
  s.addRequests('filler', [req('f-more', unit, 1, { hosts: ['n0'], relaxLocality: false })]); // another pass, the job still waiting
  assert.equal(s.schedule().grants.length, 0);
  assert.equal(s.nextWakeMs(), clock.t + 600, 'the job\'s wait is still what wakes the scheduler');
  // A request of the same session naming no host goes at once.
  s.addRequests('job', [req('free', unit)]);
  const g = s.schedule().grants;
  assert.deepEqual(g.map((x) => x.requestId), ['free']);
  // The waiting one takes its rack when its wait ends (not later, not earlier).
  clock.t += 599;
  assert.equal(s.schedule().grants.length, 0);
  clock.t += 1;
  const late = s.schedule().grants;
  assert.deepEqual(late.map((x) => [x.requestId, x.node, x.locality]), [['t1', 'n1', 'rack']]);
});

void test('a session whose only shape fits nowhere is placed as soon as a release makes room', () => {
  const { s, session } = cluster(2);
  session('hog', 'a.x');
  s.addRequests('hog', [req('h', resources(1024, 1), 8)]);
  const held = s.schedule().grants;
  assert.equal(held.length, 8); // both nodes full
  session('big', 'a.y');
  s.addRequests('big', [req('b', resources(2048, 2), 1)]);
  assert.equal(s.schedule().grants.length, 0);
  assert.equal(s.schedule().grants.length, 0);
  // One container freed: still no room for 2 vcores anywhere.
  s.releaseGrants('hog', [held[0].grantId]);
  assert.equal(s.schedule().grants.filter((g) => g.sessionId === 'big').length, 0);
  // A second one on the same node: room for it.
  const sameNode = held.find((g, i) => i > 0 && g.node === held[0].node)!;
  s.releaseGrants('hog', [sameNode.grantId]);
  const g = s.schedule().grants;
  assert.deepEqual(g.map((x) => [x.sessionId, x.node]), [['big', held[0].node]]);
});
