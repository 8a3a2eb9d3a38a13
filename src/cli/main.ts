#!/usr/bin/env node
// The `coronet` command. Exit codes: 0 success, 1 the job or operation failed,
// 2 bad usage or bad input — each failure with one clear line on stderr.

import { UsageError, errorMessage } from '../common/errors.js';

const usage = `coronet — a cluster resource manager with a MapReduce engine

Daemons:
  coronet cluster-manager [--rpc-port 7070] [--http-port 7080] [--state-dir DIR] [--pools FILE] [--config FILE]
  coronet node-agent --cm HOST:PORT [--name NAME] [--rack /RACK] [--memory-mb N] [--vcores N] [--gpus N]
                     [--work-dir DIR] [--rpc-port P] [--shuffle-port P]
  coronet local [--nodes 2]              a CM and N node agents on this machine, until Ctrl-C

Work:
  coronet run JOB.ts|JOB.js|EXAMPLE --input URI... --output URI [--reducers N] [--pool GROUP.POOL]
              [--cluster HOST:PORT] [--remote] [--detach] [-D key=value]...
  coronet streaming --mapper CMD [--reducer CMD] [--combiner CMD] --input URI... --output URI [...run flags]
  coronet shell -n N [--memory-mb M] [--vcores V] -- COMMAND [ARGS...]
  examples: wordcount, grep, teragen, terasort, teravalidate

Inspect:
  coronet job list|status ID|attach ID|kill ID|counters ID|logs ID [--task T] [--json]
  coronet history [JOB_ID] [--json]
  coronet nodes|pools|sessions [--json]

Operate:
  coronet admin safe-mode on|off | refresh-pools | decommission NODE [--timeout-ms MS]

Client commands use --cluster HOST:PORT or CORONET_CLUSTER; commands that run work
start an embedded local cluster when neither is given.
`;

type Command = (argv: string[]) => Promise<number>;

// Each command imports only its own module when it runs: `coronet run` does not load
// the daemons (LMDB, HTTP servers, the web UI) and `coronet nodes` not the MapReduce
// engine, so a client command starts in little more than Node's own start-up.
const commands: Record<string, () => Promise<Command>> = {
  'cluster-manager': async () => (await import('./daemons.js')).clusterManagerCommand,
  'node-agent': async () => (await import('./daemons.js')).nodeAgentCommand,
  local: async () => (await import('./daemons.js')).localCommand,
  shell: async () => (await import('./shell.js')).shellCommand,
  nodes: async () => (await import('./info.js')).nodesCommand,
  sessions: async () => (await import('./info.js')).sessionsCommand,
  pools: async () => (await import('./info.js')).poolsCommand,
  admin: async () => (await import('./info.js')).adminCommand,
  run: async () => (await import('./jobs.js')).runCommand,
  streaming: async () => (await import('./jobs.js')).streamingCommand,
  job: async () => (await import('./jobs.js')).jobCommand,
  history: async () => (await import('./jobs.js')).historyCommand,
  jobtracker: async () => (await import('./jobs.js')).jobtrackerCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write('coronet 0.1.0\n');
    return 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) throw new UsageError(`unknown command "${name}" (run "coronet --help")`);
  return (await load())(rest);
}

/** Exits with `code` once stdout and stderr have taken everything written to them. A
 *  client command is done when its promise settles: waiting for the event loop to drain
 *  as well (gRPC channels and HTTP servers closing, idle timers) would only add time
 *  between the job's report and the shell prompt. Daemons never settle. */
function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`coronet: ${err.message}\n`);
      exitWhenFlushed(2);
    } else {
      process.stderr.write(`coronet: ${errorMessage(err)}\n`);
      if (process.env.CORONET_DEBUG) console.error(err);
      exitWhenFlushed(1);
    }
  },
);
