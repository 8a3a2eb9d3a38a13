import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutstandingRequests, type RequestedItem } from './requests.js';

const items = (n: number): RequestedItem[] => Array.from({ length: n }, () => ({ requestId: null }));

void test('outstanding requests: a grant serves one container; orphaned items leave surplus', () => {
  const book = new OutstandingRequests<RequestedItem>();
  const xs = items(3);
  book.add('r1', xs);
  assert.equal(book.size, 3);
  assert.ok(xs.every((x) => x.requestId === 'r1'));
  book.granted('r1');
  assert.equal(book.size, 2);
  assert.equal(xs.filter((x) => x.requestId === null).length, 1);
  book.orphan(xs[2]);
  assert.equal(xs[2].requestId, null);
  assert.equal(book.size, 2, 'the container asked for an orphaned item is still outstanding');
  book.granted('r1');
  book.granted('r1');
  assert.equal(book.size, 0);
  book.granted('r1');
  assert.equal(book.size, 0, 'a grant for a forgotten request changes nothing');
});

void test('outstanding requests: the surplus is cancelled in few batches as demand drains, all of it at zero', () => {
  const book = new OutstandingRequests<RequestedItem>();
  const n = 5000;
  const xs = items(n);
  book.add('r1', xs);
  let batches = 0;
  let cancelled = 0;
  for (let taken = 1; taken <= n; taken++) {
    book.orphan(xs[taken - 1]);
    const ids = book.takeSurplus(n - taken);
    if (ids.length) {
      batches++;
      cancelled += ids.length;
      // Items of a cancelled request are asked for again, as the job tracker does.
      const again = xs.slice(taken).filter((x) => x.requestId === null);
      if (again.length) book.add(`again${batches}`, again);
    }
    assert.ok(book.size >= n - taken, 'never less than wanted');
    assert.ok(book.size <= Math.ceil((n - taken) * 4 / 3) + 1 || n - taken === 0, 'the surplus stays under a quarter');
  }
  assert.equal(book.size, 0);
  assert.ok(batches <= 40, `${batches} cancel batches for ${n} tasks`);
  assert.ok(cancelled >= 1);
});

void test('outstanding requests: requests that stand for no item are cancelled first', () => {
  const book = new OutstandingRequests<RequestedItem>();
  const a = items(2);
  const b = items(2);
  book.add('a', a);
  book.add('b', b);
  a.forEach((x) => book.orphan(x));
  assert.deepEqual(book.takeSurplus(2), ['a']);
  assert.ok(b.every((x) => x.requestId === 'b'));
  assert.equal(book.size, 2);
  assert.deepEqual(book.takeSurplus(0), ['b']);
  assert.ok(b.every((x) => x.requestId === null));
});
