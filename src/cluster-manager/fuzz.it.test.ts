// Fuzzing the daemons' front doors on real processes: random bytes on the gRPC and HTTP
// ports, random message bodies for every RPC method, absurd REST calls. The daemons
// must answer (or drop the connection) and keep running.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import { grpc, clusterManagerClient, nodeAgentClient, unary, OrderedStream, RpcError, Status, type Grpc } from '../proto/index.js';
import { SessionDriver } from '../session-driver/index.js';
import { getJson, testCluster } from '../testing/fixtures.js';
import type { LocalCluster } from '../local/local-cluster.js';

const cmMethods = ['StartSession', 'SessionEvents', 'RequestResources', 'ReleaseResources', 'SessionHeartbeat', 'EndSession', 'RegisterNode', 'NodeHeartbeat', 'NodeHeartbeats', 'GetClusterInfo', 'ListNodes', 'ListSessions', 'ListPools', 'RefreshPools', 'DecommissionNode', 'SetSafeMode', 'StartDriver'];
const agentMethods = ['LaunchContainer', 'StopContainer', 'GetContainerStatus', 'ContainerEvents'];
const iterations = 200;
const absurdRounds = 300;

/** A seeded PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rawCall(address: string, service: string, method: string, body: Buffer): Promise<void> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    const path = `/coronet.v1.${service}/${method}`;
    const done = () => {
      client.close();
      resolve();
    };
    if (method === 'NodeHeartbeats') {
      const stream = client.makeBidiStreamRequest(path, (b: Buffer) => b, (b: Buffer) => b, { deadline: Date.now() + 2_000 });
      stream.on('data', () => undefined);
      stream.on('error', done);
      stream.on('end', done);
      stream.write(body);
      stream.write(body);
      stream.end();
    } else if (method === 'SessionEvents' || method === 'ContainerEvents') {
      const stream = client.makeServerStreamRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, { deadline: Date.now() + 2_000 });
      stream.on('data', () => undefined);
      stream.on('error', done);
      stream.on('end', done);
    } else client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, { deadline: Date.now() + 2_000 }, () => done());
  });
}

function sendGarbage(address: string, bytes: Buffer): Promise<void> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const s = createConnection({ host, port: Number(port) }, () => {
      s.end(bytes);
    });
    s.on('data', () => undefined);
    s.setTimeout(1_000, () => s.destroy());
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
}

describe('fuzzing the daemons', () => {
  let cluster: LocalCluster;
  before(async () => {
    cluster = await testCluster({ nodes: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  test(`${iterations} random message bodies per RPC method; random bytes on every port; absurd REST calls`, async () => {
    const rand = prng(42);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    let calls = 0;
    for (let i = 0; i < iterations; i++) {
      const body = bytes(Math.floor(rand() * 200));
      await Promise.all([
        ...cmMethods.map((m) => rawCall(cluster.cmAddress, 'ClusterManager', m, body)),
        ...agentMethods.map((m) => rawCall(cluster.agents[0].rpcAddress, 'NodeAgent', m, body)),
      ]);
      calls += cmMethods.length + agentMethods.length;
    }
    for (let i = 0; i < 20; i++) {
      for (const addr of [cluster.cmAddress, cluster.httpAddress, cluster.agents[0].rpcAddress, cluster.agents[0].httpAddress]) await sendGarbage(addr, randomBytes(1 + Math.floor(rand() * 4096)));
    }
    const rest = [
      ['GET', '/api/v1/history/..%2F..%2Fetc%2Fpasswd'],
      ['GET', '/api/v1/jobs/%00'],
      ['POST', '/api/v1/history'],
      ['POST', '/api/v1/jobs/x/kill'],
      ['GET', '/../../etc/passwd'],
      ['DELETE', '/api/v1/nodes'],
    ];
    for (const [method, path] of rest) {
      const r = await fetch(`http://${cluster.httpAddress}${path}`, { method, body: method === 'POST' ? '{"jobId": 5, "name": []}' : undefined });
      assert.ok(r.status >= 400 && r.status < 500, `${method} ${path} -> ${r.status}`);
    }
    const shuffle = await fetch(`http://${cluster.agents[0].httpAddress}/mapoutput/..%2F..%2F/x/0`);
    assert.ok(shuffle.status >= 400 && shuffle.status < 500);
    const logs = await fetch(`http://${cluster.agents[0].httpAddress}/containers/..%2F..%2Fetc/stdout`);
    assert.ok(logs.status >= 400 && logs.status < 500);
    // Everyone is still up and answering.
    const client = clusterManagerClient(cluster.cmAddress);
    const info = await unary<object, { nodes_alive: number }>(client, 'GetClusterInfo', {});
    client.close();
    assert.equal(info.nodes_alive, 1);
    assert.equal(cluster.cm.process.exitCode, null);
    assert.equal(cluster.agents[0].process.exitCode, null);
    const nodes = await getJson<{ nodes: unknown[] }>(`http://${cluster.httpAddress}/api/v1/nodes`);
    assert.equal(nodes.nodes.length, 1);
    assert.ok(calls >= iterations * (cmMethods.length + agentMethods.length));
  });

  test(`${absurdRounds} rounds of well-formed but absurd messages: huge and negative resources, unknown ids, wrong secrets and tokens, duplicates, calls out of order`, async () => {
    const rand = prng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const absurdNumbers = [-1, 0, 1, -(2 ** 31), 2 ** 31 - 1, 2 ** 53, 1e308, 0.5, -0.0001];
    const absurdStrings = ['', 'x'.repeat(5_000), '../../etc/passwd', '\u0000', 'ümlaut-✓', 's-unknown', 'g-unknown', 'node-1', 'c-1', '*', ' '];
    const num = () => pick(absurdNumbers);
    const str = () => pick(absurdStrings);
    const res = () => ({ memory_mb: num(), vcores: num(), gpus: num(), custom: rand() < 0.3 ? { [str() || 'k']: num() } : {} });
    // A real session, so some calls get past authentication and hit the deeper checks.
    const real = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'fuzz-target' });
    const secret = () => (rand() < 0.5 ? real.secret : str());
    const session = () => (rand() < 0.6 ? real.sessionId : str());
    const grant = () => ({ grant_id: str(), session_id: session(), request_id: str(), node_name: pick(['node-1', str()]), node_address: str(), shuffle_address: str(), resources: res(), token: pick(['', 'AAAA', str()]), expires_at_ms: num(), driver: rand() < 0.5 });
    const messages: Record<string, () => object> = {
      StartSession: () => ({ name: str(), user: str(), pool: pick(['', 'a.b.c', '..', str()]), priority: pick(['HIGH', 'NOPE', '']), deadline_ms: num(), tags: { [str() || 't']: str() } }),
      RequestResources: () => ({ session_id: session(), session_secret: secret(), requests: Array.from({ length: Math.floor(rand() * 4) }, () => ({ request_id: pick(['r1', 'r1', str()]), resources: res(), count: num(), hosts: [str()], racks: [str()], relax_locality: rand() < 0.5, excluded_hosts: [str()], driver: rand() < 0.3 })) }),
      ReleaseResources: () => ({ session_id: session(), session_secret: secret(), grant_ids: [str(), str()], request_ids: [str()] }),
      SessionHeartbeat: () => ({ session_id: session(), session_secret: secret(), tags: { [str() || 't']: str() }, node_feedback: [{ node_name: str(), failed_tasks: num() }] }),
      StartDriver: () => ({ session_id: session(), session_secret: secret(), resources: res(), spec: { command: str(), args: [str()], env: { [str() || 'E']: str() } }, max_attempts: num() }),
      RegisterNode: () => ({ name: str(), rack: str(), rpc_address: str(), shuffle_address: str(), capacity: res(), containers: [{ container_id: str(), grant_id: str(), session_id: str(), state: 'RUNNING', rss_mb: num() }] }),
      NodeHeartbeat: () => ({ name: pick(['node-1', str()]), registration_id: str(), capacity: res(), usage: { memory_mb: num(), cpu_cores: num() }, containers: [], healthy: rand() < 0.5, health_report: str() }),
      DecommissionNode: () => ({ name: str(), timeout_ms: num() }),
      EndSession: () => ({ session_id: str(), session_secret: str(), status: 'FAILED', diagnostics: str() }),
    };
    const agentMessages: Record<string, () => object> = {
      LaunchContainer: () => ({ grant: grant(), spec: { command: pick(['/bin/true', str()]), args: [str()], env: { [str() || 'E']: str() }, files: [{ source: str(), name: str() }] }, session_secret: secret() }),
      StopContainer: () => ({ container_id: str(), session_id: session(), session_secret: secret() }),
      GetContainerStatus: () => ({ container_id: str(), session_id: session(), session_secret: secret() }),
    };
    const cm = clusterManagerClient(cluster.cmAddress);
    const agent = nodeAgentClient(cluster.agents[0].rpcAddress);
    const codes = new Map<string, number>();
    const internal: string[] = [];
    const heartbeats = new OrderedStream<object, unknown>(cm, 'NodeHeartbeats', 'NodeHeartbeat');
    const call = async (client: Grpc.Client, method: string, msg: object) => {
      try {
        if (method === 'NodeHeartbeats') await heartbeats.call1(msg, 5_000);
        else await unary(client, method, msg, 5_000);
        codes.set('OK', (codes.get('OK') ?? 0) + 1);
      } catch (err) {
        const code = err instanceof RpcError ? Status[err.code] : 'CLIENT';
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (err instanceof RpcError && (err.code === Status.INTERNAL || err.code === Status.UNKNOWN)) internal.push(`${method}: ${err.details} ${JSON.stringify(msg).slice(0, 300)}`);
      }
    };
    for (let i = 0; i < absurdRounds; i++) {
      await Promise.all([
        ...Object.entries(messages).map(([m, gen]) => call(cm, m, gen())),
        call(cm, 'NodeHeartbeats', messages.NodeHeartbeat()),
        ...Object.entries(agentMessages).map(([m, gen]) => call(agent, m, gen())),
      ]);
    }
    heartbeats.close();
    cm.close();
    agent.close();
    real.shutdown();
    assert.deepEqual(internal, [], 'a handler failed inside instead of refusing the message');
    assert.ok((codes.get('INVALID_ARGUMENT') ?? 0) > 0 && (codes.get('UNAUTHENTICATED') ?? 0) + (codes.get('NOT_FOUND') ?? 0) > 0, JSON.stringify([...codes]));
    assert.equal(cluster.cm.process.exitCode, null);
    assert.equal(cluster.agents[0].process.exitCode, null);
    process.stderr.write(`# absurd messages: ${absurdRounds * (Object.keys(messages).length + 1 + Object.keys(agentMessages).length)} calls; answers ${JSON.stringify(Object.fromEntries(codes))}\n`);
  });
});
