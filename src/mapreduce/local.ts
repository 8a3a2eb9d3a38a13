// Runs a whole job in this process: splits, prepare, maps, reduces (reading map outputs
// straight from local files), task commits, job commit. Used by tests, as the in-process
// fallback of `coronet run`, and as the reference the cluster job tracker must match.

import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileOutputCommitter } from './committer.js';
import { Counters } from './counters.js';
import { resolveUri } from './fs.js';
import { readSplit } from './input.js';
import { jobConfig, jobInput, type AnyJob, type JobConfig } from './job.js';
import { mapTaskId, reduceTaskId, runMapTask } from './maptask.js';
import { runReduceTask, type ReduceSegment } from './reducetask.js';
import type { MapOutputFiles } from './sortbuffer.js';
import { computeSplits, type InputSplit } from './splits.js';

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
}

export interface LocalJobResult {
  readonly jobId: string;
  readonly outputDir: string;
  readonly config: JobConfig;
  readonly maps: number;
  readonly reducers: number;
  readonly counters: Counters;
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
        await committer.commitTask(taskId, attemptId);
        taskIds.push(taskId);
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
