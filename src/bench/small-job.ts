// npm run bench:small-job [-- --runs 20] [--cold-runs 5] [--json]
//
// Latency of a small job: wordcount over 1 MiB of text, submit -> _SUCCESS.
//  - warm, CLI: a 2-node local cluster is already up; wall time from spawning
//    `node dist/cli/main.js run wordcount` (CORONET_CLUSTER set) to its exit. p50 of --runs.
//  - warm, CLI, spawn -> _SUCCESS: the same runs, to the mtime of the job's _SUCCESS file (the
//    CLI's run without its session end, report and exit).
//  - warm, in-process: submitJob(...) in this process against the same cluster (no node
//    start-up, esbuild service already running after the first run). p50 of --runs.
//  - cold, embedded: the same CLI without CORONET_CLUSTER, which starts a local cluster
//    (CM + 2 agents as processes), runs the job and stops the cluster. p50 of --cold-runs.
// Then a breakdown of where the time goes: node + CLI start-up, staging (esbuild bundle
// and the same from the bundle cache, job load, splits) in a fresh process, and the job tracker's phases from its status;
// and how many task containers started in a node agent's warm runner (a pre-started,
// warmed-up process: docs/operations.md) rather than a fresh process.
// Targets: warm <= 300 ms, cold <= 2 s. "warm" (the target, targetsMet) is the CLI
// number — the real `coronet run` path a user waits for; the in-process figure shows
// what the job itself costs without Node's and the CLI's start-up.
// Timeline of one run: CORONET_LOG_LEVEL=debug CORONET_LOG_FORMAT=pretty coronet run ...

import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalCluster } from '../local/local-cluster.js';
import { submitJob } from '../jobtracker/submit.js';
import type { JobStatus } from '../jobtracker/jobtracker.js';
import { bundleJobModule, computeSplits, jobConfig, jobInput, loadJob, resolveJobModule } from '../mapreduce/index.js';
import { silentLogger } from '../common/log.js';
import { argValue, percentile, report, type Row } from './report.js';
import { benchTempDir, cliPath, coronet, generateText, loadNote, ms, runOk } from './mr-util.js';

const runs = argValue('--runs', 20);
const coldRuns = argValue('--cold-runs', 5);

/** Child mode: staging steps timed in a fresh process (as the CLI does them). */
async function childStage(input: string, dir: string): Promise<void> {
  // A bundle cache of its own, empty: the first bundle starts esbuild, the second is a cache hit.
  process.env.CORONET_CACHE_DIR = join(dir, `cache-${process.pid}`);
  const t0 = process.hrtime.bigint();
  const modulePath = resolveJobModule('wordcount');
  const jobFile = join(dir, `job-${process.pid}.mjs`);
  await bundleJobModule(modulePath, jobFile);
  const tBundle = ms(t0);
  const t1 = process.hrtime.bigint();
  const job = await loadJob(jobFile);
  const tLoad = ms(t1);
  const t2 = process.hrtime.bigint();
  await computeSplits([input], jobInput(job, jobConfig(job, {})), {});
  const tSplits = ms(t2);
  const t3 = process.hrtime.bigint();
  await bundleJobModule(modulePath, jobFile);
  const tBundle2 = ms(t3);
  process.stdout.write(JSON.stringify({ bundleMs: tBundle, loadMs: tLoad, splitsMs: tSplits, bundleAgainMs: tBundle2 }) + '\n');
}

/** Containers the cluster's agents launched so far, and how many of them in a warm runner. */
async function containerLaunches(agents: Array<{ httpAddress: string }>): Promise<{ launched: number; warm: number; reused: number }> {
  let launched = 0;
  let warm = 0;
  let reused = 0;
  for (const a of agents) {
    const text = await (await fetch(`http://${a.httpAddress}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    launched += value('coronet_containers_launched');
    warm += value('coronet_containers_launched_warm');
    reused += value('coronet_containers_launched_reused');
  }
  return { launched, warm, reused };
}

function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50);
}

interface Phases {
  stageAndSessionMs: number;
  firstTaskStartMs: number;
  mapsMs: number;
  reducesMs: number;
  finishMs: number;
}

function phases(t0Ms: number, st: JobStatus, returnedMs: number): Phases {
  const attempts = st.tasks.flatMap((t) => t.attempts.filter((a) => a.state === 'succeeded').map((a) => ({ ...a, kind: t.kind })));
  const maps = attempts.filter((a) => a.kind === 'map');
  const reduces = attempts.filter((a) => a.kind === 'reduce');
  const firstStart = Math.min(...attempts.map((a) => a.startMs));
  const lastMapEnd = Math.max(...maps.map((a) => a.endMs));
  const lastEnd = Math.max(...attempts.map((a) => a.endMs));
  return {
    stageAndSessionMs: st.startedAtMs - t0Ms,
    firstTaskStartMs: firstStart - st.startedAtMs,
    mapsMs: lastMapEnd - firstStart,
    reducesMs: reduces.length ? lastEnd - lastMapEnd : 0,
    finishMs: returnedMs - lastEnd,
  };
}

async function main(): Promise<void> {
  const dir = benchTempDir('small-job');
  const input = join(dir, 'input.txt');
  generateText(input, 1 << 20);
  const loadBefore = loadNote();
  try {
    const warmCli: number[] = [];
    /** Spawn -> the job's _SUCCESS file written (its mtime): the CLI's run without its exit. */
    const warmCliSuccess: number[] = [];
    const warmIn: number[] = [];
    const ph: Phases[] = [];
    const cluster = await startLocalCluster({ nodes: 2, memoryMbPerNode: 8192, vcoresPerNode: 2 });
    const warmLaunches = { cli: '', inProcess: '' };
    try {
      let before = await containerLaunches(cluster.agents);
      for (let i = 0; i < runs + 2; i++) {
        const out = join(dir, `warm-cli-${i}`);
        const spawnedAt = Date.now();
        const r = await coronet(['run', 'wordcount', '--input', input, '--output', out], cluster.cmAddress);
        if (!existsSync(join(out, '_SUCCESS'))) throw new Error(`no _SUCCESS in ${out}`);
        if (i >= 2) {
          warmCli.push(r.ms);
          warmCliSuccess.push(statSync(join(out, '_SUCCESS')).mtimeMs - spawnedAt);
        }
        rmSync(out, { recursive: true, force: true });
      }
      let after = await containerLaunches(cluster.agents);
      warmLaunches.cli = `${after.warm - before.warm} of ${after.launched - before.launched} (${after.reused - before.reused} reused)`;
      before = after;
      for (let i = 0; i < runs + 2; i++) {
        const out = join(dir, `warm-in-${i}`);
        const t0 = Date.now();
        const h0 = process.hrtime.bigint();
        const s = await submitJob({ cluster: cluster.cmAddress, job: 'wordcount', inputs: [input], output: out, log: silentLogger, config: { 'coronet.staging.dir': join(dir, 'staging') } });
        const took = ms(h0);
        if (s.mode !== 'in-process' || s.status.state !== 'succeeded' || !existsSync(join(out, '_SUCCESS'))) throw new Error(`in-process run ${i} did not succeed`);
        if (i >= 2) {
          warmIn.push(took);
          ph.push(phases(t0, s.status, Date.now()));
        }
        rmSync(out, { recursive: true, force: true });
      }
      after = await containerLaunches(cluster.agents);
      warmLaunches.inProcess = `${after.warm - before.warm} of ${after.launched - before.launched} (${after.reused - before.reused} reused)`;
    } finally {
      await cluster.stop();
    }

    const cold: number[] = [];
    for (let i = 0; i < coldRuns; i++) {
      const out = join(dir, `cold-${i}`);
      const r = await coronet(['run', 'wordcount', '--input', input, '--output', out], undefined);
      if (!existsSync(join(out, '_SUCCESS'))) throw new Error(`no _SUCCESS in ${out}`);
      cold.push(r.ms);
      rmSync(out, { recursive: true, force: true });
    }

    // Breakdown pieces, each timed on its own.
    const nodeStart: number[] = [];
    const cliStart: number[] = [];
    const mrImport: number[] = [];
    const stage: Array<{ bundleMs: number; loadMs: number; splitsMs: number; bundleAgainMs: number }> = [];
    const clusterUpDown: number[] = [];
    const mrIndex = join(cliPath, '..', '..', 'mapreduce', 'index.js');
    for (let i = 0; i < 5; i++) {
      nodeStart.push((await runOk(process.execPath, ['-e', '0'])).ms);
      cliStart.push((await runOk(process.execPath, [cliPath, '--version'])).ms);
      mrImport.push((await runOk(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(mrIndex)})`])).ms);
      const st = await runOk(process.execPath, [process.argv[1], '--child-stage', input, dir]);
      stage.push(JSON.parse(st.stdout.trim()) as (typeof stage)[number]);
    }
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      const c = await startLocalCluster({ nodes: 2 });
      await c.stop();
      clusterUpDown.push(ms(t0));
    }

    const wc = median(warmCli);
    const wi = median(warmIn);
    const cp = median(cold);
    const m = (f: (p: Phases) => number) => median(ph.map(f));
    const rows: Row[] = [
      { metric: `warm, CLI spawn -> exit, p50 of ${runs} (ms)`, value: wc.toFixed(0), target: '<= 300 ms', ok: wc <= 300 },
      { metric: 'warm, CLI p90 (ms)', value: percentile([...warmCli].sort((a, b) => a - b), 90).toFixed(0) },
      { metric: 'warm, CLI spawn -> _SUCCESS written, p50 (ms)', value: median(warmCliSuccess).toFixed(0) },
      { metric: `warm, in-process submitJob p50 of ${runs} (ms)`, value: wi.toFixed(0), target: '<= 300 ms', ok: wi <= 300 },
      { metric: `cold embedded CLI p50 of ${coldRuns} (ms)`, value: cp.toFixed(0), target: '<= 2000 ms', ok: cp <= 2000 },
      { metric: 'breakdown: node -e 0 (ms)', value: median(nodeStart).toFixed(0) },
      { metric: 'breakdown: node cli --version (imports) (ms)', value: median(cliStart).toFixed(0) },
      { metric: 'breakdown: node import mapreduce (runner floor) (ms)', value: median(mrImport).toFixed(0) },
      { metric: 'breakdown: esbuild bundle, fresh process (ms)', value: median(stage.map((s) => s.bundleMs)).toFixed(0) },
      { metric: 'breakdown: bundle again, from the bundle cache (ms)', value: median(stage.map((s) => s.bundleAgainMs)).toFixed(0) },
      { metric: 'breakdown: load job + splits (ms)', value: median(stage.map((s) => s.loadMs + s.splitsMs)).toFixed(0) },
      { metric: 'in-process: submit -> JT started (stage+session) (ms)', value: m((p) => p.stageAndSessionMs).toFixed(0) },
      { metric: 'in-process: JT start -> first task start (grant+runner) (ms)', value: m((p) => p.firstTaskStartMs).toFixed(0) },
      { metric: 'in-process: first task start -> last map end (ms)', value: m((p) => p.mapsMs).toFixed(0) },
      { metric: 'in-process: last map end -> reduce end (ms)', value: m((p) => p.reducesMs).toFixed(0) },
      { metric: 'in-process: last task end -> submitJob returns (ms)', value: m((p) => p.finishMs).toFixed(0) },
      { metric: 'breakdown: start + stop 2-node local cluster (ms)', value: median(clusterUpDown).toFixed(0) },
    ];
    // Not numbers, so not in the breakdown: how many task containers of the warm runs
    // (all runs, the 2 discarded ones included) started in an agent's warm runner.
    const notes: Row[] = [
      { metric: 'warm, CLI: task containers started in a warm runner', value: warmLaunches.cli },
      { metric: 'warm, in-process: task containers started in a warm runner', value: warmLaunches.inProcess },
    ];
    report(`small job: wordcount over 1 MiB, submit -> _SUCCESS, 2-node local cluster; load before ${loadBefore}, after ${loadNote()}`, [...rows, ...notes], {
      bench: 'small-job',
      runs,
      coldRuns,
      warmCliP50Ms: wc,
      warmInProcessP50Ms: wi,
      warmCliSuccessP50Ms: median(warmCliSuccess),
      coldP50Ms: cp,
      breakdown: Object.fromEntries(rows.slice(5).map((r) => [r.metric, Number(r.value)])),
      warmRunnerLaunches: warmLaunches,
      load: loadNote(),
      targetsMet: wc <= 300 && cp <= 2000,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child-stage')
  childStage(process.argv[3], process.argv[4]).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
else
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
