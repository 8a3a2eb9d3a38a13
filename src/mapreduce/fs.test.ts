import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileWriter, localFileSystem, writeBehindBytes } from './fs.js';
import { tempDir } from './test-helpers.js';

/** Bytes 0..n-1 of a recognisable pattern, written in 1 MiB pieces. */
function writePattern(w: FileWriter, n: number): Buffer {
  const all = Buffer.alloc(n);
  for (let i = 0; i < n; i++) all[i] = (i * 7 + (i >>> 12)) & 0xff;
  for (let at = 0; at < n; at += 1 << 20) w.write(all, at, Math.min(n, at + (1 << 20)));
  return all;
}

void test('FileWriter: a file written behind is complete after close(), also when closed while a background sync runs', async () => {
  const t = await tempDir();
  try {
    for (const mode of ['none', 'behind', 'durable'] as const) {
      const path = join(t.path, mode);
      const w = new FileWriter(path, 'w', mode);
      // Past several write-behind steps, so syncs are started (and maybe still running at close).
      const want = writePattern(w, 3 * writeBehindBytes + 12345);
      if (mode === 'durable') await w.closeDurable();
      else w.close();
      assert.ok(w.closed);
      assert.throws(() => w.write(want, 0, 1), /closed file/);
      assert.ok((await readFile(path)).equals(want), mode);
    }
  } finally {
    await t.cleanup();
  }
});

void test('job output sinks are durable when close() resolves; abort() removes the partial file', async () => {
  const t = await tempDir();
  try {
    const sink = await localFileSystem.create(join(t.path, 'part-r-00000'));
    sink.writeString('key\tvalue\n', 'latin1');
    sink.write(Buffer.alloc(writeBehindBytes + 1, 0x61));
    await sink.close();
    assert.equal((await readFile(join(t.path, 'part-r-00000'))).length, 10 + writeBehindBytes + 1);
    const partial = await localFileSystem.create(join(t.path, 'part-r-00001'));
    partial.write(Buffer.alloc(100));
    await partial.abort();
    assert.equal(await localFileSystem.stat(join(t.path, 'part-r-00001')), null);
  } finally {
    await t.cleanup();
  }
});
