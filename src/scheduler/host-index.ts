// host → the live requests naming it, for the offers stage: when a node frees capacity,
// the requests naming its host are the node-local candidates. Built for that scan,
// which runs once per freed node and dominates a busy pass:
//
// - Hosts are small integer ids (interned names); a host's entries sit in one flat
//   Int32Array, ENTRY_SIZE numbers each: [request slot, request stamp, owner, tag].
//   Ranking candidates reads only these numbers and the (few, hot) owners and shapes,
//   not the request objects, which are scattered over the heap.
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

const initialEntries = 8;
/** Sweep every list once this many dead entries linger (and they are over a third of all). */
const sweepDeadMin = 65_536;

export class HostIndex<T> {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly refs: number[] = [];
  private readonly freeIds: number[] = [];
  private entryLists: Int32Array[] = [];
  /** Entries used per host, in numbers (a multiple of ENTRY_SIZE). */
  private used: number[] = [];

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
      this.entryLists[id] ??= new Int32Array(ENTRY_SIZE * initialEntries);
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
    this.entryLists[id] = new Int32Array(ENTRY_SIZE * initialEntries);
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
      let list = this.entryLists[h];
      const at = this.used[h];
      if (at + ENTRY_SIZE > list.length) {
        const grown = new Int32Array(list.length * 2);
        grown.set(list);
        this.entryLists[h] = list = grown;
      }
      list[at + ENTRY_SLOT] = slot;
      list[at + ENTRY_STAMP] = stamp;
      list[at + ENTRY_OWNER] = owner;
      list[at + ENTRY_TAG] = tag;
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

  /** A host's entries (the first `entriesUsed(host)` numbers; valid until the next add). */
  entries(host: number): Int32Array {
    return this.entryLists[host];
  }

  /** How much of `entries(host)` is in use, in numbers (a multiple of ENTRY_SIZE). */
  entriesUsed(host: number): number {
    return this.used[host];
  }

  isLive(list: Int32Array, at: number): boolean {
    return this.stamps[list[at + ENTRY_SLOT]] === list[at + ENTRY_STAMP];
  }

  item(slot: number): T {
    return this.items[slot]!;
  }

  /** Drops the dead entry at `at` of `host`'s list: the last entry moves there. */
  dropAt(host: number, at: number): void {
    const list = this.entryLists[host];
    const last = this.used[host] - ENTRY_SIZE;
    if (at !== last) list.copyWithin(at, last, last + ENTRY_SIZE);
    this.used[host] = last;
    this.deadEntries--;
  }

  /** Live entries of `host` (for tests and checks): [item, owner, tag] each. */
  liveEntriesOf(host: string): [T, number, number][] {
    const h = this.idOf(host);
    if (h < 0) return [];
    const out: [T, number, number][] = [];
    const list = this.entryLists[h];
    for (let at = 0; at < this.used[h]; at += ENTRY_SIZE) {
      if (this.isLive(list, at)) out.push([this.items[list[at + ENTRY_SLOT]]!, list[at + ENTRY_OWNER], list[at + ENTRY_TAG]]);
    }
    return out;
  }

  /** Entries held, live and dead (for tests: the lazy removal stays bounded). */
  get entriesHeld(): { live: number; dead: number } {
    return { live: this.liveEntries, dead: this.deadEntries };
  }

  private sweep(): void {
    for (let h = 0; h < this.entryLists.length; h++) {
      const list = this.entryLists[h];
      let w = 0;
      for (let at = 0; at < this.used[h]; at += ENTRY_SIZE) {
        if (!this.isLive(list, at)) continue;
        if (w !== at) list.copyWithin(w, at, at + ENTRY_SIZE);
        w += ENTRY_SIZE;
      }
      this.used[h] = w;
    }
    this.deadEntries = 0;
  }
}
