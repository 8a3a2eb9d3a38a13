import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources, type Resources } from '../common/resources.js';
import { createScheduler, type SchedulerRequest, type SchedulerSession } from './index.js';
import { grantsPerPassMax } from './scheduler.js';

class FakeClock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

function req(id: string, r: Resources, count = 1, extra: Partial<SchedulerRequest> = {}): SchedulerRequest {
  return { requestId: id, resources: r, count, hosts: [], racks: [], relaxLocality: true, excludedHosts: [], driver: false, ...extra };
}

function session(id: string, pool = 'default.p', user = 'alice'): SchedulerSession {
  return { id, pool, user, priority: 'NORMAL', deadlineMs: 0 };
}

function setup(nodes = 2, mem = 8192, vc = 8) {
  const clock = new FakeClock();
  const s = createScheduler({ clock });
  for (let i = 0; i < nodes; i++) s.addNode({ name: `n${i}`, rack: `/r${i % 2}`, capacity: resources(mem, vc) });
  return { s, clock };
}

void test('grants up to capacity and never over-allocates a node', () => {
  const { s } = setup(2, 4096, 4);
  assert.deepEqual(s.addSession(session('a')), { ok: true });
  assert.deepEqual(s.addRequests('a', [req('r1', resources(1024, 1), 10)]), { ok: true });
  const plan = s.schedule();
  assert.equal(plan.grants.length, 8);
  assert.equal(s.sessionPending('a'), 2);
  for (const n of ['n0', 'n1']) assert.deepEqual(s.nodeAllocated(n), resources(4096, 4));
  assert.equal(s.schedule().grants.length, 0);
  const t = s.totals();
  assert.deepEqual(t.allocated, resources(8192, 8));
  assert.equal(t.pendingContainers, 2);
});

void test('default grant ids are g-1, g-2, ...', () => {
  const { s } = setup();
  s.addSession(session('a'));
  s.addRequests('a', [req('r', resources(1024, 1), 2)]);
  assert.deepEqual(s.schedule().grants.map((g) => g.grantId), ['g-1', 'g-2']);
});

void test('rejects at once a request no node could ever satisfy', () => {
  const { s } = setup(2, 4096, 4);
  s.addSession(session('a'));
  const v = s.addRequests('a', [req('big', resources(8192, 1))]);
  assert.equal(v.ok, false);
  if (!v.ok) {
    assert.equal(v.code, 'unsatisfiable');
    assert.match(v.reason, /8192MB,1vc/);
    assert.match(v.reason, /largest node/);
    assert.match(v.reason, /4096MB,4vc/);
  }
  assert.equal(s.sessionPending('a'), 0);
});

void test('with no nodes registered, requests are accepted and kept pending', () => {
  const clock = new FakeClock();
  const s = createScheduler({ clock });
  s.addSession(session('a'));
  assert.deepEqual(s.addRequests('a', [req('r', resources(99999, 99))]), { ok: true });
  assert.equal(s.schedule().grants.length, 0);
  assert.equal(s.sessionPending('a'), 1);
  s.addNode({ name: 'big', rack: '/r', capacity: resources(100000, 100) });
  assert.equal(s.schedule().grants.length, 1);
});

void test('unknown session gives a verdict', () => {
  const { s } = setup();
  const v = s.addRequests('nope', [req('r', resources(1, 1))]);
  assert.equal(v.ok, false);
  if (!v.ok) assert.equal(v.code, 'unknown-session');
});

void test('shares fairly between pools', () => {
  const { s } = setup(4, 4096, 4); // 16 containers of 1 GiB/1 vc
  s.addSession(session('a', 'default.x'));
  s.addSession(session('b', 'default.y'));
  s.addRequests('a', [req('r', resources(1024, 1), 100)]);
  s.addRequests('b', [req('r', resources(1024, 1), 100)]);
  s.schedule();
  assert.deepEqual(s.sessionAllocated('a'), resources(8192, 8));
  assert.deepEqual(s.sessionAllocated('b'), resources(8192, 8));
});

void test('release, remove session and remove node return the affected grants', () => {
  const { s } = setup(2, 4096, 4);
  s.addSession(session('a'));
  s.addSession(session('b', 'default.q'));
  s.addRequests('a', [req('r', resources(1024, 1), 4)]);
  s.addRequests('b', [req('r', resources(1024, 1), 4)]);
  const plan = s.schedule();
  assert.equal(plan.grants.length, 8);
  const ga = s.sessionGrants('a');
  assert.equal(ga.length, 4);
  const rel = s.releaseGrants('a', [ga[0].grantId, 'nope']);
  assert.deepEqual(rel, [ga[0].grantId]);
  assert.equal(s.grant(ga[0].grantId), undefined);
  assert.equal(s.sessionGrants('a').length, 3);
  const gone = s.removeNode('n0');
  assert.ok(gone.length > 0);
  for (const g of gone) {
    assert.equal(g.node, 'n0');
    assert.equal(s.grant(g.grantId), undefined);
  }
  const endB = s.removeSession('b');
  assert.deepEqual(endB.map((g) => g.sessionId).filter((x) => x !== 'b'), []);
  assert.equal(s.sessionState('b'), undefined);
  const t = s.totals();
  assert.equal(t.nodes, 1);
  assert.deepEqual(t.capacity, resources(4096, 4));
});

void test('locality: named host preferred; excluded hosts never used; strict locality honoured', () => {
  const { s } = setup(4, 4096, 4);
  s.addSession(session('a'));
  s.addRequests('a', [req('h', resources(1024, 1), 1, { hosts: ['n2'] })]);
  const g = s.schedule().grants;
  assert.equal(g[0].node, 'n2');
  assert.equal(g[0].locality, 'node');
  s.addRequests('a', [req('x', resources(1024, 1), 12, { excludedHosts: ['n3'] })]);
  for (const gr of s.schedule().grants) assert.notEqual(gr.node, 'n3');
  s.addRequests('a', [req('strict', resources(1024, 1), 1, { hosts: ['n0'], relaxLocality: false })]);
  assert.equal(s.schedule().grants.length, 0); // n0 full, strict
  s.releaseGrants('a', [s.sessionGrants('a').find((x) => x.node === 'n0')!.grantId]);
  const g2 = s.schedule().grants;
  assert.equal(g2.length, 1);
  assert.equal(g2[0].node, 'n0');
});

void test('decommissioning nodes get no new grants', () => {
  const { s } = setup(2, 4096, 4);
  s.setNodeState('n0', 'decommissioning');
  s.addSession(session('a'));
  s.addRequests('a', [req('r', resources(1024, 1), 8)]);
  const g = s.schedule().grants;
  assert.equal(g.length, 4);
  for (const x of g) assert.equal(x.node, 'n1');
});

void test('pools() and totals() report real figures', () => {
  const { s } = setup(2, 4096, 4);
  s.addSession(session('a', '', 'bob'));
  s.addRequests('a', [req('r', resources(1024, 1), 10)]);
  s.schedule();
  const p = s.pools().find((x) => x.name === 'default.bob');
  assert.ok(p);
  assert.deepEqual(p.granted, resources(8192, 8));
  assert.deepEqual(p.demand, resources(10240, 10));
  assert.equal(p.runningSessions, 1);
  assert.equal(s.totals().sessionsRunning, 1);
});

void test('a big backlog is spread over bounded passes; nextWakeMs says when to call again', () => {
  const clock = new FakeClock();
  const s = createScheduler({ clock });
  for (let i = 0; i < 100; i++) s.addNode({ name: `n${i}`, rack: '/r', capacity: resources(65536, 64) });
  s.addSession(session('a'));
  s.addRequests('a', [req('r', resources(1024, 1), 5000)]);
  assert.equal(s.nextWakeMs(), clock.now());
  let total = 0;
  let passes = 0;
  for (;;) {
    const due = s.nextWakeMs();
    if (due === null || due > clock.now()) break;
    const n = s.schedule().grants.length;
    assert.ok(n <= grantsPerPassMax);
    total += n;
    passes++;
  }
  assert.equal(total, 5000);
  assert.ok(passes >= 5000 / grantsPerPassMax && passes <= 5000 / grantsPerPassMax + 1, `${passes} passes`); // the last, if any, finds nothing left
  assert.equal(s.nextWakeMs(), null);
  assert.deepEqual(s.schedule(), { grants: [], revocations: [] });
});

void test('request ids: a repeated id (in the session or in the batch) rejects the whole batch; an id is free again once its request is done', () => {
  const { s } = setup(1, 4096, 4);
  s.addSession(session('a'));
  assert.deepEqual(s.addRequests('a', [req('r1', resources(1024, 1), 1)]), { ok: true });
  const again = s.addRequests('a', [req('r2', resources(1024, 1)), req('r1', resources(1024, 1))]);
  assert.equal(again.ok, false);
  if (!again.ok) assert.match(again.reason, /request r1 already exists in session a/);
  const twice = s.addRequests('a', [req('r3', resources(1024, 1)), req('r3', resources(1024, 1))]);
  assert.equal(twice.ok, false);
  if (!twice.ok) assert.match(twice.reason, /request r3 already exists/);
  // The first problem in batch order wins: a bad count before a repeated id.
  const first = s.addRequests('a', [req('r4', resources(1024, 1), 0), req('r1', resources(1024, 1))]);
  assert.equal(first.ok, false);
  if (!first.ok) assert.match(first.reason, /request r4: count/);
  const firstId = s.addRequests('a', [req('r1', resources(1024, 1)), req('r5', resources(1024, 1), 0)]);
  assert.equal(firstId.ok, false);
  if (!firstId.ok) assert.match(firstId.reason, /request r1 already exists/);
  assert.equal(s.sessionPending('a'), 1);
  // Rejected batches left nothing behind: their ids are free.
  assert.deepEqual(s.addRequests('a', [req('r2', resources(1024, 1)), req('r3', resources(1024, 1))]), { ok: true });
  assert.equal(s.sessionPending('a'), 3);
  assert.equal(s.schedule().grants.length, 3);
  assert.deepEqual(s.addRequests('a', [req('r1', resources(1024, 1))]), { ok: true });
  s.cancelRequests('a', ['r1', 'nope']);
  assert.equal(s.sessionPending('a'), 0);
  assert.deepEqual(s.addRequests('a', [req('r1', resources(1024, 1))]), { ok: true });
  assert.equal(s.sessionPending('a'), 1);
});

void test('custom resources and gpus: only nodes that have them take such requests; node and cluster books follow grants, releases and re-registration', () => {
  const clock = new FakeClock();
  const s = createScheduler({ clock });
  s.addNode({ name: 'ssd', rack: '/r0', capacity: resources(4096, 4, 1, { ssd: 2 }) });
  s.addNode({ name: 'plain', rack: '/r0', capacity: resources(4096, 4) });
  s.addSession(session('a'));
  const wantsSsd = resources(1024, 1, 0, { ssd: 1 });
  assert.deepEqual(s.addRequests('a', [req('disk', wantsSsd, 3), req('gpu', resources(512, 1, 1), 2)]), { ok: true });
  const g1 = s.schedule().grants;
  assert.deepEqual(g1.map((g) => [g.requestId, g.node]).sort(), [['disk', 'ssd'], ['disk', 'ssd'], ['gpu', 'ssd']]);
  assert.deepEqual(s.nodeAllocated('ssd'), resources(2560, 3, 1, { ssd: 2 }));
  assert.deepEqual(s.nodeAllocated('plain'), resources(0, 0));
  assert.equal(s.sessionPending('a'), 2);
  assert.deepEqual(s.totals().allocated, resources(2560, 3, 1, { ssd: 2 }));
  // A release frees the ssd: the waiting one takes it.
  const disk = g1.find((g) => g.requestId === 'disk')!;
  s.releaseGrants('a', [disk.grantId]);
  assert.deepEqual(s.nodeAllocated('ssd'), resources(1536, 2, 1, { ssd: 1 }));
  assert.deepEqual(s.schedule().grants.map((g) => [g.requestId, g.node]), [['disk', 'ssd']]);
  // The node comes back with more ssd and another gpu: the room follows the new capacity.
  s.addNode({ name: 'ssd', rack: '/r0', capacity: resources(8192, 8, 2, { ssd: 3 }) });
  assert.deepEqual(s.nodeAllocated('ssd'), resources(2560, 3, 1, { ssd: 2 }));
  assert.deepEqual(s.addRequests('a', [req('more', wantsSsd, 2)]), { ok: true });
  const g2 = s.schedule().grants;
  assert.deepEqual(g2.map((g) => [g.requestId, g.node]).sort(), [['gpu', 'ssd'], ['more', 'ssd']]);
  assert.deepEqual(s.nodeAllocated('ssd'), resources(4096, 5, 2, { ssd: 3 }));
  assert.equal(s.sessionPending('a'), 1);
  // Everything goes with the session.
  assert.equal(s.removeSession('a').length, 5);
  assert.deepEqual(s.nodeAllocated('ssd'), resources(0, 0, 0, { ssd: 0 }));
  assert.deepEqual(s.totals().allocated, resources(0, 0, 0, { ssd: 0 }));
});
