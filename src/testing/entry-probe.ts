// A container entry script (common/container-main.ts) for the warm-runner tests: a
// node agent's warm runner may run it for several containers of one user in turn.
//   node entry-probe.js report        prints what the process sees (JSON) and a line on stderr
//   node entry-probe.js leave-timer   prints its pid and leaves an interval running behind it
//   node entry-probe.js exit-code N   prints its pid and ends with exit code N
//   node entry-probe.js hold N        prints its pid and keeps N MiB (touched) for the process's life

import { containerMain } from '../common/container-main.js';

/** Containers this process ran the entry for. */
let runs = 0;
const held: Buffer[] = [];

containerMain(async () => {
  runs++;
  const [mode, arg] = process.argv.slice(2);
  if (mode === 'report') {
    process.stdout.write(
      JSON.stringify({
        pid: process.pid,
        runs,
        cwd: process.cwd(),
        argv: process.argv.slice(1),
        env: process.env,
        hasIpc: typeof process.send === 'function' || process.connected === true,
      }) + '\n',
    );
    process.stderr.write(`entry stderr line ${runs}\n`);
  } else if (mode === 'leave-timer') {
    process.stdout.write(`${process.pid}\n`);
    setInterval(() => undefined, 60_000);
  } else if (mode === 'hold') {
    process.stdout.write(`${process.pid}\n`);
    held.push(Buffer.alloc(Number(arg) << 20, 1));
  } else if (mode === 'exit-code') {
    process.stdout.write(`${process.pid}\n`);
    process.exitCode = Number(arg);
  } else throw new Error(`entry-probe: unknown mode "${mode}"`);
});
