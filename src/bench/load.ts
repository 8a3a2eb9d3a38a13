// npm run bench:load [-- --jobs 200] [--nodes 2] [--vcores 5] [--json]
//
// Many small jobs at once from 4 pools with weights 1, 2, 3, 4: a local cluster (real
// daemons) with a pools file, and --jobs wordcount jobs submitted in the same instant
// (in-process job trackers, a quarter per pool, round-robin). Every job must succeed and
// its output must be right (none lost); while all pools have jobs waiting, each pool's
// containers follow its weight, so the heavier pools finish their jobs sooner. Prints,
// per pool: jobs, succeeded, median and last completion time, and the share of the
// cluster's granted vcores it held while all four pools were busy (the CM's
// /api/v1/pools, sampled every 50 ms: what the scheduler decides). Not task time: a
// task in a process kept from the user's previous container runs several times faster
// than one in a fresh process, so task time follows which containers were warm.

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalCluster } from '../local/local-cluster.js';
import { submitJob } from '../jobtracker/submit.js';
import type { JobStatus } from '../jobtracker/jobtracker.js';
import { silentLogger } from '../common/log.js';
import { argValue, percentile, report } from './report.js';
import { benchTempDir } from './mr-util.js';

export const loadPools = [
  { name: 'load.w1', weight: 1 },
  { name: 'load.w2', weight: 2 },
  { name: 'load.w3', weight: 3 },
  { name: 'load.w4', weight: 4 },
];

export interface PoolResult {
  pool: string;
  weight: number;
  jobs: number;
  succeeded: number;
  wrongOutput: number;
  medianDoneS: number;
  lastDoneS: number;
  /** Its mean share of the granted vcores while every pool still had jobs left. */
  busyShare: number;
  /** When each job finished, seconds after the submission, sorted. */
  doneS: number[];
}

export interface LoadResult {
  jobs: number;
  succeeded: number;
  wallS: number;
  pools: PoolResult[];
  failures: string[];
}

/** Submits `jobs` wordcounts at once across the 4 pools and waits for all of them. */
/** `agentArgs`: extra flags for the node agents. */
export async function runLoad(o: { jobs: number; nodes: number; vcores: number; dir: string; agentArgs?: string[] }): Promise<LoadResult> {
  const poolsFile = join(o.dir, 'pools.yaml');
  writeFileSync(poolsFile, `groups:\n  load:\n    pools:\n${loadPools.map((p) => `      ${p.name.split('.')[1]}:\n        weight: ${p.weight}\n`).join('')}`);
  const input = join(o.dir, 'in.txt');
  const words = Array.from({ length: 500 }, (_, i) => `w${i}`);
  writeFileSync(input, Array.from({ length: 2000 }, (_, i) => `${words[i % 500]} ${words[(i * 7) % 500]} common`).join('\n') + '\n');
  const cluster = await startLocalCluster({ nodes: o.nodes, vcoresPerNode: o.vcores, memoryMbPerNode: o.vcores * 512, cmArgs: ['--pools', poolsFile], agentArgs: o.agentArgs });
  const t0 = Date.now();
  const failures: string[] = [];
  // Granted vcores per pool, sampled from the CM while the jobs run.
  const samples: Array<{ atMs: number; granted: Map<string, number> }> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const atMs = Date.now();
      try {
        const body = (await (await fetch(`http://${cluster.httpAddress}/api/v1/pools`)).json()) as { pools: Array<{ name: string; granted: { vcores: number } }> };
        samples.push({ atMs, granted: new Map(body.pools.map((p) => [p.name, p.granted.vcores])) });
      } catch {
        // A missed sample.
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const runs = Array.from({ length: o.jobs }, (_, i) => {
      const pool = loadPools[i % loadPools.length];
      const output = join(o.dir, `out-${i}`);
      return submitJob({
        cluster: cluster.cmAddress,
        job: 'wordcount',
        inputs: [input],
        output,
        pool: pool.name,
        name: `load-${i}`,
        config: { 'coronet.map.memory.mb': '256', 'coronet.reduce.memory.mb': '256', 'coronet.speculative': 'false' },
        log: silentLogger,
      }).then(
        (s) => ({ pool, output, status: s.mode === 'in-process' ? s.status : null, doneMs: Date.now() - t0, error: '' }),
        (err: unknown) => ({ pool, output, status: null as JobStatus | null, doneMs: Date.now() - t0, error: String(err) }),
      );
    });
    const results = await Promise.all(runs);
    const wallS = (Date.now() - t0) / 1000;
    sampling = false;
    await sampler;
    // While every pool still had jobs: who held the granted vcores.
    const allBusyUntil = Math.min(...loadPools.map((p) => Math.max(...results.filter((r) => r.pool === p).map((r) => r.doneMs)))) + t0;
    const heldVcores = new Map<string, number>();
    for (const s of samples) if (s.atMs <= allBusyUntil) for (const p of loadPools) heldVcores.set(p.name, (heldVcores.get(p.name) ?? 0) + (s.granted.get(p.name) ?? 0));
    const totalHeld = [...heldVcores.values()].reduce((a, b) => a + b, 0) || 1;
    const expected = expectedCounts(readFileSync(input, 'utf8'));
    const pools = loadPools.map((p): PoolResult => {
      const mine = results.filter((r) => r.pool === p);
      let wrong = 0;
      for (const r of mine) {
        if (r.status?.state !== 'succeeded') failures.push(`${r.output}: ${r.error || r.status?.state + ': ' + r.status?.diagnostics}`);
        else if (!sameCounts(readCounts(r.output), expected)) {
          wrong++;
          failures.push(`${r.output}: wrong output`);
        }
      }
      const done = mine.map((r) => r.doneMs / 1000).sort((a, b) => a - b);
      return { pool: p.name, weight: p.weight, jobs: mine.length, succeeded: mine.filter((r) => r.status?.state === 'succeeded').length, wrongOutput: wrong, medianDoneS: percentile(done, 50), lastDoneS: done[done.length - 1], busyShare: (heldVcores.get(p.name) ?? 0) / totalHeld, doneS: done.map((x) => Math.round(x * 10) / 10) };
    });
    return { jobs: o.jobs, succeeded: pools.reduce((n, p) => n + p.succeeded - p.wrongOutput, 0), wallS, pools, failures };
  } finally {
    sampling = false;
    await cluster.stop();
  }
}

function expectedCounts(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of text.split(/\s+/)) if (w) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

function readCounts(dir: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of readdirSync(dir).filter((n) => n.startsWith('part-'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!line) continue;
      const [k, v] = line.split('\t');
      m.set(k, Number(v));
    }
  }
  return m;
}

function sameCounts(a: Map<string, number>, b: Map<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of b) if (a.get(k) !== v) return false;
  return true;
}

async function main(): Promise<void> {
  const jobs = argValue('--jobs', 200);
  const dir = benchTempDir('load');
  // 2 x 5 slots: the weights 1-4 (sum 10) divide them exactly.
  const r = await runLoad({ jobs, nodes: argValue('--nodes', 2), vcores: argValue('--vcores', 5), dir });
  const weightSum = loadPools.reduce((s, p) => s + p.weight, 0);
  // The heaviest pool finishes first (smallest median), the lightest last.
  const medians = r.pools.map((p) => p.medianDoneS);
  const ordered = medians[medians.length - 1] === Math.min(...medians) && medians[0] === Math.max(...medians);
  report(
    `bench:load — ${jobs} wordcount jobs at once from 4 pools (weights 1-4), ${r.wallS.toFixed(1)} s`,
    [
      { metric: 'jobs succeeded with right output', value: `${r.succeeded}/${r.jobs}`, target: `${r.jobs}/${r.jobs}`, ok: r.succeeded === r.jobs },
      ...r.pools.map((p) => ({ metric: `${p.pool} (weight ${p.weight}): median / last done`, value: `${p.medianDoneS.toFixed(1)} s / ${p.lastDoneS.toFixed(1)} s` })),
      ...r.pools.map((p) => ({ metric: `${p.pool}: share of granted vcores while all busy`, value: `${(p.busyShare * 100).toFixed(1)} %`, target: `${((p.weight / weightSum) * 100).toFixed(0)} %` })),
      { metric: 'weight-4 pool done first, weight-1 pool last (medians)', value: ordered ? 'yes' : 'no', target: 'yes', ok: ordered },
    ],
    { bench: 'load', ...r, orderedByWeight: ordered },
  );
  for (const f of r.failures.slice(0, 20)) process.stderr.write(`failed: ${f}\n`);
  process.exitCode = r.succeeded === r.jobs ? 0 : 1;
}

if (process.argv[1]?.endsWith('load.js')) await main();
