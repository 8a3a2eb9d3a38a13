// npm run bench:terasort [-- --records 10000000] [--reducers 2] [--json]
//
// teragen --ascii N records (100 bytes each: 10M = 1 GB) on a 2-node local cluster, then
// `coronet run terasort` on them, vs `LC_ALL=C sort --parallel=2 -S 2G` on the same data
// concatenated into one file (outside the timing). The ascii records are lines ending
// in \r\n whose bytes sort like their keys, so Coronet's concatenated part-r files are
// compared with sort's output byte for byte (cmp). Target: Coronet / GNU sort <= 1.0x.
// Before each timed run the page cache's dirty pages are written out (`sync`, not timed):
// otherwise the run that comes first inherits the GBs just written while preparing the
// input, and the kernel's dirty-page throttling slows its writes, not the other's.
// The report breaks Coronet's wall time into phases (from the job's final status: attempt
// start/end times and the reduces' shuffle durations) and gives the CPU seconds of the
// tasks and of GNU sort (bash `times`).
// Tasks get --task-memory-mb (default 1536) for maps and reduces: with the 512 MB map
// default, 128 MiB terasort maps (and reduces placed in reused map-sized runners) go over
// their container limit and are killed.

import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalCluster } from '../local/local-cluster.js';
import { argValue, report } from './report.js';
import { bash, bashTimed, benchTempDir, coronet, fmtS, jobPhases, loadNote, partFiles, processCpuS, run, type JobStatusTimes } from './mr-util.js';

async function main(): Promise<void> {
  const records = argValue('--records', 10_000_000);
  const reducers = argValue('--reducers', 2);
  const taskMb = argValue('--task-memory-mb', 1536);
  const nodes = 2;
  const dir = benchTempDir('terasort');
  try {
    const loadBefore = loadNote();
    const cluster = await startLocalCluster({ nodes, memoryMbPerNode: 8192, vcoresPerNode: 2 });
    try {
      const gen = join(dir, 'teragen');
      const g = await coronet(['run', 'teragen', String(records), gen, '--ascii', '-D', 'teragen.maps=4', '--json'], cluster.cmAddress);
      process.stderr.write(`teragen ${records} records: ${fmtS(g.ms)} s\n`);
      const parts = partFiles(gen);
      const single = join(dir, 'input.txt');
      await bash(`cat ${parts.join(' ')} > ${single}`);
      const bytes = statSync(single).size;
      // Same split count for both sizes of run: default 128 MiB splits at full size, >= 4 splits when scaled down.
      const splitArgs = bytes >= 512 << 20 ? [] : ['-D', `coronet.split.maxsize=${Math.max(100, Math.ceil(bytes / 4 / 100) * 100)}`];

      const out = join(dir, 'coronet-out');
      await bash('sync');
      const agentsCpuS = () => cluster.agents.reduce((sum, a) => sum + processCpuS(a.process.pid), 0);
      const agentCpu0 = agentsCpuS();
      const t = await coronet(['run', 'terasort', '--input', gen, '--output', out, '--reducers', String(reducers), '--json', '-D', `coronet.map.memory.mb=${taskMb}`, '-D', `coronet.reduce.memory.mb=${taskMb}`, ...splitArgs], cluster.cmAddress);
      const st = JSON.parse(t.stdout.trim().split('\n').pop() ?? '{}') as JobStatusTimes & { maps?: { total: number } };
      const ph = jobPhases(st, t);
      const agentCpuS = agentsCpuS() - agentCpu0;
      process.stderr.write(`coronet terasort: ${fmtS(t.ms)} s, ${st.maps?.total} maps\n`);

      const sorted = join(dir, 'sort-out.txt');
      await bash('sync');
      const s = await bashTimed(`sort --parallel=2 -S 2G -o ${sorted} ${single}`);
      process.stderr.write(`GNU sort: ${fmtS(s.ms)} s\n`);

      const cmp = await run('bash', ['-c', `cat ${partFiles(out).join(' ')} | cmp - ${sorted}`]);
      const same = cmp.code === 0;
      const ratio = t.ms / s.ms;
      report(
        `terasort: ${records} ascii records (${(bytes / 1048576).toFixed(0)} MiB), coronet run terasort on a ${nodes}-node local cluster (${st.maps?.total} maps, ${reducers} reduces, ${taskMb} MB tasks) vs LC_ALL=C sort --parallel=2 -S 2G; load before ${loadBefore}, after ${loadNote()}`,
        [
          { metric: 'teragen (s, not compared)', value: fmtS(g.ms) },
          { metric: 'coronet run terasort (s, CLI spawn -> exit)', value: fmtS(t.ms) },
          { metric: 'baseline: GNU sort (s)', value: fmtS(s.ms) },
          { metric: 'coronet / GNU sort (x)', value: ratio.toFixed(2), target: '<= 1.0x', ok: ratio <= 1 },
          { metric: 'coronet throughput (MiB/s)', value: (bytes / 1048576 / (t.ms / 1000)).toFixed(1) },
          { metric: '  phase: CLI spawn -> first map starts (s)', value: ph.startS.toFixed(2) },
          { metric: '  phase: maps, first start -> last end (s)', value: ph.mapsS.toFixed(2) },
          { metric: '  phase: last map end -> last reduce end (s)', value: ph.reduceTailS.toFixed(2) },
          { metric: '    of it: shuffle still fetching (s)', value: ph.shuffleTailS.toFixed(2) },
          { metric: '    reduce merge + write, mean per reduce (s)', value: ph.mergeWriteS.toFixed(2) },
          { metric: '  phase: task + job commit (s)', value: ph.commitS.toFixed(2) },
          { metric: '  phase: history report + CLI exit (s)', value: ph.exitS.toFixed(2) },
          { metric: 'coronet task CPU (s; GC in it)', value: `${ph.taskCpuS.toFixed(2)} (${ph.taskGcS.toFixed(2)})` },
          { metric: 'node agents CPU (s; serving the shuffle)', value: agentCpuS.toFixed(2) },
          { metric: 'GNU sort CPU (s)', value: s.cpuS.toFixed(2) },
          { metric: 'output equals sort output byte for byte', value: same ? 'yes' : `NO: ${cmp.stdout.trim() || cmp.stderr.trim()}`, target: 'yes', ok: same },
        ],
        { bench: 'terasort', records, bytes, maps: st.maps?.total, reducers, teragenS: g.ms / 1000, coronetS: t.ms / 1000, sortS: s.ms / 1000, sortCpuS: s.cpuS, phases: ph, agentCpuS, ratio, outputMatches: same, load: loadNote(), targetsMet: ratio <= 1 && same },
      );
    } finally {
      await cluster.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
