// The map-side output buffer: collects emitted records into one byte arena under a byte
// budget, sorts them by (partition, key) when full, spills sorted runs to local disk
// (running the combiner on each run), and finally merges the spills and the records
// still in the arena (sorted, never spilled first) into ONE map output file with a
// per-partition index (offset, length, records, CRC32).
//
// Arena record: exactly the segment format, [key length u32][value length u32][key][value],
// so a sorted run is written by copying each record whole; its partition is kept beside
// it (`parts`). Budget: arena bytes in use + 20 bytes of sort metadata per record (record
// offset, partition, order, sort key and its radix scratch) <= sortBufferBytes.
//
// Sort: records are bucketed by partition (counting sort, stable); for the default memcmp
// order each partition's records get a 40-bit key prefix (5 bytes) and their number,
// radix-sorted (radix.ts); only runs of equal prefixes are then sorted with a full byte
// comparison. Writing a sorted run gathers the records block by block (kernels.ts).

import { assert } from '../common/errors.js';
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { compareBytes, equalBytes, readU32, writeU32 } from './bytes.js';
import type { Codec } from './codecs.js';
import { TaskCounter, type Counters } from './counters.js';
import { Grouper, RecordEncoder } from './group.js';
import { KernelMemory } from './kernels.js';
import { radixSortPrefixes, type Pairs } from './radix.js';
import type { CombineContext } from './job.js';
import { assertPartition } from './job.js';
import { MergeStream, SegmentReader, SegmentWriter, memcmpStreams, recordHeaderBytes, type RecordStream, type SegmentIndexEntry, type StreamComparator } from './segment.js';

assert(endianness() === 'LE', 'the sort packs 64-bit sort words assuming a little-endian CPU');

const arenaHeaderBytes = recordHeaderBytes;
/** Per record: offset u32 + partition u32 + order u32 + sort key (2 x u32) and its radix
 *  scratch (2 x u32); the sorted order goes back into `offsets`. */
const metaBytesPerRecord = 28;
/** Records per spill are limited by the 24-bit record number in the sort word. */
const maxRecordsPerSpill = (1 << 24) - 1;
/** Smaller budgets are raised to this (tests use tiny buffers to force spills). */
const minSortBufferBytes = 4 << 10;
/** Like Hadoop's min.num.spills.for.combine: the merge combines only when this many spills exist. */
const minSpillsForCombine = 3;
/** Read buffer per spill in a merge. */
const mergeReadBytes = 1 << 20;
/** The arena's tail past the budget, where a sorted run is gathered for writing. */
const stageBytes = 1 << 20;

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
  /** false: no WebAssembly kernels, the JavaScript path only (tests compare the two). */
  readonly kernels?: boolean;
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
  /** Arena offset of each record, in emit order; after a sort, in sorted order. */
  private offsets: Uint32Array;
  private parts = new Uint32Array(1024);
  /** The wasm memory holding the arena (its data), the staging block right after it and
   *  `offsets` (at `offsetsAt`, its extra region), for the gather kernel; null: plain
   *  Buffers and copyWithin. */
  private memory: KernelMemory | null;
  private readonly offsetsAt: number;
  private readonly spills: Spill[] = [];
  private spillSeq = 0;
  // Sort scratch, reused across spills so a map holds one copy of each.
  private sortKeys: Pairs = { hi: new Uint32Array(0), lo: new Uint32Array(0) };
  private radixScratch: Pairs = { hi: new Uint32Array(0), lo: new Uint32Array(0) };
  private orderScratch = new Uint32Array(0);
  private readBuffers: Buffer[] = [];
  private outputBytes = 0;
  private outputRecords = 0;
  private readonly budget: number;
  private readonly streamCmp: StreamComparator;

  constructor(private readonly o: MapOutputBufferOptions<K, V>) {
    assert(o.partitions >= 1, 'a map output buffer needs at least one partition');
    assert(o.mergeFactor >= 2, 'mergeFactor must be at least 2');
    this.budget = Math.max(o.sortBufferBytes, minSortBufferBytes);
    // Allocated whole up front: pages become resident only as records reach them, and
    // there is never a second copy during growth. Every record takes at least its header
    // and its metadata of the budget, which bounds how many offsets there can be.
    const arenaBytes = this.budget + stageBytes;
    const maxRecords = Math.min(maxRecordsPerSpill, Math.floor(this.budget / (arenaHeaderBytes + metaBytesPerRecord)) + 1);
    this.memory = o.kernels === false ? null : KernelMemory.acquire({ dataBytes: this.budget, stageBytes, extraBytes: 4 * maxRecords });
    this.offsetsAt = this.memory?.extra ?? 0;
    if (this.memory !== null) {
      this.arena = Buffer.from(this.memory.buffer, 0, arenaBytes);
      this.offsets = new Uint32Array(this.memory.buffer, this.offsetsAt, maxRecords);
    } else {
      this.arena = Buffer.allocUnsafe(arenaBytes);
      this.offsets = new Uint32Array(1024);
    }
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
        writeU32(a, pos, kl);
        writeU32(a, pos + 4, vl);
        if (this.count === this.parts.length || this.count === this.offsets.length) this.growIndex();
        this.offsets[this.count] = pos;
        this.parts[this.count++] = p;
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

  private growIndex(): void {
    if (this.count === this.parts.length) {
      const parts = new Uint32Array(this.parts.length * 2);
      parts.set(this.parts);
      this.parts = parts;
    }
    // In kernel memory `offsets` has room for as many records as the budget can hold.
    if (this.count === this.offsets.length) {
      assert(this.memory === null, 'more records than the sort budget can hold');
      const offsets = new Uint32Array(this.offsets.length * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
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
    const starts = this.sortRecords();
    const w = new SegmentWriter(path, final);
    const index: SegmentIndexEntry[] = [];
    const stream = o.combine !== undefined ? new ArenaStream(this.arena, this.offsets, starts) : null;
    for (let p = 0; p < o.partitions; p++) {
      w.beginSegment();
      if (stream !== null) {
        stream.partition(p);
        this.combineInto(stream, w);
      } else this.copySorted(w, starts[p], starts[p + 1]);
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

  /** Writes the sorted records `from` to `to` as they are in the arena (segment format),
   *  gathered in its staging tail block by block: by the wasm gather kernel, else with
   *  copyWithin (a memmove inside one buffer: several times cheaper per record than
   *  Buffer#copy between two, which creates a view per call, but still a call per record). */
  private copySorted(w: SegmentWriter, from: number, to: number): void {
    const a = this.arena;
    const sorted = this.offsets;
    const stage = this.budget;
    const stageEnd = stage + stageBytes;
    const memory = this.memory;
    if (memory !== null) {
      for (let i = from; i < to; ) {
        const [next, end] = memory.gather(this.offsetsAt, i, to);
        if (next > i) w.appendBlock(a, stage, end, next - i);
        else {
          // A record larger than the staging area: written from where it is.
          const off = sorted[i];
          w.appendBlock(a, off, off + arenaHeaderBytes + readU32(a, off) + readU32(a, off + 4), 1);
        }
        i = Math.max(next, i + 1);
      }
      return;
    }
    let p = stage;
    let staged = 0;
    for (let i = from; i < to; i++) {
      const off = sorted[i];
      const len = arenaHeaderBytes + readU32(a, off) + readU32(a, off + 4);
      if (p + len > stageEnd) {
        if (staged > 0) w.appendBlock(a, stage, p, staged);
        p = stage;
        staged = 0;
        if (len > stageBytes) {
          w.appendBlock(a, off, off + len, 1);
          continue;
        }
      }
      a.copyWithin(p, off, off + len);
      p += len;
      staged++;
    }
    if (staged > 0) w.appendBlock(a, stage, p, staged);
  }

  private sortedStream(): ArenaStream {
    const starts = this.sortRecords();
    return new ArenaStream(this.arena, this.offsets, starts);
  }

  private combineInto(stream: RecordStream, w: SegmentWriter): void {
    const o = this.o;
    const combine = o.combine;
    assert(combine !== undefined, 'combineInto needs a combiner');
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
    // A key with one record is written as it is: a combiner may run any number of times
    // (none included), and for one record there is nothing to combine; it still counts
    // as combine input and output. With an in-mapper combiner (wordcount's) that is every
    // key, each decoded and encoded again for nothing before.
    const single = (s: RecordStream) => {
      w.append(s.key, s.keyStart, s.keyEnd, s.value, s.valueStart, s.valueEnd);
      out++;
    };
    while (g.nextGroup(single)) combine(g.key, g.values, ctx);
    o.counters.task(TaskCounter.COMBINE_INPUT_RECORDS, g.records);
    o.counters.task(TaskCounter.COMBINE_OUTPUT_RECORDS, out);
  }

  /** Orders the buffered records by (partition, key): afterwards `offsets[0, count)` holds
   *  their arena offsets in that order. Returns where each partition starts in it. */
  private sortRecords(): Uint32Array {
    const o = this.o;
    const n = this.count;
    const parts = this.parts;
    const starts = new Uint32Array(o.partitions + 1);
    for (let i = 0; i < n; i++) starts[parts[i] + 1]++;
    for (let p = 0; p < o.partitions; p++) starts[p + 1] += starts[p];
    const fill = starts.slice(0, o.partitions);
    if (this.orderScratch.length < n) this.orderScratch = new Uint32Array(Math.max(n, this.orderScratch.length * 2));
    const order = this.orderScratch;
    for (let i = 0; i < n; i++) order[fill[parts[i]]++] = this.offsets[i];
    for (let p = 0; p < o.partitions; p++) {
      const from = starts[p];
      const to = starts[p + 1];
      if (to - from > 1) this.sortRange(order, from, to);
      else if (to > from) this.offsets[from] = order[from];
    }
    return starts;
  }

  /** Sorts the records `order[from, to)` into `offsets[from, to)`. */
  private sortRange(order: Uint32Array, from: number, to: number): void {
    const a = this.arena;
    const n = to - from;
    const out = this.offsets;
    const compare = this.o.compare;
    if (compare !== undefined) {
      const kc = this.o.keyCodec;
      const keys = new Array<K>(n);
      const idx = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        const off = order[from + i];
        keys[i] = kc.read(a, off + arenaHeaderBytes, off + arenaHeaderBytes + readU32(a, off));
        idx[i] = i;
      }
      idx.sort((x, y) => compare(keys[x], keys[y]));
      for (let i = 0; i < n; i++) out[from + i] = order[from + idx[i]];
      return;
    }
    if (this.sortKeys.hi.length < n) {
      const size = Math.max(n, this.sortKeys.hi.length * 2);
      this.sortKeys = { hi: new Uint32Array(size), lo: new Uint32Array(size) };
      this.radixScratch = { hi: new Uint32Array(size), lo: new Uint32Array(size) };
    }
    const { hi: keyHi, lo: keyLo } = this.sortKeys;
    for (let i = 0; i < n; i++) {
      const off = order[from + i];
      const kl = readU32(a, off);
      const ks = off + arenaHeaderBytes;
      let hi: number;
      let b4 = 0;
      if (kl >= 5) {
        hi = ((a[ks] << 24) | (a[ks + 1] << 16) | (a[ks + 2] << 8) | a[ks + 3]) >>> 0;
        b4 = a[ks + 4];
      } else {
        hi = 0;
        for (let j = 0; j < 4; j++) hi = hi * 256 + (j < kl ? a[ks + j] : 0);
      }
      keyHi[i] = hi;
      keyLo[i] = ((b4 << 24) | i) >>> 0;
    }
    const sorted = radixSortPrefixes(this.sortKeys, this.radixScratch, n);
    const sHi = sorted.hi;
    const sLo = sorted.lo;
    for (let i = 0; i < n; i++) out[from + i] = order[from + (sLo[i] & 0xffffff)];
    // Equal 5-byte prefixes: order those runs by the whole key (a stable sort: the run is in
    // record-number order, so equal keys keep emit order).
    const cmp = (x: number, y: number): number => {
      const xs = x + arenaHeaderBytes;
      const ys = y + arenaHeaderBytes;
      return compareBytes(a, xs, xs + readU32(a, x), a, ys, ys + readU32(a, y));
    };
    let j = 0;
    while (j < n) {
      const hi = sHi[j];
      const b4 = sLo[j] >>> 24;
      let k = j + 1;
      while (k < n && sHi[k] === hi && sLo[k] >>> 24 === b4) k++;
      if (k - j > 1) out.subarray(from + j, from + k).sort(cmp);
      j = k;
    }
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
      this.releaseSortScratch();
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
    // Everything is written: the next map of this process may have the memory.
    this.memory?.release();
    this.memory = null;
    this.offsets = new Uint32Array(0);
    this.parts = new Uint32Array(0);
    this.releaseSortScratch();
    this.readBuffers = [];
    o.counters.task(TaskCounter.MERGE_PASSES, passes);
    let bytes = 0;
    for (const e of final.index) bytes += e.length;
    o.counters.task(TaskCounter.MAP_OUTPUT_MATERIALIZED_BYTES, bytes);
    const index: MapOutputIndex = { version: 1, mapId: o.mapId, partitions: final.index };
    writeFileSync(indexPath, JSON.stringify(index));
    return { dataPath, indexPath, index };
  }

  private releaseSortScratch(): void {
    this.sortKeys = { hi: new Uint32Array(0), lo: new Uint32Array(0) };
    this.radixScratch = { hi: new Uint32Array(0), lo: new Uint32Array(0) };
    this.orderScratch = new Uint32Array(0);
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

  nextKeyDiffers(): boolean {
    if (this.i >= this.to) return true;
    const a = this.arena;
    const off = this.order[this.i];
    const ks = off + arenaHeaderBytes;
    return !equalBytes(a, this.keyStart, this.keyEnd, a, ks, ks + readU32(a, off));
  }

  next(): boolean {
    if (this.i >= this.to) return false;
    const a = this.arena;
    const off = this.order[this.i++];
    const ks = off + arenaHeaderBytes;
    const ke = ks + readU32(a, off);
    this.keyStart = ks;
    this.keyEnd = ke;
    this.valueStart = ke;
    this.valueEnd = ke + readU32(a, off + 4);
    return true;
  }
}
