// A container script for the warm-runner tests: a Node script of this install, so the
// node agent may run it in a warm runner.
//   node warm-probe.js report ARGS...   prints what the process sees (JSON) and a line on stderr
//   node warm-probe.js hog              grows its memory until it is killed
//   node warm-probe.js sleep            prints its pid and waits until it is killed

import { getPriority } from 'node:os';

const [mode] = process.argv.slice(2);
if (mode === 'report') {
  process.stdout.write(
    JSON.stringify({
      pid: process.pid,
      cwd: process.cwd(),
      argv: process.argv.slice(1),
      env: process.env,
      hasIpc: typeof process.send === 'function' || process.connected === true,
      nice: getPriority(),
    }) + '\n',
  );
  process.stderr.write('probe stderr line\n');
} else if (mode === 'hog') {
  const held: Buffer[] = [];
  setInterval(() => {
    for (let i = 0; i < 4; i++) held.push(Buffer.alloc(8 << 20, 1));
  }, 20);
} else if (mode === 'sleep') {
  process.stdout.write(`${process.pid}\n`);
  setInterval(() => undefined, 60_000);
} else {
  process.stderr.write(`warm-probe: unknown mode "${mode}"\n`);
  process.exit(2);
}
