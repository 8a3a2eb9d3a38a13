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
// - A host id lives while a request or node names it (reference count), so arbitrary
//   host names from clients do not accumulate.

/** Numbers per entry: request slot, its stamp, owner, tag. */
export const ENTRY_SIZE = 4;
/** Offsets within an entry. */
export const ENTRY_SLOT = 0;
export const ENTRY_STAMP = 1;
export const ENTRY_OWNER = 2;
export const ENTRY_TAG = 3;

/** A new host's region, in entries. */
const initialEntries = 8;
/** Sweep every list once this many dead entries linger (and they are over a third of all). */
const sweepDeadMin = 65_536;
/** The pool is compacted when abandoned regions are this many numbers (and half of it). */
const poolGarbageMin = 1 << 16;

export class HostIndex<T> {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly refs: number[] = [];
  private readonly freeIds: number[] = [];
  /** All hosts' entries; host h owns pool[base[h], base[h] + cap[h]) and uses the first used[h] numbers. */
  private pool = new Int32Array(ENTRY_SIZE * 1024);
  /** End of the regions handed out. */
  private top = 0;
  /** Numbers in abandoned regions (below top). */
  private garbage = 0;
  private base = new Int32Array(64);
  private cap = new Int32Array(64);
  private used = new Int32Array(64);

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
      if (id >= this.base.length) this.growHosts(id);
      const n = ENTRY_SIZE * initialEntries;
      this.base[id] = this.claim(n);
      this.cap[id] = n;
      this.used[id] = 0;
    }
    this.refs[id]++;
    return id;
  }

  unref(id: number): void {
    if (--this.refs[id] > 0) return;
    // Nothing live names the host: what its list still holds is dead.
    this.deadEntries -= this.used[id] / ENTRY_SIZE;
    this.used[id] = 0;
    this.garbage += this.cap[id];
    this.cap[id] = 0;
    this.ids.delete(this.names[id]);
    this.freeIds.push(id);
  }

  /** The id of `host` if something names it, else -1 (takes no reference). */
  idOf(host: string): number {
    return this.ids.get(host) ?? -1;
  }

  /** Indexes `item` under each of `hostIds` (distinct, each already referenced); returns its slot. */
  add(item: T, hostIds: readonly number[], owner: number, tag: number): number {
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
    for (let i = 0; i < hostIds.length; i++) {
      const h = hostIds[i];
      const at = this.used[h];
      if (at + ENTRY_SIZE > this.cap[h]) this.growList(h);
      const e = this.base[h] + at;
      const pool = this.pool;
      pool[e + ENTRY_SLOT] = slot;
      pool[e + ENTRY_STAMP] = stamp;
      pool[e + ENTRY_OWNER] = owner;
      pool[e + ENTRY_TAG] = tag;
      this.used[h] = at + ENTRY_SIZE;
    }
    this.liveEntries += hostIds.length;
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
   * The pool holding every host's entries: host h's are entryPool()[entriesStart(h) ..
   * entriesStart(h) + entriesUsed(h)). Valid until the next add (which may move them).
   */
  entryPool(): Int32Array {
    return this.pool;
  }

  entriesStart(host: number): number {
    return this.base[host];
  }

  /** A host's entries as their own array (the first `entriesUsed(host)` numbers; valid until the next add). */
  entries(host: number): Int32Array {
    return this.pool.subarray(this.base[host], this.base[host] + this.cap[host]);
  }

  /** How much of `entries(host)` is in use, in numbers (a multiple of ENTRY_SIZE). */
  entriesUsed(host: number): number {
    return this.used[host];
  }

  /** The entry at `at` of `list` (the pool or one host's entries) is live. */
  isLive(list: Int32Array, at: number): boolean {
    return this.stamps[list[at + ENTRY_SLOT]] === list[at + ENTRY_STAMP];
  }

  item(slot: number): T {
    return this.items[slot]!;
  }

  /** Drops the dead entry at `at` (from the start of `host`'s entries): the last entry moves there. */
  dropAt(host: number, at: number): void {
    const b = this.base[host];
    const last = this.used[host] - ENTRY_SIZE;
    if (at !== last) this.pool.copyWithin(b + at, b + last, b + last + ENTRY_SIZE);
    this.used[host] = last;
    this.deadEntries--;
  }

  /** Live entries of `host` (for tests and checks): [item, owner, tag] each. */
  liveEntriesOf(host: string): [T, number, number][] {
    const h = this.idOf(host);
    if (h < 0) return [];
    const out: [T, number, number][] = [];
    const pool = this.pool;
    for (let at = this.base[h]; at < this.base[h] + this.used[h]; at += ENTRY_SIZE) {
      if (this.isLive(pool, at)) out.push([this.items[pool[at + ENTRY_SLOT]]!, pool[at + ENTRY_OWNER], pool[at + ENTRY_TAG]]);
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
    for (let h = 0; h < this.names.length; h++) used += this.used[h];
    return { top: this.top, garbage: this.garbage, used };
  }

  /** Host `h`'s region is full: it moves to the pool's end at twice the size (or grows there in place). */
  private growList(h: number): void {
    const oldCap = this.cap[h];
    const newCap = Math.max(2 * oldCap, ENTRY_SIZE * initialEntries);
    if (this.base[h] + oldCap === this.top && this.top + (newCap - oldCap) <= this.pool.length) {
      this.top += newCap - oldCap;
      this.cap[h] = newCap;
      return;
    }
    const to = this.claim(newCap); // may compact the pool: read the region's place after
    const from = this.base[h];
    this.pool.copyWithin(to, from, from + this.used[h]);
    this.garbage += this.cap[h];
    this.base[h] = to;
    this.cap[h] = newCap;
  }

  /** A region of `n` numbers at the pool's end (compacting or growing the pool first if needed). */
  private claim(n: number): number {
    if (this.top + n > this.pool.length) {
      if (this.garbage >= poolGarbageMin && 2 * this.garbage > this.top) this.compactPool();
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

  /** Moves every host's region down over the abandoned ones, in place (regions only move toward 0). */
  private compactPool(): void {
    const order: number[] = [];
    for (let h = 0; h < this.names.length; h++) if (this.cap[h] > 0) order.push(h);
    order.sort((a, b) => this.base[a] - this.base[b]);
    let w = 0;
    for (const h of order) {
      const b = this.base[h];
      if (b !== w) this.pool.copyWithin(w, b, b + this.used[h]);
      this.base[h] = w;
      w += this.cap[h];
    }
    this.top = w;
    this.garbage = 0;
  }

  private growHosts(id: number): void {
    let n = this.base.length * 2;
    while (n <= id) n *= 2;
    for (const k of ['base', 'cap', 'used'] as const) {
      const grown = new Int32Array(n);
      grown.set(this[k]);
      this[k] = grown;
    }
  }

  private sweep(): void {
    const pool = this.pool;
    for (let h = 0; h < this.names.length; h++) {
      const b = this.base[h];
      let w = b;
      for (let at = b; at < b + this.used[h]; at += ENTRY_SIZE) {
        if (!this.isLive(pool, at)) continue;
        if (w !== at) pool.copyWithin(w, at, at + ENTRY_SIZE);
        w += ENTRY_SIZE;
      }
      this.used[h] = w - b;
    }
    this.deadEntries = 0;
  }
}
