// The entry point of a container script that a node agent's warm runner may run more
// than once (node-agent/warm-runners.ts). A script calls `containerMain(main)` at its top
// level instead of running itself:
//  - spawned as `node SCRIPT ...`, it runs `main` now and exits when it settles, with
//    process.exitCode (0 unless main set it; 1, with the stack on stderr, when it throws);
//  - imported by a warm runner, it hands `main` to the runner, which runs it for this
//    container and, once it has settled and left nothing running behind it, may offer the
//    process back to its agent for a later container of the same user.
// So `main` must end by returning (never process.exit) and leave no timer, socket or
// listener of its own behind; process-wide settings it makes must hold for any of its runs.

/** What a warm runner puts on globalThis before it imports a container's script. */
export interface ContainerHost {
  /** The script's entry, registered while the runner imports it. */
  register(main: () => Promise<void>): void;
}

export const containerHostKey = Symbol.for('coronet.containerHost');

export function containerMain(main: () => Promise<void>): void {
  const host = (globalThis as { [containerHostKey]?: ContainerHost })[containerHostKey];
  if (host) {
    host.register(main);
    return;
  }
  main().then(
    () => process.exit(),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
