import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { compareBytes } from './bytes.js';
import { number, raw } from './codecs.js';
import { Counters, TaskCounter } from './counters.js';
import { SegmentReader } from './segment.js';
import { radixSortPrefixes } from './radix.js';
import { MapOutputBuffer } from './sortbuffer.js';
import { tempDir } from './test-helpers.js';

// Keys from a tiny alphabet with 0x00 and 0xff, lengths 0..12: many equal 5-byte
// prefixes, keys that are prefixes of others, and zero padding look-alikes ("ab" vs "ab\0").
const keyArb = fc.uint8Array({ minLength: 0, maxLength: 12 }).map((a) => Buffer.from(a.map((b) => [0, 1, 97, 98, 255][b % 5])));
const recordArb = fc.tuple(keyArb, fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)));

/** A buffer of raw keys and values, hash-partitioned. */
function rawBuffer(dir: string, partitions: number, sortBufferBytes: number, mergeFactor: number, kernels?: boolean): MapOutputBuffer<Buffer, Buffer> {
  return new MapOutputBuffer<Buffer, Buffer>({
    mapId: 'm',
    dir,
    partitions,
    keyCodec: raw,
    valueCodec: raw,
    partitioner: null,
    combineContext: { config: {}, jobId: 'j', taskId: 'm', attemptId: 'm_0', partitions, counter: () => ({ increment() {}, value: 0 }) },
    sortBufferBytes,
    mergeFactor,
    counters: new Counters(),
    kernels,
  });
}

void test('map output buffer: every partition segment is sorted by memcmp and holds exactly its records (property)', async () => {
  const t = await tempDir();
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { maxLength: 400 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(1, 2048, 1 << 20),
        fc.integer({ min: 2, max: 4 }),
        async (records, partitions, sortBufferBytes, mergeFactor) => {
          const dir = join(t.path, String(run++));
          await mkdir(dir);
          const b = rawBuffer(dir, partitions, sortBufferBytes, mergeFactor);
          for (const [k, v] of records) b.collect(k, v);
          const out = b.finish();
          const seen: string[] = [];
          for (let p = 0; p < partitions; p++) {
            const r = SegmentReader.fromFile(out.dataPath, out.index.partitions[p], { mapId: 'm', partition: p });
            let prev: Buffer | null = null;
            while (r.next()) {
              const k = Buffer.from(r.key.subarray(r.keyStart, r.keyEnd));
              if (prev !== null) assert.ok(Buffer.compare(prev, k) <= 0, `partition ${p}: ${prev.toString('hex')} > ${k.toString('hex')}`);
              prev = k;
              seen.push(`${p}:${k.toString('hex')}:${r.value.toString('hex', r.valueStart, r.valueEnd)}`);
            }
          }
          // Same records; each in one partition, consistently for equal keys.
          const part = new Map<string, number>();
          for (const s of seen) {
            const [p, k] = s.split(':');
            assert.equal(part.get(k) ?? Number(p), Number(p));
            part.set(k, Number(p));
          }
          assert.deepEqual(
            seen.map((s) => s.slice(s.indexOf(':') + 1)).sort(),
            records.map(([k, v]) => `${k.toString('hex')}:${v.toString('hex')}`).sort(),
          );
          // Equal keys keep emit order through spills, the in-memory run and merges.
          const emitted = records.map(([k, v]) => `${k.toString('hex')}:${v.toString('hex')}`);
          const byKey = (xs: string[]) => {
            const m = new Map<string, string[]>();
            for (const x of xs) {
              const k = x.slice(0, x.indexOf(':'));
              m.set(k, [...(m.get(k) ?? []), x]);
            }
            return m;
          };
          const want = byKey(emitted);
          for (const [k, got] of byKey(seen.map((s) => s.slice(s.indexOf(':') + 1)))) assert.deepEqual(got, want.get(k), `order of the values of key ${k}`);
        },
      ),
      { numRuns: 150, seed: 20261122 },
    );
  } finally {
    await t.cleanup();
  }
});

void test('map output buffer with a combiner: spills, the in-memory run and merges keep every key\'s sum (property)', async () => {
  const t = await tempDir();
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(keyArb, fc.integer({ min: -1000, max: 1000 })), { maxLength: 400 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(1, 2048, 1 << 20),
        fc.integer({ min: 2, max: 4 }),
        async (records, partitions, sortBufferBytes, mergeFactor) => {
          const dir = join(t.path, String(run++));
          await mkdir(dir);
          const counters = new Counters();
          const b = new MapOutputBuffer<Buffer, number>({
            mapId: 'm',
            dir,
            partitions,
            keyCodec: raw,
            valueCodec: number,
            partitioner: null,
            combine(key, values, ctx) {
              let n = 0;
              for (const v of values) n += v;
              ctx.emit(key, n);
            },
            combineContext: { config: {}, jobId: 'j', taskId: 'm', attemptId: 'm_0', partitions, counter: () => ({ increment() {}, value: 0 }) },
            sortBufferBytes,
            mergeFactor,
            counters,
          });
          for (const [k, v] of records) b.collect(k, v);
          const out = b.finish();
          const got = new Map<string, number>();
          for (let p = 0; p < partitions; p++) {
            const r = SegmentReader.fromFile(out.dataPath, out.index.partitions[p], { mapId: 'm', partition: p });
            while (r.next()) {
              const k = r.key.toString('hex', r.keyStart, r.keyEnd);
              got.set(k, (got.get(k) ?? 0) + number.read(r.value, r.valueStart, r.valueEnd));
            }
          }
          const want = new Map<string, number>();
          for (const [k, v] of records) want.set(k.toString('hex'), (want.get(k.toString('hex')) ?? 0) + v);
          assert.deepEqual([...got].sort(), [...want].sort());
          // The final merge includes the records still buffered, so it combines: one record per key.
          assert.equal(
            out.index.partitions.reduce((n, e) => n + e.records, 0),
            want.size,
          );
          assert.ok(counters.taskValue(TaskCounter.COMBINE_OUTPUT_RECORDS) >= want.size);
        },
      ),
      { numRuns: 100, seed: 20261123 },
    );
  } finally {
    await t.cleanup();
  }
});

void test('compareBytes orders byte ranges like Buffer.compare, short and long (property)', () => {
  const bytes = fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a.map((b) => [0, 1, 97, 255][b % 4])));
  fc.assert(
    fc.property(bytes, bytes, fc.nat(8), fc.nat(8), (a, b, pa, pb) => {
      // Ranges inside larger buffers, at different offsets.
      const A = Buffer.concat([Buffer.alloc(pa, 7), a, Buffer.alloc(3, 9)]);
      const B = Buffer.concat([Buffer.alloc(pb, 5), b, Buffer.alloc(2, 1)]);
      assert.equal(Math.sign(compareBytes(A, pa, pa + a.length, B, pb, pb + b.length)), Buffer.compare(a, b));
    }),
    { numRuns: 2000, seed: 20261124 },
  );
});

void test('map output buffer: the gather kernel and the JavaScript path write the same bytes, records larger than the staging area included (property)', async () => {
  const t = await tempDir();
  let run = 0;
  const big = fc.integer({ min: (1 << 20) - 16, max: (1 << 20) + 64 }).map((n) => Buffer.alloc(n, n & 0xff));
  const value = fc.oneof({ weight: 20, arbitrary: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)) }, { weight: 1, arbitrary: big });
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(keyArb, value), { maxLength: 200 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(2048, 4 << 20), async (records, partitions, sortBufferBytes) => {
        const outputs: Buffer[] = [];
        for (const kernels of [true, false]) {
          const dir = join(t.path, String(run++));
          await mkdir(dir);
          const b = rawBuffer(dir, partitions, sortBufferBytes, 10, kernels);
          for (const [k, v] of records) b.collect(k, v);
          const out = b.finish();
          assert.equal(out.index.partitions.reduce((n, e) => n + e.records, 0), records.length);
          outputs.push(Buffer.concat([await readFile(out.dataPath), Buffer.from(JSON.stringify(out.index))]));
        }
        assert.ok(outputs[0].equals(outputs[1]));
      }),
      { numRuns: 40, seed: 20261201 },
    );
  } finally {
    await t.cleanup();
  }
});

void test('radixSortPrefixes sorts by (hi, top byte of lo), stably (property)', () => {
  const item = fc.tuple(fc.constantFrom(0, 1, 0x7ff, 0x800, 0x3fffff, 0x400000, 0xffffffff, 0x12345678), fc.integer({ min: 0, max: 255 }));
  fc.assert(
    fc.property(fc.array(item, { maxLength: 300 }), (items) => {
      const n = items.length;
      const a = { hi: Uint32Array.from(items.map(([h]) => h)), lo: Uint32Array.from(items.map(([, b], i) => ((b << 24) | i) >>> 0)) };
      const sorted = radixSortPrefixes(a, { hi: new Uint32Array(n), lo: new Uint32Array(n) }, n);
      const want = items.map(([h, b], i) => ({ h, b, i })).sort((x, y) => x.h - y.h || x.b - y.b || x.i - y.i);
      assert.deepEqual(
        Array.from(sorted.lo.subarray(0, n), (l, k) => [sorted.hi[k], l >>> 24, l & 0xffffff]),
        want.map((w) => [w.h, w.b, w.i]),
      );
    }),
    { numRuns: 500, seed: 20261202 },
  );
});

void test('a spill writes a key with a single record as it is, without calling the combiner; keys with several are combined', async () => {
  const t = await tempDir();
  try {
    const counters = new Counters();
    const seen: string[] = [];
    const b = new MapOutputBuffer<Buffer, number>({
      mapId: 'm',
      dir: t.path,
      partitions: 1,
      keyCodec: raw,
      valueCodec: number,
      partitioner: null,
      // Adds 1000 to what it combines: a key it never saw keeps its value.
      combine(key, values, ctx) {
        seen.push(key.toString());
        let n = 1000;
        for (const v of values) n += v;
        ctx.emit(key, n);
      },
      combineContext: { config: {}, jobId: 'j', taskId: 'm', attemptId: 'm_0', partitions: 1, counter: () => ({ increment() {}, value: 0 }) },
      sortBufferBytes: 1 << 20,
      mergeFactor: 10,
      counters,
    });
    for (const [k, v] of [['b', 1], ['a', 2], ['c', 3], ['b', 4], ['d', 5], ['d', 6], ['e', 7]] as const) b.collect(Buffer.from(k), v);
    const out = b.finish();
    const got: string[] = [];
    const r = SegmentReader.fromFile(out.dataPath, out.index.partitions[0], { mapId: 'm', partition: 0 });
    while (r.next()) got.push(`${r.key.toString('latin1', r.keyStart, r.keyEnd)}=${number.read(r.value, r.valueStart, r.valueEnd)}`);
    assert.deepEqual(got, ['a=2', 'b=1005', 'c=3', 'd=1011', 'e=7']);
    assert.deepEqual(seen, ['b', 'd'], 'the combiner saw only the keys with several records');
    assert.equal(counters.taskValue(TaskCounter.COMBINE_INPUT_RECORDS), 7, 'every record went through the combine stage');
    assert.equal(counters.taskValue(TaskCounter.COMBINE_OUTPUT_RECORDS), 5);
  } finally {
    await t.cleanup();
  }
});
