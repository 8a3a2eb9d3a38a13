// npm run bench:scheduler [-- --json] [--seed N] [--quick]
//
// The real scheduler in a deterministic simulation: a seeded PRNG, a simulated clock
// moved in ticks, 10,000 nodes × 20 vcores × 64 GiB in racks of 40, 1,000 sessions in
// 50 pools across 5 groups, mixed task sizes, 3 candidate hosts per task, tasks that
// finish after simulated durations and release their grants. After a warm-up, a new
// pool with a large min share arrives and must get it back by preemption. Wall time
// and process CPU time are measured only around scheduler calls (the simulated
// workload is made outside them). Prints a table (and, with --json, one JSON object
// on the last line).

import { parsePoolsConfig, createScheduler, type PoolsConfig, type SchedulerRequest, type SchedulerNode, type Clock } from '../scheduler/index.js';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { dominantShare, resources, type Resources } from '../common/resources.js';

const args = process.argv.slice(2);
const jsonOut = args.includes('--json');
const quick = args.includes('--quick');
const seedArg = args.indexOf('--seed');
const seed = seedArg >= 0 ? Number(args[seedArg + 1]) : 42;

const nodesCount = quick ? 1000 : 10_000;
const nodeVcores = 20;
const nodeMemoryMb = 64 * 1024;
const rackSize = 40;
const groupsCount = 5;
const poolsPerGroup = 10;
const sessionsCount = quick ? 100 : 1000;
const tickMs = 100;
const sessionArrivalSpreadMs = 2_000;
const steadyFromMs = 30_000;
const newcomerAtMs = 45_000;
const simEndMs = 57_000;
const taskDurationMinMs = 10_000;
const taskDurationMaxMs = 30_000;
const candidateHosts = 3;
/** A session keeps at least this many tasks asked for and not granted. */
const backlogLowTasks = 100;
const backlogRefillTasks = 200;
const preemptionGraceMs = 500;
const minSharePreemptionTimeoutMs = 5_000;
const newcomerMinShareFraction = 0.4;
const jainSampleEveryMs = 1_000;
/** A CM start time, for grant ids of the CM's form (fixed: the run stays deterministic). */
const cmStartedAtMs = 1_750_000_000_000;
/** Passes in one tick (the sim re-runs schedule() while a pass was cut short). */
const passesPerTickMax = 1000;

const targets = { grantsPerSec: 100_000, passP99Ms: 50, heapMb: 1024, jain: 0.99, minShareSlackMs: 2_000, nodeLocal: 0.9 };

/** Task shapes (vcores, memory): jobs are cpu-heavy, memory-heavy or balanced. */
const taskShapes: Resources[] = [resources(1024, 1), resources(2048, 1), resources(4096, 1), resources(4096, 2), resources(8192, 2), resources(8192, 4), resources(3072, 1)];

function mulberry32(a: number): () => number {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class SimClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
}

function poolsYaml(): string {
  const lines = [
    'nodeLocalityWaitMs: 3000',
    'rackLocalityWaitMs: 3000',
    'preemptionEnabled: true',
    `minSharePreemptionTimeoutMs: ${minSharePreemptionTimeoutMs}`,
    'fairSharePreemptionTimeoutMs: 120000',
    'fairSharePreemptionThreshold: 0.5',
    'groups:',
  ];
  for (let g = 0; g < groupsCount; g++) {
    lines.push(`  g${g}:`, `    weight: ${1 + (g % 3)}`, '    pools:');
    for (let p = 0; p < poolsPerGroup; p++) lines.push(`      p${p}: { weight: ${1 + (p % 4)}, order: ${['fair', 'fifo', 'priority'][p % 3]} }`);
  }
  const minMem = Math.floor(nodesCount * nodeMemoryMb * newcomerMinShareFraction);
  const minVc = Math.floor(nodesCount * nodeVcores * newcomerMinShareFraction);
  lines.push('  urgent:', `    minShare: "${minMem}MB,${minVc}vc"`, '    pools:', `      sla: { minShare: "${minMem}MB,${minVc}vc", preemptable: false }`);
  return lines.join('\n') + '\n';
}

/** Kinds of timed scheduler calls (queries: nextWakeMs, sessionPending, grant). */
type CallKind = 'nodes' | 'sessions' | 'requests' | 'releases' | 'passes' | 'queries';

interface Task {
  sessionId: string;
  grantId: string;
}

interface SimSession {
  id: string;
  pool: string;
  shape: Resources;
  nextTask: number;
}

/** FNV-1a of `text`, continuing from `h`. */
function digestOf(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A full GC on demand, to sample the live heap (not the garbage awaiting collection). */
function gcFunction(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/**
 * Records GC pauses of the main thread (start, duration in ms; delivered after the
 * fact by a PerformanceObserver). `within` sums the parts inside given regions.
 */
function gcPauseRecorder(): { within(regions: number[]): Promise<number> } {
  const pauses: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push(e.startTime, e.duration);
  });
  obs.observe({ entryTypes: ['gc'] });
  return {
    async within(regions: number[]): Promise<number> {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the entries arrive
      obs.disconnect();
      let ms = 0;
      let r = 0;
      for (let i = 0; i < pauses.length; i += 2) {
        const start = pauses[i];
        const end = start + pauses[i + 1];
        while (r < regions.length && regions[r + 1] <= start) r += 2;
        for (let k = r; k < regions.length && regions[k] < end; k += 2) ms += Math.max(0, Math.min(end, regions[k + 1]) - Math.max(start, regions[k]));
      }
      return ms;
    },
  };
}

/** Live heap is sampled (after a full GC) this often, in simulated ms. */
const liveHeapSampleEveryMs = 10_000;

async function main(): Promise<void> {
  const gc = gcFunction();
  let liveHeapMaxBytes = 0;
  const rand = mulberry32(seed);
  const clock = new SimClock();
  const parsed = parsePoolsConfig(poolsYaml(), 'bench-pools.yaml');
  if (!parsed.ok) throw new Error(parsed.error);
  const config: PoolsConfig = parsed.config;
  // Grant ids as the CM makes them: a prefix per CM start (its start time in base 36), then base-36 numbers.
  const sched = createScheduler({ clock, config, grantIdPrefix: `g-${cmStartedAtMs.toString(36)}-`, grantIdRadix: 36 });

  let schedWallMs = 0;
  let schedCpuMs = 0;
  /** Where the timed time goes, by kind of scheduler call: [wall ms, CPU ms]. */
  const byCall: Record<CallKind, [number, number]> = { nodes: [0, 0], sessions: [0, 0], requests: [0, 0], releases: [0, 0], passes: [0, 0], queries: [0, 0] };
  /** Timed regions as [start, end] (performance.now ms), to find the GC pauses inside them. */
  const regions: number[] = [];
  const gcPauses = gcPauseRecorder();
  const account = (kind: CallKind, startMs: number, wallMs: number, cpuMs: number): void => {
    regions.push(startMs, startMs + wallMs);
    schedWallMs += wallMs;
    schedCpuMs += cpuMs;
    byCall[kind][0] += wallMs;
    byCall[kind][1] += cpuMs;
  };
  /**
   * Runs scheduler calls in the timed region: wall time and process CPU time (user +
   * system, all threads, so GC helper threads count too). Callers batch the calls of
   * one phase of a tick into one region: reading the CPU clock costs a system call.
   */
  const timed = <T>(kind: CallKind, f: () => T): T => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = f();
    const wallMs = performance.now() - t0;
    const c1 = process.cpuUsage(c0);
    account(kind, t0, wallMs, (c1.user + c1.system) / 1000);
    return out;
  };

  const nodeNames: string[] = [];
  const nodeSpecs: SchedulerNode[] = [];
  for (let i = 0; i < nodesCount; i++) {
    const name = `node${String(i).padStart(5, '0')}`;
    nodeNames.push(name);
    nodeSpecs.push({ name, rack: `/rack${Math.floor(i / rackSize)}`, capacity: resources(nodeMemoryMb, nodeVcores) });
  }
  timed('nodes', () => {
    for (const n of nodeSpecs) sched.addNode(n);
  });

  const sessions: SimSession[] = [];
  for (let i = 0; i < sessionsCount; i++) {
    const g = i % groupsCount;
    const p = Math.floor(i / groupsCount) % poolsPerGroup;
    sessions.push({ id: `s${i}`, pool: `g${g}.p${p}`, shape: taskShapes[Math.floor(rand() * taskShapes.length)], nextTask: 0 });
  }
  const arrivalTick = new Map<number, SimSession[]>();
  for (const s of sessions) {
    const t = Math.floor((rand() * sessionArrivalSpreadMs) / tickMs);
    arrivalTick.set(t, [...(arrivalTick.get(t) ?? []), s]);
  }
  const newcomer: SimSession = { id: 'urgent-session', pool: 'urgent.sla', shape: resources(6144, 2), nextTask: 0 };
  const live: SimSession[] = [];

  const makeTasks = (s: SimSession, n: number): SchedulerRequest[] => {
    const out: SchedulerRequest[] = [];
    for (let i = 0; i < n; i++) {
      const hosts: string[] = [];
      while (hosts.length < candidateHosts) {
        const h = nodeNames[Math.floor(rand() * nodesCount)];
        if (!hosts.includes(h)) hosts.push(h);
      }
      out.push({ requestId: `t${s.nextTask++}`, resources: s.shape, count: 1, hosts, racks: [], relaxLocality: true, excludedHosts: [], driver: false });
    }
    return out;
  };

  const endTicks = Math.ceil(simEndMs / tickMs);
  const completions: Task[][] = Array.from({ length: endTicks + Math.ceil(taskDurationMaxMs / tickMs) + 2 }, () => []);
  const kills: { sessionId: string; grantId: string; requestId: string }[][] = Array.from({ length: endTicks + 10 }, () => []);

  const passMs: number[] = [];
  const steadyPassMs: number[] = [];
  let grantsTotal = 0;
  /** Digest of every decision (grant ids, nodes, requests; revoked ids), in order: equal digests, equal runs. */
  let digest = 0x811c9dc5;
  let passCpuMs = 0;
  const passCpuEach: number[] = [];
  let passWallMs = 0;
  let steadyGrants = 0;
  let steadyNodeLocal = 0;
  let revocationsTotal = 0;
  let heapMaxBytes = 0;
  const jainSamples: number[] = [];
  let newcomerReachedMs: number | null = null;
  let newcomerFirstRevocationMs: number | null = null;
  const newcomerTarget = newcomerMinShareFraction;
  const capacity = resources(nodesCount * nodeMemoryMb, nodesCount * nodeVcores);

  for (let tick = 0; tick < endTicks; tick++) {
    clock.t = tick * tickMs;
    const now = clock.t;
    // Arrivals.
    const arriving = arrivalTick.get(tick) ?? [];
    const admitted = timed('sessions', () => arriving.map((s) => sched.addSession({ id: s.id, pool: s.pool, user: `user${s.id}`, priority: 'NORMAL', deadlineMs: 0 })));
    for (const v of admitted) if (!v.ok) throw new Error(`addSession: ${v.reason}`);
    live.push(...arriving);
    if (now === newcomerAtMs) {
      timed('sessions', () => sched.addSession({ id: newcomer.id, pool: newcomer.pool, user: 'sla', priority: 'HIGH', deadlineMs: 0 }));
      live.push(newcomer);
      const tasks = makeTasks(newcomer, Math.ceil((newcomerTarget * 1.2 * nodesCount * nodeVcores) / newcomer.shape.vcores));
      const v = timed('requests', () => sched.addRequests(newcomer.id, tasks));
      if (!v.ok) throw new Error(`addRequests: ${v.reason}`);
    }
    // Finished tasks and killed (revoked) tasks release their grants.
    const bySession = new Map<string, string[]>();
    for (const t of completions[tick]) {
      const ids = bySession.get(t.sessionId);
      if (ids) ids.push(t.grantId);
      else bySession.set(t.sessionId, [t.grantId]);
    }
    completions[tick] = [];
    const killed = kills[tick] ?? [];
    const killedGone = timed('releases', () => {
      for (const [sid, ids] of bySession) sched.releaseGrants(sid, ids);
      return killed.map((k) => sched.releaseGrants(k.sessionId, [k.grantId]).length > 0);
    });
    // A killed task runs again later: its session asks for it anew.
    const reasks: [string, SchedulerRequest[]][] = [];
    killed.forEach((k, i) => {
      if (killedGone[i]) reasks.push([k.sessionId, makeTasks(live.find((x) => x.id === k.sessionId)!, 1)]);
    });
    timed('requests', () => {
      for (const [sid, tasks] of reasks) sched.addRequests(sid, tasks);
    });
    // Backlogs.
    const low = timed('queries', () => live.filter((s) => s !== newcomer && sched.sessionPending(s.id) < backlogLowTasks));
    const refills = low.map((s): [string, SchedulerRequest[]] => [s.id, makeTasks(s, backlogRefillTasks)]);
    const refilled = timed('requests', () => refills.map(([sid, tasks]) => sched.addRequests(sid, tasks)));
    for (const v of refilled) if (!v.ok) throw new Error(`addRequests: ${v.reason}`);
    // Passes: once, and again while a pass was cut short.
    for (let pass = 0; pass < passesPerTickMax; pass++) {
      const due = timed('queries', () => sched.nextWakeMs());
      if (due === null || due > now) break;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const plan = sched.schedule();
      const dt = performance.now() - t0;
      const c1 = process.cpuUsage(c0);
      const cpuMs = (c1.user + c1.system) / 1000;
      passCpuMs += cpuMs;
      passCpuEach.push(cpuMs);
      passWallMs += dt;
      account('passes', t0, dt, cpuMs);
      passMs.push(dt);
      if (now >= steadyFromMs && now < newcomerAtMs) steadyPassMs.push(dt);
      grantsTotal += plan.grants.length;
      for (const g of plan.grants) {
        digest = digestOf(digestOf(digestOf(digest, g.grantId), g.node), g.requestId);
        const dur = taskDurationMinMs + rand() * (taskDurationMaxMs - taskDurationMinMs);
        const endTick = tick + Math.max(1, Math.round(dur / tickMs));
        if (endTick < completions.length) completions[endTick].push({ sessionId: g.sessionId, grantId: g.grantId });
        if (now >= steadyFromMs && now < newcomerAtMs) {
          steadyGrants++;
          if (g.locality === 'node') steadyNodeLocal++;
        }
      }
      // The CM looks revoked grants up (as it does every container a heartbeat reports).
      const revokedRequests = timed('queries', () => plan.revocations.map((r) => sched.grant(r.grantId)?.requestId ?? ''));
      plan.revocations.forEach((r, i) => {
        digest = digestOf(digest, r.grantId);
        revocationsTotal++;
        newcomerFirstRevocationMs ??= now;
        const killTick = tick + Math.ceil(preemptionGraceMs / tickMs);
        if (killTick < kills.length) kills[killTick].push({ sessionId: r.sessionId, grantId: r.grantId, requestId: revokedRequests[i] });
      });
    }
    if (tick % 10 === 0) heapMaxBytes = Math.max(heapMaxBytes, process.memoryUsage().heapUsed);
    if (now > 0 && now % liveHeapSampleEveryMs === 0) {
      gc();
      liveHeapMaxBytes = Math.max(liveHeapMaxBytes, process.memoryUsage().heapUsed);
    }
    // Fairness samples at steady state: each pool's granted / fair share (dominant).
    if (now >= steadyFromMs && now < newcomerAtMs && now % jainSampleEveryMs === 0) {
      const xs: number[] = [];
      for (const p of sched.pools()) {
        const fair = dominantShare(p.fairShare, capacity);
        if (fair > 0) xs.push(dominantShare(p.granted, capacity) / fair);
      }
      const sum = xs.reduce((a, b) => a + b, 0);
      const sumSq = xs.reduce((a, b) => a + b * b, 0);
      jainSamples.push(xs.length > 0 ? (sum * sum) / (xs.length * sumSq) : 1);
    }
    if (now >= newcomerAtMs && newcomerReachedMs === null) {
      const got = dominantShare(sched.sessionAllocated(newcomer.id), capacity);
      if (got + dominantShare(newcomer.shape, capacity) >= newcomerTarget - 1e-9) newcomerReachedMs = now - newcomerAtMs;
    }
  }

  const sortedPass = [...passMs].sort((a, b) => a - b);
  const sortedSteady = [...steadyPassMs].sort((a, b) => a - b);
  const jain = jainSamples.length > 0 ? jainSamples.reduce((a, b) => a + b, 0) / jainSamples.length : 0;
  const jainMin = jainSamples.length > 0 ? Math.min(...jainSamples) : 0;
  const gcInSchedulerMs = await gcPauses.within(regions);
  const figures = {
    seed,
    nodes: nodesCount,
    sessions: sessionsCount,
    pools: groupsCount * poolsPerGroup,
    groups: groupsCount,
    simulatedMs: simEndMs,
    grants: grantsTotal,
    revocations: revocationsTotal,
    decisionsDigest: (digest >>> 0).toString(16),
    schedulerWallMs: Math.round(schedWallMs),
    grantsPerSec: Math.round(grantsTotal / (schedWallMs / 1000)),
    schedulerCpuMs: Math.round(schedCpuMs),
    grantsPerSecCpu: Math.round(grantsTotal / (schedCpuMs / 1000)),
    gcPausesInSchedulerCallsMs: Math.round(gcInSchedulerMs),
    schedulerMsByCall: Object.fromEntries(Object.entries(byCall).map(([k, [w, c]]) => [k, { wall: Math.round(w), cpu: Math.round(c) }])),
    passGrantsPerSecWall: Math.round(grantsTotal / (passWallMs / 1000)),
    passGrantsPerSecCpu: Math.round(grantsTotal / (passCpuMs / 1000)),
    loadAverage1m: os.loadavg()[0],
    cpus: os.cpus().length,
    passes: passMs.length,
    passP50Ms: percentile(sortedPass, 50),
    passP99Ms: percentile(sortedPass, 99),
    passMaxMs: sortedPass[sortedPass.length - 1] ?? 0,
    passCpuP50Ms: percentile([...passCpuEach].sort((a, b) => a - b), 50),
    passCpuP99Ms: percentile([...passCpuEach].sort((a, b) => a - b), 99),
    steadyPassP50Ms: percentile(sortedSteady, 50),
    steadyPassP99Ms: percentile(sortedSteady, 99),
    heapUsedMaxMb: Math.round(heapMaxBytes / (1024 * 1024)),
    liveHeapMaxMb: Math.round(liveHeapMaxBytes / (1024 * 1024)),
    jainMean: jain,
    jainMin,
    newcomerMinShareMs: newcomerReachedMs,
    newcomerTargetMs: minSharePreemptionTimeoutMs + targets.minShareSlackMs,
    newcomerFirstRevocationAfterMs: newcomerFirstRevocationMs === null ? null : newcomerFirstRevocationMs - newcomerAtMs,
    nodeLocalFraction: steadyGrants > 0 ? steadyNodeLocal / steadyGrants : 0,
    steadyGrants,
    totals: sched.totals(),
  };

  const ok = (b: boolean): string => (b ? 'ok' : 'MISSED');
  const rows: [string, string, string, string][] = [
    ['grants per second (wall, scheduler calls)', figures.grantsPerSec.toLocaleString('en-US'), `>= ${targets.grantsPerSec.toLocaleString('en-US')}`, ok(figures.grantsPerSec >= targets.grantsPerSec)],
    ['  same, process CPU time (all scheduler calls)', figures.grantsPerSecCpu.toLocaleString('en-US'), '-', '-'],
    ['  same, passes only (wall / process CPU time)', `${figures.passGrantsPerSecWall.toLocaleString('en-US')} / ${figures.passGrantsPerSecCpu.toLocaleString('en-US')}`, '-', '-'],
    ['scheduling pass p50 / p99 (all passes)', `${figures.passP50Ms.toFixed(2)} / ${figures.passP99Ms.toFixed(2)} ms`, `p99 <= ${targets.passP99Ms} ms`, ok(figures.passP99Ms <= targets.passP99Ms)],
    ['scheduling pass p50 / p99 (steady state)', `${figures.steadyPassP50Ms.toFixed(2)} / ${figures.steadyPassP99Ms.toFixed(2)} ms`, `p99 <= ${targets.passP99Ms} ms`, ok(figures.steadyPassP99Ms <= targets.passP99Ms)],
    ['scheduling pass p50 / p99, process CPU time', `${figures.passCpuP50Ms.toFixed(2)} / ${figures.passCpuP99Ms.toFixed(2)} ms`, `p99 <= ${targets.passP99Ms} ms`, ok(figures.passCpuP99Ms <= targets.passP99Ms)],
    ['scheduling pass max', `${figures.passMaxMs.toFixed(2)} ms`, '-', '-'],
    ['heap used: live after GC (max) / peak incl. garbage', `${figures.liveHeapMaxMb} / ${figures.heapUsedMaxMb} MB`, `<= ${targets.heapMb} MB`, ok(figures.liveHeapMaxMb <= targets.heapMb)],
    ['Jain index, pool granted / fair share (mean, min)', `${jain.toFixed(4)}, ${jainMin.toFixed(4)}`, `>= ${targets.jain}`, ok(jain >= targets.jain)],
    ['new pool reaches min share (preemption on)', newcomerReachedMs === null ? 'never' : `${(newcomerReachedMs / 1000).toFixed(1)} s`, `<= ${(figures.newcomerTargetMs / 1000).toFixed(1)} s (timeout + 2 s)`, ok(newcomerReachedMs !== null && newcomerReachedMs <= figures.newcomerTargetMs)],
    ['node-local fraction (delay scheduling, steady)', `${(figures.nodeLocalFraction * 100).toFixed(1)} %`, `>= ${targets.nodeLocal * 100} %`, ok(figures.nodeLocalFraction >= targets.nodeLocal)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const w2 = Math.max(...rows.map((r) => r[2].length));
  console.log(`scheduler bench: ${nodesCount} nodes × ${nodeVcores} vcores × ${nodeMemoryMb / 1024} GiB, ${sessionsCount} sessions, ${groupsCount * poolsPerGroup} pools in ${groupsCount} groups, seed ${seed}`);
  console.log(`simulated ${simEndMs / 1000} s in ${tickMs} ms ticks: ${grantsTotal} grants, ${revocationsTotal} revocations, ${passMs.length} passes, ${Math.round(schedWallMs)} ms in scheduler calls (${Math.round(schedCpuMs)} ms process CPU time; GC pauses in them ${figures.gcPausesInSchedulerCallsMs} ms)`);
  console.log(`  by call, wall / CPU ms: ${Object.entries(figures.schedulerMsByCall).map(([k, v]) => `${k} ${v.wall} / ${v.cpu}`).join(', ')}`);
  console.log(`machine: ${figures.cpus} CPUs, load average ${figures.loadAverage1m.toFixed(2)} at the end (other processes share the CPUs: wall figures suffer)`);
  console.log('');
  console.log(`${'figure'.padEnd(w0)}  ${'measured'.padEnd(w1)}  ${'target'.padEnd(w2)}  result`);
  for (const r of rows) console.log(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2].padEnd(w2)}  ${r[3]}`);
  if (jsonOut) console.log(JSON.stringify(figures));
}

await main();
