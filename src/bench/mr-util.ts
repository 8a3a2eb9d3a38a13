// Shared by the MapReduce benchmarks: a fast Zipf text generator, timed child processes
// (the coronet CLI, shell pipelines), machine-load notes and small file helpers.

import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

/** Job staging of `coronet run` goes under the bench's temp dir, so it is removed with it. */
let stagingDir: string | undefined;

export function benchTempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `coronet-bench-${name}-`));
  stagingDir = join(dir, 'staging');
  return dir;
}

/** 1/5/15-minute load averages and core count, to judge how noisy a run was. */
export function loadNote(): string {
  return `${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} on ${cpus().length} cores`;
}

export function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export interface Ran {
  ms: number;
  /** Wall clock (Date.now()) at spawn, to place the job's own timestamps on the same line. */
  startedAtMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A benchmark step that takes longer than this is a hang: it is killed and the bench fails. */
export const stepTimeoutMs = 20 * 60_000;

/** Runs a command to exit; wall time from spawn to exit. */
export function run(cmd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const startedAtMs = Date.now();
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${stepTimeoutMs / 60_000} min (killed)`));
    }, stepTimeoutMs);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: ms(t0), startedAtMs, code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** Like run, but a non-zero exit is an error showing the command's stderr. */
export async function runOk(cmd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Ran> {
  const r = await run(cmd, args, env);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-4000)}`);
  return r;
}

/** `node dist/cli/main.js ARGS` against a running cluster (or embedded when cluster is undefined). */
export function coronet(args: string[], cluster: string | undefined, env: Record<string, string | undefined> = {}): Promise<Ran> {
  const staging = args[0] === 'run' && stagingDir ? ['-D', `coronet.staging.dir=${stagingDir}`] : [];
  return runOk(process.execPath, [cliPath, ...args, ...staging], { CORONET_CLUSTER: cluster, ...env });
}

export function bash(script: string): Promise<Ran> {
  return runOk('bash', ['-c', script], { LC_ALL: 'C' });
}

/** Runs `script` in bash and then the shell's `times`: wall plus the user and system CPU
 *  seconds of everything the script ran. */
export async function bashTimed(script: string): Promise<Ran & { cpuS: number }> {
  const r = await bash(`${script}\ntimes`);
  const lines = r.stdout.trim().split('\n');
  const secs = (t: string) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  };
  const [user, sys] = (lines.pop() ?? '').split(' ').map(secs);
  return { ...r, stdout: lines.slice(0, -1).join('\n'), cpuS: user + sys };
}

/** CPU seconds (user + system) a live process has used so far, from /proc (Linux); NaN elsewhere. */
export function processCpuS(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** The parts of `coronet run --json`'s final job status a phase breakdown needs. */
export interface JobStatusTimes {
  startedAtMs: number;
  finishedAtMs: number;
  counters: Record<string, Record<string, number>>;
  tasks: Array<{ kind: 'map' | 'reduce'; attempts: Array<{ state: string; startMs: number; endMs: number; runMs?: number; shuffleMs?: number }> }>;
}

/** Where a job's wall time went, in seconds, from the CLI's spawn to its exit. */
export interface JobPhases {
  /** CLI spawn -> first map attempt starts (CLI start, staging, session, prepare, first containers). */
  startS: number;
  /** First map start -> last map end (includes reduces fetching alongside after slowstart). */
  mapsS: number;
  /** Last map end -> last reduce end. */
  reduceTailS: number;
  /** Last map end -> the last reduce has every map output (the shuffle's share of the tail). */
  shuffleTailS: number;
  /** Mean per reduce of merge + reduce + write (after its shuffle). */
  mergeWriteS: number;
  /** Last task end -> job finished (task and job commit). */
  commitS: number;
  /** Job finished -> CLI exit (history report, session end, exit). */
  exitS: number;
  /** CPU of all task attempts (their runners' counters) and GC time in them. */
  taskCpuS: number;
  taskGcS: number;
}

export function jobPhases(st: JobStatusTimes, run: Ran): JobPhases {
  const won = (kind: 'map' | 'reduce') => st.tasks.filter((t) => t.kind === kind).flatMap((t) => t.attempts.filter((a) => a.state === 'succeeded'));
  const maps = won('map');
  const reduces = won('reduce');
  const firstMap = Math.min(...maps.map((a) => a.startMs));
  const lastMap = Math.max(...maps.map((a) => a.endMs));
  const lastTask = reduces.length > 0 ? Math.max(...reduces.map((a) => a.endMs)) : lastMap;
  // A reduce's runner measured its run and shuffle durations; its end is on the JT's clock.
  const shuffled = reduces.map((a) => (a.runMs !== undefined && a.shuffleMs !== undefined ? a.endMs - (a.runMs - a.shuffleMs) : a.endMs));
  const merge = reduces.map((a) => (a.runMs !== undefined && a.shuffleMs !== undefined ? a.runMs - a.shuffleMs : 0));
  const c = st.counters.mapreduce ?? {};
  return {
    startS: (firstMap - run.startedAtMs) / 1000,
    mapsS: (lastMap - firstMap) / 1000,
    reduceTailS: (lastTask - lastMap) / 1000,
    shuffleTailS: reduces.length > 0 ? Math.max(0, Math.max(...shuffled) - lastMap) / 1000 : 0,
    mergeWriteS: merge.length > 0 ? merge.reduce((x, y) => x + y, 0) / merge.length / 1000 : 0,
    commitS: (st.finishedAtMs - lastTask) / 1000,
    exitS: (run.startedAtMs + run.ms - st.finishedAtMs) / 1000,
    taskCpuS: (c.CPU_MILLISECONDS ?? 0) / 1000,
    taskGcS: (c.GC_TIME_MILLIS ?? 0) / 1000,
  };
}

/** Part files of a job output dir (part-*), sorted by name. */
export function partFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('part-'))
    .sort()
    .map((f) => join(dir, f));
}

/** Reads `token\tcount` lines (files concatenated) into a Map. */
export function readCounts(files: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of files) {
    const text = readFileSync(f, 'latin1');
    let i = 0;
    while (i < text.length) {
      let nl = text.indexOf('\n', i);
      if (nl < 0) nl = text.length;
      const tab = text.lastIndexOf('\t', nl);
      if (tab >= i) m.set(text.slice(i, tab), (m.get(text.slice(i, tab)) ?? 0) + Number(text.slice(tab + 1, nl)));
      i = nl + 1;
    }
  }
  return m;
}

/** Compares two count maps; '' when equal, else a description of the first differences. */
export function diffCounts(a: Map<string, number>, b: Map<string, number>): string {
  const diffs: string[] = [];
  if (a.size !== b.size) diffs.push(`distinct tokens ${a.size} vs ${b.size}`);
  for (const [k, v] of a) {
    if (b.get(k) !== v) diffs.push(`${JSON.stringify(k)}: ${v} vs ${b.get(k)}`);
    if (diffs.length >= 5) break;
  }
  return diffs.join('; ');
}

// ---- text generation -------------------------------------------------------------

/** xorshift32: fast and good enough for synthetic text (and the chaos suite's choices). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

export interface TextStats {
  bytes: number;
  lines: number;
  words: number;
  vocabulary: number;
  ms: number;
}

/**
 * Writes about `bytes` of English-like text: words drawn from a Zipf(s=1) distribution
 * over `vocabulary` distinct lower-case words (lengths 1-14, short words the most
 * frequent, a few capitalised / punctuated variants as in real text), separated by single
 * spaces, lines of 40-120 characters ending in \n. Deterministic for a seed.
 */
export function generateText(file: string, bytes: number, vocabulary = 200_000, seed = 42): TextStats {
  const t0 = process.hrtime.bigint();
  const next = rng(seed);
  // Vocabulary: distinct random words; shorter ones get the frequent (low) ranks.
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  const seen = new Set<string>();
  const words: string[] = [];
  while (words.length < vocabulary) {
    const rank = words.length;
    const len = Math.min(14, 1 + Math.floor(Math.log2(rank + 2) * 0.6) + (next() % 5));
    let w = '';
    // skewed letter choice: common letters more often
    for (let i = 0; i < len; i++) w += letters[Math.min(25, Math.floor(((next() % 1000) / 1000) ** 2 * 26))];
    if ((next() & 31) === 0) w = w[0].toUpperCase() + w.slice(1);
    if ((next() & 63) === 0) w += next() & 1 ? ',' : '.';
    if (seen.has(w)) continue;
    seen.add(w);
    words.push(w);
  }
  const vocabBuf = Buffer.from(words.join(''), 'latin1');
  const offs = new Uint32Array(words.length + 1);
  for (let i = 0, o = 0; i < words.length; i++) {
    offs[i] = o;
    o += words[i].length;
    offs[i + 1] = o;
  }
  // Zipf quantile table: table[u] = rank for u uniform in [0, tableSize).
  const tableSize = 1 << 23;
  const table = new Uint32Array(tableSize);
  let h = 0;
  for (let r = 1; r <= vocabulary; r++) h += 1 / r;
  let cum = 0;
  let at = 0;
  for (let r = 0; r < vocabulary; r++) {
    cum += 1 / (r + 1) / h;
    const end = r === vocabulary - 1 ? tableSize : Math.min(tableSize, Math.round(cum * tableSize));
    // every word gets at least one slot so the whole vocabulary can occur
    const stop = Math.max(end, Math.min(tableSize, at + 1));
    table.fill(r, at, stop);
    at = stop;
  }
  const fd = openSync(file, 'w');
  const chunk = Buffer.allocUnsafe(8 << 20);
  const st: FillState = { seed: next() || 1, lineLeft: 40, lineStart: true, lines: 0, words: 0 };
  let written = 0;
  while (bytes - written >= 128) {
    const n = fillChunk(chunk, Math.min(chunk.length, bytes - written), st, table, offs, vocabBuf);
    writeSync(fd, chunk, 0, n);
    written += n;
  }
  if (!st.lineStart) {
    writeSync(fd, Buffer.from('\n'));
    written++;
    st.lines++;
  }
  closeSync(fd);
  const lines = st.lines;
  const nwords = st.words;
  return { bytes: written, lines, words: nwords, vocabulary, ms: ms(t0) };
}

interface FillState {
  seed: number;
  lineLeft: number;
  lineStart: boolean;
  lines: number;
  words: number;
}

/** The hot loop of generateText, kept small so V8 optimises it: fills up to `limit` bytes. */
function fillChunk(chunk: Buffer, limit: number, st: FillState, table: Uint32Array, offs: Uint32Array, vocab: Buffer): number {
  let x = st.seed | 0;
  let pos = 0;
  let lineLeft = st.lineLeft;
  let lineStart = st.lineStart;
  let lines = 0;
  let words = 0;
  const mask = table.length - 1;
  const stop = limit - 64;
  while (pos < stop) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const r = table[x & mask];
    const s = offs[r];
    const e = offs[r + 1];
    if (!lineStart) chunk[pos++] = 32;
    for (let i = s; i < e; i++) chunk[pos++] = vocab[i];
    words++;
    lineLeft -= e - s + 1;
    lineStart = false;
    if (lineLeft <= 0) {
      chunk[pos++] = 10;
      lines++;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      lineLeft = 40 + ((x >>> 0) % 81);
      lineStart = true;
    }
  }
  st.seed = x;
  st.lineLeft = lineLeft;
  st.lineStart = lineStart;
  st.lines += lines;
  st.words += words;
  return pos;
}

export function fmtS(msValue: number): string {
  return (msValue / 1000).toFixed(2);
}
