// Key/value codecs. Map output keys and values travel as bytes; the sort compares the
// ENCODED key bytes (memcmp) unless the job gives `compare`, so every key codec here
// is order-preserving: memcmp order of the encoding equals the natural order of the
// values (strings by code point, numbers numerically, bigints numerically).

import { copyBytes } from './bytes.js';
import { FormatError } from './errors.js';

/** Where text output goes: a codec renders a value as text through it. */
export interface TextSink {
  writeString(s: string, encoding?: 'utf8' | 'latin1'): void;
  writeBytes(b: Buffer): void;
}

export interface Codec<T> {
  readonly name: CodecName | string;
  /** Writes `value` into `buf` at `offset`; returns the bytes written, or -1 (writing nothing
   *  meaningful) when it does not fit in `buf.length - offset` bytes. */
  write(value: T, buf: Buffer, offset: number): number;
  /** Decodes the bytes `buf[start, end)`. The result must not alias `buf` unless the codec is `raw`. */
  read(buf: Buffer, start: number, end: number): T;
  /** Renders the value for text output (`key\tvalue\n`). */
  text(value: T, out: TextSink): void;
}

export type CodecName = 'utf8' | 'latin1' | 'number' | 'bigint' | 'json' | 'raw';

/** Value type of a codec given by name. */
export type CodecValue<N extends CodecName> = N extends 'utf8' | 'latin1'
  ? string
  : N extends 'number'
    ? number
    : N extends 'bigint'
      ? bigint
      : N extends 'raw'
        ? Buffer
        : unknown;

/** UTF-8 strings; memcmp order = code point order. */
export const utf8: Codec<string> = {
  name: 'utf8',
  write(value, buf, offset) {
    const room = buf.length - offset;
    // Cheap bound first: a UTF-16 unit never takes more than 3 UTF-8 bytes.
    if (value.length * 3 > room && Buffer.byteLength(value, 'utf8') > room) return -1;
    return buf.write(value, offset, 'utf8');
  },
  read(buf, start, end) {
    return buf.toString('utf8', start, end);
  },
  text(value, out) {
    out.writeString(value, 'utf8');
  },
};

/** Byte strings: one char per byte (0-255). Byte-exact for any input, e.g. tokens of
 *  text that may not be valid UTF-8; text output writes the same bytes back. */
export const latin1: Codec<string> = {
  name: 'latin1',
  write(value, buf, offset) {
    if (value.length > buf.length - offset) return -1;
    return buf.write(value, offset, 'latin1');
  },
  read(buf, start, end) {
    return buf.toString('latin1', start, end);
  },
  text(value, out) {
    out.writeString(value, 'latin1');
  },
};

/** Decoding scratch for number/bigint (never handed out). */
const numberScratch = Buffer.alloc(8);

/** IEEE-754 doubles, 8 bytes, sign-adjusted big-endian so memcmp sorts numerically. */
export const number: Codec<number> = {
  name: 'number',
  write(value, buf, offset) {
    if (buf.length - offset < 8) return -1;
    buf.writeDoubleBE(value, offset);
    if (buf[offset] & 0x80) {
      for (let i = offset; i < offset + 8; i++) buf[i] = ~buf[i] & 0xff;
    } else {
      buf[offset] |= 0x80;
    }
    return 8;
  },
  read(buf, start, end) {
    if (end - start !== 8) throw new FormatError(`number codec: expected 8 bytes, got ${end - start}`);
    const negative = (buf[start] & 0x80) === 0;
    for (let i = 0; i < 8; i++) numberScratch[i] = negative ? ~buf[start + i] & 0xff : buf[start + i];
    if (!negative) numberScratch[0] &= 0x7f;
    return numberScratch.readDoubleBE(0);
  },
  text(value, out) {
    out.writeString(String(value));
  },
};

/** Signed 64-bit integers as bigint, 8 bytes big-endian with the sign bit flipped. */
export const bigint: Codec<bigint> = {
  name: 'bigint',
  write(value, buf, offset) {
    if (buf.length - offset < 8) return -1;
    buf.writeBigInt64BE(value, offset);
    buf[offset] ^= 0x80;
    return 8;
  },
  read(buf, start, end) {
    if (end - start !== 8) throw new FormatError(`bigint codec: expected 8 bytes, got ${end - start}`);
    buf.copy(numberScratch, 0, start, end);
    numberScratch[0] ^= 0x80;
    return numberScratch.readBigInt64BE(0);
  },
  text(value, out) {
    out.writeString(value.toString());
  },
};

/** Any JSON value. Sort order is the memcmp order of the JSON text (consistent, not natural). */
export const json: Codec<unknown> = {
  name: 'json',
  write(value, buf, offset) {
    const s = JSON.stringify(value) ?? 'null';
    return utf8.write(s, buf, offset);
  },
  read(buf, start, end) {
    return JSON.parse(buf.toString('utf8', start, end)) as unknown;
  },
  text(value, out) {
    out.writeString(JSON.stringify(value) ?? 'null');
  },
};

/** Raw bytes. `read` returns a copy (safe to keep). */
export const raw: Codec<Buffer> = {
  name: 'raw',
  write(value, buf, offset) {
    if (value.length > buf.length - offset) return -1;
    if (value.length <= 16) return copyBytes(value, 0, value.length, buf, offset);
    buf.set(value, offset);
    return value.length;
  },
  read(buf, start, end) {
    return Buffer.from(buf.subarray(start, end));
  },
  text(value, out) {
    out.writeBytes(value);
  },
};

export const codecs = { utf8, latin1, number, bigint, json, raw } as const;

export function codecByName(name: string): Codec<unknown> {
  const c = (codecs as Record<string, Codec<unknown>>)[name];
  if (c === undefined) throw new FormatError(`unknown codec ${JSON.stringify(name)}; known: ${Object.keys(codecs).join(', ')}`);
  return c;
}

/** Text rendering for output values that have no codec: strings as UTF-8, Buffers as
 *  bytes, numbers/bigints in decimal, null/undefined as nothing, others as JSON. */
export function writeDefaultText(value: unknown, out: TextSink): void {
  if (typeof value === 'string') out.writeString(value, 'utf8');
  else if (Buffer.isBuffer(value)) out.writeBytes(value);
  else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') out.writeString(String(value));
  else if (value === null || value === undefined) return;
  else out.writeString(JSON.stringify(value));
}
