// TeraSort record layout shared by teragen, terasort and teravalidate.
//
// Binary (Hadoop TeraGen), 100 bytes:
//   key 10 random bytes | 00 11 | row id, 32 uppercase hex digits | 88 99 AA BB |
//   48 filler bytes | CC DD EE FF
// ASCII (`gensort -a` layout), 100 bytes, one record per line:
//   key 10 printable chars (' '..'~') | 2 spaces | row id, 32 hex digits | 2 spaces |
//   52 filler chars (13 runs of 4 equal hex digits) | \r\n
//
// Keys are a pure function of the row number, so any split of the row range generates
// the same data.

export const teraRecordBytes = 100;
export const teraKeyBytes = 10;

const hex = '0123456789ABCDEF';

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

function fill4(out: Buffer, at: number, c: number): void {
  out[at] = c;
  out[at + 1] = c;
  out[at + 2] = c;
  out[at + 3] = c;
}

/** Writes the 32-hex-digit row id (a 128-bit number; rows < 2^53) at `at`. */
function writeRowId(row: number, out: Buffer, at: number): void {
  for (let i = at; i < at + 32; i++) out[i] = 48; // '0'
  let r = row;
  for (let i = at + 31; r > 0 && i >= at; i--) {
    out[i] = hex.charCodeAt(r % 16);
    r = Math.floor(r / 16);
  }
}

/** Writes record `row` into `out` at `at` (100 bytes). */
export function writeTeraRecord(row: number, ascii: boolean, out: Buffer, at: number): void {
  const lo = row >>> 0;
  const hi = Math.floor(row / 4294967296);
  let s = mix32(lo ^ mix32(hi + 0x9e3779b9)) || 1;
  for (let i = 0; i < teraKeyBytes; i++) {
    // xorshift32 stream seeded per row
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[at + i] = ascii ? 32 + (s % 95) : s >>> 24;
  }
  if (ascii) {
    out[at + 10] = 32;
    out[at + 11] = 32;
    writeRowId(row, out, at + 12);
    out[at + 44] = 32;
    out[at + 45] = 32;
    for (let g = 0; g < 13; g++) fill4(out, at + 46 + 4 * g, hex.charCodeAt((row + g) % 16));
    out[at + 98] = 13;
    out[at + 99] = 10;
  } else {
    out[at + 10] = 0x00;
    out[at + 11] = 0x11;
    writeRowId(row, out, at + 12);
    out[at + 44] = 0x88;
    out[at + 45] = 0x99;
    out[at + 46] = 0xaa;
    out[at + 47] = 0xbb;
    for (let g = 0; g < 12; g++) fill4(out, at + 48 + 4 * g, hex.charCodeAt((row + g) % 16));
    out[at + 96] = 0xcc;
    out[at + 97] = 0xdd;
    out[at + 98] = 0xee;
    out[at + 99] = 0xff;
  }
}
