// teravalidate: checks that TeraSort output is globally sorted (within every file and
// across part files in name order) and computes an order-independent checksum of all
// records (sum of per-record CRC32s), so the output can be proven a permutation of the
// input by running teravalidate on both. Writes a report to part-r-00000:
//   records\tN    checksum\tHEX    misordered\tN    status\tOK|UNSORTED    [error\t...]

import { crc32 } from 'node:zlib';
import { json, utf8 } from '../codecs.js';
import { fixedInput } from '../formats.js';
import { defineJob } from '../job.js';
import { teraKeyBytes, teraRecordBytes } from './tera.js';

interface SplitSummary {
  readonly records: number;
  readonly misordered: number;
  readonly first: string | null;
  readonly last: string | null;
  /** Decimal string (a bigint). */
  readonly checksum: string;
  readonly firstError: string | null;
}

/** Flush the float accumulator into the bigint well before it can lose precision. */
const checksumFlushRecords = 1 << 20;

export default defineJob({
  name: 'teravalidate',
  input: fixedInput(teraRecordBytes, teraKeyBytes),
  reducers: 1,
  codecs: { key: utf8, value: json, outputKey: utf8, outputValue: utf8 },
  partition: () => () => 0,
  mapSetup() {
    return { prev: Buffer.alloc(teraKeyBytes), records: 0, misordered: 0, first: null as string | null, sum: 0, sumBig: 0n, pending: 0, firstError: null as string | null };
  },
  map(key, value, ctx, s) {
    if (s.records === 0) s.first = key.toString('hex');
    else if (s.prev.compare(key) > 0) {
      s.misordered++;
      if (s.firstError === null) s.firstError = `${ctx.split.path} record ${s.records}: key ${key.toString('hex')} < previous ${s.prev.toString('hex')}`;
    }
    key.copy(s.prev);
    s.records++;
    s.sum += crc32(value, crc32(key));
    if (++s.pending === checksumFlushRecords) {
      s.sumBig += BigInt(s.sum);
      s.sum = 0;
      s.pending = 0;
    }
  },
  mapCleanup(ctx, s) {
    const summary: SplitSummary = {
      records: s.records,
      misordered: s.misordered,
      first: s.first,
      last: s.records > 0 ? s.prev.toString('hex') : null,
      checksum: (s.sumBig + BigInt(s.sum)).toString(),
      firstError: s.firstError,
    };
    // Keys sort as (file, offset): the reduce sees splits in output order.
    ctx.emit(`${ctx.split.path}\u0000${String(ctx.split.start).padStart(16, '0')}`, summary);
  },
  reduceSetup() {
    return { records: 0, misordered: 0, checksum: 0n, last: null as string | null, lastWhere: '', errors: [] as string[] };
  },
  reduce(where, summaries, _ctx, t) {
    for (const v of summaries) {
      const s = v as SplitSummary;
      t.records += s.records;
      t.misordered += s.misordered;
      t.checksum += BigInt(s.checksum);
      if (s.firstError !== null && t.errors.length < 10) t.errors.push(s.firstError);
      if (s.first !== null && t.last !== null && s.first < t.last) {
        t.misordered++;
        if (t.errors.length < 10) t.errors.push(`first key ${s.first} of ${where.replace('\u0000', ' @')} < last key ${t.last} of ${t.lastWhere.replace('\u0000', ' @')}`);
      }
      if (s.last !== null) {
        t.last = s.last;
        t.lastWhere = where;
      }
    }
  },
  reduceCleanup(ctx, t) {
    ctx.emit('records', String(t.records));
    ctx.emit('checksum', t.checksum.toString(16));
    ctx.emit('misordered', String(t.misordered));
    ctx.emit('status', t.misordered === 0 ? 'OK' : 'UNSORTED');
    for (const e of t.errors) ctx.emit('error', e);
  },
});
