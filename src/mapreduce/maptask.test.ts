import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileOutputCommitter } from './committer.js';
import { number, utf8 } from './codecs.js';
import { rangeInput } from './formats.js';
import { localFileSystem } from './fs.js';
import { defineJob } from './job.js';
import { runMapTask } from './maptask.js';
import { tempDir } from './test-helpers.js';

const split = (index: number, rows: number) => ({ index, path: '', start: 0, length: rows, gzip: false, hosts: [] });

void test('map-only: a map that writes nothing leaves no attempt directory; one that writes commits once', async () => {
  const t = await tempDir();
  try {
    const out = join(t.path, 'out');
    const committer = new FileOutputCommitter(localFileSystem, out);
    await committer.setupJob();
    const job = defineJob({
      name: 'upper-rows',
      input: rangeInput(4, 2),
      codecs: { key: utf8, value: number },
      reducers: 0,
      map(row, _v, ctx) {
        if (row >= 2) ctx.emit(`row${row}`, row);
      },
    });
    const empty = await runMapTask({ job, split: split(0, 2), partitions: 0, workDir: join(t.path, 'w0'), output: { outputUri: out, attemptId: 'm-00000_0' } });
    assert.equal(empty.outputFile, null);
    assert.deepEqual(await readdir(join(out, '_temporary')), ['_committed']);
    const full = await runMapTask({ job, split: { ...split(1, 2), start: 2 }, partitions: 0, workDir: join(t.path, 'w1'), output: { outputUri: out, attemptId: 'm-00001_0' } });
    assert.ok(full.outputFile !== null);
    await committer.commitTask('m-00001', 'm-00001_0');
    await committer.commitJob(['m-00001']);
    assert.deepEqual((await readdir(out)).sort(), ['_SUCCESS', 'part-m-00001']);
    assert.equal(await readFile(join(out, 'part-m-00001'), 'utf8'), 'row2\t2\nrow3\t3\n');
  } finally {
    await t.cleanup();
  }
});
