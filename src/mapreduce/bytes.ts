// Small byte-copy helper for hot paths: Buffer#copy has a fixed JS-side cost that
// dominates for the short keys and values typical of map output.

const smallCopyBytes = 48;

/** Copies src[start, end) to dst at `at`; returns the number of bytes copied. */
export function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  const n = end - start;
  if (n <= smallCopyBytes) {
    for (let i = 0; i < n; i++) dst[at + i] = src[start + i];
    return n;
  }
  dst.set(src.subarray(start, end), at);
  return n;
}
