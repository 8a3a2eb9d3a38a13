import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ByteCountTable } from './bytecount.js';
import { number, utf8 } from './codecs.js';
import { textInput } from './formats.js';
import { defineJob } from './job.js';
import { runJobLocally } from './local.js';
import { readParts, rng, tempDir } from './test-helpers.js';

void test('ByteCountTable counts tokens like a Map of strings, through growth and long keys', () => {
  const r = rng(9);
  const parts: string[] = [];
  for (let i = 0; i < 50_000; i++) {
    const n = Math.floor(r() * r() * 3000);
    parts.push(n % 97 === 0 ? 'L'.repeat(100 + (n % 50)) : `t${n}`);
    parts.push(['  ', '\t', '\n', '\r\n', ' \v\f '][i % 5]);
  }
  const text = Buffer.from(parts.join(''), 'latin1');
  const table = new ByteCountTable(16);
  const tokens = table.addTokens(text);
  const want = new Map<string, number>();
  for (const t of text.toString('latin1').split(/[ \t\n\v\f\r]+/)) if (t !== '') want.set(t, (want.get(t) ?? 0) + 1);
  const got = new Map<string, number>();
  table.forEachLatin1((k, n) => got.set(k, n));
  assert.equal(tokens, 50_000);
  assert.deepEqual(got, want);
  assert.equal(table.size, want.size);
  table.clear();
  assert.equal(table.size, 0);
  table.addTokens(Buffer.from('a a b'));
  const again: [string, number][] = [];
  table.forEachBytes((keys, s, e, n) => again.push([keys.toString('latin1', s, e), n]));
  assert.deepEqual(again.sort(), [
    ['a', 2],
    ['b', 1],
  ]);
});

void test('reduce that reads only part of its values: the rest are skipped, groups stay correct', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.txt');
    await writeFile(input, Array.from({ length: 3000 }, (_, i) => `k${i % 10} ${i}`).join('\n') + '\n');
    const job = defineJob({
      input: textInput(),
      codecs: { key: utf8, value: number },
      map(_o, line, ctx) {
        const [k, v] = line.split(' ');
        ctx.emit(k, Number(v));
      },
      reduce(key, values, ctx) {
        ctx.counter('t', 'groups').increment();
        for (const v of values) {
          ctx.emit(key, v >= 0 ? 1 : 0); // first value only
          break;
        }
      },
    });
    const r = await runJobLocally(job, { inputs: [input], output: join(t.path, 'out'), reducers: 1, sortBufferBytes: 4096 });
    assert.equal(r.counters.get('t', 'groups'), 10);
    assert.equal((await readParts(r.outputDir)).toString(), Array.from({ length: 10 }, (_, i) => `k${i}\t1\n`).join(''));
    assert.equal(r.counters.taskValue('REDUCE_INPUT_RECORDS'), 3000);
  } finally {
    await t.cleanup();
  }
});
