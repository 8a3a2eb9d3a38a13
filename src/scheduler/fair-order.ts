// The hierarchical fair order (group → pool → session) in flat typed arrays, for the
// offers scan. That scan ranks the owners of every index entry of a freed node's host
// (tens per scan, hundreds of thousands of scans in a busy minute); reading a few small
// arrays that stay in cache is much cheaper than chasing session, pool and group
// records spread over the heap. The scheduler writes each key here when it changes.
//
// Order: group key, then group id; pool key, then pool id; session key, then session
// seq (smaller first at every level), the order of the scheduler's heaps.

const initialSlots = 64;

/** Small integer slots with reuse (for pools and groups; sessions have their own). */
export class Slots {
  private nextSlot = 0;
  private readonly free: number[] = [];

  take(): number {
    return this.free.pop() ?? this.nextSlot++;
  }

  give(slot: number): void {
    this.free.push(slot);
  }
}

type Column = Int32Array | Float64Array | Uint8Array;

/** Writes `row` at `slot` of `cols` (parallel arrays by slot), growing them all as needed. */
function put<C extends Record<string, Column>>(cols: C, slot: number, row: Record<keyof C, number>): void {
  for (const k of Object.keys(cols) as (keyof C)[]) {
    let a = cols[k];
    if (slot >= a.length) {
      let n = a.length * 2;
      while (n <= slot) n *= 2;
      const b = new (a.constructor as new (length: number) => C[keyof C])(n);
      b.set(a);
      cols[k] = a = b;
    }
    a[slot] = row[k];
  }
}

export class FairOrder {
  private readonly sessions = { pool: new Int32Array(initialSlots), key: new Float64Array(initialSlots), seq: new Float64Array(initialSlots), running: new Uint8Array(initialSlots) };
  private readonly pools = { group: new Int32Array(initialSlots), key: new Float64Array(initialSlots), id: new Float64Array(initialSlots), overFair: new Uint8Array(initialSlots) };
  /** Per group also how many of its pools are below their fair share (see allPoolsOverFair). */
  private readonly groups = { key: new Float64Array(initialSlots), id: new Float64Array(initialSlots), underFair: new Int32Array(initialSlots) };

  /** A session takes `slot` (not running yet). */
  addSession(slot: number, poolSlot: number, seq: number): void {
    put(this.sessions, slot, { pool: poolSlot, key: 0, seq, running: 0 });
  }

  /** Running sessions are ranked; others (and freed slots) never win. */
  setRunning(slot: number, running: boolean): void {
    this.sessions.running[slot] = running ? 1 : 0;
  }

  setSessionKey(slot: number, key: number): void {
    this.sessions.key[slot] = key;
  }

  /** A pool takes `slot` in group `groupSlot` (below its fair share until told otherwise). */
  addPool(slot: number, groupSlot: number, id: number): void {
    put(this.pools, slot, { group: groupSlot, key: 0, id, overFair: 0 });
    this.groups.underFair[groupSlot]++;
  }

  /** The pool in `slot` is gone (before its slot or its group's is taken again). */
  removePool(slot: number): void {
    if (this.pools.overFair[slot] === 0) this.groups.underFair[this.pools.group[slot]]--;
    this.pools.overFair[slot] = 1;
  }

  setPoolKey(slot: number, key: number, overFair: boolean): void {
    this.pools.key[slot] = key;
    const was = this.pools.overFair[slot];
    const now = overFair ? 1 : 0;
    if (was !== now) {
      this.pools.overFair[slot] = now;
      this.groups.underFair[this.pools.group[slot]] += was - now;
    }
  }

  addGroup(slot: number, id: number): void {
    put(this.groups, slot, { key: 0, id, underFair: 0 });
  }

  /** Every pool of the group holds at least its fair share. */
  allPoolsOverFair(group: number): boolean {
    return this.groups.underFair[group] === 0;
  }

  setGroupKey(slot: number, key: number): void {
    this.groups.key[slot] = key;
  }

  isRunning(session: number): boolean {
    return this.sessions.running[session] === 1;
  }

  /** The session's pool holds at least its fair share. */
  poolIsOverFair(session: number): boolean {
    return this.pools.overFair[this.sessions.pool[session]] === 1;
  }

  // A leader for scans that look for the first of many sessions: its place in the order
  // is held in fields, so each candidate costs a few reads (see beatsLeader).
  private leaderPool = -1;
  private leaderGroup = -1;
  private leaderKeys = new Float64Array(6);

  /** `session` is the first in order among those scanned so far (its slot's keys are copied). */
  setLeader(session: number): void {
    const s = this.sessions;
    const p = this.pools;
    const pool = s.pool[session];
    const group = p.group[pool];
    this.leaderPool = pool;
    this.leaderGroup = group;
    const k = this.leaderKeys;
    k[0] = s.key[session];
    k[1] = s.seq[session];
    k[2] = p.key[pool];
    k[3] = p.id[pool];
    k[4] = this.groups.key[group];
    k[5] = this.groups.id[group];
  }

  /** Session `a` comes before the leader (a slot other than the leader's): before(a, leader) with the leader's keys at hand. */
  beatsLeader(a: number): boolean {
    const k = this.leaderKeys;
    const pa = this.sessions.pool[a];
    if (pa === this.leaderPool) return lessThan(this.sessions.key[a], this.sessions.seq[a], k[0], k[1]);
    const ga = this.pools.group[pa];
    if (ga === this.leaderGroup) return lessThan(this.pools.key[pa], this.pools.id[pa], k[2], k[3]);
    return lessThan(this.groups.key[ga], this.groups.id[ga], k[4], k[5]);
  }

  /** Session `a` comes before session `b` (distinct slots). */
  before(a: number, b: number): boolean {
    const s = this.sessions;
    const pa = s.pool[a];
    const pb = s.pool[b];
    if (pa === pb) return lessByKeyThenId(s.key, s.seq, a, b);
    const p = this.pools;
    const ga = p.group[pa];
    const gb = p.group[pb];
    if (ga === gb) return lessByKeyThenId(p.key, p.id, pa, pb);
    return lessByKeyThenId(this.groups.key, this.groups.id, ga, gb);
  }
}

function lessByKeyThenId(key: Float64Array, id: Float64Array, a: number, b: number): boolean {
  return lessThan(key[a], id[a], key[b], id[b]);
}

/** (keyA, idA) < (keyB, idB), lexicographically. */
function lessThan(keyA: number, idA: number, keyB: number, idB: number): boolean {
  return keyA < keyB || (keyA === keyB && idA < idB);
}
