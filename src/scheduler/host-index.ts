// host → the live requests naming it, for the offers stage: when a node frees capacity,
// the requests naming its host are the node-local candidates. Built for that scan,
// which runs once per freed node and dominates a busy pass:
//
// - Hosts are small integer ids (interned names); a host's entries sit in one region
//   of a shared Int32Array pool, ENTRY_SIZE numbers each: [request slot, request stamp,
//   owner, tag]. Ranking candidates reads only these numbers and the (few, hot) owners
//   and shapes, not the request objects, which are scattered over the heap. Where a
//   host's region starts and how much of it is used are two more small typed arrays,
//   so an append touches one cold cache line (the region's end), not a typed-array
//   object per host. A region that fills moves to the pool's end at twice the size;
//   abandoned regions are reclaimed by compacting the pool (with the sweeps).
// - Removal is lazy: retiring a request clears its slot's stamp; its entries are
//   dropped when a scan finds one (`isLive` false → `dropAt`), or by a sweep of all
//   lists once dead entries are a third of them. So adding is an append and removing
//   is O(1), with no back-references to keep. Stamps grow with every add (arrival
//   order; int32, wrapping after 2^32 adds), so a stale entry does not match a newer
//   request that reuses its slot.
// - A host's entries are split into buckets (the scheduler's: one per pool group), each
//   its own region, so a scan can take the buckets in order and stop at the first that
//   yields a candidate: when the first key of the order is the bucket's, later buckets
//   cannot hold a better one. Regions are made on a bucket's first entry.
// - A host id lives while a request or node names it (reference count), so arbitrary
//   host names from clients do not accumulate.

/** Numbers per entry: request slot, its stamp, owner, tag. */
export const ENTRY_SIZE = 4;
/** Offsets within an entry. */
export const ENTRY_SLOT = 0;
export const ENTRY_STAMP = 1;
export const ENTRY_OWNER = 2;
export const ENTRY_TAG = 3;

/** A new region, in entries. */
const initialEntries = 8;
/** Sweep every list once this many dead entries linger (and they are over a third of all). */
const sweepDeadMin = 65_536;
/** A full pool is compacted rather than grown when abandoned regions are this many numbers (and a quarter of it). */
const poolGarbageMin = 1 << 16;

function grownCopy(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

export class HostIndex<T> {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly refs: number[] = [];
  private readonly freeIds: number[] = [];
  /** All entries; region r (host h, bucket b: r = h × buckets + b) owns pool[base[r], base[r] + cap[r]) and uses the first used[r] numbers. */
  private pool = new Int32Array(ENTRY_SIZE * 1024);
  /** End of the regions handed out. */
  private top = 0;
  /** Numbers in abandoned regions (below top). */
  private garbage = 0;
  /** Buckets per host (grows as higher buckets are used). */
  private buckets = 1;
  /** Hosts the region arrays have room for. */
  private hostsCap = 64;
  private base = new Int32Array(64);
  private cap = new Int32Array(64);
  private used = new Int32Array(64);
  /** Regions in pool order as claimed (with where): placedRegion[i] sat at placedBase[i]. */
  private placedRegion = new Int32Array(64);
  private placedBase = new Int32Array(64);
  private placedN = 0;

  /** Per request slot: the stamp of the live request holding it, 0 = free. */
  private stamps = new Int32Array(1024);
  private readonly items: (T | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  /** Last stamp given (int32, wrapping; 0 is never given). */
  private stampSeq = 0;
  private liveEntries = 0;
  private deadEntries = 0;

  /** The id of `host`, interned; each call takes a reference, given back by `unref`. */
  ref(host: string): number {
    let id = this.ids.get(host);
    if (id === undefined) {
      id = this.freeIds.pop() ?? this.names.length;
      this.ids.set(host, id);
      this.names[id] = host;
      this.refs[id] = 0;
      if (id >= this.hostsCap) this.resize(Math.max(2 * this.hostsCap, id + 1), this.buckets);
    }
    this.refs[id]++;
    return id;
  }

  unref(id: number): void {
    if (--this.refs[id] > 0) return;
    // Nothing live names the host: what its regions still hold is dead, and they go.
    for (let r = id * this.buckets; r < (id + 1) * this.buckets; r++) {
      this.deadEntries -= this.used[r] / ENTRY_SIZE;
      this.used[r] = 0;
      this.garbage += this.cap[r];
      this.cap[r] = 0;
    }
    this.ids.delete(this.names[id]);
    this.freeIds.push(id);
  }

  /** The id of `host` if something names it, else -1 (takes no reference). */
  idOf(host: string): number {
    return this.ids.get(host) ?? -1;
  }

  /** Indexes `item` under each of the first `count` `hostIds` (distinct, each already referenced), in `bucket` (0..); returns its slot. */
  add(item: T, hostIds: readonly number[], owner: number, tag: number, bucket = 0, count = hostIds.length): number {
    if (bucket >= this.buckets) this.resize(this.hostsCap, Math.max(2 * this.buckets, bucket + 1));
    const slot = this.freeSlots.pop() ?? this.items.length;
    if (slot >= this.stamps.length) {
      const grown = new Int32Array(this.stamps.length * 2);
      grown.set(this.stamps);
      this.stamps = grown;
    }
    this.stampSeq = (this.stampSeq + 1) | 0 || 1;
    const stamp = this.stampSeq;
    this.stamps[slot] = stamp;
    this.items[slot] = item;
    for (let i = 0; i < count; i++) {
      const r = hostIds[i] * this.buckets + bucket;
      const at = this.used[r];
      if (at + ENTRY_SIZE > this.cap[r]) this.growRegion(r);
      const e = this.base[r] + at;
      const pool = this.pool;
      pool[e + ENTRY_SLOT] = slot;
      pool[e + ENTRY_STAMP] = stamp;
      pool[e + ENTRY_OWNER] = owner;
      pool[e + ENTRY_TAG] = tag;
      this.used[r] = at + ENTRY_SIZE;
    }
    this.liveEntries += count;
    return slot;
  }

  /** The item in `slot` is gone from all `hostsCount` of its hosts (their entries die lazily). */
  remove(slot: number, hostsCount: number): void {
    this.stamps[slot] = 0;
    this.items[slot] = undefined;
    this.freeSlots.push(slot);
    this.liveEntries -= hostsCount;
    this.deadEntries += hostsCount;
    if (this.deadEntries >= sweepDeadMin && 2 * this.deadEntries > this.liveEntries) this.sweep();
  }

  /**
   * The pool holding every entry: those of host h in bucket b are entryPool()[entriesStart(h, b) ..
   * entriesStart(h, b) + entriesUsed(h, b)). Valid until the next add (which may move them).
   */
  entryPool(): Int32Array {
    return this.pool;
  }

  entriesStart(host: number, bucket = 0): number {
    return bucket < this.buckets ? this.base[host * this.buckets + bucket] : 0;
  }

  /** A host's entries in a bucket as their own array (the first `entriesUsed(host, bucket)` numbers; valid until the next add). */
  entries(host: number, bucket = 0): Int32Array {
    const r = host * this.buckets + bucket;
    return bucket < this.buckets ? this.pool.subarray(this.base[r], this.base[r] + this.cap[r]) : new Int32Array(0);
  }

  /** How much of `entries(host, bucket)` is in use, in numbers (a multiple of ENTRY_SIZE). */
  entriesUsed(host: number, bucket = 0): number {
    return bucket < this.buckets ? this.used[host * this.buckets + bucket] : 0;
  }

  /** The entry at `at` of `list` (the pool or one region's entries) is live. */
  isLive(list: Int32Array, at: number): boolean {
    return this.stamps[list[at + ENTRY_SLOT]] === list[at + ENTRY_STAMP];
  }

  item(slot: number): T {
    return this.items[slot]!;
  }

  /** Drops the dead entry at `at` (from the start of `host`'s entries in `bucket`): the last entry moves there. */
  dropAt(host: number, at: number, bucket = 0): void {
    const r = host * this.buckets + bucket;
    const b = this.base[r];
    const last = this.used[r] - ENTRY_SIZE;
    if (at !== last) this.pool.copyWithin(b + at, b + last, b + last + ENTRY_SIZE);
    this.used[r] = last;
    this.deadEntries--;
  }

  /** Live entries of `host`, every bucket (for tests and checks): [item, owner, tag] each. */
  liveEntriesOf(host: string): [T, number, number][] {
    const h = this.idOf(host);
    if (h < 0) return [];
    const out: [T, number, number][] = [];
    const pool = this.pool;
    for (let r = h * this.buckets; r < (h + 1) * this.buckets; r++) {
      for (let at = this.base[r]; at < this.base[r] + this.used[r]; at += ENTRY_SIZE) {
        if (this.isLive(pool, at)) out.push([this.items[pool[at + ENTRY_SLOT]]!, pool[at + ENTRY_OWNER], pool[at + ENTRY_TAG]]);
      }
    }
    return out;
  }

  /** Entries held, live and dead (for tests: the lazy removal stays bounded). */
  get entriesHeld(): { live: number; dead: number } {
    return { live: this.liveEntries, dead: this.deadEntries };
  }

  /** Numbers the pool holds in regions (for tests: abandoned ones are reclaimed). */
  get poolHeld(): { top: number; garbage: number; used: number } {
    let used = 0;
    for (let r = 0; r < this.hostsCap * this.buckets; r++) used += this.used[r];
    return { top: this.top, garbage: this.garbage, used };
  }

  /** Region `r` is full (or not made yet): it moves to the pool's end at twice the size (or grows there in place). */
  private growRegion(r: number): void {
    const oldCap = this.cap[r];
    const newCap = Math.max(2 * oldCap, ENTRY_SIZE * initialEntries);
    if (oldCap > 0 && this.base[r] + oldCap === this.top && this.top + (newCap - oldCap) <= this.pool.length) {
      this.top += newCap - oldCap;
      this.cap[r] = newCap;
      return;
    }
    const to = this.claim(newCap); // may compact the pool: read the region's place after
    const from = this.base[r];
    this.pool.copyWithin(to, from, from + this.used[r]);
    this.garbage += this.cap[r];
    this.base[r] = to;
    this.cap[r] = newCap;
    if (this.placedN === this.placedRegion.length) {
      this.placedRegion = grownCopy(this.placedRegion);
      this.placedBase = grownCopy(this.placedBase);
    }
    this.placedRegion[this.placedN] = r;
    this.placedBase[this.placedN++] = to;
  }

  /** A region of `n` numbers at the pool's end (compacting or growing the pool first if needed). */
  private claim(n: number): number {
    if (this.top + n > this.pool.length) {
      if (this.garbage >= poolGarbageMin && 4 * this.garbage > this.top) this.compactPool();
      if (this.top + n > this.pool.length) {
        let size = this.pool.length * 2;
        while (this.top + n > size) size *= 2;
        const grown = new Int32Array(size);
        grown.set(this.pool.subarray(0, this.top));
        this.pool = grown;
      }
    }
    const at = this.top;
    this.top += n;
    return at;
  }

  /**
   * Moves the regions down over the abandoned ones, in place: `placed` lists regions in
   * the order they were claimed, which is their order in the pool (an entry whose region
   * has since moved or gone is skipped), so no sort is needed.
   */
  private compactPool(): void {
    let w = 0;
    let k = 0;
    for (let i = 0; i < this.placedN; i++) {
      const r = this.placedRegion[i];
      const b = this.placedBase[i];
      if (this.cap[r] === 0 || this.base[r] !== b) continue;
      if (b !== w) this.pool.copyWithin(w, b, b + this.used[r]);
      this.base[r] = w;
      this.placedRegion[k] = r;
      this.placedBase[k++] = w;
      w += this.cap[r];
    }
    this.placedN = k;
    this.top = w;
    this.garbage = 0;
  }

  /** Region arrays for `hostsCap` hosts of `buckets` buckets each (regions keep their place in the pool). */
  private resize(hostsCap: number, buckets: number): void {
    const n = hostsCap * buckets;
    const base = new Int32Array(n);
    const cap = new Int32Array(n);
    const used = new Int32Array(n);
    for (let h = 0; h < this.hostsCap; h++) {
      for (let b = 0; b < this.buckets; b++) {
        const from = h * this.buckets + b;
        const to = h * buckets + b;
        base[to] = this.base[from];
        cap[to] = this.cap[from];
        used[to] = this.used[from];
      }
    }
    for (let i = 0; i < this.placedN; i++) {
      const r = this.placedRegion[i];
      this.placedRegion[i] = Math.floor(r / this.buckets) * buckets + (r % this.buckets);
    }
    this.base = base;
    this.cap = cap;
    this.used = used;
    this.hostsCap = hostsCap;
    this.buckets = buckets;
  }

  private sweep(): void {
    const pool = this.pool;
    for (let r = 0; r < this.hostsCap * this.buckets; r++) {
      const b = this.base[r];
      let w = b;
      for (let at = b; at < b + this.used[r]; at += ENTRY_SIZE) {
        if (!this.isLive(pool, at)) continue;
        if (w !== at) pool.copyWithin(w, at, at + ENTRY_SIZE);
        w += ENTRY_SIZE;
      }
      this.used[r] = w - b;
    }
    this.deadEntries = 0;
  }
}
