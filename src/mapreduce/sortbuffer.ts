// The map-side output buffer: collects emitted records into one byte arena under a byte
// budget, sorts them by (partition, key) when full, spills sorted runs to local disk
// (running the combiner on each run), and finally merges the spills and the records
// still in the arena (sorted, never spilled first) into ONE map output file with a
// per-partition index (offset, length, records, CRC32).
//
// Arena record: [partition u32][key length u32][value length u32][key][value].
// Budget: arena bytes in use + 20 bytes of sort metadata per record <= sortBufferBytes.
//
// Sort: for the default memcmp order each partition's records get a 64-bit sort word
// (5 key-prefix bytes, 24-bit record number) sorted natively as a BigUint64Array; only
// runs of equal prefixes are then sorted with a full byte comparison.

import assert from 'node:assert/strict';
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { compareBytes, readU32, writeU32 } from './bytes.js';
import type { Codec } from './codecs.js';
import { TaskCounter, type Counters } from './counters.js';
import { Grouper, RecordEncoder } from './group.js';
import type { CombineContext } from './job.js';
import { assertPartition } from './job.js';
import { MergeStream, SegmentReader, SegmentWriter, memcmpStreams, type RecordStream, type SegmentIndexEntry, type StreamComparator } from './segment.js';

assert.equal(endianness(), 'LE', 'the sort packs 64-bit sort words assuming a little-endian CPU');

const arenaHeaderBytes = 12;
const metaBytesPerRecord = 20;
/** Records per spill are limited by the 24-bit record number in the sort word. */
const maxRecordsPerSpill = (1 << 24) - 1;
/** Smaller budgets are raised to this (tests use tiny buffers to force spills). */
const minSortBufferBytes = 4 << 10;
/** Like Hadoop's min.num.spills.for.combine: the merge combines only when this many spills exist. */
const minSpillsForCombine = 3;
/** Read buffer per spill in a merge. */
const mergeReadBytes = 1 << 20;

export const mapOutputFileName = 'file.out';
export const mapOutputIndexName = 'file.out.index';

export interface MapOutputIndex {
  readonly version: 1;
  readonly mapId: string;
  readonly partitions: readonly SegmentIndexEntry[];
}

export interface MapOutputFiles {
  readonly dataPath: string;
  readonly indexPath: string;
  readonly index: MapOutputIndex;
}

export interface MapOutputBufferOptions<K, V> {
  readonly mapId: string;
  readonly dir: string;
  readonly partitions: number;
  readonly keyCodec: Codec<K>;
  readonly valueCodec: Codec<V>;
  /** null: hash of the encoded key bytes. */
  readonly partitioner: ((key: K) => number) | null;
  readonly compare?: (a: K, b: K) => number;
  readonly combine?: (key: K, values: Iterable<V>, ctx: CombineContext<K, V>) => void;
  /** Context given to the combiner (its `emit` is replaced). */
  readonly combineContext: Omit<CombineContext<K, V>, 'emit'>;
  readonly sortBufferBytes: number;
  readonly mergeFactor: number;
  readonly counters: Counters;
}

interface Spill {
  readonly path: string;
  readonly index: SegmentIndexEntry[];
}

/** FNV-1a over the key bytes; the default partitioner. */
export function hashBytes(b: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 16777619);
  return h >>> 0;
}

export class MapOutputBuffer<K, V> {
  private arena: Buffer;
  private pos = 0;
  private count = 0;
  private offsets = new Uint32Array(1024);
  private readonly spills: Spill[] = [];
  private spillSeq = 0;
  // Sort scratch, reused across spills so a map holds one copy of each.
  private sortWords = new BigUint64Array(0);
  private orderScratch = new Uint32Array(0);
  private sortedScratch = new Uint32Array(0);
  private readBuffers: Buffer[] = [];
  private outputBytes = 0;
  private outputRecords = 0;
  private readonly budget: number;
  private readonly streamCmp: StreamComparator;

  constructor(private readonly o: MapOutputBufferOptions<K, V>) {
    assert.ok(o.partitions >= 1, 'a map output buffer needs at least one partition');
    assert.ok(o.mergeFactor >= 2, 'mergeFactor must be at least 2');
    this.budget = Math.max(o.sortBufferBytes, minSortBufferBytes);
    // Allocated whole up front: pages become resident only as records reach them, and
    // there is never a second copy during growth.
    this.arena = Buffer.allocUnsafe(this.budget);
    const compare = o.compare;
    const kc = o.keyCodec;
    this.streamCmp = compare === undefined ? memcmpStreams : (a, b) => compare(kc.read(a.key, a.keyStart, a.keyEnd), kc.read(b.key, b.keyStart, b.keyEnd));
  }

  /** Encodes one record into the buffer; spills first when it does not fit. */
  collect(key: K, value: V): void {
    const o = this.o;
    for (;;) {
      const pos = this.pos;
      const ks = pos + arenaHeaderBytes;
      const kl = o.keyCodec.write(key, this.arena, ks);
      const vl = kl < 0 ? -1 : o.valueCodec.write(value, this.arena, ks + kl);
      const end = ks + kl + vl;
      if (vl >= 0 && end + (this.count + 1) * metaBytesPerRecord <= this.budget && this.count < maxRecordsPerSpill) {
        let p = 0;
        if (o.partitions > 1) {
          p = o.partitioner === null ? hashBytes(this.arena, ks, ks + kl) % o.partitions : o.partitioner(key);
          assertPartition(p, o.partitions);
        }
        const a = this.arena;
        writeU32(a, pos, p);
        writeU32(a, pos + 4, kl);
        writeU32(a, pos + 8, vl);
        if (this.count === this.offsets.length) {
          const bigger = new Uint32Array(this.offsets.length * 2);
          bigger.set(this.offsets);
          this.offsets = bigger;
        }
        this.offsets[this.count++] = pos;
        this.pos = end;
        this.outputRecords++;
        this.outputBytes += kl + vl;
        return;
      }
      if (this.count > 0) {
        this.spill();
        continue;
      }
      this.spillLargeRecord(key, value);
      return;
    }
  }

  /** A record larger than the whole budget goes alone into its own spill. */
  private spillLargeRecord(key: K, value: V): void {
    const o = this.o;
    const enc = new RecordEncoder(o.keyCodec, o.valueCodec);
    enc.encode(key, value);
    const kl = enc.keyLength;
    let p = 0;
    if (o.partitions > 1) {
      p = o.partitioner === null ? hashBytes(enc.buf, 0, kl) % o.partitions : o.partitioner(key);
      assertPartition(p, o.partitions);
    }
    this.outputRecords++;
    this.outputBytes += kl + enc.valueLength;
    const w = new SegmentWriter(this.nextSpillPath());
    const index: SegmentIndexEntry[] = [];
    for (let i = 0; i < o.partitions; i++) {
      w.beginSegment();
      if (i === p) enc.appendTo(w);
      index.push(w.endSegment());
    }
    w.close();
    o.counters.task(TaskCounter.SPILLED_RECORDS, 1);
    o.counters.task(TaskCounter.SPILLS, 1);
    this.spills.push({ path: w.path, index });
  }

  private nextSpillPath(): string {
    return join(this.o.dir, `spill${this.spillSeq++}.out`);
  }

  /** Sorts the buffered records and writes them as one spill file. */
  private spill(): void {
    this.spills.push(this.writeSortedRun(this.nextSpillPath(), false));
    this.o.counters.task(TaskCounter.SPILLS, 1);
  }

  /** Sorts the buffered records, writes them (combined) to `path` and empties the buffer.
   *  `final`: `path` is the map output. */
  private writeSortedRun(path: string, final: boolean): Spill {
    const o = this.o;
    const stream = this.sortedStream();
    const w = new SegmentWriter(path, final);
    const index: SegmentIndexEntry[] = [];
    for (let p = 0; p < o.partitions; p++) {
      stream.partition(p);
      w.beginSegment();
      if (o.combine !== undefined) this.combineInto(stream, w);
      else w.appendAll(stream);
      index.push(w.endSegment());
    }
    w.close();
    let spilled = 0;
    for (const e of index) spilled += e.records;
    o.counters.task(TaskCounter.SPILLED_RECORDS, spilled);
    this.pos = 0;
    this.count = 0;
    return { path: w.path, index };
  }

  private sortedStream(): ArenaStream {
    const { order, starts } = this.sortRecords();
    return new ArenaStream(this.arena, order, starts);
  }

  private combineInto(stream: RecordStream, w: SegmentWriter): void {
    const o = this.o;
    const combine = o.combine;
    assert.ok(combine !== undefined);
    const g = new Grouper(stream, o.keyCodec, o.valueCodec, o.compare);
    const enc = new RecordEncoder(o.keyCodec, o.valueCodec);
    let out = 0;
    const ctx: CombineContext<K, V> = {
      ...o.combineContext,
      counter: o.combineContext.counter,
      emit(key, value) {
        enc.encode(key, value);
        enc.appendTo(w);
        out++;
      },
    };
    while (g.nextGroup()) combine(g.key, g.values, ctx);
    o.counters.task(TaskCounter.COMBINE_INPUT_RECORDS, g.records);
    o.counters.task(TaskCounter.COMBINE_OUTPUT_RECORDS, out);
  }

  /** Orders the buffered records by (partition, key). Returns record offsets in order and
   *  the start of each partition in that order. */
  private sortRecords(): { order: Uint32Array; starts: Uint32Array } {
    const o = this.o;
    const a = this.arena;
    const n = this.count;
    const starts = new Uint32Array(o.partitions + 1);
    for (let i = 0; i < n; i++) starts[readU32(a, this.offsets[i]) + 1]++;
    for (let p = 0; p < o.partitions; p++) starts[p + 1] += starts[p];
    const fill = starts.slice(0, o.partitions);
    if (this.orderScratch.length < n) this.orderScratch = new Uint32Array(Math.max(n, this.orderScratch.length * 2));
    const order = this.orderScratch.subarray(0, n);
    for (let i = 0; i < n; i++) {
      const off = this.offsets[i];
      order[fill[readU32(a, off)]++] = off;
    }
    for (let p = 0; p < o.partitions; p++) {
      if (starts[p + 1] - starts[p] > 1) this.sortRange(order, starts[p], starts[p + 1]);
    }
    return { order, starts };
  }

  private sortRange(order: Uint32Array, from: number, to: number): void {
    const a = this.arena;
    const n = to - from;
    const compare = this.o.compare;
    if (compare !== undefined) {
      const kc = this.o.keyCodec;
      const keys = new Array<K>(n);
      const idx = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        const off = order[from + i];
        keys[i] = kc.read(a, off + arenaHeaderBytes, off + arenaHeaderBytes + readU32(a, off + 4));
        idx[i] = i;
      }
      idx.sort((x, y) => compare(keys[x], keys[y]));
      const sorted = idx.map((i) => order[from + i]);
      order.set(sorted, from);
      return;
    }
    if (this.sortWords.length < n) this.sortWords = new BigUint64Array(Math.max(n, this.sortWords.length * 2));
    const words = this.sortWords.subarray(0, n);
    const w32 = new Uint32Array(words.buffer, words.byteOffset, n * 2);
    for (let i = 0; i < n; i++) {
      const off = order[from + i];
      const kl = readU32(a, off + 4);
      const ks = off + arenaHeaderBytes;
      let hi: number;
      let b4 = 0;
      if (kl >= 5) {
        hi = a.readUInt32BE(ks);
        b4 = a[ks + 4];
      } else {
        hi = 0;
        for (let j = 0; j < 4; j++) hi = hi * 256 + (j < kl ? a[ks + j] : 0);
      }
      w32[2 * i] = ((b4 << 24) | i) >>> 0;
      w32[2 * i + 1] = hi;
    }
    words.sort();
    if (this.sortedScratch.length < n) this.sortedScratch = new Uint32Array(Math.max(n, this.sortedScratch.length * 2));
    const sorted = this.sortedScratch.subarray(0, n);
    for (let i = 0; i < n; i++) sorted[i] = order[from + (w32[2 * i] & 0xffffff)];
    // Equal 5-byte prefixes: order those runs by the whole key.
    const cmp = (x: number, y: number): number => {
      const xs = x + arenaHeaderBytes;
      const ys = y + arenaHeaderBytes;
      return compareBytes(a, xs, xs + readU32(a, x + 4), a, ys, ys + readU32(a, y + 4));
    };
    let j = 0;
    while (j < n) {
      const hi = w32[2 * j + 1];
      const b4 = w32[2 * j] >>> 24;
      let k = j + 1;
      while (k < n && w32[2 * k + 1] === hi && w32[2 * k] >>> 24 === b4) k++;
      if (k - j > 1) sorted.subarray(j, k).sort(cmp);
      j = k;
    }
    order.set(sorted, from);
  }

  /** Writes the map output file + index: what is still buffered is sorted and merged
   *  with the spills in one pass (never spilled first); with no spills it is written
   *  as the map output directly. */
  finish(): MapOutputFiles {
    const o = this.o;
    o.counters.task(TaskCounter.MAP_OUTPUT_RECORDS, this.outputRecords);
    o.counters.task(TaskCounter.MAP_OUTPUT_BYTES, this.outputBytes);
    const dataPath = join(o.dir, mapOutputFileName);
    const indexPath = join(o.dir, mapOutputIndexName);
    let final: Spill;
    let passes = 0;
    if (this.spills.length === 0) {
      final = this.writeSortedRun(dataPath, true);
    } else {
      const inMemory = this.count > 0 ? this.sortedStream() : null;
      this.sortWords = new BigUint64Array(0);
      this.sortedScratch = new Uint32Array(0);
      // Intermediate passes until the spills (plus the in-memory run) fit one final merge.
      const finalSpills = o.mergeFactor - (inMemory === null ? 0 : 1);
      let spills = this.spills;
      while (spills.length > finalSpills) {
        const merged = this.mergeRuns(spills.slice(0, o.mergeFactor), null, this.nextSpillPath(), false);
        spills = [...spills.slice(o.mergeFactor), merged];
        passes++;
      }
      if (spills.length === 1 && inMemory === null) {
        renameSync(spills[0].path, dataPath);
        final = { path: dataPath, index: spills[0].index };
      } else {
        final = this.mergeRuns(spills, inMemory, dataPath, true);
        passes++;
      }
    }
    this.arena = Buffer.alloc(0);
    this.offsets = new Uint32Array(0);
    this.orderScratch = new Uint32Array(0);
    this.sortWords = new BigUint64Array(0);
    this.sortedScratch = new Uint32Array(0);
    this.readBuffers = [];
    o.counters.task(TaskCounter.MERGE_PASSES, passes);
    let bytes = 0;
    for (const e of final.index) bytes += e.length;
    o.counters.task(TaskCounter.MAP_OUTPUT_MATERIALIZED_BYTES, bytes);
    const index: MapOutputIndex = { version: 1, mapId: o.mapId, partitions: final.index };
    writeFileSync(indexPath, JSON.stringify(index));
    return { dataPath, indexPath, index };
  }

  /** Read buffers of the merge, one per spill, allocated once for all passes. */
  private readBuffer(i: number): Buffer {
    this.readBuffers[i] ??= Buffer.allocUnsafe(mergeReadBytes);
    return this.readBuffers[i];
  }

  /** Merges spills, and the in-memory run after them (ties keep emit order), into one
   *  file. `final`: `outPath` is the map output. */
  private mergeRuns(spills: readonly Spill[], inMemory: ArenaStream | null, outPath: string, final: boolean): Spill {
    const o = this.o;
    const w = new SegmentWriter(outPath, final);
    const index: SegmentIndexEntry[] = [];
    const runs = spills.length + (inMemory === null ? 0 : 1);
    // The combiner ran on each spill but not yet on the in-memory records.
    const combine = o.combine !== undefined && (runs >= minSpillsForCombine || inMemory !== null);
    for (let p = 0; p < o.partitions; p++) {
      const readers = spills.map((s, i) => SegmentReader.fromFile(s.path, s.index[p], { mapId: `${o.mapId} (spill ${s.path})`, partition: p }, this.readBuffer(i)));
      const streams: RecordStream[] = [...readers];
      if (inMemory !== null) {
        inMemory.partition(p);
        streams.push(inMemory);
      }
      const merged = streams.length === 1 ? streams[0] : new MergeStream(streams, this.streamCmp);
      w.beginSegment();
      try {
        if (combine) this.combineInto(merged, w);
        else w.appendAll(merged);
      } finally {
        for (const r of readers) r.close();
      }
      index.push(w.endSegment());
    }
    w.close();
    let records = 0;
    for (const e of index) records += e.records;
    o.counters.task(TaskCounter.SPILLED_RECORDS, records);
    for (const s of spills) unlinkSync(s.path);
    return { path: outPath, index };
  }
}

/** The buffered records in sorted order, as a stream over one partition at a time. */
class ArenaStream implements RecordStream {
  key: Buffer;
  keyStart = 0;
  keyEnd = 0;
  value: Buffer;
  valueStart = 0;
  valueEnd = 0;
  private i = 0;
  private to = 0;

  constructor(
    private readonly arena: Buffer,
    private readonly order: Uint32Array,
    private readonly starts: Uint32Array,
  ) {
    this.key = arena;
    this.value = arena;
  }

  /** Positions the stream before the first record of partition `p`. */
  partition(p: number): void {
    this.i = this.starts[p];
    this.to = this.starts[p + 1];
  }

  next(): boolean {
    if (this.i >= this.to) return false;
    const a = this.arena;
    const off = this.order[this.i++];
    const ks = off + arenaHeaderBytes;
    const ke = ks + readU32(a, off + 4);
    this.keyStart = ks;
    this.keyEnd = ke;
    this.valueStart = ke;
    this.valueEnd = ke + readU32(a, off + 8);
    return true;
  }
}
