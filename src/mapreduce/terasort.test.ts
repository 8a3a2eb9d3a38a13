import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { TaskCounter } from './counters.js';
import { ChecksumError } from './errors.js';
import teragen from './examples/teragen.js';
import terasort, { cutsConfigKey } from './examples/terasort.js';
import teravalidate from './examples/teravalidate.js';
import type { InputSpec } from './formats.js';
import { KernelMemory } from './kernels.js';
import { runJobLocally } from './local.js';
import { runMapTask } from './maptask.js';
import { runReduceTask, type ReduceSegment } from './reducetask.js';
import { ShuffleMemory, fetchMapOutputs, mapOutputDir } from './shuffle.js';
import { computeSplits } from './splits.js';
import { parseKeyValueLines, readParts, tempDir } from './test-helpers.js';

function records(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += 100) out.push(data.subarray(i, i + 100));
  return out;
}

for (const ascii of [false, true]) {
  void test(`teragen → terasort → teravalidate (${ascii ? 'ascii' : 'binary'}): sorted permutation`, async () => {
    const t = await tempDir();
    try {
      const gen = join(t.path, 'gen');
      const sorted = join(t.path, 'sorted');
      const g = await runJobLocally(teragen, { inputs: [], output: gen, config: { 'teragen.rows': '20000', 'teragen.maps': '3', 'teragen.ascii': String(ascii) } });
      assert.equal(g.maps, 3);
      const input = await readParts(gen);
      assert.equal(input.length, 20000 * 100);
      if (ascii) {
        assert.ok(input.toString('latin1').split('\r\n').slice(0, -1).every((l) => l.length === 98 && /^[ -~]{10}  [0-9A-F]{32}  [0-9A-F]{52}$/.test(l)));
      }
      const s = await runJobLocally(terasort, { inputs: [gen], output: sorted, reducers: 4, maxSplitBytes: 300_000, sortBufferBytes: 256 << 10, config: { 'terasort.samples': '2000' } });
      assert.equal(s.counters.taskValue(TaskCounter.REDUCE_OUTPUT_RECORDS), 20000);
      const output = await readParts(sorted);
      // Same multiset of records, in key order.
      const want = records(input).sort((a, b) => a.compare(b, 0, 10, 0, 10) || a.compare(b));
      const got = records(output);
      for (let i = 1; i < got.length; i++) assert.ok(got[i - 1].compare(got[i], 0, 10, 0, 10) <= 0, `record ${i} out of order`);
      assert.deepEqual(
        got.map((r) => r.toString('hex')).sort(),
        want.map((r) => r.toString('hex')).sort(),
      );
      // Every reducer got a share (the sampled cut points are sensible).
      for (let p = 0; p < 4; p++) {
        const part = await readFile(join(sorted, `part-r-0000${p}`));
        assert.ok(part.length > 20000 * 100 * 0.1, `partition ${p} holds ${part.length} bytes`);
      }
      // teravalidate: output OK, same checksum as the input, input unsorted.
      const v1 = parseKeyValueLines(await readParts((await runJobLocally(teravalidate, { inputs: [sorted], output: join(t.path, 'v1'), maxSplitBytes: 100_000 })).outputDir));
      const v2 = parseKeyValueLines(await readParts((await runJobLocally(teravalidate, { inputs: [gen], output: join(t.path, 'v2') })).outputDir));
      assert.equal(v1.get('status'), 'OK');
      assert.equal(v1.get('misordered'), '0');
      assert.equal(v1.get('records'), '20000');
      assert.equal(v1.get('checksum'), v2.get('checksum'));
      assert.equal(v2.get('status'), 'UNSORTED');
    } finally {
      await t.cleanup();
    }
  });
}

void test('teravalidate detects misordering across part files', async () => {
  const t = await tempDir();
  try {
    const gen = join(t.path, 'gen');
    await runJobLocally(teragen, { inputs: [], output: gen, config: { 'teragen.rows': '1000', 'teragen.maps': '1' } });
    const sorted = join(t.path, 'sorted');
    await runJobLocally(terasort, { inputs: [gen], output: sorted, reducers: 2 });
    // Swap the part files: each is sorted, the concatenation is not.
    const { rename } = await import('node:fs/promises');
    await rename(join(sorted, 'part-r-00000'), join(sorted, 'tmp'));
    await rename(join(sorted, 'part-r-00001'), join(sorted, 'part-r-00000'));
    await rename(join(sorted, 'tmp'), join(sorted, 'part-r-00001'));
    const v = parseKeyValueLines(await readParts((await runJobLocally(teravalidate, { inputs: [sorted], output: join(t.path, 'v') })).outputDir));
    assert.equal(v.get('status'), 'UNSORTED');
    assert.equal(v.get('misordered'), '1');
    assert.equal(v.get('records'), '1000');
  } finally {
    await t.cleanup();
  }
});

void test('terasort reduce over segments in kernel shuffle memory: the merge kernel writes what the JavaScript merge writes; corrupt segments name their map', async () => {
  const t = await tempDir();
  try {
    const gen = join(t.path, 'gen');
    await runJobLocally(teragen, { inputs: [], output: gen, config: { 'teragen.rows': '30000', 'teragen.maps': '1', 'teragen.ascii': 'true' } });
    const base = join(t.path, 'mapout');
    const config = { [cutsConfigKey]: Buffer.from('O').toString('hex') };
    const splits = await computeSplits([gen], terasort.input as InputSpec, { maxSplitBytes: 700_000, minSplitBytes: 1 });
    assert.ok(splits.length >= 3);
    const sources = [];
    for (const split of splits) {
      const mapId = `m-${split.index}_0`;
      await runMapTask({ job: terasort, split, partitions: 2, workDir: mapOutputDir(base, 'job1', mapId), config, taskId: `m-${split.index}` });
      sources.push({ mapId, jobId: 'job1', shuffleUrl: 'http://this-node:1' });
    }
    const local = { shuffleUrl: 'http://this-node:1', baseDir: base };
    const reduce = async (segments: ReduceSegment[], name: string) => {
      const r = await runReduceTask({ job: terasort, partition: 0, partitions: 2, segments, workDir: join(t.path, 'w'), output: { outputUri: join(t.path, name), attemptId: 'r-00000_0' }, config });
      return { bytes: await readFile(r.outputFile), counters: r.counters.toJSON() };
    };
    const plain = await fetchMapOutputs({ sources, partition: 0, local, memory: new ShuffleMemory(64 << 20) });
    const inKernel = await fetchMapOutputs({ sources, partition: 0, local, memory: new ShuffleMemory(64 << 20, { kernel: true }) });
    assert.ok(inKernel.segments.every((s) => 'data' in s && KernelMemory.of(s.data) !== null));
    assert.ok(plain.segments.every((s) => 'data' in s && KernelMemory.of(s.data) === null));
    const a = await reduce(plain.segments, 'out-js');
    const b = await reduce(inKernel.segments, 'out-kernel');
    assert.ok(a.bytes.length > 30000 * 100 * 0.2);
    assert.ok(a.bytes.equals(b.bytes));
    assert.deepEqual(a.counters, b.counters);
    // A record length that runs past its segment (checksums already passed at the fetch).
    const victim = inKernel.segments[1] as ReduceSegment & { data: Buffer };
    const saved = victim.data.readUInt32LE(4 + 108);
    victim.data.writeUInt32LE(1 << 30, 4 + 108);
    await assert.rejects(reduce(inKernel.segments, 'out-bad'), (e: unknown) => e instanceof ChecksumError && e.mapId === victim.mapId);
    victim.data.writeUInt32LE(saved, 4 + 108);
    // Bytes the fetch did not check are checked against their CRC32 first.
    const unchecked = inKernel.segments.map((s) => (s === victim ? { ...victim, crcChecked: false, crc32: (victim.crc32 ^ 1) >>> 0 } : s));
    await assert.rejects(reduce(unchecked, 'out-crc'), (e: unknown) => e instanceof ChecksumError && e.mapId === victim.mapId && /CRC32/.test(e.message));
  } finally {
    await t.cleanup();
  }
});
