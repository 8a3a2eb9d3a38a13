// Work-preserving CM restarts: the cluster manager is SIGKILLed and restarted again
// and again while a job runs. The job must finish correctly and no task that had
// completed may run again.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, getJson, testCluster } from '../testing/fixtures.js';
import type { LocalCluster } from '../local/local-cluster.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(dist, 'cli', 'main.js');
const restarts = 20;

/** Waits until a job's session runs with a grant (the client is past StartSession, which is not retried). */
async function jobSessionStarted(cluster: LocalCluster): Promise<void> {
  await eventually('a running job session with grants', async () => {
    const s = await getJson<{ sessions: Array<{ state: string; kind: string; grants: number }> }>(`http://${cluster.httpAddress}/api/v1/sessions`);
    return s.sessions.some((x) => x.state === 'running' && x.kind === 'mapreduce' && x.grants > 0);
  }, 60_000);
}

describe('cluster manager restarts', () => {
  let cluster: LocalCluster;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coronet-recovery-'));
    cluster = await testCluster({ nodes: 2, vcoresPerNode: 3, cm: { recoveryTimeoutMs: 15_000, sessionExpiryMs: 30_000, nodeExpiryMs: 30_000 } });
  });
  after(async () => {
    await cluster?.stop();
  });

  test(`a job survives ${restarts} SIGKILLs of the CM; completed tasks never run again`, async () => {
    const input = join(dir, 'in.txt');
    const lines = Array.from({ length: 4000 }, (_, i) => `w${i % 50} x${i % 7}`);
    writeFileSync(input, lines.join('\n') + '\n');
    const mapreduce = join(dist, 'mapreduce', 'index.js');
    const mod = join(dir, 'slow.mjs');
    writeFileSync(
      mod,
      `import { defineJob, utf8, number, textInput } from ${JSON.stringify(mapreduce)};
import { existsSync } from 'node:fs';
const release = ${JSON.stringify(join(dir, 'release'))};
export default defineJob({ input: textInput(), codecs: { key: utf8, value: number }, reducers: 2,
  map(_k, line, ctx) { for (const t of line.split(' ')) ctx.emit(t, 1); },
  // Even maps finish during the restarts; odd ones wait until the test has done them all.
  async mapCleanup(ctx) {
    if (Number(ctx.taskId.slice(2)) % 2 === 0) await new Promise((r) => setTimeout(r, 1500));
    else while (!existsSync(release)) await new Promise((r) => setTimeout(r, 200));
  },
  reduce(k, vs, ctx) { let n = 0; for (const v of vs) n += v; ctx.emit(k, n); } });\n`,
    );
    const out = join(dir, 'out');
    const job = new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [cli, 'run', mod, '--input', input, '--output', out, '-D', 'coronet.split.minsize=256', '-D', 'coronet.split.maxsize=900', '-D', 'coronet.map.memory.mb=128', '-D', 'coronet.reduce.memory.mb=128', '-D', 'coronet.speculative=false'], { env: { ...process.env, CORONET_CLUSTER: cluster.cmAddress } });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (status) => resolve({ status, stderr }));
    });
    let finished = false;
    void job.then(() => (finished = true));
    let done = 0;
    await jobSessionStarted(cluster);
    while (done < restarts && !finished) {
      await cluster.restartCm({ signal: 'SIGKILL' });
      done++;
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 700)));
    }
    writeFileSync(join(dir, 'release'), '');
    const r = await job;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(done, restarts, `the CM was restarted ${done} times while the job ran`);
    // Correct output.
    const counts = new Map<string, number>();
    for (const f of readdirSync(out).filter((n) => n.startsWith('part-'))) for (const l of readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean)) counts.set(l.split('\t')[0], Number(l.split('\t')[1]));
    assert.equal(counts.get('w0'), 80);
    assert.equal(counts.get('x0'), Math.ceil(4000 / 7));
    // No completed task ran again: one succeeded attempt per task, none after it.
    const jobId = r.stderr.match(/job (job_\S+) succeeded/)![1];
    const h = await getJson<{ tasks: Array<{ id: string; attempts: Array<{ id: string; state: string; startMs: number; endMs: number }> }> }>(`http://${cluster.httpAddress}/api/v1/history/${jobId}`);
    let attempts = 0;
    for (const t of h.tasks) {
      attempts += t.attempts.length;
      const ok = t.attempts.filter((a) => a.state === 'succeeded');
      assert.equal(ok.length, 1, `task ${t.id}: ${JSON.stringify(t.attempts)}`);
      for (const a of t.attempts) assert.ok(a === ok[0] || a.startMs <= ok[0].endMs, `task ${t.id} ran again after it completed`);
    }
    process.stderr.write(`# CM restarts: ${done}; tasks: ${h.tasks.length}; attempts: ${attempts}\n`);
  });

  test('a job rides through a 70 s CM outage', async () => {
    const input = join(dir, 'outage-in.txt');
    writeFileSync(input, Array.from({ length: 2000 }, (_, i) => `v${i % 20}`).join('\n') + '\n');
    const out = join(dir, 'outage-out');
    const job = new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [cli, 'run', 'wordcount', '--input', input, '--output', out, '-D', 'coronet.split.minsize=256', '-D', 'coronet.split.maxsize=2000', '-D', 'coronet.map.memory.mb=128', '-D', 'coronet.reduce.memory.mb=128'], { env: { ...process.env, CORONET_CLUSTER: cluster.cmAddress } });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (status) => resolve({ status, stderr }));
    });
    await jobSessionStarted(cluster);
    await cluster.restartCm({ signal: 'SIGKILL', downMs: 70_000 });
    const r = await job;
    assert.equal(r.status, 0, r.stderr);
    const counts = new Map<string, number>();
    for (const f of readdirSync(out).filter((n) => n.startsWith('part-'))) for (const l of readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean)) counts.set(l.split('\t')[0], Number(l.split('\t')[1]));
    assert.equal(counts.get('v0'), 100);
  });
});
