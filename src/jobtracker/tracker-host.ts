// Hosting a job tracker: the same code runs inside the client (small jobs) and in a
// container on the cluster (large jobs, `--remote`). It loads the job, computes splits,
// runs the job's prepare step, serves the JT's status over HTTP (the CM proxies it),
// runs the job, files the report with the history server and ends the session.

import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The job-level modules only; the data path (local.js) is loaded when a job runs uber.
import { loadJob } from '../mapreduce/bundle.js';
import { jobConfig, jobInput, type AnyJob } from '../mapreduce/job.js';
import { computeSplits, type InputSplit } from '../mapreduce/splits.js';
import { resolveUri } from '../mapreduce/fs.js';
import { successFileName } from '../mapreduce/committer.js';
import { Counters } from '../mapreduce/counters.js';
import type { SessionDriver } from '../session-driver/index.js';
import { cmHttpAddress } from '../proto/index.js';
import { listen, postJson, sendError, sendJson, sendText } from '../common/http.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { MetricsRegistry } from '../common/metrics.js';
import { JobTracker, type JobRecovery, type JobStatus } from './jobtracker.js';
import { jobSettings } from './settings.js';

/** Everything a job tracker needs to run a job; written to the staging dir as submission.json. */
export interface JobSubmission {
  jobId: string;
  name: string;
  user: string;
  pool: string;
  cluster: string;
  /** The bundled job module (staging dir; readable by every node), or a built-in job's module. */
  jobFile: string;
  /** A built-in job (example, streaming): nodes load it from their own Coronet install. */
  builtin: boolean;
  inputs: string[];
  output: string;
  reducers: number | null;
  config: Record<string, string>;
  stagingDir: string;
}

export const taskRunnerPath = join(dirname(fileURLToPath(import.meta.url)), 'task-runner.js');

export interface HostOptions {
  driver: SessionDriver;
  submission: JobSubmission;
  advertiseHost: string;
  ownGrantId?: string;
  /** The JT runs inside the client: tiny jobs may run as uber jobs. */
  inProcess?: boolean;
  log: Logger;
  onProgress?: (s: JobStatus) => void;
  /** A remote JT: its attempt, checkpoint and what earlier attempts finished. */
  recovery?: Omit<JobRecovery, 'beforeJobCommit'> & { isCurrent(): Promise<boolean> };
  /** The job and its splits, as staging in this process found them (else loaded and split here). */
  staged?: { job: AnyJob; splits: readonly InputSplit[] };
}

/** An earlier JT attempt was replaced by a newer one: this one stops without a word. */
class FencedError extends Error {}

function startStatusServer(jt: () => JobTracker | null, host: string, metrics: MetricsRegistry): { server: Server; ready: Promise<number> } {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const t = jt();
    if (url.pathname === '/api/v1/job' && req.method === 'GET') {
      if (t) sendJson(res, 200, t.status());
      else sendError(res, 503, 'the job is still being prepared');
    } else if (url.pathname === '/api/v1/job/kill' && req.method === 'POST') {
      t?.kill('killed by a user request');
      sendJson(res, 200, { ok: true });
    } else if (url.pathname === '/metrics' && req.method === 'GET') {
      sendText(res, 200, metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
    } else sendError(res, 404, `no such resource: ${req.method} ${url.pathname}`);
  });
  return { server, ready: listen(server, host === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0', 0) };
}

/** How long a finished job's report is retried while the CM is unreachable (restart). */
const historyFilingToleranceMs = 120_000;

async function jobAlreadyCommitted(output: string): Promise<boolean> {
  const { fs, path } = resolveUri(output);
  return (await fs.stat(join(path, successFileName))) !== null;
}

/** The CM's HTTP address (where the history server takes job reports), null if the CM
 *  does not answer now. */
function historyAddress(cluster: string): Promise<string | null> {
  return cmHttpAddress(cluster).then(
    (a) => a || null,
    () => null,
  );
}

/** Files a finished job's report with the history server: first at `known` (looked up
 *  while the job ran, one round trip off its end; if that fails, at once at the address
 *  the CM gives now), then asking the CM each time (it may have restarted elsewhere),
 *  with backoff, for up to historyFilingToleranceMs. */
async function fileHistory(cluster: string, report: unknown, known: Promise<string | null>, log: Logger): Promise<void> {
  const deadline = Date.now() + historyFilingToleranceMs;
  let lastError = '';
  let address = await known;
  for (let attempt = 0; Date.now() < deadline; ) {
    const asked = address === null;
    address ??= await historyAddress(cluster);
    try {
      if (address === null) throw new Error('the cluster manager does not answer');
      const res = await postJson(`http://${address}/api/v1/history`, report, 10_000);
      if (res.status >= 200 && res.status < 300) return;
      // A refusal counts from the server the CM names now, not from an address learnt early.
      if (asked && res.status >= 400 && res.status < 500) {
        log.warn('the history server refused the job report', { status: res.status, body: res.text });
        return;
      }
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = errorMessage(err);
    }
    address = null;
    if (asked) await new Promise((r) => setTimeout(r, Math.min(2_000, 250 * 2 ** attempt++)));
  }
  log.warn('could not file the job report with the history server', { error: lastError });
}

/** Runs a submitted job to the end with `driver` as its session; never rejects. */
export async function hostJobTracker(o: HostOptions): Promise<JobStatus> {
  const s = o.submission;
  const metrics = new MetricsRegistry();
  let jt: JobTracker | null = null;
  const { server, ready } = startStatusServer(() => jt, o.advertiseHost, metrics);
  const startedAtMs = Date.now();
  const reportTo = o.driver.clusterInfo().then(
    (info) => info.httpAddress || null,
    () => null,
  );
  const taskSeconds = metrics.histogram('coronet_task_duration_seconds', 'Duration of finished task attempts.', [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]);
  const attemptsEnded = metrics.counter('coronet_task_attempts_total', 'Finished task attempts by kind and state.');
  let status: JobStatus;
  // Where the JT's status is served, for the CM's job API (and a remote JT's client): told
  // while the job gets going, not before (one CM round trip off a small job's path).
  let tagged: Promise<void> = Promise.resolve();
  try {
    const port = await ready;
    tagged = o.driver.setTags({ jobtrackerHttp: `${o.advertiseHost}:${port}` }).catch(() => undefined);
    const job = o.staged?.job ?? (await loadJob(s.jobFile));
    const settings = jobSettings(s.config);
    const config = jobConfig(job, s.config);
    const splits = o.staged?.splits ?? (await computeSplits(s.inputs, jobInput(job, config), { minSplitBytes: settings.minSplitBytes, maxSplitBytes: settings.maxSplitBytes }));
    const reducers = s.reducers ?? job.reducers ?? 1;
    o.log.debug('job loaded and split', { maps: splits.length, reducers });
    async function runOnCluster(): Promise<JobStatus> {
      // (A job with a prepare step, e.g. terasort's sampling, reads records: the data path.)
      const prepared = job.prepare === undefined ? config : await (await import('../mapreduce/local.js')).prepareJob(job, config, splits, reducers);
      jt = new JobTracker({
        driver: o.driver,
        jobId: s.jobId,
        name: s.name,
        user: s.user,
        jobFile: s.jobFile,
        builtin: s.builtin,
        splits: [...splits],
        reducers,
        output: s.output,
        config: prepared,
        settings,
        taskRunnerPath,
        stagingDir: s.stagingDir,
        advertiseHost: o.advertiseHost,
        ownGrantId: o.ownGrantId,
        log: o.log,
        onProgress: o.onProgress,
        onAttemptEnd: (kind, state, seconds) => {
          taskSeconds.observe(seconds);
          attemptsEnded.inc({ kind, state });
        },
        recovery: o.recovery && {
          ...o.recovery,
          beforeJobCommit: async () => {
            if (!(await o.recovery!.isCurrent())) throw new FencedError(`job tracker attempt ${o.recovery!.attempt} was replaced by a newer attempt`);
          },
        },
      });
      const tracker = jt;
      metrics.gauge('coronet_job_tasks', 'Tasks of this job by kind and state.', () => {
        const st = tracker.status();
        return [
          [{ kind: 'map', state: 'succeeded' }, st.maps.succeeded],
          [{ kind: 'map', state: 'running' }, st.maps.running],
          [{ kind: 'reduce', state: 'succeeded' }, st.reduces.succeeded],
          [{ kind: 'reduce', state: 'running' }, st.reduces.running],
        ];
      });
      metrics.gauge('coronet_job_progress_ratio', 'Fraction of tasks done.', () => tracker.status().progress);
      return jt.run();
    }
    const inputBytes = splits.reduce((sum, x) => sum + x.length, 0);
    if (o.recovery && o.recovery.attempt > 1 && (await jobAlreadyCommitted(s.output))) {
      // The last attempt died after the job commit: the job is done.
      const counters = new Counters();
      for (const t of o.recovery.done) counters.merge(t.counters);
      status = { jobId: s.jobId, name: s.name, user: s.user, state: 'succeeded', startedAtMs, finishedAtMs: Date.now(), maps: { total: splits.length, succeeded: splits.length, running: 0 }, reduces: { total: reducers, succeeded: reducers, running: 0 }, progress: 1, diagnostics: '', counters: counters.toJSON(), output: s.output, tasks: [] };
      o.onProgress?.(status);
    } else if (o.inProcess && settings.uber && splits.length <= settings.uberMaxMaps && reducers <= 1 && inputBytes <= settings.uberMaxBytes) {
      // Uber job: the tasks run here, one after the other; no containers are asked for.
      o.log.debug('running as an uber job', { maps: splits.length, inputBytes });
      const { runJobLocally } = await import('../mapreduce/local.js');
      const r = await runJobLocally(job, { inputs: s.inputs, output: s.output, reducers, config: s.config, jobId: s.jobId, minSplitBytes: settings.minSplitBytes, maxSplitBytes: settings.maxSplitBytes, sortBufferBytes: settings.sortBufferMb ? settings.sortBufferMb * 1048576 : undefined });
      status = { jobId: s.jobId, name: s.name, user: s.user, state: 'succeeded', startedAtMs, finishedAtMs: Date.now(), maps: { total: r.maps, succeeded: r.maps, running: 0 }, reduces: { total: r.reducers, succeeded: r.reducers, running: 0 }, progress: 1, diagnostics: '', counters: r.counters.toJSON(), output: s.output, tasks: [], mode: 'uber' };
      o.onProgress?.(status);
    } else status = await runOnCluster();
  } catch (err) {
    const message = errorMessage(err);
    o.log.error('job failed', { job: s.jobId, error: message });
    status = { jobId: s.jobId, name: s.name, user: s.user, state: 'failed', startedAtMs, finishedAtMs: Date.now(), maps: { total: 0, succeeded: 0, running: 0 }, reduces: { total: 0, succeeded: 0, running: 0 }, progress: 0, diagnostics: message, counters: {}, output: s.output, tasks: [] };
    o.onProgress?.(status);
  }
  await tagged;
  if (o.recovery && !(await o.recovery.isCurrent().catch(() => true))) {
    // A newer attempt owns the session now (this one was cut off and replaced).
    o.log.warn('this job tracker attempt was replaced by a newer one; leaving the job to it', { attempt: o.recovery.attempt });
    o.driver.shutdown();
    server.closeAllConnections();
    server.close();
    return status;
  }
  const final = status.state === 'succeeded' ? 'SUCCEEDED' : status.state === 'killed' ? 'KILLED' : 'FAILED';
  const fileReport = () => fileHistory(s.cluster, { ...status, pool: s.pool, config: s.config, inputs: s.inputs, sessionId: o.driver.sessionId }, reportTo, o.log);
  const endSession = () => o.driver.end(final, status.diagnostics.slice(0, 60_000)).catch(() => o.driver.shutdown());
  // In the client both at once; a remote JT files first, as ending the session ends its own container.
  if (o.inProcess) await Promise.all([fileReport(), endSession()]);
  else {
    await fileReport();
    await endSession();
  }
  o.log.debug('job report filed and session ended');
  server.closeAllConnections();
  server.close();
  return status;
}
