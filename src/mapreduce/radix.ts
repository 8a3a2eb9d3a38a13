// LSD radix sort of 40-bit key prefixes, for the map-side sort: several times faster than
// sorting the same keys as a BigUint64Array (a comparison sort), and stable.
//
// Each item is a pair of u32: `hi` = the first 4 key bytes (big-endian), `lo` = the fifth
// key byte in its top 8 bits and the item's own number in the low 24. Items are sorted by
// (hi, lo >>> 24); being stable, items with equal prefixes stay in input order.

/** Digits, least significant first: the fifth byte, then hi in 11, 11 and 10 bits (small
 *  enough tables to stay in cache while scattering). */
const digitBits = [8, 11, 11, 10] as const;

export interface Pairs {
  hi: Uint32Array;
  lo: Uint32Array;
}

/** Sorts the first `n` pairs of `a`, using `scratch` (at least `n` long) as the other
 *  buffer; returns whichever of the two holds the sorted pairs. Passes whose digit is the
 *  same for every item are skipped. */
export function radixSortPrefixes(a: Pairs, scratch: Pairs, n: number): Pairs {
  const counts = digitBits.map((b) => new Uint32Array(1 << b));
  const [c0, c1, c2, c3] = counts;
  const hiA = a.hi;
  const loA = a.lo;
  for (let i = 0; i < n; i++) {
    const h = hiA[i];
    c0[loA[i] >>> 24]++;
    c1[h & 0x7ff]++;
    c2[(h >>> 11) & 0x7ff]++;
    c3[h >>> 22]++;
  }
  let src = a;
  let dst = scratch;
  for (let pass = 0; pass < digitBits.length; pass++) {
    const count = counts[pass];
    if (n === 0 || count[digitOf(pass, src.hi[0], src.lo[0])] === n) continue;
    // Exclusive prefix sums: where each digit's items start.
    let at = 0;
    for (let d = 0; d < count.length; d++) {
      const c = count[d];
      count[d] = at;
      at += c;
    }
    scatter(pass, src, dst, count, n);
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

function digitOf(pass: number, h: number, l: number): number {
  switch (pass) {
    case 0:
      return l >>> 24;
    case 1:
      return h & 0x7ff;
    case 2:
      return (h >>> 11) & 0x7ff;
    default:
      return h >>> 22;
  }
}

/** One stable counting-sort pass; a loop per digit so each stays a tight loop. */
function scatter(pass: number, src: Pairs, dst: Pairs, start: Uint32Array, n: number): void {
  const sh = src.hi;
  const sl = src.lo;
  const dh = dst.hi;
  const dl = dst.lo;
  if (pass === 0) {
    for (let i = 0; i < n; i++) {
      const l = sl[i];
      const j = start[l >>> 24]++;
      dh[j] = sh[i];
      dl[j] = l;
    }
  } else if (pass === 1) {
    for (let i = 0; i < n; i++) {
      const h = sh[i];
      const j = start[h & 0x7ff]++;
      dh[j] = h;
      dl[j] = sl[i];
    }
  } else if (pass === 2) {
    for (let i = 0; i < n; i++) {
      const h = sh[i];
      const j = start[(h >>> 11) & 0x7ff]++;
      dh[j] = h;
      dl[j] = sl[i];
    }
  } else {
    for (let i = 0; i < n; i++) {
      const h = sh[i];
      const j = start[h >>> 22]++;
      dh[j] = h;
      dl[j] = sl[i];
    }
  }
}
