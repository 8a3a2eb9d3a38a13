// The CM core driven directly (no gRPC), with a test clock: node blacklisting from
// drivers' feedback, and the driver attempts the CM launches and restarts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../common/log.js';
import { ClusterManager, type ContainerOnNode, type GrantEvent, type SessionEvent } from './cluster-manager.js';
import { defaultCmConfig, type CmConfig } from './config.js';

const gb = (memoryMb: number, vcores: number) => ({ memoryMb, vcores, gpus: 0, custom: {} });

function setup(nodes: number, config: Partial<CmConfig> = {}) {
  let now = 1_000_000;
  const clock = { now: () => now };
  const cm = new ClusterManager({ ...defaultCmConfig(), ...config }, silentLogger, clock);
  const regs = new Map<string, string>();
  for (let i = 1; i <= nodes; i++) {
    const name = `n${i}`;
    regs.set(name, cm.registerNode({ name, rack: '/r', rpcAddress: `127.0.0.1:${i}`, shuffleAddress: `127.0.0.1:${i}`, capacity: gb(8192, 8), containers: [] }).registrationId);
  }
  const heartbeat = (name: string, containers: ContainerOnNode[] = []) => cm.nodeHeartbeat({ name, registrationId: regs.get(name)!, capacity: gb(8192, 8), usage: { memoryMb: 0, cpuCores: 0 }, containers, healthy: true, healthReport: '' });
  const session = (name: string) => {
    const { id, secret } = cm.startSession({ name, user: 'u', pool: '', priority: 'NORMAL', deadlineMs: 0, kind: 'mapreduce', driverAddress: '', tags: { jobId: name } });
    const s = cm.sessions.get(id)!;
    const events: SessionEvent[] = [];
    cm.attachStream(s, { write: (evs) => events.push(...evs), end: () => undefined });
    return { s, events, secret };
  };
  return { cm, heartbeat, session, advance: (ms: number) => (now += ms), now: () => now };
}

const running = (g: GrantEvent): ContainerOnNode => ({ containerId: `c-${g.grantId}`, grantId: g.grantId, sessionId: g.sessionId, state: 'RUNNING', rssMb: 10 });

void test('a node failing tasks of many sessions is blacklisted for a while, within the cap', () => {
  const t = setup(6, { blacklistSessions: 3, blacklistDurationMs: 60_000, blacklistMaxPercent: 34 });
  const sessions = [1, 2, 3, 4].map((i) => t.session(`s${i}`).s);
  // Two sessions' failures are not enough.
  t.cm.nodeFeedback(sessions[0], [{ node: 'n1', failedTasks: 2 }]);
  t.cm.nodeFeedback(sessions[1], [{ node: 'n1', failedTasks: 1 }]);
  assert.equal(t.cm.nodeViews().find((n) => n.name === 'n1')!.state, 'alive');
  t.cm.nodeFeedback(sessions[2], [{ node: 'n1', failedTasks: 1 }]);
  const n1 = t.cm.nodeViews().find((n) => n.name === 'n1')!;
  assert.equal(n1.state, 'blacklisted');
  assert.match(n1.blacklistReason, /3 sessions/);
  // No new grants on it.
  t.cm.requestResources(sessions[3], [{ requestId: 'r', resources: gb(1024, 1), count: 40, hosts: ['n1'], racks: [], relaxLocality: true, excludedHosts: [], driver: false }]);
  t.advance(60_000);
  t.cm.runPass();
  const grants = t.cm.scheduler.sessionGrants(sessions[3].id);
  assert.ok(grants.length > 0);
  assert.ok(grants.every((g) => g.node !== 'n1'), 'granted on a blacklisted node');
  // The cap: 34 % of 6 nodes = 2 blacklisted at most.
  for (const node of ['n2', 'n3']) for (const s of sessions.slice(0, 3)) t.cm.nodeFeedback(s, [{ node, failedTasks: 1 }]);
  assert.deepEqual(t.cm.nodeViews().filter((n) => n.state === 'blacklisted').map((n) => n.name), ['n1', 'n2']);
  // Served its time: back in use.
  t.advance(60_000);
  for (const n of ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']) t.heartbeat(n);
  t.cm.tick();
  assert.equal(t.cm.nodeViews().filter((n) => n.state === 'blacklisted').length, 0);
});

void test('failure reports older than the window do not count', () => {
  const t = setup(3, { blacklistSessions: 2, blacklistWindowMs: 10_000, blacklistMaxPercent: 100 });
  const [a, b] = [t.session('a').s, t.session('b').s];
  t.cm.nodeFeedback(a, [{ node: 'n1', failedTasks: 1 }]);
  t.advance(11_000);
  t.cm.nodeFeedback(b, [{ node: 'n1', failedTasks: 1 }]);
  assert.equal(t.cm.nodeViews().find((n) => n.name === 'n1')!.state, 'alive');
});

void test('the CM launches a driver, starts a fresh attempt when it dies, and fails the session after max attempts', async () => {
  const t = setup(2);
  const launches: Array<{ grant: GrantEvent; env: Record<string, string> }> = [];
  t.cm.driverLauncher = async (grant, spec) => {
    launches.push({ grant, env: spec.env });
  };
  const { s } = t.session('job');
  t.cm.startDriver(s, { resources: gb(512, 1), command: 'node', args: ['jt.js'], env: { A: '1' }, maxAttempts: 2 });
  t.cm.runPass();
  await new Promise((r) => setImmediate(r));
  assert.equal(launches.length, 1);
  const first = launches[0];
  assert.equal(first.env.CORONET_DRIVER_ATTEMPT, '1');
  assert.equal(first.env.A, '1');
  assert.ok(first.env.CORONET_SESSION_SECRET);
  assert.equal(s.tags.driverAttempt, '1');
  // The driver asks for a task container; then its container shows up, then vanishes.
  t.cm.requestResources(s, [{ requestId: 't1', resources: gb(1024, 1), count: 1, hosts: [], racks: [], relaxLocality: true, excludedHosts: [], driver: false }]);
  t.cm.runPass();
  const task = t.cm.scheduler.sessionGrants(s.id).find((g) => !g.driver)!;
  assert.ok(task);
  t.heartbeat(first.grant.node, [running(first.grant)]);
  t.heartbeat(first.grant.node, []);
  // Attempt 2: the task grant went back, a new driver grant is launched.
  assert.equal(s.tags.driverAttempt, '2');
  assert.equal(t.cm.scheduler.grant(task.grantId), undefined);
  t.cm.runPass();
  await new Promise((r) => setImmediate(r));
  assert.equal(launches.length, 2);
  assert.equal(launches[1].env.CORONET_DRIVER_ATTEMPT, '2');
  // Attempt 2 loses its node: no attempts left, the session fails with the reasons.
  t.heartbeat(launches[1].grant.node, [running(launches[1].grant)]);
  t.advance(defaultCmConfig().nodeExpiryMs + 1);
  for (const n of ['n1', 'n2']) if (n !== launches[1].grant.node) t.heartbeat(n);
  t.cm.tick();
  assert.equal(s.state, 'ended');
  assert.equal(s.finalStatus, 'FAILED');
  assert.match(s.diagnostics, /driver failed 2 time\(s\).*was lost/);
});

void test('a session waiting for its next driver attempt does not expire', async () => {
  const t = setup(1, { sessionExpiryMs: 5_000, sessionHeartbeatIntervalMs: 1_000 });
  t.cm.driverLauncher = async () => undefined;
  const { s } = t.session('job');
  // The cluster is full: the driver's request waits.
  const { s: other, secret } = t.session('other');
  t.cm.requestResources(other, [{ requestId: 'all', resources: gb(8192, 8), count: 1, hosts: [], racks: [], relaxLocality: true, excludedHosts: [], driver: false }]);
  t.cm.runPass();
  t.cm.startDriver(s, { resources: gb(512, 1), command: 'node', args: [], env: {}, maxAttempts: 1 });
  for (let i = 0; i < 10; i++) {
    t.advance(2_000);
    t.cm.authSession(other.id, secret);
  }
  t.cm.tick();
  assert.equal(s.state, 'running');
});
