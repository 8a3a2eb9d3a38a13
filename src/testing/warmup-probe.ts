// A warm-up module for the warm-runner pool tests: records the CPU priority (nice value)
// the warm-up runs at, and its scheduling group's (autogroup) nice value where the kernel
// has autogroups (else null), as JSON in the file named by WARMUP_PROBE_OUT.

import { readFileSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';

/** The nice value of a process's autogroup ("/autogroup-N nice V"), or null without autogroups. */
export function autogroupNice(pid: number | 'self'): number | null {
  try {
    const m = /nice\s+(-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

export default function warmUp(): Promise<void> {
  writeFileSync(process.env.WARMUP_PROBE_OUT ?? '', JSON.stringify({ nice: getPriority(), autogroup: autogroupNice('self') }));
  return Promise.resolve();
}
