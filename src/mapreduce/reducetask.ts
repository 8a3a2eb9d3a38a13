// One reduce task: merge the sorted map output segments of its partition (multi-pass
// through local disk when there are more than `mergeFactor`), group by key, run the
// user's reduce, and write `part-r-NNNNN` through the output committer.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { copyBytes, equalBytes, readU32 } from './bytes.js';
import { FileOutputCommitter, partFileName } from './committer.js';
import { Counters, TaskCounter } from './counters.js';
import { ChecksumError, MapReduceError, UserCodeError } from './errors.js';
import { resolveUri, type OutputSink } from './fs.js';
import { Grouper } from './group.js';
import { KernelMemory, type MemoryRun } from './kernels.js';
import { jobConfig, jobOutput, type AnyJob, type JobConfig, type ReduceContext } from './job.js';
import { defaultMergeFactor, type TaskOutput } from './maptask.js';
import { reduceTaskId } from './job.js';
import { RecordWriter } from './output.js';
import { MergeStream, SegmentReader, SegmentWriter, memcmpStreams, recordHeaderBytes, type RecordStream, type SegmentIndexEntry, type StreamComparator } from './segment.js';

/** One map's output for this partition: fetched into memory, or a range of a local file.
 *  `crcChecked`: the shuffle fetch verified the CRC32 of `data` as it arrived. */
export type MemorySegment = { readonly mapId: string; readonly data: Buffer; readonly records: number; readonly crc32: number; readonly crcChecked?: boolean };
export type ReduceSegment = MemorySegment | { readonly mapId: string; readonly path: string; readonly offset: number; readonly length: number; readonly records: number; readonly crc32: number };

export interface ReduceTaskOptions {
  readonly job: AnyJob;
  readonly partition: number;
  /** Total number of reduce partitions of the job. */
  readonly partitions: number;
  readonly segments: readonly ReduceSegment[];
  /** Local scratch directory for intermediate merge files. */
  readonly workDir: string;
  readonly output: TaskOutput;
  readonly config?: JobConfig;
  readonly jobId?: string;
  readonly taskId?: string;
  readonly mergeFactor?: number;
  /** Read buffer for all segment readers of one merge together. */
  readonly mergeBufferBytes?: number;
  /** Called every `progressRecords` input records with the fraction of input records reduced (0..1). */
  readonly onProgress?: (fraction: number) => void;
  /** Cancels the task (checked every `progressRecords` records); it then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

const progressRecords = 1 << 16;

export interface ReduceTaskResult {
  readonly taskId: string;
  readonly attemptId: string;
  /** The part file in the attempt directory. */
  readonly outputFile: string;
  readonly counters: Counters;
}

const defaultMergeBufferBytes = 32 << 20;

function segmentLength(s: ReduceSegment): number {
  return 'data' in s ? s.data.length : s.length;
}

function openSegment(s: ReduceSegment, partition: number, readerBytes: number): SegmentReader {
  if ('data' in s) return SegmentReader.fromBuffer(s.data, { records: s.records, crc32: s.crcChecked === true ? -1 : s.crc32 }, { mapId: s.mapId, partition });
  const entry: SegmentIndexEntry = { offset: s.offset, length: s.length, records: s.records, crc32: s.crc32 };
  return SegmentReader.fromFile(s.path, entry, { mapId: s.mapId, partition }, readerBytes);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** Merges segments down to at most `mergeFactor`, smallest first, through files in `dir`. */
function mergePasses(segments: ReduceSegment[], partition: number, mergeFactor: number, dir: string, cmp: StreamComparator, bufferBytes: number, counters: Counters): ReduceSegment[] {
  let segs = segments;
  let seq = 0;
  while (segs.length > mergeFactor) {
    segs = [...segs].sort((a, b) => segmentLength(a) - segmentLength(b));
    // First pass takes just enough segments that later passes merge exactly mergeFactor.
    const take = seq === 0 ? ((segs.length - 1) % (mergeFactor - 1)) + 1 : mergeFactor;
    const n = take === 1 ? mergeFactor : take;
    const batch = segs.slice(0, n);
    const path = join(dir, `merge${seq++}.seg`);
    const w = new SegmentWriter(path);
    const readerBytes = Math.max(64 << 10, Math.floor(bufferBytes / batch.length));
    w.beginSegment();
    const readers = batch.map((s) => openSegment(s, partition, readerBytes));
    try {
      w.appendAll(new MergeStream(readers, cmp));
    } finally {
      for (const r of readers) r.close();
    }
    const e = w.endSegment();
    w.close();
    counters.task(TaskCounter.SPILLED_RECORDS, e.records);
    counters.task(TaskCounter.MERGE_PASSES, 1);
    segs = [...segs.slice(n), { mapId: `merge of ${batch.map((s) => s.mapId).join(',')}`, path, ...e }];
  }
  return segs;
}

/** In-memory segments that all lie in one kernel memory with merge tables (a kernel-backed
 *  ShuffleMemory), as runs for its merge kernel; null otherwise. */
function kernelRuns(segments: readonly ReduceSegment[]): { memory: KernelMemory; runs: MemoryRun[]; segs: Array<MemorySegment> } | null {
  let memory: KernelMemory | null = null;
  const segs: Array<MemorySegment> = [];
  for (const s of segments) {
    if (!('data' in s)) return null;
    if (s.data.length === 0) continue;
    const m = KernelMemory.of(s.data);
    if (m === null || (memory !== null && m !== memory) || s.data.byteOffset + s.data.length > m.layout.dataBytes) return null;
    memory = m;
    segs.push(s);
  }
  if (memory === null || memory.layout.extraBytes < KernelMemory.mergeTableBytes(segs.length)) return null;
  return { memory, runs: segs.map((s) => ({ start: s.data.byteOffset, end: s.data.byteOffset + s.data.length })), segs };
}

/** The identity raw reduce of in-memory segments by the merge kernel: checks each segment
 *  like a SegmentReader would (CRC32 unless the fetch did, whole first record, records
 *  counted) and writes merged key+value bytes block by block. */
function kernelPassThrough(k: NonNullable<ReturnType<typeof kernelRuns>>, partition: number, sink: OutputSink, progress: (records: number) => void): { records: number; groups: number } {
  const view = Buffer.from(k.memory.buffer);
  for (const s of k.segs) {
    const label = { mapId: s.mapId, partition };
    if (s.crcChecked !== true && s.crc32 >= 0) {
      const c = crc32(s.data);
      if (c !== s.crc32) throw new ChecksumError(label.mapId, partition, `CRC32 ${c.toString(16)} != expected ${s.crc32.toString(16)}`);
    }
    if (s.data.length < recordHeaderBytes || recordHeaderBytes + readU32(s.data, 0) + readU32(s.data, 4) > s.data.length) throw new ChecksumError(label.mapId, partition, `truncated record at the start of a ${s.data.length}-byte segment`);
  }
  let records = 0;
  const r = k.memory.merge(k.runs, false, (start, end, n) => {
    sink.writeRange(view, start, end);
    records += n;
    progress(records);
  });
  if (r.corruptRun >= 0) throw new ChecksumError(k.segs[r.corruptRun].mapId, partition, `a record runs past the end of the segment (after ${r.records[r.corruptRun]} records)`);
  k.segs.forEach((s, i) => {
    if (s.records >= 0 && r.records[i] !== s.records) throw new ChecksumError(s.mapId, partition, `${r.records[i]} records read, ${s.records} written`);
  });
  return { records, groups: r.groups };
}

/** Output bytes = encoded record bytes: raw output whose codecs are the map output codecs. */
function rawPassThrough(job: AnyJob): boolean {
  const c = job.codecs;
  return jobOutput(job).format === 'raw' && (c.outputKey === undefined || c.outputKey === c.key) && (c.outputValue === undefined || c.outputValue === c.value) && c.key.name === 'raw' && c.value.name === 'raw';
}

function copyRecords(stream: RecordStream, sink: OutputSink): { records: number; groups: number } {
  let records = 0;
  let groups = 0;
  let prev = Buffer.allocUnsafe(64);
  let prevLen = -1;
  while (stream.next()) {
    records++;
    const k = stream.key;
    const ks = stream.keyStart;
    const ke = stream.keyEnd;
    if (prevLen < 0 || !equalBytes(prev, 0, prevLen, k, ks, ke)) {
      groups++;
      if (ke - ks > prev.length) prev = Buffer.allocUnsafe((ke - ks) * 2);
      prevLen = copyBytes(k, ks, ke, prev, 0);
    }
    // Key and value are adjacent in segment buffers: one copy.
    if (k === stream.value && ke === stream.valueStart) sink.writeRange(k, ks, stream.valueEnd);
    else {
      sink.writeRange(k, ks, ke);
      sink.writeRange(stream.value, stream.valueStart, stream.valueEnd);
    }
  }
  return { records, groups };
}

export async function runReduceTask(opts: ReduceTaskOptions): Promise<ReduceTaskResult> {
  const { job, partition } = opts;
  opts.signal?.throwIfAborted();
  const config = opts.config ?? jobConfig(job);
  const taskId = opts.taskId ?? reduceTaskId(partition);
  const attemptId = opts.output.attemptId;
  const counters = new Counters();
  const mergeFactor = opts.mergeFactor ?? defaultMergeFactor;
  if (!(Number.isInteger(mergeFactor) && mergeFactor >= 2)) throw new TypeError(`mergeFactor must be an integer >= 2, got ${mergeFactor}`);
  const bufferBytes = opts.mergeBufferBytes ?? defaultMergeBufferBytes;
  const keyCodec = job.codecs.key;
  const compare = job.compare;
  const cmp: StreamComparator =
    compare === undefined ? memcmpStreams : (a, b) => compare(keyCodec.read(a.key, a.keyStart, a.keyEnd), keyCodec.read(b.key, b.keyStart, b.keyEnd));

  let shuffleBytes = 0;
  for (const s of opts.segments) shuffleBytes += segmentLength(s);
  counters.task(TaskCounter.REDUCE_SHUFFLE_BYTES, shuffleBytes);

  const { fs, path } = resolveUri(opts.output.outputUri);
  const committer = new FileOutputCommitter(fs, path);
  const name = partFileName('r', partition);
  const sink = await committer.createTaskFile(attemptId, name);
  const writer = new RecordWriter(sink, jobOutput(job), job.codecs.outputKey, job.codecs.outputValue);
  const mergeDir = join(opts.workDir, `${attemptId}-merge`);
  await mkdir(mergeDir, { recursive: true });
  let readers: SegmentReader[] = [];
  try {
    const segs = mergePasses([...opts.segments], partition, mergeFactor, mergeDir, cmp, bufferBytes, counters);
    const reduce = job.reduce;
    // Identity reduce into raw output: the encoded bytes are the output bytes.
    const passThrough = reduce === undefined && compare === undefined && rawPassThrough(job);
    const kernel = passThrough ? kernelRuns(segs) : null;
    const readerBytes = Math.max(64 << 10, Math.floor(bufferBytes / Math.max(1, segs.length)));
    readers = kernel !== null ? [] : segs.map((s) => openSegment(s, partition, readerBytes));
    const stream: RecordStream = new MergeStream(readers, cmp);
    const g = new Grouper(stream, keyCodec, job.codecs.value, compare);
    const ctx: ReduceContext<unknown, unknown> = {
      config,
      jobId: opts.jobId ?? 'local',
      taskId,
      attemptId,
      partitions: opts.partitions,
      partition,
      counter: (gr, n) => counters.counter(gr, n),
      emit: (k, v) => writer.write(k, v),
    };
    const wrap = (phase: string, e: unknown) => (e instanceof MapReduceError ? e : new UserCodeError(phase, taskId, { cause: e }));
    let state: unknown;
    try {
      state = await job.reduceSetup?.(ctx);
    } catch (e) {
      throw wrap('reduceSetup', e);
    }
    let groups = 0;
    let totalRecords = 0;
    for (const s of opts.segments) totalRecords += s.records;
    const onProgress = opts.onProgress;
    let nextReport = progressRecords;
    if (passThrough) {
      const r =
        kernel !== null
          ? kernelPassThrough(kernel, partition, sink, (records) => {
              if (records < nextReport) return;
              opts.signal?.throwIfAborted();
              onProgress?.(Math.min(1, records / Math.max(1, totalRecords)));
              nextReport = records + progressRecords;
            })
          : copyRecords(stream, sink);
      groups = r.groups;
      g.records = r.records;
      writer.records = r.records;
    }
    while (g.nextGroup()) {
      groups++;
      if (g.records >= nextReport) {
        opts.signal?.throwIfAborted();
        onProgress?.(Math.min(1, g.records / Math.max(1, totalRecords)));
        nextReport = g.records + progressRecords;
      }
      if (reduce === undefined) {
        for (const v of g.values) writer.write(g.key, v);
        continue;
      }
      try {
        const r = reduce(g.key, g.values, ctx, state);
        if (isThenable(r)) await r;
      } catch (e) {
        throw wrap('reduce', e);
      }
    }
    try {
      await job.reduceCleanup?.(ctx, state);
    } catch (e) {
      throw wrap('reduceCleanup', e);
    }
    await writer.close();
    onProgress?.(1);
    counters.task(TaskCounter.REDUCE_INPUT_GROUPS, groups);
    counters.task(TaskCounter.REDUCE_INPUT_RECORDS, g.records);
    counters.task(TaskCounter.REDUCE_OUTPUT_RECORDS, writer.records);
    counters.task(TaskCounter.OUTPUT_RECORDS, writer.records);
    counters.task(TaskCounter.OUTPUT_BYTES, writer.bytes);
    return { taskId, attemptId, outputFile: join(committer.attemptDir(attemptId), name), counters };
  } catch (e) {
    for (const r of readers) r.close();
    await sink.abort();
    throw e;
  } finally {
    await rm(mergeDir, { recursive: true, force: true });
  }
}
