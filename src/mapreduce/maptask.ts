// One map task: read a split, run the user's map, and either
//  - (reducers > 0) partition + sort + spill + merge into one map output file with an
//    index, served to reducers by the shuffle, or
//  - (map-only) write `part-m-NNNNN` through the output committer's attempt directory,
//    created on the first record: a map that writes nothing leaves no file and no attempt
//    directory, so there is nothing to commit (as Hadoop's LazyOutputFormat).

import { mkdir } from 'node:fs/promises';
import { FileOutputCommitter, partFileName } from './committer.js';
import { Counters, TaskCounter } from './counters.js';
import { MapReduceError, UserCodeError } from './errors.js';
import { resolveUri, type OutputSink } from './fs.js';
import { readSplit } from './input.js';
import { jobConfig, jobInput, jobOutput, mapTaskId, type AnyJob, type JobConfig, type MapContext } from './job.js';
import { RecordWriter } from './output.js';
import { MapOutputBuffer, type MapOutputFiles } from './sortbuffer.js';
import type { InputSplit } from './splits.js';

export const defaultSortBufferBytes = 100 << 20;
export const defaultMergeFactor = 10;

/** Where a task attempt writes job output (map-only jobs and reduces). */
export interface TaskOutput {
  /** Job output directory URI (file:// or a path). */
  readonly outputUri: string;
  readonly attemptId: string;
}

export interface MapTaskOptions {
  readonly job: AnyJob;
  readonly split: InputSplit;
  /** Number of reducers; 0 = map-only. */
  readonly partitions: number;
  /** Local directory for spills and the final map output (`file.out`, `file.out.index`). */
  readonly workDir: string;
  /** Effective job configuration (defaults + -D + prepare results). */
  readonly config?: JobConfig;
  readonly jobId?: string;
  /** Default `m-NNNNN` from the split index. */
  readonly taskId?: string;
  readonly attemptId?: string;
  readonly sortBufferBytes?: number;
  readonly mergeFactor?: number;
  /** Required for map-only jobs. The caller commits the task afterwards (commitTask). */
  readonly output?: TaskOutput;
  readonly readChunkBytes?: number;
  /** Called as the split is read with the fraction done (0..1), for the job tracker's progress and speculation. */
  readonly onProgress?: (fraction: number) => void;
  /** Cancels the task (checked at every read buffer refill); it then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface MapTaskResult {
  readonly taskId: string;
  readonly attemptId: string;
  /** Map output for the shuffle (null for map-only jobs). */
  readonly mapOutput: MapOutputFiles | null;
  /** Job output file written in the attempt directory (map-only jobs; null when the map wrote
   *  no record: then there is no attempt directory and nothing to commit). */
  readonly outputFile: string | null;
  readonly counters: Counters;
}


function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

function wrapUser(phase: string, taskId: string, e: unknown): unknown {
  return e instanceof MapReduceError ? e : new UserCodeError(phase, taskId, { cause: e });
}

/** An output file created on the first write. Bytes written while it is being created are
 *  held in memory; the map's record loop waits for `opening()` so they stay few. */
class LazyOutputFile implements OutputSink {
  private sink: OutputSink | null = null;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private open: Promise<void> | null = null;

  constructor(private readonly create: () => Promise<OutputSink>) {}

  /** A write started creating the file (it exists once close() resolves). */
  get used(): boolean {
    return this.open !== null;
  }

  get bytesWritten(): number {
    return this.sink === null ? this.heldBytes : this.sink.bytesWritten;
  }

  /** The file being created, while it is. */
  opening(): Promise<void> | undefined {
    return this.sink === null && this.open !== null ? this.open : undefined;
  }

  write(b: Buffer): void {
    if (this.sink !== null) this.sink.write(b);
    else this.hold(Buffer.from(b));
  }

  writeRange(b: Buffer, start: number, end: number): void {
    if (this.sink !== null) this.sink.writeRange(b, start, end);
    else this.hold(Buffer.from(b.subarray(start, end)));
  }

  writeBytes(b: Buffer): void {
    if (this.sink !== null) this.sink.writeBytes(b);
    else this.hold(Buffer.from(b));
  }

  writeString(s: string, encoding?: 'utf8' | 'latin1'): void {
    if (this.sink !== null) this.sink.writeString(s, encoding);
    else this.hold(Buffer.from(s, encoding ?? 'utf8'));
  }

  private hold(b: Buffer): void {
    this.held.push(b);
    this.heldBytes += b.length;
    this.open ??= this.create().then((sink) => {
      for (const h of this.held) sink.write(h);
      this.held = [];
      this.sink = sink;
    });
  }

  async close(): Promise<void> {
    if (this.open === null) return;
    await this.open;
    await this.sink!.close();
  }

  async abort(): Promise<void> {
    if (this.open === null) return;
    await this.open.catch(() => undefined);
    await this.sink?.abort();
  }
}

export async function runMapTask(opts: MapTaskOptions): Promise<MapTaskResult> {
  const { job, split, partitions } = opts;
  opts.signal?.throwIfAborted();
  const config = opts.config ?? jobConfig(job);
  const taskId = opts.taskId ?? mapTaskId(split.index);
  const attemptId = opts.attemptId ?? `${taskId}_0`;
  const counters = new Counters();
  const input = jobInput(job, config);
  const counter = (g: string, n: string) => counters.counter(g, n);
  const base = { config, jobId: opts.jobId ?? 'local', taskId, attemptId, partitions, split, counter };

  let emit: (k: unknown, v: unknown) => void;
  let buffer: MapOutputBuffer<unknown, unknown> | null = null;
  let writer: RecordWriter<unknown, unknown> | null = null;
  let file: LazyOutputFile | null = null;
  let outputFile: string | null = null;
  if (partitions === 0) {
    const output = opts.output;
    if (output === undefined) throw new TypeError('runMapTask: a map-only job (partitions 0) needs `output`');
    const { fs, path } = resolveUri(output.outputUri);
    const committer = new FileOutputCommitter(fs, path);
    const name = partFileName('m', split.index);
    file = new LazyOutputFile(() => committer.createTaskFile(output.attemptId, name));
    outputFile = `${committer.attemptDir(output.attemptId)}/${name}`;
    const w = new RecordWriter(file, jobOutput(job), job.codecs.outputKey ?? job.codecs.key, job.codecs.outputValue ?? job.codecs.value);
    writer = w;
    emit = (k, v) => w.write(k, v);
  } else {
    await mkdir(opts.workDir, { recursive: true });
    const b = new MapOutputBuffer<unknown, unknown>({
      mapId: taskId,
      dir: opts.workDir,
      partitions,
      keyCodec: job.codecs.key,
      valueCodec: job.codecs.value,
      partitioner: job.partition === undefined ? null : job.partition({ config, partitions }),
      compare: job.compare,
      combine: job.combine,
      combineContext: { config, jobId: base.jobId, taskId, attemptId, partitions, counter },
      sortBufferBytes: opts.sortBufferBytes ?? defaultSortBufferBytes,
      mergeFactor: opts.mergeFactor ?? defaultMergeFactor,
      counters,
    });
    buffer = b;
    emit = (k, v) => b.collect(k, v);
  }
  const ctx: MapContext<unknown, unknown> = { ...base, emit };
  const signal = opts.signal;
  const report = opts.onProgress;
  const progress =
    signal === undefined && report === undefined
      ? undefined
      : (f: number): void => {
          signal?.throwIfAborted();
          report?.(f);
        };

  try {
    let state: unknown;
    try {
      state = await job.mapSetup?.(ctx);
    } catch (e) {
      throw wrapUser('mapSetup', taskId, e);
    }
    const map = job.map as (k: unknown, v: unknown, c: MapContext<unknown, unknown>, s: unknown) => unknown;
    const stats = await readSplit(
      split,
      input,
      (k, v) => {
        try {
          const r = map(k, v, ctx, state);
          // The first record written starts creating the output file: wait for it.
          if (isThenable(r)) return Promise.resolve(r).then((x) => file?.opening() ?? x, (e: unknown) => Promise.reject(wrapUser('map', taskId, e)));
          return file?.opening() ?? r;
        } catch (e) {
          throw wrapUser('map', taskId, e);
        }
      },
      { chunkBytes: opts.readChunkBytes, onProgress: progress },
    );
    counters.task(TaskCounter.MAP_INPUT_RECORDS, stats.records);
    counters.task(TaskCounter.MAP_INPUT_BYTES, stats.bytes);
    try {
      await job.mapCleanup?.(ctx, state);
    } catch (e) {
      throw wrapUser('mapCleanup', taskId, e);
    }
    let mapOutput: MapOutputFiles | null = null;
    if (buffer !== null) mapOutput = buffer.finish();
    if (writer !== null) {
      await writer.close();
      counters.task(TaskCounter.OUTPUT_RECORDS, writer.records);
      counters.task(TaskCounter.OUTPUT_BYTES, writer.bytes);
      counters.task(TaskCounter.MAP_OUTPUT_RECORDS, writer.records);
    }
    return { taskId, attemptId, mapOutput, outputFile: file?.used ? outputFile : null, counters };
  } catch (e) {
    if (writer !== null) await writer.close().catch(() => undefined);
    throw e;
  }
}
