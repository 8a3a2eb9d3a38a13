import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, type QueuedTask } from './work-queue.js';

interface T extends QueuedTask {
  id: string;
}
const map = (id: string, ...hosts: string[]): T => ({ id, kind: 'map', split: { hosts } });
const reduce = (id: string): T => ({ id, kind: 'reduce', split: null });
const any = () => true;

void test('work queue: node-local maps first, then the oldest map, reduces only while no map waits', () => {
  const q = new WorkQueue<T>();
  const [m0, m1, m2, r0] = [map('m0', 'a'), map('m1', 'b'), map('m2', 'b', 'c'), reduce('r0')];
  for (const t of [r0, m0, m1, m2]) assert.equal(q.add(t, false, 0), true);
  assert.equal(q.add(m1, true, 0), false, 'a task is queued at most once');
  assert.equal(q.size, 4);
  assert.equal(q.next('b', any)?.task, m1);
  assert.equal(q.next('c', any)?.task, m2);
  assert.equal(q.next('z', any)?.task, m0, 'no local map: the oldest');
  assert.equal(q.next('b', (w) => w.task !== m1)?.task, m2, 'accept filters');
  q.remove(m1);
  assert.equal(q.next('b', any)?.task, m2, 'a removed map leaves the host index');
  q.remove(m0);
  q.remove(m2);
  assert.equal(q.remove(m2), undefined);
  assert.equal(q.next('b', any, true), undefined, 'mapsOnly: no reduce');
  assert.equal(q.next('b', any)?.task, r0);
  assert.deepEqual([...q].map((w) => w.task.id), ['r0']);
  assert.equal(q.count('map'), 0);
  assert.equal(q.count('reduce'), 1);
});

void test('work queue: a waiting map holds reduces back even when this runner may not run it', () => {
  const q = new WorkQueue<T>();
  const m = map('m0', 'a');
  q.add(m, false, 0);
  q.add(reduce('r0'), false, 0);
  assert.equal(q.next('a', (w) => w.task !== m), undefined);
});

void test('work queue: matching stays cheap with many queued tasks', () => {
  const q = new WorkQueue<T>();
  const n = 20_000;
  for (let i = 0; i < n; i++) q.add(map(`m${i}`, `h${i % 10}`), false, i);
  let taken = 0;
  for (;;) {
    const w = q.next(`h${taken % 10}`, any);
    if (!w) break;
    q.remove(w.task);
    taken++;
  }
  assert.equal(taken, n);
  assert.equal(q.size, 0);
});
