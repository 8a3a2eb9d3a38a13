import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../common/resources.js';
import { defaultPoolsConfig, parsePoolsConfig } from './index.js';

const good = `
nodeLocalityWaitMs: 2000
preemptionEnabled: true
groups:
  analytics:
    weight: 2
    minShare: 40960MB,40vc
    pools:
      etl:
        weight: 3
        order: fifo
        maxShare: { memoryMb: 81920, vcores: 80 }
        acl: { submit: [alice, bob], administer: [carol] }
        preemptable: false
      adhoc: {}
`;

void test('parses a good YAML file with defaults filled in', () => {
  const r = parsePoolsConfig(good, 'pools.yaml');
  assert.ok(r.ok, r.ok ? '' : r.error);
  const c = r.config;
  assert.equal(c.nodeLocalityWaitMs, 2000);
  assert.equal(c.rackLocalityWaitMs, defaultPoolsConfig().rackLocalityWaitMs);
  const g = c.groups.analytics;
  assert.equal(g.weight, 2);
  assert.deepEqual(g.minShare, resources(40960, 40));
  assert.equal(g.pools.etl.weight, 3);
  assert.equal(g.pools.etl.order, 'fifo');
  assert.deepEqual(g.pools.etl.maxShare, resources(81920, 80));
  assert.deepEqual(g.pools.etl.acl.submit, ['alice', 'bob']);
  assert.equal(g.pools.etl.preemptable, false);
  assert.equal(g.pools.adhoc.weight, 1);
  assert.equal(g.pools.adhoc.order, 'fair');
});

void test('parses JSON too', () => {
  const r = parsePoolsConfig(JSON.stringify({ groups: { a: { pools: { b: { weight: 2 } } } } }), 'pools.json');
  assert.ok(r.ok);
  assert.equal(r.config.groups.a.pools.b.weight, 2);
});

void test('a bad field gives one message with the line and the field path', () => {
  const bad = good.replace('weight: 3', 'weight: x');
  const r = parsePoolsConfig(bad, 'pools.yaml');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error, 'pools.yaml line 10: groups.analytics.pools.etl.weight must be a positive number, got "x"');
});

void test('unknown fields, bad orders and syntax errors are reported', () => {
  const r1 = parsePoolsConfig('groups:\n  a:\n    wieght: 2\n', 'p.yaml');
  assert.ok(!r1.ok && /line 3: groups\.a\.wieght is not a known field/.test(r1.error), JSON.stringify(r1));
  const r2 = parsePoolsConfig('groups:\n  a:\n    pools:\n      b:\n        order: lifo\n', 'p.yaml');
  assert.ok(!r2.ok && /line 5: groups\.a\.pools\.b\.order must be one of fifo, fair, priority, got "lifo"/.test(r2.error), JSON.stringify(r2));
  const r3 = parsePoolsConfig('groups: [\n', 'p.yaml');
  assert.ok(!r3.ok && /^p\.yaml line \d+: /.test(r3.error), JSON.stringify(r3));
  const r4 = parsePoolsConfig('groups:\n  a:\n    minShare: 12 bananas\n', 'p.yaml');
  assert.ok(!r4.ok && /line 3: groups\.a\.minShare/.test(r4.error), JSON.stringify(r4));
});

void test('an empty file is the default config', () => {
  const r = parsePoolsConfig('', 'p.yaml');
  assert.ok(r.ok);
  assert.deepEqual(r.config, defaultPoolsConfig());
});
