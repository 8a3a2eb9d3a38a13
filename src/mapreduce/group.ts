// Grouping of a sorted record stream by key (for combine and reduce), and encoding of
// records emitted by user code.

import { copyBytes, equalBytes } from './bytes.js';
import type { Codec } from './codecs.js';
import type { RecordStream, SegmentWriter } from './segment.js';

/** Iterates the groups of equal keys of a sorted stream. `values` is lazy: it pulls
 *  records from the stream while their key equals the group key; whatever the user
 *  function leaves unread is skipped by `nextGroup()`. */
export class Grouper<K, V> {
  key!: K;
  /** Records consumed so far (all groups). */
  records = 0;
  readonly values: Iterable<V>;

  private has = false;
  private started = false;
  private pending = false;
  private ended = true;
  private gk = Buffer.allocUnsafe(256);
  private gkLen = 0;
  private readonly result: { value: V; done: boolean } = { value: undefined as V, done: false };
  private readonly doneResult: { value: V; done: boolean } = { value: undefined as V, done: true };

  constructor(
    private readonly s: RecordStream,
    private readonly keyCodec: Codec<K>,
    private readonly valueCodec: Codec<V>,
    private readonly compare?: (a: K, b: K) => number,
  ) {
    const iterator = {
      next: (): IteratorResult<V> => this.nextValue(),
      [Symbol.iterator]() {
        return iterator;
      },
    };
    this.values = iterator;
  }

  private sameKey(): boolean {
    const s = this.s;
    if (this.compare !== undefined) return this.compare(this.key, this.keyCodec.read(s.key, s.keyStart, s.keyEnd)) === 0;
    return equalBytes(this.gk, 0, this.gkLen, s.key, s.keyStart, s.keyEnd);
  }

  private nextValue(): IteratorResult<V> {
    if (this.ended) return this.doneResult as IteratorResult<V>;
    if (!this.pending) {
      this.has = this.s.next();
      if (!this.has || !this.sameKey()) {
        this.ended = true;
        return this.doneResult as IteratorResult<V>;
      }
      this.records++;
    }
    this.pending = false;
    const s = this.s;
    this.result.value = this.valueCodec.read(s.value, s.valueStart, s.valueEnd);
    return this.result as IteratorResult<V>;
  }

  /**
   * Moves to the next group; false at the end of the stream. With `single`, on a stream
   * that can look ahead (nextKeyDiffers) and byte-order keys: a key with just one record
   * is not a group but handed to `single` as the stream's current record (its key never
   * decoded), and the next group is looked for.
   */
  nextGroup(single?: (s: RecordStream) => void): boolean {
    if (!this.advance()) return false;
    const s = this.s;
    if (single !== undefined && this.compare === undefined && s.nextKeyDiffers !== undefined) {
      while (s.nextKeyDiffers()) {
        single(s);
        this.pending = false;
        this.has = s.next();
        if (!this.has) {
          this.ended = true;
          return false;
        }
        this.records++;
      }
    }
    const kl = s.keyEnd - s.keyStart;
    if (kl > this.gk.length) this.gk = Buffer.allocUnsafe(Math.max(kl, this.gk.length * 2));
    copyBytes(s.key, s.keyStart, s.keyEnd, this.gk, 0);
    this.gkLen = kl;
    this.key = this.keyCodec.read(this.gk, 0, kl);
    this.pending = true;
    this.ended = false;
    return true;
  }

  /** Positions the stream on the first record of the next group (what the last one left unread skipped); false at the end. */
  private advance(): boolean {
    if (!this.started) {
      this.started = true;
      this.has = this.s.next();
      if (this.has) this.records++;
    } else {
      // Skip what the user function did not read.
      while (!this.ended) {
        if (this.pending) {
          this.pending = false;
          continue;
        }
        this.has = this.s.next();
        if (!this.has || !this.sameKey()) this.ended = true;
        else this.records++;
      }
      if (this.has) this.records++;
    }
    return this.has;
  }
}

/** Encodes (key, value) pairs with codecs into a reusable scratch buffer. */
export class RecordEncoder<K, V> {
  buf = Buffer.allocUnsafe(4096);
  keyLength = 0;
  valueLength = 0;

  constructor(
    private readonly keyCodec: Codec<K>,
    private readonly valueCodec: Codec<V>,
  ) {}

  encode(key: K, value: V): void {
    for (;;) {
      const kl = this.keyCodec.write(key, this.buf, 0);
      if (kl >= 0) {
        const vl = this.valueCodec.write(value, this.buf, kl);
        if (vl >= 0) {
          this.keyLength = kl;
          this.valueLength = vl;
          return;
        }
      }
      this.buf = Buffer.allocUnsafe(this.buf.length * 2);
    }
  }

  appendTo(w: SegmentWriter): void {
    const kl = this.keyLength;
    w.append(this.buf, 0, kl, this.buf, kl, kl + this.valueLength);
  }
}
