import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { raw } from './codecs.js';
import { Counters } from './counters.js';
import { SegmentReader } from './segment.js';
import { MapOutputBuffer } from './sortbuffer.js';
import { tempDir } from './test-helpers.js';

// Keys from a tiny alphabet with 0x00 and 0xff, lengths 0..12: many equal 5-byte
// prefixes, keys that are prefixes of others, and zero padding look-alikes ("ab" vs "ab\0").
const keyArb = fc.uint8Array({ minLength: 0, maxLength: 12 }).map((a) => Buffer.from(a.map((b) => [0, 1, 97, 98, 255][b % 5])));
const recordArb = fc.tuple(keyArb, fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)));

void test('map output buffer: every partition segment is sorted by memcmp and holds exactly its records (property)', async () => {
  const t = await tempDir();
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { maxLength: 400 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(1, 2048, 1 << 20),
        fc.integer({ min: 2, max: 4 }),
        async (records, partitions, sortBufferBytes, mergeFactor) => {
          const dir = join(t.path, String(run++));
          await mkdir(dir);
          const b = new MapOutputBuffer<Buffer, Buffer>({
            mapId: 'm',
            dir,
            partitions,
            keyCodec: raw,
            valueCodec: raw,
            partitioner: null,
            combineContext: { config: {}, jobId: 'j', taskId: 'm', attemptId: 'm_0', partitions, counter: () => ({ increment() {}, value: 0 }) },
            sortBufferBytes,
            mergeFactor,
            counters: new Counters(),
          });
          for (const [k, v] of records) b.collect(k, v);
          const out = b.finish();
          const seen: string[] = [];
          for (let p = 0; p < partitions; p++) {
            const r = SegmentReader.fromFile(out.dataPath, out.index.partitions[p], { mapId: 'm', partition: p });
            let prev: Buffer | null = null;
            while (r.next()) {
              const k = Buffer.from(r.key.subarray(r.keyStart, r.keyEnd));
              if (prev !== null) assert.ok(Buffer.compare(prev, k) <= 0, `partition ${p}: ${prev.toString('hex')} > ${k.toString('hex')}`);
              prev = k;
              seen.push(`${p}:${k.toString('hex')}:${r.value.toString('hex', r.valueStart, r.valueEnd)}`);
            }
          }
          // Same records; each in one partition, consistently for equal keys.
          const part = new Map<string, number>();
          for (const s of seen) {
            const [p, k] = s.split(':');
            assert.equal(part.get(k) ?? Number(p), Number(p));
            part.set(k, Number(p));
          }
          assert.deepEqual(
            seen.map((s) => s.slice(s.indexOf(':') + 1)).sort(),
            records.map(([k, v]) => `${k.toString('hex')}:${v.toString('hex')}`).sort(),
          );
        },
      ),
      { numRuns: 150, seed: 20261122 },
    );
  } finally {
    await t.cleanup();
  }
});
