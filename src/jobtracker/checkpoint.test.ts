import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobCheckpoint, type TaskCheckpoint } from './checkpoint.js';

const task = (taskId: string, attemptId: string): TaskCheckpoint => ({ taskId, attemptId, node: 'n1', shuffleAddress: '127.0.0.1:1', startMs: 1, endMs: 2, counters: { job: { MAP_INPUT_RECORDS: 3 } } as never, committed: !taskId.startsWith('m-'), output: taskId.startsWith('m-') ? { mapId: attemptId, taskId, shuffleUrl: 'http://127.0.0.1:1' } : null });

void test('a checkpoint returns the last word on each task and survives a torn last line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coronet-ckpt-'));
  const c = new JobCheckpoint(join(dir, 'checkpoint.ndjson'));
  assert.deepEqual(c.load(), []);
  c.taskDone(task('m-000000', 'm-000000_0'));
  c.taskDone(task('m-000001', 'm-000001_0'));
  c.mapOutputLost('m-000001');
  c.taskDone(task('r-000000', 'r-000000_0'));
  c.taskDone(task('m-000000', 'm-000000_1000'));
  appendFileSync(c.path, '{"t":"done","taskId":"m-000002","attem');
  const loaded = new Map(c.load().map((t) => [t.taskId, t]));
  assert.deepEqual([...loaded.keys()].sort(), ['m-000000', 'r-000000']);
  assert.equal(loaded.get('m-000000')!.attemptId, 'm-000000_1000');
  assert.deepEqual(loaded.get('r-000000')!.output, null);
  assert.deepEqual(loaded.get('m-000000')!.counters, { job: { MAP_INPUT_RECORDS: 3 } });
});
