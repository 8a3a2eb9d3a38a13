// An indexed binary min-heap: items remember their slot, so a changed item is
// re-positioned in O(log n) and any item is removed in O(log n). Each item lives in at
// most one heap at a time (the slot field is the item's own). The array keeps its
// capacity when the heap shrinks or is cleared (heaps are rebuilt every pass).

export interface HeapItem {
  /** The item's slot in the heap holding it, or -1. Owned by the heap. */
  heapSlot: number;
}

export class IndexedHeap<T extends HeapItem> {
  private readonly items: (T | undefined)[] = [];
  private n = 0;

  /** `less(a, b)`: a should come out before b. */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.n;
  }

  peek(): T | undefined {
    return this.n > 0 ? this.items[0] : undefined;
  }

  has(item: T): boolean {
    return item.heapSlot >= 0 && item.heapSlot < this.n && this.items[item.heapSlot] === item;
  }

  push(item: T): void {
    this.append(item);
    this.up(item.heapSlot);
  }

  /**
   * Adds `item` without ordering it: for rebuilding a heap in O(n), append every item,
   * then call `heapify` before any other use.
   */
  append(item: T): void {
    if (this.has(item)) throw new Error('heap: item pushed twice');
    item.heapSlot = this.n;
    this.items[this.n++] = item;
  }

  /** Orders the heap after `append`s (bottom-up, O(n)). */
  heapify(): void {
    for (let i = (this.n >> 1) - 1; i >= 0; i--) this.down(i);
  }

  /** The item's order key changed: restore the heap order. */
  update(item: T): void {
    if (!this.has(item)) throw new Error('heap: update of an item not in the heap');
    this.down(this.up(item.heapSlot));
  }

  remove(item: T): void {
    if (!this.has(item)) throw new Error('heap: removal of an item not in the heap');
    const i = item.heapSlot;
    const last = this.items[--this.n]!;
    this.items[this.n] = undefined;
    item.heapSlot = -1;
    if (last !== item) {
      this.items[i] = last;
      last.heapSlot = i;
      this.down(this.up(i));
    }
  }

  clear(): void {
    for (let i = 0; i < this.n; i++) {
      this.items[i]!.heapSlot = -1;
      this.items[i] = undefined;
    }
    this.n = 0;
  }

  private up(i: number): number {
    const a = this.items;
    const x = a[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ap = a[p]!;
      if (!this.less(x, ap)) break;
      a[i] = ap;
      ap.heapSlot = i;
      i = p;
    }
    a[i] = x;
    x.heapSlot = i;
    return i;
  }

  private down(i: number): void {
    const a = this.items;
    const n = this.n;
    const x = a[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(a[r]!, a[l]!) ? r : l;
      const ac = a[c]!;
      if (!this.less(ac, x)) break;
      a[i] = ac;
      ac.heapSlot = i;
      i = c;
    }
    a[i] = x;
    x.heapSlot = i;
  }
}
