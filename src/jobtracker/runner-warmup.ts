// Warm-up of a pre-started task runner (the node agent's warm runners, see
// src/node-agent/warm-runners.ts). A fresh Node process spends most of a small task
// loading modules and running the data path's code cold (interpreted, then baseline
// compiled): on 1 MiB of wordcount, a fresh runner's map and reduce take about twice
// what they take the third time in the same process. So a warm runner, before it is
// handed a container, loads what a task runner loads and runs a tiny synthetic
// wordcount through the real data path — map (sort, spill, merge), the shuffle
// over HTTP (served by the same code the node agent mounts) and reduce into an output
// committer's attempt directory — in a scratch directory it removes afterwards.
//
// It leaves no handle open (servers closed, files closed) and writes nothing to
// stdout or stderr, so the container that takes the process over starts clean.

import { createServer } from 'node:http';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exampleJobPath, fetchMapOutputs, loadJob, mapOutputDir, runMapTask, runReduceTask, serveMapOutput } from '../mapreduce/index.js';
import { listen } from '../common/http.js';

/** Rounds of map + shuffle + reduce. V8 optimizes on what it has run: a runner's first
 *  real map still costs ~2.5x the CPU of its third after one round. Measured with
 *  bench:small-job (1 MiB wordcount, warm in-process p50 of 10, load 2.5-4 on 2 cores):
 *  1 round 287-356 ms (map phase 163-207 ms), 3 rounds 263-297 (148-183), 5 rounds
 *  227-235 (116-119). The warm-up (~0.2 s of CPU a round) runs at normal priority, and only
 *  while the node has a vcore its containers do not hold (warm-runners.ts). Tried and reverted: a runner ready after the
 *  first of 15 rounds of 64 KiB that warms on while idle and stops at a launch. Every
 *  launch then found a runner (22 of 22 against 13-17), but bench:small-job got slower,
 *  A/B back to back: in-process p50 371 against 299 ms, CLI 564 against 430. Idle
 *  runners warming in the background take CPU from the running job, and the runner a
 *  job gets is less warm. Likewise tried: placing containers without locality next-fit
 *  instead of first-fit, so back-to-back small jobs alternate between the two nodes and
 *  use both agents' pools: 21-22 of 22 launches warm, but in-process p50 302-352 against
 *  228-238 ms, CLI 503 against 437-454 (A/B, two runs each): one node's refill warming
 *  up slows the job running on the other (the box's two CPUs). And a vocabulary ten
 *  times larger (50,021 rare tokens, nearer real text): in-process p50 280-307 against
 *  247-286 ms, map phase no shorter (A/B, two runs each). Fewer, smaller rounds of the
 *  Zipfian text below: 3 of 64 KiB cost 306 ms of CPU against 476 and leave the first real
 *  map at 86 against 83 ms (median of 7 fresh processes); more launches found a ready
 *  runner (CLI 22 of 22 against 17), but bench:small-job's p50s were no better (A/B, two
 *  runs each: CLI 495/551 against 509/544 ms, in-process 318/360 against 315/333). */
const warmupRounds = 5;
/** Synthetic input (the same each round): big enough for the loops to get hot, small
 *  enough that the warm-up costs a fraction of a second of one core. */
const warmupInputBytes = 192 << 10;

/** Distinct words of the warm-up text: enough that the map's table, the sort and the
 *  reduce meet many keys (tens of thousands in a 1 MiB split of real text). */
const vocabularyWords = 60_000;

/** Deterministic text of `bytes` bytes shaped like natural language text: words of
 *  English-like lengths (and a few long tokens, as identifiers and URLs are) drawn by
 *  Zipf's law from a large vocabulary, on lines of 20-140 characters. A warm-up on a
 *  small repeated vocabulary left the paths real text takes cold (the table growing,
 *  long keys, keys sharing prefixes): a warm runner's first real map (1 MiB of Zipfian
 *  text, median of 8 fresh processes) took 101 ms after it against 70 ms after this one,
 *  its reduce 38 against 27 ms; bench:small-job's CLI p50 509 and 544 against 557 and 599 ms
 *  (A/B, alternating). */
export function syntheticText(bytes: number): string {
  const random = xorshift(0x9e3779b9);
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  // A word is made the first time its rank is drawn (a few thousand of the 60,000 are):
  // making the whole vocabulary cost 27 ms of every warm-up.
  const words: (string | undefined)[] = new Array<string | undefined>(vocabularyWords);
  const wordOf = (rank: number): string => {
    let w = words[rank];
    if (w === undefined) {
      const r = xorshift(rank + 1);
      // Frequent words are short: lengths grow slowly with the rank.
      const len = rank % 997 === 996 ? 30 : 1 + Math.min(13, Math.floor(-Math.log(1 - r()) * (2 + Math.log2(rank + 2) / 3)));
      w = '';
      for (let k = 0; k < len; k++) w += letters[Math.floor(r() * r() * 26)];
      words[rank] = w;
    }
    return w;
  };
  const parts: string[] = [];
  let size = 0;
  let column = 0;
  let lineLength = 80;
  while (size < bytes) {
    // Rank r with probability about 1/r (log-uniform): Zipf's law.
    const w = wordOf(Math.floor(Math.pow(vocabularyWords, random())) - 1);
    column += w.length + 1;
    const sep = column > lineLength ? '\n' : ' ';
    if (sep === '\n') {
      column = 0;
      lineLength = 20 + Math.floor(random() * 120);
    }
    parts.push(w, sep);
    size += w.length + 1;
  }
  return parts.join('');
}

/** A xorshift32 generator of numbers in [0, 1), its seed mixed first (seeds 1, 2, 3... start far apart). */
function xorshift(seed: number): () => number {
  let x = Math.imul(seed ^ 0x5bd1e995, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  if (x === 0) x = 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

async function round(scratch: string, n: number, input: string, length: number, shuffleUrl: string, shuffleDir: string): Promise<void> {
  const job = await loadJob(exampleJobPath('wordcount'));
  const jobId = 'warmup';
  const mapId = `m-00000_${n}`;
  const mapDir = mapOutputDir(shuffleDir, jobId, mapId);
  await mkdir(mapDir, { recursive: true });
  await runMapTask({ job, split: { index: 0, path: input, start: 0, length, gzip: false, hosts: [] }, partitions: 1, workDir: mapDir, jobId, attemptId: mapId });
  const fetchDir = join(scratch, `fetch-${n}`);
  await mkdir(fetchDir, { recursive: true });
  const fetched = await fetchMapOutputs({ sources: [{ mapId, shuffleUrl, jobId }], partition: 0, spillDir: fetchDir, retries: 0 });
  await runReduceTask({ job, partition: 0, partitions: 1, segments: fetched.segments, workDir: fetchDir, output: { outputUri: join(scratch, 'out'), attemptId: `r-00000_${n}` }, jobId, taskId: 'r-00000' });
}

/** Runs the warm-up in `scratch` (created, then removed). */
export default async function warmUp(scratch: string): Promise<void> {
  // What a task runner imports besides the data path.
  await import('./umbilical.js');
  const shuffleDir = join(scratch, 'mapoutput');
  await mkdir(shuffleDir, { recursive: true });
  const server = createServer((req, res) => {
    serveMapOutput(req, res, shuffleDir).catch(() => res.destroy());
  });
  try {
    const port = await listen(server, '127.0.0.1', 0);
    // One input for every round: the same text each time is what gets the loops hot.
    const input = join(scratch, 'input.txt');
    const text = Buffer.from(syntheticText(warmupInputBytes), 'latin1');
    await writeFile(input, text);
    for (let n = 0; n < warmupRounds; n++) await round(scratch, n, input, text.length, `http://127.0.0.1:${port}`, shuffleDir);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(scratch, { recursive: true, force: true });
  }
}
