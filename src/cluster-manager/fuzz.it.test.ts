// Fuzzing the daemons' front doors on real processes: random bytes on the gRPC and HTTP
// ports, random message bodies for every RPC method, absurd REST calls. The daemons
// must answer (or drop the connection) and keep running.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import { grpc, clusterManagerClient, unary } from '../proto/index.js';
import { getJson, testCluster } from '../testing/fixtures.js';
import type { LocalCluster } from '../local/local-cluster.js';

const cmMethods = ['StartSession', 'SessionEvents', 'RequestResources', 'ReleaseResources', 'SessionHeartbeat', 'EndSession', 'RegisterNode', 'NodeHeartbeat', 'GetClusterInfo', 'ListNodes', 'ListSessions', 'ListPools', 'RefreshPools', 'DecommissionNode', 'SetSafeMode'];
const agentMethods = ['LaunchContainer', 'StopContainer', 'GetContainerStatus', 'ContainerEvents'];
const iterations = 200;

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
    if (method === 'SessionEvents' || method === 'ContainerEvents') {
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
    assert.ok(calls >= iterations * 19);
  });
});
