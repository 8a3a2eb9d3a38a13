// A warm runner: a Node process the node agent starts before any container needs it
// (see warm-runners.ts). It loads and runs its warm-up module, tells the agent it is
// ready over the IPC channel (when the module says so: it may warm up further while
// idle), and waits. At a launch the agent sends it the container's script, arguments,
// environment and work directory; it stops the warm-up at its next step, removes its
// own scratch files, takes them on
// (the exact environment, cwd and argv a freshly spawned `node SCRIPT ARGS...` would
// have), drops the IPC channel and imports the script, which from then on runs as the
// container's process. Everything else a container is (its process group, log files,
// memory cgroup, watch) the agent set up around this process already.
//
//   node warm-runner.js WARMUP_MODULE|'' SCRATCH_DIR ROOM
// (ROOM: blanks that make room for the container's command line as the process title.)

import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
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
  process.chdir(m.cwd);
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, m.env);
  process.argv = [process.execPath, m.script, ...m.args];
  // What `ps` and /proc/PID/cmdline show, as for a spawned container (the agent left
  // room for it in this process's own arguments).
  process.title = process.argv.join(' ');
  // A spawned container has no IPC channel: neither has this one from here on.
  if (process.connected) process.disconnect();
  delete (process as { send?: unknown }).send;
  await import(pathToFileURL(m.script).href);
}

/** How long a launch waits for the warm-up to stop. */
const warmUpStopTimeoutMs = 5_000;

/** What a warm-up module's default export gets besides its scratch dir. */
export interface WarmUpHooks {
  /** The process is fit to take a container from here on (once; later rounds may go on). */
  ready(): void;
  /** True once a container is waiting to take the process: stop at the next step. */
  stopped(): boolean;
}

async function main(): Promise<void> {
  if (typeof process.send !== 'function') throw new Error('a warm runner is started by the node agent (it needs the IPC channel)');
  const send = process.send.bind(process);
  process.on('disconnect', onAgentGone);
  const [warmupModule, scratch] = process.argv.slice(2, 4);
  let stop = false;
  let readySent = false;
  const ready = (): void => {
    if (readySent) return;
    readySent = true;
    send({ t: 'ready' });
  };
  // The warm-up may go on after it said ready (more rounds make later tasks faster); a
  // launch stops it at its next step and takes the process over once it has stopped.
  let warmedUp: Promise<void> = Promise.resolve();
  process.once('message', (m: unknown) => {
    if (!isBecome(m)) {
      process.stderr.write('warm runner: the node agent sent a message that is not a launch\n');
      process.exit(1);
    }
    stop = true;
    // The agent lets go of the channel once the launch is delivered: no longer a reason to exit.
    process.removeListener('disconnect', onAgentGone);
    // A warm-up step lasts tens of ms; one that does not end fails the container at once
    // (its exit is reported) instead of leaving it to the job's connect timeout.
    const stuck = setTimeout(() => {
      process.stderr.write(`warm runner: the warm-up did not stop within ${warmUpStopTimeoutMs} ms of the launch\n`);
      process.exit(1);
    }, warmUpStopTimeoutMs);
    warmedUp
      .then(() => clearTimeout(stuck))
      // Its own files, not the container's: the warm-up's scratch dir and the runner's dir.
      .then(() => rm(dirname(scratch), { recursive: true, force: true }))
      .then(() => become(m))
      .catch((err: unknown) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
      });
  });
  if (warmupModule) {
    const mod = (await import(pathToFileURL(warmupModule).href)) as { default?: (scratch: string, hooks: WarmUpHooks) => Promise<void> };
    if (typeof mod.default !== 'function') throw new Error(`warm-up module ${warmupModule} has no default export function`);
    const hooks: WarmUpHooks = { ready, stopped: () => stop };
    warmedUp = mod.default(scratch, hooks).then(
      () => ready(),
      (err: unknown) => {
        // Before ready it is a failed start (the agent sees the exit); after, the process
        // is fit all the same: the warm-up just ends.
        if (!readySent) throw err;
      },
    );
    await warmedUp;
  }
  ready();
}

main().catch((err: unknown) => {
  process.stderr.write(`warm runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
