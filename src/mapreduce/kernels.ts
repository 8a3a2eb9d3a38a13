// Data-path kernels in WebAssembly, for the per-record loops where a JavaScript call per
// record costs more than the work: Buffer#copy allocates a view per call and even
// copyWithin is ~100 ns of call overhead for a 100-byte record, while a wasm loop of
// `memory.copy` gathers a sorted run at memory speed with one call per staging block.
//
// The module is assembled here from a few named opcodes (no toolchain, nothing
// downloaded); it imports its memory, which the caller lays out and also views from
// JavaScript (e.g. the sort arena and its offsets).
//
//   gather(offsets, i, end, dst, limit) -> (i', dst')
//     copies whole segment-format records ([key length u32][value length u32][key][value])
//     at the arena offsets offsets[i], offsets[i+1], ... (u32 each) to dst, back to back,
//     while they fit below `limit`; returns the index of the first record not copied and
//     the end of the bytes written.

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

export const wasmPageBytes = 1 << 16;
/** A wasm32 memory holds at most 4 GiB (65536 pages). */
const maxPages = 65536;

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
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32GtU: 0x4b,
  i32Add: 0x6a,
  i32Shl: 0x74,
  /** 0xfc 10: memory.copy (bulk memory), then two memory indices. */
  memoryCopy: [0xfc, 10, 0, 0],
  /** Block type: no result. */
  void: 0x40,
} as const;

const get = (local: number) => [op.localGet, local];
const set = (local: number) => [op.localSet, local];
/** i32.load with alignment 2^align and a constant offset. */
const load32 = (offset: number, align = 0) => [op.i32Load, align, ...uleb(offset)];

function gatherBody(): number[] {
  // params: 0 offsets, 1 i, 2 end, 3 dst, 4 limit; locals: 5 off, 6 len
  const [offsets, i, end, dst, limit, off, len] = [0, 1, 2, 3, 4, 5, 6];
  return [
    ...vec([[2, i32]]),
    op.block, op.void,
    op.loop, op.void,
    // if (i >= end) break
    ...get(i), ...get(end), op.i32GeU, op.brIf, 1,
    // off = offsets[i]
    ...get(offsets), ...get(i), op.i32Const, 2, op.i32Shl, op.i32Add, ...load32(0, 2), ...set(off),
    // len = 8 + key length + value length
    ...get(off), ...load32(0), ...get(off), ...load32(4), op.i32Add, op.i32Const, 8, op.i32Add, ...set(len),
    // if (dst + len > limit) break
    ...get(dst), ...get(len), op.i32Add, ...get(limit), op.i32GtU, op.brIf, 1,
    ...get(dst), ...get(off), ...get(len), ...op.memoryCopy,
    ...get(dst), ...get(len), op.i32Add, ...set(dst),
    ...get(i), op.i32Const, 1, op.i32Add, ...set(i),
    op.br, 0,
    op.end,
    op.end,
    ...get(i), ...get(dst),
    op.end,
  ];
}

function assemble(): Uint8Array {
  const body = gatherBody();
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vec([[0x60, ...vec([[i32], [i32], [i32], [i32], [i32]]), ...vec([[i32], [i32]])]])), // type 0: (i32 x5) -> (i32, i32)
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(0)]])), // import env.memory (min 0 pages)
    ...section(3, vec([[0]])), // function 0 has type 0
    ...section(7, vec([[...name('gather'), 0x00, 0]])), // export it as "gather"
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
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

/** One wasm memory and the kernels bound to it. */
export class KernelMemory {
  readonly buffer: ArrayBuffer;
  private readonly gatherFn: GatherFn;

  private constructor(buffer: ArrayBuffer, gather: GatherFn) {
    this.buffer = buffer;
    this.gatherFn = gather;
  }

  /** A zeroed memory of at least `bytes` (pages are only resident once touched), or null
   *  when WebAssembly is unavailable or the size is past wasm32's 4 GiB. */
  static create(bytes: number): KernelMemory | null {
    const module = kernelModule();
    const pages = Math.ceil(bytes / wasmPageBytes);
    if (module === null || wasm === undefined || pages > maxPages) return null;
    let memory: WasmMemory;
    try {
      memory = new wasm.Memory({ initial: pages, maximum: pages });
    } catch {
      return null; // address space refused: the caller does without
    }
    const instance = new wasm.Instance(module, { env: { memory } });
    return new KernelMemory(memory.buffer, instance.exports.gather as GatherFn);
  }

  /** See the module comment: copies records offsets[i..end) (`offsetsAt` = byte address of
   *  the u32 offsets array) to [dst, limit) while they fit. */
  gather(offsetsAt: number, i: number, end: number, dst: number, limit: number): [next: number, dstEnd: number] {
    return this.gatherFn(offsetsAt, i, end, dst, limit);
  }
}
