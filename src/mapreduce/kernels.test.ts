import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { KernelMemory, setKernelMemoryPoolBytes } from './kernels.js';
import { MergeStream, SegmentReader, recordHeaderBytes } from './segment.js';

// Keys from a tiny alphabet (many ties and shared prefixes), values up to 90 bytes, runs sorted by memcmp.
const keyArb = fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a.map((b) => [0, 1, 97, 255][b % 4])));
const runArb = fc.array(fc.tuple(keyArb, fc.integer({ min: 0, max: 90 })), { maxLength: 40 }).map((rs) => rs.sort((a, b) => Buffer.compare(a[0], b[0])));

function encode(records: Array<[Buffer, number]>, tag: number): Buffer {
  return Buffer.concat(
    records.map(([k, vl], i) => {
      const h = Buffer.alloc(recordHeaderBytes);
      h.writeUInt32LE(k.length, 0);
      h.writeUInt32LE(vl, 4);
      return Buffer.concat([h, k, Buffer.alloc(vl, (tag * 31 + i) & 0xff)]);
    }),
  );
}

/** The runs placed in a kernel memory (data region) with a small stage, to exercise block boundaries and oversized records. */
function place(runs: Buffer[], stageBytes: number): { memory: KernelMemory; at: number[] } {
  const dataBytes = runs.reduce((n, r) => n + r.length, 0) + 8;
  const memory = KernelMemory.acquire({ dataBytes, stageBytes, extraBytes: KernelMemory.mergeTableBytes(runs.length) });
  assert.ok(memory !== null, 'WebAssembly kernels are available on Node 20');
  const view = Buffer.from(memory.buffer);
  const at: number[] = [];
  let p = 3; // unaligned on purpose
  for (const r of runs) {
    at.push(p);
    r.copy(view, p);
    p += r.length;
  }
  return { memory, at };
}

void test('the merge kernel merges like MergeStream: same bytes (with or without headers), records per run and distinct keys (property)', () => {
  fc.assert(
    fc.property(fc.array(runArb, { maxLength: 6 }), fc.constantFrom(16, 64, 1 << 12), fc.boolean(), (recordRuns, stageBytes, header) => {
      const runs = recordRuns.map((r, i) => encode(r, i));
      const { memory, at } = place(runs, stageBytes);
      const view = Buffer.from(memory.buffer);
      const blocks: Buffer[] = [];
      const r = memory.merge(
        runs.map((b, i) => ({ start: at[i], end: at[i] + b.length })),
        header,
        (start, end) => blocks.push(Buffer.from(view.subarray(start, end))),
      );
      // The reference: MergeStream over SegmentReaders of the same bytes.
      const ref = new MergeStream(runs.map((b, i) => SegmentReader.fromBuffer(b, null, { mapId: `m${i}`, partition: 0 })));
      const want: Buffer[] = [];
      const keys = new Set<string>();
      let prev: string | null = null;
      let groups = 0;
      while (ref.next()) {
        const k = ref.key.subarray(ref.keyStart, ref.keyEnd);
        if (header) {
          const h = Buffer.alloc(recordHeaderBytes);
          h.writeUInt32LE(ref.keyEnd - ref.keyStart, 0);
          h.writeUInt32LE(ref.valueEnd - ref.valueStart, 4);
          want.push(h);
        }
        want.push(Buffer.from(k), Buffer.from(ref.value.subarray(ref.valueStart, ref.valueEnd)));
        if (k.toString('hex') !== prev) groups++;
        prev = k.toString('hex');
        keys.add(prev);
      }
      assert.ok(Buffer.concat(blocks).equals(Buffer.concat(want)));
      assert.deepEqual(r.records, recordRuns.map((x) => x.length));
      assert.equal(r.groups, groups);
      assert.equal(r.groups, keys.size);
      assert.equal(r.corruptRun, -1);
    }),
    { numRuns: 400, seed: 20261203 },
  );
});

void test('the merge kernel stops at a record that runs past its run and names the run', () => {
  const good = encode([[Buffer.from('a'), 3], [Buffer.from('c'), 3]], 0);
  const bad = encode([[Buffer.from('b'), 3], [Buffer.from('d'), 3]], 1);
  bad.writeUInt32LE(1000, 12); // the second record's value length
  const { memory, at } = place([good, bad], 1 << 12);
  const r = memory.merge([{ start: at[0], end: at[0] + good.length }, { start: at[1], end: at[1] + bad.length }], false, () => undefined);
  assert.equal(r.corruptRun, 1);
  assert.deepEqual(r.records, [1, 1]);
});

void test('a pool size past 4 GiB does not keep a memory that fits from being made', () => {
  setKernelMemoryPoolBytes(8 * 2 ** 30);
  try {
    const m = KernelMemory.acquire({ dataBytes: 1 << 20, stageBytes: 1 << 16, extraBytes: 64 });
    assert.ok(m !== null);
  } finally {
    setKernelMemoryPoolBytes(0);
  }
});

void test('a released kernel memory is handed to the next acquire that fits it, laid out anew; a too-small one is not', () => {
  const a = KernelMemory.acquire({ dataBytes: 1 << 20, stageBytes: 1 << 16, extraBytes: 1 << 12 });
  assert.ok(a !== null);
  a.release();
  a.release(); // idempotent
  const b = KernelMemory.acquire({ dataBytes: 1 << 19, stageBytes: 1 << 10, extraBytes: 64 });
  assert.equal(b, a, 'reused');
  assert.equal(b.stage, 1 << 19);
  assert.equal(b.layout.stageBytes, 1 << 10);
  assert.ok(b.extra >= b.stage + (1 << 10));
  const c = KernelMemory.acquire({ dataBytes: 1 << 19, stageBytes: 1 << 10, extraBytes: 64 });
  assert.notEqual(c, b, 'in use: not handed out twice');
  b.release();
  const big = KernelMemory.acquire({ dataBytes: 4 << 20, stageBytes: 1 << 16, extraBytes: 64 });
  assert.notEqual(big, b, 'too small to reuse');
  assert.ok(big !== null && big.capacity >= 4 << 20);
});

void test('kernels address memory past 2 GiB (wasm addresses are unsigned; JavaScript gets them back as such)', (t) => {
  const high = 2 ** 31 + 12345;
  const memory = KernelMemory.acquire({ dataBytes: high + (1 << 20), stageBytes: 4096, extraBytes: KernelMemory.mergeTableBytes(2) + 64 });
  if (memory === null) return t.skip('no 2 GiB+ wasm memory here');
  const view = Buffer.from(memory.buffer);
  const a = encode([[Buffer.from('a'), 5], [Buffer.from('c'), 5]], 0);
  const b = encode([[Buffer.from('b'), 5]], 1);
  a.copy(view, high);
  b.copy(view, high + a.length);
  const blocks: Buffer[] = [];
  const r = memory.merge([{ start: high, end: high + a.length }, { start: high + a.length, end: high + a.length + b.length }], true, (s, e) => blocks.push(Buffer.from(view.subarray(s, e))));
  assert.equal(r.corruptRun, -1);
  assert.deepEqual(r.records, [2, 1]);
  const merged = Buffer.concat(blocks);
  assert.equal(merged.length, a.length + b.length);
  assert.deepEqual([merged[8], merged[14 + 8], merged[28 + 8]], [0x61, 0x62, 0x63]); // 14-byte records: header, 1-byte key, 5-byte value
  // gather: offsets (in the extra region) pointing above 2 GiB
  const offsets = new Uint32Array(memory.buffer, memory.extra, 2);
  offsets[0] = high + a.length;
  offsets[1] = high;
  const [next, end] = memory.gather(memory.extra, 0, 2);
  assert.equal(next, 2);
  assert.equal(end, memory.stage + 2 * 14);
  assert.equal(view[memory.stage + 8], 0x62);
  assert.equal(view[memory.stage + 14 + 8], 0x61);
  assert.ok(end > 2 ** 31);
  memory.release();
});
