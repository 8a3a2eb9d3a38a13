// A warm runner: a Node process the node agent starts before any container needs it
// (see warm-runners.ts). It loads and runs its warm-up module, tells the agent it is
// ready over the IPC channel, and waits. At a launch the agent sends it the
// container's script, arguments, environment and work directory; it takes them on
// (the exact environment, cwd and argv a freshly spawned `node SCRIPT ARGS...` would
// have), hides the IPC channel (process.send) and imports the script, which from then on
// runs as the container's process. Everything else a container is (its process group,
// log files, memory cgroup, watch) the agent set up around this process already.
//
// A script written as a container entry (common/container-main.ts: the task runner) hands
// the runner its `main` instead of running itself. When that settles, has not set a
// failing exit code and has left nothing behind (no handle, timer or request beyond those
// before the import, no process listener more), the runner puts its own environment, cwd,
// argv and title back and tells the agent it is `recyclable`; the agent may then end the
// container (as exited, code 0) and keep this process for the next container of the same
// user (warm-runners.ts), which runs the same `main` again without loading anything.
// Otherwise — or when the agent says `exit` — it exits with the script's exit code, as a
// spawned process would. A script that runs itself is just that from its import on.
//
//   node warm-runner.js WARMUP_MODULE|'' SCRATCH_DIR ROOM
// (ROOM: blanks that make room for the container's command line as the process title.)

import { pathToFileURL } from 'node:url';
import { dirname } from 'node:path';
import { containerHostKey, type ContainerHost } from '../common/container-main.js';

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

/** How long a container's handles (its sockets closing) may take to go after its main settled. */
const settleMs = 200;
/** Process events whose listeners a container must not leave behind. */
const processEvents = ['uncaughtException', 'unhandledRejection', 'exit', 'beforeExit', 'warning', 'SIGTERM', 'SIGINT', 'SIGHUP'];

/** This process as the agent started it, to return to between containers. */
const own = { cwd: process.cwd(), env: { ...process.env }, argv: [...process.argv], title: process.argv.slice(0, 4).join(' ') };
/** The entries container scripts registered, by script path. */
const entries = new Map<string, () => Promise<void>>();
let registered: (() => Promise<void>) | null = null;
let send: NonNullable<typeof process.send> = () => false;
/** While a container runs, the IPC channel is hidden: process.send is gone and process.connected reads false. */
let ipcHidden = false;
let ipcConnected = false;

function hideIpc(hidden: boolean): void {
  ipcHidden = hidden;
  if (hidden) delete (process as { send?: unknown }).send;
  else (process as { send?: unknown }).send = send;
}

/** A message to the agent, whether or not the channel is hidden (Node's send reads process.connected). */
function toAgent(m: unknown, callback: (err: Error | null) => void = () => undefined): void {
  const hidden = ipcHidden;
  ipcHidden = false;
  try {
    send(m, callback);
  } finally {
    ipcHidden = hidden;
  }
}
let containers = 0;

/** The agent went away before handing this process a container: nothing to wait for. */
function onAgentGone(): void {
  process.exit(0);
}

function fail(err: unknown): never {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

/** Waits for the agent's next word: a container to become, or exit. */
function awaitAgent(): void {
  process.on('disconnect', onAgentGone);
  process.once('message', (m: unknown) => {
    if ((m as { t?: unknown } | null)?.t === 'exit') process.exit(0);
    if (!isBecome(m)) {
      process.stderr.write('warm runner: the node agent sent a message that is not a launch\n');
      process.exit(1);
    }
    become(m).catch(fail);
  });
}

/** What keeps this process alive and listens on it: the same before and after a container that left nothing behind. */
function footprint(): string {
  return [...process.getActiveResourcesInfo().sort(), ...processEvents.map((e) => `${e}:${process.listenerCount(e)}`)].join(',');
}

/** Null once the footprint is back to `before`; what it still is after settleMs. */
async function settled(before: string): Promise<string | null> {
  // First at once (closing sockets are gone after a turn of the loop), then every 5 ms.
  for (let t0 = Date.now(), turn = 0; ; turn++) {
    await new Promise((r) => (turn === 0 ? setImmediate(r) : setTimeout(r, 5).unref()));
    const now = footprint();
    if (now === before) return null;
    if (Date.now() - t0 > settleMs) return now;
  }
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
  // A spawned container has no IPC channel: nor does this one see it, nor is it kept alive by it.
  hideIpc(true);
  containers++;
  // (Taken with the channel held, as it is while the container's leftovers are checked.)
  process.channel?.ref();
  const before = footprint();
  process.channel?.unref();
  let main = entries.get(m.script);
  if (!main) {
    registered = null;
    await import(pathToFileURL(m.script).href);
    main = registered ?? undefined;
    if (!main) {
      // A script that runs itself: from here on this process is just that.
      ipcHidden = false; // (Node's disconnect reads process.connected; false after it in any case.)
      process.disconnect();
      return;
    }
    entries.set(m.script, main);
  }
  await main();
  if (process.exitCode !== undefined && process.exitCode !== 0) process.exit();
  // (The channel, not listed among the resources, keeps the process alive meanwhile.)
  process.channel?.ref();
  if (!ipcConnected) process.exit(0);
  const left = await settled(before);
  if (left !== null) {
    // The agent logs why (at debug): a container that keeps its process busy cannot give it back.
    toAgent({ t: 'not-recyclable', why: `left running: ${left || 'nothing'} (before: ${before || 'nothing'})` }, () => process.exit(0));
    return;
  }
  // Back to what it was between containers (its own dir is gone; the pool's holds it).
  try {
    process.chdir(dirname(own.cwd));
  } catch {
    process.exit(0);
  }
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, own.env);
  process.argv = [...own.argv];
  process.title = own.title;
  hideIpc(false);
  awaitAgent();
  toAgent({ t: 'recyclable', containers, rssMb: Math.round(process.memoryUsage.rss() / 1048576) });
}

async function main(): Promise<void> {
  if (typeof process.send !== 'function') throw new Error('a warm runner is started by the node agent (it needs the IPC channel)');
  send = process.send.bind(process);
  ipcConnected = process.connected;
  // Node sets it (false at a disconnect); it reads false while a container runs.
  Object.defineProperty(process, 'connected', {
    configurable: true,
    enumerable: true,
    get: () => ipcConnected && !ipcHidden,
    set: (v: boolean) => {
      ipcConnected = v;
    },
  });
  const host: ContainerHost = {
    register(entry) {
      registered = entry;
    },
  };
  (globalThis as { [containerHostKey]?: ContainerHost })[containerHostKey] = host;
  process.on('disconnect', onAgentGone);
  const [warmupModule, scratch] = process.argv.slice(2, 4);
  if (warmupModule) {
    const mod = (await import(pathToFileURL(warmupModule).href)) as { default?: (scratch: string) => Promise<void> };
    if (typeof mod.default !== 'function') throw new Error(`warm-up module ${warmupModule} has no default export function`);
    await mod.default(scratch);
  }
  process.removeListener('disconnect', onAgentGone);
  awaitAgent();
  send({ t: 'ready', rssMb: Math.round(process.memoryUsage.rss() / 1048576) });
}

main().catch((err: unknown) => {
  process.stderr.write(`warm runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
