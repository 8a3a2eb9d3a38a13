import assert from 'node:assert/strict';
import { closeSync, constants, existsSync, mkdtempSync, openSync, rmSync, statfsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileWriter, directBlockBytes, dirtyMapOutputBytes, localFileSystem, setDirtyMapOutputLimit, writeBehindBytes } from './fs.js';
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

void test('map output is left dirty up to the process allowance; past it the oldest closed files, then the open one, are flushed', async () => {
  const t = await tempDir();
  const limit = 2 * writeBehindBytes;
  try {
    // With no allowance, whatever earlier tests left dirty is flushed.
    setDirtyMapOutputLimit(0);
    const z = new FileWriter(join(t.path, 'z'), 'w', 'behind');
    z.write(Buffer.from('z'), 0, 1);
    z.close();
    setDirtyMapOutputLimit(limit);
    const before = dirtyMapOutputBytes();
    assert.equal(before, 1);
    const a = new FileWriter(join(t.path, 'a'), 'w', 'behind');
    const wantA = writePattern(a, writeBehindBytes + 100);
    a.close();
    assert.equal(dirtyMapOutputBytes() - before, writeBehindBytes + 100, 'within the allowance nothing is flushed');
    const b = new FileWriter(join(t.path, 'b'), 'w', 'behind');
    const wantB = writePattern(b, 3 * writeBehindBytes);
    // a was flushed to make room, then b flushed its own bytes.
    assert.ok(dirtyMapOutputBytes() - before <= limit, `dirty ${dirtyMapOutputBytes() - before} > ${limit}`);
    b.close();
    assert.ok((await readFile(join(t.path, 'a'))).equals(wantA));
    assert.ok((await readFile(join(t.path, 'b'))).equals(wantB));
  } finally {
    setDirtyMapOutputLimit(256 << 20);
    await t.cleanup();
  }
});

void test('job output sinks write past the page cache where the file system takes O_DIRECT, with every byte and the exact length', async () => {
  const t = await tempDir();
  try {
    // Whether this is a local disk file system (ext4, XFS, Btrfs) that takes O_DIRECT, asked without FileWriter.
    let directOk = [0xef53, 0x58465342, 0x9123683e].includes(statfsSync(t.path).type);
    try {
      closeSync(openSync(join(t.path, 'probe'), constants.O_WRONLY | constants.O_CREAT | constants.O_DIRECT));
    } catch {
      directOk = false;
    }
    const w = new FileWriter(join(t.path, 'direct'), 'w', 'durable', true);
    assert.equal(w.direct, directOk);
    w.close();
    if (directOk) {
      // A first write the disk refuses (here: not block-aligned) reopens the file buffered, losing nothing.
      const f = new FileWriter(join(t.path, 'refused'), 'w', 'durable', true);
      assert.equal(f.direct, true);
      f.write(Buffer.from('hello, world'), 0, 12);
      assert.equal(f.direct, false);
      f.write(Buffer.from('!'), 0, 1);
      await f.closeDurable();
      assert.equal(await readFile(join(t.path, 'refused'), 'utf8'), 'hello, world!');
    }
    // Not on tmpfs (no disk behind it), where there is one to try.
    if (existsSync('/dev/shm') && statfsSync('/dev/shm').type === 0x01021994) {
      const shm = mkdtempSync('/dev/shm/coronet-fs-test-');
      try {
        const m = new FileWriter(join(shm, 'f'), 'w', 'durable', true);
        assert.equal(m.direct, false, 'tmpfs: buffered');
        m.close();
      } finally {
        rmSync(shm, { recursive: true, force: true });
      }
    }
    // Lengths around the block and buffer sizes, pieces of every size, strings in both encodings.
    for (const total of [0, 1, directBlockBytes - 1, directBlockBytes, (1 << 20) + 1, 3 * (1 << 20) + 4097]) {
      const path = join(t.path, `part-${total}`);
      const sink = await localFileSystem.create(path);
      const want = Buffer.alloc(total);
      for (let i = 0; i < total; i++) want[i] = (i * 31 + (i >>> 10)) & 0x7f;
      let at = 0;
      for (let k = 0; at < total; k++) {
        const n = Math.min(total - at, [1, 7, 4096, 70_000, 1 << 20, 2_500_000][k % 6]);
        if (k % 4 === 1) sink.writeString(want.toString('latin1', at, at + n), k % 8 === 1 ? 'latin1' : 'utf8');
        else if (k % 4 === 2) sink.writeRange(want, at, at + n);
        else sink.write(want.subarray(at, at + n));
        at += n;
      }
      assert.equal(sink.bytesWritten, total);
      await sink.close();
      const got = await readFile(path);
      assert.equal(got.length, total);
      assert.ok(got.equals(want), `contents of ${total} bytes`);
    }
  } finally {
    await t.cleanup();
  }
});
