// Input splits: byte ranges of input files (or row ranges of generated input) that
// one map task each reads. Splits are plain JSON so the job tracker can ship them.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputNotFoundError } from './errors.js';
import { parseInputSpec, type InputSpec } from './formats.js';
import { localPath } from './fs.js';

export interface InputSplit {
  /** Position of the split in the job's split list; names the map task (`m-00003`). */
  readonly index: number;
  /** Absolute local path of the file ('' for generated input). */
  readonly path: string;
  /** First byte of the split (for `range` input: the first row). */
  readonly start: number;
  /** Bytes in the split (for `range` input: rows). For gzip files: the compressed file size. */
  readonly length: number;
  /** Whole file is gzip-compressed: read from its beginning to its end as one split. */
  readonly gzip: boolean;
  /** Hosts holding the data, for locality requests (local files: the given host names). */
  readonly hosts: readonly string[];
}

export interface SplitOptions {
  /** Smallest split, bytes (default 1 MiB). */
  readonly minSplitBytes?: number;
  /** Largest split, bytes (default 128 MiB). Splits are as large as possible up to this. */
  readonly maxSplitBytes?: number;
  /** Hosts recorded on every file split (default: ['localhost']). */
  readonly hosts?: readonly string[];
}

export const defaultMinSplitBytes = 1 << 20;
export const defaultMaxSplitBytes = 128 << 20;
/** A file's last split may be this much larger than the split size instead of leaving a tiny tail split. */
const splitSlop = 1.1;

/** Lists input files under the paths (directories recursively; names starting with `_` or `.` are skipped). */
export async function listInputFiles(inputs: readonly string[]): Promise<{ path: string; bytes: number }[]> {
  const files: { path: string; bytes: number }[] = [];
  for (const uri of inputs) {
    const p = localPath(uri);
    const st = await stat(p).catch(() => null);
    if (st === null) throw new InputNotFoundError(uri);
    if (st.isDirectory()) await walk(p, files);
    else files.push({ path: p, bytes: st.size });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return files;
}

async function walk(dir: string, out: { path: string; bytes: number }[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('_') || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile() || e.isSymbolicLink()) {
      const st = await stat(p);
      if (st.isDirectory()) await walk(p, out);
      else out.push({ path: p, bytes: st.size });
    }
  }
}

export async function computeSplits(inputs: readonly string[], format: InputSpec | string, opts: SplitOptions = {}): Promise<InputSplit[]> {
  const spec = parseInputSpec(format);
  const hosts = opts.hosts ?? ['localhost'];
  const minBytes = opts.minSplitBytes ?? defaultMinSplitBytes;
  const maxBytes = opts.maxSplitBytes ?? defaultMaxSplitBytes;
  const splits: InputSplit[] = [];
  if (spec.format === 'range') {
    const per = Math.ceil(spec.rows / spec.splits);
    for (let first = 0; first < spec.rows; first += per) {
      splits.push({ index: splits.length, path: '', start: first, length: Math.min(per, spec.rows - first), gzip: false, hosts });
    }
    return splits;
  }
  let splitBytes = Math.max(minBytes, maxBytes, 1);
  if (spec.format === 'fixed') splitBytes = Math.max(spec.recordBytes, splitBytes - (splitBytes % spec.recordBytes));
  for (const f of await listInputFiles(inputs)) {
    if (f.bytes === 0) continue;
    if (f.path.endsWith('.gz')) {
      splits.push({ index: splits.length, path: f.path, start: 0, length: f.bytes, gzip: true, hosts });
      continue;
    }
    let start = 0;
    while (start < f.bytes) {
      const rest = f.bytes - start;
      const len = rest <= splitBytes * splitSlop ? rest : splitBytes;
      splits.push({ index: splits.length, path: f.path, start, length: len, gzip: false, hosts });
      start += len;
    }
  }
  return splits;
}
