// `coronet run`, `coronet streaming`, `coronet job ...`, `coronet history`, and the
// internal `coronet jobtracker` (the remote job tracker inside its container).

import { readFileSync } from 'node:fs';
import { UsageError, OperationError, errorMessage } from '../common/errors.js';
import { createLogger, silentLogger } from '../common/log.js';
import { cmHttpAddress } from '../proto/index.js';
// (Only the modules a client needs: the barrel would load the whole data path.)
import { parseConfigArgs } from '../mapreduce/job.js';
import { MapReduceError } from '../mapreduce/errors.js';
import { submitJob, runRemoteTracker } from '../jobtracker/submit.js';
import type { JobSubmission } from '../jobtracker/tracker-host.js';
import type { JobStatus } from '../jobtracker/jobtracker.js';
import { parseArgs, table } from './args.js';
import { requireCluster, withCluster } from './cluster-target.js';
import { ProgressPrinter } from './progress.js';
import { defaultOutageToleranceMs } from '../session-driver/index.js';


const runFlags = {
  input: { type: 'list' as const },
  output: { type: 'string' as const },
  reducers: { type: 'int' as const, min: 0, max: 100_000 },
  pool: { type: 'string' as const },
  name: { type: 'string' as const },
  cluster: { type: 'string' as const },
  remote: { type: 'boolean' as const },
  detach: { type: 'boolean' as const },
  D: { type: 'list' as const, short: 'D' },
  json: { type: 'boolean' as const },
  nodes: { type: 'int' as const, min: 1, max: 16 },
  ascii: { type: 'boolean' as const },
};

function printCounters(counters: Record<string, Record<string, number>>, out: NodeJS.WritableStream = process.stdout): void {
  const rows: Array<[string, string, number]> = [];
  for (const g of Object.keys(counters).sort()) for (const n of Object.keys(counters[g]).sort()) rows.push([g, n, counters[g][n]]);
  out.write(table(['GROUP', 'COUNTER', 'VALUE'], rows) + '\n');
}

/** Polls the CM's job API until the job ends (through a CM outage as long as drivers ride
 *  out); shows progress; returns the final state. */
async function attach(cluster: string, jobId: string, json: boolean): Promise<Record<string, unknown>> {
  const http = await cmHttpAddress(cluster);
  const progress = new ProgressPrinter();
  let unreachableSince = 0;
  let seen = false;
  for (;;) {
    const res = await fetch(`http://${http}/api/v1/jobs/${encodeURIComponent(jobId)}`).catch((err: unknown) => {
      unreachableSince ||= Date.now();
      if (Date.now() - unreachableSince > defaultOutageToleranceMs) throw new OperationError(`cannot reach the cluster manager at ${http} for ${defaultOutageToleranceMs / 1000} s: ${errorMessage(err)}`);
      return null;
    });
    if (!res) {
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    unreachableSince = 0;
    if (res.status === 404) {
      if (seen) throw new OperationError(`job ${jobId} is gone: its session ended without a final report (did its job tracker die?)`);
      throw new UsageError(`no job "${jobId}" on the cluster at ${cluster}`);
    }
    seen = true;
    const st = (await res.json()) as Record<string, unknown> & Partial<JobStatus>;
    if (!json && st.maps && st.reduces) progress.update({ label: jobId, maps: st.maps, reduces: st.reduces, state: String(st.state) });
    if (st.state !== 'running' && (st.state as string) !== 'starting') {
      progress.done();
      return st;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function finish(st: { state?: unknown; diagnostics?: unknown; counters?: unknown; output?: unknown; jobId?: unknown }, json: boolean): number {
  if (json) process.stdout.write(JSON.stringify(st) + '\n');
  else {
    if (st.counters && Object.keys(st.counters).length) printCounters(st.counters as Record<string, Record<string, number>>, process.stderr);
    if (st.state === 'succeeded') process.stderr.write(`coronet: job ${st.jobId} succeeded; output in ${st.output}\n`);
  }
  if (st.state === 'succeeded') return 0;
  process.stderr.write(`coronet: job ${st.jobId} ${st.state}: ${String(st.diagnostics || 'no reason given')}\n`);
  return 1;
}

interface RunSpec {
  job: string;
  config: Record<string, string>;
  inputs?: string[];
  output?: string;
}

async function runWith(command: string, argv: string[], job: (positionals: string[], flags: Record<string, unknown>) => RunSpec, extraFlags: Record<string, { type: 'string' }> = {}): Promise<number> {
  const { flags, positionals } = parseArgs(command, argv, { ...runFlags, ...extraFlags });
  const spec = job(positionals, flags);
  const inputs = spec.inputs ?? (flags.input as string[] | undefined) ?? [];
  const output = spec.output ?? (flags.output as string | undefined);
  if (!output) throw new UsageError(`--output DIR is required for "coronet ${command}"`);
  const config = { ...parseConfigArgs((flags.D as string[] | undefined) ?? []), ...spec.config };
  const json = Boolean(flags.json);
  const log = process.env.CORONET_LOG_LEVEL ? createLogger('jobtracker') : silentLogger;
  return withCluster(
    flags.cluster,
    async (cluster, embedded) => {
      const progress = new ProgressPrinter();
      let submitted;
      try {
        submitted = await submitJob({
          cluster,
          job: spec.job,
          inputs,
          output,
          reducers: flags.reducers as number | undefined,
          pool: flags.pool as string | undefined,
          name: flags.name as string | undefined,
          config,
          remote: Boolean(flags.remote) || Boolean(flags.detach),
          log,
          onProgress: json ? undefined : (s) => progress.update({ label: s.jobId, maps: s.maps, reduces: s.reduces, state: s.state }),
        });
      } catch (err) {
        if (err instanceof MapReduceError) throw new UsageError(errorMessage(err));
        throw err;
      }
      progress.done();
      if (submitted.mode === 'in-process') return finish(submitted.status, json);
      if (flags.detach) {
        if (embedded) throw new UsageError('--detach needs a running cluster (--cluster or CORONET_CLUSTER): an embedded one stops when this command ends');
        process.stdout.write(json ? JSON.stringify({ jobId: submitted.jobId, tracker: submitted.trackerHttp }) + '\n' : `${submitted.jobId}\n`);
        return 0;
      }
      return finish(await attach(cluster, submitted.jobId, json), json);
    },
    { nodes: (flags.nodes as number | undefined) ?? 2, quiet: json },
  );
}

export function runCommand(argv: string[]): Promise<number> {
  return runWith('run', argv, (positionals, flags) => {
    const [job, ...args] = positionals;
    if (!job) throw new UsageError('usage: coronet run JOB.ts|JOB.js|EXAMPLE --input URI... --output URI');
    if (flags.ascii && job !== 'teragen') throw new UsageError('--ascii is a flag of teragen');
    // The examples' positional forms: teragen N OUT [--ascii], terasort IN OUT, teravalidate OUT REPORT.
    if (args.length === 0) return { job, config: {} };
    if (args.length !== 2) throw new UsageError(`usage: coronet run ${job === 'teragen' ? 'teragen N OUT [--ascii]' : job === 'terasort' ? 'terasort IN OUT' : job === 'teravalidate' ? 'teravalidate OUT REPORT' : `${job} --input URI... --output URI`}`);
    if (job === 'teragen') {
      if (!/^\d+$/.test(args[0])) throw new UsageError(`teragen N OUT: N must be a whole number of records, got "${args[0]}"`);
      return { job, config: { 'teragen.rows': args[0], ...(flags.ascii ? { 'teragen.ascii': 'true' } : {}) }, inputs: [], output: args[1] };
    }
    if (job === 'terasort' || job === 'teravalidate') return { job, config: {}, inputs: [args[0]], output: args[1] };
    throw new UsageError(`unexpected arguments for ${job}: ${args.join(' ')} (use --input and --output)`);
  });
}

export function streamingCommand(argv: string[]): Promise<number> {
  return runWith(
    'streaming',
    argv,
    (positionals, flags) => {
      if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for "coronet streaming"`);
      if (!flags.mapper) throw new UsageError('--mapper CMD is required for "coronet streaming"');
      const config: Record<string, string> = { 'stream.mapper': String(flags.mapper) };
      if (flags.reducer) config['stream.reducer'] = String(flags.reducer);
      if (flags.combiner) config['stream.combiner'] = String(flags.combiner);
      return { job: 'streaming', config };
    },
    { mapper: { type: 'string' }, reducer: { type: 'string' }, combiner: { type: 'string' } },
  );
}

export function jobtrackerCommand(argv: string[]): Promise<number> {
  const { flags } = parseArgs('jobtracker', argv, { submission: { type: 'string' } });
  if (!flags.submission) throw new UsageError('--submission FILE is required');
  const submission = JSON.parse(readFileSync(String(flags.submission), 'utf8')) as JobSubmission;
  return runRemoteTracker(submission, createLogger(`jobtracker.${submission.jobId}`)).then((s) => (s.state === 'succeeded' ? 0 : 1));
}

export async function jobCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positionals } = parseArgs(`job ${sub ?? ''}`, rest, { cluster: { type: 'string' }, json: { type: 'boolean' }, task: { type: 'string' }, stream: { type: 'string' } });
  const cluster = requireCluster(flags.cluster);
  const json = Boolean(flags.json);
  const http = await cmHttpAddress(cluster);
  const id = positionals[0];
  const needId = () => {
    if (!id) throw new UsageError(`usage: coronet job ${sub} JOB_ID`);
    return id;
  };
  const getJob = async (jobId: string): Promise<Record<string, unknown> & Partial<JobStatus>> => {
    const res = await fetch(`http://${http}/api/v1/jobs/${encodeURIComponent(jobId)}`);
    if (res.status === 404) throw new UsageError(`no job "${jobId}" on the cluster at ${cluster}`);
    return (await res.json()) as Record<string, unknown> & Partial<JobStatus>;
  };
  switch (sub) {
    case 'list': {
      const live = ((await (await fetch(`http://${http}/api/v1/jobs`)).json()) as { jobs: Array<Record<string, string | number>> }).jobs;
      const done = ((await (await fetch(`http://${http}/api/v1/history?limit=50`)).json()) as { jobs: Array<Record<string, string | number>> }).jobs;
      const rows: Array<Record<string, string | number>> = [...live.map((j) => ({ ...j, state: 'running' })), ...done];
      if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else process.stdout.write(table(['JOB', 'NAME', 'USER', 'STATE', 'STARTED'], rows.map((j) => [String(j.jobId), String(j.name), String(j.user), String(j.state), new Date(Number(j.startedAtMs)).toISOString()])) + '\n');
      return 0;
    }
    case 'status': {
      const st = await getJob(needId());
      if (json) process.stdout.write(JSON.stringify(st, null, 2) + '\n');
      else {
        process.stdout.write(`${st.jobId}  ${st.name}  ${st.state}\n`);
        if (st.maps && st.reduces) process.stdout.write(`maps ${st.maps.succeeded}/${st.maps.total} (${st.maps.running} running), reduces ${st.reduces.succeeded}/${st.reduces.total} (${st.reduces.running} running)\n`);
        if (st.diagnostics) process.stdout.write(`diagnostics: ${st.diagnostics}\n`);
      }
      return 0;
    }
    case 'attach':
      return finish(await attach(cluster, needId(), json), json);
    case 'kill': {
      const res = await fetch(`http://${http}/api/v1/jobs/${encodeURIComponent(needId())}/kill`, { method: 'POST' });
      if (!res.ok) throw new OperationError(((await res.json()) as { error: string }).error);
      process.stderr.write(`coronet: asked job ${id} to stop\n`);
      return 0;
    }
    case 'counters': {
      const st = await getJob(needId());
      if (json) process.stdout.write(JSON.stringify(st.counters ?? {}, null, 2) + '\n');
      else printCounters((st.counters ?? {}) as Record<string, Record<string, number>>);
      return 0;
    }
    case 'logs': {
      const st = await getJob(needId());
      const stream = (flags.stream as string | undefined) ?? 'stderr';
      if (stream !== 'stdout' && stream !== 'stderr') throw new UsageError('--stream must be stdout or stderr');
      const attempts = (st.tasks ?? []).flatMap((t) => t.attempts).filter((a) => !flags.task || a.taskId === flags.task || a.id === flags.task);
      if (flags.task && attempts.length === 0) throw new UsageError(`job ${id} has no task or attempt "${flags.task}"`);
      const seen = new Set<string>();
      for (const a of attempts) {
        if (!a.containerId || seen.has(a.containerId)) continue;
        seen.add(a.containerId);
        const res = await fetch(`http://${a.shuffleAddress}/containers/${a.containerId}/${stream}`).catch(() => null);
        const text = res?.ok ? await res.text() : `(log not reachable on ${a.node})\n`;
        process.stdout.write(`==> ${a.node} ${a.containerId} (${a.id}) ${stream} <==\n${text}${text.endsWith('\n') || !text ? '' : '\n'}`);
      }
      return 0;
    }
    default:
      throw new UsageError('usage: coronet job list|status ID|attach ID|kill ID|counters ID|logs ID [--task T] [--json]');
  }
}

export async function historyCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs('history', argv, { cluster: { type: 'string' }, json: { type: 'boolean' }, user: { type: 'string' }, state: { type: 'string' } });
  const cluster = requireCluster(flags.cluster);
  const http = await cmHttpAddress(cluster);
  if (positionals[0]) {
    const res = await fetch(`http://${http}/api/v1/history/${encodeURIComponent(positionals[0])}`);
    if (res.status === 404) throw new UsageError(`no finished job "${positionals[0]}" in history`);
    const r = (await res.json()) as Record<string, unknown> & Partial<JobStatus>;
    if (flags.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else {
      process.stdout.write(`${r.jobId}  ${r.name}  ${r.user}  ${r.state}  ${(((r.finishedAtMs ?? 0) - (r.startedAtMs ?? 0)) / 1000).toFixed(1)} s\n`);
      if (r.diagnostics) process.stdout.write(`diagnostics: ${r.diagnostics}\n`);
      if (r.counters) printCounters(r.counters);
      if (r.tasks) process.stdout.write(table(['ATTEMPT', 'NODE', 'STATE', 'SECONDS', 'DIAGNOSTICS'], r.tasks.flatMap((t) => t.attempts).map((a) => [a.id, a.node, a.state, ((a.endMs - a.startMs) / 1000).toFixed(2), a.diagnostics.split('\n')[0].slice(0, 80)])) + '\n');
    }
    return 0;
  }
  const q = new URLSearchParams();
  if (flags.user) q.set('user', String(flags.user));
  if (flags.state) q.set('state', String(flags.state));
  const list = ((await (await fetch(`http://${http}/api/v1/history?${q}`)).json()) as { jobs: Array<Record<string, string | number>> }).jobs;
  if (flags.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
  else process.stdout.write(table(['JOB', 'NAME', 'USER', 'STATE', 'FINISHED', 'SECONDS'], list.map((j) => [String(j.jobId), String(j.name), String(j.user), String(j.state), new Date(Number(j.finishedAtMs)).toISOString(), ((Number(j.finishedAtMs) - Number(j.startedAtMs)) / 1000).toFixed(1)])) + '\n');
  return 0;
}
