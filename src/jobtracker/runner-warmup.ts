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

/** Rounds of map + shuffle + reduce. Measured (1 MiB wordcount, task CPU from the job's
 *  counters, load 6-9 on 2 cores): cold runner 421 ms, warmed by 1 round 306, by 3 rounds
 *  255 — but the warm-up itself took 370 ms of CPU with 1 round and 580 with 3, spent on
 *  every launch. One round gets most of the gain for the least CPU taken from the jobs
 *  running beside the refill. */
const warmupRounds = 1;
/** Synthetic input per round: big enough for the loops to get hot, small enough that
 *  the warm-up costs a fraction of a second of one core. */
const warmupInputBytes = 192 << 10;

/** Deterministic text of `bytes` bytes: lines of words from a small vocabulary. */
function syntheticText(bytes: number): string {
  const words = ['the', 'of', 'and', 'a', 'to', 'in', 'is', 'you', 'that', 'it', 'he', 'was', 'for', 'on', 'are', 'as', 'with', 'his', 'they', 'I'];
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    // Distinct tokens too, so the sort and the reduce see many keys.
    const w = i % 3 === 0 ? `w${(i * 7919) % 5003}` : words[i % words.length];
    const sep = i % 12 === 11 ? '\n' : ' ';
    parts.push(w, sep);
    size += w.length + 1;
  }
  return parts.join('');
}

async function round(scratch: string, n: number, shuffleUrl: string, shuffleDir: string): Promise<void> {
  const job = await loadJob(exampleJobPath('wordcount'));
  const jobId = 'warmup';
  const mapId = `m-00000_${n}`;
  const input = join(scratch, `input-${n}.txt`);
  const text = syntheticText(warmupInputBytes);
  await writeFile(input, text);
  const mapDir = mapOutputDir(shuffleDir, jobId, mapId);
  await mkdir(mapDir, { recursive: true });
  await runMapTask({ job, split: { index: 0, path: input, start: 0, length: Buffer.byteLength(text), gzip: false, hosts: [] }, partitions: 1, workDir: mapDir, jobId, attemptId: mapId });
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
    for (let n = 0; n < warmupRounds; n++) await round(scratch, n, `http://127.0.0.1:${port}`, shuffleDir);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(scratch, { recursive: true, force: true });
  }
}
