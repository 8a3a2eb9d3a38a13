import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { json, number, raw, utf8 } from './codecs.js';
import { TaskCounter } from './counters.js';
import { InputRecordError, OutputExistsError, UserCodeError } from './errors.js';
import { jsonlInput, textInput } from './formats.js';
import { defineJob } from './job.js';
import { runJobLocally } from './local.js';
import { parseKeyValueLines, readParts, tempDir } from './test-helpers.js';

function sum(vs: Iterable<number>): number {
  let s = 0;
  for (const v of vs) s += v;
  return s;
}

/** Emits (line length bucket, 1) per line; sums. */
function lengthJob(opts: { combine: boolean }) {
  return defineJob({
    input: textInput(),
    codecs: { key: utf8, value: number },
    map(_k, line, ctx) {
      ctx.emit(`len${line.length % 7}`, 1);
      ctx.counter('test', 'lines').increment();
    },
    combine: opts.combine
      ? (key, values, ctx) => {
          ctx.counter('test', 'combine calls').increment();
          ctx.emit(key, sum(values));
        }
      : undefined,
    reduce(key, values, ctx) {
      ctx.emit(key, sum(values));
    },
  });
}

async function writeLines(path: string, n: number): Promise<void> {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push('x'.repeat(i % 23));
  await writeFile(path, lines.join('\n') + '\n');
}

void test('combiner: same result as without, fewer records shuffled, user counters summed', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.txt');
    await writeLines(input, 5000);
    const a = await runJobLocally(lengthJob({ combine: false }), { inputs: [input], output: join(t.path, 'a'), reducers: 2, maxSplitBytes: 8192, minSplitBytes: 1 });
    const b = await runJobLocally(lengthJob({ combine: true }), { inputs: [input], output: join(t.path, 'b'), reducers: 2, maxSplitBytes: 8192, minSplitBytes: 1 });
    assert.deepEqual(parseKeyValueLines(await readParts(a.outputDir)), parseKeyValueLines(await readParts(b.outputDir)));
    assert.equal(a.counters.get('test', 'lines'), 5000);
    assert.equal(b.counters.get('test', 'lines'), 5000);
    assert.ok(b.counters.get('test', 'combine calls') > 0);
    assert.equal(b.counters.taskValue(TaskCounter.COMBINE_INPUT_RECORDS), 5000);
    assert.ok(b.counters.taskValue(TaskCounter.REDUCE_INPUT_RECORDS) < a.counters.taskValue(TaskCounter.REDUCE_INPUT_RECORDS));
    assert.equal(a.counters.taskValue(TaskCounter.REDUCE_INPUT_RECORDS), 5000);
    const total = [...parseKeyValueLines(await readParts(b.outputDir)).values()].reduce((s, v) => s + Number(v), 0);
    assert.equal(total, 5000);
  } finally {
    await t.cleanup();
  }
});

void test('custom partitioner routes keys to the chosen reducer; many reducers all write a part', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.txt');
    await writeFile(input, Array.from({ length: 1000 }, (_, i) => String(i)).join('\n') + '\n');
    const job = defineJob({
      input: textInput(),
      codecs: { key: number, value: utf8 },
      map(_k, line, ctx) {
        ctx.emit(Number(line), line);
      },
      partition: ({ partitions }) => (key) => key % partitions,
      reduce(key, values, ctx) {
        for (const v of values) ctx.emit(key, v);
      },
    });
    const reducers = 17;
    await runJobLocally(job, { inputs: [input], output: join(t.path, 'out'), reducers });
    const names = (await readdir(join(t.path, 'out'))).sort();
    assert.equal(names.length, reducers + 1);
    assert.equal(names[names.length - 1], 'part-r-00016');
    assert.equal(names[0], '_SUCCESS');
    for (let p = 0; p < reducers; p++) {
      const lines = (await readFile(join(t.path, 'out', `part-r-${String(p).padStart(5, '0')}`), 'utf8')).trim().split('\n');
      const keys = lines.map((l) => Number(l.split('\t')[0]));
      assert.ok(keys.every((k) => k % reducers === p));
      // number keys sort numerically (order-preserving codec)
      assert.deepEqual(keys, [...keys].sort((x, y) => x - y));
    }
  } finally {
    await t.cleanup();
  }
});

void test('custom compare: keys sorted and grouped by the comparator', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.txt');
    await writeFile(input, 'b\nA\na\nB\nc\nC\na\n');
    const job = defineJob({
      input: textInput(),
      codecs: { key: utf8, value: number },
      map(_k, line, ctx) {
        ctx.emit(line, 1);
      },
      // case-insensitive, descending
      compare: (x, y) => (x.toLowerCase() < y.toLowerCase() ? 1 : x.toLowerCase() > y.toLowerCase() ? -1 : 0),
      reduce(key, values, ctx) {
        ctx.emit(key.toLowerCase(), sum(values));
      },
    });
    await runJobLocally(job, { inputs: [input], output: join(t.path, 'out'), reducers: 1, sortBufferBytes: 1 });
    assert.equal(await readFile(join(t.path, 'out', 'part-r-00000'), 'utf8'), 'c\t2\nb\t2\na\t3\n');
  } finally {
    await t.cleanup();
  }
});

void test('map-only job writes part-m files through the committer', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in');
    await mkdir(input);
    await writeFile(join(input, 'a.txt'), 'one\ntwo\n');
    await writeFile(join(input, 'b.txt'), 'three\n');
    const job = defineJob({
      input: textInput(),
      codecs: { key: utf8, value: number },
      map(_k, line, ctx) {
        ctx.emit(line.toUpperCase(), line.length);
      },
    });
    const r = await runJobLocally(job, { inputs: [input], output: join(t.path, 'out'), reducers: 0 });
    assert.deepEqual((await readdir(join(t.path, 'out'))).sort(), ['_SUCCESS', 'part-m-00000', 'part-m-00001']);
    assert.equal(await readFile(join(t.path, 'out', 'part-m-00000'), 'utf8'), 'ONE\t3\nTWO\t3\n');
    assert.equal(await readFile(join(t.path, 'out', 'part-m-00001'), 'utf8'), 'THREE\t5\n');
    assert.equal(r.counters.taskValue(TaskCounter.OUTPUT_RECORDS), 3);
  } finally {
    await t.cleanup();
  }
});

void test('empty input: no maps, empty part files, _SUCCESS', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in');
    await mkdir(input);
    await writeFile(join(input, 'empty.txt'), '');
    const r = await runJobLocally(lengthJob({ combine: true }), { inputs: [input], output: join(t.path, 'out'), reducers: 2 });
    assert.equal(r.maps, 0);
    assert.deepEqual((await readdir(join(t.path, 'out'))).sort(), ['_SUCCESS', 'part-r-00000', 'part-r-00001']);
    assert.equal((await readParts(join(t.path, 'out'))).length, 0);
  } finally {
    await t.cleanup();
  }
});

void test('multi-pass merge (merge factor 2) and spills with a tiny sort buffer, including records larger than the buffer', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.txt');
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) lines.push(`k${(i * 7919) % 1000}`);
    lines.push('BIG' + 'y'.repeat(200_000)); // larger than the whole sort buffer
    await writeFile(input, lines.join('\n') + '\n');
    const job = defineJob({
      input: textInput(),
      codecs: { key: utf8, value: utf8 },
      map(off, line, ctx) {
        ctx.emit(line.slice(0, 6), `${off}:${line.length}`);
      },
      reduce(key, values, ctx) {
        let n = 0;
        let bytes = 0;
        for (const v of values) {
          n++;
          bytes += Number(v.split(':')[1]);
        }
        ctx.emit(key, `${n}/${bytes}`);
      },
    });
    const r = await runJobLocally(job, { inputs: [input], output: join(t.path, 'out'), reducers: 2, sortBufferBytes: 8 << 10, mergeFactor: 2, maxSplitBytes: 4096, minSplitBytes: 1 });
    // ~5 maps get the short lines; each spills several times (its last run is merged from memory, not spilled).
    assert.ok(r.counters.taskValue(TaskCounter.SPILLS) > 10, 'maps spilled several times');
    assert.ok(r.counters.taskValue(TaskCounter.MERGE_PASSES) > r.maps + 2, 'multi-pass merges on both sides');
    const got = parseKeyValueLines(await readParts(join(t.path, 'out')));
    const want = new Map<string, string>();
    const agg = new Map<string, [number, number]>();
    for (const l of lines) {
      const a = agg.get(l.slice(0, 6)) ?? [0, 0];
      a[0]++;
      a[1] += l.length;
      agg.set(l.slice(0, 6), a);
    }
    for (const [k, [n, b]] of agg) want.set(k, `${n}/${b}`);
    assert.deepEqual(got, want);
  } finally {
    await t.cleanup();
  }
});

void test('bad jsonl record fails the task with file and byte offset', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.jsonl');
    await writeFile(input, '{"a":1}\n\n{"a":2}\n{"a":\n{"a":3}\n');
    const job = defineJob({
      input: jsonlInput<{ a: number }>(),
      codecs: { key: json, value: number },
      map(_k, v, ctx) {
        ctx.emit(v, v.a);
      },
    });
    await assert.rejects(runJobLocally(job, { inputs: [input], output: join(t.path, 'out') }), (e: unknown) => {
      assert.ok(e instanceof InputRecordError);
      assert.equal(e.code, 'INPUT_RECORD_INVALID');
      assert.equal(e.file, input);
      assert.equal(e.offset, 17);
      assert.match(e.message, /in\.jsonl at byte offset 17/);
      return true;
    });
    // The failed job left no visible output.
    assert.deepEqual(await readdir(join(t.path, 'out')), []);
  } finally {
    await t.cleanup();
  }
});

void test('jsonl input parses records', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.jsonl');
    await writeFile(input, '{"user":"ann","n":2}\n{"user":"bob","n":5}\r\n  \n{"user":"ann","n":1}');
    const job = defineJob({
      input: jsonlInput<{ user: string; n: number }>(),
      codecs: { key: utf8, value: number },
      map(_k, v, ctx) {
        ctx.emit(v.user, v.n);
      },
      reduce(k, vs, ctx) {
        ctx.emit(k, sum(vs));
      },
    });
    await runJobLocally(job, { inputs: [input], output: join(t.path, 'out') });
    assert.equal(await readFile(join(t.path, 'out', 'part-r-00000'), 'utf8'), 'ann\t3\nbob\t5\n');
  } finally {
    await t.cleanup();
  }
});

void test('existing non-empty output directory is refused before any task runs', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.txt');
    await writeFile(input, 'a\n');
    const out = join(t.path, 'out');
    await mkdir(out);
    await writeFile(join(out, 'old'), 'x');
    let mapped = 0;
    const job = defineJob({
      input: textInput(),
      codecs: { key: utf8, value: number },
      map() {
        mapped++;
      },
    });
    await assert.rejects(runJobLocally(job, { inputs: [input], output: out }), (e: unknown) => e instanceof OutputExistsError && e.code === 'OUTPUT_EXISTS' && e.message.includes(out));
    assert.equal(mapped, 0);
    assert.deepEqual(await readdir(out), ['old']);
  } finally {
    await t.cleanup();
  }
});

void test('a throwing map fails the job with UserCodeError; async map and reduce work', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.txt');
    await writeFile(input, 'a\nb\nboom\n');
    const bad = defineJob({
      input: textInput(),
      codecs: { key: utf8, value: number },
      map(_k, line) {
        if (line === 'boom') throw new Error('kaboom');
      },
    });
    await assert.rejects(runJobLocally(bad, { inputs: [input], output: join(t.path, 'o1') }), (e: unknown) => e instanceof UserCodeError && /kaboom/.test(e.message));
    const good = defineJob({
      input: textInput({ decode: 'buffer' }),
      codecs: { key: raw, value: number },
      async map(_k, line, ctx) {
        await Promise.resolve();
        ctx.emit(line, 1);
      },
      async reduce(k, vs, ctx) {
        await Promise.resolve();
        ctx.emit(k, sum(vs));
      },
    });
    await runJobLocally(good, { inputs: [input], output: join(t.path, 'o2') });
    assert.equal(await readFile(join(t.path, 'o2', 'part-r-00000'), 'utf8'), 'a\t1\nb\t1\nboom\t1\n');
  } finally {
    await t.cleanup();
  }
});
