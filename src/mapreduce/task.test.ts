import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundleJobModule, exampleJobPath } from './bundle.js';
import { Counters, TaskCounter } from './counters.js';
import { runJobLocally } from './local.js';
import { mapTaskId, reduceTaskId } from './job.js';
import { serveMapOutput } from './shuffle.js';
import { computeSplits } from './splits.js';
import { outputCommitter, runTask, type MapOutputLocation } from './task.js';
import { readParts, tempDir } from './test-helpers.js';
import wordcount from './examples/wordcount.js';

void test('task specs: a mini job tracker runs wordcount from a bundle over HTTP shuffle and matches runJobLocally', async () => {
  const t = await tempDir();
  const shuffleBase = join(t.path, 'shuffle');
  const server = createServer((req, res) => void serveMapOutput(req, res, shuffleBase));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const shuffleUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const input = join(t.path, 'in.txt');
    await writeFile(input, Array.from({ length: 3000 }, (_, i) => `w${i % 37} x${i % 5} é${i % 3}`).join('\n') + '\n');
    const bundle = join(t.path, 'wordcount.mjs');
    await bundleJobModule(exampleJobPath('wordcount'), bundle);
    const out = join(t.path, 'out');
    const committer = outputCommitter(out);
    await committer.setupJob();
    const splits = await computeSplits([input], 'text', { maxSplitBytes: 8000, minSplitBytes: 1 });
    const reducers = 3;
    const counters = new Counters();
    const mapOutputs: MapOutputLocation[] = [];
    for (const split of splits) {
      const taskId = mapTaskId(split.index);
      // A failed first attempt leaves output behind; the second attempt's is used.
      for (const attempt of [0, 1]) {
        const r = await runTask({ kind: 'map', jobId: 'job_1', jobModule: bundle, config: {}, taskId, attemptId: `${taskId}_${attempt}`, outputUri: out, split, partitions: reducers, mapOutputBaseDir: shuffleBase });
        assert.ok(r.mapOutput !== undefined);
        if (attempt === 1) {
          counters.merge(r.counters);
          mapOutputs.push(split.index % 2 === 0 ? { mapId: r.attemptId, jobId: 'job_1', shuffleUrl } : { mapId: r.attemptId, dir: r.mapOutput.dir });
        }
      }
    }
    const tasks: string[] = [];
    for (let p = 0; p < reducers; p++) {
      const taskId = reduceTaskId(p);
      const r = await runTask({ kind: 'reduce', jobId: 'job_1', jobModule: bundle, config: {}, taskId, attemptId: `${taskId}_0`, outputUri: out, partition: p, partitions: reducers, mapOutputs, workDir: join(t.path, 'work', taskId), fetch: { concurrency: 2 } });
      counters.merge(r.counters);
      await committer.commitTask(taskId, r.attemptId);
      tasks.push(taskId);
    }
    await committer.commitJob(tasks);
    const local = await runJobLocally(wordcount, { inputs: [input], output: join(t.path, 'local'), reducers, maxSplitBytes: 8000, minSplitBytes: 1 });
    assert.deepEqual(await readParts(out), await readParts(local.outputDir));
    assert.equal(counters.taskValue(TaskCounter.REDUCE_OUTPUT_RECORDS), local.counters.taskValue(TaskCounter.REDUCE_OUTPUT_RECORDS));
    assert.equal(counters.taskValue(TaskCounter.MAP_INPUT_BYTES), (await readFile(input)).length);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await t.cleanup();
  }
});
