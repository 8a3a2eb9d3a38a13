// Helpers shared by the data path tests (not part of the public surface).

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function tempDir(prefix = 'coronet-mr-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Concatenation of the output part files, in name order. */
export async function readParts(dir: string): Promise<Buffer> {
  const names = (await readdir(dir)).filter((n) => n.startsWith('part-')).sort();
  return Buffer.concat(await Promise.all(names.map((n) => readFile(join(dir, n)))));
}

/** Parses `key\tvalue\n` text output into a Map (latin1, byte-exact). */
export function parseKeyValueLines(text: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.toString('latin1').split('\n')) {
    if (line === '') continue;
    const i = line.lastIndexOf('\t');
    out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/** Deterministic PRNG (mulberry32) for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
