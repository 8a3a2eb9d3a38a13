// The task runner: the process a job tracker starts in each granted container. It
// connects back to the JT over the umbilical and runs the map and reduce tasks the JT
// pushes to it, one after the other in the order sent, for as long as the JT reuses it.
//
// Map outputs go to the node-level shuffle directory (CORONET_SHUFFLE_DIR) so they
// outlive this container and the node agent can serve them.
//
// It ends by returning (common/container-main.ts) when the JT says exit, once its
// umbilical is closed: a node agent's warm runner may then run it again for the next
// container of the same user, with Coronet's data path already compiled. A JT that goes
// away without a word leaves nothing to return to: the process exits.

import { join } from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import { cpuUsage } from 'node:process';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { readFileSync, mkdirSync } from 'node:fs';
import {
  loadJob,
  runMapTask,
  runReduceTask,
  fetchMapOutputs,
  mapOutputDir,
  ShuffleMemory,
  defaultSortBufferBytes,
  setDirtyMapOutputLimit,
  setKernelMemoryPoolBytes,
  Counters,
  TaskCounter,
  type AnyJob,
  type CountersJson,
  type JobConfig,
  type LocalShuffle,
  type ReduceSegment,
} from '../mapreduce/index.js';
import { connectUmbilical, LineChannel, type FromRunner, type MapSource, type ToRunner } from './umbilical.js';
import { containerMain } from '../common/container-main.js';

interface RunnerEnv {
  umbilical: string;
  shuffleDir: string;
  shuffleUrl: string;
  workDir: string;
  jobId: string;
  outputUri: string;
  jobFile: string;
  config: JobConfig;
  sortBufferBytes: number | undefined;
  fetchConcurrency: number;
  /** The container's memory grant. */
  memoryMb: number;
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`task runner: environment variable ${name} is not set`);
  return v;
}

function readEnv(): RunnerEnv {
  const jobJson = JSON.parse(readFileSync(join(env('CORONET_WORK_DIR'), 'task-env.json'), 'utf8')) as { jobId: string; jobFile?: string; outputUri: string; config: JobConfig; sortBufferBytes?: number; fetchConcurrency?: number };
  return {
    umbilical: env('CORONET_JT_UMBILICAL'),
    shuffleDir: env('CORONET_SHUFFLE_DIR'),
    shuffleUrl: env('CORONET_SHUFFLE_URL'),
    workDir: env('CORONET_WORK_DIR'),
    jobId: jobJson.jobId,
    outputUri: jobJson.outputUri,
    jobFile: jobJson.jobFile ?? join(env('CORONET_WORK_DIR'), 'job.mjs'),
    config: jobJson.config,
    sortBufferBytes: jobJson.sortBufferBytes,
    fetchConcurrency: jobJson.fetchConcurrency ?? 5,
    memoryMb: Number(env('CORONET_MEMORY_MB')),
  };
}

/** Share of the container's memory a reduce may hold fetched map output in (Hadoop's
 *  shuffle.input.buffer.percent, of the container rather than a heap); past it segments
 *  go to local disk, or are merged from the map output file when it is on this node. */
const shuffleMemoryShare = 0.5;
/** Share of the container's memory a map's sort buffer gets unless the job sets
 *  coronet.sort.buffer.mb (never less than the data path's default): a default 128 MiB
 *  split then sorts in memory and is written once, with no spill to merge. Only the part
 *  the map's output fills becomes resident. */
const sortBufferShare = 0.25;
/** Share of the container's memory its map outputs may hold dirty in the page cache
 *  before they are flushed (they usually never need to be: see setDirtyMapOutputLimit). */
const dirtyMapOutputShare = 0.25;

/** A reduce in progress: fetches map outputs as the JT announces them (those on this
 *  node straight from the shuffle directory), within one memory budget. */
class ReduceFetcher {
  private readonly segments = new Map<string, ReduceSegment>();
  private readonly inFlight = new Set<string>();
  private readonly queue: MapSource[] = [];
  private complete = false;
  private active = 0;
  bytes = 0;
  private wake: (() => void) | null = null;

  constructor(
    private readonly jobId: string,
    private readonly partition: number,
    private readonly spillDir: string,
    private readonly concurrency: number,
    private readonly memory: ShuffleMemory,
    private readonly local: LocalShuffle,
    private readonly onLost: (mapIds: string[], error: string) => void,
  ) {}

  private drop(mapId: string): void {
    const seg = this.segments.get(mapId);
    if (seg !== undefined && 'data' in seg) this.memory.dispose(seg.data);
    this.segments.delete(mapId);
  }

  /** The merge has its segments: nothing more is fetched (or dropped) into the memory. */
  private closed = false;

  close(): void {
    this.closed = true;
  }

  add(sources: MapSource[], complete: boolean): void {
    if (this.closed) return;
    for (const s of sources) {
      // A re-run map replaces an earlier output of the same task.
      for (const id of [...this.segments.keys()]) if (id.startsWith(s.taskId + '_') && id !== s.mapId) this.drop(id);
      if (!this.segments.has(s.mapId) && !this.inFlight.has(s.mapId)) this.queue.push(s);
    }
    this.complete = complete;
    this.pump();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length) {
      const src = this.queue.shift()!;
      this.active++;
      this.inFlight.add(src.mapId);
      const memory = this.memory;
      fetchMapOutputs({ sources: [{ mapId: src.mapId, shuffleUrl: src.shuffleUrl, jobId: this.jobId }], partition: this.partition, spillDir: this.spillDir, memory, local: this.local, retries: 3, backoffMs: 200 })
        .then((r) => {
          this.segments.set(src.mapId, r.segments[0]);
          this.bytes += r.bytes;
        })
        .catch((err: unknown) => this.onLost([src.taskId], err instanceof Error ? err.message : String(err)))
        .finally(() => {
          this.active--;
          this.inFlight.delete(src.mapId);
          this.pump();
          this.wake?.();
        });
    }
    this.wake?.();
  }

  /** Resolves with every segment once the JT said all maps are done and all are fetched. */
  async all(expected: () => Set<string>): Promise<ReduceSegment[]> {
    for (;;) {
      const want = expected();
      if (this.complete && this.active === 0 && this.queue.length === 0 && [...want].every((id) => this.segments.has(id))) {
        return [...want].map((id) => this.segments.get(id)!);
      }
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

/** The task's counters with the process-level built-in ones added (CPU and GC time of
 *  this task), as sent to the JT. */
function withProcessCounters(counters: Counters, cpu0: NodeJS.CpuUsage, gc0: number): CountersJson {
  const cpu = cpuUsage(cpu0);
  counters.task(TaskCounter.CPU_MILLISECONDS, Math.round((cpu.user + cpu.system) / 1000));
  counters.task(TaskCounter.GC_TIME_MILLIS, Math.round(gcMs - gc0));
  return counters.toJSON();
}

/** Milliseconds since `t0` (performance.now()), to the microsecond. */
function elapsed(t0: number): number {
  return Math.round((performance.now() - t0) * 1000) / 1000;
}

/** A reduce's shuffle memory budget in this container. */
function shuffleBytes(e: RunnerEnv): number {
  return Math.floor(e.memoryMb * shuffleMemoryShare) * 1048576;
}

async function main(): Promise<void> {
  const e = readEnv();
  setDirtyMapOutputLimit(Math.floor(e.memoryMb * dirtyMapOutputShare) * 1048576);
  // One kernel memory is kept between tasks; sized for a reduce's shuffle, it also holds a map's sort arena.
  setKernelMemoryPoolBytes(ShuffleMemory.kernelBytes(shuffleBytes(e)));
  let job: AnyJob | null = null;
  // The job module loads while the runner connects and waits for its first task; a
  // module that fails to load fails that task (below), as it would loaded there.
  const jobLoading = loadJob(e.jobFile);
  jobLoading.catch(() => undefined);
  const socket = await connectUmbilical(e.umbilical);
  let current: { attemptId: string; fetcher?: ReduceFetcher; expected?: Map<string, MapSource> } | null = null;
  const queue: ToRunner[] = [];
  let wake: (() => void) | null = null;
  /** Tasks queued here when the last batch arrived: reports go out once half are done. */
  let queuedAtArrival = 0;
  /** The JT said exit: the umbilical's close is this runner's own. */
  let leaving = false;

  const channel = new LineChannel<FromRunner, ToRunner>(
    socket,
    (m) => {
      if (m.t === 'sources') {
        if (current?.attemptId === m.attemptId && current.fetcher && current.expected) {
          for (const s of m.sources) {
            for (const [id, old] of current.expected) if (old.taskId === s.taskId) current.expected.delete(id);
            current.expected.set(s.mapId, s);
          }
          current.fetcher.add(m.sources, m.complete);
          return;
        }
        // The reduce it belongs to has not started here yet: fold the news into it.
        const queued = queue.find((q) => q.t === 'reduce' && q.attemptId === m.attemptId);
        if (queued && queued.t === 'reduce') {
          queued.sources = [...queued.sources.filter((s) => !m.sources.some((n) => n.taskId === s.taskId)), ...m.sources];
          queued.complete = m.complete;
        }
        return;
      }
      queue.push(m);
      queuedAtArrival = queue.length;
      wake?.();
    },
    () => {
      if (!leaving) process.exit(0); // The JT went away: nothing left to do for it.
    },
  );
  channel.send({ t: 'hello', grantId: env('CORONET_GRANT_ID'), containerId: env('CORONET_CONTAINER_ID'), node: env('CORONET_NODE_NAME'), pid: process.pid });

  for (;;) {
    while (!queue.length) await new Promise<void>((r) => (wake = r));
    const task = queue.shift()!;
    if (task.t === 'exit') {
      leaving = true;
      const closed = new Promise((resolve) => socket.once('close', resolve));
      channel.close();
      // The JT closes its end in turn; a socket still open after a second is dropped.
      const timer = setTimeout(() => socket.destroy(), 1000);
      await closed;
      clearTimeout(timer);
      return;
    }
    if (task.t === 'sources') continue; // folded into its reduce above; never queued
    // Report what is done while half the tasks queued here are still to run, so the JT's
    // next ones arrive before this runner runs out of work.
    if (queue.length * 2 <= queuedAtArrival) {
      channel.flush();
      queuedAtArrival = queue.length;
    }
    const t0 = performance.now();
    const cpu0 = cpuUsage();
    const gc0 = gcMs;
    // A reduce's fetch state exists before the first await, so map-output news (sources
    // messages) that arrive meanwhile is never dropped.
    const scratch = join(e.workDir, task.attemptId);
    let fetcher: ReduceFetcher | null = null;
    let expected: Map<string, MapSource> | null = null;
    let memory: ShuffleMemory | null = null;
    if (task.t === 'reduce') {
      mkdirSync(scratch, { recursive: true });
      expected = new Map(task.sources.map((s) => [s.mapId, s]));
      memory = new ShuffleMemory(shuffleBytes(e), { kernel: true });
      const local = { shuffleUrl: e.shuffleUrl, baseDir: e.shuffleDir };
      fetcher = new ReduceFetcher(e.jobId, task.partition, scratch, e.fetchConcurrency, memory, local, (mapIds, error) => channel.send({ t: 'fetch-failed', attemptId: task.attemptId, mapIds, error }));
      current = { attemptId: task.attemptId, fetcher, expected };
      fetcher.add(task.sources, task.complete);
    } else current = { attemptId: task.attemptId };
    try {
      job ??= await jobLoading;
      if (task.t === 'map') {
        // Map output for reduces goes to the node's shuffle directory (a map-only map
        // writes job output through the committer instead, only if it emits anything).
        const dir = mapOutputDir(e.shuffleDir, e.jobId, task.attemptId);
        if (task.partitions > 0) {
          await rm(dir, { recursive: true, force: true });
          await mkdir(dir, { recursive: true });
        }
        const r = await runMapTask({
          job,
          split: task.split,
          partitions: task.partitions,
          workDir: dir,
          config: e.config,
          jobId: e.jobId,
          taskId: task.taskId,
          attemptId: task.attemptId,
          sortBufferBytes: e.sortBufferBytes ?? Math.max(defaultSortBufferBytes, Math.floor(e.memoryMb * sortBufferShare) * 1048576),
          output: task.partitions === 0 ? { outputUri: e.outputUri, attemptId: task.attemptId } : undefined,
        });
        channel.send({ t: 'done', attemptId: task.attemptId, counters: withProcessCounters(r.counters, cpu0, gc0), output: r.outputFile !== null, runMs: elapsed(t0) });
      } else {
        const want = expected!;
        const segments = await fetcher!.all(() => new Set(want.keys()));
        fetcher!.close();
        const shuffleMs = elapsed(t0);
        const r = await runReduceTask({
          job,
          partition: task.partition,
          partitions: task.partitions,
          segments,
          workDir: scratch,
          output: { outputUri: e.outputUri, attemptId: task.attemptId },
          config: e.config,
          jobId: e.jobId,
          taskId: task.taskId,
        });
        // Every fetch is over and the merge is done: the memory serves this runner's next task.
        memory?.close();
        await rm(scratch, { recursive: true, force: true });
        channel.send({ t: 'done', attemptId: task.attemptId, counters: withProcessCounters(r.counters, cpu0, gc0), output: true, runMs: elapsed(t0), shuffleMs });
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      // The user's own stack is the cause of the framework's wrapper error: show it.
      let stack = error.stack ?? '';
      for (let c = error.cause, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) stack += `\nCaused by: ${c.stack ?? c.message}`;
      channel.send({ t: 'failed', attemptId: task.attemptId, error: error.message, stack });
    } finally {
      current = null;
    }
  }
}

containerMain(() =>
  main().catch((err: unknown) => {
    process.stderr.write(`task runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }),
);
