// Shuffle: the node agent serves map output partitions over HTTP; reducers fetch them
// with bounded parallelism, retries with backoff, and checksum verification. Map outputs
// on the reducer's own node are read from their files instead (same checks, no HTTP).
//
//   GET /mapoutput/<jobId>/<mapId>/<partition>
//   200: the segment bytes; headers x-coronet-crc32 (hex), x-coronet-records, content-length
//   400: malformed request (including any path traversal attempt), 404: no such map output

import { assert } from '../common/errors.js';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { ChecksumError, MapOutputMissingError, MapReduceError, ShuffleFetchError, errorText } from './errors.js';
import { httpGetInto, type BodySink, type HttpHead } from './http-get.js';
import { KernelMemory, layoutBytes, type KernelLayout } from './kernels.js';
import type { ReduceSegment } from './reducetask.js';
import type { SegmentIndexEntry } from './segment.js';
import { mapOutputFileName, mapOutputIndexName, type MapOutputIndex } from './sortbuffer.js';

export const mapOutputUrlPrefix = '/mapoutput/';
export const crcHeader = 'x-coronet-crc32';
export const recordsHeader = 'x-coronet-records';

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Read size when serving a segment (the stream default, 64 KiB, costs a chunk's overhead per 64 KiB). */
const serveChunkBytes = 1 << 20;

/** Where runMapTask should put the output of map `mapId` of job `jobId` so that
 *  serveMapOutput(…, baseDir) finds it. */
export function mapOutputDir(baseDir: string, jobId: string, mapId: string): string {
  if (!idPattern.test(jobId) || !idPattern.test(mapId)) throw new TypeError(`bad job or map id: ${jobId}/${mapId}`);
  return join(baseDir, jobId, mapId);
}

/** The URL of one partition of one map's output on a node's shuffle server. */
export function mapOutputUrl(shuffleBaseUrl: string, jobId: string, mapId: string, partition: number): string {
  return `${shuffleBaseUrl.replace(/\/+$/, '')}${mapOutputUrlPrefix}${encodeURIComponent(jobId)}/${encodeURIComponent(mapId)}/${partition}`;
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** node:http handler for `/mapoutput/<jobId>/<mapId>/<partition>` (the path may carry a
 *  prefix before `/mapoutput/`). Serves from `baseDir/<jobId>/<mapId>/file.out`. */
export async function serveMapOutput(req: IncomingMessage, res: ServerResponse, baseDir: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    reply(res, 405, 'only GET is supported\n');
    return;
  }
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  const at = pathname.indexOf(mapOutputUrlPrefix);
  let parts: string[];
  try {
    parts = at < 0 ? [] : pathname.slice(at + mapOutputUrlPrefix.length).split('/').map((p) => decodeURIComponent(p));
  } catch {
    parts = [];
  }
  if (parts.length !== 3 || !idPattern.test(parts[0]) || !idPattern.test(parts[1]) || !/^\d{1,9}$/.test(parts[2])) {
    reply(res, 400, 'expected /mapoutput/<jobId>/<mapId>/<partition>\n');
    return;
  }
  const [jobId, mapId] = parts;
  const partition = Number(parts[2]);
  const root = resolve(baseDir);
  const dir = resolve(root, jobId, mapId);
  if (!dir.startsWith(root + sep)) {
    reply(res, 400, 'bad path\n');
    return;
  }
  let index: MapOutputIndex;
  try {
    index = JSON.parse(await readFile(join(dir, mapOutputIndexName), 'utf8')) as MapOutputIndex;
  } catch {
    reply(res, 404, `no map output for ${jobId}/${mapId}\n`);
    return;
  }
  const entry = index.partitions[partition];
  if (entry === undefined) {
    reply(res, 404, `map ${mapId} has no partition ${partition}\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': entry.length,
    [crcHeader]: entry.crc32.toString(16),
    [recordsHeader]: String(entry.records),
  });
  if (req.method === 'HEAD' || entry.length === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(join(dir, mapOutputFileName), { start: entry.offset, end: entry.offset + entry.length - 1, highWaterMark: serveChunkBytes });
  await new Promise<void>((done) => {
    stream.on('error', () => {
      res.destroy();
      done();
    });
    res.on('close', () => {
      stream.destroy();
      done();
    });
    stream.pipe(res);
  });
}

export interface MapOutputSource {
  readonly mapId: string;
  /** Base URL of the node's shuffle server, e.g. `http://node7:7090`. */
  readonly shuffleUrl: string;
  readonly jobId: string;
}

/** The shuffle server of the fetching task's own node and the directory it serves
 *  (serveMapOutput's `baseDir`): map outputs there are read from the file, not over HTTP
 *  (Hadoop's local fetch). */
export interface LocalShuffle {
  readonly shuffleUrl: string;
  readonly baseDir: string;
}

/** Merge stage of a kernel-backed ShuffleMemory: larger than a sink's buffer, so merged
 *  blocks are written straight from it. */
const kernelStageBytes = 4 << 20;
/** Runs a kernel-backed ShuffleMemory can merge in one pass. */
export const kernelMergeRunsMax = 1024;
/** Segment buffers in kernel memory start on this boundary. */
const extentAlignBytes = 8;

/** One byte budget for the segments a reduce holds in memory, shared by all its fetches.
 *  With `kernel`, the budget is one WebAssembly memory the segments are placed in (first
 *  fit), so the reduce can merge them with the merge kernel (kernels.ts); a segment that
 *  finds no room there gets a buffer of its own. */
export class ShuffleMemory {
  private used = 0;
  readonly kernel: KernelMemory | null;
  /** Free extents of the kernel memory's data region, by start, never adjacent. */
  private readonly free: Array<{ start: number; end: number }> = [];

  constructor(
    readonly limitBytes: number,
    opts: { kernel?: boolean } = {},
  ) {
    if (!(limitBytes >= 0)) throw new TypeError(`shuffle memory must be >= 0 bytes, got ${limitBytes}`);
    this.kernel = opts.kernel === true && limitBytes > 0 ? KernelMemory.acquire(ShuffleMemory.kernelLayout(limitBytes)) : null;
    if (this.kernel !== null) this.free.push({ start: 0, end: limitBytes });
  }

  /** The kernel memory layout of a budget of `limitBytes`. */
  static kernelLayout(limitBytes: number): KernelLayout {
    return { dataBytes: limitBytes, stageBytes: kernelStageBytes, extraBytes: KernelMemory.mergeTableBytes(kernelMergeRunsMax) };
  }

  /** Bytes of kernel memory a budget of `limitBytes` takes. */
  static kernelBytes(limitBytes: number): number {
    return layoutBytes(ShuffleMemory.kernelLayout(limitBytes));
  }

  get usedBytes(): number {
    return this.used;
  }

  /** The reduce is done with every segment (none is read or written any more): the kernel
   *  memory goes back to this process's pool for its next task. */
  close(): void {
    this.kernel?.release();
  }

  /** Takes `bytes` of the budget if they fit. */
  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  /** Takes `bytes` whether they fit or not (there is nowhere else to put them). */
  reserve(bytes: number): true {
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /** A buffer for a segment whose bytes are reserved: in the kernel memory when it has room. */
  allocate(length: number): Buffer {
    const kernel = this.kernel;
    const need = Math.ceil(length / extentAlignBytes) * extentAlignBytes;
    if (kernel !== null && length > 0) {
      for (let i = 0; i < this.free.length; i++) {
        const f = this.free[i];
        if (f.end - f.start < need) continue;
        const start = f.start;
        f.start += need;
        if (f.start === f.end) this.free.splice(i, 1);
        return Buffer.from(kernel.buffer, start, length);
      }
    }
    return Buffer.allocUnsafe(length);
  }

  /** Gives a segment's buffer back: its bytes of the budget, and its place in the kernel memory. */
  dispose(buf: Buffer): void {
    this.release(buf.length);
    if (this.kernel === null || buf.buffer !== this.kernel.buffer || buf.length === 0) return;
    const start = buf.byteOffset;
    const end = start + Math.ceil(buf.length / extentAlignBytes) * extentAlignBytes;
    let i = 0;
    while (i < this.free.length && this.free[i].start < start) i++;
    this.free.splice(i, 0, { start, end });
    // Coalesce with the neighbours.
    if (i + 1 < this.free.length && this.free[i].end === this.free[i + 1].start) {
      this.free[i].end = this.free[i + 1].end;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].end === this.free[i].start) {
      this.free[i - 1].end = this.free[i].end;
      this.free.splice(i, 1);
    }
  }
}

export interface FetchOptions {
  readonly sources: readonly MapOutputSource[];
  readonly partition: number;
  /** Parallel fetches (default 5). */
  readonly concurrency?: number;
  /** Retries per source after the first try (default 3). */
  readonly retries?: number;
  /** First backoff; doubles per retry (default 200 ms). */
  readonly backoffMs?: number;
  /** Per-request timeout (default 60 s). */
  readonly timeoutMs?: number;
  /** Segments are kept in memory up to this total; later ones are streamed to files in
   *  `spillDir` without being held in memory (default 256 MiB). Ignored when `memory` is given. */
  readonly memoryBytes?: number;
  /** A budget shared with other fetchers (e.g. every fetch of one reduce). */
  readonly memory?: ShuffleMemory;
  /** Required to bound memory; without it every segment stays in memory. */
  readonly spillDir?: string;
  /** Map outputs on this node: read from their files. */
  readonly local?: LocalShuffle;
  readonly signal?: AbortSignal;
}

export interface FetchResult {
  readonly segments: ReduceSegment[];
  readonly bytes: number;
}

/** If the error says "this map's output is bad or gone", the map (attempt) id to re-run;
 *  else null. Works on the errors themselves and on RemoteTaskError / TaskErrorInfo. */
export function lostMapOutput(e: unknown): string | null {
  if (e instanceof ChecksumError || e instanceof MapOutputMissingError) return e.mapId;
  if (typeof e === 'object' && e !== null) {
    const { code, details } = e as { code?: unknown; details?: { mapId?: unknown } };
    if ((code === 'CHECKSUM_MISMATCH' || code === 'MAP_OUTPUT_MISSING') && typeof details?.mapId === 'string') return details.mapId;
  }
  return null;
}

class RetryableError extends Error {}

type Fetched = { data: Buffer; path: null; length: number; crc: number; records: number } | { data: null; path: string; length: number; crc: number; records: number };

/** Where a fetched segment goes: a buffer of its length (its bytes of the budget taken),
 *  or a file it is streamed to without being held in memory. */
type Placement = { readonly buf: Buffer } | { readonly path: string };

/** Error answers are kept up to this much text. */
const errorTextBytesMax = 4096;
/** Read size when a fetched segment is streamed to a file. */
const toFileChunkBytes = 1 << 20;

/** A body sink that checksums what it is given and puts it into `buf`. */
function intoBuffer(buf: Buffer, crc: { value: number }): BodySink {
  let at = 0;
  return {
    target: () => buf.subarray(at),
    wrote(n) {
      crc.value = crc32(buf.subarray(at, at + n), crc.value);
      at += n;
    },
  };
}

/** A body sink that checksums what it is given and appends it to the file `fd`. */
function intoFile(fd: number, crc: { value: number }): BodySink {
  const chunk = Buffer.allocUnsafe(toFileChunkBytes);
  return {
    target: () => chunk,
    wrote(n) {
      crc.value = crc32(chunk.subarray(0, n), crc.value);
      for (let at = 0; at < n; ) at += writeSync(fd, chunk, at, n - at);
    },
  };
}

/** A body sink keeping the start of an error answer as text. */
function errorAnswer(): BodySink & { text(): string } {
  const chunk = Buffer.allocUnsafe(errorTextBytesMax);
  const kept: Buffer[] = [];
  let keptBytes = 0;
  return {
    target: () => chunk,
    wrote(n) {
      if (keptBytes >= errorTextBytesMax) return;
      kept.push(Buffer.from(chunk.subarray(0, Math.min(n, errorTextBytesMax - keptBytes))));
      keptBytes += n;
    },
    text: () => Buffer.concat(kept).toString('utf8').trim(),
  };
}

/** GETs one segment into the place `place(length)` gives it (httpGetInto: the body goes
 *  from the socket straight into it). */
async function fetchOne(src: MapOutputSource, partition: number, timeoutMs: number, signal: AbortSignal, place: (length: number) => Placement): Promise<Fetched> {
  const url = mapOutputUrl(src.shuffleUrl, src.jobId, src.mapId, partition);
  const crc = { value: 0 };
  const problem = errorAnswer();
  let placed: Placement | null = null;
  let fd = -1;
  let expect = 0;
  let records = 0;
  let head: HttpHead;
  try {
    head = await httpGetInto(url, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]), (h) => {
      if (h.status !== 200) return problem;
      const crcText = h.headers.get(crcHeader);
      const recordsText = h.headers.get(recordsHeader);
      if (crcText === undefined || recordsText === undefined || h.length < 0) {
        throw new ShuffleFetchError(src.mapId, partition, 1, `GET ${url}: response lacks ${crcHeader}/${recordsHeader}/content-length`);
      }
      expect = parseInt(crcText, 16);
      records = Number(recordsText);
      placed = place(h.length);
      if ('buf' in placed) return intoBuffer(placed.buf, crc);
      fd = openSync(placed.path, 'w');
      return intoFile(fd, crc);
    });
  } catch (e) {
    if (signal.aborted || e instanceof MapReduceError) throw e;
    throw new RetryableError(`GET ${url}: ${errorText(e)}`);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  if (head.status === 404) throw new MapOutputMissingError(src.mapId, partition, `GET ${url}: 404`);
  if (head.status !== 200) {
    if (head.status >= 500) throw new RetryableError(`GET ${url}: ${head.status} ${problem.text()}`);
    throw new ShuffleFetchError(src.mapId, partition, 1, `GET ${url}: ${head.status} ${problem.text()}`);
  }
  const p = placed as Placement | null;
  assert(p !== null, 'a 200 response placed its body');
  if (crc.value !== expect) throw new ChecksumError(src.mapId, partition, `CRC32 ${crc.value.toString(16)} != ${expect.toString(16)} (fetched from ${url})`);
  return 'path' in p ? { data: null, path: p.path, length: head.length, crc: expect, records } : { data: p.buf, path: null, length: head.length, crc: expect, records };
}

/** Read size of a local segment's checksum pass when it is not loaded into memory. */
const localVerifyChunkBytes = 1 << 20;

/** A map output segment on this node, checked like a fetched one (CRC32 of every byte,
 *  missing or unreadable: MapOutputMissingError). `place(length)` gives the buffer to load
 *  it into; null: the reduce merges it straight from the map output file. */
async function readLocal(src: MapOutputSource, partition: number, local: LocalShuffle, place: (length: number) => Buffer | null): Promise<ReduceSegment> {
  const dir = mapOutputDir(local.baseDir, src.jobId, src.mapId);
  const dataPath = join(dir, mapOutputFileName);
  let entry: SegmentIndexEntry | undefined;
  try {
    entry = (JSON.parse(await readFile(join(dir, mapOutputIndexName), 'utf8')) as MapOutputIndex).partitions[partition];
  } catch (e) {
    throw new MapOutputMissingError(src.mapId, partition, `${dir}: ${errorText(e)}`);
  }
  if (entry === undefined) throw new MapOutputMissingError(src.mapId, partition, `${dir} has no partition ${partition}`);
  const placed = place(entry.length);
  const load = placed !== null;
  const buf = placed ?? Buffer.allocUnsafe(Math.min(entry.length, localVerifyChunkBytes));
  let crc = 0;
  let fh: FileHandle | undefined;
  try {
    fh = await open(dataPath, 'r');
    for (let done = 0; done < entry.length; ) {
      const at = load ? done : 0;
      const { bytesRead } = await fh.read(buf, at, Math.min(buf.length - at, entry.length - done), entry.offset + done);
      if (bytesRead === 0) throw new Error(`file ends ${entry.length - done} bytes before the segment end`);
      crc = crc32(buf.subarray(at, at + bytesRead), crc);
      done += bytesRead;
    }
  } catch (e) {
    throw new MapOutputMissingError(src.mapId, partition, `${dataPath}: ${errorText(e)}`);
  } finally {
    await fh?.close();
  }
  if (crc !== entry.crc32) throw new ChecksumError(src.mapId, partition, `CRC32 ${crc.toString(16)} != expected ${entry.crc32.toString(16)} (local file ${dataPath})`);
  if (load) return { mapId: src.mapId, data: buf, records: entry.records, crc32: entry.crc32, crcChecked: true };
  return { mapId: src.mapId, path: dataPath, offset: entry.offset, length: entry.length, records: entry.records, crc32: entry.crc32 };
}

/** Fetches one partition of map outputs as they are added: reduces can start before
 *  every map is done (slowstart) and fetch each map's output as soon as it completes.
 *  Bounded parallelism, retries with backoff, one memory budget for everything fetched.
 *  The first error that survives its retries stops all fetching; `drained()` rejects with
 *  it (ChecksumError / MapOutputMissingError name the map to re-run). */
export class ShuffleFetcher {
  readonly segments: ReduceSegment[] = [];
  bytes = 0;
  private readonly queue: MapOutputSource[] = [];
  private readonly abort = new AbortController();
  private readonly onAbort: () => void;
  private active = 0;
  private failure: unknown = null;
  private waiters: { resolve: (r: FetchResult) => void; reject: (e: unknown) => void }[] = [];
  private readonly concurrency: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;
  private readonly memory: ShuffleMemory;

  constructor(private readonly opts: Omit<FetchOptions, 'sources'>) {
    this.concurrency = opts.concurrency ?? 5;
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 200;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.memory = opts.memory ?? new ShuffleMemory(opts.memoryBytes ?? 256 << 20);
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1)) throw new TypeError(`concurrency must be >= 1, got ${this.concurrency}`);
    this.onAbort = () => this.fail(opts.signal?.reason ?? new Error('shuffle aborted'));
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Queues map outputs to fetch. */
  add(sources: readonly MapOutputSource[]): void {
    if (this.failure !== null) return;
    this.queue.push(...sources);
    this.pump();
  }

  /** Resolves when everything added so far has been fetched. */
  drained(): Promise<FetchResult> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.settle();
    });
  }

  /** Stops fetching (segments already fetched stay in `segments`). */
  close(): void {
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.abort.abort(new Error('shuffle closed'));
  }

  private fail(e: unknown): void {
    if (this.failure !== null) return;
    this.failure = e;
    this.queue.length = 0;
    this.abort.abort(e);
    this.settle();
  }

  private settle(): void {
    if (this.failure === null && (this.active > 0 || this.queue.length > 0)) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (this.failure !== null) w.reject(this.failure instanceof Error ? this.failure : new Error(String(this.failure)));
      else w.resolve({ segments: [...this.segments], bytes: this.bytes });
    }
  }

  private pump(): void {
    while (this.failure === null && this.active < this.concurrency && this.queue.length > 0) {
      const src = this.queue.shift() as MapOutputSource;
      this.active++;
      this.fetchWithRetries(src).then(
        (seg) => {
          this.active--;
          if (this.failure === null) this.segments.push(seg);
          else if ('data' in seg) this.memory.dispose(seg.data);
          this.pump();
          this.settle();
        },
        (e: unknown) => {
          this.active--;
          this.fail(e);
        },
      );
    }
  }

  private async fetchWithRetries(src: MapOutputSource): Promise<ReduceSegment> {
    const { partition, spillDir, local } = this.opts;
    let taken: Buffer | null = null;
    /** A buffer for `length` bytes if they fit the budget (`force`: they must). */
    const take = (length: number, force: boolean): Buffer | null => {
      if (!(force ? this.memory.reserve(length) : this.memory.tryReserve(length))) return null;
      taken = this.memory.allocate(length);
      return taken;
    };
    const giveBack = () => {
      if (taken !== null) this.memory.dispose(taken);
      taken = null;
    };
    if (local !== undefined && src.shuffleUrl.replace(/\/+$/, '') === local.shuffleUrl.replace(/\/+$/, '')) {
      try {
        // A local segment over the budget stays where it is: merged from the map output file.
        const seg = await readLocal(src, partition, local, (length) => take(length, false));
        this.bytes += 'data' in seg ? seg.data.length : seg.length;
        return seg;
      } catch (e) {
        giveBack();
        throw e;
      }
    }
    // Without a spill directory there is nowhere else to put a segment: memory it is.
    const place = (length: number): Placement => {
      const buf = take(length, spillDir === undefined);
      return buf !== null ? { buf } : { path: join(spillDir as string, `${src.mapId}-p${partition}.seg`) };
    };
    for (let attempt = 0; ; attempt++) {
      try {
        const f = await fetchOne(src, partition, this.timeoutMs, this.abort.signal, place);
        this.bytes += f.length;
        if (f.data === null) return { mapId: src.mapId, path: f.path, offset: 0, length: f.length, records: f.records, crc32: f.crc };
        return { mapId: src.mapId, data: f.data, records: f.records, crc32: f.crc, crcChecked: true };
      } catch (e) {
        giveBack();
        const retryable = e instanceof RetryableError || e instanceof ChecksumError;
        if (this.abort.signal.aborted || !retryable) throw e;
        if (attempt >= this.retries) {
          if (e instanceof ChecksumError) throw e;
          throw new ShuffleFetchError(src.mapId, partition, attempt + 1, e.message, { cause: e });
        }
        await sleep(this.backoffMs * 2 ** attempt, undefined, { signal: this.abort.signal });
      }
    }
  }
}

/** Fetches partition `partition` of every source (ShuffleFetcher for a known list).
 *  Segments come back in the order of `sources`. */
export async function fetchMapOutputs(opts: FetchOptions): Promise<FetchResult> {
  const f = new ShuffleFetcher(opts);
  try {
    f.add(opts.sources);
    const r = await f.drained();
    const order = new Map(opts.sources.map((s, i) => [s.mapId, i]));
    r.segments.sort((a, b) => (order.get(a.mapId) ?? 0) - (order.get(b.mapId) ?? 0));
    return r;
  } finally {
    f.close();
  }
}
