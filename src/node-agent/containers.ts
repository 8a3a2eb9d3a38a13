// Containers on one node: launch on a verified grant, watch memory, stop, report.
//
// A container is a process group (detached spawn) with its own work directory,
// environment and stdout/stderr log files. States: RUNNING -> EXITED | KILLED |
// OVER_LIMIT | FAILED_TO_START (| LOST after an agent restart). Work directories are
// removed when the container ends; logs stay under logs/<session>/<container>/ until
// the session has been gone for `logRetentionMs`.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, copyFileSync, rmSync, existsSync, readdirSync, statSync, readFileSync, writeFileSync, renameSync, accessSync, constants } from 'node:fs';
import { join, basename, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resources } from '../common/resources.js';
import type { Logger } from '../common/log.js';
import { verifyGrant, verifySessionSecret } from '../common/tokens.js';
import { readProcessTable, treeRssBytes, processStartTime, killGroup } from './proc.js';
import { detectCgroups, type Cgroups, type ContainerCgroup } from './cgroups.js';
import { WarmRunnerPool, type TakenWarmRunner } from './warm-runners.js';

export type ContainerStateName = 'RUNNING' | 'EXITED' | 'KILLED' | 'OVER_LIMIT' | 'FAILED_TO_START' | 'LOST';

export interface LaunchGrant {
  grantId: string;
  sessionId: string;
  /** The session's user (in the token). */
  user: string;
  node: string;
  resources: Resources;
  token: string;
  expiresAtMs: number;
}

export interface ContainerSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  files: Array<{ source: string; name: string }>;
}

export interface ContainerStatus {
  containerId: string;
  grantId: string;
  sessionId: string;
  nodeName: string;
  state: ContainerStateName;
  exitCode: number;
  signal: string;
  diagnostics: string;
  startedAtMs: number;
  finishedAtMs: number;
  stdoutPath: string;
  stderrPath: string;
}

interface Container extends ContainerStatus {
  pid: number;
  /** The process's start time (/proc), to tell it from a later process with the same pid. */
  pidStart: number;
  child: ChildProcess | null;
  memoryLimitMb: number;
  workDir: string;
  rssMb: number;
  /** Why we are killing it, decided before the exit event arrives. */
  killReason: { state: ContainerStateName; diagnostics: string } | null;
  cgroup: ContainerCgroup | null;
  /** The grant's vcores. */
  vcores: number;
  /** The session's user (from the grant token). */
  user: string;
  /** Its process's exit handler (a process kept for reuse outlives the container). */
  onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | null;
}

export class LaunchRefused extends Error {
  override readonly name = 'LaunchRefused';
  constructor(
    readonly code: 'unauthenticated' | 'invalid' | 'busy' | 'not-ready',
    message: string,
  ) {
    super(message);
  }
}

export interface ContainerManagerOptions {
  nodeName: string;
  workDir: string;
  cmAddress: () => string;
  /** The agent's HTTP address (map output, logs), as drivers reach it. */
  httpAddress: () => string;
  advertiseHost: () => string;
  tokenKey: () => string | null;
  log: Logger;
  memoryCheckIntervalMs: number;
  stopGraceMs: number;
  /** Ended containers kept for status queries. */
  finishedKept: number;
  /** Warm runners kept ready for containers that run a Node script of this install (0: none). */
  warmRunners?: number;
  /** Whether the process of a container that ran in a warm runner may run the user's next one (default: yes). */
  reuseRunners?: boolean;
  /** The module that warms a warm runner up ('' = none). */
  warmupModule?: string;
  /** The node's vcores: warm runners are refilled only while running containers hold fewer. */
  vcores?: number;
  availableMemoryMb?: () => number;
  now?: () => number;
}

const fileNameOk = /^[A-Za-z0-9._-]+$/;
/** How long an agent's shutdown waits for the containers it killed to exit. */
const killWaitMs = 2_000;

export class ContainerManager {
  private readonly containers = new Map<string, Container>();
  private readonly byGrant = new Map<string, string>();
  private readonly listeners = new Map<string, Set<(s: ContainerStatus) => void>>();
  private readonly endedSessions = new Set<string>();
  private readonly sessionJobs = new Map<string, Set<string>>();
  readonly shuffleDir: string;
  private readonly cgroups: Cgroups | null;
  readonly warmRunners: WarmRunnerPool;
  private finishedOrder: string[] = [];
  private seq = 0;
  private monitor: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  overLimitKills = 0;
  launched = 0;

  constructor(private readonly o: ContainerManagerOptions) {
    this.now = o.now ?? Date.now;
    mkdirSync(join(o.workDir, 'containers'), { recursive: true });
    mkdirSync(join(o.workDir, 'logs'), { recursive: true });
    this.shuffleDir = join(o.workDir, 'mapoutput');
    mkdirSync(this.shuffleDir, { recursive: true });
    this.cgroups = detectCgroups(o.nodeName, o.log);
    this.recoverPreviousIncarnation();
    this.warmRunners = new WarmRunnerPool({
      count: o.warmRunners ?? 0,
      reuse: o.reuseRunners ?? true,
      dir: join(o.workDir, 'warm'),
      warmupModule: o.warmupModule ?? '',
      baseEnv: () => this.baseEnv(),
      availableMemoryMb: o.availableMemoryMb ?? (() => Number.MAX_SAFE_INTEGER),
      coresFree: () => o.vcores === undefined || this.runningVcores() < o.vcores,
      cgroups: this.cgroups,
      log: o.log,
    });
  }

  /** Vcores of the grants whose containers are running. */
  private runningVcores(): number {
    let n = 0;
    for (const c of this.containers.values()) if (c.state === 'RUNNING') n += c.vcores;
    return n;
  }

  /** The agent's environment as containers inherit it (before their spec's own). */
  private baseEnv(): Record<string, string> {
    const env = { ...(process.env as Record<string, string>) };
    delete env.CORONET_LOG_FORMAT;
    return env;
  }

  private get recordFile(): string {
    return join(this.o.workDir, 'containers.json');
  }

  /** Running containers, on disk, so the next incarnation of the agent knows about them. */
  private persist(): void {
    const running = [...this.containers.values()].filter((c) => c.state === 'RUNNING' && c.pid).map((c) => ({ containerId: c.containerId, grantId: c.grantId, sessionId: c.sessionId, pid: c.pid, pidStart: c.pidStart, startedAtMs: c.startedAtMs, stdoutPath: c.stdoutPath, stderrPath: c.stderrPath }));
    const tmp = this.recordFile + '.tmp';
    writeFileSync(tmp, JSON.stringify(running));
    renameSync(tmp, this.recordFile);
  }

  /**
   * The agent restarted on the same work dir: containers of the previous incarnation
   * lost their supervisor (no memory watch, no exit events), so they are killed and
   * reported LOST to their drivers; their logs stay. Map outputs in the shuffle dir
   * stay servable for the jobs that still need them.
   */
  private recoverPreviousIncarnation(): void {
    let records: Array<{ containerId: string; grantId: string; sessionId: string; pid: number; pidStart: number; startedAtMs: number; stdoutPath: string; stderrPath: string }> = [];
    try {
      records = JSON.parse(readFileSync(this.recordFile, 'utf8'));
    } catch {
      return;
    }
    for (const r of Array.isArray(records) ? records : []) {
      if (typeof r?.pid !== 'number' || typeof r.containerId !== 'string') continue;
      const alive = r.pid > 0 && processStartTime(r.pid) === r.pidStart;
      if (alive) killGroup(r.pid, 'SIGKILL');
      const c: Container = {
        containerId: r.containerId, grantId: r.grantId, sessionId: r.sessionId, nodeName: this.o.nodeName, state: 'LOST', exitCode: -1, signal: alive ? 'SIGKILL' : '',
        diagnostics: alive ? 'the node agent restarted; the container of its previous incarnation was killed' : 'the node agent restarted; the container had already ended',
        startedAtMs: r.startedAtMs, finishedAtMs: this.now(), stdoutPath: r.stdoutPath, stderrPath: r.stderrPath, pid: 0, pidStart: 0, child: null, memoryLimitMb: 0,
        workDir: join(this.o.workDir, 'containers', r.containerId), rssMb: 0, killReason: null, cgroup: null, vcores: 0, user: '', onExit: null,
      };
      rmSync(c.workDir, { recursive: true, force: true });
      this.containers.set(c.containerId, c);
      this.finishedOrder.push(c.containerId);
      this.o.log.warn('container from a previous agent incarnation', { container: c.containerId, session: c.sessionId, killed: alive });
    }
    this.persist();
  }

  start(): void {
    this.monitor = setInterval(() => this.checkMemory(), this.o.memoryCheckIntervalMs);
    this.monitor.unref();
    this.warmRunners.start();
  }

  /** Stops the memory watch and kills the idle warm runners (containers go on); settles once they are gone. */
  stop(): Promise<void> {
    if (this.monitor) clearInterval(this.monitor);
    return this.warmRunners.close();
  }

  /** Checks that the caller owns the session. */
  authorize(sessionId: string, secret: string): boolean {
    const key = this.o.tokenKey();
    return key !== null && verifySessionSecret(key, sessionId, secret);
  }

  launch(grant: LaunchGrant, spec: ContainerSpec): ContainerStatus {
    const key = this.o.tokenKey();
    if (key === null) throw new LaunchRefused('not-ready', 'node agent is not registered with the cluster manager yet');
    const check = verifyGrant(key, grant.token, grant, this.o.nodeName, this.now());
    if (!check.ok) {
      this.o.log.warn('launch refused', { grant: grant.grantId, session: grant.sessionId, reason: check.reason });
      throw new LaunchRefused('unauthenticated', `launch refused: ${check.reason}`);
    }
    if (this.endedSessions.has(grant.sessionId)) throw new LaunchRefused('invalid', `session ${grant.sessionId} has ended`);
    const running = this.byGrant.get(grant.grantId);
    if (running && this.containers.get(running)?.state === 'RUNNING') throw new LaunchRefused('busy', `grant ${grant.grantId} already runs container ${running}`);
    if (!spec.command) throw new LaunchRefused('invalid', 'container spec has no command');

    const containerId = `c-${grant.grantId}-${++this.seq}`;
    const workDir = join(this.o.workDir, 'containers', containerId);
    const logDir = join(this.o.workDir, 'logs', grant.sessionId, containerId);
    mkdirSync(workDir, { recursive: true });
    mkdirSync(logDir, { recursive: true });
    const stdoutPath = join(logDir, 'stdout');
    const stderrPath = join(logDir, 'stderr');
    const c: Container = {
      containerId,
      grantId: grant.grantId,
      sessionId: grant.sessionId,
      nodeName: this.o.nodeName,
      state: 'RUNNING',
      exitCode: 0,
      signal: '',
      diagnostics: '',
      startedAtMs: this.now(),
      finishedAtMs: 0,
      stdoutPath,
      stderrPath,
      pid: 0,
      pidStart: 0,
      child: null,
      memoryLimitMb: grant.resources.memoryMb,
      workDir,
      rssMb: 0,
      killReason: null,
      cgroup: null,
      vcores: grant.resources.vcores,
      user: grant.user,
      onExit: null,
    };
    this.containers.set(containerId, c);
    this.byGrant.set(grant.grantId, containerId);

    try {
      for (const f of spec.files) {
        if (!fileNameOk.test(f.name)) throw new Error(`file name "${f.name}" is not a plain file name`);
        const source = f.source.startsWith('file://') ? fileURLToPath(f.source) : f.source;
        if (!isAbsolute(source)) throw new Error(`file source "${f.source}" is not an absolute path or file:// URI`);
        copyFileSync(source, join(workDir, f.name));
      }
    } catch (err) {
      this.finish(c, 'FAILED_TO_START', -1, '', `cannot localize files: ${(err as Error).message}`);
      return this.status(c);
    }

    const env: Record<string, string> = {
      ...this.baseEnv(),
      ...spec.env,
      CORONET_SESSION_ID: grant.sessionId,
      CORONET_GRANT_ID: grant.grantId,
      CORONET_CONTAINER_ID: containerId,
      CORONET_CM_ADDRESS: this.o.cmAddress(),
      CORONET_NODE_NAME: this.o.nodeName,
      CORONET_WORK_DIR: workDir,
      CORONET_MEMORY_MB: String(grant.resources.memoryMb),
      CORONET_VCORES: String(grant.resources.vcores),
      CORONET_SHUFFLE_DIR: this.shuffleDir,
      CORONET_SHUFFLE_URL: `http://${this.o.httpAddress()}`,
      CORONET_ADVERTISE_HOST: this.o.advertiseHost(),
    };
    delete env.CORONET_LOG_FORMAT;
    // Map outputs of a job live in the node-level shuffle dir until its session ends.
    const jobId = spec.env.CORONET_JOB_ID;
    if (jobId && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(jobId)) {
      const jobs = this.sessionJobs.get(grant.sessionId) ?? new Set<string>();
      jobs.add(jobId);
      this.sessionJobs.set(grant.sessionId, jobs);
    }
    if (!findExecutable(spec.command, env.PATH ?? '', workDir)) {
      // (Its log files exist, empty, as for any launched container.)
      closeSync(openSync(stdoutPath, 'a'));
      closeSync(openSync(stderrPath, 'a'));
      this.finish(c, 'FAILED_TO_START', -1, '', `cannot start ${spec.command}: no such executable${spec.command.includes('/') ? '' : ' on the PATH'}`);
      return this.status(c);
    }
    const taken = this.warmRunners.fits(spec.command, spec.args, spec.env) ? this.warmRunners.take(grant.user, c.memoryLimitMb) : null;
    // A warm runner's own cgroup becomes the container's (it is in it already); else a new one.
    c.cgroup = taken?.cgroup?.setLimit(c.memoryLimitMb) ? taken.cgroup : this.newCgroup(c);
    const warm = taken && this.startInWarmRunner(c, taken, spec, env) ? taken : null;
    let child = warm?.child ?? null;
    if (!child) {
      const out = openSync(stdoutPath, 'a');
      const errFd = openSync(stderrPath, 'a');
      try {
        // In a cgroup, the first process joins it before exec'ing the command.
        child = c.cgroup
          ? spawn('/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', c.cgroup.procsFile, spec.command, ...spec.args], { cwd: workDir, env, detached: true, stdio: ['ignore', out, errFd] })
          : spawn(spec.command, spec.args, { cwd: workDir, env, detached: true, stdio: ['ignore', out, errFd] });
      } catch (err) {
        this.finish(c, 'FAILED_TO_START', -1, '', `cannot start ${spec.command}: ${(err as Error).message}`);
        return this.status(c);
      } finally {
        closeSync(out);
        closeSync(errFd);
      }
    }
    c.child = child;
    c.pid = warm?.pid ?? child.pid ?? 0;
    c.pidStart = warm?.pidStart ?? (c.pid ? processStartTime(c.pid) : 0);
    this.persist();
    this.launched++;
    child.once('error', (err) => {
      if (c.state === 'RUNNING') this.finish(c, 'FAILED_TO_START', -1, '', `cannot start ${spec.command}: ${err.message}`);
    });
    c.onExit = (code, signal) => {
      // Kill whatever the container left behind in its process group.
      if (c.pid) killGroup(c.pid, 'SIGKILL');
      if (c.state !== 'RUNNING') return;
      if (!c.killReason && signal === 'SIGKILL' && c.cgroup?.oomKilled()) {
        c.killReason = { state: 'OVER_LIMIT', diagnostics: `container killed by the kernel: its memory cgroup hit the hard limit of ${Math.ceil(c.memoryLimitMb * 1.25)} MB (over its limit of ${c.memoryLimitMb} MB)` };
        this.overLimitKills++;
      }
      if (c.killReason) this.finish(c, c.killReason.state, code ?? -1, signal ?? '', c.killReason.diagnostics);
      else this.finish(c, 'EXITED', code ?? -1, signal ?? '', signal ? `process killed by ${signal}` : code === 0 ? '' : `process exited with code ${code}`);
    };
    child.once('exit', c.onExit);
    if (warm) warm.onRecyclable((info) => this.recycle(c, warm, info));
    this.o.log.info('container launched', { container: containerId, session: grant.sessionId, pid: c.pid, command: spec.command, warm: warm ? true : undefined });
    this.emit(c);
    return this.status(c);
  }

  /**
   * Hands the container to a warm runner: its log files become the container's, it joins
   * the container's memory cgroup, and it takes on the script, arguments, environment and
   * cwd a spawn would have given. False (the runner discarded) when a step fails before the
   * hand-over: the container is then spawned as usual.
   */
  private startInWarmRunner(c: Container, warm: TakenWarmRunner, spec: ContainerSpec, env: Record<string, string>): boolean {
    try {
      warm.moveLogs(c.stdoutPath, c.stderrPath);
      if (c.cgroup && c.cgroup !== warm.cgroup) {
        if (!c.cgroup.adopt(warm.pid)) throw new Error('cannot move it into the container\'s memory cgroup');
        // Its own (now empty) goes.
        warm.cgroup?.remove();
      } else c.cgroup ??= warm.cgroup; // no container cgroup could be made: its own, unlimited, is removed with the container
    } catch (err) {
      this.o.log.warn('warm runner not usable; spawning the container', { container: c.containerId, error: (err as Error).message });
      // The runner's cgroup goes with it: a spawned process gets one of its own.
      if (c.cgroup === warm.cgroup) c.cgroup = this.newCgroup(c);
      warm.discard();
      return false;
    }
    warm.become({ script: spec.args[0], args: spec.args.slice(1), env, cwd: c.workDir });
    return true;
  }

  /**
   * Container `c`, in a warm runner, is done and its process offers itself for another
   * container: the container ends (exited, code 0) and the pool keeps the process for the
   * user's next one, unless the container is being killed, its process group holds
   * anything besides the process, or the pool does not take it: then the process exits.
   */
  private recycle(c: Container, warm: TakenWarmRunner, info: { containers: number; rssMb: number }): void {
    if (c.state !== 'RUNNING' || c.killReason || !c.child || !c.onExit) return;
    let alone = true;
    for (const p of readProcessTable().values()) if (p.pgid === c.pid && p.pid !== c.pid) alone = false;
    const kept = alone && this.warmRunners.recycle({ child: c.child, pid: c.pid, pidStart: c.pidStart, user: c.user, containers: info.containers, rssMb: info.rssMb, stdoutPath: c.stdoutPath, stderrPath: c.stderrPath, cgroup: c.cgroup });
    if (!kept) {
      warm.exit();
      return;
    }
    c.child.removeListener('exit', c.onExit);
    // The process leaves the cgroup for one of its own; the pool removes this one then.
    c.cgroup = null;
    this.finish(c, 'EXITED', 0, '', '');
  }

  /** A memory cgroup of container `c`'s own, with its limit (null where there are none). */
  private newCgroup(c: Container): ContainerCgroup | null {
    return this.cgroups?.create(c.containerId, c.memoryLimitMb) ?? null;
  }

  /** Stops a container: SIGTERM to its group, SIGKILL after the grace period. */
  stopContainer(containerId: string, diagnostics: string, state: ContainerStateName = 'KILLED'): boolean {
    const c = this.containers.get(containerId);
    if (!c || c.state !== 'RUNNING') return false;
    c.killReason ??= { state, diagnostics };
    if (!c.pid) return true;
    killGroup(c.pid, 'SIGTERM');
    const t = setTimeout(() => {
      if (c.state === 'RUNNING') killGroup(c.pid, 'SIGKILL');
    }, this.o.stopGraceMs);
    t.unref();
    return true;
  }

  killGrants(grantIds: string[], why: string): void {
    for (const g of grantIds) {
      const id = this.byGrant.get(g);
      if (id) this.stopContainer(id, why);
    }
  }

  endSessions(sessionIds: string[]): void {
    for (const sid of sessionIds) {
      this.endedSessions.add(sid);
      for (const c of this.containers.values()) if (c.sessionId === sid && c.state === 'RUNNING') this.stopContainer(c.containerId, 'session ended');
      for (const jobId of this.sessionJobs.get(sid) ?? []) rmSync(join(this.shuffleDir, jobId), { recursive: true, force: true });
      this.sessionJobs.delete(sid);
    }
    if (this.endedSessions.size > 10_000) this.endedSessions.clear();
  }

  get(containerId: string): ContainerStatus | undefined {
    const c = this.containers.get(containerId);
    return c ? this.status(c) : undefined;
  }

  sessionContainers(sessionId: string): ContainerStatus[] {
    return [...this.containers.values()].filter((c) => c.sessionId === sessionId).map((c) => this.status(c));
  }

  running(): Array<ContainerStatus & { rssMb: number }> {
    return [...this.containers.values()].filter((c) => c.state === 'RUNNING').map((c) => ({ ...this.status(c), rssMb: c.rssMb }));
  }

  /** Subscribes to a session's container state changes; returns the unsubscribe. */
  subscribe(sessionId: string, fn: (s: ContainerStatus) => void): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) this.listeners.set(sessionId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.listeners.delete(sessionId);
    };
  }

  /** Stops the memory watch and kills every running container and every warm runner (agent shutdown); settles once
   *  the killed processes have exited (their cgroups gone with them), or after 2 s. */
  killAll(): Promise<void> {
    const pool = this.stop();
    const exits: Promise<unknown>[] = [];
    for (const c of this.containers.values()) {
      if (c.state !== 'RUNNING' || !c.pid) continue;
      // (After the container's own exit handler, which removes its cgroup.)
      if (c.child) exits.push(new Promise((resolve) => c.child!.once('exit', resolve)));
      killGroup(c.pid, 'SIGKILL');
    }
    const waited = Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, killWaitMs).unref())]);
    return Promise.all([pool, waited]).then(() => undefined);
  }

  /** Removes log directories of sessions that ended long ago. */
  cleanLogs(retentionMs: number): void {
    const root = join(this.o.workDir, 'logs');
    if (!existsSync(root)) return;
    const live = new Set([...this.containers.values()].filter((c) => c.state === 'RUNNING').map((c) => c.sessionId));
    for (const sid of readdirSync(root)) {
      if (live.has(sid)) continue;
      try {
        if (this.now() - statSync(join(root, sid)).mtimeMs > retentionMs) rmSync(join(root, sid), { recursive: true, force: true });
      } catch {
        // Already gone.
      }
    }
  }

  logPath(containerId: string, stream: 'stdout' | 'stderr'): string | undefined {
    const c = this.containers.get(containerId);
    if (c) return stream === 'stdout' ? c.stdoutPath : c.stderrPath;
    // A container from before an agent restart: find its log by directory name.
    const root = join(this.o.workDir, 'logs');
    if (!existsSync(root) || basename(containerId) !== containerId) return undefined;
    for (const sid of readdirSync(root)) {
      const p = join(root, sid, containerId, stream);
      if (existsSync(p)) return p;
    }
    return undefined;
  }

  private checkMemory(): void {
    this.warmRunners.checkMemory();
    const running = [...this.containers.values()].filter((c) => c.state === 'RUNNING' && c.pid);
    if (!running.length) return;
    const table = readProcessTable();
    for (const c of running) {
      const rss = treeRssBytes(table, c.pid);
      c.rssMb = Math.round(rss / 1048576);
      if (c.memoryLimitMb > 0 && rss > c.memoryLimitMb * 1048576 && !c.killReason) {
        const diagnostics = `container killed: its process tree used ${c.rssMb} MB of memory (RSS), over its limit of ${c.memoryLimitMb} MB`;
        this.o.log.warn('container over its memory limit', { container: c.containerId, rssMb: c.rssMb, limitMb: c.memoryLimitMb });
        this.overLimitKills++;
        c.killReason = { state: 'OVER_LIMIT', diagnostics };
        killGroup(c.pid, 'SIGKILL');
      }
    }
  }

  private finish(c: Container, state: ContainerStateName, exitCode: number, signal: string, diagnostics: string): void {
    c.state = state;
    c.exitCode = exitCode;
    c.signal = signal;
    c.diagnostics = diagnostics;
    c.finishedAtMs = this.now();
    c.child = null;
    c.cgroup?.remove();
    this.o.log.info('container finished', { container: c.containerId, state, exitCode, signal: signal || undefined, diagnostics: diagnostics || undefined });
    rmSync(c.workDir, { recursive: true, force: true });
    this.persist();
    this.emit(c);
    this.warmRunners.coresFreed();
    this.finishedOrder.push(c.containerId);
    while (this.finishedOrder.length > this.o.finishedKept) {
      const old = this.containers.get(this.finishedOrder.shift()!);
      if (!old) continue;
      this.containers.delete(old.containerId);
      if (this.byGrant.get(old.grantId) === old.containerId) this.byGrant.delete(old.grantId);
    }
  }

  private emit(c: Container): void {
    const set = this.listeners.get(c.sessionId);
    if (!set) return;
    const s = this.status(c);
    for (const fn of set) fn(s);
  }

  private status(c: Container): ContainerStatus {
    return {
      containerId: c.containerId,
      grantId: c.grantId,
      sessionId: c.sessionId,
      nodeName: c.nodeName,
      state: c.state,
      exitCode: c.exitCode,
      signal: c.signal,
      diagnostics: c.diagnostics,
      startedAtMs: c.startedAtMs,
      finishedAtMs: c.finishedAtMs,
      stdoutPath: c.stdoutPath,
      stderrPath: c.stderrPath,
    };
  }
}

/** Whether `command` names an executable file (a path, or a name on PATH). */
function findExecutable(command: string, path: string, cwd: string): boolean {
  const candidates = command.includes('/') ? [isAbsolute(command) ? command : join(cwd, command)] : path.split(':').filter(Boolean).map((d) => join(d, command));
  return candidates.some((p) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}
