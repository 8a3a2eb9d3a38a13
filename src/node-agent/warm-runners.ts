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
// memory cgroup (it joins the container's) and memory watch as a spawned one. What the
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
// A refill starts as a container takes a runner, so its start-up and warm-up (about
// 300 ms of CPU) would compete for the cores with the very task that took the runner.
// When the agent may raise a process's priority again (it runs as root), a warm runner
// warms up at the lowest CPU priority (nice 19: its threads and, where the kernel
// schedules by session (autogroup), its session's group) and is set back to normal
// priority once ready, before any container can take it; otherwise it warms up at normal
// priority.

import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../common/log.js';
import { killGroup, processSession, processStartTime } from './proc.js';

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
/** CPU priority (nice value) of a warm runner while it starts and warms up. */
const warmUpNice = 19;

const warmRunnerScript = fileURLToPath(new URL('./warm-runner.js', import.meta.url));
/** The Coronet install the agent runs: scripts under it are what warm runners preload. */
const installDir = dirname(dirname(warmRunnerScript));

export interface WarmRunnerPoolOptions {
  /** How many warm runners to keep ready (0: none). */
  count: number;
  /** Where warm runners keep their log files and warm-up scratch dirs. */
  dir: string;
  /** Module whose default export `(scratchDir) => Promise<void>` warms a runner up ('' = none). */
  warmupModule: string;
  /** The environment a container would get before its own spec (the agent's). */
  baseEnv: () => Record<string, string>;
  /** MemAvailable of the machine in MiB. */
  availableMemoryMb: () => number;
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
  startedAtMs: number;
  timer: NodeJS.Timeout;
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** A ready warm runner taken out of the pool for one container. */
export interface TakenWarmRunner {
  child: ChildProcess;
  pid: number;
  pidStart: number;
  /** Empties its log files and moves them to these paths (the open descriptors follow). */
  moveLogs(stdoutPath: string, stderrPath: string): void;
  /** Hands it the container; from here on it is the container's process. */
  become(launch: WarmLaunch): void;
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
  /** Whether warm-ups run niced: only when the agent can set a ready runner back to normal priority. */
  private niceWarmUps = process.getuid?.() === 0;
  /** Containers launched in a warm runner since the agent started. */
  taken = 0;

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

  /** A ready warm runner, out of the pool (null when none is ready). */
  take(): TakenWarmRunner | null {
    if (this.closed) return null;
    const r = [...this.runners.values()].find((x) => x.state === 'ready' && x.child.connected);
    if (!r) return null;
    this.runners.delete(r.id);
    clearTimeout(r.timer);
    r.child.removeListener('exit', r.onExit);
    this.taken++;
    // The replacement starts now: a small job's task runs for about as long as a warm-up
    // takes, so the next job finds a ready runner again.
    this.scheduleRefill();
    return {
      child: r.child,
      pid: r.pid,
      pidStart: r.pidStart,
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
          else if (r.child.connected) r.child.disconnect();
        });
        rmSync(r.dir, { recursive: true, force: true });
      },
      discard: () => {
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

  /** Kills every warm runner (agent shutdown). */
  close(): void {
    this.closed = true;
    if (this.refillTimer) clearTimeout(this.refillTimer);
    for (const r of [...this.runners.values()]) this.stopRunner(r);
    rmSync(this.o.dir, { recursive: true, force: true });
  }

  private scheduleRefill(): void {
    if (this.refillTimer || this.closed) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.refill();
    }, 0);
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
    this.startRunner();
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
    const pid = child.pid ?? 0;
    if (this.niceWarmUps && pid) trySetPriority(pid, warmUpNice);
    const r: Runner = {
      id,
      child,
      pid,
      pidStart: pid ? processStartTime(pid) : 0,
      stdoutPath,
      stderrPath,
      dir,
      state: 'starting',
      startedAtMs: Date.now(),
      timer: setTimeout(() => {
        this.failed(`a warm runner was not ready within ${warmRunnerReadyTimeoutMs} ms`);
        this.stopRunner(r);
      }, warmRunnerReadyTimeoutMs),
      onExit: (code, signal) => {
        if (!this.runners.has(id)) return;
        this.runners.delete(id);
        clearTimeout(r.timer);
        if (r.state === 'starting') this.failed(`a warm runner exited before it was ready (${signal ?? `code ${code}`}): ${tail(stderrPath)}`);
        rmSync(dir, { recursive: true, force: true });
        this.scheduleRefill();
      },
    };
    r.timer.unref();
    this.runners.set(id, r);
    child.once('error', (e) => this.o.log.warn('warm runner error', { error: e.message }));
    child.once('exit', r.onExit);
    child.on('message', (m: unknown) => {
      if ((m as { t?: unknown } | null)?.t !== 'ready' || r.state !== 'starting' || !this.runners.has(id)) return;
      if (this.niceWarmUps && !trySetPriority(r.pid, 0)) {
        // Never hand a container a process stuck at the lowest priority.
        this.niceWarmUps = false;
        this.o.log.warn('cannot set a warm runner back to normal CPU priority; warm-ups run at normal priority from now on', { pid: r.pid });
        this.stopRunner(r);
        this.scheduleRefill();
        return;
      }
      r.state = 'ready';
      clearTimeout(r.timer);
      this.o.log.debug('warm runner ready', { pid: r.pid, startMs: Date.now() - r.startedAtMs });
      this.failuresInARow = 0;
      this.refill();
    });
  }

  private stopRunner(r: Runner): void {
    this.runners.delete(r.id);
    clearTimeout(r.timer);
    r.child.removeListener('exit', r.onExit);
    killGroup(r.pid, 'SIGKILL');
    rmSync(r.dir, { recursive: true, force: true });
  }

  private failed(why: string): void {
    this.failuresInARow++;
    if (this.failuresInARow >= warmRunnerStartFailuresMax) this.o.log.warn('warm runners keep failing to start; containers are spawned cold from now on', { why, inARow: this.failuresInARow });
    else this.o.log.warn('warm runner failed to start', { why });
  }
}

/** Sets the CPU priority of every thread of process `pid`: on Linux a nice value belongs
 *  to a thread, and a thread starts with its creator's, so a process's worker threads
 *  (V8's compiler and GC helpers, libuv's pool) keep the warm-up's priority unless each
 *  is set. Where the kernel groups processes by session for scheduling (autogroup, on by
 *  default on most distributions), nice values only rank threads within their group: a
 *  warm runner leads a session of its own (it is started detached), so its group's nice is
 *  set too, or at nice 19 it would still take an equal share of the CPU from a task.
 *  False if any could not be set (a thread that ended meanwhile does not count). */
function trySetPriority(pid: number, nice: number): boolean {
  let tids: number[];
  try {
    tids = readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    tids = [pid];
  }
  let ok = true;
  for (const tid of tids) {
    try {
      setPriority(tid, nice);
    } catch (e) {
      if ((e as { info?: { code?: string } }).info?.code !== 'ESRCH') ok = false;
    }
  }
  return ok && trySetAutogroupNice(pid, nice);
}

/** Sets the nice value of the scheduling group (autogroup) of `pid` when it leads its own
 *  session; true when done or not applicable (no autogroups, not a session leader, gone). */
function trySetAutogroupNice(pid: number, nice: number): boolean {
  if (processSession(pid) !== pid) return true;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    return true;
  } catch (e) {
    return ['ENOENT', 'ESRCH'].includes((e as { code?: string }).code ?? '');
  }
}

/** The last line or so of a log file, for a diagnostic. */
function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-3).join(' | ').slice(-500) || '(no output)';
  } catch {
    return '(no output)';
  }
}
