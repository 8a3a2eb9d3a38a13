// A session's requests in arrival order (which is also waiting-since order). Finished
// and cancelled requests are dropped lazily from the front; the array is compacted
// when the dead prefix dominates. A per-pass cursor remembers how far a scan got:
// within one pass, free capacity only shrinks and shares only grow, so a request
// that failed to place stays unplaceable until the next pass.

/** Compact once at least this many dead entries lead the array (and they are the majority). */
const compactDeadMin = 1024;

export class RequestQueue<T extends { live: boolean }> {
  private items: T[] = [];
  private head = 0;
  private cursor = 0;
  private cursorEpoch = -1;

  /** Entries held, live or dead. */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Drops every dead entry; a scan in progress restarts from the front. */
  compact(): void {
    this.items = this.items.filter((x) => x.live);
    this.head = 0;
    this.cursor = 0;
    this.cursorEpoch = -1;
  }

  /** Appends the entries held (all live right after `compact`) to `out`. */
  appendTo(out: T[]): void {
    for (let i = this.head; i < this.items.length; i++) out.push(this.items[i]);
  }

  /** Positions the cursor for `epoch` (restarting at the front on a new epoch) and returns the item there, skipping dead ones. */
  current(epoch: number): T | undefined {
    while (this.head < this.items.length && !this.items[this.head].live) this.head++;
    if (this.head >= compactDeadMin && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.cursor = Math.max(0, this.cursor - this.head);
      this.head = 0;
    }
    if (epoch !== this.cursorEpoch || this.cursor < this.head) {
      this.cursorEpoch = epoch;
      this.cursor = this.head;
    }
    while (this.cursor < this.items.length && !this.items[this.cursor].live) this.cursor++;
    return this.items[this.cursor];
  }

  /** No live item left (dead ones are dropped as the front is reached). */
  isEmpty(): boolean {
    while (this.head < this.items.length && !this.items[this.head].live) this.head++;
    return this.head >= this.items.length;
  }

  /** The current item failed for this pass: move past it. */
  advance(): void {
    this.cursor++;
  }
}
