// Task runner entry points: JSON-serializable task specs that a job tracker sends to a
// task runner process, and the function that runs one. The runner loads the job bundle
// (cached per path: a reused runner runs the next task of the same job without
// re-importing), runs the task and answers with a JSON result. Committing the attempt's
// output is a separate step the job tracker asks for (only one attempt per task may
// commit): see commitTaskOutput.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadJob } from './bundle.js';
import { FileOutputCommitter } from './committer.js';
import type { CountersJson } from './counters.js';
import { resolveUri } from './fs.js';
import type { AnyJob } from './job.js';
import { runMapTask } from './maptask.js';
import { runReduceTask, type ReduceSegment } from './reducetask.js';
import { fetchMapOutputs, mapOutputDir, type MapOutputSource } from './shuffle.js';
import { mapOutputFileName, mapOutputIndexName, type MapOutputIndex } from './sortbuffer.js';
import type { InputSplit } from './splits.js';

interface TaskSpecBase {
  readonly jobId: string;
  /** Path of the job bundle (.mjs) on this node, or of a job module. */
  readonly jobModule: string;
  readonly config: Readonly<Record<string, string>>;
  readonly taskId: string;
  /** Unique per attempt; names the attempt's output directory and its map output. */
  readonly attemptId: string;
  /** Job output directory URI. */
  readonly outputUri: string;
  readonly mergeFactor?: number;
}

export interface MapTaskSpec extends TaskSpecBase {
  readonly kind: 'map';
  readonly split: InputSplit;
  /** Number of reducers (0: map-only, the task writes part-m-NNNNN). */
  readonly partitions: number;
  /** The node's shuffle directory; output goes to mapOutputDir(base, jobId, attemptId). */
  readonly mapOutputBaseDir: string;
  readonly sortBufferBytes?: number;
}

/** Where a reduce gets one map's output: over HTTP, or from a directory on this machine. */
export type MapOutputLocation = MapOutputSource | { readonly mapId: string; readonly dir: string };

export interface ReduceTaskSpec extends TaskSpecBase {
  readonly kind: 'reduce';
  readonly partition: number;
  readonly partitions: number;
  /** One per map (mapId = the successful map attempt's id). */
  readonly mapOutputs: readonly MapOutputLocation[];
  /** Local scratch directory (fetched segments over the memory budget, merge passes). */
  readonly workDir: string;
  readonly fetch?: { readonly concurrency?: number; readonly retries?: number; readonly backoffMs?: number; readonly memoryBytes?: number };
}

export type TaskSpec = MapTaskSpec | ReduceTaskSpec;

export interface TaskResult {
  readonly kind: 'map' | 'reduce';
  readonly taskId: string;
  readonly attemptId: string;
  readonly counters: CountersJson;
  /** Map with reducers: where the output is and its partition index (for the shuffle). */
  readonly mapOutput?: { readonly dir: string; readonly index: MapOutputIndex };
  /** Job output file written in the attempt directory (reduce, map-only map). */
  readonly outputFile?: string;
}

const jobs = new Map<string, Promise<AnyJob>>();

/** Loads a job module once per process. A failed load is not cached. */
export function loadJobCached(path: string): Promise<AnyJob> {
  let p = jobs.get(path);
  if (p === undefined) {
    p = loadJob(path);
    jobs.set(path, p);
    p.catch(() => jobs.delete(path));
  }
  return p;
}

async function localSegment(loc: { mapId: string; dir: string }, partition: number): Promise<ReduceSegment> {
  const index = JSON.parse(await readFile(join(loc.dir, mapOutputIndexName), 'utf8')) as MapOutputIndex;
  const e = index.partitions[partition];
  return { mapId: loc.mapId, path: join(loc.dir, mapOutputFileName), offset: e.offset, length: e.length, records: e.records, crc32: e.crc32 };
}

/** Runs one task attempt. Throws the data path's errors (see errors.ts: `code` tells the
 *  job tracker what happened, e.g. CHECKSUM_MISMATCH / MAP_OUTPUT_MISSING → re-run that map). */
export async function runTask(spec: TaskSpec, opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {}): Promise<TaskResult> {
  const job = await loadJobCached(spec.jobModule);
  if (spec.kind === 'map') {
    const dir = mapOutputDir(spec.mapOutputBaseDir, spec.jobId, spec.attemptId);
    const r = await runMapTask({
      job,
      split: spec.split,
      partitions: spec.partitions,
      workDir: dir,
      config: spec.config,
      jobId: spec.jobId,
      taskId: spec.taskId,
      attemptId: spec.attemptId,
      sortBufferBytes: spec.sortBufferBytes,
      mergeFactor: spec.mergeFactor,
      output: spec.partitions === 0 ? { outputUri: spec.outputUri, attemptId: spec.attemptId } : undefined,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    return {
      kind: 'map',
      taskId: r.taskId,
      attemptId: r.attemptId,
      counters: r.counters.toJSON(),
      mapOutput: r.mapOutput === null ? undefined : { dir, index: r.mapOutput.index },
      outputFile: r.outputFile ?? undefined,
    };
  }
  const remote = spec.mapOutputs.filter((m): m is MapOutputSource => 'shuffleUrl' in m);
  const fetched = new Map<string, ReduceSegment>();
  if (remote.length > 0) {
    const f = await fetchMapOutputs({ sources: remote, partition: spec.partition, spillDir: spec.workDir, signal: opts.signal, ...spec.fetch });
    for (const s of f.segments) fetched.set(s.mapId, s);
  }
  const segments: ReduceSegment[] = [];
  for (const m of spec.mapOutputs) segments.push('dir' in m ? await localSegment(m, spec.partition) : (fetched.get(m.mapId) as ReduceSegment));
  const r = await runReduceTask({
    job,
    partition: spec.partition,
    partitions: spec.partitions,
    segments,
    workDir: spec.workDir,
    output: { outputUri: spec.outputUri, attemptId: spec.attemptId },
    config: spec.config,
    jobId: spec.jobId,
    taskId: spec.taskId,
    mergeFactor: spec.mergeFactor,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  return { kind: 'reduce', taskId: r.taskId, attemptId: r.attemptId, counters: r.counters.toJSON(), outputFile: r.outputFile };
}

/** The committer for a job output URI (job tracker side: setupJob, commitTask, commitJob, abort*). */
export function outputCommitter(outputUri: string): FileOutputCommitter {
  const { fs, path } = resolveUri(outputUri);
  return new FileOutputCommitter(fs, path);
}
