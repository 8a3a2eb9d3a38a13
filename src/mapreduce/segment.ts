// Segments: the on-disk (and on-wire) run format of sorted map output.
//
//   record  = [key length u32 LE][value length u32 LE][key bytes][value bytes]
//   segment = records of one partition, in key order
//   file    = segments back to back; an index gives each one's offset, length, record
//             count and CRC32. Writers count and checksum; readers count and checksum
//             again and fail with ChecksumError on any difference.
//
// Readers are synchronous and allocation-free per record: the current record is exposed
// as (buffer, start, end) ranges that stay valid until the next `next()`.

import { assert } from '../common/errors.js';
import { closeSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { compareBytes, copyBytes, readU32, writeU32 } from './bytes.js';
import { ChecksumError } from './errors.js';
import { FileWriter } from './fs.js';

export const recordHeaderBytes = 8;

export interface SegmentIndexEntry {
  readonly offset: number;
  readonly length: number;
  readonly records: number;
  readonly crc32: number;
}

/** A sorted sequence of records, positioned by `next()`. */
export interface RecordStream {
  /** Advances to the next record; false at the end. */
  next(): boolean;
  /** Whether the record after the current one has another key, or there is none (a
   *  stream that can look ahead for free has it: the sort buffer's). */
  nextKeyDiffers?(): boolean;
  key: Buffer;
  keyStart: number;
  keyEnd: number;
  value: Buffer;
  valueStart: number;
  valueEnd: number;
}

/** Compares the current keys of two streams. */
export type StreamComparator = (a: RecordStream, b: RecordStream) => number;

export const memcmpStreams: StreamComparator = (a, b) => compareBytes(a.key, a.keyStart, a.keyEnd, b.key, b.keyStart, b.keyEnd);

/** Names the data a reader checks, for error messages. */
export interface SegmentLabel {
  readonly mapId: string;
  readonly partition: number;
}

/** Writes segments into one file with synchronous buffered writes. */
export class SegmentWriter {
  private buf: Buffer;
  private used = 0;
  private readonly file: FileWriter;
  /** Bytes handed to the writer so far (= file offset of the next byte). */
  position = 0;
  private segStart = -1;
  private segRecords = 0;
  private segCrc = 0;
  private crcFrom = 0; // first buffered byte not yet in segCrc

  /** `keep`: the file outlives the task (map output), so it is written behind (FileWriter);
   *  it need not be durable: a lost or torn map output is re-run. */
  constructor(
    readonly path: string,
    keep = false,
  ) {
    this.buf = Buffer.allocUnsafe(1 << 20);
    this.file = new FileWriter(path, 'w', keep ? 'behind' : 'none');
  }

  beginSegment(): void {
    assert(this.segStart === -1, 'segment already open');
    this.segStart = this.position;
    this.segRecords = 0;
    this.segCrc = 0;
    this.crcFrom = this.used;
  }

  append(k: Buffer, ks: number, ke: number, v: Buffer, vs: number, ve: number): void {
    const kl = ke - ks;
    const vl = ve - vs;
    const need = recordHeaderBytes + kl + vl;
    if (need > this.buf.length - this.used) {
      this.flush();
      if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need);
    }
    const b = this.buf;
    let p = this.used;
    writeU32(b, p, kl);
    writeU32(b, p + 4, vl);
    p += 8;
    // Key and value are usually adjacent (arena, segment buffers): one copy.
    if (k === v && ke === vs) p += copyBytes(k, ks, ve, b, p);
    else {
      p += copyBytes(k, ks, ke, b, p);
      p += copyBytes(v, vs, ve, b, p);
    }
    this.used = p;
    this.position += need;
    this.segRecords++;
  }

  /** Appends `records` whole records already in the segment format, `src[start, end)`:
   *  checksummed and written from `src` as they are, not copied into this writer's buffer. */
  appendBlock(src: Buffer, start: number, end: number, records: number): void {
    assert(this.segStart !== -1, 'no segment open');
    this.flush();
    this.segCrc = crc32(src.subarray(start, end), this.segCrc);
    this.file.write(src, start, end);
    this.position += end - start;
    this.segRecords += records;
  }

  /** Appends every remaining record of `s`. Returns the number of records. */
  appendAll(s: RecordStream): number {
    let n = 0;
    while (s.next()) {
      this.append(s.key, s.keyStart, s.keyEnd, s.value, s.valueStart, s.valueEnd);
      n++;
    }
    return n;
  }

  endSegment(): SegmentIndexEntry {
    assert(this.segStart !== -1, 'no segment open');
    this.segCrc = crc32(this.buf.subarray(this.crcFrom, this.used), this.segCrc);
    this.crcFrom = this.used;
    const e = { offset: this.segStart, length: this.position - this.segStart, records: this.segRecords, crc32: this.segCrc };
    this.segStart = -1;
    return e;
  }

  private flush(): void {
    if (this.used === 0) return;
    if (this.segStart !== -1) this.segCrc = crc32(this.buf.subarray(this.crcFrom, this.used), this.segCrc);
    this.file.write(this.buf, 0, this.used);
    this.used = 0;
    this.crcFrom = 0;
  }

  close(): void {
    assert(this.segStart === -1, 'closing with an open segment');
    this.flush();
    this.file.close();
  }
}

/** Reads one segment from a file range or from a Buffer, checking count and checksum. */
export class SegmentReader implements RecordStream {
  key: Buffer;
  keyStart = 0;
  keyEnd = 0;
  value: Buffer;
  valueStart = 0;
  valueEnd = 0;

  private buf: Buffer;
  private have: number;
  private p = 0;
  private fd: number;
  private filePos: number;
  private fileEnd: number;
  private crc = 0;
  private records = 0;
  private done = false;

  private constructor(
    private readonly entry: SegmentIndexEntry,
    private readonly label: SegmentLabel,
    buf: Buffer,
    have: number,
    fd: number,
  ) {
    this.buf = buf;
    this.have = have;
    this.key = buf;
    this.value = buf;
    this.fd = fd;
    this.filePos = entry.offset;
    this.fileEnd = entry.offset + entry.length;
  }

  /** A segment held in memory (e.g. fetched by the shuffle). Checksum is verified now,
   *  unless `entry.crc32` is -1 (the caller checked these very bytes already). */
  static fromBuffer(data: Buffer, entry: Omit<SegmentIndexEntry, 'offset' | 'length'> | null, label: SegmentLabel): SegmentReader {
    const full: SegmentIndexEntry = { offset: 0, length: data.length, records: entry?.records ?? -1, crc32: entry?.crc32 ?? -1 };
    if (entry !== null && entry.crc32 >= 0) {
      const c = crc32(data);
      if (c !== entry.crc32) throw new ChecksumError(label.mapId, label.partition, `CRC32 ${c.toString(16)} != expected ${entry.crc32.toString(16)}`);
    }
    const r = new SegmentReader(full, label, data, data.length, -1);
    r.filePos = r.fileEnd;
    r.crc = full.crc32;
    return r;
  }

  /** A segment of a file; reads through a buffer of `bufferBytes` (grown for larger records). */
  static fromFile(path: string, entry: SegmentIndexEntry, label: SegmentLabel, buffer: number | Buffer = 256 << 10): SegmentReader {
    const fd = entry.length > 0 ? openSync(path, 'r') : -1;
    if (typeof buffer !== 'number' && buffer.length >= recordHeaderBytes) return new SegmentReader(entry, label, buffer, 0, fd);
    const size = Math.max(recordHeaderBytes, Math.min(typeof buffer === 'number' ? buffer : 0, entry.length));
    return new SegmentReader(entry, label, Buffer.allocUnsafe(size), 0, fd);
  }

  next(): boolean {
    if (this.done) return false;
    if (this.have - this.p < recordHeaderBytes && !this.fill(recordHeaderBytes)) return this.finish();
    const b = this.buf;
    const kl = readU32(b, this.p);
    const vl = readU32(b, this.p + 4);
    const need = recordHeaderBytes + kl + vl;
    if (this.have - this.p < need && !this.fill(need)) this.corrupt(`truncated record of ${need} bytes`);
    const ks = this.p + recordHeaderBytes;
    this.key = this.buf;
    this.value = this.buf;
    this.keyStart = ks;
    this.keyEnd = ks + kl;
    this.valueStart = ks + kl;
    this.valueEnd = ks + kl + vl;
    this.p += need;
    this.records++;
    return true;
  }

  /** Makes at least `need` bytes available from `p`; false if the segment has fewer left. */
  private fill(need: number): boolean {
    if (this.filePos >= this.fileEnd) {
      if (this.have - this.p > 0 && this.have - this.p < need) this.corrupt(`${this.have - this.p} stray bytes at the end`);
      return this.have - this.p >= need;
    }
    const rest = this.have - this.p;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, this.p, this.have);
      this.buf = bigger;
    } else if (this.p > 0) {
      this.buf.copyWithin(0, this.p, this.have);
    }
    this.p = 0;
    this.have = rest;
    while (this.have < need && this.filePos < this.fileEnd) {
      const want = Math.min(this.buf.length - this.have, this.fileEnd - this.filePos);
      const n = readSync(this.fd, this.buf, this.have, want, this.filePos);
      if (n === 0) this.corrupt(`file ends ${this.fileEnd - this.filePos} bytes before the segment end`);
      this.crc = crc32(this.buf.subarray(this.have, this.have + n), this.crc);
      this.have += n;
      this.filePos += n;
    }
    if (this.filePos >= this.fileEnd) this.closeFd();
    if (this.have < need && this.have > 0 && need === recordHeaderBytes) this.corrupt(`${this.have} stray bytes at the end`);
    return this.have >= need;
  }

  private finish(): false {
    this.done = true;
    this.closeFd();
    if (this.entry.records >= 0 && this.records !== this.entry.records) this.corrupt(`${this.records} records read, ${this.entry.records} written`);
    if (this.entry.crc32 >= 0 && this.crc !== this.entry.crc32) this.corrupt(`CRC32 ${this.crc.toString(16)} != expected ${this.entry.crc32.toString(16)}`);
    return false;
  }

  private corrupt(detail: string): never {
    this.closeFd();
    this.done = true;
    throw new ChecksumError(this.label.mapId, this.label.partition, detail);
  }

  private closeFd(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Releases the file early (e.g. when a task fails mid-merge). */
  close(): void {
    this.done = true;
    this.closeFd();
  }
}

/** K-way merge of sorted streams with a binary heap; ties go to the lower stream index. */
export class MergeStream implements RecordStream {
  key: Buffer = Buffer.alloc(0);
  keyStart = 0;
  keyEnd = 0;
  value: Buffer = this.key;
  valueStart = 0;
  valueEnd = 0;

  private heap: number[] = [];
  private started = false;

  constructor(
    private readonly streams: readonly RecordStream[],
    private readonly cmp: StreamComparator = memcmpStreams,
  ) {}

  private less(i: number, j: number): boolean {
    const c = this.cmp(this.streams[i], this.streams[j]);
    return c < 0 || (c === 0 && i < j);
  }

  private siftDown(at: number): void {
    const h = this.heap;
    const n = h.length;
    let i = at;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.less(h[r], h[l]) ? r : l;
      if (!this.less(h[m], h[i])) break;
      const t = h[m];
      h[m] = h[i];
      h[i] = t;
      i = m;
    }
  }

  next(): boolean {
    const h = this.heap;
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < this.streams.length; i++) if (this.streams[i].next()) h.push(i);
      for (let i = (h.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
    } else if (h.length > 0) {
      if (this.streams[h[0]].next()) this.siftDown(0);
      else {
        const last = h.pop() as number;
        if (h.length > 0) {
          h[0] = last;
          this.siftDown(0);
        }
      }
    }
    if (h.length === 0) return false;
    const s = this.streams[h[0]];
    this.key = s.key;
    this.keyStart = s.keyStart;
    this.keyEnd = s.keyEnd;
    this.value = s.value;
    this.valueStart = s.valueStart;
    this.valueEnd = s.valueEnd;
    return true;
  }
}
