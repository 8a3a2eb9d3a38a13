// A session's requests by id: an open-addressing hash table (linear probing) over a
// typed array of hashes and an array of items.
//
// Built for the churn of a busy session, where every request is added once and done
// (granted or cancelled) soon after. Done requests are not taken out one by one: that
// would be a dependent chain of cache misses per request (table, its arrays, the id
// string) on the hot path. They stay in the table, dead, until the owner rebuilds it
// from the live ones (when it compacts its queues anyway, reading those records then);
// an insert of a dead request's id takes its entry over. Lookups ignore dead entries.

/** Slots of the smallest table (a power of two). */
const minCapacity = 16;

export interface HasRequestId {
  readonly id: string;
  /** Set by the table on insert. */
  idHash: number;
  /** False once done: the entry is dead. */
  readonly live: boolean;
}

/** 32-bit FNV-1a over the UTF-16 code units, then a finalizer so that similar ids spread over the table. */
export function requestIdHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

export class RequestIds<T extends HasRequestId> {
  private hashes = new Int32Array(minCapacity);
  private items: (T | undefined)[] = emptySlots(minCapacity);
  private mask = minCapacity - 1;
  /** Entries held, live and dead. */
  private count = 0;

  /** Entries held, live and dead. */
  get held(): number {
    return this.count;
  }

  /** The live item with this id. */
  find(id: string): T | undefined {
    if (typeof id !== 'string') return undefined; // callers' ids are not trusted to be strings
    const h = requestIdHash(id);
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const it = this.items[i];
      if (it === undefined) return undefined;
      if (this.hashes[i] === h && it.id === id) return it.live ? it : undefined;
    }
  }

  /** Adds live `item`; false (and nothing changes) if a live item has its id. */
  insert(item: T): boolean {
    const h = requestIdHash(item.id);
    item.idHash = h;
    let i = h & this.mask;
    for (let it = this.items[i]; it !== undefined; it = this.items[i]) {
      if (this.hashes[i] === h && it.id === item.id) {
        if (it.live) return false;
        this.items[i] = item; // at most one entry per id: a dead one is taken over
        return true;
      }
      i = (i + 1) & this.mask;
    }
    this.hashes[i] = h;
    this.items[i] = item;
    if (++this.count * 2 > this.items.length) this.grow();
    return true;
  }

  /** The live items, in no particular order. */
  values(): T[] {
    const out: T[] = [];
    for (const it of this.items) if (it !== undefined && it.live) out.push(it);
    return out;
  }

  /** Holds exactly the first `n` of `live` (items that are live, with distinct ids, inserted before): dead entries go. */
  rebuild(live: readonly (T | undefined)[], n = live.length): void {
    let capacity = minCapacity;
    while (capacity < 2 * n) capacity *= 2;
    // Keep the arrays unless they are far too big (the table then shrinks).
    this.place(live, n, capacity <= this.items.length && this.items.length <= 8 * capacity ? this.items.length : capacity);
  }

  /** Twice the slots; entries move by their kept hashes (items are not read). */
  private grow(): void {
    const oldItems = this.items;
    const oldHashes = this.hashes;
    const capacity = 2 * oldItems.length;
    this.items = emptySlots(capacity);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let k = 0; k < oldItems.length; k++) {
      const it = oldItems[k];
      if (it === undefined) continue;
      let i = oldHashes[k] & this.mask;
      while (this.items[i] !== undefined) i = (i + 1) & this.mask;
      this.items[i] = it;
      this.hashes[i] = oldHashes[k];
    }
  }

  /** Fills the table (of `capacity` slots) with the first `n` of `items`, whose hashes are known. */
  private place(items: readonly (T | undefined)[], n: number, capacity: number): void {
    if (capacity === this.items.length) {
      this.items.fill(undefined);
      this.hashes.fill(0);
    } else {
      this.items = emptySlots(capacity);
      this.hashes = new Int32Array(capacity);
      this.mask = capacity - 1;
    }
    for (let k = 0; k < n; k++) {
      const it = items[k]!;
      let i = it.idHash & this.mask;
      while (this.items[i] !== undefined) i = (i + 1) & this.mask;
      this.items[i] = it;
      this.hashes[i] = it.idHash;
    }
    this.count = n;
  }
}

function emptySlots<T>(n: number): (T | undefined)[] {
  return new Array<T | undefined>(n).fill(undefined);
}
