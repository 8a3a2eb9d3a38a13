// The job bundle cache: `coronet run` bundles the job module with esbuild at every
// submit, and in a fresh CLI process that means starting esbuild's service (30-40 ms of
// a small job's 300). A bundle is kept under the user's cache dir with the list of its
// input files (the job's sources and the Coronet modules its shims stand for) and their
// sizes and modification times; a later bundle of the same entry, by the same esbuild
// and Coronet, whose inputs all still match is a copy of the cached one.
//
// Where: $CORONET_CACHE_DIR, else $XDG_CACHE_HOME/coronet, else ~/.cache/coronet; under
// bundles/, one .mjs and one .json per entry path. CORONET_CACHE_DIR=off disables it.
// The cache is only ever a shortcut: an unreadable, stale or corrupt entry is a miss
// (the job is bundled again and the entry rewritten), and an unwritable cache dir just
// means no caching. At most `entriesMax` entries are kept, the least recently written
// going first.

import { copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const entriesMax = 200;
/** Identifies this Coronet tree: bundles made against another are not reused. */
const coronetTree = dirname(dirname(fileURLToPath(import.meta.url)));

interface Entry {
  entry: string;
  esbuild: string;
  coronet: string;
  /** The entry's dir as seen from the bundle's (the inline source map's paths depend on it). */
  fromOut: string;
  /** Every input file with its size and mtime when the bundle was made. */
  inputs: Array<[path: string, size: number, mtimeMs: number]>;
}

/** The installed esbuild's version, without loading it (its package.json). */
function esbuildVersion(): string {
  try {
    return String((JSON.parse(readFileSync(createRequire(import.meta.url).resolve('esbuild/package.json'), 'utf8')) as { version?: unknown }).version);
  } catch {
    return '';
  }
}

function cacheDir(): string | null {
  const env = process.env.CORONET_CACHE_DIR;
  if (env === 'off') return null;
  const base = env || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'coronet');
  return join(base, 'bundles');
}

function entryFiles(dir: string, entry: string): { bundle: string; meta: string } {
  const key = createHash('sha256').update(`${coronetTree}\0${entry}`).digest('hex').slice(0, 32);
  return { bundle: join(dir, `${key}.mjs`), meta: join(dir, `${key}.json`) };
}

function stamp(path: string): [number, number] | null {
  try {
    const st = statSync(path);
    return st.isFile() ? [st.size, st.mtimeMs] : null;
  } catch {
    return null;
  }
}

/** Copies the cached bundle of `entry` to `outFile` if its inputs are unchanged; false on a miss. */
export function cachedBundle(entry: string, outFile: string): boolean {
  const dir = cacheDir();
  if (!dir) return false;
  const f = entryFiles(dir, entry);
  try {
    const e = JSON.parse(readFileSync(f.meta, 'utf8')) as Entry;
    if (e.entry !== entry || e.coronet !== coronetTree || e.fromOut !== relative(dirname(outFile), dirname(entry)) || !Array.isArray(e.inputs) || e.inputs.length === 0) return false;
    if (e.esbuild !== esbuildVersion()) return false;
    for (const [path, size, mtimeMs] of e.inputs) {
      const now = stamp(path);
      if (!now || now[0] !== size || now[1] !== mtimeMs) return false;
    }
    copyFileSync(f.bundle, outFile);
    return true;
  } catch {
    return false;
  }
}

/** Records the bundle just written to `outFile` for `entry`, made from `inputs` by esbuild `version`. */
export function cacheBundle(entry: string, outFile: string, inputs: string[], version: string): void {
  const dir = cacheDir();
  if (!dir) return;
  const stamped: Entry['inputs'] = [];
  for (const path of inputs) {
    const s = stamp(path);
    // An input that is not a plain file (a virtual module): nothing to check it by.
    if (!s) return;
    stamped.push([path, s[0], s[1]]);
  }
  const e: Entry = { entry, esbuild: version, coronet: coronetTree, fromOut: relative(dirname(outFile), dirname(entry)), inputs: stamped };
  const f = entryFiles(dir, entry);
  const tmp = `.${process.pid}-${Date.now()}`;
  try {
    mkdirSync(dir, { recursive: true });
    copyFileSync(outFile, f.bundle + tmp);
    renameSync(f.bundle + tmp, f.bundle);
    writeFileSync(f.meta + tmp, JSON.stringify(e));
    renameSync(f.meta + tmp, f.meta);
    prune(dir);
  } catch {
    // No cache then (read-only home, full disk): bundling works without it.
    rmSync(f.bundle + tmp, { force: true });
    rmSync(f.meta + tmp, { force: true });
  }
}

function prune(dir: string): void {
  const metas = readdirSync(dir).filter((n) => n.endsWith('.json'));
  if (metas.length <= entriesMax) return;
  const byAge = metas.map((n) => ({ n, t: stamp(join(dir, n))?.[1] ?? 0 })).sort((a, b) => a.t - b.t);
  for (const { n } of byAge.slice(0, metas.length - entriesMax)) {
    rmSync(join(dir, n), { force: true });
    rmSync(join(dir, n.replace(/\.json$/, '.mjs')), { force: true });
  }
}
