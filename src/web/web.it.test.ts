// The web UI in a real browser against a real cluster: a CM and two node agents as
// processes, a finished wordcount, a job whose map throws, and a job that stays
// running. Debian's Chromium is driven with playwright-core; every page is loaded,
// the content that matters is asserted, and a screenshot is saved to test-artifacts/.
// Without /usr/bin/chromium the browser part is skipped (the REST/SSE checks still run).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { PoolInfo } from '../scheduler/types.js';
import { eventually, getJson } from '../testing/fixtures.js';
import { chromiumArgs, chromiumPath, ensureArtifactsDir, startWebCluster, type JobStatusJson, type WebCluster } from './web-fixtures.js';

const haveChromium = existsSync(chromiumPath);
const noBrowser = haveChromium ? false : `Chromium is not installed at ${chromiumPath} (apt-get install chromium); browser checks skipped`;
/** Generous: the machine running the tests may be slow and busy. */
const uiTimeoutMs = 30_000;

let wc: WebCluster;
let browser: Browser | undefined;
let page: Page;
let shots = '';
/** Uncaught exceptions in the page: there must be none. */
const pageErrors: string[] = [];

before(async () => {
  wc = await startWebCluster();
  if (haveChromium) {
    shots = ensureArtifactsDir();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message));
  }
});

after(async () => {
  await browser?.close();
  await wc?.stop();
});

async function open(hash: string): Promise<void> {
  await page.goto(`${wc.http}/${hash}`);
  await page.locator('#live.ok').waitFor({ timeout: uiTimeoutMs });
}

async function shot(name: string): Promise<void> {
  // Away from the menu, so no hover state shows.
  await page.mouse.move(700, 880);
  await page.screenshot({ path: join(shots, `web-${name}.png`), fullPage: true });
}

/** GET with a raw path (no URL normalization), for path-traversal probes. */
function rawGet(hostPort: string, path: string): Promise<number> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

void test('the CM serves the UI, its static files and nothing outside them', async () => {
  const index = await fetch(`${wc.http}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await index.text(), /<script type="module" src="\/static\/js\/app.js">/);
  const js = await fetch(`${wc.http}/static/js/app.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  await js.arrayBuffer();
  for (const p of ['/static/../../cluster-manager/daemon.js', '/static/%2e%2e/%2e%2e/cluster-manager/daemon.js', '/static/..%2f..%2fcluster-manager%2fdaemon.js', '/static/js/../../../web/routes.js', '/static/.hidden.js', '/static/js']) {
    assert.equal(await rawGet(wc.cluster.httpAddress, p), 404, p);
  }
});

void test('the event stream pushes snapshots with the cluster, pools, nodes and running jobs', async () => {
  const ac = new AbortController();
  const res = await fetch(`${wc.http}/api/v1/events?job=${wc.running.jobId}`, { signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  try {
    while (events.filter((e) => e.event === 'snapshot').length < 2 || !events.some((e) => e.event === 'job')) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended');
      text += Buffer.from(value).toString();
      let i;
      while ((i = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, i);
        text = text.slice(i + 2);
        const ev = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (ev && data) events.push({ event: ev, data: JSON.parse(data) as Record<string, unknown> });
      }
    }
  } finally {
    ac.abort();
  }
  const snap = events.find((e) => e.event === 'snapshot')!.data as { cluster: { nodesAlive: number }; pools: Array<{ name: string }>; nodes: unknown[]; jobs: Array<{ jobId: string; tracker: { maps: { succeeded: number } } | null }> };
  assert.equal(snap.cluster.nodesAlive, 2);
  assert.equal(snap.nodes.length, 2);
  assert.ok(snap.pools.some((p) => p.name === 'prod.etl'), JSON.stringify(snap.pools.map((p) => p.name)));
  const job = snap.jobs.find((j) => j.jobId === wc.running.jobId);
  assert.ok(job, 'the running job is in the snapshot');
  const detail = events.find((e) => e.event === 'job')!.data as unknown as JobStatusJson & { live: boolean };
  assert.equal(detail.jobId, wc.running.jobId);
  assert.equal(detail.live, true);
  assert.equal(detail.maps.total, 3);
});

void test('the pool history holds samples of granted, fair share, min share and demand', async () => {
  const body = await eventually(
    'a pool-history sample showing prod.etl with grants',
    async () => {
      const b = await getJson<{ sampleIntervalMs: number; samples: Array<{ t: number; seq: number; pools: Record<string, { granted: { vcores: number }; minShare: { vcores: number; memoryMb: number }; fairShare: { vcores: number }; demand: { vcores: number } }> }> }>(`${wc.http}/api/v1/pools/history`);
      return b.samples.some((s) => (s.pools['prod.etl']?.granted.vcores ?? 0) > 0) ? b : null;
    },
    uiTimeoutMs,
    250,
  );
  const s = body.samples.at(-1)!;
  assert.deepEqual(s.pools['prod.etl'].minShare, { vcores: 2, memoryMb: 2048 });
  for (let i = 1; i < body.samples.length; i++) assert.ok(body.samples[i].seq > body.samples[i - 1].seq && body.samples[i].t >= body.samples[i - 1].t);
  const after = await getJson<{ samples: unknown[] }>(`${wc.http}/api/v1/pools/history?after=${s.seq}`);
  assert.ok(after.samples.every((x) => (x as { seq: number }).seq > s.seq));
});

void test('overview: nodes up, capacity vs granted, the running job with progress', { skip: noBrowser }, async () => {
  await open('#/');
  assert.equal((await page.getByTestId('nodes-up').locator('.stat-value').textContent())?.trim(), '2');
  assert.equal((await page.getByTestId('nodes-lost').locator('.stat-value').textContent())?.trim(), '0');
  await page.getByTestId('cap-vcores').waitFor();
  assert.match((await page.getByTestId('cap-vcores').textContent()) ?? '', /of 8/);
  assert.match((await page.getByTestId('cap-memory').textContent()) ?? '', /of 8 GB/);
  const row = page.getByTestId('overview-jobs').locator(`tr[data-job="${wc.running.jobId}"]`);
  await row.waitFor({ timeout: uiTimeoutMs });
  assert.match((await row.textContent()) ?? '', /sleepy-job/);
  await shot('overview');
});

void test('pools: rows with shares, and a live chart per pool', { skip: noBrowser }, async () => {
  await open('#/pools');
  const etl = page.locator('tr[data-pool="prod.etl"]');
  await etl.waitFor({ timeout: uiTimeoutMs });
  await page.locator('tr[data-pool="research.adhoc"]').waitFor({ timeout: uiTimeoutMs });
  // fair share, min share columns: min share of prod.etl is 2 vcores.
  const cells = await etl.locator('td').allTextContents();
  assert.equal(cells[3], '2', `min share cell: ${JSON.stringify(cells)}`);
  // The chart draws granted, fair share and min share lines from the sampled history.
  const chart = page.locator('[data-pool-chart="prod.etl"]');
  // (A flat line has an empty bounding box, so "attached", not "visible".)
  for (const series of ['s-granted', 's-fair', 's-min', 's-demand']) {
    await chart.locator(`path.line.${series}`).waitFor({ state: 'attached', timeout: uiTimeoutMs });
  }
  // A few samples in, the granted line has several points and sits above zero.
  await eventually('the granted line to have several points', async () => ((await chart.locator('path.line.s-granted').getAttribute('d')) ?? '').split('L').length >= 3, uiTimeoutMs, 250);
  await page.locator('.toggle button[data-resource="memory"]').click();
  assert.match((await etl.locator('td').nth(3).textContent()) ?? '', /2 GB/);
  await page.locator('.toggle button[data-resource="vcores"]').click();
  await shot('pools');
});

void test('jobs: the running job with its progress bar', { skip: noBrowser }, async () => {
  await open('#/jobs');
  const bar = page.getByTestId(`progress-${wc.running.jobId}`);
  await bar.waitFor({ timeout: uiTimeoutMs });
  // 2 of 3 maps done, 0 of 1 reduce: 50%.
  assert.equal(await bar.getAttribute('aria-valuenow'), '50');
  const row = page.locator(`[data-testid="jobs"] tr[data-job="${wc.running.jobId}"]`);
  assert.match((await row.textContent()) ?? '', /2\/3 \(1 running\)/);
  await shot('jobs');
});

void test('job page (running): timeline bars per attempt, colored by state', { skip: noBrowser }, async () => {
  await open(`#/jobs/${wc.running.jobId}`);
  const timeline = page.getByTestId('timeline');
  await timeline.waitFor({ timeout: uiTimeoutMs });
  assert.ok((await timeline.locator('rect.bar.st-succeeded').count()) >= 2);
  assert.ok((await timeline.locator('rect.bar.st-running').count()) >= 1);
  assert.equal(await page.getByTestId('job-state').textContent(), 'running');
  assert.equal(await page.getByTestId('job-progress').getAttribute('aria-valuenow'), '50');
  await page.locator('[data-testid="map-tasks"] tr[data-task="m-00002"]').waitFor();
  assert.equal(await page.locator('tr[data-counter="sleepy/lines seen"] td.num').textContent(), '2');
  await shot('job-running');
});

void test('job page (finished): counters and task tables from history', { skip: noBrowser }, async () => {
  const id = wc.finished.jobId;
  await open(`#/jobs/${id}`);
  await page.getByTestId('counters').waitFor({ timeout: uiTimeoutMs });
  assert.equal(await page.getByTestId('job-state').textContent(), 'succeeded');
  const expect = wc.finished.counters.mapreduce.MAP_INPUT_RECORDS;
  assert.equal(expect, 3);
  assert.equal(await page.locator('tr[data-counter="mapreduce/MAP_INPUT_RECORDS"] td.num').textContent(), '3');
  assert.equal(await page.locator('[data-testid="map-tasks"] tbody tr').count(), wc.finished.maps.total);
  assert.equal(await page.locator('[data-testid="reduce-tasks"] tbody tr').count(), wc.finished.reduces.total);
  assert.equal(await page.getByTestId('job-progress').getAttribute('aria-valuenow'), '100');
  await shot('job-finished');
});

void test('job page (failed): failed attempts with diagnostics and links to container logs', { skip: noBrowser }, async () => {
  const id = wc.failed.jobId;
  await open(`#/jobs/${id}`);
  const failures = page.getByTestId('failures');
  await failures.waitFor({ timeout: uiTimeoutMs });
  assert.equal(await page.getByTestId('job-state').textContent(), 'failed');
  const failedAttempts = wc.failed.tasks.flatMap((t) => t.attempts).filter((a) => a.state === 'failed');
  assert.equal(failedAttempts.length, 1);
  assert.equal(await failures.locator('tbody tr').count(), 1);
  assert.match((await failures.textContent()) ?? '', /bad record: the line says "this line goes boom"/);
  assert.match((await page.getByTestId('job-diagnostics').textContent()) ?? '', /boom|m-0000/);
  assert.equal(await page.getByTestId('timeline').locator('rect.bar.st-failed').count(), 1);
  const a = failedAttempts[0];
  const href = await failures.locator(`tr[data-failed-attempt="${a.id}"] a`, { hasText: 'stderr' }).getAttribute('href');
  assert.equal(href, `http://${a.shuffleAddress}/containers/${a.containerId}/stderr`);
  // The link works: the node agent serves the container's log.
  const log = await fetch(href);
  assert.equal(log.status, 200);
  assert.match(await log.text(), /about to fail on a boom line/);
  await shot('job-failed');
});

void test('nodes: both agents alive with their capacity', { skip: noBrowser }, async () => {
  await open('#/nodes');
  const rows = page.locator('[data-testid="nodes"] tbody tr');
  await rows.first().waitFor({ timeout: uiTimeoutMs });
  assert.equal(await rows.count(), 2);
  for (const name of ['node-1', 'node-2']) {
    const text = (await page.locator(`tr[data-node="${name}"]`).textContent()) ?? '';
    assert.match(text, /alive/);
    assert.match(text, /\/ 4/);
    assert.match(text, /\/ 4 GB/);
  }
  await shot('nodes');
});

void test('history: search and filters by user, state and text', { skip: noBrowser }, async () => {
  await open('#/history');
  const table = page.getByTestId('history');
  await table.locator(`tr[data-job="${wc.finished.jobId}"]`).waitFor({ timeout: uiTimeoutMs });
  await table.locator(`tr[data-job="${wc.failed.jobId}"]`).waitFor({ timeout: uiTimeoutMs });
  await shot('history');

  await page.getByTestId('history-q').fill('boom');
  await eventually('the search to keep only the failed job', async () => (await page.locator('[data-testid="history"] tbody tr').count()) === 1 && (await page.locator(`tr[data-job="${wc.failed.jobId}"]`).count()) === 1, uiTimeoutMs);
  await page.getByTestId('history-q').fill('');
  await page.getByTestId('history-state').selectOption('succeeded');
  await eventually('the state filter to keep only the finished job', async () => (await page.locator('[data-testid="history"] tbody tr').count()) === 1 && (await page.locator(`tr[data-job="${wc.finished.jobId}"]`).count()) === 1, uiTimeoutMs);
  await page.getByTestId('history-state').selectOption('');
  await page.getByTestId('history-user').fill(`${wc.finished.user}-nobody`);
  await page.getByTestId('history').filter({ hasText: 'No finished job matches.' }).waitFor({ timeout: uiTimeoutMs });
  await page.getByTestId('history-user').fill(wc.finished.user);
  await eventually('the user filter to show both jobs', async () => (await page.locator('[data-testid="history"] tbody tr').count()) === 2, uiTimeoutMs);
  assert.match(page.url(), new RegExp(`#/history\\?user=${wc.finished.user}`));
});

void test('live updates: a killed job leaves the jobs page and appears in history without a reload', { skip: noBrowser }, async () => {
  await open('#/jobs');
  await page.locator(`[data-testid="jobs"] tr[data-job="${wc.running.jobId}"]`).waitFor({ timeout: uiTimeoutMs });
  const marker = await page.evaluate(() => ((globalThis as unknown as { __noReload: number }).__noReload = Date.now()));
  const r = await fetch(`${wc.http}/api/v1/jobs/${wc.running.jobId}/kill`, { method: 'POST' });
  assert.equal(r.status, 200);
  await page.locator('p[data-testid="jobs"]', { hasText: 'No job is running.' }).waitFor({ timeout: uiTimeoutMs });
  await page.locator('#nav a[data-page="history"]').click();
  await page.locator(`[data-testid="history"] tr[data-job="${wc.running.jobId}"]`).waitFor({ timeout: uiTimeoutMs });
  assert.match((await page.locator(`[data-testid="history"] tr[data-job="${wc.running.jobId}"]`).textContent()) ?? '', /killed/);
  assert.equal(await page.evaluate(() => (globalThis as unknown as { __noReload: number }).__noReload), marker, 'the page was not reloaded');
});

void test('a starving pool is marked on the overview and the pools page', { skip: noBrowser }, async () => {
  // research.adhoc takes every vcore with maps that never finish; then prod.etl (min share 2 vcores) wants some.
  await wc.startSleepy('hog', 'research.adhoc', 8);
  await eventually('research.adhoc to hold all 8 vcores', async () => (await getJson<{ pools: PoolInfo[] }>(`${wc.http}/api/v1/pools`)).pools.find((p) => p.name === 'research.adhoc')?.granted.vcores === 8, 60_000, 250);
  await wc.startSleepy('needy', 'prod.etl', 2);
  await eventually('prod.etl to be starving', async () => (await getJson<{ pools: PoolInfo[] }>(`${wc.http}/api/v1/pools`)).pools.find((p) => p.name === 'prod.etl')?.starvingSinceMs !== null, 60_000, 250);

  await open('#/');
  await page.locator('[data-testid="starving-count"].bad .stat-value', { hasText: '1' }).waitFor({ timeout: uiTimeoutMs });
  await page.locator('[data-testid="overview-pools"] .badge.st-starving').waitFor({ timeout: uiTimeoutMs });
  await shot('overview-starving');

  await open('#/pools');
  const row = page.locator('tr[data-pool="prod.etl"].row-bad');
  await row.waitFor({ timeout: uiTimeoutMs });
  assert.match((await row.textContent()) ?? '', /starving/);
  assert.match((await page.locator('tr[data-pool="research.adhoc"]').textContent()) ?? '', /8 granted/);
  // The chart shades the starving period once a sample has seen it.
  await page.locator('[data-pool-chart="prod.etl"].starving rect.band-starving').first().waitFor({ state: 'attached', timeout: uiTimeoutMs });
  await shot('pools-starving');
});

void test('a lost node is counted and listed on the overview and the nodes page', { skip: noBrowser }, async () => {
  // A third agent that never runs a container (no job is left running), then killed.
  await wc.killJobs();
  await eventually('no session left', async () => (await getJson<{ sessions: Array<{ state: string }> }>(`${wc.http}/api/v1/sessions`)).sessions.every((x) => x.state === 'ended'), 60_000, 250);
  const agent = await wc.cluster.addAgent('node-3');
  await wc.cluster.waitForNodes(3);
  await open('#/');
  await page.locator('[data-testid="nodes-up"] .stat-value', { hasText: '3' }).waitFor({ timeout: uiTimeoutMs });
  agent.process.kill('SIGKILL');
  await page.locator('[data-testid="nodes-lost"].bad .stat-value', { hasText: '1' }).waitFor({ timeout: uiTimeoutMs });
  const row = page.locator('[data-testid="troubled-nodes"] tr[data-node="node-3"]');
  await row.waitFor({ timeout: uiTimeoutMs });
  assert.match((await row.textContent()) ?? '', /lost/);
  assert.equal((await page.getByTestId('nodes-up').locator('.stat-value').textContent())?.trim(), '2');
  await shot('overview-node-lost');
  await open('#/nodes');
  const first = page.locator('[data-testid="nodes"] tbody tr').first();
  assert.equal(await first.getAttribute('data-node'), 'node-3', 'lost nodes are listed first');
  assert.match((await first.textContent()) ?? '', /lost/);
  await shot('nodes-lost');
});

void test('no page threw an uncaught exception', { skip: noBrowser }, () => {
  assert.deepEqual(pageErrors, []);
});
