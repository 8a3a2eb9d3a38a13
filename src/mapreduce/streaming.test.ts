import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { StreamingCommandError } from './errors.js';
import streaming from './examples/streaming.js';
import wordcount from './examples/wordcount.js';
import { runJobLocally } from './local.js';
import { parseKeyValueLines, readParts, tempDir } from './test-helpers.js';

const mapper = `awk '{ for (i = 1; i <= NF; i++) print $i "\\t" 1 }'`;
const reducer = `awk -F'\\t' '{ c[$1] += $2 } END { for (k in c) print k "\\t" c[k] }'`;

void test('streaming job (awk mapper and reducer) counts words like wordcount', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.txt');
    await writeFile(input, Array.from({ length: 30_000 }, (_, i) => `alpha${i % 17} beta${i % 3}  gamma`).join('\n') + '\n');
    const s = await runJobLocally(streaming, { inputs: [input], output: join(t.path, 's'), reducers: 2, maxSplitBytes: 200_000, minSplitBytes: 1, config: { 'stream.mapper': mapper, 'stream.reducer': reducer } });
    assert.ok(s.maps > 1);
    const w = await runJobLocally(wordcount, { inputs: [input], output: join(t.path, 'w'), reducers: 2 });
    assert.deepEqual(parseKeyValueLines(await readParts(s.outputDir)), parseKeyValueLines(await readParts(w.outputDir)));
    // Without a reducer: identity, sorted by key.
    const id = await runJobLocally(streaming, { inputs: [input], output: join(t.path, 'id'), reducers: 1, config: { 'stream.mapper': `head -n 3` } });
    assert.equal((await readParts(id.outputDir)).toString(), 'alpha0 beta0  gamma\t\nalpha1 beta1  gamma\t\nalpha2 beta2  gamma\t\n');
  } finally {
    await t.cleanup();
  }
});

void test('a failing streaming command fails the task with StreamingCommandError', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.txt');
    await writeFile(input, 'x\n'.repeat(100_000));
    await assert.rejects(
      runJobLocally(streaming, { inputs: [input], output: join(t.path, 'o'), config: { 'stream.mapper': 'exit 3' } }),
      (e: unknown) => e instanceof StreamingCommandError && /exit status 3/.test(e.message),
    );
  } finally {
    await t.cleanup();
  }
});
