// Runs a whole job in this process: splits, prepare, maps, reduces (reading map outputs
// straight from local files), task commits, job commit. Used by tests, as the in-process
// fallback of `coronet run`, and as the reference the cluster job tracker must match.

import { randomBytes } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobModulePath } from './bundle.js';
import { FileOutputCommitter } from './committer.js';
import { Counters } from './counters.js';
import { resolveUri } from './fs.js';
import { readSplit } from './input.js';
import { jobConfig, jobInput, type AnyJob, type JobConfig } from './job.js';
import { runMapTask } from './maptask.js';
import { mapTaskId, reduceTaskId } from './job.js';
import { runReduceTask, type ReduceSegment } from './reducetask.js';
import type { MapOutputFiles } from './sortbuffer.js';
import { computeSplits, type InputSplit } from './splits.js';
import { RemoteTaskError } from './errors.js';
import type { MapOutputLocation, TaskResult, TaskSpec } from './task.js';
import type { WorkerReply } from './worker.js';

export interface LocalJobOptions {
  /** Input files or directories (paths or file:// URIs); ignored by generated (`range`) input. */
  readonly inputs: readonly string[];
  /** Output directory; must not exist or be empty. */
  readonly output: string;
  /** Reducers; default: the job's `reducers`, else 1. 0 = map-only. */
  readonly reducers?: number;
  /** `-D key=value` settings. */
  readonly config?: Readonly<Record<string, string>>;
  /** Local scratch directory (default: a fresh directory under the OS temp dir, removed after). */
  readonly workDir?: string;
  readonly jobId?: string;
  readonly sortBufferBytes?: number;
  readonly mergeFactor?: number;
  readonly minSplitBytes?: number;
  readonly maxSplitBytes?: number;
  /** Tasks run at once in worker threads (default 1: everything on this thread). Needs the
   *  job's module path: jobs from loadJob have it, else give `jobModule`. Memory: each
   *  worker holds its own sort buffer. */
  readonly parallelism?: number;
  readonly jobModule?: string;
}

export interface LocalJobResult {
  readonly jobId: string;
  readonly outputDir: string;
  readonly config: JobConfig;
  readonly maps: number;
  readonly reducers: number;
  readonly counters: Counters;
}

/** Runs task specs on a fixed set of worker threads. */
class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: { spec: TaskSpec; resolve: (r: TaskResult) => void; reject: (e: unknown) => void }[] = [];
  private readonly running = new Map<Worker, { resolve: (r: TaskResult) => void; reject: (e: unknown) => void }>();
  private seq = 0;

  constructor(size: number, WorkerThread: typeof Worker) {
    for (let i = 0; i < size; i++) {
      const w = new WorkerThread(new URL('./worker.js', import.meta.url));
      w.on('message', (m: WorkerReply) => {
        const job = this.running.get(w);
        this.running.delete(w);
        this.idle.push(w);
        if (job !== undefined) {
          if (m.error !== undefined) job.reject(new RemoteTaskError(m.error));
          else job.resolve(m.result as TaskResult);
        }
        this.pump();
      });
      w.on('error', (e) => {
        const job = this.running.get(w);
        this.running.delete(w);
        job?.reject(e);
      });
      this.all.push(w);
      this.idle.push(w);
    }
  }

  run(spec: TaskSpec): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ spec, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop() as Worker;
      const t = this.queue.shift() as (typeof this.queue)[number];
      this.running.set(w, t);
      w.postMessage({ id: this.seq++, spec: t.spec });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

/** Runs `prepare` (if any) and returns the configuration tasks see. */
export async function prepareJob(job: AnyJob, config: JobConfig, splits: readonly InputSplit[], partitions: number): Promise<JobConfig> {
  if (job.prepare === undefined) return config;
  const input = jobInput(job, config);
  const extra = await job.prepare({
    config,
    partitions,
    splits,
    input,
    readRecords: async (split: InputSplit, onRecord: (k: never, v: never) => boolean | void) => {
      await readSplit(split, input, onRecord as (k: unknown, v: unknown) => unknown);
    },
  });
  return Object.freeze({ ...config, ...(extra ?? {}) });
}

/** The reduce segments of `partition` in local map outputs. */
export function localSegments(mapOutputs: readonly MapOutputFiles[], partition: number): ReduceSegment[] {
  return mapOutputs.map((m) => {
    const e = m.index.partitions[partition];
    return { mapId: m.index.mapId, path: m.dataPath, offset: e.offset, length: e.length, records: e.records, crc32: e.crc32 };
  });
}

export async function runJobLocally(job: AnyJob, opts: LocalJobOptions): Promise<LocalJobResult> {
  const jobId = opts.jobId ?? `local-${Date.now()}-${randomBytes(3).toString('hex')}`;
  const { fs, path: outputDir } = resolveUri(opts.output);
  const committer = new FileOutputCommitter(fs, outputDir);
  await committer.setupJob();
  const ownWorkDir = opts.workDir === undefined;
  const workDir = opts.workDir ?? join(tmpdir(), `coronet-${jobId}`);
  await mkdir(workDir, { recursive: true });
  const counters = new Counters();
  try {
    const reducers = opts.reducers ?? job.reducers ?? 1;
    let config = jobConfig(job, opts.config);
    const splits = await computeSplits(opts.inputs, jobInput(job, config), { minSplitBytes: opts.minSplitBytes, maxSplitBytes: opts.maxSplitBytes });
    config = await prepareJob(job, config, splits, reducers);
    const modulePath = opts.jobModule ?? jobModulePath(job);
    const parallelism = Math.max(1, opts.parallelism ?? 1);
    if (parallelism > 1 && modulePath !== undefined && splits.length + reducers > 1) {
      await runInWorkers({ modulePath, parallelism, jobId, config, splits, reducers, workDir, outputDir, committer, counters, opts });
      return { jobId, outputDir, config, maps: splits.length, reducers, counters };
    }
    const taskIds: string[] = [];
    const mapOutputs: MapOutputFiles[] = [];
    for (const split of splits) {
      const taskId = mapTaskId(split.index);
      const attemptId = `${taskId}_0`;
      const r = await runMapTask({
        job,
        split,
        partitions: reducers,
        workDir: join(workDir, taskId),
        config,
        jobId,
        taskId,
        attemptId,
        sortBufferBytes: opts.sortBufferBytes,
        mergeFactor: opts.mergeFactor,
        output: reducers === 0 ? { outputUri: outputDir, attemptId } : undefined,
      });
      counters.merge(r.counters);
      if (reducers === 0) {
        // A map that wrote nothing has no output to commit.
        if (r.outputFile !== null) {
          await committer.commitTask(taskId, attemptId);
          taskIds.push(taskId);
        }
      } else if (r.mapOutput !== null) mapOutputs.push(r.mapOutput);
    }
    for (let p = 0; p < reducers; p++) {
      const taskId = reduceTaskId(p);
      const attemptId = `${taskId}_0`;
      const r = await runReduceTask({
        job,
        partition: p,
        partitions: reducers,
        segments: localSegments(mapOutputs, p),
        workDir: join(workDir, taskId),
        output: { outputUri: outputDir, attemptId },
        config,
        jobId,
        taskId,
        mergeFactor: opts.mergeFactor,
      });
      counters.merge(r.counters);
      await committer.commitTask(taskId, attemptId);
      taskIds.push(taskId);
    }
    await committer.commitJob(taskIds);
    return { jobId, outputDir, config, maps: splits.length, reducers, counters };
  } catch (e) {
    await committer.abortJob().catch(() => undefined);
    throw e;
  } finally {
    if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
  }
}

async function runInWorkers(a: {
  modulePath: string;
  parallelism: number;
  jobId: string;
  config: JobConfig;
  splits: readonly InputSplit[];
  reducers: number;
  workDir: string;
  outputDir: string;
  committer: FileOutputCommitter;
  counters: Counters;
  opts: LocalJobOptions;
}): Promise<void> {
  // Loaded here, not with the module: only a local job runs worker threads (a task runner or client loads this module too).
  const pool = new WorkerPool(a.parallelism, (await import('node:worker_threads')).Worker);
  try {
    const base = { jobId: a.jobId, jobModule: a.modulePath, config: a.config, outputUri: a.outputDir, mergeFactor: a.opts.mergeFactor };
    const maps = await Promise.all(
      a.splits.map((split) => {
        const taskId = mapTaskId(split.index);
        return pool.run({ ...base, kind: 'map', taskId, attemptId: `${taskId}_0`, split, partitions: a.reducers, mapOutputBaseDir: join(a.workDir, 'shuffle'), sortBufferBytes: a.opts.sortBufferBytes });
      }),
    );
    const taskIds: string[] = [];
    for (const m of maps) {
      a.counters.merge(m.counters);
      if (a.reducers === 0 && m.outputFile !== undefined) {
        await a.committer.commitTask(m.taskId, m.attemptId);
        taskIds.push(m.taskId);
      }
    }
    const mapOutputs: MapOutputLocation[] = maps.flatMap((m) => (m.mapOutput === undefined ? [] : [{ mapId: m.attemptId, dir: m.mapOutput.dir }]));
    const reduces = await Promise.all(
      Array.from({ length: a.reducers }, (_, p) => {
        const taskId = reduceTaskId(p);
        return pool.run({ ...base, kind: 'reduce', taskId, attemptId: `${taskId}_0`, partition: p, partitions: a.reducers, mapOutputs, workDir: join(a.workDir, taskId) });
      }),
    );
    for (const r of reduces) {
      a.counters.merge(r.counters);
      await a.committer.commitTask(r.taskId, r.attemptId);
      taskIds.push(r.taskId);
    }
    await a.committer.commitJob(taskIds);
  } finally {
    await pool.close();
  }
}
