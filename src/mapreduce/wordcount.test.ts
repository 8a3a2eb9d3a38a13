import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { TaskCounter } from './counters.js';
import wordcount from './examples/wordcount.js';
import { runJobLocally } from './local.js';
import { parseKeyValueLines, readParts, rng, tempDir } from './test-helpers.js';

/** Independent count: split bytes on ASCII whitespace. */
function countTokens(files: Buffer[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of files) {
    let start = -1;
    for (let i = 0; i <= f.length; i++) {
      const c = i < f.length ? f[i] : 32;
      const ws = c === 32 || c === 9 || c === 10 || c === 11 || c === 12 || c === 13;
      if (ws) {
        if (start >= 0) {
          const t = f.toString('latin1', start, i);
          counts.set(t, (counts.get(t) ?? 0) + 1);
          start = -1;
        }
      } else if (start < 0) start = i;
    }
  }
  return counts;
}

function corpus(seed: number, lines: number): Buffer {
  const r = rng(seed);
  const words = ['alpha', 'Alpha', 'beta', 'γάμμα', 'delta', '日本語', 'naïve', 'x', 'épée', 'zzz'];
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = Math.floor(r() * 12);
    const toks: string[] = [];
    for (let j = 0; j < n; j++) toks.push(words[Math.floor(r() * words.length)] + (r() < 0.3 ? String(Math.floor(r() * 50)) : ''));
    parts.push(toks.join(r() < 0.2 ? '\t ' : ' ') + (r() < 0.1 ? '\r\n' : '\n'));
  }
  return Buffer.from(parts.join(''), 'utf8');
}

void test('wordcount matches an independent count on a multi-file corpus (UTF-8, invalid bytes, very long lines, gzip)', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in');
    await mkdir(join(input, 'sub'), { recursive: true });
    const files: Buffer[] = [corpus(1, 3000), corpus(2, 2000)];
    // A 3 MB line (longer than the 1 MiB read chunk) and a file without a final newline.
    const long = Buffer.from(Array.from({ length: 300_000 }, (_, i) => `tok${i % 977}`).join(' ') + '\n' + 'tail line without newline');
    files.push(long);
    files.push(Buffer.from([0x66, 0x6f, 0xff, 0x20, 0xfe, 0x0a, 0xc3, 0x28, 0x20, 0x66, 0x6f, 0xff])); // invalid UTF-8 tokens
    await writeFile(join(input, 'a.txt'), files[0]);
    await writeFile(join(input, 'sub', 'b.txt'), files[1]);
    await writeFile(join(input, 'long.txt'), files[2]);
    await writeFile(join(input, 'bin.txt'), files[3]);
    const gz = corpus(3, 1500);
    files.push(gz);
    await writeFile(join(input, 'c.txt.gz'), gzipSync(gz));
    // Skipped: names starting with _ or .
    await writeFile(join(input, '_SUCCESS'), 'ignored words');
    await writeFile(join(input, '.hidden'), 'ignored words');
    const out = join(t.path, 'out');
    const r = await runJobLocally(wordcount, { inputs: [input], output: out, reducers: 3, maxSplitBytes: 64 << 10, minSplitBytes: 1 });
    assert.ok(r.maps > 5, `expected many splits, got ${r.maps}`);
    const got = parseKeyValueLines(await readParts(out));
    const want = countTokens(files);
    assert.equal(got.size, want.size);
    for (const [k, v] of want) assert.equal(got.get(k), String(v), `count of ${JSON.stringify(k)}`);
    assert.ok(!got.has('ignored'));
    const total = [...want.values()].reduce((a, b) => a + b, 0);
    assert.ok(r.counters.taskValue(TaskCounter.MAP_OUTPUT_RECORDS) < total, 'in-mapper combining reduces map output');
    assert.equal(r.counters.taskValue(TaskCounter.REDUCE_OUTPUT_RECORDS), want.size);
    const inputBytes = files.reduce((a, f) => a + f.length, 0);
    assert.equal(r.counters.taskValue(TaskCounter.MAP_INPUT_BYTES), inputBytes);
  } finally {
    await t.cleanup();
  }
});

void test('wordcount with a tiny sort buffer and tiny in-mapper map spills and still counts right', async () => {
  const t = await tempDir();
  try {
    const data = corpus(7, 20_000);
    await writeFile(join(t.path, 'in.txt'), data);
    const out = join(t.path, 'out');
    const r = await runJobLocally(wordcount, {
      inputs: [join(t.path, 'in.txt')],
      output: out,
      reducers: 2,
      sortBufferBytes: 64 << 10,
      mergeFactor: 3,
      config: { 'wordcount.mapEntries': '50' },
    });
    assert.ok(r.counters.taskValue(TaskCounter.SPILLS) > 3, 'spilled several times');
    assert.ok(r.counters.taskValue(TaskCounter.COMBINE_INPUT_RECORDS) > r.counters.taskValue(TaskCounter.COMBINE_OUTPUT_RECORDS));
    const got = parseKeyValueLines(await readParts(out));
    const want = countTokens([data]);
    assert.deepEqual(new Map([...got].map(([k, v]) => [k, Number(v)])), want);
  } finally {
    await t.cleanup();
  }
});

void test('grep counts regex matches; a missing pattern is a clear error', async () => {
  const { default: grep } = await import('./examples/grep.js');
  const { JobDefinitionError, UserCodeError } = await import('./errors.js');
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.txt');
    await writeFile(input, 'error: disk\nwarn: cpu\nERROR: net error\nok\n');
    const r = await runJobLocally(grep, { inputs: [input], output: join(t.path, 'out'), config: { 'grep.pattern': 'error|warn', 'grep.flags': 'i' } });
    assert.deepEqual(parseKeyValueLines(await readParts(r.outputDir)), new Map([['ERROR', '1'], ['error', '2'], ['warn', '1']]));
    assert.equal(r.counters.get('grep', 'matches'), 4);
    await assert.rejects(runJobLocally(grep, { inputs: [input], output: join(t.path, 'o2') }), (e: unknown) => e instanceof JobDefinitionError || (e instanceof UserCodeError && /grep\.pattern/.test(e.message)));
  } finally {
    await t.cleanup();
  }
});
