// npm run bench:wordcount [-- --mb 1024] [--json]
//
// `coronet run wordcount` on a 2-node local cluster (a real CM and two node agents as
// processes) over generated text (Zipf over 200,000 distinct words, 40-120 character
// lines). Baselines in the same run, on the same file:
//   (a) a plain single-process Node script: read in chunks, split on ASCII whitespace,
//       count in a Map, write token\tcount (this file, run with --node-baseline IN OUT);
//   (b) LC_ALL=C tr -s '[:space:]' '\n' < file | sort | uniq -c, run by bash.
// Coronet's counts are checked against (a). Target: >= 1.7x faster than (a), faster than (b).

import { closeSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalCluster } from '../local/local-cluster.js';
import { argValue, report } from './report.js';
import { bash, benchTempDir, coronet, diffCounts, fmtS, generateText, loadNote, partFiles, readCounts, runOk } from './mr-util.js';

/** Baseline (a): the plain Node wordcount, as a user would write it. */
function nodeWordcount(input: string, output: string): void {
  const counts = new Map<string, number>();
  const fd = openSync(input, 'r');
  const buf = Buffer.allocUnsafe(4 << 20);
  let carry = '';
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    const text = carry + buf.toString('latin1', 0, n);
    const tokens = text.split(/[ \t\n\v\f\r]+/);
    carry = tokens.pop() ?? '';
    for (const t of tokens) if (t.length) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  closeSync(fd);
  if (carry.length) counts.set(carry, (counts.get(carry) ?? 0) + 1);
  const out: string[] = [];
  for (const [t, c] of counts) out.push(`${t}\t${c}\n`);
  writeFileSync(output, out.join(''), 'latin1');
}

async function main(): Promise<void> {
  const mb = argValue('--mb', 1024);
  const nodes = 2;
  const dir = benchTempDir('wordcount');
  const input = join(dir, 'input.txt');
  try {
    const loadBefore = loadNote();
    const gen = generateText(input, mb * 1048576);
    process.stderr.write(`generated ${(gen.bytes / 1048576).toFixed(0)} MiB, ${gen.words} words, ${gen.lines} lines in ${fmtS(gen.ms)} s\n`);
    await bash(`cat ${input} > /dev/null`); // page cache warm for everyone

    const cluster = await startLocalCluster({ nodes, memoryMbPerNode: 8192, vcoresPerNode: 2 });
    let coronetMs: number;
    let maps = 0;
    try {
      const out = join(dir, 'coronet-out');
      // Default splits (128 MiB) at full size; scaled-down inputs get >= 4 splits so both nodes work.
      const splitArgs = gen.bytes >= 512 << 20 ? [] : ['-D', `coronet.split.maxsize=${Math.ceil(gen.bytes / 4)}`];
      const r = await coronet(['run', 'wordcount', '--input', input, '--output', out, '--json', ...splitArgs], cluster.cmAddress);
      coronetMs = r.ms;
      const st = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { maps?: { total: number } };
      maps = st.maps?.total ?? 0;
      process.stderr.write(`coronet: ${fmtS(r.ms)} s, ${maps} maps\n`);
      const nodeOut = join(dir, 'node-out.txt');
      const b = await runOk(process.execPath, [process.argv[1], '--node-baseline', input, nodeOut]);
      process.stderr.write(`node script: ${fmtS(b.ms)} s\n`);
      const c = await bash(`tr -s '[:space:]' '\\n' < ${input} | sort | uniq -c > ${join(dir, 'coreutils-out.txt')}`);
      process.stderr.write(`coreutils: ${fmtS(c.ms)} s\n`);

      const a = readCounts(partFiles(out));
      const want = readCounts([nodeOut]);
      const diff = diffCounts(a, want);
      let total = 0;
      for (const v of want.values()) total += v;
      const ratioNode = b.ms / coronetMs;
      const ratioCore = c.ms / coronetMs;
      report(
        `wordcount: ${(gen.bytes / 1048576).toFixed(0)} MiB text (${want.size} distinct tokens, ${total} tokens), coronet run wordcount on a ${nodes}-node local cluster (${maps} maps); load before ${loadBefore}, after ${loadNote()}`,
        [
          { metric: 'coronet run wordcount (s, CLI spawn -> exit)', value: fmtS(coronetMs) },
          { metric: 'baseline a: plain Node script (s)', value: fmtS(b.ms) },
          { metric: "baseline b: tr | sort | uniq -c (s)", value: fmtS(c.ms) },
          { metric: 'speed-up vs Node script (x)', value: ratioNode.toFixed(2), target: '>= 1.7x', ok: ratioNode >= 1.7 },
          { metric: 'speed-up vs coreutils (x)', value: ratioCore.toFixed(2), target: '> 1.0x', ok: ratioCore > 1 },
          { metric: 'coronet throughput (MiB/s)', value: (gen.bytes / 1048576 / (coronetMs / 1000)).toFixed(1) },
          { metric: 'output equals Node baseline', value: diff ? `NO: ${diff}` : 'yes', target: 'yes', ok: !diff },
        ],
        { bench: 'wordcount', mb: gen.bytes / 1048576, distinct: want.size, tokens: total, maps, coronetS: coronetMs / 1000, nodeS: b.ms / 1000, coreutilsS: c.ms / 1000, speedupVsNode: ratioNode, speedupVsCoreutils: ratioCore, outputMatches: !diff, load: loadNote(), targetsMet: ratioNode >= 1.7 && ratioCore > 1 && !diff },
      );
    } finally {
      await cluster.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--node-baseline') nodeWordcount(process.argv[3], process.argv[4]);
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
