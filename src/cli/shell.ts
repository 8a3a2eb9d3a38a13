// `coronet shell -n N [--memory-mb M] [--vcores V] -- COMMAND [ARGS...]`

import { UsageError } from '../common/errors.js';
import { runShell } from '../shell/shell.js';
import { parseArgs } from './args.js';
import { withCluster } from './cluster-target.js';

export async function shellCommand(argv: string[]): Promise<number> {
  const { flags, positionals, rest } = parseArgs('shell', argv, {
    n: { type: 'int', short: 'n', min: 1, max: 100_000 },
    'memory-mb': { type: 'int', min: 1 },
    vcores: { type: 'int', min: 1 },
    cluster: { type: 'string' },
    pool: { type: 'string' },
    'max-attempts': { type: 'int', min: 1, max: 100 },
    json: { type: 'boolean' },
  });
  const command = rest.length ? rest : positionals;
  if (!command.length) throw new UsageError('no command given: coronet shell -n N -- COMMAND [ARGS...]');
  const count = (flags.n as number | undefined) ?? 1;
  return withCluster(flags.cluster, async (cluster) => {
    const result = await runShell({
      cluster,
      count,
      memoryMb: (flags['memory-mb'] as number | undefined) ?? 256,
      vcores: (flags.vcores as number | undefined) ?? 1,
      command: command[0],
      args: command.slice(1),
      pool: flags.pool as string | undefined,
      maxAttempts: flags['max-attempts'] as number | undefined,
      stdout: (l) => process.stdout.write(l + '\n'),
      stderr: (l) => process.stderr.write(l + '\n'),
    });
    if (flags.json) process.stdout.write(JSON.stringify(result) + '\n');
    const failed = result.tasks.filter((t) => !(t.state === 'EXITED' && t.exitCode === 0));
    for (const t of failed) process.stderr.write(`coronet: container #${t.index}${t.node ? ` on ${t.node}` : ''} ${t.state === 'EXITED' ? `exited with code ${t.exitCode}` : t.state.toLowerCase().replace(/_/g, ' ')}${t.diagnostics ? `: ${t.diagnostics}` : ''}\n`);
    if (!result.succeeded && failed.length === 0) process.stderr.write('coronet: the shell session failed\n');
    return result.succeeded ? 0 : 1;
  });
}
