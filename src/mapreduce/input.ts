// Record readers: turn a split into (key, value) records for the map function.
//
// Line-aligned splits follow Hadoop's LineRecordReader rule: a split owns the lines that
// START inside it. A split that starts mid-file begins one byte early and skips through
// the first newline (so a line starting exactly at its start is kept); its last line is
// read to its end even past the split end. Memory is one chunk buffer, grown only to fit
// a line longer than it.

import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { InputRecordError, errorText } from './errors.js';
import type { InputSpec } from './formats.js';
import type { InputSplit } from './splits.js';

export interface ReadStats {
  records: number;
  bytes: number;
}

/** Called per record. Return false (or a promise of false) to stop reading; a returned
 *  promise is awaited before the next record. */
export type RecordHandler = (key: unknown, value: unknown) => unknown;

export const defaultReadChunkBytes = 1 << 20;

interface ByteSource {
  read(buf: Buffer, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
  /** Bytes of the file consumed so far (compressed bytes for gzip). */
  consumed(): number;
}

/** Progress of a split read: fraction of the split's bytes (rows for range input) consumed, 0..1. */
export type ProgressHandler = (fraction: number) => void;

export interface ReadOptions {
  /** Read buffer, bytes (grown only to fit a longer line). */
  readonly chunkBytes?: number;
  /** Called after every buffer refill (and every `rangeProgressRows` generated rows). */
  readonly onProgress?: ProgressHandler;
}

const rangeProgressRows = 1 << 16;

class FileSource implements ByteSource {
  private readonly from: number;
  private constructor(
    private readonly fh: FileHandle,
    private pos: number,
  ) {
    this.from = pos;
  }
  consumed(): number {
    return this.pos - this.from;
  }
  static async open(path: string, pos: number): Promise<FileSource> {
    return new FileSource(await open(path, 'r'), pos);
  }
  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    const { bytesRead } = await this.fh.read(buf, offset, length, this.pos);
    this.pos += bytesRead;
    return bytesRead;
  }
  async close(): Promise<void> {
    await this.fh.close();
  }
}

class GzipSource implements ByteSource {
  private readonly raw;
  private readonly stream;
  private readonly it: AsyncIterator<Buffer>;
  private pending: Buffer | null = null;
  private pendingOff = 0;
  constructor(private readonly path: string) {
    this.raw = createReadStream(path);
    this.stream = this.raw.pipe(createGunzip());
    this.it = this.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }
  consumed(): number {
    return this.raw.bytesRead;
  }
  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    if (this.pending === null) {
      let r: IteratorResult<Buffer>;
      try {
        r = await this.it.next();
      } catch (e) {
        throw new InputRecordError(this.path, 0, `cannot decompress gzip file: ${errorText(e)}`, { cause: e });
      }
      if (r.done === true) return 0;
      this.pending = r.value;
      this.pendingOff = 0;
    }
    const n = Math.min(length, this.pending.length - this.pendingOff);
    this.pending.copy(buf, offset, this.pendingOff, this.pendingOff + n);
    this.pendingOff += n;
    if (this.pendingOff === this.pending.length) this.pending = null;
    return n;
  }
  async close(): Promise<void> {
    this.stream.destroy();
    await Promise.resolve();
  }
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** Reads every record of the split, calling `onRecord` for each. */
export async function readSplit(split: InputSplit, spec: InputSpec, onRecord: RecordHandler, opts: ReadOptions = {}): Promise<ReadStats> {
  const chunkBytes = opts.chunkBytes ?? defaultReadChunkBytes;
  const report = opts.onProgress;
  const progress: (src: ByteSource) => void = report === undefined ? () => undefined : (src) => report(split.length === 0 ? 1 : Math.min(1, src.consumed() / split.length));
  if (spec.format === 'range') return readRange(split, onRecord, report);
  if (spec.format === 'fixed') return readFixed(split, spec.recordBytes, spec.keyBytes, onRecord, chunkBytes, progress);
  let decode: (buf: Buffer, s: number, e: number, offset: number) => unknown;
  if (spec.format === 'jsonl') {
    decode = (buf, s, e, offset) => {
      const text = buf.toString('utf8', s, e);
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        throw new InputRecordError(split.path, offset, `invalid JSON: ${errorText(err)}`, { cause: err });
      }
    };
  } else if (spec.decode === 'latin1') decode = (buf, s, e) => buf.toString('latin1', s, e);
  else if (spec.decode === 'buffer') decode = (buf, s, e) => buf.subarray(s, e);
  else decode = (buf, s, e) => buf.toString('utf8', s, e);
  const skipBlank = spec.format === 'jsonl';
  return readLines(split, chunkBytes, skipBlank, decode, onRecord, progress);
}

async function readRange(split: InputSplit, onRecord: RecordHandler, onProgress: ProgressHandler | undefined): Promise<ReadStats> {
  const stats = { records: 0, bytes: 0 };
  for (let row = split.start; row < split.start + split.length; row++) {
    stats.records++;
    if (onProgress !== undefined && stats.records % rangeProgressRows === 0) onProgress(stats.records / split.length);
    let r = onRecord(row, null);
    if (isThenable(r)) r = await r;
    if (r === false) break;
  }
  return stats;
}

async function openSource(split: InputSplit, from: number): Promise<ByteSource> {
  if (split.gzip) return new GzipSource(split.path);
  return FileSource.open(split.path, from);
}

async function readLines(
  split: InputSplit,
  chunkBytes: number,
  skipBlank: boolean,
  decode: (buf: Buffer, s: number, e: number, offset: number) => unknown,
  onRecord: RecordHandler,
  progress: (src: ByteSource) => void,
): Promise<ReadStats> {
  const stats = { records: 0, bytes: 0 };
  const readFrom = split.gzip || split.start === 0 ? 0 : split.start - 1;
  const end = split.gzip ? Number.POSITIVE_INFINITY : split.start + split.length;
  let skipFirst = !split.gzip && split.start > 0;
  const src = await openSource(split, readFrom);
  try {
    let buf = Buffer.allocUnsafe(chunkBytes);
    let view = buf.subarray(0, 0);
    let base = readFrom; // file offset of buf[0]
    let p = 0;
    let eof = false;
    for (;;) {
      let nl = view.indexOf(10, p);
      if (nl < 0) {
        if (!eof) {
          // Move the partial line to the front, grow only if a single line fills the buffer.
          const have = view.length - p;
          if (p > 0) {
            buf.copyWithin(0, p, view.length);
            base += p;
            p = 0;
          }
          if (have === buf.length) {
            const bigger = Buffer.allocUnsafe(buf.length * 2);
            buf.copy(bigger, 0, 0, have);
            buf = bigger;
          }
          const n = await src.read(buf, have, buf.length - have);
          progress(src);
          if (n === 0) eof = true;
          view = buf.subarray(0, have + n);
          continue;
        }
        if (p >= view.length) break;
        nl = view.length; // last line without a newline
      }
      const lineStart = base + p;
      const next = nl + 1;
      if (skipFirst) {
        skipFirst = false;
        p = next;
        continue;
      }
      if (lineStart >= end) break;
      let e = nl;
      if (e > p && view[e - 1] === 13) e--;
      stats.bytes += Math.min(next, view.length) - p;
      if (skipBlank && isBlank(view, p, e)) {
        p = next;
        continue;
      }
      stats.records++;
      let r = onRecord(lineStart, decode(view, p, e, lineStart));
      if (isThenable(r)) r = await r;
      if (r === false) break;
      p = next;
    }
  } finally {
    await src.close();
  }
  return stats;
}

function isBlank(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

async function readFixed(
  split: InputSplit,
  recordBytes: number,
  keyBytes: number,
  onRecord: RecordHandler,
  chunkBytes: number,
  progress: (src: ByteSource) => void,
): Promise<ReadStats> {
  const stats = { records: 0, bytes: 0 };
  const end = split.gzip ? Number.POSITIVE_INFINITY : split.start + split.length;
  const src = await openSource(split, split.start);
  try {
    const size = Math.max(recordBytes, chunkBytes - (chunkBytes % recordBytes));
    const buf = Buffer.allocUnsafe(size);
    let offset = split.gzip ? 0 : split.start;
    let have = 0;
    for (;;) {
      // Fill the buffer completely (a read may return fewer bytes than asked).
      let eof = false;
      while (have < size) {
        const n = await src.read(buf, have, size - have);
        if (n === 0) {
          eof = true;
          break;
        }
        have += n;
      }
      progress(src);
      let p = 0;
      while (p + recordBytes <= have && offset < end) {
        stats.records++;
        stats.bytes += recordBytes;
        const key = buf.subarray(p, p + keyBytes);
        let r = onRecord(key, buf.subarray(p + keyBytes, p + recordBytes));
        if (isThenable(r)) r = await r;
        if (r === false) return stats;
        p += recordBytes;
        offset += recordBytes;
      }
      if (offset >= end) break;
      if (eof) {
        if (have - p > 0) throw new InputRecordError(split.path, offset, `truncated record: ${have - p} bytes left, records are ${recordBytes} bytes`);
        break;
      }
      buf.copyWithin(0, p, have);
      have -= p;
    }
  } finally {
    await src.close();
  }
  return stats;
}
