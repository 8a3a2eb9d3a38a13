// npm run bench:cm-heartbeats [-- --nodes 500,1000,2000] [--warmup 5] [--measure 15] [--unary]
//                              [--workers 2] [--per-channel 50] [--containers 3] [--profile] [--json]
//                              [--cm-node-args "--trace-gc ..."] [--keep-log]
//
// Heartbeat load on the REAL cluster manager: the CM daemon (`coronet cluster-manager`)
// runs as its own process; N simulated node agents live in separate load-generator
// processes (this file with --worker) and talk to it over real gRPC on loopback, one
// channel (TCP connection) per --per-channel nodes. Each simulated agent registers once,
// then sends a heartbeat every 1000 ms (phases spread evenly over the second) on its
// NodeHeartbeats stream, as node agents do (--unary: one NodeHeartbeat call each, the
// older path, for comparison), with
// its capacity (20 vcores, 64 GiB), a usage sample and reports for the containers it
// runs. The containers are real grants: the bench holds one session that asks for
// --containers x N small containers, and each grant is reported by the node it landed
// on, so the CM's per-container check finds a live grant as it would in production.
//
// Per N (a fresh CM each time): warm up, then measure the CM's CPU (utime+stime from
// /proc/<pid>/stat, as a share of one core), its RSS, the heartbeat round trip seen by
// the agents (p50/p99) and the heartbeats per second completed.
// --profile runs the CM under `node --cpu-prof` and prints its top functions (self time).

import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { OrderedStream, clusterManagerClient, clusterManagerService, grpc, unary, type Grpc, type WireSessionEventBatch } from '../proto/index.js';
import { argValue, percentile, report, type Row } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const cliPath = join(here, '..', 'cli', 'main.js');
const thisFile = fileURLToPath(import.meta.url);

const heartbeatMs = 1_000;
const nodeVcores = 20;
const nodeMemoryMb = 64 * 1024;
const containerMemoryMb = 2048;
const targetCpu = 0.5;
const targetP99Ms = 20;
const targetNodes = 2_000;

// ------------------------------------------------------------------ messages

interface NodeGrant {
  node: string;
  grantId: string;
  sessionId: string;
}

type ToWorker =
  | { type: 'start'; cm: string; names: string[]; phaseOf: number[]; perChannel: number; unary: boolean }
  | { type: 'grants'; grants: NodeGrant[] }
  | { type: 'measure' }
  | { type: 'report' }
  | { type: 'stop' };

interface WorkerReport {
  type: 'report';
  latenciesMs: number[];
  ok: number;
  failed: number;
  skipped: number;
  reregister: number;
  killed: number;
  windowMs: number;
  cpuMs: number;
  channels: number;
  loopDelayP99Ms: number;
}

type FromWorker = { type: 'registered'; failed: number } | WorkerReport;

// ------------------------------------------------------------------ load generator

function workerMain(): void {
  let clients: Grpc.Client[] = [];
  const streams: Array<{ close(): void }> = [];
  const timers = new Set<NodeJS.Timeout>();
  let measuring = false;
  let measureStart = 0n;
  let cpuStart = process.cpuUsage();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  let latencies: number[] = [];
  let stats = { ok: 0, failed: 0, skipped: 0, reregister: 0, killed: 0 };
  const containersOf = new Map<string, Array<{ container_id: string; grant_id: string; session_id: string; state: string; rss_mb: number }>>();
  const send = (m: FromWorker): void => {
    process.send?.(m);
  };

  const start = async (msg: Extract<ToWorker, { type: 'start' }>): Promise<void> => {
    const Ctor = grpc.makeGenericClientConstructor(clusterManagerService(), 'ClusterManager');
    const channels = Math.max(1, Math.ceil(msg.names.length / msg.perChannel));
    // A local subchannel pool per client: each channel gets its own TCP connection, as
    // real agents (one process per machine) would.
    clients = Array.from({ length: channels }, () => new Ctor(msg.cm, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5_000 }));
    const capacity = { memory_mb: nodeMemoryMb, vcores: nodeVcores, gpus: 0, custom: {} };
    const regIds = new Array<string>(msg.names.length);
    let failed = 0;
    // Register in waves of 100 so the CM is not hit by thousands of calls at once.
    for (let i = 0; i < msg.names.length; i += 100) {
      await Promise.all(
        msg.names.slice(i, i + 100).map(async (name, k) => {
          const idx = i + k;
          try {
            const res = await unary<object, { registration_id: string }>(clients[Math.floor(idx / msg.perChannel)], 'RegisterNode', { name, rack: `/rack-${Math.floor(idx / 40)}`, rpc_address: `127.0.0.1:${20_000 + idx}`, shuffle_address: `127.0.0.1:${40_000 + idx}`, capacity, containers: [] }, 10_000);
            regIds[idx] = res.registration_id;
          } catch {
            failed++;
          }
        }),
      );
    }
    send({ type: 'registered', failed });

    const t0 = performance.now();
    msg.names.forEach((name, idx) => {
      if (!regIds[idx]) return;
      const client = clients[Math.floor(idx / msg.perChannel)];
      // As a node agent does: its heartbeats over one stream (or, with --unary, one call each).
      const heartbeats = new OrderedStream<object, { reregister: boolean; kill_grant_ids: string[] }>(client, 'NodeHeartbeats', 'NodeHeartbeat');
      streams.push(heartbeats);
      let due = t0 + msg.phaseOf[idx];
      let inFlight = false;
      const beat = (): void => {
        if (inFlight) {
          stats.skipped++;
          return;
        }
        inFlight = true;
        const started = process.hrtime.bigint();
        const req = {
          name,
          registration_id: regIds[idx],
          capacity,
          usage: { memory_mb: 8_000 + Math.floor(Math.random() * 40_000), cpu_cores: Math.random() * nodeVcores },
          containers: containersOf.get(name) ?? [],
          healthy: true,
          health_report: '',
        };
        (msg.unary ? unary<object, { reregister: boolean; kill_grant_ids: string[] }>(client, 'NodeHeartbeat', req, 2 * heartbeatMs) : heartbeats.call1(req, 2 * heartbeatMs))
          .then((res) => {
            const end = process.hrtime.bigint();
            if (measuring && started >= measureStart) {
              latencies.push(Number(end - started) / 1e6);
              stats.ok++;
              if (res.reregister) stats.reregister++;
              stats.killed += res.kill_grant_ids.length;
            }
          })
          .catch(() => {
            if (measuring) stats.failed++;
          })
          .finally(() => {
            inFlight = false;
          });
      };
      const schedule = (): void => {
        const t = setTimeout(() => {
          timers.delete(t);
          beat();
          due += heartbeatMs;
          schedule();
        }, Math.max(0, due - performance.now()));
        timers.add(t);
      };
      schedule();
    });
  };

  process.on('message', (msg: ToWorker) => {
    switch (msg.type) {
      case 'start':
        start(msg).catch((err: unknown) => {
          console.error('load generator failed:', err);
          process.exit(1);
        });
        break;
      case 'grants':
        for (const g of msg.grants) {
          const list = containersOf.get(g.node) ?? [];
          list.push({ container_id: `c-${g.grantId}`, grant_id: g.grantId, session_id: g.sessionId, state: 'RUNNING', rss_mb: 500 + Math.floor(Math.random() * 1500) });
          containersOf.set(g.node, list);
        }
        break;
      case 'measure':
        latencies = [];
        stats = { ok: 0, failed: 0, skipped: 0, reregister: 0, killed: 0 };
        measureStart = process.hrtime.bigint();
        cpuStart = process.cpuUsage();
        loopDelay.reset();
        measuring = true;
        break;
      case 'report': {
        measuring = false;
        const cpu = process.cpuUsage(cpuStart);
        send({ type: 'report', latenciesMs: latencies, ...stats, windowMs: Number(process.hrtime.bigint() - measureStart) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, channels: clients.length, loopDelayP99Ms: loopDelay.percentile(99) / 1e6 });
        break;
      }
      case 'stop':
        for (const t of timers) clearTimeout(t);
        for (const h of streams) h.close();
        for (const c of clients) c.close();
        process.disconnect?.();
        setTimeout(() => process.exit(0), 200).unref();
        break;
    }
  });
}

// ------------------------------------------------------------------ measurement helpers

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in ms. */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks;
}

function procStatusKb(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** Machine-wide busy and total jiffies (all cores). */
function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - v[3] - (v[4] ?? 0), total };
}

/** Sockets in the CM's fd table: its listeners plus one per client connection. */
function socketCount(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      /* fd closed meanwhile */
    }
  }
  return n;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ CPU profile summary

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface ProfileSummary {
  totalMs: number;
  top: Array<{ fn: string; where: string; selfMs: number; share: number }>;
  byArea: Array<{ area: string; selfMs: number; share: number }>;
}

function summarizeProfile(file: string, topN = 15): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const fnSelf = new Map<string, { fn: string; where: string; us: number }>();
  const areaSelf = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const fn = n.callFrame.functionName || '(anonymous)';
    if (fn === '(idle)') continue;
    busyUs += us;
    const url = n.callFrame.url;
    const short = url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
    const where = url ? `${short}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${fn}@${where}`;
    const e = fnSelf.get(key) ?? { fn, where, us: 0 };
    e.us += us;
    fnSelf.set(key, e);
    const area = url.includes('/@grpc/') ? 'grpc-js' : url.includes('/protobufjs/') || url.includes('/@protobufjs/') ? 'protobufjs (encode/decode)' : url.includes('/dist/') ? 'coronet (dist/)' : url.startsWith('node:') ? 'node core (JS)' : url.includes('node_modules') ? 'other node_modules' : fn.startsWith('(') ? fn : 'native / builtins';
    areaSelf.set(area, (areaSelf.get(area) ?? 0) + us);
  }
  return {
    totalMs: busyUs / 1000,
    top: [...fnSelf.values()].sort((a, b) => b.us - a.us).slice(0, topN).map((e) => ({ fn: e.fn, where: e.where, selfMs: e.us / 1000, share: e.us / busyUs })),
    byArea: [...areaSelf].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, selfMs: us / 1000, share: us / busyUs })),
  };
}

// ------------------------------------------------------------------ one run

interface PhaseResult {
  nodes: number;
  registered: number;
  channels: number;
  cmCpuShare: number;
  cmRssMb: number;
  cmPeakRssMb: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  heartbeatsPerSec: number;
  failed: number;
  skipped: number;
  reregister: number;
  killed: number;
  containers: number;
  cmCpuMsPerHeartbeat: number;
  loadgenCpuShare: number;
  machineBusyCores: number;
  /** Cores used by processes outside this bench (other work on the machine). */
  backgroundCores: number;
  cmSockets: number;
  /** Event-loop delay p99 in the load generators (their own lag inflates the latencies). */
  loadgenLoopDelayP99Ms: number;
  /** GetClusterInfo round trips from the (idle) bench process on its own channel, during the window. */
  probeP50Ms: number;
  probeP99Ms: number;
  nodesAliveAtEnd: number;
  profile?: ProfileSummary;
}

function waitReady(cm: ChildProcess): Promise<{ rpc: string; http: string }> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: cm.stdout! });
    const onExit = (code: number | null): void => reject(new Error(`cluster manager exited with ${code} before it was ready`));
    cm.once('exit', onExit);
    rl.on('line', (line) => {
      try {
        const ev = JSON.parse(line) as { event?: string; rpc: string; http: string };
        if (ev.event === 'ready') {
          cm.off('exit', onExit);
          rl.close();
          resolve(ev);
        }
      } catch {
        /* not our line */
      }
    });
  });
}

function nextMessage<T extends FromWorker['type']>(w: ChildProcess, type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      w.off('message', onMsg);
      reject(new Error(`load generator did not send "${type}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMsg = (m: FromWorker): void => {
      if (m.type !== type) return;
      clearTimeout(timer);
      w.off('message', onMsg);
      resolve(m as Extract<FromWorker, { type: T }>);
    };
    w.on('message', onMsg);
  });
}

function waitExit(p: ChildProcess, timeoutMs: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function runPhase(n: number, opts: { warmupMs: number; measureMs: number; workers: number; perChannel: number; containersPerNode: number; profile: boolean; cmNodeArgs: string[]; keepLog: boolean; unary: boolean }): Promise<PhaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'coronet-hb-bench-'));
  const configFile = join(dir, 'cm.json');
  writeFileSync(configFile, JSON.stringify({ nodeHeartbeatIntervalMs: heartbeatMs, nodeExpiryMs: 30_000, stateDir: join(dir, 'state') }));
  const profDir = join(dir, 'prof');
  const logFd = openSync(join(dir, 'cm.log'), 'w');
  const cm = spawn(process.execPath, [...(opts.profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), ...opts.cmNodeArgs, cliPath, 'cluster-manager', '--rpc-host', '127.0.0.1', '--http-host', '127.0.0.1', '--rpc-port', '0', '--http-port', '0', '--config', configFile], {
    stdio: ['ignore', 'pipe', logFd],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  closeSync(logFd);
  const workers: ChildProcess[] = [];
  let client: ReturnType<typeof clusterManagerClient> | undefined;
  let sessionTimer: NodeJS.Timeout | undefined;
  try {
    const { rpc } = await waitReady(cm);
    // Keep draining its stdout (e.g. --trace-gc output): a full pipe would block the CM.
    cm.stdout!.pipe(createWriteStream(join(dir, 'cm.stdout.log')));
    const cmPid = cm.pid!;

    // Split the nodes over the load generators; phases spread evenly over the second
    // across the whole cluster.
    const names = Array.from({ length: n }, (_, i) => `hb-${String(i).padStart(5, '0')}`);
    const owner = new Map<string, number>();
    for (let w = 0; w < opts.workers; w++) {
      const mine = names.filter((_, i) => i % opts.workers === w);
      const phaseOf = names.map((_, i) => i).filter((i) => i % opts.workers === w).map((i) => ((i + Math.random() * 0.5) * heartbeatMs) / n);
      for (const name of mine) owner.set(name, w);
      const child = fork(thisFile, ['--worker'], { execArgv: [], env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(child);
      child.send({ type: 'start', cm: rpc, names: mine, phaseOf, perChannel: opts.perChannel, unary: opts.unary } satisfies ToWorker);
    }
    const regs = await Promise.all(workers.map((w) => nextMessage(w, 'registered', 60_000)));
    const registered = n - regs.reduce((a, r) => a + r.failed, 0);

    // One session holding containersPerNode x N small containers, reported by their nodes.
    client = clusterManagerClient(rpc);
    const c = client;
    const s = await unary<object, { session_id: string; session_secret: string }>(c, 'StartSession', { name: 'cm-heartbeats', user: 'bench', kind: 'bench' });
    const auth = { session_id: s.session_id, session_secret: s.session_secret };
    sessionTimer = setInterval(() => void unary(c, 'SessionHeartbeat', auth).catch(() => undefined), 2_000);
    const wanted = n * opts.containersPerNode;
    const grants: NodeGrant[] = [];
    const stream = c.SessionEvents(auth);
    const gotAll = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${grants.length} of ${wanted} grants arrived`)), 30_000);
      stream.on('data', (batch: WireSessionEventBatch) => {
        for (const e of batch.events) if (e.grant) grants.push({ node: e.grant.node_name, grantId: e.grant.grant_id, sessionId: e.grant.session_id });
        if (grants.length >= wanted) {
          clearTimeout(timer);
          resolve();
        }
      });
      stream.on('error', () => undefined);
    });
    if (wanted > 0) {
      await unary(c, 'RequestResources', { ...auth, requests: [{ request_id: 'r1', resources: { memory_mb: containerMemoryMb, vcores: 1 }, count: wanted, relax_locality: true }] });
      await gotAll;
    }
    const perWorker = workers.map(() => [] as NodeGrant[]);
    for (const g of grants) perWorker[owner.get(g.node) ?? 0].push(g);
    workers.forEach((w, i) => w.send({ type: 'grants', grants: perWorker[i] } satisfies ToWorker));

    await sleep(opts.warmupMs);

    const cpu0 = procCpuMs(cmPid);
    const m0 = machineJiffies();
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    for (const w of workers) w.send({ type: 'measure' } satisfies ToWorker);
    // A probe from this mostly idle process: CM queueing without load-generator lag.
    const probe: number[] = [];
    const probeEnd = performance.now() + opts.measureMs;
    while (performance.now() < probeEnd) {
      const p0 = performance.now();
      await unary(c, 'GetClusterInfo', {}, 5_000).catch(() => undefined);
      probe.push(performance.now() - p0);
      await sleep(Math.max(0, Math.min(50, probeEnd - performance.now())));
    }
    probe.sort((a, b) => a - b);
    const replies = workers.map((w) => nextMessage(w, 'report', 10_000));
    for (const w of workers) w.send({ type: 'report' } satisfies ToWorker);
    const cpu1 = procCpuMs(cmPid);
    const m1 = machineJiffies();
    const self1 = process.cpuUsage(self0);
    const wallMs = performance.now() - t0;
    const rssKb = procStatusKb(cmPid, 'VmRSS');
    const hwmKb = procStatusKb(cmPid, 'VmHWM');
    const sockets = socketCount(cmPid);
    const reps = await Promise.all(replies);
    const info = await unary<object, { nodes_alive: number }>(c, 'GetClusterInfo', {});

    const busyCores = ((m1.busy - m0.busy) / (m1.total - m0.total)) * cpuCount();
    const lat = reps.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
    const ok = reps.reduce((a, r) => a + r.ok, 0);
    const windowMs = Math.max(...reps.map((r) => r.windowMs));
    stream.cancel();
    await unary(c, 'EndSession', { ...auth, status: 'SUCCEEDED' }).catch(() => undefined);
    return {
      nodes: n,
      registered,
      channels: reps.reduce((a, r) => a + r.channels, 0),
      cmCpuShare: (cpu1 - cpu0) / wallMs,
      cmRssMb: rssKb / 1024,
      cmPeakRssMb: hwmKb / 1024,
      p50Ms: percentile(lat, 50),
      p90Ms: percentile(lat, 90),
      p99Ms: percentile(lat, 99),
      maxMs: lat[lat.length - 1] ?? NaN,
      heartbeatsPerSec: ok / (windowMs / 1000),
      failed: reps.reduce((a, r) => a + r.failed, 0),
      skipped: reps.reduce((a, r) => a + r.skipped, 0),
      reregister: reps.reduce((a, r) => a + r.reregister, 0),
      killed: reps.reduce((a, r) => a + r.killed, 0),
      containers: grants.length,
      cmCpuMsPerHeartbeat: (cpu1 - cpu0) / ok,
      loadgenCpuShare: reps.reduce((a, r) => a + r.cpuMs, 0) / windowMs,
      machineBusyCores: busyCores,
      backgroundCores: Math.max(0, busyCores - (cpu1 - cpu0) / wallMs - reps.reduce((a, r) => a + r.cpuMs, 0) / windowMs - (self1.user + self1.system) / 1000 / wallMs),
      cmSockets: sockets,
      loadgenLoopDelayP99Ms: Math.max(...reps.map((r) => r.loopDelayP99Ms)),
      probeP50Ms: percentile(probe, 50),
      probeP99Ms: percentile(probe, 99),
      nodesAliveAtEnd: info.nodes_alive,
    };
  } finally {
    if (sessionTimer) clearInterval(sessionTimer);
    client?.close();
    for (const w of workers) if (w.connected) w.send({ type: 'stop' } satisfies ToWorker);
    await Promise.all(workers.map((w) => waitExit(w, 3_000)));
    cm.kill('SIGTERM');
    await waitExit(cm, 10_000);
    if (opts.profile) {
      try {
        const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
        if (file) profiles.set(n, summarizeProfile(join(profDir, file)));
      } catch (err) {
        console.error('cannot read the CPU profile:', err);
      }
    }
    if (opts.keepLog) process.stderr.write(`cm-heartbeats: CM log kept in ${join(dir, 'cm.log')}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const profiles = new Map<number, ProfileSummary>();

function cpuCount(): number {
  return readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
}

// ------------------------------------------------------------------ main

function listArg(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const list = String(process.argv[i + 1] ?? '').split(',').map(Number);
  if (!list.length || list.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`${name} wants a comma-separated list of node counts`);
  return list;
}

async function main(): Promise<void> {
  const sizes = listArg('--nodes', [500, 1_000, 2_000]);
  const opts = {
    warmupMs: argValue('--warmup', 5) * 1000,
    measureMs: argValue('--measure', 15) * 1000,
    workers: argValue('--workers', 2),
    perChannel: argValue('--per-channel', 50),
    containersPerNode: argValue('--containers', 3),
    unary: process.argv.includes('--unary'),
    profile: process.argv.includes('--profile'),
    // Extra node flags for the CM process, e.g. --cm-node-args "--max-semi-space-size=16".
    cmNodeArgs: process.argv.includes('--cm-node-args') ? String(process.argv[process.argv.indexOf('--cm-node-args') + 1]).split(' ').filter(Boolean) : [],
    keepLog: process.argv.includes('--keep-log'),
  };
  const cores = cpuCount();
  const results: PhaseResult[] = [];
  for (const n of sizes) {
    process.stderr.write(`cm-heartbeats: ${n} nodes ...\n`);
    const r = await runPhase(n, opts);
    results.push(r);
    process.stderr.write(`cm-heartbeats: ${n} nodes: CM ${(r.cmCpuShare * 100).toFixed(1)}% of a core, p99 ${r.p99Ms.toFixed(2)} ms, ${r.heartbeatsPerSec.toFixed(0)} hb/s\n`);
  }

  const atTarget = results.find((r) => r.nodes === targetNodes) ?? results[results.length - 1];
  const cpuOk = atTarget.cmCpuShare <= targetCpu;
  const p99Ok = atTarget.p99Ms <= targetP99Ms;
  const f1 = (x: number): string => x.toFixed(1);
  const f2 = (x: number): string => x.toFixed(2);
  const rows: Row[] = [];
  for (const r of results) {
    const t = r === atTarget;
    rows.push(
      { metric: `N=${r.nodes}: CM CPU (% of one core)`, value: f1(r.cmCpuShare * 100), ...(t ? { target: '<= 50 %', ok: cpuOk } : {}) },
      { metric: `N=${r.nodes}: CM CPU per heartbeat (ms)`, value: r.cmCpuMsPerHeartbeat.toFixed(3) },
      { metric: `N=${r.nodes}: heartbeat p50 (ms)`, value: f2(r.p50Ms) },
      { metric: `N=${r.nodes}: heartbeat p99 (ms)`, value: f2(r.p99Ms), ...(t ? { target: '<= 20 ms', ok: p99Ok } : {}) },
      { metric: `N=${r.nodes}: heartbeat max (ms)`, value: f2(r.maxMs) },
      { metric: `N=${r.nodes}: heartbeats/s (expected ${r.registered})`, value: f1(r.heartbeatsPerSec) },
      { metric: `N=${r.nodes}: probe from idle process p50 / p99 (ms)`, value: `${f2(r.probeP50Ms)} / ${f2(r.probeP99Ms)}` },
      { metric: `N=${r.nodes}: load generator event-loop delay p99 (ms)`, value: f2(r.loadgenLoopDelayP99Ms) },
      { metric: `N=${r.nodes}: CM RSS / peak (MiB)`, value: `${f1(r.cmRssMb)} / ${f1(r.cmPeakRssMb)}` },
      { metric: `N=${r.nodes}: failed / late-skipped heartbeats`, value: `${r.failed} / ${r.skipped}` },
      { metric: `N=${r.nodes}: load generators CPU (% of one core)`, value: f1(r.loadgenCpuShare * 100) },
      { metric: `N=${r.nodes}: machine busy (cores of ${cores})`, value: f2(r.machineBusyCores) },
      { metric: `N=${r.nodes}: of which outside this bench (cores)`, value: f2(r.backgroundCores) },
    );
  }

  const hdr = ['nodes', 'CM-CPU%', 'CM-ms/hb', 'p50-ms', 'p99-ms', 'hb/s', 'CM-RSS-MiB', 'loadgen-CPU%', 'other-cores', 'channels'];
  const table = [hdr, ...results.map((r) => [String(r.nodes), f1(r.cmCpuShare * 100), r.cmCpuMsPerHeartbeat.toFixed(3), f2(r.p50Ms), f2(r.p99Ms), f1(r.heartbeatsPerSec), f1(r.cmRssMb), f1(r.loadgenCpuShare * 100), f2(r.backgroundCores), String(r.channels)])];
  const widths = hdr.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  process.stdout.write(table.map((row) => row.map((c, i) => c.padStart(widths[i])).join('  ')).join('\n') + '\n');
  process.stdout.write(`targets at N=${atTarget.nodes}: CM <= 50 % of one core (${cpuOk ? 'ok' : 'MISSED'}), p99 <= 20 ms (${p99Ok ? 'ok' : 'MISSED'})\n`);
  const busiest = Math.max(...results.map((r) => r.backgroundCores));
  if (busiest > 0.2) process.stdout.write(`WARNING: other processes used up to ${f2(busiest)} cores of ${cores} during the measurement; latencies and heartbeats/s are inflated/deflated by that contention (CM ms per heartbeat is the figure least affected).\n`);
  process.stdout.write('\n');

  const profileLines: string[] = [];
  const prof = profiles.get(atTarget.nodes);
  if (prof) {
    profileLines.push(`CM CPU profile at N=${atTarget.nodes} (whole CM run incl. registration; busy ${f1(prof.totalMs)} ms), self time:`);
    for (const a of prof.byArea) profileLines.push(`  ${(a.share * 100).toFixed(1).padStart(5)}%  ${a.area}`);
    profileLines.push('  top functions:');
    for (const e of prof.top) profileLines.push(`  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.fn}  ${e.where}`);
  }

  if (profileLines.length) process.stdout.write(profileLines.join('\n') + '\n\n');
  report(
    `cm-heartbeats: real CM process, N simulated node agents over gRPC on loopback, 1 s heartbeats ${opts.unary ? '(one unary NodeHeartbeat call each, --unary)' : '(on one NodeHeartbeats stream per agent, as node agents send them)'}, ${opts.containersPerNode} containers/node on average, ` +
      `${opts.warmupMs / 1000} s warm-up + ${opts.measureMs / 1000} s measured per N.\n` +
      `Load generators (${opts.workers} processes, one channel per ${opts.perChannel} nodes) share the machine's ${cores} cores with the CM, so latencies include their scheduling noise.`,
    rows,
    {
      bench: 'cm-heartbeats',
      cores,
      warmupS: opts.warmupMs / 1000,
      measureS: opts.measureMs / 1000,
      workers: opts.workers,
      transport: opts.unary ? 'unary' : 'stream',
      nodesPerChannel: opts.perChannel,
      containersPerNode: opts.containersPerNode,
      results: results.map((r) => ({ ...r, profile: undefined })),
      target: { nodes: atTarget.nodes, cmCpuShareMax: targetCpu, p99MsMax: targetP99Ms },
      targetsMet: cpuOk && p99Ok,
      ...(prof ? { profile: { nodes: atTarget.nodes, ...prof } } : {}),
    },
  );
}

if (process.argv.includes('--worker')) {
  workerMain();
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
