// A warm runner: a Node process the node agent starts before any container needs it
// (see warm-runners.ts). It loads and runs its warm-up module, tells the agent it is
// ready over the IPC channel, and waits. At a launch the agent sends it the
// container's script, arguments, environment and work directory; it takes them on
// (the exact environment, cwd and argv a freshly spawned `node SCRIPT ARGS...` would
// have), drops the IPC channel and imports the script, which from then on runs as the
// container's process. Everything else a container is (its process group, log files,
// memory cgroup, watch) the agent set up around this process already.
//
//   node warm-runner.js WARMUP_MODULE|'' SCRATCH_DIR ROOM
// (ROOM: blanks that make room for the container's command line as the process title.)

import { pathToFileURL } from 'node:url';

interface Become {
  t: 'become';
  script: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

function isBecome(m: unknown): m is Become {
  const b = m as Partial<Become> | null;
  return (
    typeof b === 'object' && b !== null && b.t === 'become' && typeof b.script === 'string' && typeof b.cwd === 'string' &&
    Array.isArray(b.args) && b.args.every((a) => typeof a === 'string') &&
    typeof b.env === 'object' && b.env !== null && Object.values(b.env).every((v) => typeof v === 'string')
  );
}

/** The agent went away before handing this process a container: nothing to wait for. */
function onAgentGone(): void {
  process.exit(0);
}

async function become(m: Become): Promise<void> {
  process.removeListener('disconnect', onAgentGone);
  process.chdir(m.cwd);
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, m.env);
  process.argv = [process.execPath, m.script, ...m.args];
  // What `ps` and /proc/PID/cmdline show, as for a spawned container (the agent left
  // room for it in this process's own arguments).
  process.title = process.argv.join(' ');
  // A spawned container has no IPC channel: neither has this one from here on.
  process.disconnect();
  delete (process as { send?: unknown }).send;
  await import(pathToFileURL(m.script).href);
}

async function main(): Promise<void> {
  if (typeof process.send !== 'function') throw new Error('a warm runner is started by the node agent (it needs the IPC channel)');
  process.on('disconnect', onAgentGone);
  const [warmupModule, scratch] = process.argv.slice(2, 4);
  if (warmupModule) {
    const mod = (await import(pathToFileURL(warmupModule).href)) as { default?: (scratch: string) => Promise<void> };
    if (typeof mod.default !== 'function') throw new Error(`warm-up module ${warmupModule} has no default export function`);
    await mod.default(scratch);
  }
  process.once('message', (m: unknown) => {
    if (!isBecome(m)) {
      process.stderr.write('warm runner: the node agent sent a message that is not a launch\n');
      process.exit(1);
    }
    become(m).catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
  });
  process.send({ t: 'ready' });
}

main().catch((err: unknown) => {
  process.stderr.write(`warm runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
