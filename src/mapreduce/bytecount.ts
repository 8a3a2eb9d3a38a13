// ByteCountTable: counts byte-string keys (e.g. tokens) in an open-addressing hash table
// whose keys live in one byte arena, so counting an already-seen token allocates
// nothing (no string per token). The in-mapper combiner of wordcount; usable by any job
// that aggregates counts of byte strings in its map.

import { copyBytes } from './bytes.js';

/** Bytes that separate tokens: space, \t, \n, \v, \f, \r. */
function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Spreads FNV's weak low bits over the whole word (murmur3 finalizer) before masking. */
function slotOf(hash: number, mask: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) & mask;
}

export class ByteCountTable {
  /** Distinct keys held. */
  size = 0;
  // Open addressing, linear probing. A slot is [hash, entry index + 1] (0 = empty), so a
  // probe that meets another key rarely touches its entry. An entry is
  // [key offset, key length, count] in one stride, the key bytes are in `keys`.
  private slots: Uint32Array;
  private mask: number;
  private entries = new Uint32Array(3 * 1024);
  private keys = Buffer.allocUnsafe(64 << 10);
  private keysUsed = 0;

  constructor(initialSlots = 1 << 14) {
    let n = 16;
    while (n < initialSlots) n *= 2;
    this.slots = new Uint32Array(2 * n);
    this.mask = n - 1;
  }

  /** Approximate memory held, bytes. */
  get bytes(): number {
    return this.slots.byteLength + this.entries.byteLength + this.keys.length;
  }

  /** FNV-1a of buf[start, end). */
  static hash(buf: Buffer, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 16777619);
    return h >>> 0;
  }

  /** Splits buf[start, end) on ASCII whitespace and counts every token once. Returns the number of tokens. */
  addTokens(buf: Buffer, start = 0, end = buf.length): number {
    let i = start;
    let tokens = 0;
    while (i < end) {
      let c = buf[i];
      if (c <= 32 && isAsciiSpace(c)) {
        i++;
        continue;
      }
      const s = i;
      let h = 0x811c9dc5;
      for (;;) {
        h = Math.imul(h ^ c, 16777619);
        if (++i >= end) break;
        c = buf[i];
        if (c <= 32 && isAsciiSpace(c)) break;
      }
      this.add(buf, s, i, h >>> 0, 1);
      tokens++;
    }
    return tokens;
  }

  /** Adds `n` to the count of key buf[start, end) whose hash (ByteCountTable.hash) is `hash`. */
  add(buf: Buffer, start: number, end: number, hash: number, n: number): void {
    const len = end - start;
    const slots = this.slots;
    const mask = this.mask;
    let slot = slotOf(hash, mask);
    for (;;) {
      const e = slots[2 * slot + 1];
      if (e === 0) break;
      if (slots[2 * slot] === hash) {
        const at = 3 * (e - 1);
        const ent = this.entries;
        if (ent[at + 1] === len && this.sameBytes(ent[at], buf, start, len)) {
          ent[at + 2] += n;
          return;
        }
      }
      slot = (slot + 1) & mask;
    }
    this.insert(slot, buf, start, len, hash, n);
  }

  private sameBytes(off: number, buf: Buffer, start: number, len: number): boolean {
    const k = this.keys;
    if (len > 24) return k.compare(buf, start, start + len, off, off + len) === 0;
    for (let i = 0; i < len; i++) if (k[off + i] !== buf[start + i]) return false;
    return true;
  }

  private insert(slot: number, buf: Buffer, start: number, len: number, hash: number, n: number): void {
    if (this.keysUsed + len > this.keys.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.keys.length * 2, this.keysUsed + len));
      this.keys.copy(bigger, 0, 0, this.keysUsed);
      this.keys = bigger;
    }
    if (3 * this.size === this.entries.length) {
      const bigger = new Uint32Array(this.entries.length * 2);
      bigger.set(this.entries);
      this.entries = bigger;
    }
    const idx = this.size++;
    copyBytes(buf, start, start + len, this.keys, this.keysUsed);
    const at = 3 * idx;
    this.entries[at] = this.keysUsed;
    this.entries[at + 1] = len;
    this.entries[at + 2] = n;
    this.keysUsed += len;
    this.slots[2 * slot] = hash;
    this.slots[2 * slot + 1] = idx + 1;
    if (this.size * 2 > this.mask + 1) this.rehash();
  }

  private rehash(): void {
    const old = this.slots;
    const n = (this.mask + 1) * 2;
    const slots = new Uint32Array(2 * n);
    const mask = n - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] === 0) continue;
      let slot = slotOf(old[i], mask);
      while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = old[i];
      slots[2 * slot + 1] = old[i + 1];
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** Calls `fn` with every key (as a latin1 string: one char per byte) and its count. */
  forEachLatin1(fn: (key: string, count: number) => void): void {
    const ent = this.entries;
    for (let at = 0; at < 3 * this.size; at += 3) fn(this.keys.toString('latin1', ent[at], ent[at] + ent[at + 1]), ent[at + 2]);
  }

  /** Calls `fn` with every key as a byte range of the key arena (valid during the call). */
  forEachBytes(fn: (keys: Buffer, start: number, end: number, count: number) => void): void {
    const ent = this.entries;
    for (let at = 0; at < 3 * this.size; at += 3) fn(this.keys, ent[at], ent[at] + ent[at + 1], ent[at + 2]);
  }

  clear(): void {
    this.slots.fill(0);
    this.size = 0;
    this.keysUsed = 0;
  }
}
