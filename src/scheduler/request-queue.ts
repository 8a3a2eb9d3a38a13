// A session's requests in arrival order (which is also waiting-since order). Finished
// and cancelled requests are dropped lazily from the front; the array is compacted
// when the dead prefix dominates. A per-pass cursor remembers how far a scan got:
// within one pass, free capacity only shrinks and shares only grow, so a request
// that failed to place stays unplaceable until the next pass.
//
// Entries are items[head..end); compaction moves them down in place, so the array
// keeps its capacity (a busy session's queue does not regrow after every compaction).

/** Compact once at least this many dead entries lead the array (and they are the majority). */
const compactDeadMin = 1024;

export class RequestQueue<T extends { live: boolean }> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private end = 0;
  private cursor = 0;
  private cursorEpoch = -1;

  /** Entries held, live or dead. */
  get length(): number {
    return this.end - this.head;
  }

  push(item: T): void {
    if (this.end < this.items.length) this.items[this.end] = item;
    else this.items.push(item);
    this.end++;
  }

  /** Drops every dead entry; a scan in progress restarts from the front. */
  compact(): void {
    const a = this.items;
    let w = 0;
    for (let i = this.head; i < this.end; i++) {
      const it = a[i]!;
      if (it.live) a[w++] = it;
    }
    this.clearFrom(w);
    this.head = 0;
    this.cursor = 0;
    this.cursorEpoch = -1;
  }

  /** Writes the entries held (all live right after `compact`) into `out` from index `at`; returns the index after them. */
  copyTo(out: (T | undefined)[], at: number): number {
    for (let i = this.head; i < this.end; i++) out[at++] = this.items[i];
    return at;
  }

  /** Positions the cursor for `epoch` (restarting at the front on a new epoch) and returns the item there, skipping dead ones. */
  current(epoch: number): T | undefined {
    this.skipDeadHead();
    if (this.head >= compactDeadMin && this.head * 2 > this.end) {
      this.items.copyWithin(0, this.head, this.end);
      this.cursor = Math.max(0, this.cursor - this.head);
      this.clearFrom(this.end - this.head);
      this.head = 0;
    }
    if (epoch !== this.cursorEpoch || this.cursor < this.head) {
      this.cursorEpoch = epoch;
      this.cursor = this.head;
    }
    while (this.cursor < this.end && !this.items[this.cursor]!.live) this.cursor++;
    return this.cursor < this.end ? this.items[this.cursor] : undefined;
  }

  /** No live item left (dead ones are dropped as the front is reached). */
  isEmpty(): boolean {
    this.skipDeadHead();
    return this.head >= this.end;
  }

  /** The current item failed for this pass: move past it. */
  advance(): void {
    this.cursor++;
  }

  private skipDeadHead(): void {
    while (this.head < this.end && !this.items[this.head]!.live) this.head++;
  }

  /** The queue now ends at `end`: later slots let go of their items. */
  private clearFrom(end: number): void {
    this.items.fill(undefined, end, this.end);
    this.end = end;
  }
}
