// A warm-up module for the warm-runner pool tests: records the CPU priority (nice value)
// the warm-up runs at in the file named by WARMUP_PROBE_OUT.

import { writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';

export default function warmUp(): Promise<void> {
  writeFileSync(process.env.WARMUP_PROBE_OUT ?? '', String(getPriority()));
  return Promise.resolve();
}
