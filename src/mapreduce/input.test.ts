import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { bigint, number, utf8, type Codec } from './codecs.js';
import { InputNotFoundError, InputRecordError } from './errors.js';
import { parseInputSpec } from './formats.js';
import { readSplit } from './input.js';
import { computeSplits } from './splits.js';
import { rng, tempDir } from './test-helpers.js';

async function readAll(paths: string[], format: string, maxSplitBytes: number, chunkBytes: number): Promise<{ key: unknown; value: unknown }[]> {
  const splits = await computeSplits(paths, format, { maxSplitBytes, minSplitBytes: 1 });
  const out: { key: unknown; value: unknown }[] = [];
  for (const s of splits) {
    await readSplit(s, parseInputSpec(format), (key, value) => {
      out.push({ key, value: Buffer.isBuffer(value) ? Buffer.from(value) : value });
    }, { chunkBytes });
  }
  return out;
}

void test('line-aligned splits: every line read exactly once, for many split and chunk sizes', async () => {
  const t = await tempDir();
  try {
    const r = rng(42);
    const cases: { lines: number; splits: number[] }[] = [
      { lines: 12, splits: [1, 2, 3, 7, 64] },
      { lines: 400, splits: [100, 1000, 4096, 1 << 20] },
    ];
    for (const c of cases) {
      const lines: string[] = [];
      for (let i = 0; i < c.lines; i++) lines.push('é'.repeat(Math.floor(r() * 40)) + `#${i}` + (c.lines > 100 && i % 20 === 3 ? 'z'.repeat(3000) : '') + (i % 9 === 0 ? '\r' : ''));
      const path = join(t.path, `f${c.lines}.txt`);
      await writeFile(path, lines.join('\n') + '\n');
      const offsets: number[] = [];
      let off = 0;
      for (const l of lines) {
        offsets.push(off);
        off += Buffer.byteLength(l) + 1;
      }
      const want = lines.map((l) => l.replace(/\r$/, ''));
      for (const split of c.splits) {
        for (const chunk of [16, 333, 1 << 16]) {
          const recs = await readAll([path], 'text', split, chunk);
          assert.deepEqual(recs.map((x) => x.value), want, `split ${split} chunk ${chunk}`);
          assert.deepEqual(recs.map((x) => x.key), offsets);
        }
      }
    }
  } finally {
    await t.cleanup();
  }
});

void test('fixed-length records are record-aligned across splits; a truncated record is an error', async () => {
  const t = await tempDir();
  try {
    const path = join(t.path, 'f.bin');
    const data = Buffer.alloc(100 * 57);
    for (let i = 0; i < 57; i++) data.fill(i, i * 100, i * 100 + 100);
    await writeFile(path, data);
    const splits = await computeSplits([path], 'fixed:100:10', { maxSplitBytes: 1234, minSplitBytes: 1 });
    assert.ok(splits.every((s) => s.start % 100 === 0));
    const recs = await readAll([path], 'fixed:100:10', 1234, 250);
    assert.equal(recs.length, 57);
    recs.forEach((rec, i) => {
      assert.equal((rec.key as Buffer).length, 10);
      assert.equal((rec.value as Buffer).length, 90);
      assert.ok((rec.value as Buffer).every((b) => b === i));
    });
    await writeFile(path, data.subarray(0, 5650));
    await assert.rejects(readAll([path], 'fixed:100', 1 << 20, 1 << 16), (e: unknown) => e instanceof InputRecordError && e.offset === 5600);
  } finally {
    await t.cleanup();
  }
});

void test('gzip file is one split and reads whole; missing input is a clear error', async () => {
  const t = await tempDir();
  try {
    const path = join(t.path, 'f.txt.gz');
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n');
    await writeFile(path, gzipSync(text));
    const splits = await computeSplits([path], 'text', { maxSplitBytes: 100, minSplitBytes: 1 });
    assert.equal(splits.length, 1);
    const recs = await readAll([path], 'text', 100, 64);
    assert.equal(recs.length, 5000);
    assert.equal(recs[4999].value, 'line 4999');
    await assert.rejects(computeSplits([join(t.path, 'nope')], 'text'), InputNotFoundError);
    await writeFile(join(t.path, 'bad.gz'), 'not gzip');
    await assert.rejects(readAll([join(t.path, 'bad.gz')], 'text', 100, 64), InputRecordError);
  } finally {
    await t.cleanup();
  }
});

function encode<T>(c: Codec<T>, v: T): Buffer {
  const b = Buffer.alloc(64);
  return b.subarray(0, c.write(v, b, 0));
}

void test('number, bigint and utf8 codecs are order-preserving under memcmp and round-trip', () => {
  const nums = [-Infinity, -1e300, -5.5, -1, -0.25, 0, 0.25, 1, 2, 3.5, 1e10, 1e300, Infinity];
  for (let i = 0; i < nums.length; i++) {
    assert.equal(number.read(encode(number, nums[i]), 0, 8), nums[i]);
    for (let j = i + 1; j < nums.length; j++) assert.ok(Buffer.compare(encode(number, nums[i]), encode(number, nums[j])) < 0, `${nums[i]} < ${nums[j]}`);
  }
  const bigs = [-(2n ** 63n), -5n, -1n, 0n, 1n, 7n, 2n ** 63n - 1n];
  for (let i = 0; i < bigs.length; i++) {
    assert.equal(bigint.read(encode(bigint, bigs[i]), 0, 8), bigs[i]);
    for (let j = i + 1; j < bigs.length; j++) assert.ok(Buffer.compare(encode(bigint, bigs[i]), encode(bigint, bigs[j])) < 0);
  }
  const strs = ['', 'a', 'ab', 'b', 'é', '日本', '😀'];
  for (let i = 0; i < strs.length; i++) for (let j = i + 1; j < strs.length; j++) assert.ok(Buffer.compare(encode(utf8, strs[i]), encode(utf8, strs[j])) < 0);
  assert.equal(utf8.write('abc', Buffer.alloc(2), 0), -1);
});

void test('progress: map reports a rising fraction that reaches 1, reduce ends at 1', async () => {
  const { runMapTask } = await import('./maptask.js');
  const { runReduceTask } = await import('./reducetask.js');
  const { localSegments } = await import('./local.js');
  const { defineJob } = await import('./job.js');
  const { textInput } = await import('./formats.js');
  const t = await tempDir();
  try {
    const path = join(t.path, 'f.txt');
    await writeFile(path, 'abc def\n'.repeat(20_000));
    const job = defineJob({
      input: textInput(),
      codecs: { key: utf8, value: number },
      map(_k, line, ctx) {
        ctx.emit(line, 1);
      },
    });
    const [split] = await computeSplits([path], 'text');
    const seen: number[] = [];
    const m = await runMapTask({ job, split, partitions: 1, workDir: join(t.path, 'm'), readChunkBytes: 4096, onProgress: (f) => seen.push(f) });
    assert.ok(seen.length > 10);
    assert.ok(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1])));
    assert.equal(seen[seen.length - 1], 1);
    const red: number[] = [];
    await runReduceTask({ job, partition: 0, partitions: 1, segments: localSegments([m.mapOutput!], 0), workDir: join(t.path, 'r'), output: { outputUri: join(t.path, 'out'), attemptId: 'r_0' }, onProgress: (f) => red.push(f) });
    assert.equal(red[red.length - 1], 1);
  } finally {
    await t.cleanup();
  }
});

void test('an aborted map task stops reading and rejects with the abort reason', async () => {
  const { runMapTask } = await import('./maptask.js');
  const { defineJob } = await import('./job.js');
  const { textInput } = await import('./formats.js');
  const t = await tempDir();
  try {
    const path = join(t.path, 'f.txt');
    await writeFile(path, 'line\n'.repeat(50_000));
    let records = 0;
    const ac = new AbortController();
    const job = defineJob({
      input: textInput(),
      codecs: { key: utf8, value: number },
      map() {
        if (++records === 1000) ac.abort(new Error('killed by the job tracker'));
      },
    });
    const [split] = await computeSplits([path], 'text');
    await assert.rejects(runMapTask({ job, split, partitions: 1, workDir: join(t.path, 'm'), readChunkBytes: 4096, signal: ac.signal }), /killed by the job tracker/);
    assert.ok(records < 50_000);
  } finally {
    await t.cleanup();
  }
});
