import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { exampleJobPath, loadJob } from './bundle.js';
import { TaskCounter } from './counters.js';
import { RemoteTaskError } from './errors.js';
import { runJobLocally } from './local.js';
import { readParts, tempDir } from './test-helpers.js';

void test('parallel local run (worker threads) gives the same output and counters as the sequential run', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.txt');
    await writeFile(input, Array.from({ length: 20_000 }, (_, i) => `a${i % 101} b${i % 7} ü${i % 13}`).join('\n') + '\n');
    const job = await loadJob(exampleJobPath('wordcount'));
    const seq = await runJobLocally(job, { inputs: [input], output: join(t.path, 'seq'), reducers: 3, maxSplitBytes: 50_000, minSplitBytes: 1 });
    const par = await runJobLocally(job, { inputs: [input], output: join(t.path, 'par'), reducers: 3, maxSplitBytes: 50_000, minSplitBytes: 1, parallelism: 3 });
    assert.ok(par.maps > 3);
    assert.deepEqual(await readParts(par.outputDir), await readParts(seq.outputDir));
    for (const c of [TaskCounter.MAP_INPUT_RECORDS, TaskCounter.MAP_OUTPUT_RECORDS, TaskCounter.REDUCE_OUTPUT_RECORDS, TaskCounter.REDUCE_INPUT_GROUPS]) {
      assert.equal(par.counters.taskValue(c), seq.counters.taskValue(c), c);
    }
    const gen = await loadJob(exampleJobPath('teragen'));
    const g = await runJobLocally(gen, { inputs: [], output: join(t.path, 'gen'), config: { 'teragen.rows': '5000', 'teragen.maps': '4' }, parallelism: 2 });
    assert.equal(g.maps, 4);
    assert.equal((await readParts(g.outputDir)).length, 500_000);
  } finally {
    await t.cleanup();
  }
});

void test('a task failing in a worker fails the job with its code', async () => {
  const t = await tempDir();
  try {
    const input = join(t.path, 'in.jsonl');
    await writeFile(input, '{"a":1}\n{bad\n');
    const mod = join(t.path, 'job.mjs');
    await writeFile(mod, `export default { input: 'jsonl', codecs: { key: 'utf8', value: 'number' }, map(k, v, ctx) { ctx.emit('a', v.a); } };`);
    const job = await loadJob(mod);
    await assert.rejects(runJobLocally(job, { inputs: [input], output: join(t.path, 'out'), parallelism: 2 }), (e: unknown) => e instanceof RemoteTaskError && e.code === 'INPUT_RECORD_INVALID' && /offset 8/.test(e.message) && e.details.offset === 8 && e.details.file === input);
  } finally {
    await t.cleanup();
  }
});
