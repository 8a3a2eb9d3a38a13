// A local cluster: one cluster manager and N node agents as real daemons in separate
// processes on loopback, with random ports. `coronet local` runs one until
// interrupted; client commands start one embedded when no cluster is named; the
// integration tests and benchmarks use it too.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, mkdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, totalmem, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { clusterManagerClient, unary } from '../proto/index.js';

const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
const readyTimeoutMs = 30_000;
const stopGraceMs = 5_000;

export interface LocalClusterOptions {
  nodes?: number;
  memoryMbPerNode?: number;
  vcoresPerNode?: number;
  /** Extra flags for the cluster manager (e.g. ['--config', file]). */
  cmArgs?: string[];
  /** Extra flags for every node agent. */
  agentArgs?: string[];
  /** Warm runners per node agent (its --warm-runners; default: the agent's default). */
  warmRunners?: number;
  /** Where state, work dirs and daemon logs go; a fresh temp dir by default (removed on stop). */
  baseDir?: string;
  /** 'files' (default): daemon logs to baseDir/logs; 'inherit': to this process's stderr, pretty. */
  logs?: 'files' | 'inherit';
  env?: Record<string, string>;
  /**
   * The daemons listen on ports picked free below the kernel's ephemeral range, not on
   * ports the kernel picks. A daemon restarted on its ports (restartCm, addAgent with
   * samePorts) can then have them again: a port of the ephemeral range may meanwhile be
   * the local end of any new connection on the host (even of a client retrying the dead
   * daemon's port: such a connection can connect to itself). The tests use this.
   */
  stablePorts?: boolean;
}

export interface LocalDaemon {
  name: string;
  process: ChildProcess;
  rpcAddress: string;
  httpAddress: string;
  args: string[];
}

export interface LocalCluster {
  cmAddress: string;
  httpAddress: string;
  baseDir: string;
  cm: LocalDaemon;
  agents: LocalDaemon[];
  /** Starts another node agent (or restarts a named one on its old work dir; `samePorts`:
   *  on the RPC and shuffle ports it had, as a restarted agent on a real host would be). */
  addAgent(name?: string, opts?: { samePorts?: boolean }): Promise<LocalDaemon>;
  /** Restarts the cluster manager on the same ports and state dir (SIGKILL: a crash). */
  /** Stops the CM (SIGTERM or SIGKILL), waits `downMs` (an outage), starts it again on the same state. */
  restartCm(opts?: { signal?: 'SIGTERM' | 'SIGKILL'; downMs?: number }): Promise<void>;
  waitForNodes(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface Ready {
  event: 'ready';
  rpc: string;
  http: string;
}

function startDaemon(name: string, args: string[], o: { logs: 'files' | 'inherit'; logDir: string; env?: Record<string, string> }): Promise<LocalDaemon> {
  const env = { ...process.env, ...o.env, CORONET_LOG_FORMAT: o.logs === 'inherit' ? 'pretty' : 'json' };
  const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logFile: WriteStream | null = null;
  if (o.logs === 'files') {
    logFile = createWriteStream(join(o.logDir, `${name}.log`), { flags: 'a' });
    child.stderr!.pipe(logFile);
  } else child.stderr!.pipe(process.stderr);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${readyTimeoutMs} ms (see ${join(o.logDir, name + '.log')})`));
    }, readyTimeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let msg: Ready | undefined;
      try {
        msg = JSON.parse(line) as Ready;
      } catch {
        return;
      }
      if (msg?.event === 'ready') {
        clearTimeout(timer);
        resolve({ name, process: child, rpcAddress: msg.rpc, httpAddress: msg.http, args });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up (${signal ?? `code ${code}`}); see ${o.logs === 'files' ? join(o.logDir, name + '.log') : 'the log above'}`));
    });
  });
}

function stopDaemon(d: LocalDaemon): Promise<void> {
  const p = d.process;
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

/** Where the kernel's ephemeral port range starts (Linux; else the IANA default). */
function ephemeralPortsStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(first) && first > 0) return first;
  } catch {
    // not Linux
  }
  return 49152;
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A port free on `host` just now, below the ephemeral range and not in `taken` ('0', the kernel's pick, if none is found). */
async function stablePort(host: string, taken: Set<string>): Promise<string> {
  const bottom = 10_000;
  const top = ephemeralPortsStart();
  for (let i = 0; i < 20 && top - bottom >= 1000; i++) {
    const port = String(bottom + Math.floor(Math.random() * (top - bottom)));
    if (!taken.has(port) && (await canListen(host, Number(port)))) {
      taken.add(port);
      return port;
    }
  }
  return '0';
}

export async function startLocalCluster(o: LocalClusterOptions = {}): Promise<LocalCluster> {
  const nodes = o.nodes ?? 2;
  const ownsBaseDir = !o.baseDir;
  const baseDir = o.baseDir ?? mkdtempSync(join(tmpdir(), 'coronet-local-'));
  const logDir = join(baseDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logs = o.logs ?? 'files';
  const memoryMb = o.memoryMbPerNode ?? Math.max(1024, Math.floor(totalmem() / 1048576 / Math.max(1, nodes)));
  const vcores = o.vcoresPerNode ?? Math.max(2, cpus().length);
  const daemonOpts = { logs, logDir, env: o.env };

  const picked = new Set<string>();
  const port = (): Promise<string> => (o.stablePorts ? stablePort('127.0.0.1', picked) : Promise.resolve('0'));
  const cmArgs = ['cluster-manager', '--rpc-host', '127.0.0.1', '--http-host', '127.0.0.1', '--rpc-port', await port(), '--http-port', await port(), '--state-dir', join(baseDir, 'cm-state'), ...(o.cmArgs ?? [])];
  let cm = await startDaemon('cluster-manager', cmArgs, daemonOpts);
  const agents: LocalDaemon[] = [];
  const children = new Set<ChildProcess>([cm.process]);
  const killAll = () => {
    for (const c of children) c.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const agentArgsFor = (name: string) => ['node-agent', '--cm', cm.rpcAddress, '--name', name, '--host', '127.0.0.1', '--memory-mb', String(memoryMb), '--vcores', String(vcores), '--work-dir', join(baseDir, name), ...(o.warmRunners !== undefined ? ['--warm-runners', String(o.warmRunners)] : []), ...(o.agentArgs ?? [])];
  const addAgent = async (name?: string, opts: { samePorts?: boolean } = {}): Promise<LocalDaemon> => {
    const n = name ?? `node-${agents.length + 1}`;
    const old = agents.find((x) => x.name === n);
    const ports = opts.samePorts && old ? ['--rpc-port', old.rpcAddress.split(':')[1], '--shuffle-port', old.httpAddress.split(':')[1]] : o.stablePorts ? ['--rpc-port', await port(), '--shuffle-port', await port()] : [];
    const a = await startDaemon(n, [...agentArgsFor(n), ...ports], daemonOpts);
    children.add(a.process);
    const i = agents.findIndex((x) => x.name === n);
    if (i >= 0) agents[i] = a;
    else agents.push(a);
    return a;
  };

  const waitForNodes = async (count: number, timeoutMs = readyTimeoutMs): Promise<void> => {
    const client = clusterManagerClient(cluster.cmAddress);
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        try {
          const res = await unary<object, { nodes: Array<{ state: string }> }>(client, 'ListNodes', {}, 2_000);
          if (res.nodes.filter((n) => n.state === 'alive').length >= count) return;
        } catch {
          // CM still starting.
        }
        if (Date.now() > deadline) throw new Error(`only some of ${count} node agents registered within ${timeoutMs} ms (logs in ${logDir})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      client.close();
    }
  };

  const cluster: LocalCluster = {
    cmAddress: cm.rpcAddress,
    httpAddress: cm.httpAddress,
    baseDir,
    cm,
    agents,
    addAgent,
    waitForNodes,
    restartCm: async ({ signal = 'SIGTERM', downMs = 0 } = {}) => {
      if (signal === 'SIGKILL') {
        const exited = new Promise((r) => cm.process.once('exit', r));
        cm.process.kill('SIGKILL');
        await exited;
      } else await stopDaemon(cm);
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      const [, port] = cm.rpcAddress.split(':');
      const [, httpPort] = cm.httpAddress.split(':');
      const args = cmArgs.map((a, i) => (cmArgs[i - 1] === '--rpc-port' ? port : cmArgs[i - 1] === '--http-port' ? httpPort : a));
      cm = await startDaemon('cluster-manager', args, daemonOpts);
      children.add(cm.process);
      cluster.cm = cm;
    },
    stop: async () => {
      process.removeListener('exit', killAll);
      await Promise.all(agents.map(stopDaemon));
      await stopDaemon(cluster.cm);
      if (ownsBaseDir) rmSync(baseDir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(Array.from({ length: nodes }, () => null).map((_, i) => addAgent(`node-${i + 1}`)));
    agents.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    await waitForNodes(nodes);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
