// Unit tests of the web UI's server pieces: the pool-usage ring buffer and the static
// file path check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PoolHistory } from './pool-history.js';
import { staticPath, staticRoot } from './static-files.js';
import { JobProgressCache, progressRefreshMsMax } from './snapshot.js';
import { createServer } from 'node:http';
import { listen } from '../common/http.js';
import type { PoolInfo } from '../scheduler/types.js';
import { resources } from '../common/resources.js';

function pool(name: string, granted: number, demand = granted, starving = false): PoolInfo {
  return {
    name,
    group: name.split('.')[0],
    weight: 1,
    minShare: resources(1024, 1),
    maxShare: null,
    demand: resources(demand * 512, demand),
    granted: resources(granted * 512, granted),
    fairShare: resources(2048, 2),
    starvingSinceMs: starving ? 1 : null,
    runningSessions: 1,
    waitingSessions: 0,
    preemptable: true,
    order: 'fair',
  };
}

void test('the pool history keeps the last window of samples, oldest first, and no more', () => {
  let now = 1_000;
  let granted = 0;
  const h = new PoolHistory({ pools: () => [pool('a.b', granted, granted + 1, granted % 2 === 1)], now: () => now, sampleIntervalMs: 1_000, windowMs: 5_000 });
  for (let i = 0; i < 12; i++) {
    granted = i;
    h.sample();
    now += 1_000;
  }
  const all = h.samples();
  assert.equal(all.length, 5);
  assert.deepEqual(
    all.map((s) => s.pools['a.b'].granted.vcores),
    [7, 8, 9, 10, 11],
  );
  assert.deepEqual(all[0].pools['a.b'], { granted: { vcores: 7, memoryMb: 3584 }, fairShare: { vcores: 2, memoryMb: 2048 }, minShare: { vcores: 1, memoryMb: 1024 }, demand: { vcores: 8, memoryMb: 4096 }, starving: true });
  assert.ok(all.every((s, i) => i === 0 || s.seq === all[i - 1].seq + 1));
  assert.deepEqual(
    h.samples(all[2].seq).map((s) => s.seq),
    [all[3].seq, all[4].seq],
  );
  assert.equal(h.latest()?.seq, all[4].seq);
});

void test('the pool history keeps only the busiest pools when there are too many', () => {
  const pools = Array.from({ length: 10 }, (_, i) => pool(`g.p${i}`, i, i));
  const h = new PoolHistory({ pools: () => pools, poolsPerSampleMax: 3 });
  assert.deepEqual(Object.keys(h.sample().pools).sort(), ['g.p7', 'g.p8', 'g.p9']);
});

void test('the pool history timer starts, samples and stops', async () => {
  const h = new PoolHistory({ pools: () => [pool('a.b', 1)], sampleIntervalMs: 10 });
  h.start();
  await new Promise((r) => setTimeout(r, 100));
  h.stop();
  const n = h.samples().length;
  assert.ok(n >= 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.samples().length, n, 'no samples after stop');
});

void test('static paths stay inside the root and have a known type', () => {
  const root = '/srv/ui';
  assert.equal(staticPath(root, '/index.html'), resolve(root, 'index.html'));
  assert.equal(staticPath(root, '/js/pages/job.js'), join(root, 'js', 'pages', 'job.js'));
  for (const bad of ['/../secret.js', '/js/../../x.js', '/%2e%2e/x.js', '/..%2fx.js', '/js/%2e%2e%2f%2e%2e%2fx.js', '/.env', '/js/.hidden.js', '/x.json', '/js', '/', '/a\\..\\b.js', '/a%00.js', '/%E0%A4%A.js']) {
    assert.equal(staticPath(root, bad), null, bad);
  }
});

void test('the built UI has its entry files next to the compiled module', () => {
  // post-build copies src/web/static to dist/web/static.
  for (const f of ['index.html', 'style.css', 'js/app.js']) assert.ok(existsSync(join(staticRoot(), f)), f);
});

void test('job progress is fetched from the tracker, less often for big statuses, and forgotten when the job ends', async () => {
  let requests = 0;
  let padding = '';
  const server = createServer((_req, res) => {
    requests++;
    res.end(JSON.stringify({ state: 'running', progress: 0.5, maps: { total: 2, succeeded: 1, running: 1 }, reduces: { total: 1, succeeded: 0, running: 0 }, tasks: [{ attempts: [{ state: 'failed' }, { state: 'running' }] }], padding }));
  });
  const port = await listen(server, '127.0.0.1', 0);
  try {
    const cache = new JobProgressCache();
    const job = { jobId: 'job_1', sessionId: 's', name: 'n', user: 'u', pool: 'p', state: 'running', startedAtMs: 0, trackerHttp: `127.0.0.1:${port}` };
    const [p] = await cache.get([job], 1_000);
    assert.deepEqual(p, { state: 'running', progress: 0.5, maps: { total: 2, succeeded: 1, running: 1 }, reduces: { total: 1, succeeded: 0, running: 0 }, failedAttempts: 1 });
    await cache.get([job], 2_000);
    assert.equal(requests, 2, 'a small status is fetched every time');

    padding = 'x'.repeat(4 << 20);
    await cache.get([job], 3_000);
    assert.equal(requests, 3);
    await cache.get([job], 4_000);
    assert.equal(requests, 3, 'a big status is not fetched again at once');
    await cache.get([job], 3_000 + progressRefreshMsMax);
    assert.equal(requests, 4, 'but at least every progressRefreshMsMax');

    await cache.get([], 20_000);
    padding = '';
    await cache.get([job], 20_001);
    assert.equal(requests, 5, 'an ended job is forgotten');

    const [none] = await cache.get([{ ...job, jobId: 'job_2', trackerHttp: '' }]);
    assert.equal(none, null, 'no tracker address: no progress');
  } finally {
    server.close();
  }
});
