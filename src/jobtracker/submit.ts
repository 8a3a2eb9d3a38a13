// Submitting a job: stage it (bundle the job module, write submission.json), check
// input and output, then run the job tracker in this process (small jobs) or start it
// in a container on the cluster (maps > jobtracker.remote.threshold, or --remote) —
// Corona's in-process vs remote job tracker.

import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
// (The job-level modules only: a client never loads the data path.)
import { bundleJobModule, loadJob, resolveJobModule } from '../mapreduce/bundle.js';
import { jobConfig, jobInput, type AnyJob } from '../mapreduce/job.js';
import { computeSplits, type InputSplit } from '../mapreduce/splits.js';
import { FileOutputCommitter } from '../mapreduce/committer.js';
import { resolveUri } from '../mapreduce/fs.js';
import { SessionDriver } from '../session-driver/index.js';
import { clusterManagerClient, preconnect, unary, type WireNodeInfo, type WireSessionInfo } from '../proto/index.js';
import { JobCheckpoint } from './checkpoint.js';
import { errorMessage } from '../common/errors.js';
import { localAddressToward } from '../common/net.js';
import type { Logger } from '../common/log.js';
import { jobSettings, type JobSettings } from './settings.js';
import { hostJobTracker, type JobSubmission } from './tracker-host.js';
import type { JobStatus } from './jobtracker.js';

const distDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliPath = join(distDir, 'cli', 'main.js');
const remoteStartTimeoutMs = 60_000;

export interface SubmitOptions {
  cluster: string;
  /** Example name, or path of a .ts/.js/.mjs job module. */
  job: string;
  inputs: string[];
  output: string;
  reducers?: number;
  pool?: string;
  name?: string;
  config?: Record<string, string>;
  remote?: boolean;
  log: Logger;
  onProgress?: (s: JobStatus) => void;
}

export type Submitted = { mode: 'in-process'; jobId: string; status: JobStatus } | { mode: 'remote'; jobId: string; trackerHttp: string };

function newJobId(): string {
  const t = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `job_${t}_${randomBytes(3).toString('hex')}`;
}

function user(): string {
  try {
    return process.env.CORONET_USER || userInfo().username;
  } catch {
    return 'anonymous';
  }
}

/** Stages and checks a job; returns the submission and its split count. Throws clear errors. */
/** A staged job: its submission, and the job and splits staging found (for a JT in this process). */
export interface StagedJob {
  submission: JobSubmission;
  maps: number;
  job: AnyJob;
  splits: InputSplit[];
}

export async function stageJob(o: SubmitOptions): Promise<StagedJob> {
  const config = o.config ?? {};
  const settings = jobSettings(config);
  const jobId = newJobId();
  const stagingDir = join(settings.stagingDir || join(tmpdir(), 'coronet-staging'), jobId);
  mkdirSync(stagingDir, { recursive: true });
  const modulePath = resolveJobModule(o.job);
  // Built-in jobs (examples, streaming) ship with Coronet on every node: no bundle needed.
  const builtin = modulePath.startsWith(distDir + sep);
  const jobFile = builtin ? modulePath : join(stagingDir, 'job.mjs');
  if (!builtin) {
    await bundleJobModule(modulePath, jobFile);
    o.log.debug('job bundled', { jobFile });
  }
  const job = await loadJob(jobFile);
  const splits = await computeSplits(o.inputs, jobInput(job, jobConfig(job, config)), { minSplitBytes: settings.minSplitBytes, maxSplitBytes: settings.maxSplitBytes });
  const { fs, path } = resolveUri(o.output);
  await new FileOutputCommitter(fs, path).setupJob();
  const name = o.name ?? (job.name || o.job.replace(/^.*\//, ''));
  // Paths are made absolute here: a remote job tracker runs in another directory.
  const submission: JobSubmission = { jobId, name, user: user(), pool: o.pool ?? '', cluster: o.cluster, jobFile, builtin, inputs: o.inputs.map((u) => resolveUri(u).path), output: path, reducers: o.reducers ?? null, config, stagingDir };
  writeFileSync(join(stagingDir, 'submission.json'), JSON.stringify(submission, null, 2));
  o.log.debug('job staged', { jobId, maps: splits.length });
  return { submission, maps: splits.length, job, splits };
}

export async function submitJob(o: SubmitOptions): Promise<Submitted> {
  o.log.debug('submitting', { sinceProcessStartMs: Math.round(performance.now()) });
  // The connection to the CM is made while the job stages; the session's client uses it.
  const letGo = preconnect(o.cluster);
  let staged: StagedJob;
  let remote: boolean;
  let settings: JobSettings;
  let driver: SessionDriver;
  try {
    staged = await stageJob(o);
    settings = jobSettings(staged.submission.config);
    remote = o.remote || staged.maps > settings.remoteThreshold;
    driver = await SessionDriver.start({ cluster: o.cluster, name: staged.submission.name, user: staged.submission.user, pool: o.pool, kind: 'mapreduce', tags: { jobId: staged.submission.jobId, mode: remote ? 'remote' : 'in-process' }, log: o.log });
  } finally {
    letGo();
  }
  o.log.debug('session started', { session: driver.sessionId });
  const { submission } = staged;
  if (!remote) {
    const status = await hostJobTracker({ driver, submission, advertiseHost: await localAddressToward(o.cluster), inProcess: true, log: o.log, onProgress: o.onProgress, staged });
    return { mode: 'in-process', jobId: submission.jobId, status };
  }
  try {
    const trackerHttp = await startRemoteTracker(driver, submission, settings);
    return { mode: 'remote', jobId: submission.jobId, trackerHttp };
  } catch (err) {
    await driver.end('FAILED', errorMessage(err)).catch(() => driver.shutdown());
    throw err;
  } finally {
    // The remote job tracker has adopted the session; the client lets go without ending it.
    driver.shutdown();
  }
}

/** Has the CM run the JT in a container (and restart it if it dies); waits until it reports where it listens. */
async function startRemoteTracker(driver: SessionDriver, s: JobSubmission, settings: JobSettings): Promise<string> {
  await driver.startDriver({
    resources: { memoryMb: settings.jobTrackerMemoryMb, vcores: 1, gpus: 0, custom: {} },
    command: process.execPath,
    args: [cliPath, 'jobtracker', '--submission', join(s.stagingDir, 'submission.json')],
    env: { CORONET_JOB_ID: s.jobId },
    maxAttempts: settings.jobTrackerMaxAttempts,
  });
  const deadline = Date.now() + remoteStartTimeoutMs;
  const cm = clusterManagerClient(s.cluster);
  try {
    for (;;) {
      const res = await unary<object, { sessions: WireSessionInfo[] }>(cm, 'ListSessions', {}, 5_000);
      const mine = res.sessions.find((x) => x.session_id === driver.sessionId);
      if (mine?.tags.jobtrackerHttp) return mine.tags.jobtrackerHttp;
      if (!mine || mine.state === 'ended') throw new Error(`the job session ended while the remote job tracker was starting${mine?.diagnostics ? `: ${mine.diagnostics}` : ''}`);
      if (Date.now() > deadline) throw new Error(`the remote job tracker did not report its address within ${remoteStartTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    cm.close();
  }
}

/** `coronet jobtracker --submission FILE`: the remote JT, inside the container the CM launched. */
export async function runRemoteTracker(submission: JobSubmission, log: Logger): Promise<JobStatus> {
  const secret = process.env.CORONET_SESSION_SECRET;
  const sessionId = process.env.CORONET_SESSION ?? process.env.CORONET_SESSION_ID;
  if (!secret || !sessionId) throw new Error('jobtracker: CORONET_SESSION_SECRET and CORONET_SESSION_ID must be set (it runs inside a container)');
  const attempt = Number(process.env.CORONET_DRIVER_ATTEMPT || '1');
  if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`jobtracker: CORONET_DRIVER_ATTEMPT must be a whole number >= 1, got "${process.env.CORONET_DRIVER_ATTEMPT}"`);
  const cluster = process.env.CORONET_CM_ADDRESS || submission.cluster;
  const driver = SessionDriver.attach({ cluster, sessionId, secret, log });
  const checkpoint = new JobCheckpoint(join(submission.stagingDir, 'checkpoint.ndjson'));
  let done = checkpoint.load();
  if (done.length) {
    // Finished maps whose node is gone must run again (their output went with it).
    const alive = new Set((await cmCall<{ nodes: WireNodeInfo[] }>(cluster, 'ListNodes')).nodes.filter((n) => n.state !== 'lost' && n.state !== 'decommissioned').map((n) => n.name));
    done = done.filter((t) => !t.output || alive.has(t.node));
    log.info('resuming the job from an earlier job tracker attempt', { attempt, tasksDone: done.length });
  }
  /** Fencing: only the session's current JT attempt may commit the job or end the session. */
  const isCurrent = async (): Promise<boolean> => {
    const res = await cmCall<{ sessions: WireSessionInfo[] }>(cluster, 'ListSessions');
    const mine = res.sessions.find((x) => x.session_id === sessionId);
    return mine !== undefined && mine.state !== 'ended' && mine.tags.driverAttempt === String(attempt);
  };
  return hostJobTracker({ driver, submission, advertiseHost: process.env.CORONET_ADVERTISE_HOST || '127.0.0.1', ownGrantId: process.env.CORONET_GRANT_ID, log, recovery: { attempt, checkpoint, done, isCurrent } });
}

/** One CM call, retried through a CM outage (up to 120 s). */
async function cmCall<T>(cluster: string, method: string): Promise<T> {
  const cm = clusterManagerClient(cluster);
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      try {
        return await unary<object, T>(cm, method, {}, 10_000);
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  } finally {
    cm.close();
  }
}
