// Warm runners: a small pool of Node processes the node agent starts ahead of time and
// warms up (Coronet's runtime loaded, the MapReduce data path run on a tiny synthetic
// task so V8 has compiled it), so that launching a container that runs a Node script
// of this Coronet install — a task runner, a remote job tracker — costs a message to an
// idle process instead of a process start, module loading and cold code. A fresh task
// runner takes about 100 ms to connect and runs a small task at half speed.
//
// A warm runner becomes a container only through ContainerManager.launch, after the
// same grant-token check, with the same work dir, environment, log files (its
// stdout/stderr files are moved under logs/<session>/<container>/, the open
// descriptors go with them), process group (it was started as its own group leader),
// memory cgroup (the one it was started in becomes the container's, with the container's
// limit; cgroups.ts) and memory watch as a spawned one. What the
// container runs is exactly what a spawn would have run: the container's script with
// its arguments, environment and cwd (warm-runner.ts).
//
// Bounded: `count` processes (at most warmRunnersMax), one starting at a time, refilled
// in the background after each launch; none while the machine's available memory is
// under warmRunnerMinAvailableMb (idle ones are then stopped); refills stop after
// warmRunnerStartFailuresMax in a row die before they are ready. Idle warm runners are
// killed when the agent stops, and exit by themselves when the agent dies (their IPC
// channel closes).
//
// Reuse: a container entry script (common/container-main.ts, the task runner) that ran
// in a warm runner and left nothing behind gives its process back (warm-runner.ts); the
// pool keeps it, in a cgroup of its own again, for the next container of the same user
// (the grant's user, signed by its token), never another user's (recycle, take). A
// user's back-to-back small jobs then run on a data path hot from the previous job.
//
// A refill starts 1 s after a container takes a runner (by then a small job's container
// has given its process back, and none is needed), unless the node's running
// containers hold all its vcores (a big job's tasks fill the node): then it waits for a
// container to end, since its start-up and warm-up (about 300 ms of CPU) would take a
// core from a task. On a node with a free vcore it warms up at normal priority. Measured
// against warming up at the lowest priority (nice 19, for the threads and, as the kernel
// schedules by session, `/proc/PID/autogroup`, without which nice does nothing against
// other sessions): on bench:small-job's back-to-back jobs a niced refill was ready in
// time for 8 of 22 launches instead of 12-13, and the warm in-process p50 went from
// 277-282 to 352-358 ms. Big jobs are what the vcore gate is for: bench:terasort 0.68-0.80x
// of GNU sort with it, 0.93-1.05x when four refills warmed up during the job.
//
// Tried and reverted: a launch that finds no ready runner claiming the one still warming
// up, which cuts its warm-up short (ends the round it is in) and takes the container,
// instead of spawning a cold process. Every launch of bench:small-job then started in a
// warm runner (22 of 22 against 12-17), but back-to-back jobs always claimed the refill
// the job before had started, so no runner was ever fully warm: p50s got worse, CLI
// 515/538 against 454/478 ms, in-process 347/364 against 285/251 (A/B alternating; the
// CLI p90 was better, 613-661 against 692-787). Nor does a bigger pool help back-to-back
// jobs: with 3 runners per agent instead of 2, as many launches found one ready (12-13 of
// 22 in-process) and the p50s were no better (CLI 525/504 against 449/491 ms): the refills,
// one at a time, are what cannot keep up.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, truncateSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../common/log.js';
import { killGroup, processStartTime } from './proc.js';
import type { Cgroups, ContainerCgroup } from './cgroups.js';

/** Upper bound of the pool size an operator may configure. */
export const warmRunnersMax = 16;
/** Below this much available memory (MemAvailable) no warm runner is kept. */
export const warmRunnerMinAvailableMb = 1024;
/** Warm runners dying before they are ready, in a row, before the pool stops refilling. */
export const warmRunnerStartFailuresMax = 3;
/** A warm runner not ready this long after its start is killed (counts as a failure). */
const warmRunnerReadyTimeoutMs = 30_000;
/** A process can show a new command line (its title) only in the space its own arguments
 *  took at exec: a warm runner gets this much blank room, so `ps` and pgrep show the
 *  container's command line (longer ones are cut there). */
const processTitleRoomChars = 4096;
/** How long close() waits for the killed warm runners to exit. */
const closeWaitMs = 2_000;
/** How long after a launch takes a warm runner its refill starts (the launches of one grant push are done by then). */
const launchSettleMs = 50;
/** How long after a launch took a runner whose container may give it back its refill
 *  starts: a small job's runner is back in the pool by then, and nothing need start. */
const recycleWaitMs = 1_000;
/** Containers one process runs, at most, before it is retired. */
export const warmRunnerContainersMax = 100;
/** A process holding more memory than this after a container is not kept. */
export const warmRunnerRecycleRssMaxMb = 256;
/** A container whose log files are bigger than this does not give its process back (they are copied). */
const recycleLogBytesMax = 16 << 20;
/** A process kept for one user's containers that none has taken this long is stopped. */
const recycledIdleMs = 5 * 60_000;

const warmRunnerScript = fileURLToPath(new URL('./warm-runner.js', import.meta.url));
/** The Coronet install the agent runs: scripts under it are what warm runners preload. */
const installDir = dirname(dirname(warmRunnerScript));

export interface WarmRunnerPoolOptions {
  /** How many warm runners to keep ready (0: none). */
  count: number;
  /** Whether a container's process that offers itself back is kept for the user's next container (default: yes). */
  reuse?: boolean;
  /** Where warm runners keep their log files and warm-up scratch dirs. */
  dir: string;
  /** Module whose default export `(scratchDir) => Promise<void>` warms a runner up ('' = none). */
  warmupModule: string;
  /** The environment a container would get before its own spec (the agent's). */
  baseEnv: () => Record<string, string>;
  /** MemAvailable of the machine in MiB. */
  availableMemoryMb: () => number;
  /** Whether the node has a vcore its running containers do not hold (default: always). */
  coresFree?: () => boolean;
  /** Memory cgroups (the agent's): each runner starts in one of its own, which the
   *  container that takes it on gets (see cgroups.ts). None: no cgroup. */
  cgroups?: Pick<Cgroups, 'create'> | null;
  log: Logger;
}

/** What a container runs, as a warm runner takes it on. */
export interface WarmLaunch {
  script: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

interface Runner {
  id: number;
  child: ChildProcess;
  pid: number;
  pidStart: number;
  stdoutPath: string;
  stderrPath: string;
  dir: string;
  state: 'starting' | 'ready';
  /** The user whose container ran in it last (null: none has; any container may take it). */
  user: string | null;
  /** Containers it ran. */
  containers: number;
  /** Its RSS when its last container gave it back (MiB; 0 for a fresh one). */
  rssMb: number;
  /** When it became ready (a recycled one: when its container gave it back). */
  readyAtMs: number;
  startedAtMs: number;
  timer: NodeJS.Timeout;
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** Its own memory cgroup, once it is in it (null: none). */
  cgroup: ContainerCgroup | null;
  /** Settles once it is in its cgroup (or has none): it is not ready before. */
  joined: Promise<void>;
}

/** A container's process that offers itself back (see TakenWarmRunner.onRecyclable). */
export interface RecycledProcess {
  child: ChildProcess;
  pid: number;
  pidStart: number;
  /** The user of the container it ran. */
  user: string;
  containers: number;
  rssMb: number;
  /** The container's log files, which its stdout and stderr are open on. */
  stdoutPath: string;
  stderrPath: string;
  /** The container's cgroup it is in (removed once it has left it). */
  cgroup: ContainerCgroup | null;
}

/** A ready warm runner taken out of the pool for one container. */
export interface TakenWarmRunner {
  child: ChildProcess;
  pid: number;
  pidStart: number;
  /** The memory cgroup it is in, without a limit (null: none). */
  cgroup: ContainerCgroup | null;
  /** Empties its log files and moves them to these paths (the open descriptors follow). */
  moveLogs(stdoutPath: string, stderrPath: string): void;
  /** Hands it the container; from here on it is the container's process. */
  become(launch: WarmLaunch): void;
  /** Once the container's script settled cleanly, the process offers itself for another
   *  container (warm-runner.ts): `fn` gets what the process reported. */
  onRecyclable(fn: (r: { containers: number; rssMb: number }) => void): void;
  /** Tells the process to exit (it was not kept). */
  exit(): void;
  /** Gives up on it (a launch step failed before `become`). */
  discard(): void;
}

export class WarmRunnerPool {
  private readonly runners = new Map<number, Runner>();
  private seq = 0;
  private failuresInARow = 0;
  private refillTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private memoryShort = false;
  /** A refill waits for a container to end: the running ones hold all the node's vcores. */
  private waitingForCores = false;
  /** Containers launched in a warm runner since the agent started. */
  taken = 0;
  /** Of those, in a process an earlier container of the same user ran in. */
  takenRecycled = 0;
  /** What a fresh warm runner holds when ready (MiB; the last one's). */
  private freshRssMb = 100;

  constructor(private readonly o: WarmRunnerPoolOptions) {
    // Leftovers of an earlier incarnation (its warm runners exited with it).
    rmSync(o.dir, { recursive: true, force: true });
    if (o.count > 0) mkdirSync(o.dir, { recursive: true });
  }

  start(): void {
    this.refill();
  }

  /** Ready warm runners. */
  get ready(): number {
    let n = 0;
    for (const r of this.runners.values()) if (r.state === 'ready') n++;
    return n;
  }

  /**
   * Whether a container running `command args` with `env` (its spec's own variables) can
   * be a warm runner: this Node binary running a script of this install, with no Node
   * options and no variable that Node reads only at start-up set differently.
   */
  fits(command: string, args: string[], env: Record<string, string>): boolean {
    if (command !== process.execPath || args.length === 0) return false;
    const script = args[0];
    if (!isAbsolute(script) || !script.startsWith(installDir + sep) || !/\.m?js$/.test(script)) return false;
    const base = this.o.baseEnv();
    for (const [k, v] of Object.entries(env)) if (/^(NODE_|UV_)/.test(k) && base[k] !== v) return false;
    return true;
  }

  /**
   * A ready warm runner for a container of `user` limited to `memoryLimitMb`, out of the
   * pool (null when none is ready): the one an earlier container of this user gave back
   * last, else a fresh one. A process another user's container ran in is never given to
   * this one, nor one holding more than a fresh runner does plus a quarter of this
   * container's memory limit (what it holds counts against the limit from the start).
   */
  take(user: string, memoryLimitMb: number): TakenWarmRunner | null {
    if (this.closed) return null;
    const ready = [...this.runners.values()].filter((x) => x.state === 'ready' && x.child.connected);
    const fitsLimit = (x: Runner) => memoryLimitMb <= 0 || x.rssMb <= this.freshRssMb + memoryLimitMb / 4;
    const own = user ? ready.filter((x) => x.user === user && fitsLimit(x)).sort((a, b) => b.readyAtMs - a.readyAtMs)[0] : undefined;
    const r = own ?? ready.find((x) => x.user === null);
    if (!r) {
      // Room for a fresh one, the next launch of this user's: the process another user's
      // container gave back longest ago goes.
      const other = ready.filter((x) => x.user !== null && x.user !== user).sort((a, b) => a.readyAtMs - b.readyAtMs)[0];
      if (other) {
        this.stopRunner(other);
        this.scheduleRefill(launchSettleMs);
      }
      return null;
    }
    this.runners.delete(r.id);
    clearTimeout(r.timer);
    r.child.removeListener('exit', r.onExit);
    this.taken++;
    if (r.user !== null) this.takenRecycled++;
    // The replacement starts once a small job's container would have given its process
    // back (then none is needed), and not before the other containers of the same grant
    // push land, so a refill sees whether they left a vcore free (a big job's tasks fill
    // the node, and the refill waits for one to end).
    this.scheduleRefill(recycleWaitMs);
    return {
      child: r.child,
      pid: r.pid,
      pidStart: r.pidStart,
      cgroup: r.cgroup,
      moveLogs: (stdoutPath, stderrPath) => {
        // O_APPEND descriptors: after the truncation the container's output starts at 0.
        truncateSync(r.stdoutPath, 0);
        truncateSync(r.stderrPath, 0);
        renameSync(r.stdoutPath, stdoutPath);
        renameSync(r.stderrPath, stderrPath);
      },
      become: (launch) => {
        r.child.send({ t: 'become', ...launch }, (err) => {
          // Not delivered: the process died meanwhile (its exit is the container's exit).
          if (err) killGroup(r.pid, 'SIGKILL');
        });
        rmSync(r.dir, { recursive: true, force: true });
      },
      onRecyclable: (fn) => {
        const listener = (m: unknown) => {
          const o = m as { t?: unknown; containers?: unknown; rssMb?: unknown; why?: unknown } | null;
          if (o?.t === 'not-recyclable') this.o.log.debug('a container\'s process is not kept for reuse', { pid: r.pid, why: String(o.why).slice(0, 500) });
          if (o?.t !== 'recyclable') return;
          r.child.removeListener('message', listener);
          fn({ containers: Number(o.containers) || 0, rssMb: Number(o.rssMb) || 0 });
        };
        r.child.on('message', listener);
      },
      exit: () => {
        if (r.child.connected) r.child.send({ t: 'exit' }, () => undefined);
        else killGroup(r.pid, 'SIGKILL');
      },
      discard: () => {
        removeCgroupAtExit(r.child, r.cgroup);
        killGroup(r.pid, 'SIGKILL');
        rmSync(r.dir, { recursive: true, force: true });
      },
    };
  }

  /** Called with the agent's memory watch: stops idle warm runners when memory is short. */
  checkMemory(): void {
    if (this.o.count === 0 || this.closed) return;
    const short = this.o.availableMemoryMb() < warmRunnerMinAvailableMb;
    if (short && !this.memoryShort) {
      this.o.log.warn('memory is short: stopping idle warm runners', { availableMb: this.o.availableMemoryMb(), minMb: warmRunnerMinAvailableMb });
      for (const r of [...this.runners.values()]) this.stopRunner(r);
    }
    const recovered = this.memoryShort && !short;
    this.memoryShort = short;
    if (recovered) this.scheduleRefill();
  }

  /** A container ended: a refill that waited for a free vcore may start. */
  coresFreed(): void {
    if (!this.waitingForCores) return;
    this.waitingForCores = false;
    this.scheduleRefill();
  }

  /** Kills every warm runner (agent shutdown). */
  close(): Promise<void> {
    this.closed = true;
    if (this.refillTimer) clearTimeout(this.refillTimer);
    const runners = [...this.runners.values()];
    // Settles once they have exited (and their cgroups are gone), or after closeWaitMs.
    const gone = Promise.race([Promise.all(runners.map((r) => new Promise((resolve) => r.child.once('exit', resolve)))), new Promise((resolve) => setTimeout(resolve, closeWaitMs).unref())]);
    for (const r of runners) this.stopRunner(r);
    rmSync(this.o.dir, { recursive: true, force: true });
    return gone.then(() => undefined);
  }

  private scheduleRefill(delayMs = 0): void {
    if (this.refillTimer || this.closed) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.refill();
    }, delayMs);
    this.refillTimer.unref();
  }

  /** Starts one warm runner if the pool is short of its size and none is starting. */
  private refill(): void {
    if (this.closed || this.runners.size >= this.o.count || this.failuresInARow >= warmRunnerStartFailuresMax) return;
    if ([...this.runners.values()].some((r) => r.state === 'starting')) return;
    if (this.o.availableMemoryMb() < warmRunnerMinAvailableMb) {
      this.memoryShort = true;
      return;
    }
    if (this.o.coresFree !== undefined && !this.o.coresFree()) {
      this.waitingForCores = true;
      return;
    }
    this.startRunner();
  }

  /**
   * Takes back the process of a container that ended in it and offers itself again
   * (`recyclable`): it waits, for a later container of the same user, in a cgroup of its
   * own again. The container keeps a copy of its log files; the files the process's
   * stdout and stderr are open on come with it (emptied when the next container takes it).
   * False: not kept (the pool is closed or short of memory, the process has run many
   * containers or holds much memory, or the user is unknown); the caller ends it.
   */
  recycle(p: RecycledProcess): boolean {
    if (this.closed || this.memoryShort || this.o.count === 0 || this.o.reuse === false || !p.user || !p.child.connected) return false;
    if (p.containers >= warmRunnerContainersMax || p.rssMb > warmRunnerRecycleRssMaxMb) return false;
    const id = ++this.seq;
    const dir = join(this.o.dir, `w-${id}`);
    try {
      if (statSync(p.stdoutPath).size + statSync(p.stderrPath).size > recycleLogBytesMax) return false;
      mkdirSync(dir, { recursive: true });
      for (const [from, to] of [[p.stdoutPath, join(dir, 'stdout')], [p.stderrPath, join(dir, 'stderr')]]) {
        copyFileSync(from, `${from}.copy`);
        renameSync(from, to);
        renameSync(`${from}.copy`, from);
      }
    } catch (err) {
      this.o.log.warn('cannot keep a container\'s process for reuse', { pid: p.pid, error: (err as Error).message });
      rmSync(dir, { recursive: true, force: true });
      return false;
    }
    this.makeRoom(p.user);
    const r = this.admit(id, p.child, p.pid, p.pidStart, dir, p.user, p.containers);
    r.rssMb = p.rssMb;
    // It leaves the container's cgroup (removed then) for one of its own, before it is
    // ready; where it could not, it stays in the container's (which then goes with it).
    void r.joined.then(() => {
      if (r.cgroup === null && this.runners.get(id) === r) r.cgroup = p.cgroup;
      else p.cgroup?.remove();
      this.markReady(r);
    });
    this.o.log.debug('container process kept for reuse', { pid: p.pid, user: p.user, containers: p.containers, rssMb: p.rssMb });
    return true;
  }

  /** Makes room for one more runner (a recycled one, of `user`): the least useful goes. */
  private makeRoom(user: string): void {
    while (this.runners.size >= this.o.count) {
      const all = [...this.runners.values()];
      const lru = (xs: Runner[]) => xs.sort((a, b) => a.readyAtMs - b.readyAtMs)[0];
      const victim =
        lru(all.filter((x) => x.state === 'ready' && x.user !== null && x.user !== user)) ??
        all.find((x) => x.state === 'starting' && x.user === null) ??
        lru(all.filter((x) => x.state === 'ready' && x.user === null)) ??
        lru(all);
      if (!victim) return;
      this.stopRunner(victim);
    }
  }

  private startRunner(): void {
    const id = ++this.seq;
    const dir = join(this.o.dir, `w-${id}`);
    mkdirSync(dir, { recursive: true });
    const stdoutPath = join(dir, 'stdout');
    const stderrPath = join(dir, 'stderr');
    const out = openSync(stdoutPath, 'a');
    const err = openSync(stderrPath, 'a');
    const env = { ...this.o.baseEnv() };
    let child: ChildProcess;
    try {
      const args = [warmRunnerScript, this.o.warmupModule, join(dir, 'scratch'), ' '.repeat(processTitleRoomChars)];
      child = spawn(process.execPath, args, { cwd: dir, env, detached: true, stdio: ['ignore', out, err, 'ipc'] });
    } catch (e) {
      this.failed(`cannot start a warm runner: ${(e as Error).message}`);
      rmSync(dir, { recursive: true, force: true });
      return;
    } finally {
      closeSync(out);
      closeSync(err);
    }
    const r = this.admit(id, child, child.pid ?? 0, child.pid ? processStartTime(child.pid) : 0, dir, null, 0);
    child.once('error', (e) => this.o.log.warn('warm runner error', { error: e.message }));
    child.on('message', (m: unknown) => {
      const o = m as { t?: unknown; rssMb?: unknown } | null;
      if (o?.t !== 'ready') return;
      if (typeof o.rssMb === 'number' && o.rssMb > 0) this.freshRssMb = o.rssMb;
      void r.joined.then(() => this.markReady(r));
    });
  }

  /** Puts process `child` in the pool, starting (not ready), and into a cgroup of its own: see cgroups.ts. */
  private admit(id: number, child: ChildProcess, pid: number, pidStart: number, dir: string, user: string | null, containers: number): Runner {
    const cgroup = pid && this.o.cgroups ? this.o.cgroups.create(`warm-${process.pid}-${id}`, null) : null;
    const stderrPath = join(dir, 'stderr');
    const r: Runner = {
      id,
      child,
      pid,
      pidStart,
      stdoutPath: join(dir, 'stdout'),
      stderrPath,
      dir,
      state: 'starting',
      user,
      containers,
      rssMb: 0,
      readyAtMs: 0,
      startedAtMs: Date.now(),
      cgroup: null,
      joined: Promise.resolve(),
      timer: setTimeout(() => {
        // (A start failure only for a fresh runner; a kept one just goes.)
        if (r.user === null) this.failed(`a warm runner was not ready within ${warmRunnerReadyTimeoutMs} ms`);
        this.stopRunner(r);
      }, warmRunnerReadyTimeoutMs),
      onExit: (code, signal) => {
        if (!this.runners.has(id)) return;
        this.runners.delete(id);
        clearTimeout(r.timer);
        if (r.state === 'starting' && r.user === null) this.failed(`a warm runner exited before it was ready (${signal ?? `code ${code}`}): ${tail(stderrPath)}`);
        r.cgroup?.remove();
        rmSync(dir, { recursive: true, force: true });
        this.scheduleRefill();
      },
    };
    r.timer.unref();
    if (cgroup) {
      r.joined = cgroup.adoptSoon(pid).then((ok) => {
        if (ok && this.runners.get(id) === r) r.cgroup = cgroup;
        // Out of the pool meanwhile (stopped, the pool closed): it goes with the process.
        else if (ok) removeCgroupAtExit(child, cgroup);
        else cgroup.remove();
      });
    }
    this.runners.set(id, r);
    child.once('exit', r.onExit);
    return r;
  }

  /** Runner `r` said it is ready (and is in its cgroup, if it has one). */
  private markReady(r: Runner): void {
    if (r.state !== 'starting' || !this.runners.has(r.id)) return;
    r.state = 'ready';
    r.readyAtMs = Date.now();
    clearTimeout(r.timer);
    if (r.user !== null) {
      // Kept for one user's containers: not for ever, if none comes.
      r.timer = setTimeout(() => {
        this.stopRunner(r);
        this.scheduleRefill();
      }, recycledIdleMs);
      r.timer.unref();
    } else {
      this.o.log.debug('warm runner ready', { pid: r.pid, startMs: Date.now() - r.startedAtMs });
      this.failuresInARow = 0;
    }
    this.refill();
  }

  private stopRunner(r: Runner): void {
    this.runners.delete(r.id);
    clearTimeout(r.timer);
    r.child.removeListener('exit', r.onExit);
    removeCgroupAtExit(r.child, r.cgroup);
    killGroup(r.pid, 'SIGKILL');
    rmSync(r.dir, { recursive: true, force: true });
  }

  private failed(why: string): void {
    this.failuresInARow++;
    if (this.failuresInARow >= warmRunnerStartFailuresMax) this.o.log.warn('warm runners keep failing to start; containers are spawned cold from now on', { why, inARow: this.failuresInARow });
    else this.o.log.warn('warm runner failed to start', { why });
  }
}

/** `cgroup` goes once `child` has exited (at once if it has): a cgroup with a process in it stays. */
function removeCgroupAtExit(child: ChildProcess, cgroup: ContainerCgroup | null): void {
  if (!cgroup) return;
  if (child.exitCode !== null || child.signalCode !== null) cgroup.remove();
  else child.once('exit', () => cgroup.remove());
}

/** The last line or so of a log file, for a diagnostic. */
function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-3).join(' | ').slice(-500) || '(no output)';
  } catch {
    return '(no output)';
  }
}
