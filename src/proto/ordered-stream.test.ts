// OrderedStream against real gRPC servers on loopback: answers in order, the unary
// fallback for a server without the stream method, deadlines, a stream the server ends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindServer, clusterManagerClient, clusterManagerService, newServer, OrderedStream, RpcError, Status, rpcFailure, grpc, type Grpc, type ClusterManagerHandlers, type WireNodeHeartbeat, type WireNodeHeartbeatAnswer } from './index.js';

type Answer = { reregister: boolean; kill_grant_ids: string[] };

/** Runs `body` with an OrderedStream over NodeHeartbeats (unary fallback NodeHeartbeat)
 *  to a CM service with only the given handlers (the rest answer UNIMPLEMENTED). */
async function withStream(handlers: Partial<ClusterManagerHandlers>, body: (s: OrderedStream<object, Answer>) => Promise<void>): Promise<void> {
  const server = newServer();
  server.addService(clusterManagerService(), handlers as Grpc.UntypedServiceImplementation);
  const port = await bindServer(server, '127.0.0.1', 0);
  const client = clusterManagerClient(`127.0.0.1:${port}`);
  const s = new OrderedStream<object, Answer>(client, 'NodeHeartbeats', 'NodeHeartbeat');
  try {
    await body(s);
  } finally {
    s.close();
    client.close();
    server.forceShutdown();
  }
}

/** Answers each heartbeat with its own name as the one grant to kill (so order shows). */
const echo = (req: WireNodeHeartbeat): WireNodeHeartbeatAnswer => ({ reregister: false, kill_grant_ids: [req.name], ended_session_ids: [] });

const beat = (name: string) => ({ name, registration_id: 'r', containers: [] });

test('ordered stream: concurrent calls get their own answers, in order, over one stream', async () => {
  let streams = 0;
  let unaries = 0;
  await withStream({
    NodeHeartbeat: (call, cb) => {
      unaries++;
      cb(null, echo(call.request));
    },
    NodeHeartbeats: (call) => {
      streams++;
      call.on('data', (req: WireNodeHeartbeat) => call.write(echo(req)));
      call.on('end', () => call.end());
    },
  }, async (s) => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => s.call1(beat(`n${i}`), 5_000)));
    assert.deepEqual(answers.map((a) => a.kill_grant_ids[0]), Array.from({ length: 50 }, (_, i) => `n${i}`));
    assert.equal((await s.call1(beat('later'), 5_000)).kill_grant_ids[0], 'later');
    assert.equal(streams, 1);
    assert.equal(unaries, 0);
  });
});

test('ordered stream: a server without the stream method is called unary, pending calls included', async () => {
  let unaries = 0;
  await withStream({
    NodeHeartbeat: (call, cb) => {
      unaries++;
      cb(null, echo(call.request));
    },
  }, async (s) => {
    const answers = await Promise.all(['a', 'b', 'c'].map((n) => s.call1(beat(n), 5_000)));
    assert.deepEqual(answers.map((a) => a.kill_grant_ids[0]), ['a', 'b', 'c']);
    assert.equal((await s.call1(beat('d'), 5_000)).kill_grant_ids[0], 'd');
    assert.equal(unaries, 4);
  });
});

test('ordered stream: no answer in time rejects (DEADLINE_EXCEEDED); a stream the server ends with a status rejects with it; the next call opens a new stream', async () => {
  let streams = 0;
  await withStream({
    NodeHeartbeats: (call) => {
      streams++;
      call.on('data', (req: WireNodeHeartbeat) => {
        if (req.name === 'silent') return;
        if (req.name === 'bad') call.emit('error', rpcFailure(Status.INVALID_ARGUMENT, 'name is bad'));
        else call.write(echo(req));
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  }, async (s) => {
    await assert.rejects(s.call1(beat('silent'), 200), (err: unknown) => err instanceof RpcError && err.code === Status.DEADLINE_EXCEEDED && err.unavailable);
    assert.equal((await s.call1(beat('x'), 5_000)).kill_grant_ids[0], 'x');
    await assert.rejects(s.call1(beat('bad'), 5_000), (err: unknown) => err instanceof RpcError && err.code === Status.INVALID_ARGUMENT && /name is bad/.test(err.message));
    assert.equal((await s.call1(beat('y'), 5_000)).kill_grant_ids[0], 'y');
    assert.equal(streams, 3);
    s.close();
    await assert.rejects(s.call1(beat('z'), 5_000), (err: unknown) => err instanceof RpcError && err.code === Status.CANCELLED);
  });
});
