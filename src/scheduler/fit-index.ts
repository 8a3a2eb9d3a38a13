// "Any node that fits": a segment tree over node slots keeping, for every subtree, the
// largest free memory, vcores and gpus of any one node in it. A search descends only
// into subtrees whose maxima could hold the request and returns the first slot that
// the caller accepts (exact fit incl. custom resources, exclusions), so a search is
// O(log n) when the first candidate fits and never scans full parts of the cluster.

const initialSlots = 64;
/** Free value of a slot that must never be chosen (empty or not schedulable). */
const unavailable = -1;

export class FitIndex {
  private size = initialSlots;
  private mem = new Float64Array(2 * initialSlots).fill(unavailable);
  private vc = new Float64Array(2 * initialSlots).fill(unavailable);
  private gpu = new Float64Array(2 * initialSlots).fill(unavailable);
  private used = 0;
  private readonly freeSlots: number[] = [];

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
    let i = this.size + slot;
    this.mem[i] = memoryMb;
    this.vc[i] = vcores;
    this.gpu[i] = gpus;
    for (i >>= 1; i >= 1; i >>= 1) {
      const l = 2 * i;
      const m = Math.max(this.mem[l], this.mem[l + 1]);
      const v = Math.max(this.vc[l], this.vc[l + 1]);
      const g = Math.max(this.gpu[l], this.gpu[l + 1]);
      if (this.mem[i] === m && this.vc[i] === v && this.gpu[i] === g) break;
      this.mem[i] = m;
      this.vc[i] = v;
      this.gpu[i] = g;
    }
  }

  /** The slot's node can hold memory/vcores/gpus now (an unavailable slot holds nothing). Reads three compact arrays only. */
  holds(slot: number, memoryMb: number, vcores: number, gpus: number): boolean {
    const i = this.size + slot;
    return this.mem[i] >= memoryMb && this.vc[i] >= vcores && this.gpu[i] >= gpus && this.mem[i] !== unavailable;
  }

  /** The slot's free memory, vcores and gpus as last set (-1: unavailable). */
  memoryAt(slot: number): number {
    return this.mem[this.size + slot];
  }

  vcoresAt(slot: number): number {
    return this.vc[this.size + slot];
  }

  gpusAt(slot: number): number {
    return this.gpu[this.size + slot];
  }

  /** The first slot (lowest index) that could hold the request and that `accept` approves, or -1. */
  find(memoryMb: number, vcores: number, gpus: number, accept: (slot: number) => boolean): number {
    return this.search(1, memoryMb, vcores, gpus, accept);
  }

  private search(i: number, m: number, v: number, g: number, accept: (slot: number) => boolean): number {
    if (this.mem[i] < m || this.vc[i] < v || this.gpu[i] < g || this.mem[i] === unavailable) return -1;
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
    const mem = new Float64Array(2 * size).fill(unavailable);
    const vc = new Float64Array(2 * size).fill(unavailable);
    const gpu = new Float64Array(2 * size).fill(unavailable);
    mem.set(this.mem.subarray(oldSize, 2 * oldSize), size);
    vc.set(this.vc.subarray(oldSize, 2 * oldSize), size);
    gpu.set(this.gpu.subarray(oldSize, 2 * oldSize), size);
    for (let i = size - 1; i >= 1; i--) {
      mem[i] = Math.max(mem[2 * i], mem[2 * i + 1]);
      vc[i] = Math.max(vc[2 * i], vc[2 * i + 1]);
      gpu[i] = Math.max(gpu[2 * i], gpu[2 * i + 1]);
    }
    this.size = size;
    this.mem = mem;
    this.vc = vc;
    this.gpu = gpu;
  }
}
