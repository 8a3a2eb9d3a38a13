// A list whose items die in place: a dead item is left where it is and the list is
// swept (in order, in place) once dead ones are the majority. For the grants of a
// session, a node and a pool: taking a released grant out at once would cost a chain
// of cache misses on every release, and readers of these lists are rare (preemption,
// removal of a node or session). Items are at(0..length); the array keeps its
// capacity across sweeps, so a busy list does not regrow after each one.

export class LazyList<T extends { readonly live: boolean }> {
  private items: (T | undefined)[] = [];
  private n = 0;
  private dead = 0;

  /**
   * Sweeps once dead items are at least `deadMin` and more than half of the list plus
   * `slack` (more than half: sweeps cost O(length), so they come every O(length) deaths).
   */
  constructor(
    private readonly deadMin: number,
    private readonly slack: number,
  ) {}

  /** Items held, live and dead. */
  get length(): number {
    return this.n;
  }

  /** The item at `i` (0 <= i < length), live or dead. */
  at(i: number): T {
    return this.items[i]!;
  }

  push(item: T): void {
    if (this.n < this.items.length) this.items[this.n] = item;
    else this.items.push(item);
    this.n++;
  }

  /** One of the items died; may sweep (indices change then). */
  noteDead(): void {
    if (++this.dead < this.deadMin || this.dead <= (this.n >> 1) + this.slack) return;
    const a = this.items;
    let w = 0;
    for (let i = 0; i < this.n; i++) {
      const it = a[i]!;
      if (it.live) a[w++] = it;
    }
    a.fill(undefined, w, this.n);
    this.n = w;
    this.dead = 0;
  }

  /** The live items, in list order. */
  live(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.n; i++) {
      const it = this.items[i]!;
      if (it.live) out.push(it);
    }
    return out;
  }
}
