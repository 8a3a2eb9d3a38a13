import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileOutputCommitter, partFileName } from './committer.js';
import { JobCommitError, OutputExistsError, TaskCommitRefusedError } from './errors.js';
import { localFileSystem, type FileSystem } from './fs.js';
import { tempDir } from './test-helpers.js';

/** Records the order of mutating file-system calls. */
function recordingFs(log: string[]): FileSystem {
  return {
    ...localFileSystem,
    rename: async (s, d) => {
      log.push(`rename ${d.slice(d.lastIndexOf('/') + 1)}`);
      return localFileSystem.rename(s, d);
    },
    delete: async (p, r) => {
      log.push(`delete ${p.slice(p.lastIndexOf('/') + 1)}`);
      return localFileSystem.delete(p, r);
    },
    writeFile: async (p, d) => {
      log.push(`write ${p.slice(p.lastIndexOf('/') + 1)}`);
      return localFileSystem.writeFile(p, d);
    },
  };
}

async function writeAttempt(c: FileOutputCommitter, attemptId: string, name: string, text: string): Promise<void> {
  const sink = await c.createTaskFile(attemptId, name);
  sink.writeString(text);
  await sink.close();
}

void test('two attempts of one task: the first commit wins, the second is refused, only one output visible', async () => {
  const t = await tempDir();
  try {
    const log: string[] = [];
    const out = join(t.path, 'out');
    const c = new FileOutputCommitter(recordingFs(log), out);
    await c.setupJob();
    const part = partFileName('r', 0);
    // Both attempts run (e.g. a speculative copy) and write the same part file.
    await writeAttempt(c, 'r-00000_0', part, 'from attempt 0\n');
    await writeAttempt(c, 'r-00000_1', part, 'from attempt 1\n');
    await writeAttempt(c, 'r-00001_0', partFileName('r', 1), 'other task\n');
    await c.commitTask('r-00000', 'r-00000_1');
    await assert.rejects(c.commitTask('r-00000', 'r-00000_0'), (e: unknown) => e instanceof TaskCommitRefusedError && e.code === 'TASK_COMMIT_REFUSED' && e.attemptId === 'r-00000_0');
    await c.abortTask('r-00000_0');
    // Job commit refuses while a task is missing.
    await assert.rejects(c.commitJob(['r-00000', 'r-00001', 'r-00002']), JobCommitError);
    await c.commitTask('r-00001', 'r-00001_0');
    log.length = 0;
    await c.commitJob(['r-00000', 'r-00001']);
    assert.deepEqual((await readdir(out)).sort(), ['_SUCCESS', 'part-r-00000', 'part-r-00001']);
    assert.equal(await readFile(join(out, 'part-r-00000'), 'utf8'), 'from attempt 1\n');
    // _SUCCESS is written last, after the parts moved and _temporary was removed.
    assert.equal(log[log.length - 1], 'write _SUCCESS');
    assert.deepEqual(log.slice(0, -1).sort(), ['delete _temporary', 'rename part-r-00000', 'rename part-r-00001']);
    assert.equal(log[log.length - 2], 'delete _temporary');
    // A straggler attempt cannot commit after the job committed.
    await writeAttempt(c, 'r-00000_2', part, 'late\n');
    await assert.rejects(c.commitTask('r-00000', 'r-00000_2'), TaskCommitRefusedError);
    assert.equal(await readFile(join(out, 'part-r-00000'), 'utf8'), 'from attempt 1\n');
  } finally {
    await t.cleanup();
  }
});

void test('concurrent commits of the same task: exactly one succeeds', async () => {
  const t = await tempDir();
  try {
    const c = new FileOutputCommitter(localFileSystem, join(t.path, 'out'));
    await c.setupJob();
    const attempts = ['m-00000_0', 'm-00000_1', 'm-00000_2', 'm-00000_3'];
    for (const a of attempts) await writeAttempt(c, a, partFileName('m', 0), `${a}\n`);
    const results = await Promise.allSettled(attempts.map((a) => c.commitTask('m-00000', a)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof TaskCommitRefusedError));
    await c.commitJob(['m-00000']);
    const winner = attempts[results.findIndex((r) => r.status === 'fulfilled')];
    assert.equal(await readFile(join(t.path, 'out', 'part-m-00000'), 'utf8'), `${winner}\n`);
  } finally {
    await t.cleanup();
  }
});

void test('setupJob refuses an output directory with content, accepts an empty one', async () => {
  const t = await tempDir();
  try {
    await new FileOutputCommitter(localFileSystem, t.path).setupJob(); // empty: fine
    const out = join(t.path, 'x');
    await localFileSystem.mkdirs(out);
    await localFileSystem.writeFile(join(out, 'part-r-00000'), 'old');
    await assert.rejects(new FileOutputCommitter(localFileSystem, out).setupJob(), OutputExistsError);
  } finally {
    await t.cleanup();
  }
});

void test('job commit publishes only the expected tasks (stale output of a crashed run stays out)', async () => {
  const t = await tempDir();
  try {
    const out = join(t.path, 'out');
    const crashed = new FileOutputCommitter(localFileSystem, out);
    await crashed.setupJob();
    await writeAttempt(crashed, 'r-00007_0', partFileName('r', 7), 'stale\n');
    await crashed.commitTask('r-00007', 'r-00007_0');
    // A new run reuses the directory (only _temporary in it) and commits one task.
    const c = new FileOutputCommitter(localFileSystem, out);
    await c.setupJob();
    await writeAttempt(c, 'r-00000_0', partFileName('r', 0), 'fresh\n');
    await c.commitTask('r-00000', 'r-00000_0');
    await c.commitJob(['r-00000']);
    assert.deepEqual((await readdir(out)).sort(), ['_SUCCESS', 'part-r-00000']);
  } finally {
    await t.cleanup();
  }
});

void test('commits are durable in order: a task commit syncs the committed directory; the job commit syncs the moved parts, then _SUCCESS and its directory', async () => {
  const t = await tempDir();
  try {
    const log: string[] = [];
    const base = recordingFs(log);
    const fs: FileSystem = {
      ...base,
      sync: async (p) => {
        log.push(`sync ${p.slice(p.lastIndexOf('/') + 1)}`);
        return localFileSystem.sync(p);
      },
    };
    const out = join(t.path, 'out');
    const c = new FileOutputCommitter(fs, out);
    await c.setupJob();
    await writeAttempt(c, 'r-00000_0', partFileName('r', 0), 'data\n');
    log.length = 0;
    await c.commitTask('r-00000', 'r-00000_0');
    assert.deepEqual(log, ['rename r-00000', 'sync _committed']);
    log.length = 0;
    await c.commitJob(['r-00000']);
    assert.deepEqual(log, ['rename part-r-00000', 'sync out', 'delete _temporary', 'write _SUCCESS', 'sync _SUCCESS', 'sync out']);
  } finally {
    await t.cleanup();
  }
});
