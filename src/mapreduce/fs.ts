// A tiny file-system interface for job output (and the committer), with the built-in
// `file://` implementation: local disk or a shared mount such as NFS. Other schemes
// (object stores) plug in behind the same interface.

import { close as closeFd, closeSync, constants as fsConstants, fdatasync, fdatasyncSync, ftruncateSync, open, openSync, statfsSync, writeSync } from 'node:fs';
import { mkdir, open as openFile, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyBytes } from './bytes.js';
import type { TextSink } from './codecs.js';
import { UnsupportedUriError } from './errors.js';
import { pageAlignedBuffer } from './kernels.js';

export interface FileStatus {
  readonly path: string;
  readonly name: string;
  readonly isDirectory: boolean;
  readonly bytes: number;
}

/** A file being written. `write*` are synchronous and buffered; `close()` resolves once the bytes are durable (on disk). */
export interface OutputSink extends TextSink {
  write(b: Buffer): void;
  /** Writes b[start, end). */
  writeRange(b: Buffer, start: number, end: number): void;
  readonly bytesWritten: number;
  close(): Promise<void>;
  /** Closes and removes the partial file. */
  abort(): Promise<void>;
}

export interface FileSystem {
  readonly scheme: string;
  stat(path: string): Promise<FileStatus | null>;
  list(dir: string): Promise<FileStatus[]>;
  mkdirs(dir: string): Promise<void>;
  /** Atomic rename. Returns false, changing nothing, when `dst` exists (a non-empty
   *  directory, or for files any file): this is what makes task commit first-wins. */
  rename(src: string, dst: string): Promise<boolean>;
  delete(path: string, recursive: boolean): Promise<void>;
  /** Creates a new file (fails if it exists). */
  create(path: string): Promise<OutputSink>;
  writeFile(path: string, data: Buffer | string): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  /** Makes a file's bytes, or a directory's entries (files created or renamed into it), durable. */
  sync(path: string): Promise<void>;
}

/** Local path of a `file://` URI or plain path; other schemes are refused. */
export function localPath(uri: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(uri)) throw new UnsupportedUriError(uri);
  return resolve(uri);
}

/** The file system for a URI and the path inside it. */
export function resolveUri(uri: string): { fs: FileSystem; path: string } {
  return { fs: localFileSystem, path: localPath(uri) };
}

const sinkBufferBytes = 1 << 20;

/** Write-behind step: see FileWriter. Large enough that the disk gets big writes (each
 *  fdatasync of newly allocated blocks is also a journal commit): on the benchmark VM
 *  32 MiB steps finish a durable 1 GB write ~0.3 s sooner than 8 MiB ones. */
export const writeBehindBytes = 32 << 20;
/** Unsynced bytes past which a writer waits for the disk after all (a disk slower than
 *  the writer would otherwise let dirty pages grow without bound). */
const writeBehindMaxBytes = 4 * writeBehindBytes;

/** How a FileWriter flushes to disk:
 *  - `none`: never (short-lived files: spills, merge passes);
 *  - `behind`: only past the process's dirty allowance (map output: not made durable, a
 *    lost or torn one is re-run, its CRC32 says so; see DirtyMapOutput);
 *  - `durable`: written behind, and on disk when `closeDurable()` resolves (job output). */
export type WriteBehind = 'none' | 'behind' | 'durable';

/** Default of DirtyMapOutput's allowance (in-process runs; a task runner sets its own). */
const defaultDirtyMapOutputBytes = 256 << 20;

/** The map output a process leaves dirty in the page cache, over all its files. Up to an
 *  allowance nothing is flushed: map outputs usually go with their job (deleted when its
 *  session ends) before the kernel writes them back, so they never cost disk bandwidth.
 *  Past it the oldest closed files are flushed on the thread pool, then the one being
 *  written, so a long-lived task runner does not fill its memory cgroup with dirty pages. */
class DirtyMapOutput {
  limitBytes = defaultDirtyMapOutputBytes;
  /** Unflushed bytes of `behind` files still being written. */
  private open = 0;
  private readonly closed: Array<{ path: string; bytes: number }> = [];
  private closedBytes = 0;

  get bytes(): number {
    return this.open + this.closedBytes;
  }

  wrote(n: number): void {
    this.open += n;
  }

  /** An open file's bytes went to the disk (a flush of its own). */
  flushed(n: number): void {
    this.open -= n;
  }

  fileClosed(path: string, unflushed: number): void {
    this.open -= unflushed;
    if (unflushed === 0) return;
    this.closed.push({ path, bytes: unflushed });
    this.closedBytes += unflushed;
  }

  /** Flushes closed files, oldest first, until at most half the allowance is dirty. */
  flushClosed(): void {
    while (this.closed.length > 0 && this.bytes > this.limitBytes / 2) {
      const f = this.closed.shift() as { path: string; bytes: number };
      this.closedBytes -= f.bytes;
      flushInBackground(f.path);
    }
  }
}

/** fdatasync of a closed file on the thread pool; a file deleted meanwhile needs nothing. */
function flushInBackground(path: string): void {
  open(path, 'r', (err, fd) => {
    if (err) return;
    fdatasync(fd, () => closeFd(fd, () => undefined));
  });
}

const dirtyMapOutput = new DirtyMapOutput();

/** Sets how much map output this process may leave dirty in the page cache (a task runner:
 *  a share of its container's memory). */
export function setDirtyMapOutputLimit(bytes: number): void {
  dirtyMapOutput.limitBytes = bytes;
}

/** Map output bytes this process has written and not flushed (to the best of its knowledge). */
export function dirtyMapOutputBytes(): number {
  return dirtyMapOutput.bytes;
}

/** Alignment of O_DIRECT writes (memory, length and file offset): a disk's logical
 *  block is 512 bytes or 4 KiB. */
export const directBlockBytes = 4096;

/** Local disk file systems (statfs f_type) whose O_DIRECT writes go straight to the disk:
 *  ext2/3/4, XFS, Btrfs. Elsewhere job output is buffered: on NFS a direct write is a
 *  synchronous round trip to the server, tmpfs has no disk to go to, and FUSE mounts
 *  may take O_DIRECT at open and fail the I/O. */
const directFileSystems = new Set([0xef53, 0x58465342, 0x9123683e]);

/** `path` opened for O_DIRECT writes, or -1 where it is not on a local disk file system
 *  of `directFileSystems`, the file system refuses it, or the platform has no O_DIRECT. */
function openDirect(path: string, flags: 'w' | 'wx'): number {
  const direct = (fsConstants as { O_DIRECT?: number }).O_DIRECT;
  if (direct === undefined) return -1;
  try {
    if (!directFileSystems.has(statfsSync(dirname(path)).type)) return -1;
  } catch {
    return -1; // (the open below then says what is wrong with the path)
  }
  const mode = fsConstants.O_WRONLY | fsConstants.O_CREAT | (flags === 'wx' ? fsConstants.O_EXCL : fsConstants.O_TRUNC);
  try {
    return openSync(path, mode | direct, 0o666);
  } catch (e) {
    if (isCode(e, 'EINVAL')) return -1;
    throw e;
  }
}

/** Unbuffered synchronous writes to a new file. Written behind (`durable`, and `behind`
 *  past the dirty allowance): after every `writeBehindBytes` the file is flushed to disk
 *  (fdatasync) on the thread pool, so the big files the data path keeps never pile up as
 *  dirty pages in the page cache (where the kernel's dirty-page limits, and on cgroup v1 a
 *  container's memory limit, would stall every writer: RocksDB's bytes_per_sync), and the
 *  writer does not wait for the disk unless it gets `writeBehindMaxBytes` ahead of it.
 *
 *  `direct` (durable files) asks for O_DIRECT: the bytes go from the caller's memory to
 *  the disk, past the page cache. Then every write must start in memory aligned to
 *  `directBlockBytes` and be a multiple of it (the caller pads the last block and calls
 *  `truncate`); `direct` reads false when the file system refused it (then writes are
 *  buffered and written behind as above). See LocalSink for why. */
export class FileWriter {
  private fd: number;
  /** Bytes written. */
  private written = 0;
  private directIo: boolean;
  private unsynced = 0;
  private syncing: Promise<void> | null = null;
  private syncError: unknown = null;
  private closing = false;
  /** close() was called while a sync ran: the sync's callback closes the descriptor. */
  private closeAfterSync = false;

  constructor(
    readonly path: string,
    flags: 'w' | 'wx',
    private readonly writeBehind: WriteBehind,
    direct = false,
  ) {
    this.fd = direct ? openDirect(path, flags) : -1;
    this.directIo = this.fd >= 0;
    if (this.fd < 0) this.fd = openSync(path, flags);
  }

  /** Writes go past the page cache (O_DIRECT). */
  get direct(): boolean {
    return this.directIo;
  }

  get closed(): boolean {
    return this.closing;
  }

  /** Writes all of b[start, end). */
  write(b: Buffer, start: number, end: number): void {
    if (this.closing) throw new Error(`write to closed file ${this.path}`);
    let off = start;
    while (off < end) off += this.writeSome(b, off, end);
    this.unsynced += end - start;
    if (this.writeBehind === 'none' || this.direct) return;
    if (this.writeBehind === 'behind') {
      dirtyMapOutput.wrote(end - start);
      if (dirtyMapOutput.bytes <= dirtyMapOutput.limitBytes) return;
      dirtyMapOutput.flushClosed();
      if (dirtyMapOutput.bytes <= dirtyMapOutput.limitBytes) return;
    }
    if (this.unsynced < writeBehindBytes) return;
    if (this.syncing === null) this.syncBehind();
    else if (this.unsynced >= writeBehindMaxBytes) {
      fdatasyncSync(this.fd);
      this.markFlushed();
    }
  }

  private writeSome(b: Buffer, start: number, end: number): number {
    try {
      const n = writeSync(this.fd, b, start, end - start);
      this.written += n;
      return n;
    } catch (e) {
      // A file system that takes O_DIRECT at open but not for I/O: buffered from here on
      // (nothing was written yet, so the file is simply opened again).
      if (!this.directIo || this.written !== 0 || !isCode(e, 'EINVAL')) throw e;
      closeSync(this.fd);
      this.directIo = false;
      this.fd = openSync(this.path, 'w');
      const n = writeSync(this.fd, b, start, end - start);
      this.written += n;
      return n;
    }
  }

  /** Cuts the file to `bytes` (after a padded last block of a direct file). */
  truncate(bytes: number): void {
    ftruncateSync(this.fd, bytes);
  }

  private markFlushed(): void {
    if (this.writeBehind === 'behind') dirtyMapOutput.flushed(this.unsynced);
    this.unsynced = 0;
  }

  private syncBehind(): void {
    const fd = this.fd;
    this.markFlushed();
    this.syncing = new Promise<void>((resolve) =>
      fdatasync(fd, (err) => {
        if (err) this.syncError ??= err;
        this.syncing = null;
        // close() leaves the descriptor open while its sync runs: closed here, never reused under it.
        if (this.closeAfterSync) this.closeFd();
        resolve();
      }),
    );
  }

  private closeFd(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Closes the file; bytes written behind may still be on their way to the disk. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.writeBehind === 'behind') dirtyMapOutput.fileClosed(this.path, this.unsynced);
    if (this.syncing === null) this.closeFd();
    else this.closeAfterSync = true;
  }

  /** Closes the file once all of it is on disk (`durable` writers); rejects when a sync failed. */
  async closeDurable(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.syncing;
    try {
      if (this.syncError !== null) throw this.syncError;
      await new Promise<void>((resolve, reject) => fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
    } finally {
      this.closeFd();
    }
  }
}

/** Page-aligned sink buffers given back by closed sinks, for the process's next ones. */
const alignedBuffers: Buffer[] = [];

/** A job output file. It is written with O_DIRECT where the file system takes it, as
 *  HDFS datanodes drop written pages behind them (`drop.cache.behind.writes`): job output
 *  is large, read later if at all, and durable before its task commits anyway, and going
 *  through the page cache costs a copy into a fresh page per 4 KiB (on the benchmark VM a
 *  first touch of guest memory: ~2 ms of CPU per MiB, against ~0.1 ms straight to disk) and
 *  crowds out pages that are read again, such as map output. The buffer is page aligned
 *  and only ever written whole, the last block padded and the file cut back at close. */
class LocalSink implements OutputSink {
  private buf: Buffer;
  private used = 0;
  private readonly file: FileWriter;
  bytesWritten = 0;

  constructor(private readonly path: string) {
    const aligned = alignedBuffers.pop() ?? pageAlignedBuffer(sinkBufferBytes);
    this.file = new FileWriter(path, 'wx', 'durable', aligned !== null);
    if (aligned !== null && !this.file.direct) alignedBuffers.push(aligned);
    this.buf = this.file.direct && aligned !== null ? aligned : Buffer.allocUnsafe(sinkBufferBytes);
  }

  write(b: Buffer): void {
    this.writeRange(b, 0, b.length);
  }

  writeRange(b: Buffer, start: number, end: number): void {
    this.bytesWritten += end - start;
    let at = start;
    while (end - at > this.buf.length - this.used) {
      at += copyBytes(b, at, at + this.buf.length - this.used, this.buf, this.used);
      this.used = this.buf.length;
      this.flush();
    }
    this.used += copyBytes(b, at, end, this.buf, this.used);
  }

  writeBytes(b: Buffer): void {
    this.writeRange(b, 0, b.length);
  }

  writeString(s: string, encoding: 'utf8' | 'latin1' = 'utf8'): void {
    const worst = encoding === 'latin1' ? s.length : s.length * 3;
    if (worst > this.buf.length - this.used) {
      this.write(Buffer.from(s, encoding));
      return;
    }
    const n = encoding === 'latin1' ? this.buf.write(s, this.used, 'latin1') : this.buf.write(s, this.used, 'utf8');
    this.used += n;
    this.bytesWritten += n;
  }

  /** Writes the whole buffer (or, at close, what it holds). */
  private flush(): void {
    if (this.used > 0) this.file.write(this.buf, 0, this.used);
    this.used = 0;
  }

  /** The file is on disk when this resolves: its task may be committed. */
  async close(): Promise<void> {
    if (this.file.closed) return;
    if (this.file.direct && this.used % directBlockBytes !== 0) {
      const padded = Math.ceil(this.used / directBlockBytes) * directBlockBytes;
      this.buf.fill(0, this.used, padded);
      this.used = padded;
      this.flush();
      this.file.truncate(this.bytesWritten);
    } else {
      this.flush();
    }
    this.releaseBuffer();
    await this.file.closeDurable();
  }

  async abort(): Promise<void> {
    this.file.close();
    this.releaseBuffer();
    await unlink(this.path).catch(() => undefined);
  }

  private releaseBuffer(): void {
    if (this.file.direct && this.buf.length > 0) alignedBuffers.push(this.buf);
    this.buf = Buffer.alloc(0);
  }
}

function isCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes((e as { code?: string }).code ?? '');
}

export const localFileSystem: FileSystem = {
  scheme: 'file',
  async stat(path) {
    const st = await stat(path).catch((e: unknown) => {
      if (isCode(e, 'ENOENT', 'ENOTDIR')) return null;
      throw e;
    });
    if (st === null) return null;
    return { path, name: path.slice(path.lastIndexOf('/') + 1), isDirectory: st.isDirectory(), bytes: st.size };
  },
  async list(dir) {
    const entries = await readdir(dir, { withFileTypes: true });
    const out: FileStatus[] = [];
    for (const e of entries) {
      const p = join(dir, e.name);
      const st = await stat(p);
      out.push({ path: p, name: e.name, isDirectory: st.isDirectory(), bytes: st.size });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  },
  async mkdirs(dir) {
    await mkdir(dir, { recursive: true });
  },
  async rename(src, dst) {
    const st = await stat(src);
    if (!st.isDirectory()) {
      // rename(2) silently replaces files; refuse instead.
      if ((await stat(dst).catch(() => null)) !== null) return false;
    }
    try {
      await rename(src, dst);
      return true;
    } catch (e) {
      if (isCode(e, 'ENOTEMPTY', 'EEXIST')) return false;
      throw e;
    }
  },
  async delete(path, recursive) {
    await rm(path, { recursive, force: true });
  },
  async create(path) {
    await Promise.resolve();
    return new LocalSink(path);
  },
  async writeFile(path, data) {
    await writeFile(path, data);
  },
  async readFile(path) {
    return readFile(path);
  },
  async sync(path) {
    const fh = await openFile(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};
