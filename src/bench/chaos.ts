// npm run chaos -- [--trials 10] [--seed S] [--kinds agent-map,cm-restart,...] [--json]
//
// The multi-host chaos suite (see chaos-suite.ts and docs/operations.md, "Chaos suite"):
// wordcount and terasort jobs on a CM and three node agents in separate network
// namespaces, one fault per trial, output checked byte for byte. Needs root. Prints one
// row per trial; exit code 1 if any trial did not pass, 2 if namespaces are unavailable.

import { netnsUnavailable } from '../testing/netns.js';
import { faultKinds, runChaos, type FaultKind, type TrialResult } from './chaos-suite.js';
import { argValue, reportTable } from './report.js';
import { loadNote } from './mr-util.js';

function kindsArg(): FaultKind[] | undefined {
  const i = process.argv.indexOf('--kinds');
  if (i < 0) return undefined;
  const kinds = (process.argv[i + 1] ?? '').split(',');
  const bad = kinds.filter((k) => !(faultKinds as readonly string[]).includes(k));
  if (bad.length) throw new Error(`--kinds: unknown fault kind ${bad.join(', ')} (known: ${faultKinds.join(', ')})`);
  return kinds as FaultKind[];
}

function row(r: TrialResult): Array<string | number> {
  return [r.trial, r.job, r.fault, r.injectedAt || '-', r.outcome.toUpperCase(), r.seconds.toFixed(1), r.detail];
}

async function main(): Promise<number> {
  const unavailable = netnsUnavailable();
  if (unavailable) {
    process.stderr.write(`chaos: ${unavailable}\n`);
    return 2;
  }
  const trials = argValue('--trials', 10);
  const seedArg = argValue('--seed', -1);
  const loadBefore = loadNote();
  const run = await runChaos({
    trials,
    kinds: kindsArg(),
    seed: seedArg >= 0 ? seedArg : undefined,
    log: (line) => process.stderr.write(`chaos: ${line}\n`),
    onTrial: (r) => process.stderr.write(`chaos: trial ${r.trial}: ${r.outcome} in ${r.seconds.toFixed(1)} s${r.outcome === 'pass' ? '' : ` — ${r.detail}`}\n`),
  });
  const passed = run.results.filter((r) => r.outcome === 'pass').length;
  reportTable(
    `chaos: ${passed}/${run.results.length} trials passed (seed ${run.seed}; load before ${loadBefore}, after ${loadNote()})${passed < run.results.length ? `; logs of failed trials under ${run.runDir}` : ''}`,
    ['TRIAL', 'JOB', 'FAULT', 'WHEN INJECTED', 'OUTCOME', 'SECONDS', 'DETAIL'],
    run.results.map(row),
    { bench: 'chaos', seed: run.seed, trials: run.results.length, passed, runDir: run.runDir, results: run.results },
  );
  return passed === run.results.length ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
