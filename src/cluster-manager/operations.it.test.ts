// Operators' commands on real processes: pools file (and its hot reload), decommission,
// safe mode, and job history that survives a CM restart.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SessionDriver, type DriverEvent } from '../session-driver/index.js';
import { resources } from '../common/resources.js';
import { eventually, getJson, runCli, takeUntil, testCluster } from '../testing/fixtures.js';
import type { LocalCluster } from '../local/local-cluster.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(dist, 'cli', 'main.js');

const coronet = runCli;

const goodPools = `groups:
  analytics:
    weight: 2
    pools:
      etl:
        weight: 3
        minShare: "1024MB,1vc"
      adhoc: {}
  research:
    weight: 1
`;

describe('operations', () => {
  let cluster: LocalCluster;
  let dir: string;
  let poolsFile: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coronet-ops-'));
    poolsFile = join(dir, 'pools.yaml');
    writeFileSync(poolsFile, goodPools);
    cluster = await testCluster({ nodes: 2, cmArgs: ['--pools', poolsFile] });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('pools from the file are listed; a bad file is refused naming the field and the old config stays', async () => {
    const p = await coronet(cluster, ['pools', '--json']);
    assert.equal(p.status, 0, p.stderr);
    const pools = JSON.parse(p.stdout) as Array<{ name: string; weight: number; minShare: { vcores: number } }>;
    const etl = pools.find((x) => x.name === 'analytics.etl');
    assert.ok(etl, p.stdout);
    assert.equal(etl.weight, 3);
    assert.equal(etl.minShare.vcores, 1);
    writeFileSync(poolsFile, goodPools.replace('weight: 3', 'weight: lots'));
    const bad = await coronet(cluster, ['admin', 'refresh-pools']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /weight/);
    assert.match(bad.stderr, /line \d+/);
    assert.equal((JSON.parse((await coronet(cluster, ['pools', '--json'])).stdout) as Array<{ name: string; weight: number }>).find((x) => x.name === 'analytics.etl')?.weight, 3);
    // Hot reload: a good change is picked up without a command.
    writeFileSync(poolsFile, goodPools.replace('weight: 3', 'weight: 5'));
    await eventually('the pools file to be reloaded', async () => (JSON.parse((await coronet(cluster, ['pools', '--json'])).stdout) as Array<{ name: string; weight: number }>).find((x) => x.name === 'analytics.etl')?.weight === 5, 20_000, 300);
    const table = await coronet(cluster, ['pools']);
    assert.match(table.stdout, /^POOL\s+GROUP\s+WEIGHT/);
  });

  test('safe mode holds grants back; leaving it grants them', async () => {
    assert.equal((await coronet(cluster, ['admin', 'safe-mode', 'on'])).status, 0);
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'safe', pool: 'analytics.adhoc' });
    const events = driver.events()[Symbol.asyncIterator]();
    await driver.request([{ resources: resources(128, 1) }]);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(driver.grants.size, 0);
    assert.equal((await coronet(cluster, ['admin', 'safe-mode', 'off'])).status, 0);
    const seen = await takeUntil(events, (e: DriverEvent) => e.type === 'grant');
    assert.equal(seen[seen.length - 1].type, 'grant');
    await driver.end();
  });

  test('decommission: no new grants on the node; it leaves once idle', async () => {
    const r = await coronet(cluster, ['admin', 'decommission', 'node-2']);
    assert.equal(r.status, 0, r.stderr);
    await eventually('node-2 decommissioned', async () => (await getJson<{ nodes: Array<{ name: string; state: string }> }>(`http://${cluster.httpAddress}/api/v1/nodes`)).nodes.find((n) => n.name === 'node-2')?.state === 'decommissioned');
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'after-decom' });
    const events = driver.events()[Symbol.asyncIterator]();
    await driver.request([{ resources: resources(128, 1), count: 3 }]);
    let n = 0;
    const seen = await takeUntil(events, (e) => e.type === 'grant' && ++n === 3);
    for (const e of seen) if (e.type === 'grant') assert.equal(e.grant.node, 'node-1');
    await driver.end();
    const bad = await coronet(cluster, ['admin', 'decommission', 'no-such-node']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /unknown node "no-such-node"/);
  });
});

describe('job history', () => {
  let cluster: LocalCluster;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coronet-hist-'));
    cluster = await testCluster({ nodes: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('succeeded, failed and killed jobs are kept with their reasons and survive a CM restart', async () => {
    const input = join(dir, 'in.txt');
    writeFileSync(input, 'a b c\nd e f\n');
    const ok = await coronet(cluster, ['run', 'wordcount', '--input', input, '--output', join(dir, 'ok')]);
    assert.equal(ok.status, 0, ok.stderr);
    const mapreduce = join(dist, 'mapreduce', 'index.js');
    const failing = join(dir, 'fail.mjs');
    writeFileSync(failing, `import { defineJob, utf8, number, textInput } from ${JSON.stringify(mapreduce)};\nexport default defineJob({ input: textInput(), codecs: { key: utf8, value: number }, map() { throw new Error('deliberate failure'); } });\n`);
    const failed = await coronet(cluster, ['run', failing, '--input', input, '--output', join(dir, 'failed'), '-D', 'coronet.task.maxattempts=1']);
    assert.equal(failed.status, 1);
    const slow = join(dir, 'slow.mjs');
    writeFileSync(slow, `import { defineJob, utf8, number, textInput } from ${JSON.stringify(mapreduce)};\nexport default defineJob({ input: textInput(), codecs: { key: utf8, value: number }, async map() { await new Promise((r) => setTimeout(r, 120000)); } });\n`);
    const running = new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [cli, 'run', slow, '--input', input, '--output', join(dir, 'killed')], { env: { ...process.env, CORONET_CLUSTER: cluster.cmAddress } });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (status) => resolve({ status, stderr }));
    });
    const jobId = await eventually('the slow job to run', async () => (await getJson<{ jobs: Array<{ jobId: string }> }>(`http://${cluster.httpAddress}/api/v1/jobs`)).jobs[0]?.jobId);
    await eventually('a running map', async () => (await getJson<{ maps?: { running: number } }>(`http://${cluster.httpAddress}/api/v1/jobs/${jobId}`)).maps?.running === 1);
    const k = await coronet(cluster, ['job', 'kill', jobId]);
    assert.equal(k.status, 0, k.stderr);
    const killed = await running;
    assert.equal(killed.status, 1);
    assert.match(killed.stderr, /killed/);

    await cluster.restartCm();
    const h = await coronet(cluster, ['history', '--json']);
    assert.equal(h.status, 0, h.stderr);
    const jobs = JSON.parse(h.stdout) as Array<{ jobId: string; state: string; diagnostics: string }>;
    assert.deepEqual(jobs.map((j) => j.state).sort(), ['failed', 'killed', 'succeeded']);
    assert.match(jobs.find((j) => j.state === 'failed')!.diagnostics, /deliberate failure/);
    assert.match(jobs.find((j) => j.state === 'killed')!.diagnostics, /killed by a user request/);
    const one = await coronet(cluster, ['history', jobId]);
    assert.equal(one.status, 0);
    assert.match(one.stdout, /killed/);
  });
});

describe('node blacklist', () => {
  let cluster: LocalCluster;
  before(async () => {
    cluster = await testCluster({ nodes: 3, cm: { blacklistSessions: 3, blacklistMaxPercent: 34 } });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a node that fails tasks of three sessions is blacklisted (coronet nodes shows it) and gets no new grants', async () => {
    const drivers = await Promise.all([1, 2, 3].map((i) => SessionDriver.start({ cluster: cluster.cmAddress, name: `failing-${i}` })));
    for (const d of drivers) d.reportNodeFailure('node-1', 2);
    await eventually('node-1 blacklisted', async () => {
      const r = await coronet(cluster, ['nodes', '--json']);
      const n = (JSON.parse(r.stdout) as Array<{ name: string; state: string; blacklist_reason: string }>).find((x) => x.name === 'node-1');
      return n?.state === 'blacklisted' && /3 sessions/.test(n.blacklist_reason);
    });
    const table = await coronet(cluster, ['nodes']);
    assert.match(table.stdout, /node-1\s+\S+\s+blacklisted/);
    const fresh = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'after-blacklist' });
    const events = fresh.events()[Symbol.asyncIterator]();
    await fresh.request([{ resources: resources(128, 1), count: 6, hosts: ['node-1'] }]);
    let n = 0;
    const seen = await takeUntil(events, (e) => e.type === 'grant' && ++n === 6);
    for (const e of seen) if (e.type === 'grant') assert.notEqual(e.grant.node, 'node-1');
    await Promise.all([...drivers, fresh].map((d) => d.end()));
  });
});
