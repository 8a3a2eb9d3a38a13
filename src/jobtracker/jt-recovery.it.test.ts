// Job tracker recovery on real processes: a remote job tracker is SIGKILLed mid-job;
// the CM starts its next attempt, which resumes from the checkpoint — completed tasks
// are not run again and the output is right. With max attempts used up, the job fails
// with the reason on record.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, getJson, runCli, testCluster } from '../testing/fixtures.js';
import type { LocalCluster } from '../local/local-cluster.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');

interface TaskView {
  id: string;
  state: string;
  attempts: Array<{ id: string; state: string; startMs: number; endMs: number; diagnostics: string }>;
}

/** Pids of the job tracker processes of a job (`coronet jobtracker --submission …/JOB/…`). */
function trackerPids(jobId: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `jobtracker --submission .*${jobId}`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('job tracker recovery', () => {
  let cluster: LocalCluster;
  let dir: string;
  let mod: string;
  let input: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coronet-jt-recovery-'));
    // Logs stay in dir/cluster/logs for a post-mortem.
    cluster = await testCluster({ nodes: 2, vcoresPerNode: 3, baseDir: join(dir, 'cluster') });
    input = join(dir, 'in.txt');
    writeFileSync(input, Array.from({ length: 3000 }, (_, i) => `w${i % 40} y${i % 3}`).join('\n') + '\n');
    mod = join(dir, 'held.mjs');
    writeFileSync(
      mod,
      `import { defineJob, utf8, number, textInput } from ${JSON.stringify(join(dist, 'mapreduce', 'index.js'))};
import { existsSync } from 'node:fs';
export default defineJob({ input: textInput(), codecs: { key: utf8, value: number }, reducers: 2,
  map(_k, line, ctx) { for (const t of line.split(' ')) ctx.emit(t, 1); },
  // Even maps finish at once; odd ones wait for the test's release file.
  async mapCleanup(ctx) {
    if (Number(ctx.taskId.slice(2)) % 2 === 0) return;
    while (!existsSync(ctx.config.release)) await new Promise((r) => setTimeout(r, 100));
  },
  reduce(k, vs, ctx) { let n = 0; for (const v of vs) n += v; ctx.emit(k, n); } });\n`,
    );
  });
  after(async () => {
    await cluster?.stop();
  });

  async function submitHeld(name: string, extra: string[]): Promise<{ jobId: string; out: string; release: string }> {
    const out = join(dir, name);
    const release = join(dir, `${name}.release`);
    const r = await runCli(cluster, ['run', mod, '--input', input, '--output', out, '--detach', '-D', `release=${release}`, '-D', 'coronet.split.minsize=256', '-D', 'coronet.split.maxsize=4000', '-D', 'coronet.map.memory.mb=128', '-D', 'coronet.reduce.memory.mb=128', '-D', 'coronet.jobtracker.memory.mb=128', '-D', 'coronet.speculative=false', ...extra]);
    assert.equal(r.status, 0, r.stderr);
    return { jobId: r.stdout.trim(), out, release };
  }

  async function killTrackerWhenEvenMapsDone(jobId: string): Promise<TaskView[]> {
    const tasks = await eventually('even maps done', async () => {
      const st = await getJson<{ tasks?: TaskView[] }>(`http://${cluster.httpAddress}/api/v1/jobs/${jobId}`);
      const maps = (st.tasks ?? []).filter((t) => t.id.startsWith('m-'));
      const even = maps.filter((t) => Number(t.id.slice(2)) % 2 === 0);
      assert.ok(maps.length >= 4 && even.every((t) => t.state === 'succeeded'), 'even maps not done yet');
      return st.tasks!;
    }, 60_000);
    const pids = await eventually('one job tracker process', () => {
      const p = trackerPids(jobId);
      assert.equal(p.length, 1, `job tracker processes: ${p.join(',')}`);
      return p;
    });
    process.kill(pids[0], 'SIGKILL');
    return tasks;
  }

  test('a SIGKILLed remote job tracker is restarted by the CM and resumes: done tasks are not run again', async () => {
    const { jobId, out, release } = await submitHeld('out-resume', []);
    const before = await killTrackerWhenEvenMapsDone(jobId);
    const doneBefore = before.filter((t) => t.state === 'succeeded').map((t) => t.id);
    // The CM notices the dead container and starts attempt 2.
    await eventually('job tracker attempt 2', async () => {
      const s = await getJson<{ sessions: Array<{ tags: Record<string, string>; state: string }> }>(`http://${cluster.httpAddress}/api/v1/sessions`);
      assert.equal(s.sessions.find((x) => x.tags.jobId === jobId)?.tags.driverAttempt, '2', JSON.stringify(s.sessions.map((x) => [x.tags, x.state])));
      return true;
    }, 60_000);
    writeFileSync(release, '');
    const a = await runCli(cluster, ['job', 'attach', jobId]);
    assert.equal(a.status, 0, a.stderr);
    // Right output.
    const counts = new Map<string, number>();
    for (const f of readdirSync(out).filter((n) => n.startsWith('part-'))) for (const l of readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean)) counts.set(l.split('\t')[0], Number(l.split('\t')[1]));
    assert.equal(counts.get('w0'), 75);
    assert.equal(counts.get('y0'), 1000);
    assert.deepEqual(readdirSync(out).sort(), ['_SUCCESS', 'part-r-00000', 'part-r-00001']);
    // Tasks done before the kill kept their first attempt's result; nothing ran twice.
    // The job tracker files its report as the job ends; attach may return a moment before it is in.
    const h = await eventually('the job in history', () => getJson<{ tasks: TaskView[] }>(`http://${cluster.httpAddress}/api/v1/history/${jobId}`));
    for (const t of h.tasks) {
      const ok = t.attempts.filter((x) => x.state === 'succeeded');
      assert.equal(ok.length, 1, `task ${t.id}: ${JSON.stringify(t.attempts)}`);
      if (doneBefore.includes(t.id)) {
        assert.equal(t.attempts.length, 1, `task ${t.id} ran again: ${JSON.stringify(t.attempts)}`);
        assert.match(ok[0].diagnostics, /earlier job tracker attempt/);
      }
    }
    assert.ok(doneBefore.length >= 2, `tasks done before the kill: ${doneBefore.join(',')}`);
    process.stderr.write(`# JT killed with ${doneBefore.length} of ${h.tasks.length} tasks done; attempts after: ${h.tasks.reduce((n, t) => n + t.attempts.length, 0)}\n`);
  });

  test('with its attempts used up the job fails and says why', async () => {
    const { jobId, release } = await submitHeld('out-fail', ['-D', 'coronet.jobtracker.maxattempts=1']);
    await killTrackerWhenEvenMapsDone(jobId);
    const a = await runCli(cluster, ['job', 'attach', jobId]);
    writeFileSync(release, '');
    assert.equal(a.status, 1, a.stderr);
    assert.match(a.stderr, /failed.*driver failed 1 time/);
  });
});
