// Integration tests of the resource layer on real processes: a cluster manager and
// node agents as separate daemons on loopback with random ports.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SessionDriver, type Grant } from '../session-driver/index.js';
import { runShell } from '../shell/shell.js';
import { clusterManagerClient, nodeAgentClient, unary, OrderedStream, RpcError, Status } from '../proto/index.js';
import { resources } from '../common/resources.js';
import { eventually, getJson, grantOf, takeUntil, testCluster } from '../testing/fixtures.js';
import type { LocalCluster } from '../local/local-cluster.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
const small = resources(128, 1);

describe('resource layer on a 2-node cluster', () => {
  let cluster: LocalCluster;
  before(async () => {
    cluster = await testCluster({ nodes: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a full session lifecycle: start, request, grants pushed, launch, exit event, release, end', async () => {
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'lifecycle', kind: 'test', user: 'alice' });
    const events = driver.events()[Symbol.asyncIterator]();
    await driver.request([{ resources: small, count: 2 }]);
    let granted = 0;
    const seen = await takeUntil(events, (e) => e.type === 'grant' && ++granted === 2);
    const grants = seen.filter((e) => e.type === 'grant').map((e) => (e as { grant: Grant }).grant);
    assert.equal(grants.length, 2);
    for (const g of grants) {
      assert.equal(g.sessionId, driver.sessionId);
      assert.ok(g.token.length > 20);
      assert.match(g.nodeAddress, /^127\.0\.0\.1:\d+$/);
    }
    const sessions = await getJson<{ sessions: Array<{ id: string; pool: string; grants: number; state: string }> }>(`http://${cluster.httpAddress}/api/v1/sessions`);
    const mine = sessions.sessions.find((s) => s.id === driver.sessionId)!;
    assert.equal(mine.pool, 'default.alice');
    assert.equal(mine.grants, 2);

    const containerId = await driver.launch(grants[0], { command: 'sh', args: ['-c', 'echo "$CORONET_SESSION_ID $CORONET_GRANT_ID"; exit 3'] });
    const exit = await takeUntil(events, (e) => e.type === 'container' && e.status.containerId === containerId && e.status.state !== 'RUNNING');
    const last = exit[exit.length - 1];
    assert.ok(last.type === 'container');
    assert.equal(last.status.state, 'EXITED');
    assert.equal(last.status.exitCode, 3);
    const log = await (await fetch(`http://${grants[0].shuffleAddress}/containers/${containerId}/stdout`)).text();
    assert.equal(log.trim(), `${driver.sessionId} ${grants[0].grantId}`);

    await driver.release(grants.map((g) => g.grantId));
    const info = await getJson<{ allocated: { vcores: number } }>(`http://${cluster.httpAddress}/api/v1/cluster`);
    assert.equal(info.allocated.vcores, 0);
    await driver.end('SUCCEEDED');
    const after = await getJson<{ sessions: Array<{ id: string; state: string; finalStatus: string }> }>(`http://${cluster.httpAddress}/api/v1/sessions`);
    assert.equal(after.sessions.find((s) => s.id === driver.sessionId)?.state, 'ended');
  });

  test('the distributed shell runs across nodes and prefixes output by node', async () => {
    const out: string[] = [];
    const result = await runShell({ cluster: cluster.cmAddress, count: 4, memoryMb: 128, vcores: 2, command: 'sh', args: ['-c', 'echo hi $CORONET_SHELL_INDEX'], stdout: (l) => out.push(l), stderr: () => undefined });
    assert.equal(result.succeeded, true);
    assert.equal(out.length, 4);
    const nodes = new Set(result.tasks.map((t) => t.node));
    assert.deepEqual([...nodes].sort(), ['node-1', 'node-2']);
    for (const l of out) assert.match(l, /^\[node-\d#\d\] hi \d$/);
    const failing = await runShell({ cluster: cluster.cmAddress, count: 2, memoryMb: 128, vcores: 1, command: 'sh', args: ['-c', 'exit $CORONET_SHELL_INDEX'], stdout: () => undefined, stderr: () => undefined });
    assert.equal(failing.succeeded, false);
    assert.deepEqual(failing.tasks.map((t) => t.exitCode).sort(), [0, 1]);
  });

  test('the shell CLI exits 0 only when all containers succeed, 2 on bad usage', () => {
    const env = { ...process.env, CORONET_CLUSTER: cluster.cmAddress };
    const ok = spawnSync(process.execPath, [cli, 'shell', '-n', '2', '--', 'echo', 'hello'], { env, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.split('\n').filter((l) => /^\[node-\d#\d\] hello$/.test(l)).length, 2);
    const bad = spawnSync(process.execPath, [cli, 'shell', '-n', '1', '--', 'false'], { env, encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /exited with code 1/);
    const usage = spawnSync(process.execPath, [cli, 'shell', '-n', 'x', '--', 'true'], { env, encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.equal(usage.stderr.trim().split('\n').length, 1);
  });

  test('nodes and sessions CLI print tables and JSON', () => {
    const env = { ...process.env, CORONET_CLUSTER: cluster.cmAddress };
    const t = spawnSync(process.execPath, [cli, 'nodes'], { env, encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /^NAME\s+RACK\s+STATE/);
    assert.match(t.stdout, /node-1\s+\/default-rack\s+alive/);
    const j = spawnSync(process.execPath, [cli, 'nodes', '--json'], { env, encoding: 'utf8' });
    const nodes = JSON.parse(j.stdout) as Array<{ name: string; capacity: { vcores: number } }>;
    assert.deepEqual(nodes.map((n) => n.name), ['node-1', 'node-2']);
    assert.equal(nodes[0].capacity.vcores, 4);
    const s = spawnSync(process.execPath, [cli, 'sessions', '--json'], { env, encoding: 'utf8' });
    assert.equal(s.status, 0);
    assert.ok(Array.isArray(JSON.parse(s.stdout)));
  });

  test('a container over its memory limit is killed with a diagnostic', async () => {
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'hog' });
    const events = driver.events()[Symbol.asyncIterator]();
    await driver.request([{ resources: resources(64, 1) }]);
    const g = grantOf(await takeUntil(events, (e) => e.type === 'grant'));
    const hog = 'const a = []; setInterval(() => { for (let i = 0; i < 4; i++) a.push(Buffer.alloc(8 << 20, 1)); }, 20);';
    const id = await driver.launch(g, { command: process.execPath, args: ['-e', hog] });
    const seen = await takeUntil(events, (e) => e.type === 'container' && e.status.containerId === id && e.status.state !== 'RUNNING');
    const last = seen[seen.length - 1];
    assert.ok(last.type === 'container');
    assert.equal(last.status.state, 'OVER_LIMIT');
    assert.match(last.status.diagnostics, /over its limit of 64 MB/);
    await driver.end();
  });

  test('launches with a missing, forged or other-node token are refused; the agent keeps running', async () => {
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'forger' });
    const events = driver.events()[Symbol.asyncIterator]();
    await driver.request([{ resources: small }]);
    const g = grantOf(await takeUntil(events, (e) => e.type === 'grant'));
    const spec = { command: 'true' };
    await assert.rejects(driver.launch({ ...g, token: '' }, spec), (e: RpcError) => e.code === Status.PERMISSION_DENIED && /missing grant token/.test(e.message));
    await assert.rejects(driver.launch({ ...g, token: g.token.slice(0, -2) + 'AA' }, spec), /does not verify/);
    await assert.rejects(driver.launch({ ...g, resources: resources(4000, 4) }, spec), /does not verify/);
    const other = cluster.agents.find((a) => a.rpcAddress !== g.nodeAddress)!;
    await assert.rejects(driver.launch({ ...g, nodeAddress: other.rpcAddress }, spec), /grant is for node node-\d, not node-\d/);
    // The real token still works: nothing was harmed.
    const id = await driver.launch(g, { command: 'sleep', args: ['5'] });
    assert.ok(id);
    await assert.rejects(driver.launch(g, spec), (e: RpcError) => e.code === Status.ALREADY_EXISTS);
    await driver.end();
  });

  test('bad RPC messages and unknown sessions get errors; the CM keeps running', async () => {
    const client = clusterManagerClient(cluster.cmAddress);
    await assert.rejects(unary(client, 'RequestResources', { session_id: 'nope', session_secret: 'x', requests: [] }), (e: RpcError) => e.code === Status.NOT_FOUND && /unknown session "nope"/.test(e.message));
    await assert.rejects(unary(client, 'SessionHeartbeat', { session_id: '', session_secret: '' }), (e: RpcError) => e.code === Status.INVALID_ARGUMENT);
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'bad' });
    await assert.rejects(unary(client, 'RequestResources', { session_id: driver.sessionId, session_secret: 'wrong', requests: [] }), (e: RpcError) => e.code === Status.UNAUTHENTICATED);
    const base = { session_id: driver.sessionId, session_secret: driver.secret };
    await assert.rejects(unary(client, 'RequestResources', { ...base, requests: [{ request_id: 'r', resources: { memory_mb: -5, vcores: 1 }, count: 1 }] }), /memory_mb|memoryMb is negative/);
    await assert.rejects(unary(client, 'RequestResources', { ...base, requests: [{ request_id: 'r', resources: { memory_mb: 1, vcores: 1 }, count: 0 }] }), /count must be from 1/);
    await assert.rejects(unary(client, 'RequestResources', { ...base, requests: [{ request_id: '', resources: { memory_mb: 1, vcores: 1 }, count: 1 }] }), /request_id is required/);
    await assert.rejects(unary(client, 'RequestResources', { ...base, requests: [{ request_id: 'z', resources: { memory_mb: 0, vcores: 0 }, count: 1 }] }), /asks for nothing/);
    // A request no node could ever satisfy is rejected at once with the reason.
    await assert.rejects(driver.request([{ resources: resources(1_000_000, 1) }]), (e: RpcError) => e.code === Status.INVALID_ARGUMENT && /1000000MB/.test(e.message));
    // Random bytes at the gRPC port do not take it down.
    const agent = nodeAgentClient(cluster.agents[0].rpcAddress);
    await assert.rejects(unary(agent, 'LaunchContainer', {}), /grant is required/);
    await assert.rejects(unary(agent, 'StopContainer', { container_id: 'c-x', session_id: driver.sessionId, session_secret: driver.secret }), /unknown container/);
    agent.close();
    // The heartbeat stream: an unknown node is told to register; a malformed heartbeat ends
    // the stream with the reason; the next one works on a fresh stream.
    const beats = new OrderedStream<object, { reregister: boolean }>(client, 'NodeHeartbeats', 'NodeHeartbeat');
    assert.equal((await beats.call1({ name: 'nobody', registration_id: 'x', containers: [] }, 5_000)).reregister, true);
    await assert.rejects(beats.call1({ name: '', registration_id: 'x', containers: [] }, 5_000), (e: RpcError) => e.code === Status.INVALID_ARGUMENT && /name is required/.test(e.message));
    await assert.rejects(beats.call1({ name: 'n', capacity: { memory_mb: -1, vcores: 1 }, containers: [] }, 5_000), (e: RpcError) => e.code === Status.INVALID_ARGUMENT && /capacity/.test(e.message));
    assert.equal((await beats.call1({ name: 'nobody', registration_id: 'x', containers: [] }, 5_000)).reregister, true);
    beats.close();
    const info = await unary<object, { nodes_alive: number }>(client, 'GetClusterInfo', {});
    assert.equal(info.nodes_alive, 2);
    client.close();
    await driver.end();
  });

  test('a session whose driver vanishes expires and its containers are killed', async () => {
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'vanishing' });
    const events = driver.events()[Symbol.asyncIterator]();
    await driver.request([{ resources: small }]);
    const g = grantOf(await takeUntil(events, (e) => e.type === 'grant'));
    const id = await driver.launch(g, { command: 'sleep', args: ['600'] });
    const agent = nodeAgentClient(g.nodeAddress);
    const status = () => unary<object, { state: string; diagnostics: string }>(agent, 'GetContainerStatus', { container_id: id, session_id: driver.sessionId, session_secret: driver.secret });
    assert.equal((await status()).state, 'RUNNING');
    driver.shutdown(); // no more heartbeats, no EndSession
    const s = await eventually('container killed after session expiry', async () => {
      const st = await status();
      return st.state !== 'RUNNING' ? st : null;
    });
    assert.equal(s.state, 'KILLED');
    const sessions = await getJson<{ sessions: Array<{ id: string; state: string; diagnostics: string }> }>(`http://${cluster.httpAddress}/api/v1/sessions`);
    assert.match(sessions.sessions.find((x) => x.id === driver.sessionId)!.diagnostics, /session expired/);
    agent.close();
  });

  test('metrics and REST answer', async () => {
    const text = await (await fetch(`http://${cluster.httpAddress}/metrics`)).text();
    assert.match(text, /# TYPE coronet_grants_total counter/);
    assert.match(text, /coronet_scheduling_pass_duration_seconds_bucket/);
    const agentMetrics = await (await fetch(`http://${cluster.agents[0].httpAddress}/metrics`)).text();
    assert.match(agentMetrics, /coronet_containers_running/);
    const nodes = await getJson<{ nodes: Array<{ name: string; state: string; usage: { memoryMb: number } }> }>(`http://${cluster.httpAddress}/api/v1/nodes`);
    assert.equal(nodes.nodes.length, 2);
    assert.ok(nodes.nodes[0].usage.memoryMb > 0, 'measured usage from /proc');
    const missing = await fetch(`http://${cluster.httpAddress}/api/v1/nope`);
    assert.equal(missing.status, 404);
  });
});

describe('node loss', () => {
  let cluster: LocalCluster;
  before(async () => {
    cluster = await testCluster({ nodes: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('an agent killed with SIGKILL is expired and its sessions are told', async () => {
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'loser' });
    const events = driver.events()[Symbol.asyncIterator]();
    // 2 vcores each on 4-vcore nodes: the grants must spread over both nodes.
    await driver.request([{ resources: resources(128, 2), count: 4 }]);
    let granted = 0;
    await takeUntil(events, (e) => e.type === 'grant' && ++granted === 4);
    const victim = cluster.agents[1];
    const onVictim = [...driver.grants.values()].filter((g) => g.node === victim.name).map((g) => g.grantId).sort();
    assert.ok(onVictim.length > 0, 'grants spread over both nodes');
    victim.process.kill('SIGKILL');
    const seen = await takeUntil(events, (e) => e.type === 'node-lost');
    const lost = seen[seen.length - 1];
    assert.ok(lost.type === 'node-lost');
    assert.equal(lost.node, victim.name);
    assert.deepEqual(lost.grants.map((g) => g.grantId).sort(), onVictim);
    const nodes = await getJson<{ nodes: Array<{ name: string; state: string }> }>(`http://${cluster.httpAddress}/api/v1/nodes`);
    assert.equal(nodes.nodes.find((n) => n.name === victim.name)?.state, 'lost');
    await driver.end();
  });

  test('the shell retries a container lost with its node', async () => {
    const victim = cluster.agents[0];
    const out: string[] = [];
    const errs: string[] = [];
    // Re-add node-2 (killed above) so there is somewhere to retry.
    await cluster.addAgent('node-2');
    await cluster.waitForNodes(2);
    let killed = false;
    const result = await runShell({
      cluster: cluster.cmAddress,
      count: 2,
      memoryMb: 128,
      vcores: 3,
      command: 'sh',
      args: ['-c', 'echo start $CORONET_NODE_NAME; sleep 3; echo done $CORONET_NODE_NAME'],
      stdout: (l) => {
        out.push(l);
        if (!killed && l.includes(`start ${victim.name}`)) {
          killed = true;
          victim.process.kill('SIGKILL');
        }
      },
      stderr: (l) => errs.push(l),
    });
    assert.ok(killed, `a container started on ${victim.name}: ${out.join('|')}`);
    assert.equal(result.succeeded, true, JSON.stringify(result.tasks) + errs.join('\n'));
    assert.ok(errs.some((l) => /lost; retrying elsewhere/.test(l)));
    assert.equal(out.filter((l) => / done node-2$/.test(l)).length, 2);
  });
});

describe('clients pointed at a dead address', () => {
  test('fail within seconds naming the address', async () => {
    const t0 = Date.now();
    await assert.rejects(SessionDriver.start({ cluster: '127.0.0.1:1', name: 'x' }), /cannot reach 127\.0\.0\.1:1/);
    assert.ok(Date.now() - t0 < 10_000);
    const r = spawnSync(process.execPath, [cli, 'nodes', '--cluster', '127.0.0.1:1'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^coronet: cannot reach 127\.0\.0\.1:1 \(ListNodes\): connection refused\n$/);
    const bad = spawnSync(process.execPath, [cli, 'node-agent', '--cm', 'nohost'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--cm "nohost" is not HOST:PORT/);
  });
});
