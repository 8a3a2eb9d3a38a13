import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from './resources.js';
import { newTokenKey, signGrant, verifyGrant, sessionSecret, verifySessionSecret } from './tokens.js';
import { AsyncQueue } from './async-queue.js';
import { localAddressToward, parseHostPort } from './net.js';
import { MetricsRegistry } from './metrics.js';

test('resource vectors add, subtract, fit and take dominant shares', () => {
  const a = R.resources(1024, 2, 0, { ssd: 1 });
  const b = R.resources(512, 1);
  assert.deepEqual(R.add(a, b), R.resources(1536, 3, 0, { ssd: 1 }));
  assert.deepEqual(R.subtract(a, b), R.resources(512, 1, 0, { ssd: 1 }));
  assert.equal(R.fits(b, a), true);
  assert.equal(R.fits(a, b), false);
  assert.equal(R.fits(R.resources(1, 1, 0, { ssd: 2 }), a), false);
  assert.equal(R.dominantShare(R.resources(512, 4), R.resources(1024, 16)), 0.5);
  assert.equal(R.format(a), '1024MB,2vc,ssd=1');
});

test('resource vectors from outside are checked', () => {
  assert.equal(R.invalidReason(R.resources(1, 1)), null);
  assert.match(R.invalidReason(R.resources(-1, 1))!, /memoryMb is negative/);
  assert.match(R.invalidReason(R.resources(1.5, 1))!, /not a whole number/);
  assert.match(R.invalidReason(R.resources(2 ** 50, 1))!, /absurdly large/);
  assert.match(R.invalidReason({ memoryMb: NaN, vcores: 1, gpus: 0, custom: {} })!, /not a number/);
  assert.deepEqual(R.parse('2048MB,2vc,1gpu,ssd=3'), R.resources(2048, 2, 1, { ssd: 3 }));
  assert.throws(() => R.parse('lots'), /cannot parse resource "lots"/);
});

test('grant tokens verify only for the signed grant, user, node and time', () => {
  const key = newTokenKey();
  const f = { grantId: 'g-1', sessionId: 's-1', user: 'alice', node: 'node-1', resources: R.resources(512, 1), expiresAtMs: 10_000 };
  const token = signGrant(key, f);
  assert.deepEqual(verifyGrant(key, token, f, 'node-1', 5_000), { ok: true });
  assert.match((verifyGrant(key, '', f, 'node-1', 5_000) as { reason: string }).reason, /missing/);
  assert.match((verifyGrant(key, token, { ...f, resources: R.resources(4096, 1) }, 'node-1', 5_000) as { reason: string }).reason, /does not verify/);
  assert.match((verifyGrant(key, token, { ...f, user: 'bob' }, 'node-1', 5_000) as { reason: string }).reason, /does not verify/);
  assert.match((verifyGrant(newTokenKey(), token, f, 'node-1', 5_000) as { reason: string }).reason, /does not verify/);
  assert.match((verifyGrant(key, token, f, 'node-2', 5_000) as { reason: string }).reason, /for node node-1, not node-2/);
  assert.match((verifyGrant(key, token, f, 'node-1', 10_000) as { reason: string }).reason, /expired/);
  const secret = sessionSecret(key, 's-1');
  assert.equal(verifySessionSecret(key, 's-1', secret), true);
  assert.equal(verifySessionSecret(key, 's-2', secret), false);
  assert.equal(verifySessionSecret(key, 's-1', ''), false);
});

test('async queue delivers in order and ends after close', async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  const got: number[] = [];
  const done = (async () => {
    for await (const n of q) got.push(n);
  })();
  q.push(2);
  q.push(3);
  q.close();
  await done;
  assert.deepEqual(got, [1, 2, 3]);
});

test('host:port parsing names what is wrong', () => {
  assert.deepEqual(parseHostPort('localhost:7070'), { host: 'localhost', port: 7070 });
  assert.deepEqual(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
  assert.throws(() => parseHostPort('nohost', '--cm'), /--cm "nohost" is not HOST:PORT/);
  assert.throws(() => parseHostPort('h:70000'), /outside 1-65535/);
});

test('the local address toward a peer: the loopback address for a loopback peer, the routed source address otherwise', async () => {
  assert.equal(await localAddressToward('127.0.0.1:7000'), '127.0.0.1');
  assert.equal(await localAddressToward('[::1]:7000'), '::1');
  // Another loopback address goes through the route lookup (a connected UDP socket; no packet is sent).
  assert.match(await localAddressToward('127.0.0.2:7000'), /^127\./);
  await assert.rejects(localAddressToward('nonsense'), /not HOST:PORT/);
});

test('metrics render in Prometheus text format', () => {
  const m = new MetricsRegistry();
  const c = m.counter('coronet_things_total', 'Things.');
  c.inc({ kind: 'a"b' }, 2);
  m.gauge('coronet_level', 'Level.', () => 3);
  const h = m.histogram('coronet_wait_seconds', 'Wait.', [0.1, 1]);
  h.observe(0.5);
  const text = m.render();
  assert.match(text, /# TYPE coronet_things_total counter\ncoronet_things_total\{kind="a\\"b"\} 2/);
  assert.match(text, /coronet_level 3/);
  assert.match(text, /coronet_wait_seconds_bucket\{le="0.1"\} 0\ncoronet_wait_seconds_bucket\{le="1"\} 1/);
  assert.match(text, /coronet_wait_seconds_count 1/);
});
