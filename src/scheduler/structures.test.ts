// The scheduler's data structures on their own: fit index, host index, request queue, heap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resources } from '../common/resources.js';
import { FitIndex } from './fit-index.js';
import { ENTRY_SIZE, HostIndex } from './host-index.js';
import { RequestQueue } from './request-queue.js';
import { IndexedHeap } from './heap.js';

void test('fit index: finds the first slot that fits, grows, honours unavailable slots and the accept filter; holds() agrees', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ mem: fc.integer({ min: -1, max: 64 }), vc: fc.integer({ min: -1, max: 8 }) }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 8 }), fc.nat(), (slots, m, v, skip) => {
      const idx = new FitIndex();
      const ids = slots.map(() => idx.allocate());
      slots.forEach((s, i) => (s.mem < 0 ? idx.markUnavailable(ids[i]) : idx.set(ids[i], s.mem, s.vc, 0)));
      const rejected = skip % (slots.length + 1);
      const found = idx.find(m, v, 0, (slot) => slot !== rejected);
      const expected = slots.findIndex((s, i) => s.mem >= 0 && s.mem >= m && s.vc >= v && i !== rejected);
      assert.equal(found, expected);
      slots.forEach((s, i) => assert.equal(idx.holds(ids[i], m, v, 0), s.mem >= 0 && s.mem >= m && s.vc >= v));
    }),
    { numRuns: 300 },
  );
});

void test('fit index: released slots are reused and never found', () => {
  const idx = new FitIndex();
  const a = idx.allocate();
  const b = idx.allocate();
  idx.set(a, 10, 10, 0);
  idx.set(b, 10, 10, 0);
  idx.release(a);
  assert.equal(idx.find(1, 1, 0, () => true), b);
  assert.equal(idx.allocate(), a);
  assert.equal(idx.find(1, 1, 0, () => true), b);
});

interface Item {
  id: number;
  hosts: string[];
  hostIds: number[];
  slot: number;
}

void test('host index: add/remove (lazy), scans that drop dead entries and host id reference counts stay exact (random sequences)', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ op: fc.integer({ min: 0, max: 4 }), hosts: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 3 }), tag: fc.integer({ min: -1, max: 2 }), pick: fc.nat() }), { maxLength: 80 }), (ops) => {
      const idx = new HostIndex<Item>();
      const live: { item: Item; tag: number }[] = [];
      let id = 0;
      for (const o of ops) {
        if (o.op <= 1 || live.length === 0) {
          const hosts = o.hosts.map((h) => `h${h}`);
          const item: Item = { id: id++, hosts, hostIds: hosts.map((h) => idx.ref(h)), slot: -1 };
          item.slot = idx.add(item, item.hostIds, item.id * 10, o.tag);
          live.push({ item, tag: o.tag });
        } else if (o.op <= 3) {
          const [gone] = live.splice(o.pick % live.length, 1);
          idx.remove(gone.item.slot, gone.item.hostIds.length);
          for (const h of gone.item.hostIds) idx.unref(h);
        } else {
          // A scan as the offers stage does it: dead entries are dropped where met.
          const h = idx.idOf(`h${o.pick % 6}`);
          if (h >= 0) {
            const list = idx.entries(h);
            let end = idx.entriesUsed(h);
            for (let at = 0; at < end; ) {
              if (idx.isLive(list, at)) at += ENTRY_SIZE;
              else {
                idx.dropAt(h, at);
                end -= ENTRY_SIZE;
              }
            }
            assert.equal(idx.entriesUsed(h), end);
          }
        }
        for (let h = 0; h < 6; h++) {
          const seen = idx.liveEntriesOf(`h${h}`).map(([it, owner, tag]) => {
            assert.equal(owner, it.id * 10);
            return `${tag}:${it.id}`;
          });
          const want = live.filter((x) => x.item.hosts.includes(`h${h}`)).map((x) => `${x.tag}:${x.item.id}`);
          assert.deepEqual(seen.sort(), want.sort());
          // A host id lives exactly while something names the host.
          assert.equal(idx.idOf(`h${h}`) >= 0, want.length > 0);
        }
        assert.equal(idx.entriesHeld.live, live.reduce((a, x) => a + x.item.hostIds.length, 0));
      }
    }),
    { numRuns: 300 },
  );
});

void test('host index: dead entries are swept once they are a third of all entries', () => {
  const idx = new HostIndex<number>();
  const h = idx.ref('keep'); // a node keeps the host id alive
  for (let i = 0; i < 200_000; i++) {
    const slot = idx.add(i, [h], 0, 0);
    if (i % 100 !== 0) idx.remove(slot, 1);
    const held = idx.entriesHeld;
    assert.ok(held.dead <= Math.max(held.live / 2, 65_536), `dead ${held.dead}, live ${held.live}`);
  }
  assert.equal(idx.entriesHeld.live, 2000);
  assert.equal(idx.liveEntriesOf('keep').length, 2000);
});

void test('request queue: skips dead entries, keeps a per-epoch cursor, compacts', () => {
  const q = new RequestQueue<{ id: number; live: boolean }>();
  const items = Array.from({ length: 2000 }, (_, id) => ({ id, live: true }));
  for (const it of items) q.push(it);
  assert.equal(q.current(1)?.id, 0);
  q.advance();
  assert.equal(q.current(1)?.id, 1);
  assert.equal(q.current(2)?.id, 0); // new epoch: from the front
  for (let i = 0; i < 1500; i++) items[i].live = false;
  assert.equal(q.current(3)?.id, 1500);
  items[1700].live = false;
  q.compact();
  assert.equal(q.length, 499);
  assert.equal(q.isEmpty(), false);
  for (const it of items) it.live = false;
  assert.equal(q.current(4), undefined);
  assert.equal(q.isEmpty(), true);
});

void test('indexed heap: pops in order under updates and removals', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 50 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 100 }))), (keys, updates) => {
      const items = keys.map((k, i) => ({ k, i, heapSlot: -1 }));
      const h = new IndexedHeap<(typeof items)[number]>((a, b) => a.k < b.k || (a.k === b.k && a.i < b.i));
      for (const it of items) h.push(it);
      for (const [which, k] of updates) {
        const it = items[which % items.length];
        if (!h.has(it)) continue;
        if (k % 7 === 0) h.remove(it);
        else {
          it.k = k;
          h.update(it);
        }
      }
      const out: number[] = [];
      for (let it = h.peek(); it; it = h.peek()) {
        out.push(it.k);
        h.remove(it);
      }
      assert.deepEqual(out, [...out].sort((a, b) => a - b));
    }),
    { numRuns: 200 },
  );
});
