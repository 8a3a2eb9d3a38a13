// node dist/bench/map-rss.js [--mb 2048] [--sort-mb 128] [--json]
//
// Peak RSS of one map task sorting a big split: runMapTask in a child process over a
// generated text file of --mb MiB as ONE split, with a --sort-mb sort buffer. The job
// emits every line as a key (value '') to 2 partitions, so the whole split goes through
// the sort buffer, spills and the final merge. The child reports its VmHWM (peak RSS)
// from /proc/self/status; the parent also samples the child's VmHWM. Baseline in the
// same run: the peak RSS of a child that only imports the MapReduce module.
// Target: peak RSS <= sort buffer + 200 MB.

import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defineJob, latin1, runMapTask, textInput } from '../mapreduce/index.js';
import { argValue, report } from './report.js';
import { benchTempDir, fmtS, generateText, loadNote, ms } from './mr-util.js';

function vmHwmKb(pid: number | 'self'): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const lineSortJob = defineJob({
  name: 'map-rss-line-sort',
  input: textInput({ decode: 'latin1' }),
  codecs: { key: latin1, value: latin1 },
  map(_offset, line, ctx) {
    ctx.emit(line, '');
  },
});

async function child(file: string, sortMb: number, workDir: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const bytes = statSync(file).size;
  const r = await runMapTask({ job: lineSortJob, split: { index: 0, path: file, start: 0, length: bytes, gzip: false, hosts: ['localhost'] }, partitions: 2, workDir, sortBufferBytes: sortMb << 20 });
  const c = r.counters.toJSON();
  process.stdout.write(JSON.stringify({ hwmKb: vmHwmKb('self'), maxRssKb: process.resourceUsage().maxRSS, ms: ms(t0), counters: c }) + '\n');
}

interface ChildResult {
  hwmKb: number;
  maxRssKb: number;
  ms: number;
  counters: Record<string, Record<string, number>>;
  sampledHwmKb: number;
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [process.argv[1], ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let sampled = 0;
    const timer = setInterval(() => (sampled = Math.max(sampled, vmHwmKb(p.pid ?? 0))), 100);
    const out: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.once('error', reject);
    p.once('close', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`map-rss child exited ${code}`));
      const r = JSON.parse(Buffer.concat(out).toString().trim().split('\n').pop() ?? '{}') as Omit<ChildResult, 'sampledHwmKb'>;
      resolve({ ...r, sampledHwmKb: sampled });
    });
  });
}

async function main(): Promise<void> {
  const mb = argValue('--mb', 2048);
  const sortMb = argValue('--sort-mb', 128);
  const dir = benchTempDir('map-rss');
  const loadBefore = loadNote();
  try {
    const file = join(dir, 'split.txt');
    const gen = generateText(file, mb * 1048576);
    process.stderr.write(`generated ${(gen.bytes / 1048576).toFixed(0)} MiB in ${fmtS(gen.ms)} s\n`);
    const floor = await runChild(['--child-floor']);
    const r = await runChild(['--child', file, String(sortMb), join(dir, 'work')]);
    const peakMb = Math.max(r.hwmKb, r.sampledHwmKb) / 1024;
    const limitMb = sortMb + 200;
    const spills = Object.values(r.counters).find((g) => g.SPILLS !== undefined)?.SPILLS;
    report(
      `map-rss: one map task, ${(gen.bytes / 1048576).toFixed(0)} MiB split (${gen.lines} lines, every line emitted as a key), ${sortMb} MiB sort buffer, 2 partitions; load before ${loadBefore}, after ${loadNote()}`,
      [
        { metric: 'map task peak RSS (MiB, VmHWM)', value: peakMb.toFixed(0), target: `<= ${limitMb} MiB (sort buffer + 200)`, ok: peakMb <= limitMb },
        { metric: 'baseline: node + mapreduce import peak RSS (MiB)', value: (Math.max(floor.hwmKb, floor.sampledHwmKb) / 1024).toFixed(0) },
        { metric: 'peak RSS - sort buffer (MiB)', value: (peakMb - sortMb).toFixed(0) },
        { metric: 'map task wall (s)', value: fmtS(r.ms) },
        { metric: 'map task throughput (MiB/s)', value: (gen.bytes / 1048576 / (r.ms / 1000)).toFixed(1) },
        { metric: 'spills', value: String(spills ?? '?') },
      ],
      { bench: 'map-rss', mb: gen.bytes / 1048576, sortMb, peakRssMb: peakMb, floorRssMb: Math.max(floor.hwmKb, floor.sampledHwmKb) / 1024, taskS: r.ms / 1000, counters: r.counters, load: loadNote(), targetsMet: peakMb <= limitMb },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mode = process.argv[2];
const done = (p: Promise<void>) =>
  p.catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
if (mode === '--child') void done(child(process.argv[3], Number(process.argv[4]), process.argv[5]));
else if (mode === '--child-floor') process.stdout.write(JSON.stringify({ hwmKb: vmHwmKb('self'), maxRssKb: process.resourceUsage().maxRSS, ms: 0, counters: {} }) + '\n');
else void done(main());
