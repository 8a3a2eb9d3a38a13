// Data-path kernels in WebAssembly, for the per-record loops where a JavaScript call per
// record costs more than the work: Buffer#copy allocates a view per call and even
// copyWithin is ~100 ns of call overhead for a 100-byte record, while a wasm loop of
// `memory.copy` moves a sorted run at memory speed with one call per staging block.
//
// The module is assembled here from a few named opcodes (no toolchain, nothing
// downloaded). It imports its memory; a KernelMemory lays that out as
//
//   [0, dataBytes)            data: the sort arena, or a reduce's fetched segments
//   [stage, stage+stageBytes) the staging block output is gathered into
//   [extra, ...)              per-use tables (sorted record offsets; merge run table, heap)
//
// and JavaScript views the same bytes (Buffers, typed arrays) for everything else.
// Records are in the segment format: [key length u32][value length u32][key][value].
//
//   gather(offsets, i, end, dst, limit) -> (i', dst')
//     copies the records at data offsets offsets[i], offsets[i+1], ... (u32 each) to dst,
//     back to back, while they fit below `limit`.
//   merge(runs, heap, hn, dst, limit, prev, flags) -> (hn', dst', prev', records, groups, status)
//     k-way merge by memcmp of keys (ties: lower run first) of the runs in the table at
//     `runs` (12 bytes each: next record, end, records taken) whose numbers form the binary
//     heap `heap` of `hn` entries; copies records (with their header when flags bit 0 is
//     set, else key and value only) to dst while they fit below `limit`, counting records
//     and distinct keys (`prev`: the last record taken, -1 for none). Flags bit 1: take one
//     record without copying it (one larger than the stage; the caller writes it from
//     `prev'`). status 1: the run at the top of the heap has a record that does not fit
//     its end (corrupt).
//   sift(runs, heap, hn, at): restores the heap below `at` (heapify from JavaScript).

/** The parts of the WebAssembly API used here (TypeScript's lib for Node has no types for it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const wasmPageBytes = 1 << 16;
/** A wasm32 memory holds at most 4 GiB (65536 pages). */
const maxPages = 65536;
/** Bytes per run in the merge table: next record, end, records taken. */
export const mergeRunBytes = 12;

// ---- a tiny assembler -------------------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, bytes: number[]): number[] {
  return [id, ...uleb(bytes.length), ...bytes];
}

function name(text: string): number[] {
  return [...uleb(text.length), ...Buffer.from(text, 'latin1')];
}

const i32 = 0x7f;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  eqz: 0x45,
  eq: 0x46,
  ne: 0x47,
  ltS: 0x48,
  ltU: 0x49,
  gtU: 0x4b,
  geU: 0x4f,
  add: 0x6a,
  sub: 0x6b,
  mul: 0x6c,
  and: 0x71,
  or: 0x72,
  shl: 0x74,
  select: 0x1b,
  /** memory.copy (bulk memory), memory 0 to memory 0. */
  memoryCopy: [0xfc, 10, 0, 0],
} as const;

const get = (local: number) => [0x20, ...uleb(local)];
const set = (local: number) => [0x21, ...uleb(local)];
const k = (n: number) => [0x41, ...sleb(n)];
/** i32.load of the u32 at (address on the stack) + offset. */
const load = (offset = 0) => [0x28, 2, ...uleb(offset)];
/** i32.load8_u of the byte at (address on the stack) + offset. */
const load8 = (offset = 0) => [0x2d, 0, ...uleb(offset)];
/** i32.store: address, value on the stack. */
const store = (offset = 0) => [0x36, 2, ...uleb(offset)];
const call = (fn: number) => [op.call, ...uleb(fn)];
const locals = (n: number) => vec(n === 0 ? [] : [[n, i32]]);

// Function indices, in the order of the function section.
const F = { gather: 0, keycmp: 1, less: 2, sift: 3, merge: 4 } as const;

function gatherBody(): number[] {
  const [offsets, i, end, dst, limit, off, len] = [0, 1, 2, 3, 4, 5, 6];
  return [
    ...locals(2),
    ...op.block, ...op.loop,
    ...get(i), ...get(end), op.geU, op.brIf, 1,
    // off = offsets[i]; len = 8 + key length + value length
    ...get(offsets), ...get(i), ...k(2), op.shl, op.add, ...load(), ...set(off),
    ...get(off), ...load(), ...get(off), ...load(4), op.add, ...k(8), op.add, ...set(len),
    ...get(dst), ...get(len), op.add, ...get(limit), op.gtU, op.brIf, 1,
    ...get(dst), ...get(off), ...get(len), ...op.memoryCopy,
    ...get(dst), ...get(len), op.add, ...set(dst),
    ...get(i), ...k(1), op.add, ...set(i),
    op.br, 0,
    op.end, op.end,
    ...get(i), ...get(dst),
    op.end,
  ];
}

/** keycmp(a, b): memcmp order of the keys of the records at a and b. */
function keycmpBody(): number[] {
  const [a, b, la, lb, n, i, d] = [0, 1, 2, 3, 4, 5, 6];
  return [
    ...locals(5),
    ...get(a), ...load(), ...set(la),
    ...get(b), ...load(), ...set(lb),
    ...get(la), ...get(lb), ...get(la), ...get(lb), op.ltU, op.select, ...set(n),
    ...op.block, ...op.loop,
    ...get(i), ...get(n), op.geU, op.brIf, 1,
    ...get(a), ...get(i), op.add, ...load8(8),
    ...get(b), ...get(i), op.add, ...load8(8),
    op.sub, ...set(d),
    ...get(d), ...op.if, ...get(d), op.return, op.end,
    ...get(i), ...k(1), op.add, ...set(i),
    op.br, 0,
    op.end, op.end,
    ...get(la), ...get(lb), op.sub,
    op.end,
  ];
}

/** less(runs, x, y): run x's next record sorts before run y's (ties: lower run first). */
function lessBody(): number[] {
  const [runs, x, y, c] = [0, 1, 2, 3];
  const next = (r: number) => [...get(runs), ...get(r), ...k(mergeRunBytes), op.mul, op.add, ...load()];
  return [
    ...locals(1),
    ...next(x), ...next(y), ...call(F.keycmp), ...set(c),
    ...get(c), ...k(0), op.ltS,
    ...get(c), op.eqz, ...get(x), ...get(y), op.ltU, op.and,
    op.or,
    op.end,
  ];
}

/** sift(runs, heap, hn, at): moves heap[at] down to its place. */
function siftBody(): number[] {
  const [runs, heap, hn, at, l, r, m, t] = [0, 1, 2, 3, 4, 5, 6, 7];
  const h = (i: number) => [...get(heap), ...get(i), ...k(2), op.shl, op.add, ...load()];
  const hAddr = (i: number) => [...get(heap), ...get(i), ...k(2), op.shl, op.add];
  return [
    ...locals(4),
    ...op.loop,
    // l = 2at + 1; if (l >= hn) return
    ...get(at), ...k(1), op.shl, ...k(1), op.add, ...set(l),
    ...get(l), ...get(hn), op.geU, ...op.if, op.return, op.end,
    ...get(l), ...k(1), op.add, ...set(r),
    ...get(l), ...set(m),
    ...get(r), ...get(hn), op.ltU, ...op.if,
    ...get(runs), ...h(r), ...h(l), ...call(F.less), ...op.if, ...get(r), ...set(m), op.end,
    op.end,
    // if (!less(heap[m], heap[at])) return
    ...get(runs), ...h(m), ...h(at), ...call(F.less), op.eqz, ...op.if, op.return, op.end,
    // swap heap[m], heap[at]; at = m
    ...h(m), ...set(t),
    ...hAddr(m), ...h(at), ...store(),
    ...hAddr(at), ...get(t), ...store(),
    ...get(m), ...set(at),
    op.br, 0,
    op.end,
    op.end,
  ];
}

function mergeBody(): number[] {
  const [runs, heap, hn, dst, limit, prev, flags] = [0, 1, 2, 3, 4, 5, 6];
  const [records, groups, status, e, rec, kl, vl, len, next, end, avail, header, single] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const corrupt = [...k(1), ...set(status), op.br, 3];
  return [
    ...locals(13),
    ...get(flags), ...k(1), op.and, ...set(header),
    ...get(flags), ...k(2), op.and, ...set(single),
    ...op.block, ...op.loop,
    ...get(hn), op.eqz, op.brIf, 1,
    // e = &runs[heap[0]]; rec = its next record
    ...get(runs), ...get(heap), ...load(), ...k(mergeRunBytes), op.mul, op.add, ...set(e),
    ...get(e), ...load(), ...set(rec),
    ...get(rec), ...load(), ...set(kl),
    ...get(rec), ...load(4), ...set(vl),
    // len = kl + vl (+ 8 with the header); stop when the block is full (a single record
    // taken without copying never is)
    ...get(kl), ...get(vl), op.add, ...get(header), ...k(3), op.shl, op.add, ...set(len),
    ...get(single), op.eqz, ...get(dst), ...get(len), op.add, ...get(limit), op.gtU, op.and, op.brIf, 1,
    // a new group unless the key equals the last one copied
    ...get(prev), ...k(-1), op.eq, ...op.if,
    ...get(groups), ...k(1), op.add, ...set(groups),
    op.else,
    ...get(prev), ...get(rec), ...call(F.keycmp), ...op.if, ...get(groups), ...k(1), op.add, ...set(groups), op.end,
    op.end,
    ...get(rec), ...set(prev),
    // copy from the header or from the key
    ...get(single), op.eqz, ...op.if,
    ...get(dst), ...get(rec), ...k(8), ...get(header), ...k(3), op.shl, op.sub, op.add, ...get(len), ...op.memoryCopy,
    ...get(dst), ...get(len), op.add, ...set(dst),
    op.end,
    ...get(records), ...k(1), op.add, ...set(records),
    // advance the run
    ...get(rec), ...k(8), op.add, ...get(kl), op.add, ...get(vl), op.add, ...set(next),
    ...get(e), ...get(next), ...store(),
    ...get(e), ...get(e), ...load(8), ...k(1), op.add, ...store(8),
    ...get(e), ...load(4), ...set(end),
    ...get(next), ...get(end), op.eq, ...op.if,
    // run exhausted: the last heap entry takes its place
    ...get(hn), ...k(1), op.sub, ...set(hn),
    ...get(heap), ...get(heap), ...get(hn), ...k(2), op.shl, op.add, ...load(), ...store(),
    op.else,
    // the run's next record must fit before its end (header, then key and value)
    ...get(end), ...get(next), op.sub, ...set(avail),
    // (from inside these ifs: 0 the if, 1 the else, 2 the loop, 3 the block)
    ...get(avail), ...k(8), op.ltU, ...op.if, ...corrupt, op.end,
    ...get(avail), ...k(8), op.sub, ...set(avail),
    ...get(next), ...load(), ...get(avail), op.gtU, ...op.if, ...corrupt, op.end,
    ...get(next), ...load(4), ...get(avail), ...get(next), ...load(), op.sub, op.gtU, ...op.if, ...corrupt, op.end,
    op.end,
    ...get(hn), ...op.if, ...get(runs), ...get(heap), ...get(hn), ...k(0), ...call(F.sift), op.end,
    ...get(single), op.brIf, 1,
    op.br, 0,
    op.end, op.end,
    ...get(hn), ...get(dst), ...get(prev), ...get(records), ...get(groups), ...get(status),
    op.end,
  ];
}

function assemble(): Uint8Array {
  const fn = (params: number, results: number) => [0x60, ...vec(Array.from({ length: params }, () => [i32])), ...vec(Array.from({ length: results }, () => [i32]))];
  const types = [fn(5, 2), fn(2, 1), fn(3, 1), fn(4, 0), fn(7, 6)];
  const bodies = [gatherBody(), keycmpBody(), lessBody(), siftBody(), mergeBody()];
  const exported: Array<[string, number]> = [
    ['gather', F.gather],
    ['sift', F.sift],
    ['merge', F.merge],
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(0)]])), // import env.memory (min 0 pages)
    ...section(3, vec(bodies.map((_, i) => uleb(i)))), // function i has type i
    ...section(7, vec(exported.map(([n, i]) => [...name(n), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies.map((b) => [...uleb(b.length), ...b]))),
  ]);
}

/** `bytes` (a multiple of 64 KiB) of zeroed memory aligned to a page, or null without
 *  WebAssembly: a wasm memory's bytes start on a page, where Node's Buffers are only
 *  16-byte aligned (O_DIRECT writes need their memory aligned to the disk's blocks). */
export function pageAlignedBuffer(bytes: number): Buffer | null {
  if (wasm === undefined || bytes % wasmPageBytes !== 0) return null;
  try {
    const pages = bytes / wasmPageBytes;
    return Buffer.from(new wasm.Memory({ initial: pages, maximum: pages }).buffer);
  } catch {
    return null;
  }
}

let compiled: object | null | undefined;

function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasm === undefined ? null : new wasm.Module(assemble());
    } catch {
      compiled = null; // no WebAssembly (or no bulk memory): callers use their JavaScript path
    }
  }
  return compiled;
}

type GatherFn = (offsets: number, i: number, end: number, dst: number, limit: number) => [number, number];
type SiftFn = (runs: number, heap: number, hn: number, at: number) => void;
type MergeFn = (runs: number, heap: number, hn: number, dst: number, limit: number, prev: number, header: number) => [number, number, number, number, number, number];

export interface KernelLayout {
  /** Bytes at address 0 for the caller's data. */
  readonly dataBytes: number;
  readonly stageBytes: number;
  /** Bytes after the stage for tables. */
  readonly extraBytes: number;
}

/** A run of segment-format records in a KernelMemory's data region, for `merge`. */
export interface MemoryRun {
  readonly start: number;
  readonly end: number;
}

export interface MergeResult {
  /** Records taken from each run. */
  readonly records: number[];
  /** Distinct keys, counted across blocks. */
  readonly groups: number;
  /** The run with a record running past its end (corrupt), or -1. */
  readonly corruptRun: number;
}

/** Memories by their buffer: whoever holds a Buffer on one can find its kernels. */
const byBuffer = new WeakMap<ArrayBuffer, KernelMemory>();

/** Bytes of memory a layout takes. */
export function layoutBytes(layout: KernelLayout): number {
  return Math.ceil((layout.dataBytes + layout.stageBytes) / 8) * 8 + layout.extraBytes;
}

/** The memory released last, kept for the next task of this process: its pages are
 *  resident already, where a fresh memory costs a page fault per 4 KiB touched (~0.5 ms per
 *  MiB: for a 128 MiB map's arena or a reduce's fetched segments, a good part of the work). */
let idle: KernelMemory | null = null;
/** Memories are made at least this large, so one fits every kind of task of the process. */
let poolBytes = 0;

/** Sizes new kernel memories of this process to fit at least `bytes` (a task runner: the
 *  largest layout its tasks use), so the one it keeps serves maps and reduces alike. */
export function setKernelMemoryPoolBytes(bytes: number): void {
  poolBytes = bytes;
}

/** One wasm memory, laid out as in the module comment, with the kernels bound to it. */
export class KernelMemory {
  readonly buffer: ArrayBuffer;
  readonly capacity: number;
  private current: KernelLayout;
  private stageAt: number;
  private extraAt: number;
  private released = false;
  private readonly fns: { gather: GatherFn; sift: SiftFn; merge: MergeFn };

  private constructor(buffer: ArrayBuffer, layout: KernelLayout, exports: Record<string, unknown>) {
    this.buffer = buffer;
    this.capacity = buffer.byteLength;
    this.current = layout;
    this.stageAt = 0;
    this.extraAt = 0;
    this.lay(layout);
    this.fns = { gather: exports.gather as GatherFn, sift: exports.sift as SiftFn, merge: exports.merge as MergeFn };
  }

  private lay(layout: KernelLayout): void {
    this.current = layout;
    this.stageAt = layout.dataBytes;
    this.extraAt = Math.ceil((layout.dataBytes + layout.stageBytes) / 8) * 8;
  }

  get layout(): KernelLayout {
    return this.current;
  }

  get stage(): number {
    return this.stageAt;
  }

  get extra(): number {
    return this.extraAt;
  }

  /** A memory for the layout, or null when WebAssembly is unavailable or the size is past
   *  wasm32's 4 GiB: the one this process released last if it is large enough (its old
   *  bytes are still there), else a zeroed one (pages are only resident once touched). */
  static acquire(layout: KernelLayout): KernelMemory | null {
    const bytes = layoutBytes(layout);
    const reuse = idle;
    idle = null;
    if (reuse !== null && reuse.capacity >= bytes) {
      reuse.released = false;
      reuse.lay(layout);
      return reuse;
    }
    // (a pool size past wasm32's limit never keeps a task that fits from having kernels)
    return KernelMemory.create(layout, Math.max(bytes, Math.min(poolBytes, maxPages * wasmPageBytes)));
  }

  private static create(layout: KernelLayout, bytes: number): KernelMemory | null {
    const module = kernelModule();
    const pages = Math.ceil(bytes / wasmPageBytes);
    if (module === null || wasm === undefined || pages > maxPages) return null;
    let memory: WasmMemory;
    try {
      memory = new wasm.Memory({ initial: pages, maximum: pages });
    } catch {
      return null; // address space refused: the caller does without
    }
    const m = new KernelMemory(memory.buffer, layout, new wasm.Instance(module, { env: { memory } }).exports);
    byBuffer.set(memory.buffer, m);
    return m;
  }

  /** The owner is done with it (no view of it is used any more): kept for the next
   *  acquire of this process, in place of a smaller one. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (idle === null || idle.capacity <= this.capacity) idle = this;
  }

  /** The memory `b` is a view on, if it is one of these. */
  static of(b: Uint8Array): KernelMemory | null {
    return byBuffer.get(b.buffer as ArrayBuffer) ?? null;
  }

  /** Copies records offsets[i..end) (`offsetsAt`: byte address of the u32 offsets) into
   *  the stage while they fit. Returns the first record not copied and the stage's end. */
  gather(offsetsAt: number, i: number, end: number): [next: number, stageEnd: number] {
    const [next, stageEnd] = this.fns.gather(offsetsAt, i, end, this.stage, this.stage + this.layout.stageBytes);
    return [next, stageEnd >>> 0];
  }

  /** Extra bytes a merge of `runs` runs needs (run table and heap). */
  static mergeTableBytes(runs: number): number {
    return runs * (mergeRunBytes + 4);
  }

  /** Merges `runs` (in the data region) by memcmp key, block by block through the stage:
   *  `onBlock(stageStart, stageEnd, records)` takes each block before the next is made.
   *  Records are copied with their header (`header`) or as key and value only. Stops at
   *  the first corrupt record. The runs' first records must be whole (the caller checks). */
  merge(runs: readonly MemoryRun[], header: boolean, onBlock: (start: number, end: number, records: number) => void): MergeResult {
    const table = this.extra;
    const heap = table + runs.length * mergeRunBytes;
    if (heap + runs.length * 4 > this.extra + this.layout.extraBytes) throw new RangeError(`a merge of ${runs.length} runs does not fit the kernel tables`);
    const view = new DataView(this.buffer);
    let hn = 0;
    for (let r = 0; r < runs.length; r++) {
      view.setUint32(table + r * mergeRunBytes, runs[r].start, true);
      view.setUint32(table + r * mergeRunBytes + 4, runs[r].end, true);
      view.setUint32(table + r * mergeRunBytes + 8, 0, true);
      if (runs[r].end > runs[r].start) view.setUint32(heap + 4 * hn++, r, true);
    }
    for (let at = (hn >> 1) - 1; at >= 0; at--) this.fns.sift(table, heap, hn, at);
    let prev = -1;
    let groups = 0;
    let corruptRun = -1;
    const limit = this.stage + this.layout.stageBytes;
    while (hn > 0) {
      // (addresses come back as i32: `>>> 0` reads them unsigned, as wasm does)
      let [hn2, dst, prev2, records, g, status] = this.fns.merge(table, heap, hn, this.stage, limit, prev, header ? 1 : 0);
      if (records > 0) onBlock(this.stage, dst >>> 0, records);
      else if (status === 0) {
        // The next record is larger than the stage: taken alone, written from where it is.
        [hn2, dst, prev2, records, g, status] = this.fns.merge(table, heap, hn, this.stage, limit, prev, header ? 3 : 2);
        const at = prev2 >>> 0;
        onBlock(header ? at : at + 8, at + 8 + view.getUint32(at, true) + view.getUint32(at + 4, true), 1);
      }
      groups += g;
      if (status !== 0) {
        corruptRun = view.getUint32(heap, true);
        break;
      }
      hn = hn2;
      prev = prev2;
    }
    const taken = runs.map((_, r) => view.getUint32(table + r * mergeRunBytes + 8, true));
    return { records: taken, groups, corruptRun };
  }
}
