// The CM's and node agents' /metrics against real Prometheus tools: `promtool check
// metrics` must accept each exposition as is, and a real `prometheus` server scraping
// the cluster every second must see every target up. Skipped when the Debian
// `prometheus` package (promtool, prometheus) is not installed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, testCluster } from '../testing/fixtures.js';
import type { LocalCluster } from '../local/local-cluster.js';

const promtool = '/usr/bin/promtool';
const prometheus = '/usr/bin/prometheus';
const noPromtool = existsSync(promtool) ? false : `promtool is not installed at ${promtool} (apt-get install prometheus); skipped`;
const noPrometheus = existsSync(prometheus) ? false : `prometheus is not installed at ${prometheus} (apt-get install prometheus); skipped`;
/** Attempts to start prometheus on a free port (another process may take the port first). */
const prometheusStartAttemptsMax = 3;
const stopGraceMs = 5_000;

let cluster: LocalCluster;

before(async () => {
  cluster = await testCluster();
  await cluster.waitForNodes(2);
});

after(async () => {
  await cluster?.stop();
});

function targets(): Array<{ name: string; http: string }> {
  return [{ name: 'cluster-manager', http: cluster.httpAddress }, ...cluster.agents.map((a) => ({ name: a.name, http: a.httpAddress }))];
}

void test('promtool accepts the /metrics of the CM and of each node agent', { skip: noPromtool }, async () => {
  for (const t of targets()) {
    const res = await fetch(`http://${t.http}/metrics`);
    assert.equal(res.status, 200, t.name);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/, t.name);
    const text = await res.text();
    assert.ok(text.includes('# TYPE '), `${t.name}: no metric families`);
    const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `promtool check metrics on ${t.name}'s /metrics:\n${r.stdout}${r.stderr}`);
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => p.kill('SIGKILL'), stopGraceMs);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

interface QueryResult {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

void test('a real Prometheus server scrapes the CM and the node agents: up == 1 for each', { skip: noPrometheus }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coronet-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  const agents = cluster.agents.map((a) => `'${a.httpAddress}'`).join(', ');
  writeFileSync(
    config,
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: coronet-cluster-manager
    static_configs:
      - targets: ['${cluster.httpAddress}']
  - job_name: coronet-node-agents
    static_configs:
      - targets: [${agents}]
`,
  );
  let server: ChildProcess | undefined;
  let log = '';
  try {
    let api = '';
    for (let attempt = 1; attempt <= prometheusStartAttemptsMax && !api; attempt++) {
      const port = await freePort();
      log = '';
      const p = spawn(prometheus, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout!.on('data', (d: Buffer) => (log += d.toString()));
      p.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      server = p;
      const ready = await eventually(
        'prometheus to be ready',
        async () => {
          if (p.exitCode !== null) return 'exited';
          const r = await fetch(`http://127.0.0.1:${port}/-/ready`);
          return r.ok ? 'ready' : null;
        },
        60_000,
        200,
      ).catch((err: Error) => `not ready: ${err.message}`);
      if (ready === 'ready') api = `http://127.0.0.1:${port}`;
      else await stop(p);
    }
    assert.ok(api, `prometheus did not start:\n${log.slice(-4000)}`);
    const expected = targets().length;
    const up = await eventually(
      `up == 1 for all ${expected} targets`,
      async () => {
        const r = (await (await fetch(`${api}/api/v1/query?query=up`)).json()) as QueryResult;
        const rows = r.data.result;
        return rows.length === expected && rows.every((x) => x.value[1] === '1') ? rows : null;
      },
      60_000,
      500,
    );
    const instances = up.map((x) => x.metric.instance).sort();
    assert.deepEqual(instances, targets().map((t) => t.http).sort());
    // The CM's own numbers made it through: two nodes alive.
    const alive = (await (await fetch(`${api}/api/v1/query?query=${encodeURIComponent('coronet_nodes{state="alive"}')}`)).json()) as QueryResult;
    assert.equal(alive.data.result[0]?.value[1], '2', JSON.stringify(alive));
  } finally {
    if (server) await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
});
