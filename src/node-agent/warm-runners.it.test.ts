// Warm runners on real daemons: a container that runs a Node script of this install
// starts in a pre-warmed process and gets everything a spawned one gets (environment,
// cwd, argv, log files, memory limit, kill at session end); the pool refills; idle warm
// runners die with their agent. The rules of which containers fit are checked on the
// pool itself.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SessionDriver } from '../session-driver/index.js';
import { resources } from '../common/resources.js';
import { silentLogger } from '../common/log.js';
import { submitJob } from '../jobtracker/submit.js';
import { eventually, grantOf, takeUntil, testCluster } from '../testing/fixtures.js';
import type { LocalCluster, LocalDaemon } from '../local/local-cluster.js';
import { WarmRunnerPool } from './warm-runners.js';
import { detectCgroups } from './cgroups.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const probe = join(dist, 'testing', 'warm-probe.js');

async function metric(agent: LocalDaemon, name: string): Promise<number> {
  const text = await (await fetch(`http://${agent.httpAddress}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  if (!m) throw new Error(`no metric ${name} on ${agent.name}`);
  return Number(m[1]);
}

/** Pids of the agent's warm runners (its children running warm-runner.js). */
function warmPids(agent: LocalDaemon): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
      if (cmdline.includes('warm-runner.js') && ppid === agent.process.pid) pids.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** A describe's 1-node cluster whose agent keeps one warm runner: started (and handed to
 *  `set` once the runner is ready) before its tests, stopped (the one `get` gives) after. */
function warmClusterHooks(set: (c: { cluster: LocalCluster; agent: LocalDaemon }) => void, get: () => LocalCluster | undefined): void {
  before(async () => {
    const cluster = await testCluster({ nodes: 1, warmRunners: 1 });
    const agent = cluster.agents[0];
    await eventually('a warm runner ready', async () => (await metric(agent, 'coronet_warm_runners_ready')) === 1);
    set({ cluster, agent });
  });
  after(async () => {
    await get()?.stop();
  });
}

describe('warm runners on a 1-node cluster', () => {
  let cluster: LocalCluster;
  let agent: LocalDaemon;
  warmClusterHooks((c) => ({ cluster, agent } = c), () => cluster);

  test("a container runs in a warm runner with the container's env, cwd, argv and log files", async () => {
    const before = warmPids(agent);
    assert.equal(before.length, 1);
    const launchedWarm = await metric(agent, 'coronet_containers_launched_warm');
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'warm-report' });
    const events = driver.events()[Symbol.asyncIterator]();
    await driver.request([{ resources: resources(256, 1) }]);
    const g = grantOf(await takeUntil(events, (e) => e.type === 'grant'));
    const id = await driver.launch(g, { command: process.execPath, args: [probe, 'report', 'two words', ''], env: { PROBE_VAR: 'set by the spec' } });
    const seen = await takeUntil(events, (e) => e.type === 'container' && e.status.containerId === id && e.status.state !== 'RUNNING');
    const last = seen[seen.length - 1];
    assert.ok(last.type === 'container');
    assert.equal(last.status.state, 'EXITED');
    assert.equal(last.status.exitCode, 0);
    assert.equal(await metric(agent, 'coronet_containers_launched_warm'), launchedWarm + 1);
    const out = JSON.parse(await (await fetch(`http://${g.shuffleAddress}/containers/${id}/stdout`)).text()) as { pid: number; cwd: string; argv: string[]; env: Record<string, string>; hasIpc: boolean; nice: number };
    assert.equal(out.pid, before[0], 'the container ran in the warm runner');
    assert.deepEqual(out.argv, [probe, 'report', 'two words', '']);
    assert.equal(out.env.PROBE_VAR, 'set by the spec');
    assert.equal(out.env.CORONET_CONTAINER_ID, id);
    assert.equal(out.env.CORONET_GRANT_ID, g.grantId);
    assert.equal(out.env.CORONET_SESSION_ID, driver.sessionId);
    assert.equal(out.env.CORONET_MEMORY_MB, '256');
    assert.equal(out.cwd, out.env.CORONET_WORK_DIR);
    assert.match(out.cwd, new RegExp(`/containers/${id}$`));
    assert.equal(out.env.NODE_CHANNEL_FD, undefined);
    assert.equal(out.env.CORONET_LOG_FORMAT, undefined);
    assert.equal(out.hasIpc, false, 'no IPC channel, as in a spawned container');
    assert.equal(out.nice, getPriority(agent.process.pid), "the agent's CPU priority, not the warm-up's");
    assert.equal(await (await fetch(`http://${g.shuffleAddress}/containers/${id}/stderr`)).text(), 'probe stderr line\n');
    assert.ok(existsSync(join(cluster.baseDir, agent.name, 'logs', driver.sessionId, id, 'stdout')), 'logs under logs/<session>/<container>/');
    assert.ok(!existsSync(out.cwd), 'the work dir is removed when the container ends');
    await driver.end();
  });

  test('the pool refills after a launch', async () => {
    await eventually('the pool ready again', async () => (await metric(agent, 'coronet_warm_runners_ready')) === 1);
    assert.equal(warmPids(agent).length, 1);
  });

  test("a warm runner's memory limit is enforced", async () => {
    await eventually('a warm runner ready', async () => (await metric(agent, 'coronet_warm_runners_ready')) === 1);
    const launchedWarm = await metric(agent, 'coronet_containers_launched_warm');
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'warm-hog' });
    const events = driver.events()[Symbol.asyncIterator]();
    await driver.request([{ resources: resources(160, 1) }]);
    const g = grantOf(await takeUntil(events, (e) => e.type === 'grant'));
    const id = await driver.launch(g, { command: process.execPath, args: [probe, 'hog'] });
    const seen = await takeUntil(events, (e) => e.type === 'container' && e.status.containerId === id && e.status.state !== 'RUNNING');
    const last = seen[seen.length - 1];
    assert.ok(last.type === 'container');
    assert.equal(last.status.state, 'OVER_LIMIT');
    assert.match(last.status.diagnostics, /over its limit of 160 MB/);
    assert.equal(await metric(agent, 'coronet_containers_launched_warm'), launchedWarm + 1);
    await driver.end();
  });

  test('a warm container is killed when its session ends', async () => {
    await eventually('a warm runner ready', async () => (await metric(agent, 'coronet_warm_runners_ready')) === 1);
    const [warmPid] = warmPids(agent);
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: 'warm-sleeper' });
    const events = driver.events()[Symbol.asyncIterator]();
    await driver.request([{ resources: resources(256, 1) }]);
    const g = grantOf(await takeUntil(events, (e) => e.type === 'grant'));
    const id = await driver.launch(g, { command: process.execPath, args: [probe, 'sleep'] });
    const pid = await eventually('the sleeper printed its pid', async () => Number((await (await fetch(`http://${g.shuffleAddress}/containers/${id}/stdout`)).text()).trim()));
    assert.equal(pid, warmPid);
    assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, ''), `${process.execPath} ${probe} sleep`, 'ps shows the container\'s command line');
    await driver.end();
    await eventually('the container killed', () => !alive(pid), 10_000);
  });

  test('a MapReduce job runs its tasks in warm runners', async () => {
    await eventually('a warm runner ready', async () => (await metric(agent, 'coronet_warm_runners_ready')) === 1);
    const launchedWarm = await metric(agent, 'coronet_containers_launched_warm');
    const dir = mkdtempSync(join(tmpdir(), 'coronet-warm-job-'));
    try {
      writeFileSync(join(dir, 'in.txt'), 'b a b\nc b a\n');
      const s = await submitJob({ cluster: cluster.cmAddress, job: 'wordcount', inputs: [join(dir, 'in.txt')], output: join(dir, 'out'), log: silentLogger, config: { 'coronet.staging.dir': join(dir, 'staging'), 'coronet.map.memory.mb': '256', 'coronet.reduce.memory.mb': '256' } });
      assert.equal(s.mode, 'in-process');
      assert.ok(s.mode === 'in-process' && s.status.state === 'succeeded', s.mode === 'in-process' ? s.status.diagnostics : '');
      assert.equal(readFileSync(join(dir, 'out', 'part-r-00000'), 'utf8'), 'a\t2\nb\t3\nc\t1\n');
      assert.ok((await metric(agent, 'coronet_containers_launched_warm')) > launchedWarm, 'a task runner started in a warm runner');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("idle warm runners exit with their agent (SIGKILL) and are killed at the agent's shutdown", async () => {
    await eventually('a warm runner ready', async () => (await metric(agent, 'coronet_warm_runners_ready')) === 1);
    const orphans = warmPids(agent);
    assert.equal(orphans.length, 1);
    const exited = new Promise((r) => agent.process.once('exit', r));
    agent.process.kill('SIGKILL');
    await exited;
    await eventually('the warm runner of the killed agent gone', () => orphans.every((p) => !alive(p)), 10_000);
    agent = await cluster.addAgent(agent.name);
    await eventually('a warm runner ready on the restarted agent', async () => (await metric(agent, 'coronet_warm_runners_ready')) === 1);
    const idle = warmPids(agent);
    assert.equal(idle.length, 1);
    await cluster.stop();
    await eventually('the warm runner killed at shutdown', () => idle.every((p) => !alive(p)), 10_000);
  });
});

describe('a container process reused for the next container of the same user', () => {
  const entryProbe = join(dist, 'testing', 'entry-probe.js');
  let cluster: LocalCluster;
  let agent: LocalDaemon;
  warmClusterHooks((c) => ({ cluster, agent } = c), () => cluster);

  /** Runs one container of `user` (its own session) to its end: its final status and logs. */
  async function run(user: string, args: string[], env: Record<string, string> = {}, memoryMb = 256) {
    await eventually('a warm runner ready', async () => (await metric(agent, 'coronet_warm_runners_ready')) === 1);
    const driver = await SessionDriver.start({ cluster: cluster.cmAddress, name: `entry-${user}`, user });
    try {
      const events = driver.events()[Symbol.asyncIterator]();
      await driver.request([{ resources: resources(memoryMb, 1) }]);
      const g = grantOf(await takeUntil(events, (e) => e.type === 'grant'));
      const id = await driver.launch(g, { command: process.execPath, args: [entryProbe, ...args], env });
      const seen = await takeUntil(events, (e) => e.type === 'container' && e.status.containerId === id && e.status.state !== 'RUNNING');
      const last = seen[seen.length - 1];
      assert.ok(last.type === 'container');
      const log = async (stream: string) => (await fetch(`http://${g.shuffleAddress}/containers/${id}/${stream}`)).text();
      return { status: last.status, stdout: await log('stdout'), stderr: await log('stderr') };
    } finally {
      await driver.end();
    }
  }

  test("a user's second container runs in the process of the first, as a fresh one would see it; each keeps its own logs", async () => {
    const reused = await metric(agent, 'coronet_containers_launched_reused');
    const [before] = warmPids(agent);
    const first = await run('alice', ['report'], { PROBE: 'one' });
    assert.equal(first.status.state, 'EXITED');
    assert.equal(first.status.exitCode, 0);
    const a = JSON.parse(first.stdout) as { pid: number; runs: number };
    assert.equal(a.pid, before);
    assert.equal(a.runs, 1);
    const second = await run('alice', ['report'], { PROBE: 'two' });
    assert.equal(second.status.exitCode, 0);
    const b = JSON.parse(second.stdout) as { pid: number; runs: number; cwd: string; argv: string[]; env: Record<string, string>; hasIpc: boolean };
    assert.equal(b.pid, a.pid, 'the same process');
    assert.equal(b.runs, 2, 'its entry ran again, without a new import');
    assert.deepEqual(b.argv, [entryProbe, 'report']);
    assert.equal(b.env.PROBE, 'two', "the second container's environment");
    assert.equal(b.env.CORONET_CONTAINER_ID, second.status.containerId);
    assert.equal(b.cwd, b.env.CORONET_WORK_DIR);
    assert.equal(b.hasIpc, false, 'no IPC channel, as in a spawned container');
    assert.equal(second.stderr, 'entry stderr line 2\n', 'its own output only');
    assert.equal(first.stderr, 'entry stderr line 1\n', 'the first container keeps its log');
    assert.equal(JSON.parse(first.stdout).runs, 1);
    assert.equal(await metric(agent, 'coronet_containers_launched_reused'), reused + 1);
    assert.equal(readFileSync(`/proc/${a.pid}/cmdline`, 'utf8').includes('warm-runner.js'), true, 'between containers, ps shows a warm runner again');
  });

  test("a user's next MapReduce jobs run their tasks in the process of the first, with the right output", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coronet-reuse-job-'));
    try {
      writeFileSync(join(dir, 'a.txt'), 'b a b\nc b a\n');
      writeFileSync(join(dir, 'b.txt'), 'x1 y22 x333\nno digits\n');
      const config = { 'coronet.staging.dir': join(dir, 'staging'), 'coronet.map.memory.mb': '256', 'coronet.reduce.memory.mb': '256' };
      const job = async (name: string, input: string, out: string, extra: Record<string, string> = {}) => {
        await eventually('a warm runner ready', async () => (await metric(agent, 'coronet_warm_runners_ready')) === 1);
        const s = await submitJob({ cluster: cluster.cmAddress, job: name, inputs: [join(dir, input)], output: join(dir, out), log: silentLogger, config: { ...config, ...extra } });
        assert.ok(s.mode === 'in-process' && s.status.state === 'succeeded', s.mode === 'in-process' ? s.status.diagnostics : '');
        return readFileSync(join(dir, out, 'part-r-00000'), 'utf8');
      };
      // (The pool holds another user's process from the tests before: this job's is spawned,
      // the next takes a fresh warm runner, and from then on the user's process is reused.)
      assert.equal(await job('wordcount', 'a.txt', 'o0'), 'a\t2\nb\t3\nc\t1\n');
      assert.equal(await job('wordcount', 'a.txt', 'o1'), 'a\t2\nb\t3\nc\t1\n');
      const reused = await metric(agent, 'coronet_containers_launched_reused');
      // Another job module in the same process, then the first again.
      assert.equal(await job('grep', 'b.txt', 'o2', { 'grep.pattern': '[0-9]+' }), '1\t1\n22\t1\n333\t1\n');
      assert.equal(await job('wordcount', 'b.txt', 'o3'), 'digits\t1\nno\t1\nx1\t1\nx333\t1\ny22\t1\n');
      assert.equal(await metric(agent, 'coronet_containers_launched_reused'), reused + 2, 'the later jobs ran in the kept process');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("another user's container never gets that process", async () => {
    const alice = JSON.parse((await run('alice', ['report'])).stdout) as { pid: number };
    const bob = JSON.parse((await run('bob', ['report'])).stdout) as { pid: number };
    assert.notEqual(bob.pid, alice.pid);
  });

  test('a process holding much more than a fresh runner is not given to a container with a small memory limit', async () => {
    await run('dave', ['report']); // (spawned, the pool holding another user's process: a fresh one is there after it)
    const big = Number((await run('dave', ['hold', '120'], {}, 1024)).stdout.trim());
    const small = JSON.parse((await run('dave', ['report'], {}, 256)).stdout) as { pid: number };
    assert.notEqual(small.pid, big, 'a 256 MB container does not get a process holding 120 MB more than a fresh one');
    const large = JSON.parse((await run('dave', ['report'], {}, 1024)).stdout) as { pid: number; runs: number };
    assert.equal(large.pid, big, 'a 1024 MB one does');
    assert.equal(large.runs, 2);
  });

  test('a container that leaves work running, or fails, does not give its process back; its exit code is kept', async () => {
    const leaky = await run('carol', ['leave-timer']);
    assert.equal(leaky.status.exitCode, 0, 'it exits as a spawned entry script would');
    const failing = await run('carol', ['exit-code', '3']);
    assert.equal(failing.status.state, 'EXITED');
    assert.equal(failing.status.exitCode, 3);
    assert.notEqual(Number(failing.stdout.trim()), Number(leaky.stdout.trim()), 'the leaky one was not reused');
    const after = JSON.parse((await run('carol', ['report'])).stdout) as { pid: number; runs: number };
    assert.notEqual(after.pid, Number(failing.stdout.trim()), 'nor the failing one');
    assert.equal(after.runs, 1);
  });
});

describe('which containers a warm runner takes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coronet-warm-pool-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const pool = (availableMb: number) => new WarmRunnerPool({ count: 1, dir: join(dir, 'warm'), warmupModule: '', baseEnv: () => ({ PATH: '/bin', NODE_OPTIONS: '--max-old-space-size=512' }), availableMemoryMb: () => availableMb, log: silentLogger });

  test('node running a script of this install, with the same Node options', async () => {
    const p = pool(0);
    assert.equal(p.fits(process.execPath, [probe, 'x'], { A: 'b' }), true);
    assert.equal(p.fits(process.execPath, [probe], { NODE_OPTIONS: '--max-old-space-size=512' }), true, 'the same Node options as the agent');
    assert.equal(p.fits(process.execPath, [probe], { NODE_OPTIONS: '--inspect' }), false, 'other Node options');
    assert.equal(p.fits(process.execPath, [probe], { UV_THREADPOOL_SIZE: '64' }), false, 'read by Node at start-up only');
    assert.equal(p.fits(process.execPath, ['-e', '1'], {}), false, 'Node flags');
    assert.equal(p.fits(process.execPath, [], {}), false);
    assert.equal(p.fits(process.execPath, ['/tmp/other.js'], {}), false, 'not of this install');
    assert.equal(p.fits(process.execPath, [join(dist, '..', 'outside.js')], {}), false);
    assert.equal(p.fits('sh', [probe], {}), false, 'not Node');
    assert.equal(p.fits(process.execPath, [join(dist, 'testing', 'x.txt')], {}), false, 'not a script');
    await p.close();
  });

  test("a refill waits while the running containers hold all the node's vcores, and starts when one ends", async () => {
    let coresFree = true;
    const warmDir = join(dir, 'warm-gate');
    const p = new WarmRunnerPool({ count: 1, dir: warmDir, warmupModule: '', baseEnv: () => ({ PATH: '/bin' }), availableMemoryMb: () => 1 << 20, coresFree: () => coresFree, log: silentLogger });
    const runnerDirs = () => readdirSync(warmDir).filter((f) => f.startsWith('w-'));
    try {
      p.start();
      await eventually('the warm runner ready', () => p.ready === 1);
      // The container that takes it fills the node.
      coresFree = false;
      const r = p.take('alice', 1024);
      assert.ok(r);
      r.discard();
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(runnerDirs(), [], 'no refill started while the containers hold every vcore');
      p.coresFreed();
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(runnerDirs(), [], 'nor when a container ended that left none free');
      coresFree = true;
      p.coresFreed();
      await eventually('refilled once a vcore is free', () => p.ready === 1);
    } finally {
      await p.close();
    }
  });

  const cgroups = detectCgroups(`warm-test-${process.pid}`, silentLogger);
  test('a warm runner starts in a memory cgroup of its own, which a container can take over with its limit; it goes when the runner does', { skip: cgroups === null && 'no memory cgroups here' }, async () => {
    const p = new WarmRunnerPool({ count: 1, dir: join(dir, 'warm-cgroup'), warmupModule: '', baseEnv: () => ({ PATH: '/bin' }), availableMemoryMb: () => 1 << 20, cgroups, log: silentLogger });
    try {
      p.start();
      await eventually('the warm runner ready', () => p.ready === 1);
      const r = p.take('alice', 1024);
      assert.ok(r && r.cgroup, 'taken, with its cgroup');
      const cgroupDir = dirname(r.cgroup.procsFile);
      assert.match(readFileSync(r.cgroup.procsFile, 'utf8'), new RegExp(`^${r.pid}$`, 'm'), 'the runner is in it');
      const limitFile = join(cgroupDir, existsSync(join(cgroupDir, 'memory.max')) ? 'memory.max' : 'memory.limit_in_bytes');
      const before = readFileSync(limitFile, 'utf8');
      assert.equal(r.cgroup.setLimit(0), false, 'a limit under what the runner holds is refused');
      assert.equal(readFileSync(limitFile, 'utf8'), before, 'and changes nothing');
      assert.equal(r.cgroup.setLimit(1024), true);
      assert.equal(Number(readFileSync(limitFile, 'utf8')), 1280 * 1048576, "the container's limit, with the slack");
      r.discard();
      await eventually('its cgroup removed once it has exited', () => !existsSync(cgroupDir));
      await eventually('the pool refilled', () => p.ready === 1);
      const refill = readdirSync(dirname(cgroupDir)).filter((d) => d.startsWith(`warm-${process.pid}-`));
      assert.equal(refill.length, 1, "the refill's cgroup");
      await p.close();
      assert.equal(existsSync(join(dirname(cgroupDir), refill[0])), false, "close() settles once the runners' cgroups are gone");
    } finally {
      await p.close();
      // This test's agent cgroup (coronet-warm-test-PID), empty now.
      try {
        rmdirSync(join('/sys/fs/cgroup', ...(cgroups!.version === 1 ? ['memory'] : []), `coronet-warm-test-${process.pid}`));
      } catch {
        // Left for an agent's start-up sweep.
      }
    }
  });

  test('none is started while memory is short', async () => {
    const p = pool(100);
    p.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(p.ready, 0);
    assert.deepEqual(existsSync(join(dir, 'warm')) ? readdirSync(join(dir, 'warm')) : [], [], 'no warm runner was started');
    await p.close();
  });
});
