// The job tracker: one per MapReduce job, a session driver. It turns splits into map
// tasks, asks the cluster manager for containers with split locality, starts a task
// runner in each granted container, and pushes tasks to the runners over the
// umbilical — reusing a runner for the job's next task instead of giving its grant
// back. It retries failed attempts elsewhere, runs speculative copies of stragglers,
// re-runs maps whose output was lost with its node, and commits exactly one attempt
// per task before committing the job.
//
// Task states: pending -> running -> succeeded | failed; a succeeded map goes back to
// pending when its output is lost. Attempt states: running -> succeeded | failed | killed
// (killed = not the task's fault: node lost, preempted, lost a speculative race).

import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RpcError, type SessionDriver, type Grant, type DriverEvent, type ContainerStatus } from '../session-driver/index.js';
// The JT runs in clients: it loads the job-level modules only, not the data path.
import { Counters, type CountersJson } from '../mapreduce/counters.js';
import { FileOutputCommitter } from '../mapreduce/committer.js';
import { resolveUri } from '../mapreduce/fs.js';
import { mapTaskId, reduceTaskId, type JobConfig } from '../mapreduce/job.js';
import type { InputSplit } from '../mapreduce/splits.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { LineChannel, type FromRunner, type MapSource, type ToRunner } from './umbilical.js';
import type { JobSettings } from './settings.js';
import type { JobCheckpoint, TaskCheckpoint } from './checkpoint.js';
import { WorkQueue, type WorkItem as QueueItem } from './work-queue.js';
import { OutstandingRequests } from './requests.js';

export type JobState = 'running' | 'succeeded' | 'failed' | 'killed';
type TaskKind = 'map' | 'reduce';

export interface AttemptView {
  id: string;
  taskId: string;
  node: string;
  containerId: string;
  shuffleAddress: string;
  startMs: number;
  endMs: number;
  state: 'running' | 'succeeded' | 'failed' | 'killed';
  speculative: boolean;
  diagnostics: string;
  /** Succeeded attempts: how long the task ran in its runner (ms), and for reduces how
   *  much of that went by until every map output was fetched (the rest: merge, reduce,
   *  write). Durations measured by the runner, so they need no common clock. */
  runMs?: number;
  shuffleMs?: number;
}

interface Attempt extends AttemptView {
  runner: Runner | null;
  counters: CountersJson | null;
}

interface Task {
  id: string;
  kind: TaskKind;
  index: number;
  split: InputSplit | null;
  state: 'pending' | 'running' | 'committing' | 'succeeded' | 'failed';
  attempts: Attempt[];
  failures: number;
  excluded: Set<string>;
  /** For a succeeded map: where its output is. */
  output: MapSource | null;
  succeededAttempt: Attempt | null;
  /** The succeeded attempt's output was committed (false: it wrote none, nothing to publish). */
  committed: boolean;
}

type WorkItem = QueueItem<Task>;

interface Runner {
  grant: Grant;
  containerId: string;
  state: 'launching' | 'idle' | 'busy' | 'gone';
  channel: LineChannel<ToRunner, FromRunner> | null;
  /** Attempts pushed to it, in the order it runs them: the first is running, the rest
   *  (short maps only) wait there. Busy = not empty. */
  attempts: Attempt[];
  launchedAt: number;
  idleSince: number;
}

export interface JobTrackerOptions {
  driver: SessionDriver;
  jobId: string;
  name: string;
  user: string;
  jobFile: string;
  builtin: boolean;
  splits: InputSplit[];
  reducers: number;
  output: string;
  config: JobConfig;
  settings: JobSettings;
  taskRunnerPath: string;
  stagingDir: string;
  /** Address runners connect back to (this host as the nodes see it). */
  advertiseHost: string;
  /** The grant this JT itself runs on (remote JT): never used for tasks. */
  ownGrantId?: string;
  log: Logger;
  onProgress?: (s: JobStatus) => void;
  /** Observes each finished attempt (kind, state, seconds): the JT's /metrics. */
  onAttemptEnd?: (kind: 'map' | 'reduce', state: string, seconds: number) => void;
  /** A remote JT checkpoints finished tasks; a later attempt of it resumes from them. */
  recovery?: JobRecovery;
}

export interface JobRecovery {
  checkpoint: JobCheckpoint;
  /** This JT's attempt (1-based): attempt ids of attempt N start at (N-1) * 1000. */
  attempt: number;
  /** Tasks an earlier attempt finished (maps only if their node is still alive). */
  done: TaskCheckpoint[];
  /** Throws unless this JT is still its session's current attempt (fencing). */
  beforeJobCommit(): Promise<void>;
}

export interface JobStatus {
  jobId: string;
  name: string;
  user: string;
  state: JobState;
  startedAtMs: number;
  finishedAtMs: number;
  maps: { total: number; succeeded: number; running: number };
  reduces: { total: number; succeeded: number; running: number };
  progress: number;
  diagnostics: string;
  counters: CountersJson;
  output: string;
  tasks: Array<{ id: string; kind: TaskKind; state: Task['state']; attempts: AttemptView[] }>;
  /** 'uber': the tasks ran inside the job tracker. */
  mode?: 'uber';
  /** Nodes the job stopped using because they kept failing its tasks. */
  blacklistedNodes?: string[];
}

const runnerHelloTimeoutMs = 60_000;
/** Task runners failing in a row before they connect, before the job gives up. */
const runnerStartFailuresMax = 10;
const idleRunnerKeepMs = 3_000;
const speculationCheckMs = 1_000;
/** How often the job tracker asks the CM how many nodes are alive. */
const nodesAliveRefreshMs = 5_000;
const speculationMinRunMs = 2_000;
const mapStarvedKillReduceMs = 10_000;
const disconnectedWhy = 'task runner disconnected (its process died)';
/** A node whose agent could not be reached for a launch gets no runners for this long
 *  (the CM declares a dead node lost within its expiry; a restarted agent is back). */
const unreachableNodeCooldownMs = 5_000;
/** Failed attempts (of different tasks) on one node before this job stops using it. */
const nodeFailuresBlacklist = 3;
/** Short maps are pushed to a runner ahead of time, as many as run in about this long
 *  (by the job's mean map run time so far, as the runners measure it), so it never waits
 *  for its next task even when the round trip to the JT is slow (a loaded machine: tens
 *  of ms); long ones one at a time, so no runner hoards work another one could start. */
const pipelineBudgetMs = 50;
/** A map running this long has turned out not to be short: the maps pushed behind it are
 *  taken back and none are added (a map's run time is not known before it runs). */
const pipelineStallMs = 1_000;
const maxPipelineDepth = 1000;
/** The progress callback gets a status at most this often (and at the end). */
const progressIntervalMs = 200;

export class JobTracker {
  private readonly tasks: Task[] = [];
  private readonly maps: Task[] = [];
  private readonly reduces: Task[] = [];
  private readonly taskById = new Map<string, Task>();
  private readonly queue = new WorkQueue<Task>();
  private readonly requests = new OutstandingRequests<WorkItem>();
  private readonly succeeded = { map: 0, reduce: 0 };
  /** Task runners that failed before connecting, since one last connected. */
  private runnerStartFailures = 0;
  /** Mean run time of this job's successful map attempts (ms), for the pipeline depth. */
  private mapRunMs = { total: 0, count: 0 };
  private pumpScheduled = false;
  private lastProgressAt = 0;
  private readonly runners = new Map<string, Runner>();
  private readonly attempts = new Map<string, Attempt>();
  private readonly committer: FileOutputCommitter;
  private readonly counters = new Counters();
  private server: Server | null = null;
  private umbilicalAddress = '';
  private state: JobState = 'running';
  private diagnostics = '';
  private readonly startedAtMs = Date.now();
  private finishedAtMs = 0;
  private requestSeq = 0;
  private reducesReleased = false;
  /** Nodes that failed attempts of this job: node -> tasks that failed there. */
  private readonly nodeFailures = new Map<string, Set<string>>();
  /** Nodes this job no longer uses (they kept failing its tasks). */
  private readonly blacklist = new Set<string>();
  /** Nodes alive in the cluster, as the CM last said (refreshNodesAlive). */
  private nodesAlive = Infinity;
  private nodesAliveAskedAt = 0;
  private readonly nodesSeen = new Set<string>();
  /** Nodes whose agent refused or did not answer a launch: node -> until (ms). */
  private readonly unreachable = new Map<string, number>();
  private finishing: Promise<void> | null = null;
  private jobCommit: Promise<void> | null = null;
  private done!: (s: JobStatus) => void;
  private readonly result = new Promise<JobStatus>((r) => (this.done = r));
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly o: JobTrackerOptions) {
    this.log = o.log;
    const { fs, path } = resolveUri(o.output);
    this.committer = new FileOutputCommitter(fs, path);
    for (const split of o.splits) {
      const t = this.newTask('map', split.index, split);
      this.maps.push(t);
    }
    for (let p = 0; p < o.reducers; p++) this.reduces.push(this.newTask('reduce', p, null));
    if (o.recovery?.done.length) {
      const byId = new Map(this.tasks.map((t) => [t.id, t]));
      for (const done of o.recovery.done) this.restoreTask(byId.get(done.taskId), done);
    }
  }

  /** A task an earlier JT attempt finished: succeeded, with its output and counters. */
  private restoreTask(t: Task | undefined, c: TaskCheckpoint): void {
    if (!t || (t.kind === 'map' && this.o.reducers > 0 && !c.output)) return;
    const a: Attempt = { id: c.attemptId, taskId: t.id, node: c.node, containerId: '', shuffleAddress: c.shuffleAddress, startMs: c.startMs, endMs: c.endMs, state: 'succeeded', speculative: false, diagnostics: 'finished by an earlier job tracker attempt', runner: null, counters: c.counters };
    t.attempts.push(a);
    this.attempts.set(a.id, a);
    t.state = 'succeeded';
    t.succeededAttempt = a;
    t.output = c.output;
    t.committed = c.committed;
    this.succeeded[t.kind]++;
    this.counters.merge(c.counters);
  }

  private newTask(kind: TaskKind, index: number, split: InputSplit | null): Task {
    const t: Task = { id: kind === 'map' ? mapTaskId(index) : reduceTaskId(index), kind, index, split, state: 'pending', attempts: [], failures: 0, excluded: new Set(), output: null, succeededAttempt: null, committed: false };
    this.tasks.push(t);
    this.taskById.set(t.id, t);
    return t;
  }

  /** Runs the job to the end; resolves with its final status (never rejects). */
  async run(): Promise<JobStatus> {
    try {
      await this.startUmbilical();
      writeFileSync(join(this.o.stagingDir, 'task-env.json'), JSON.stringify({ jobId: this.o.jobId, jobFile: this.o.builtin ? this.o.jobFile : undefined, outputUri: this.o.output, config: this.o.config, sortBufferBytes: this.o.settings.sortBufferMb ? this.o.settings.sortBufferMb * 1048576 : undefined, fetchConcurrency: this.o.settings.fetchConcurrency }));
      for (const m of this.maps) if (m.state === 'pending') this.enqueue(m, false);
      this.maybeReleaseReduces();
      this.refreshNodesAlive();
      this.timer = setInterval(() => this.periodic(), speculationCheckMs);
      this.timer.unref();
      // Nothing to run (empty input, or an earlier attempt finished every task): commit.
      await this.finishIfDone();
      this.pump();
      void this.consumeEvents();
    } catch (err) {
      await this.fail(`job tracker could not start: ${errorMessage(err)}`);
    }
    return this.result;
  }

  kill(reason: string): void {
    void this.finish('killed', reason);
  }

  status(): JobStatus {
    const count = (list: Task[]) => ({ total: list.length, succeeded: list.filter((t) => t.state === 'succeeded').length, running: list.filter((t) => t.state === 'running' || t.state === 'committing').length });
    const maps = count(this.maps);
    const reduces = count(this.reduces);
    const total = maps.total + reduces.total;
    return {
      jobId: this.o.jobId,
      name: this.o.name,
      user: this.o.user,
      state: this.state,
      startedAtMs: this.startedAtMs,
      finishedAtMs: this.finishedAtMs,
      maps,
      reduces,
      progress: total === 0 ? (this.state === 'succeeded' ? 1 : 0) : (maps.succeeded + reduces.succeeded) / total,
      diagnostics: this.diagnostics,
      counters: this.counters.toJSON(),
      output: this.o.output,
      tasks: this.tasks.map((t) => ({ id: t.id, kind: t.kind, state: t.state, attempts: t.attempts.map(attemptView) })),
      blacklistedNodes: [...this.blacklist],
    };
  }

  // ------------------------------------------------------------------ umbilical

  private startUmbilical(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => {
        let runner: Runner | null = null;
        const channel: LineChannel<ToRunner, FromRunner> = new LineChannel<ToRunner, FromRunner>(
          socket,
          (m) => {
            if (m.t === 'hello') {
              runner = this.runners.get(m.grantId) ?? null;
              if (!runner || runner.state === 'gone') {
                channel.send({ t: 'exit' });
                return;
              }
              runner.channel = channel;
              // A runner in a warm process can say hello before the launch call returns.
              runner.containerId ||= m.containerId;
              this.log.debug('task runner connected', { node: runner.grant.node, startMs: Date.now() - runner.launchedAt });
              runner.state = 'idle';
              runner.idleSince = Date.now();
              this.runnerStartFailures = 0;
              this.pump();
            } else if (runner) this.onRunnerMessage(runner, m);
          },
          () => {
            if (runner && runner.channel === channel && runner.state !== 'gone') {
              // The runner process died (or is dying): give its grant back, or the
              // capacity stays held by this job for nothing.
              const grantId = runner.grant.grantId;
              this.runnerGone(runner, disconnectedWhy);
              void this.o.driver.release([grantId]).catch(() => undefined);
            }
          },
        );
      });
      server.once('error', reject);
      server.listen(0, this.o.advertiseHost === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0', () => {
        const addr = server.address();
        this.umbilicalAddress = `${this.o.advertiseHost}:${typeof addr === 'object' && addr ? addr.port : 0}`;
        this.server = server;
        resolve();
      });
    });
  }

  private onRunnerMessage(runner: Runner, m: FromRunner): void {
    const a = 'attemptId' in m ? this.attempts.get(m.attemptId) : undefined;
    if (!a || a.runner !== runner) return;
    if (m.t === 'done' || m.t === 'failed') this.runnerFinished(runner, a);
    if (a.state !== 'running') return;
    switch (m.t) {
      case 'done':
        this.log.debug('attempt done', { attempt: a.id, runMs: m.runMs });
        a.runMs = m.runMs;
        if (m.shuffleMs !== undefined) a.shuffleMs = m.shuffleMs;
        void this.attemptSucceeded(a, m.counters, m.output, m.runMs);
        break;
      case 'failed':
        this.attemptFailed(a, m.error, m.stack);
        break;
      case 'fetch-failed':
        for (const taskId of m.mapIds) this.mapOutputLost(taskId, m.error);
        break;
      case 'progress':
        break;
    }
  }

  // ------------------------------------------------------------------ cluster events

  private async consumeEvents(): Promise<void> {
    try {
      for await (const ev of this.o.driver.events()) {
        if (this.state !== 'running') break;
        await this.onDriverEvent(ev);
      }
    } catch (err) {
      await this.fail(`lost contact with the cluster: ${errorMessage(err)}`);
    }
    if (this.state === 'running') await this.fail('the session ended');
  }

  private async onDriverEvent(ev: DriverEvent): Promise<void> {
    switch (ev.type) {
      case 'grant': {
        if (ev.grant.grantId === this.o.ownGrantId || ev.grant.driver) return;
        this.requests.granted(ev.grant.requestId);
        const probe: Runner = { grant: ev.grant, containerId: '', state: 'launching', channel: null, attempts: [], launchedAt: 0, idleSince: 0 };
        if (!this.nextFor(probe)) {
          await this.o.driver.release([ev.grant.grantId]).catch(() => undefined);
          return;
        }
        // Not awaited: the grants of one push start their runners side by side. Awaiting
        // each launch here held the next grant until the previous runner's agent answered,
        // while the first runner already took all the work (a warm runner answers last
        // and connects first).
        void this.launchRunner(ev.grant).catch((err: unknown) => this.fail(`starting a task runner: ${errorMessage(err)}`));
        break;
      }
      case 'container':
        this.onContainer(ev.status);
        break;
      case 'node-lost':
        // No longer a node the job may use (`avoids`), until a grant there comes again.
        this.nodesSeen.delete(ev.node);
        for (const g of ev.grants) {
          const r = this.runners.get(g.grantId);
          if (r) this.runnerGone(r, `node ${ev.node} lost`, false);
        }
        for (const m of this.maps) if (m.state === 'succeeded' && m.output && m.succeededAttempt?.node === ev.node) this.mapOutputLost(m.id, `node ${ev.node} lost`);
        break;
      case 'grants-lost':
        // The node is fine (its map outputs too); only these grants are gone.
        for (const g of ev.grants) {
          const r = this.runners.get(g.grantId);
          if (r) this.runnerGone(r, ev.reason, false);
        }
        break;
      case 'revoked': {
        const r = this.runners.get(ev.grant.grantId);
        if (r) {
          this.runnerGone(r, `grant revoked: ${ev.reason}`, false);
          await this.o.driver.release([ev.grant.grantId]).catch(() => undefined);
        }
        break;
      }
      case 'session-ended':
        await this.fail(`session ended by the cluster manager: ${ev.reason}`);
        break;
    }
    this.pump();
  }

  private onContainer(s: ContainerStatus): void {
    if (s.state === 'RUNNING') return;
    // A runner is the one container of its grant; its launch call may not have returned yet.
    const r = this.runners.get(s.grantId);
    if (r !== undefined && (r.containerId === s.containerId || r.containerId === '') && r.state !== 'gone') {
      const why = s.state === 'OVER_LIMIT' ? s.diagnostics : s.state === 'EXITED' ? `task runner exited with code ${s.exitCode}${s.diagnostics ? ': ' + s.diagnostics : ''}` : `task runner ${s.state.toLowerCase()}${s.diagnostics ? ': ' + s.diagnostics : ''}`;
      // KILLED: the cluster took the container back (a revocation, a grant the CM no
      // longer holds after a restart, the session's end), not the task's fault or its
      // node's: the attempt is killed, not failed, and does not count towards
      // maxAttempts or the node's blacklisting.
      this.runnerGone(r, why, s.state !== 'KILLED');
      void this.o.driver.release([r.grant.grantId]).catch(() => undefined);
      return;
    }
    // The runner's connection dropped first: put the container's own account (e.g. over
    // its memory limit) on the attempt that failed with it.
    if (s.state !== 'EXITED' || s.exitCode !== 0) {
      for (const a of this.attempts.values()) {
        if (a.containerId === s.containerId && a.state === 'failed' && a.diagnostics.startsWith(disconnectedWhy)) {
          a.diagnostics = `${s.state === 'OVER_LIMIT' ? s.diagnostics : `task runner ${s.state === 'EXITED' ? `exited with code ${s.exitCode}` : s.state.toLowerCase()}${s.signal ? ` (${s.signal})` : ''}${s.diagnostics ? ': ' + s.diagnostics : ''}`}`;
        }
      }
    }
  }

  private async launchRunner(grant: Grant): Promise<void> {
    if (!this.nodesSeen.has(grant.node)) {
      this.nodesSeen.add(grant.node);
      this.updateBlacklist();
    }
    this.log.debug('grant; starting a task runner', { node: grant.node, grant: grant.grantId });
    const runner: Runner = { grant, containerId: '', state: 'launching', channel: null, attempts: [], launchedAt: Date.now(), idleSince: 0 };
    this.runners.set(grant.grantId, runner);
    try {
      runner.containerId = await this.o.driver.launch(grant, {
        command: process.execPath,
        args: [this.o.taskRunnerPath],
        env: { CORONET_JT_UMBILICAL: this.umbilicalAddress, CORONET_JOB_ID: this.o.jobId },
        files: [...(this.o.builtin ? [] : [{ source: this.o.jobFile, name: 'job.mjs' }]), { source: join(this.o.stagingDir, 'task-env.json'), name: 'task-env.json' }],
      });
    } catch (err) {
      if (runner.state === 'gone') return; // its node was lost (or the grant revoked) meanwhile
      runner.state = 'gone';
      this.runners.delete(grant.grantId);
      await this.o.driver.release([grant.grantId]).catch(() => undefined);
      // An unreachable agent is the node's fault, not the job's: the node is avoided for a
      // while and counts once towards the job's start failures, however many grants the
      // CM placed there before it noticed.
      if (err instanceof RpcError && err.unavailable) {
        const counted = this.isUnreachable(grant.node);
        this.unreachable.set(grant.node, Date.now() + unreachableNodeCooldownMs);
        this.log.warn('node agent unreachable; avoiding the node for a while', { node: grant.node, ms: unreachableNodeCooldownMs, error: errorMessage(err) });
        if (counted) {
          this.pump();
          return;
        }
      }
      this.runnerFailedToStart(grant.node, `could not launch it: ${errorMessage(err)}`);
    }
  }

  private isUnreachable(node: string): boolean {
    const until = this.unreachable.get(node);
    if (until === undefined) return false;
    if (Date.now() < until) return true;
    this.unreachable.delete(node);
    return false;
  }

  private runnerGone(r: Runner, why: string, countsAsFailure = true): void {
    if (r.state === 'gone') return;
    const neverConnected = r.state === 'launching';
    r.state = 'gone';
    this.runners.delete(r.grant.grantId);
    r.channel?.close();
    const [running, ...waiting] = r.attempts;
    r.attempts = [];
    if (running && running.state === 'running') {
      if (countsAsFailure) this.attemptFailed(running, why, '');
      else this.attemptKilled(running, why);
    }
    // Attempts still waiting at the runner never started: not their fault.
    for (const a of waiting) if (a.state === 'running') this.attemptKilled(a, `${why} (before it started)`);
    if (neverConnected && countsAsFailure) this.runnerFailedToStart(r.grant.node, why);
    this.pump();
  }

  /** Runners that die before they connect have no attempt to blame: count them, so a job
   *  whose runners cannot start (bad install, unreachable job tracker) fails instead of
   *  asking for containers forever. */
  private runnerFailedToStart(node: string, why: string): void {
    this.runnerStartFailures++;
    this.log.warn('a task runner failed before connecting', { node, why, inARow: this.runnerStartFailures });
    if (this.runnerStartFailures >= runnerStartFailuresMax) void this.fail(`${this.runnerStartFailures} task runners in a row failed before connecting to the job tracker at ${this.umbilicalAddress}; last on ${node}: ${why} (see coronet job logs)`);
  }

  /** The runner reported the end of an attempt: it is no longer the runner's, and the
   *  runner has started the next one it holds (it runs them in order). */
  private runnerFinished(r: Runner, a: Attempt): void {
    const i = r.attempts.indexOf(a);
    if (i < 0) return;
    r.attempts.splice(i, 1);
    const now = Date.now();
    if (i === 0 && r.attempts.length > 0) r.attempts[0].startMs = now;
    if (r.attempts.length === 0 && r.state === 'busy') {
      r.state = 'idle';
      r.idleSince = now;
    }
  }

  // ------------------------------------------------------------------ attempts

  private enqueue(task: Task, speculative: boolean): void {
    this.queue.add(task, speculative, Date.now());
  }

  private assign(r: Runner, item: WorkItem): void {
    const t = item.task;
    // Attempt ids of JT attempt N start at (N-1) * 1000: never those of an earlier JT's orphans.
    const n = t.attempts.length + ((this.o.recovery?.attempt ?? 1) - 1) * 1000;
    const now = Date.now();
    // An attempt queued behind others at the runner starts when they are done (startMs 0 until then).
    const a: Attempt = { id: `${t.id}_${n}`, taskId: t.id, node: r.grant.node, containerId: r.containerId, shuffleAddress: r.grant.shuffleAddress, startMs: r.attempts.length === 0 ? now : 0, endMs: 0, state: 'running', speculative: item.speculative, diagnostics: '', runner: r, counters: null };
    t.attempts.push(a);
    this.attempts.set(a.id, a);
    t.state = 'running';
    r.state = 'busy';
    r.attempts.push(a);
    if (t.kind === 'map') {
      r.channel!.send({ t: 'map', attemptId: a.id, taskId: t.id, split: t.split!, partitions: this.o.reducers });
    } else {
      const sources = this.maps.filter((m) => m.output).map((m) => m.output!);
      r.channel!.send({ t: 'reduce', attemptId: a.id, taskId: t.id, partition: t.index, partitions: this.o.reducers, sources, complete: this.succeeded.map === this.maps.length });
    }
  }

  /** An attempt finished; `output`: it wrote job output into its attempt directory, which
   *  must be committed (a map-only map or a reduce that wrote nothing has none). */
  private async attemptSucceeded(a: Attempt, counters: CountersJson, output: boolean, runMs: number): Promise<void> {
    const t = this.taskOf(a);
    a.endMs = Date.now();
    if (t.state === 'succeeded' || t.state === 'committing') {
      a.state = 'killed';
      a.diagnostics = 'another attempt of this task finished first';
      this.pump();
      return;
    }
    if (output) {
      t.state = 'committing';
      try {
        await this.committer.commitTask(t.id, a.id);
      } catch (err) {
        a.state = 'killed';
        a.diagnostics = `commit refused: ${errorMessage(err)}`;
        t.state = t.succeededAttempt ? 'succeeded' : 'running';
        this.pump();
        return;
      }
    }
    a.state = 'succeeded';
    a.counters = counters;
    this.o.onAttemptEnd?.(t.kind, 'succeeded', (a.endMs - a.startMs) / 1000);
    if (t.kind === 'map') {
      this.mapRunMs.total += runMs;
      this.mapRunMs.count++;
    }
    t.state = 'succeeded';
    t.succeededAttempt = a;
    t.committed = output;
    this.succeeded[t.kind]++;
    this.counters.merge(counters);
    // Other attempts of this task lost the race.
    for (const other of t.attempts) if (other !== a && other.state === 'running') this.abandonAttempt(other, 'another attempt of this task finished first');
    this.removeQueued(t);
    const isMap = t.kind === 'map';
    if (isMap && this.o.reducers > 0) t.output = { mapId: a.id, taskId: t.id, shuffleUrl: `http://${a.shuffleAddress}` };
    this.o.recovery?.checkpoint.taskDone({ taskId: t.id, attemptId: a.id, node: a.node, shuffleAddress: a.shuffleAddress, startMs: a.startMs, endMs: a.endMs, counters, output: t.output, committed: output });
    if (isMap && this.o.reducers > 0 && t.output) {
      const complete = this.succeeded.map === this.maps.length;
      for (const r of this.runners.values()) {
        const ra = r.attempts[0];
        if (ra && ra.state === 'running' && ra.taskId.startsWith('r-')) r.channel?.send({ t: 'sources', attemptId: ra.id, sources: [t.output], complete });
      }
      this.maybeReleaseReduces();
    }
    this.progress();
    await this.finishIfDone();
    this.pump();
  }

  private attemptFailed(a: Attempt, error: string, stack: string): void {
    const t = this.taskOf(a);
    a.state = 'failed';
    a.endMs = Date.now();
    this.o.onAttemptEnd?.(t.kind, 'failed', (a.endMs - a.startMs) / 1000);
    a.diagnostics = stack && !stack.includes(error) ? `${error}\n${stack}` : stack || error;
    if (t.state === 'succeeded') return;
    t.failures++;
    this.noteNodeFailure(a.node, t.id);
    this.o.driver.reportNodeFailure(a.node);
    // Retry elsewhere: avoid the node it last failed on (only that one, so a small
    // cluster never runs out of nodes to try).
    t.excluded = new Set([a.node]);
    this.log.warn('task attempt failed', { attempt: a.id, node: a.node, error });
    if (t.failures >= this.o.settings.maxAttempts) {
      t.state = 'failed';
      void this.fail(`task ${t.id} failed ${t.failures} times; last attempt ${a.id} on ${a.node}: ${a.diagnostics}`);
      return;
    }
    if (!t.attempts.some((x) => x.state === 'running')) {
      t.state = 'pending';
      this.enqueue(t, false);
    }
    this.pump();
  }

  /** A node that keeps failing this job's tasks is blacklisted for the job (never all nodes). */
  private noteNodeFailure(node: string, taskId: string): void {
    const tasks = this.nodeFailures.get(node) ?? new Set<string>();
    tasks.add(taskId);
    this.nodeFailures.set(node, tasks);
    this.updateBlacklist();
  }

  private updateBlacklist(): void {
    for (const [node, tasks] of this.nodeFailures) {
      if (tasks.size >= nodeFailuresBlacklist && !this.blacklist.has(node) && this.blacklist.size + 1 < this.nodesSeen.size) {
        this.blacklist.add(node);
        this.log.warn('node blacklisted for this job: it keeps failing its tasks', { node, tasks: [...tasks] });
      }
    }
  }

  /** Nodes the job avoids, for status and the web UI. */
  blacklistedNodes(): string[] {
    return [...this.blacklist];
  }

  private attemptKilled(a: Attempt, why: string): void {
    const t = this.taskOf(a);
    a.state = 'killed';
    a.endMs = Date.now();
    a.diagnostics = why;
    if (t.state !== 'succeeded' && t.state !== 'committing' && !t.attempts.some((x) => x.state === 'running')) {
      t.state = 'pending';
      this.enqueue(t, false);
    }
  }

  /** Stops an attempt we no longer want. Running: its runner is stopped and its grant given
   *  back. Still waiting at its runner: it runs there, and what it reports is ignored. */
  private abandonAttempt(a: Attempt, why: string): void {
    a.state = 'killed';
    a.endMs = Date.now();
    a.diagnostics = why;
    const r = a.runner;
    if (r && r.attempts[0] === a) this.stopRunner(r, why);
  }

  /** Gives a runner's grant back; attempts waiting there are queued again. */
  private stopRunner(r: Runner, why: string): void {
    const grantId = r.grant.grantId;
    this.runnerGone(r, why, false);
    void this.o.driver.release([grantId]).catch(() => undefined);
  }

  private mapOutputLost(taskId: string, why: string): void {
    const t = this.taskById.get(taskId);
    if (!t || t.kind !== 'map' || t.state !== 'succeeded') return;
    if (this.succeeded.reduce === this.reduces.length) return;
    this.log.warn('map output lost; re-running the map', { task: taskId, why });
    this.o.recovery?.checkpoint.mapOutputLost(t.id);
    t.state = 'pending';
    this.succeeded.map--;
    t.committed = false;
    t.output = null;
    if (t.succeededAttempt) {
      t.succeededAttempt.state = 'killed';
      t.succeededAttempt.diagnostics = `output lost: ${why}`;
      if (t.succeededAttempt.counters) this.counters.merge(negate(t.succeededAttempt.counters));
      t.succeededAttempt = null;
    }
    this.enqueue(t, false);
    this.pump();
  }

  private removeQueued(t: Task): void {
    const w = this.queue.remove(t);
    if (w) this.requests.orphan(w);
  }

  private taskOf(a: Attempt): Task {
    return this.taskById.get(a.taskId)!;
  }

  private maybeReleaseReduces(): void {
    if (this.reducesReleased || this.reduces.length === 0) return;
    if (this.maps.length === 0 || this.succeeded.map / this.maps.length >= this.o.settings.reduceSlowstart) {
      this.reducesReleased = true;
      for (const r of this.reduces) if (r.state === 'pending') this.enqueue(r, false);
    }
  }

  // ------------------------------------------------------------------ matching work and runners

  /** Matches runners with queued work on the next event-loop turn: the reports of a burst
   *  (several runners, several tasks each) are answered by one pass. */
  private pump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pumpNow();
    });
  }

  /** Matches runners with queued work, and keeps the CM requests in line with demand. */
  private pumpNow(): void {
    if (this.state !== 'running') return;
    const now = Date.now();
    // Every idle runner gets a task first; then runners of short maps are topped up.
    for (const r of this.runners.values()) {
      if (r.state !== 'idle' || !r.channel) continue;
      const item = this.nextFor(r);
      if (item) this.take(r, item);
    }
    const depth = this.pipelineDepth();
    if (depth > 1 && this.queue.count('map') > 0) {
      for (const r of this.runners.values()) {
        if (r.state !== 'busy' || !r.channel || r.attempts.some((a) => !a.taskId.startsWith('m-'))) continue;
        // Nothing more behind a map that has turned out long (see takeBackStalled).
        if (r.attempts[0].startMs > 0 && now - r.attempts[0].startMs >= pipelineStallMs) continue;
        while (r.attempts.length < depth) {
          const item = this.nextFor(r, true);
          if (!item) break;
          this.take(r, item);
        }
      }
    }
    // Idle runners with nothing they may do for a while give their grants back.
    const reducesToCome = this.reduces.length > 0 && !this.reducesReleased;
    for (const r of [...this.runners.values()]) {
      if (r.state === 'idle' && !reducesToCome && now - r.idleSince >= idleRunnerKeepMs && !this.nextFor(r)) {
        r.state = 'gone';
        this.runners.delete(r.grant.grantId);
        r.channel?.send({ t: 'exit' });
        void this.o.driver.release([r.grant.grantId]).catch(() => undefined);
      }
    }
    // Requests: one outstanding CM request per queued item, less the runners about to be free.
    let supply = 0;
    for (const r of this.runners.values()) if (r.state === 'launching' || (r.state === 'idle' && this.nextFor(r))) supply++;
    const wanted = Math.max(0, this.queue.size - supply);
    const toRequest: WorkItem[] = [];
    for (const w of this.queue) {
      if (this.requests.size + toRequest.length >= wanted) break;
      if (!w.requestId) toRequest.push(w);
    }
    if (toRequest.length) void this.requestFor(toRequest);
    // Too much asked for (work went to reused runners): cancel the surplus, in one batch.
    const surplus = this.requests.takeSurplus(wanted);
    if (surplus.length) void this.o.driver.cancel(surplus).catch(() => undefined);
  }

  private take(r: Runner, item: WorkItem): void {
    this.queue.remove(item.task);
    this.requests.orphan(item);
    this.assign(r, item);
  }

  /** How many maps a runner may hold (running + waiting there). */
  private pipelineDepth(): number {
    if (this.mapRunMs.count === 0) return 1;
    const mean = this.mapRunMs.total / this.mapRunMs.count;
    return Math.max(1, Math.min(maxPipelineDepth, Math.floor(pipelineBudgetMs / Math.max(mean, 0.01))));
  }

  /** The resources a task of this kind asks for. */
  private taskMemoryMb(kind: TaskKind): number {
    return kind === 'map' ? this.o.settings.mapMemoryMb : this.o.settings.reduceMemoryMb;
  }

  /** A runner may take an item unless its grant is too small, its node is blacklisted or
   *  excluded for the task, or it already runs the task. */
  private canServe(r: Runner, w: WorkItem): boolean {
    // A runner is reused only for tasks its grant is big enough for.
    if (r.grant.resources.memoryMb < this.taskMemoryMb(w.task.kind) || r.grant.resources.vcores < this.o.settings.taskVcores) return false;
    return !this.avoids(w.task, r.grant.node) && !this.isUnreachable(r.grant.node) && !(w.speculative && w.task.attempts.some((a) => a.state === 'running' && a.node === r.grant.node));
  }

  /** Whether the task must not run on `node`: the job's blacklist, and the node its last
   *  attempt failed on while another node may take it: one the job has seen (and not
   *  seen lost since) that is neither blacklisted nor excluded, or one it has not seen
   *  yet (the cluster has more nodes alive than it has seen). The blacklist alone never
   *  holds every node; with the task's own exclusion it could (a task that failed on the
   *  one node left off the blacklist, or on a 1-node cluster), and a request excluding
   *  every node would wait forever. */
  private avoids(t: Task, node: string): boolean {
    if (this.blacklist.has(node)) return true;
    if (!t.excluded.has(node)) return false;
    if (this.nodesAlive > this.nodesSeen.size) return true;
    for (const n of this.nodesSeen) if (!this.blacklist.has(n) && !t.excluded.has(n)) return true;
    return false;
  }

  /** Asks the CM how many nodes are alive (for `avoids`), at the start and then every
   *  nodesAliveRefreshMs; until the first answer the count is unknown (infinite). */
  private refreshNodesAlive(): void {
    const now = Date.now();
    if (this.nodesAliveAskedAt !== 0 && now - this.nodesAliveAskedAt < nodesAliveRefreshMs) return;
    this.nodesAliveAskedAt = now;
    this.o.driver.clusterInfo().then(
      ({ nodesAlive: n }) => {
        if (Number.isFinite(n) && n >= 0) this.nodesAlive = n;
      },
      () => undefined,
    );
  }

  /** The item a runner should take next (queued behind its current work: a map that is not
   *  a speculative copy, which must start at once to be of use). */
  private nextFor(r: Runner, behind = false): WorkItem | undefined {
    if (this.blacklist.has(r.grant.node)) return undefined;
    return this.queue.next(r.grant.node, (w) => (!behind || !w.speculative) && this.canServe(r, w), behind);
  }

  /** Hosts a request for the task must avoid: those `avoids` names, and unreachable
   *  agents while some node the job has seen stays allowed (a request excluding every
   *  node would wait forever). */
  private excludedFor(w: WorkItem): string[] {
    const t = w.task;
    const out = new Set(this.blacklist);
    for (const n of t.excluded) if (this.avoids(t, n)) out.add(n);
    const unreachable = [...this.unreachable.keys()].filter((n) => this.isUnreachable(n) && !out.has(n));
    if (out.size + unreachable.length < this.nodesSeen.size) for (const n of unreachable) out.add(n);
    // A speculative copy must run elsewhere than the attempt it races (canServe refuses a
    // runner there): asked for there, its grant would go back and come back forever.
    if (w.speculative) for (const a of t.attempts) if (a.state === 'running') out.add(a.node);
    return [...out];
  }

  /** Asks for one container per item; items of the same shape in one request. */
  private async requestFor(items: WorkItem[]): Promise<void> {
    const s = this.o.settings;
    const shapes = new Map<string, { memoryMb: number; hosts: string[]; excludedHosts: string[]; items: WorkItem[] }>();
    for (const w of items) {
      const memoryMb = this.taskMemoryMb(w.task.kind);
      const hosts = w.task.split ? w.task.split.hosts.filter((h) => h !== 'localhost') : [];
      const excludedHosts = this.excludedFor(w);
      const key = JSON.stringify([memoryMb, hosts, excludedHosts]);
      const shape = shapes.get(key);
      if (shape) shape.items.push(w);
      else shapes.set(key, { memoryMb, hosts, excludedHosts, items: [w] });
    }
    const specs = [...shapes.values()].map((shape) => {
      const id = `${shape.items[0].task.id}.${++this.requestSeq}`;
      this.requests.add(id, shape.items);
      return {
        requestId: id,
        resources: { memoryMb: shape.memoryMb, vcores: s.taskVcores, gpus: 0, custom: {} },
        count: shape.items.length,
        hosts: shape.hosts,
        excludedHosts: shape.excludedHosts,
        relaxLocality: true,
      };
    });
    try {
      await this.o.driver.request(specs);
    } catch (err) {
      await this.fail(`the cluster manager refused the job's resource request: ${errorMessage(err)}`);
    }
  }

  /** Reports progress, at most every progressIntervalMs (a status lists every task). */
  private progress(): void {
    const now = Date.now();
    if (!this.o.onProgress || now - this.lastProgressAt < progressIntervalMs) return;
    this.lastProgressAt = now;
    this.o.onProgress(this.status());
  }

  // ------------------------------------------------------------------ timers: speculation, stuck runners

  private periodic(): void {
    if (this.state !== 'running') return;
    this.refreshNodesAlive();
    const now = Date.now();
    for (const r of this.runners.values()) {
      if (r.state === 'launching' && now - r.launchedAt > runnerHelloTimeoutMs) {
        this.stopRunner(r, `task runner did not connect within ${runnerHelloTimeoutMs} ms`);
      }
    }
    this.takeBackStalled(now);
    if (this.o.settings.speculative) this.speculate(now);
    // A map waiting long while reduces hold every runner: take a reduce's runner back.
    let starved: WorkItem | undefined;
    for (const w of this.queue.items('map')) {
      if (now - w.since > mapStarvedKillReduceMs) {
        starved = w;
        break;
      }
    }
    if (starved) {
      let victim: Attempt | undefined;
      for (const r of this.runners.values()) {
        const a = r.attempts[0];
        if (a && a.state === 'running' && a.taskId.startsWith('r-') && (!victim || a.startMs > victim.startMs)) victim = a;
      }
      if (victim) {
        this.log.info('maps are starved by waiting reduces; stopping a reduce', { reduce: victim.id });
        const r = victim.runner;
        this.attemptKilled(victim, 'stopped to let a waiting map run');
        if (r && r.attempts[0] === victim) this.stopRunner(r, 'stopped to let a waiting map run');
        starved.since = now;
      }
    }
    this.pump();
  }

  /** Short maps pushed to a runner behind one that has run for pipelineStallMs wait for
   *  nothing: they are taken back (killed, not counted) and queued for other runners. The
   *  runner still runs them when it gets to them; what it reports for them is ignored. */
  private takeBackStalled(now: number): void {
    for (const r of this.runners.values()) {
      const [running, ...waiting] = r.attempts;
      if (!running || waiting.length === 0 || running.startMs === 0 || now - running.startMs < pipelineStallMs) continue;
      r.attempts = [running];
      this.log.info('maps waiting behind a long-running one taken back from its runner', { node: r.grant.node, running: running.id, runningMs: now - running.startMs, takenBack: waiting.map((a) => a.id) });
      for (const a of waiting) {
        if (a.state !== 'running') continue;
        a.runner = null;
        this.attemptKilled(a, `taken back before it started: it waited behind ${running.id}, running for ${now - running.startMs} ms`);
      }
    }
  }

  private speculate(now: number): void {
    for (const kind of ['map', 'reduce'] as const) {
      const list = kind === 'map' ? this.maps : this.reduces;
      if ([...this.queue.items(kind)].some((w) => !w.speculative)) continue;
      const durations = list.filter((t) => t.state === 'succeeded' && t.succeededAttempt).map((t) => t.succeededAttempt!.endMs - t.succeededAttempt!.startMs).sort((a, b) => a - b);
      if (durations.length === 0 || durations.length < list.length * 0.25) continue;
      if (kind === 'reduce' && this.succeeded.map < this.maps.length) continue;
      const median = durations[Math.floor(durations.length / 2)];
      const limit = Math.max(speculationMinRunMs, median * this.o.settings.speculativeSlowdown);
      for (const t of list) {
        if (t.state !== 'running') continue;
        const running = t.attempts.filter((a) => a.state === 'running');
        // (startMs 0: still waiting at its runner, not started.)
        if (running.length !== 1 || running[0].startMs === 0 || t.attempts.some((a) => a.speculative)) continue;
        if (now - running[0].startMs > limit) {
          this.log.info('straggler: starting a speculative attempt', { task: t.id, runningMs: now - running[0].startMs, medianMs: median });
          this.enqueue(t, true);
        }
      }
    }
  }

  // ------------------------------------------------------------------ the end

  /** Commits the job once its last tasks succeeded. Once: the job commit awaits file
   *  operations, and meanwhile other tasks may finish too (a map re-run after its output
   *  was lost, a speculative attempt) and come here again. */
  private finishIfDone(): Promise<void> {
    if (this.state !== 'running') return Promise.resolve();
    const kind = this.o.reducers > 0 ? 'reduce' : 'map';
    const last = kind === 'reduce' ? this.reduces : this.maps;
    if (this.succeeded[kind] < last.length) return Promise.resolve();
    this.jobCommit ??= this.commitJob(last);
    return this.jobCommit;
  }

  private async commitJob(last: Task[]): Promise<void> {
    this.log.debug('committing the job');
    try {
      await this.o.recovery?.beforeJobCommit();
      // Tasks whose attempt wrote no output have nothing to publish.
      await this.committer.commitJob(last.filter((t) => t.committed).map((t) => t.id));
    } catch (err) {
      await this.fail(`job commit failed: ${errorMessage(err)}`);
      return;
    }
    await this.finish('succeeded', '');
  }

  private async fail(why: string): Promise<void> {
    await this.finish('failed', why);
  }

  private finish(state: JobState, diagnostics: string): Promise<void> {
    if (this.finishing) return this.finishing;
    this.finishing = (async () => {
      this.state = state;
      this.diagnostics = diagnostics;
      this.finishedAtMs = Date.now();
      if (this.timer) clearInterval(this.timer);
      for (const a of this.attempts.values()) {
        if (a.state === 'running') {
          a.state = 'killed';
          a.endMs = this.finishedAtMs;
          a.diagnostics = `job ${state}`;
        }
      }
      for (const r of this.runners.values()) r.channel?.send({ t: 'exit' });
      if (state !== 'succeeded') await this.committer.abortJob().catch(() => undefined);
      this.server?.close();
      this.log.info('job finished', { job: this.o.jobId, state, diagnostics: diagnostics || undefined });
      const status = this.status();
      this.o.onProgress?.(status);
      this.done(status);
    })();
    return this.finishing;
  }
}

function attemptView(a: Attempt): AttemptView {
  const timing = a.state === 'succeeded' ? { runMs: a.runMs, shuffleMs: a.shuffleMs } : {};
  return { id: a.id, taskId: a.taskId, node: a.node, containerId: a.containerId, shuffleAddress: a.shuffleAddress, startMs: a.startMs, endMs: a.endMs, state: a.state, speculative: a.speculative, diagnostics: a.diagnostics, ...timing };
}

function negate(c: CountersJson): CountersJson {
  const out: CountersJson = {};
  for (const [g, names] of Object.entries(c)) {
    out[g] = {};
    for (const [n, v] of Object.entries(names)) out[g][n] = -v;
  }
  return out;
}
