// A warm-up module for the warm-runner pool tests: records the CPU priority (nice value)
// the warm-up runs at in the file named by WARMUP_PROBE_OUT. With WARMUP_PROBE_ROUNDS set
// it plays a warm-up that goes on while idle: ready at once, then 20 ms rounds until the
// runner stops it, each round appending a line to that file (and "stopped" at the end);
// it writes in its scratch dir, which must be gone once a container took the process.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import type { WarmUpHooks } from '../node-agent/warm-runner.js';

export default async function warmUp(scratch: string, hooks: WarmUpHooks): Promise<void> {
  const out = process.env.WARMUP_PROBE_OUT ?? '';
  writeFileSync(out, String(getPriority()));
  if (!process.env.WARMUP_PROBE_ROUNDS) return;
  mkdirSync(scratch, { recursive: true });
  hooks.ready();
  for (let n = 0; !hooks.stopped(); n++) {
    writeFileSync(join(scratch, `round-${n}`), 'x');
    await new Promise((r) => setTimeout(r, 20));
    appendFileSync(out, `\nround ${n}`);
  }
  appendFileSync(out, '\nstopped');
}
