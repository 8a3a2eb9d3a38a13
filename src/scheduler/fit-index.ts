// "Any node that fits": a segment tree over node slots keeping, for every subtree, the
// largest free memory, vcores and gpus of any one node in it. A search descends only
// into subtrees whose maxima could hold the request and returns the first slot that
// the caller accepts (exact fit incl. custom resources, exclusions), so a search is
// O(log n) when the first candidate fits and never scans full parts of the cluster.

const initialSlots = 64;
/** Free value of a slot that must never be chosen (empty or not schedulable). */
const unavailable = -1;
/**
 * Numbers per tree node: free memory, vcores, gpus, then one unused (32 bytes: a node's
 * three values share a cache line, so a fit test or one step of an update up the tree
 * is one memory access, not three in separate arrays).
 */
const stride = 4;
const MEM = 0;
const VC = 1;
const GPU = 2;

export class FitIndex {
  private size = initialSlots;
  /** Tree node i (1 = root; leaves from `size`) at [i × stride, i × stride + 3). */
  private free = new Float64Array(2 * initialSlots * stride).fill(unavailable);
  private used = 0;
  private readonly freeSlots: number[] = [];
  /** Tree nodes anyHolds may still look at. */
  private budget = 0;

  /** Takes a slot for a new node; it starts unavailable until `set`. */
  allocate(): number {
    const slot = this.freeSlots.pop() ?? this.used++;
    if (slot >= this.size) this.grow();
    return slot;
  }

  release(slot: number): void {
    this.set(slot, unavailable, unavailable, unavailable);
    this.freeSlots.push(slot);
  }

  markUnavailable(slot: number): void {
    this.set(slot, unavailable, unavailable, unavailable);
  }

  set(slot: number, memoryMb: number, vcores: number, gpus: number): void {
    const f = this.free;
    let i = this.size + slot;
    let at = i * stride;
    f[at + MEM] = memoryMb;
    f[at + VC] = vcores;
    f[at + GPU] = gpus;
    for (i >>= 1; i >= 1; i >>= 1) {
      at = i * stride;
      const l = 2 * at;
      const r = l + stride;
      const m = Math.max(f[l + MEM], f[r + MEM]);
      const v = Math.max(f[l + VC], f[r + VC]);
      const g = Math.max(f[l + GPU], f[r + GPU]);
      if (f[at + MEM] === m && f[at + VC] === v && f[at + GPU] === g) break;
      f[at + MEM] = m;
      f[at + VC] = v;
      f[at + GPU] = g;
    }
  }

  /** The slot's node can hold memory/vcores/gpus now (an unavailable slot holds nothing). Reads one compact array only. */
  holds(slot: number, memoryMb: number, vcores: number, gpus: number): boolean {
    const f = this.free;
    const at = (this.size + slot) * stride;
    return f[at + MEM] >= memoryMb && f[at + VC] >= vcores && f[at + GPU] >= gpus && f[at + MEM] !== unavailable;
  }

  /** Some node may hold memory/vcores/gpus now; false: none can (the root's per-kind maxima are below it). */
  mayHold(memoryMb: number, vcores: number, gpus: number): boolean {
    const f = this.free;
    return f[stride + MEM] >= memoryMb && f[stride + VC] >= vcores && f[stride + GPU] >= gpus && f[stride + MEM] !== unavailable;
  }

  /** The slot's free memory, vcores and gpus as last set (-1: unavailable). */
  memoryAt(slot: number): number {
    return this.free[(this.size + slot) * stride + MEM];
  }

  vcoresAt(slot: number): number {
    return this.free[(this.size + slot) * stride + VC];
  }

  gpusAt(slot: number): number {
    return this.free[(this.size + slot) * stride + GPU];
  }

  /**
   * Whether some node can hold memory/vcores/gpus now: 1 yes, 0 no, -1 not known after
   * looking at `budget` tree nodes (the per-kind maxima of a subtree can each come from
   * a different node, so a search may have to look into many subtrees).
   */
  anyHolds(memoryMb: number, vcores: number, gpus: number, budget: number): number {
    this.budget = budget;
    const found = this.searchBudgeted(1, memoryMb, vcores, gpus);
    return found ? 1 : this.budget < 0 ? -1 : 0;
  }

  private searchBudgeted(i: number, m: number, v: number, g: number): boolean {
    if (--this.budget < 0) return false;
    const f = this.free;
    const at = i * stride;
    if (f[at + MEM] < m || f[at + VC] < v || f[at + GPU] < g || f[at + MEM] === unavailable) return false;
    if (i >= this.size) return true;
    return this.searchBudgeted(2 * i, m, v, g) || this.searchBudgeted(2 * i + 1, m, v, g);
  }

  /** The first slot (lowest index) that could hold the request and that `accept` approves, or -1. */
  find(memoryMb: number, vcores: number, gpus: number, accept: (slot: number) => boolean): number {
    return this.search(1, memoryMb, vcores, gpus, accept);
  }

  private search(i: number, m: number, v: number, g: number, accept: (slot: number) => boolean): number {
    const f = this.free;
    const at = i * stride;
    if (f[at + MEM] < m || f[at + VC] < v || f[at + GPU] < g || f[at + MEM] === unavailable) return -1;
    if (i >= this.size) {
      const slot = i - this.size;
      return accept(slot) ? slot : -1;
    }
    const left = this.search(2 * i, m, v, g, accept);
    return left >= 0 ? left : this.search(2 * i + 1, m, v, g, accept);
  }

  private grow(): void {
    const oldSize = this.size;
    const size = oldSize * 2;
    const f = new Float64Array(2 * size * stride).fill(unavailable);
    f.set(this.free.subarray(oldSize * stride, 2 * oldSize * stride), size * stride);
    for (let i = size - 1; i >= 1; i--) {
      const at = i * stride;
      const l = 2 * at;
      const r = l + stride;
      f[at + MEM] = Math.max(f[l + MEM], f[r + MEM]);
      f[at + VC] = Math.max(f[l + VC], f[r + VC]);
      f[at + GPU] = Math.max(f[l + GPU], f[r + GPU]);
    }
    this.size = size;
    this.free = f;
  }
}
