// The scheduler's data structures on their own: fit index, host index, request queue,
// heap, grant ids, request ids, fair order, grant lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resources } from '../common/resources.js';
import { FitIndex } from './fit-index.js';
import { ENTRY_SIZE, HostIndex } from './host-index.js';
import { RequestQueue } from './request-queue.js';
import { IndexedHeap } from './heap.js';
import { GrantIds } from './grant-ids.js';
import { RequestIds } from './request-ids.js';
import { FairOrder } from './fair-order.js';
import { emptyGrantList, liveGrantsOf, noteGrantGone, pushGrant } from './grant-lists.js';

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

void test('host index: regions of hosts that come and go, and of lists that grow, are reclaimed (the pool stays proportional to what it holds)', () => {
  const idx = new HostIndex<number>();
  const keep = idx.ref('keep');
  let peakTop = 0;
  // Without reclamation the pool would reach 1000 rounds x 50 hosts x 32 numbers = 1.6M numbers.
  for (let round = 0; round < 1000; round++) {
    // A burst of requests on short-lived hosts, and a list that keeps growing.
    const hosts = Array.from({ length: 50 }, (_, i) => idx.ref(`h${round}-${i}`));
    const slots = Array.from({ length: 100 }, (_, k) => idx.add(round * 100 + k, [hosts[k % hosts.length]], 0, 0));
    assert.equal(idx.liveEntriesOf(`h${round}-0`).length, 2);
    for (const slot of slots) idx.remove(slot, 1);
    for (const h of hosts) idx.unref(h);
    // The kept host holds one live entry per round.
    idx.add(-round, [keep], 0, 0);
    assert.equal(idx.liveEntriesOf('keep').length, round + 1);
    const held = idx.poolHeld;
    peakTop = Math.max(peakTop, held.top);
    assert.ok(held.used <= held.top - held.garbage, 'regions hold what is used');
  }
  assert.ok(peakTop < 1 << 18, `pool grew to ${peakTop}`);
});

void test('host index: buckets keep their own entries (and grow the index when a higher bucket first appears)', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ hosts: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }), bucket: fc.integer({ min: 0, max: 9 }), drop: fc.boolean() }), { maxLength: 60 }), (ops) => {
      const idx = new HostIndex<number>();
      const live: { id: number; hosts: number[]; bucket: number; slot: number }[] = [];
      ops.forEach((o, id) => {
        const hostIds = o.hosts.map((h) => idx.ref(`h${h}`));
        const slot = idx.add(id, hostIds, id, -1, o.bucket);
        live.push({ id, hosts: o.hosts, bucket: o.bucket, slot });
        if (o.drop && live.length > 1) {
          const [gone] = live.splice(0, 1);
          idx.remove(gone.slot, gone.hosts.length);
          for (const h of gone.hosts) idx.unref(idx.idOf(`h${h}`));
        }
      });
      for (let h = 0; h < 5; h++) {
        const id = idx.idOf(`h${h}`);
        for (let b = 0; b < 11; b++) {
          const want = live.filter((x) => x.bucket === b && x.hosts.includes(h)).map((x) => x.id);
          const got: number[] = [];
          if (id >= 0) {
            const list = idx.entries(id, b);
            for (let at = 0; at < idx.entriesUsed(id, b); at += ENTRY_SIZE) if (idx.isLive(list, at)) got.push(idx.item(list[at]));
          }
          assert.deepEqual(got.sort((x, y) => x - y), want.sort((x, y) => x - y), `host ${h} bucket ${b}`);
        }
        assert.deepEqual(idx.liveEntriesOf(`h${h}`).map(([it]) => it).sort((x, y) => x - y), live.filter((x) => x.hosts.includes(h)).map((x) => x.id).sort((x, y) => x - y));
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

interface HeapEntry {
  k: number;
  i: number;
  heapSlot: number;
}

/** Applies updates (new keys; every 7th a removal) to the items in `h`, then checks that it pops in key order. */
function churnAndDrain(h: IndexedHeap<HeapEntry>, items: HeapEntry[], updates: [number, number][]): void {
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
}

const heapLess = (a: HeapEntry, b: HeapEntry): boolean => a.k < b.k || (a.k === b.k && a.i < b.i);

void test('indexed heap: pops in order under updates and removals', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 50 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 100 }))), (keys, updates) => {
      const items = keys.map((k, i) => ({ k, i, heapSlot: -1 }));
      const h = new IndexedHeap<HeapEntry>(heapLess);
      for (const it of items) h.push(it);
      churnAndDrain(h, items, updates);
    }),
    { numRuns: 200 },
  );
});

void test('indexed heap: a heap rebuilt by append + heapify (after clear) pops in order under updates and removals', () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 100 }))), (rounds, updates) => {
      const h = new IndexedHeap<HeapEntry>(heapLess);
      for (const keys of rounds) {
        // Each round starts from a cleared heap (that keeps its array) with new items.
        h.clear();
        const items = keys.map((k, i) => ({ k, i, heapSlot: -1 }));
        for (const it of items) h.append(it);
        h.heapify();
        assert.equal(h.size, items.length);
        churnAndDrain(h, items, updates);
        assert.equal(h.size, 0);
        for (const it of items) assert.equal(h.has(it), false);
      }
    }),
    { numRuns: 200 },
  );
});

interface G {
  id: string;
}

void test('grant ids: every stored id resolves to its grant, released and unknown ids to nothing (against a map; random sequences)', () => {
  // Ids other than our own: another prefix, our prefix in non-canonical forms, beyond-range numbers, junk.
  const foreign = fc.oneof(
    fc.nat(50).map((n) => `g-old-${n.toString(36)}`),
    fc.nat(50).map((n) => `x-${n.toString(36)}`),
    fc.nat(50).map((n) => `x-0${n.toString(36)}`),
    fc.nat(50).map((n) => `x-${n.toString(36).toUpperCase()}`),
    fc.nat(70_000).map((n) => `x-${n.toString(36)}`),
    fc.constantFrom('', 'x-', 'x', 'x-0', 'x-zzzzzzzzzzzzzzzzzz', 'x-1-2', 'x- 1', 'x-1 '),
  );
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.record({ op: fc.constant('issue' as const), k: fc.integer({ min: 1, max: 40 }) }), fc.record({ op: fc.constant('adopt' as const), id: foreign }), fc.record({ op: fc.constant('release' as const), pick: fc.nat(), keepOld: fc.boolean() }), fc.record({ op: fc.constant('probe' as const), id: foreign })), { maxLength: 60 }),
      (ops) => {
        const ids = new GrantIds<G>('x-', 36, (g) => g.id);
        const model = new Map<string, G>();
        const released = new Set<string>();
        for (const o of ops) {
          if (o.op === 'issue') {
            for (let k = 0; k < o.k; k++) {
              const g: G = { id: '' };
              g.id = ids.issue(g);
              assert.ok(!model.has(g.id) && !released.has(g.id), `id ${g.id} issued twice`);
              assert.match(g.id, /^x-[1-9a-z][0-9a-z]*$/);
              model.set(g.id, g);
            }
          } else if (o.op === 'adopt') {
            const g: G = { id: o.id };
            assert.equal(ids.adopt(o.id, g), !model.has(o.id));
            if (!model.has(o.id)) model.set(o.id, g);
          } else if (o.op === 'release') {
            if (model.size === 0) continue;
            // Release mostly young grants; keepOld leaves the oldest (a long-lived driver) in place.
            const all = [...model.keys()];
            const id = all[o.keepOld && all.length > 1 ? 1 + (o.pick % (all.length - 1)) : o.pick % all.length];
            ids.delete(id, model.get(id)!);
            model.delete(id);
            released.add(id);
          } else assert.equal(ids.get(o.id), model.get(o.id));
          assert.equal(ids.size, model.size);
        }
        for (const [id, g] of model) assert.equal(ids.get(id), g);
        for (const id of released) if (!model.has(id)) assert.equal(ids.get(id), undefined);
      },
    ),
    { numRuns: 300 },
  );
});

void test('grant ids: a long-lived grant does not pin the window (memory stays proportional to live grants)', () => {
  const ids = new GrantIds<G>('g-', 10, (g) => g.id);
  const driver: G = { id: '' };
  driver.id = ids.issue(driver);
  const young: G[] = [];
  for (let i = 0; i < 300_000; i++) {
    const g: G = { id: '' };
    g.id = ids.issue(g);
    young.push(g);
    if (young.length > 100) {
      const old = young.shift()!;
      ids.delete(old.id, old);
      assert.equal(ids.get(old.id), undefined);
    }
    const held = ids.held;
    assert.ok(held.windowSpan <= 4 * (held.windowLive + 1) + 4096, `window spans ${held.windowSpan} for ${held.windowLive} live`);
  }
  assert.equal(ids.get(driver.id), driver);
  assert.equal(ids.held.far, 1);
  for (const g of young) assert.equal(ids.get(g.id), g);
  assert.equal(ids.size, 101);
  ids.delete(driver.id, driver);
  assert.equal(ids.get(driver.id), undefined);
});

void test('grant ids: an adopted id of our own form is never issued again, even far ahead', () => {
  const ids = new GrantIds<G>('g-', 10, (g) => g.id);
  const a: G = { id: 'g-3' };
  const far: G = { id: 'g-1000000' };
  assert.equal(ids.adopt(a.id, a), true);
  assert.equal(ids.adopt(a.id, a), false);
  const first: G = { id: '' };
  first.id = ids.issue(first);
  assert.equal(first.id, 'g-4');
  assert.equal(ids.adopt(far.id, far), true);
  const next: G = { id: '' };
  next.id = ids.issue(next);
  assert.equal(next.id, 'g-1000001');
  for (const g of [a, far, first, next]) assert.equal(ids.get(g.id), g);
  assert.equal(ids.get('g-1000002'), undefined);
  assert.equal(ids.get('g-03'), undefined);
});

void test('request ids: find and insert agree with a map of the live items, through dead entries, take-overs, growth and rebuilds (random sequences)', () => {
  interface R {
    id: string;
    idHash: number;
    live: boolean;
  }
  fc.assert(
    fc.property(
      // Few distinct ids, so that inserts meet live and dead entries with the same id and probe runs form.
      fc.array(fc.record({ op: fc.integer({ min: 0, max: 4 }), id: fc.oneof(fc.nat(60).map((n) => `t${n}`), fc.string({ maxLength: 3 })), burst: fc.integer({ min: 1, max: 40 }) }), { maxLength: 120 }),
      (ops) => {
        const table = new RequestIds<R>();
        const live = new Map<string, R>();
        let fresh = 0;
        for (const o of ops) {
          if (o.op <= 1) {
            const it: R = { id: o.id, idHash: 0, live: true };
            assert.equal(table.insert(it), !live.has(o.id));
            if (!live.has(o.id)) live.set(o.id, it);
          } else if (o.op === 2) {
            // A burst of new ids (the table grows), most of them done at once.
            for (let k = 0; k < o.burst; k++) {
              const it: R = { id: `burst-${fresh++}`, idHash: 0, live: true };
              assert.equal(table.insert(it), true);
              if (k % 4 === 0) live.set(it.id, it);
              else it.live = false;
            }
          } else if (o.op === 3) {
            const it = live.get(o.id) ?? [...live.values()][o.burst % Math.max(1, live.size)];
            if (it === undefined) continue;
            it.live = false;
            live.delete(it.id);
          } else {
            table.rebuild(table.values());
            assert.equal(table.held, live.size);
          }
          assert.ok(table.held >= live.size);
          for (const [id, it] of live) assert.equal(table.find(id), it);
          assert.equal(table.find(o.id), live.get(o.id));
          assert.equal(table.find('never-added'), undefined);
        }
        assert.deepEqual(new Set(table.values()), new Set(live.values()));
      },
    ),
    { numRuns: 300 },
  );
});

void test('fair order: before() and beatsLeader() are the lexicographic order (group key, id; pool key, id; session key, seq), through slot growth and key updates', () => {
  const key = fc.integer({ min: 0, max: 3 }).map((k) => k / 2);
  fc.assert(
    fc.property(
      fc.array(fc.record({ group: fc.nat(2), groupKey: key, poolKey: key }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.record({ pool: fc.nat(), key, running: fc.boolean() }), { minLength: 2, maxLength: 90 }),
      (pools, sessions) => {
        const order = new FairOrder();
        const groupKeys = [0, 0, 0];
        // Slots far apart make the arrays grow; ids go down where slots go up.
        for (let g = 0; g < 3; g++) order.addGroup(g * 40, 100 - g);
        pools.forEach((p, i) => {
          order.addPool(i * 30, p.group * 40, 50 - i);
          groupKeys[p.group] = p.groupKey;
        });
        pools.forEach((p, i) => order.setPoolKey(i * 30, p.poolKey, p.poolKey > 1));
        for (let g = 0; g < 3; g++) order.setGroupKey(g * 40, groupKeys[g]);
        sessions.forEach((x, i) => {
          order.addSession(i, (x.pool % pools.length) * 30, 1000 - i);
          order.setSessionKey(i, x.key);
          order.setRunning(i, x.running);
        });
        const rank = (i: number): number[] => {
          const pi = sessions[i].pool % pools.length;
          const g = pools[pi].group;
          return [groupKeys[g], 100 - g, pools[pi].poolKey, 50 - pi, sessions[i].key, 1000 - i];
        };
        const less = (a: number[], b: number[]): boolean => {
          for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] < b[k];
          return false;
        };
        for (let a = 0; a < sessions.length; a++) {
          assert.equal(order.isRunning(a), sessions[a].running);
          assert.equal(order.poolIsOverFair(a), pools[sessions[a].pool % pools.length].poolKey > 1);
          for (let b = 0; b < sessions.length; b++) {
            if (a === b) continue;
            assert.equal(order.before(a, b), less(rank(a), rank(b)), `${a} before ${b}`);
            order.setLeader(b);
            assert.equal(order.beatsLeader(a), less(rank(a), rank(b)), `${a} beats leader ${b}`);
          }
        }
      },
    ),
    { numRuns: 200 },
  );
});

void test('grant lists: live items in push order; dead ones are swept so the list stays within twice the live ones plus slack', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat()), { maxLength: 300 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 8 }), (ops, deadMin, slack) => {
      const list = emptyGrantList<{ id: number; live: boolean }>();
      const model: { id: number; live: boolean }[] = [];
      let id = 0;
      for (const o of ops) {
        const alive = model.filter((x) => x.live);
        if (o < 0 || alive.length === 0) {
          const it = { id: id++, live: true };
          pushGrant(list, it);
          model.push(it);
        } else {
          const it = alive[o % alive.length];
          it.live = false;
          noteGrantGone(list, deadMin, slack);
        }
        const live = model.filter((x) => x.live);
        assert.deepEqual(liveGrantsOf(list).map((x) => x.id), live.map((x) => x.id));
        assert.ok(list.grantsN <= Math.max(2 * live.length + 2 * slack + 1, live.length + deadMin), `length ${list.grantsN} for ${live.length} live`);
        for (let i = 1; i < list.grantsN; i++) assert.ok(list.grants[i - 1]!.id < list.grants[i]!.id, 'order kept');
        for (let i = list.grantsN; i < list.grants.length; i++) assert.equal(list.grants[i], undefined, 'swept slots let go');
      }
    }),
    { numRuns: 300 },
  );
});

void test('fit index: anyHolds answers yes or no exactly within its budget, and "not known" past it', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 })), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 200 }), (nodes, m, v, budget) => {
      const f = new FitIndex();
      for (const [mem, vc] of nodes) f.set(f.allocate(), mem, vc, 0);
      const truth = nodes.some(([mem, vc]) => mem >= m && vc >= v);
      const got = f.anyHolds(m, v, 0, budget);
      if (got === -1) assert.ok(budget < 127, 'gives up only when the budget is short of the whole tree (64 leaves)');
      else assert.equal(got === 1, truth);
      assert.equal(f.anyHolds(m, v, 0, 1_000_000) === 1, truth, 'with budget for the whole tree: exact');
    }),
    { numRuns: 300 },
  );
});

void test('fair order: a group is "all pools over fair" exactly when none of its pools (added, not removed) is below its fair share', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat(7), fc.nat(2), fc.boolean()), { maxLength: 120 }), (ops) => {
      const o = new FairOrder();
      const pools = new Map<number, { group: number; over: boolean }>(); // slot → model
      const groupSlots = [0, 1, 2];
      for (const g of groupSlots) o.addGroup(g, g);
      let id = 0;
      for (const [kind, slot, group, over] of ops) {
        const p = pools.get(slot);
        if (kind === 0 && !p) {
          o.addPool(slot, group, id++);
          pools.set(slot, { group, over: false });
        } else if (kind === 1 && p) {
          o.setPoolKey(slot, 0, over);
          p.over = over;
        } else if (kind === 2 && p) {
          o.removePool(slot);
          pools.delete(slot);
        }
        for (const g of groupSlots) {
          const want = [...pools.values()].every((x) => x.group !== g || x.over);
          assert.equal(o.allPoolsOverFair(g), want, `group ${g}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});
