// An indexed binary min-heap: items remember their slot, so a changed item is
// re-positioned in O(log n) and any item is removed in O(log n). Each item lives in at
// most one heap at a time (the slot field is the item's own).

export interface HeapItem {
  /** The item's slot in the heap holding it, or -1. Owned by the heap. */
  heapSlot: number;
}

export class IndexedHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  /** `less(a, b)`: a should come out before b. */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  has(item: T): boolean {
    return item.heapSlot >= 0 && this.items[item.heapSlot] === item;
  }

  push(item: T): void {
    if (this.has(item)) throw new Error('heap: item pushed twice');
    item.heapSlot = this.items.length;
    this.items.push(item);
    this.up(item.heapSlot);
  }

  /** The item's order key changed: restore the heap order. */
  update(item: T): void {
    if (!this.has(item)) throw new Error('heap: update of an item not in the heap');
    this.down(this.up(item.heapSlot));
  }

  remove(item: T): void {
    if (!this.has(item)) throw new Error('heap: removal of an item not in the heap');
    const i = item.heapSlot;
    const last = this.items.pop()!;
    item.heapSlot = -1;
    if (last !== item) {
      this.items[i] = last;
      last.heapSlot = i;
      this.down(this.up(i));
    }
  }

  clear(): void {
    for (const it of this.items) it.heapSlot = -1;
    this.items.length = 0;
  }

  private up(i: number): number {
    const a = this.items;
    const x = a[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(x, a[p])) break;
      a[i] = a[p];
      a[i].heapSlot = i;
      i = p;
    }
    a[i] = x;
    x.heapSlot = i;
    return i;
  }

  private down(i: number): void {
    const a = this.items;
    const n = a.length;
    const x = a[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(a[r], a[l]) ? r : l;
      if (!this.less(a[c], x)) break;
      a[i] = a[c];
      a[i].heapSlot = i;
      i = c;
    }
    a[i] = x;
    x.heapSlot = i;
  }
}
