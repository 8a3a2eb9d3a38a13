#!/usr/bin/env node
// The `coronet` command. Exit codes: 0 success, 1 the job or operation failed,
// 2 bad usage or bad input — each failure with one clear line on stderr.

import { UsageError, errorMessage } from '../common/errors.js';
import { RpcError } from '../proto/index.js';
import { clusterManagerCommand, localCommand, nodeAgentCommand } from './daemons.js';
import { nodesCommand, sessionsCommand, poolsCommand, adminCommand } from './info.js';
import { shellCommand } from './shell.js';
import { runCommand, jobCommand, jobtrackerCommand, historyCommand, streamingCommand } from './jobs.js';

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

const commands: Record<string, Command> = {
  'cluster-manager': clusterManagerCommand,
  'node-agent': nodeAgentCommand,
  local: localCommand,
  shell: shellCommand,
  nodes: nodesCommand,
  sessions: sessionsCommand,
  pools: poolsCommand,
  admin: adminCommand,
  run: runCommand,
  streaming: streamingCommand,
  job: jobCommand,
  history: historyCommand,
  jobtracker: jobtrackerCommand,
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
  const cmd = commands[name];
  if (!cmd) throw new UsageError(`unknown command "${name}" (run "coronet --help")`);
  return cmd(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`coronet: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof RpcError) {
      process.stderr.write(`coronet: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`coronet: ${errorMessage(err)}\n`);
      if (process.env.CORONET_DEBUG) console.error(err);
      process.exitCode = 1;
    }
  },
);
