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
import type { SessionDriver, Grant, DriverEvent, ContainerStatus } from '../session-driver/index.js';
import { Counters, FileOutputCommitter, resolveUri, mapTaskId, reduceTaskId, type InputSplit, type JobConfig, type CountersJson } from '../mapreduce/index.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { LineChannel, type FromRunner, type MapSource, type ToRunner } from './umbilical.js';
import type { JobSettings } from './settings.js';
import type { JobCheckpoint, TaskCheckpoint } from './checkpoint.js';

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
}

/** A unit of work waiting for a runner: a task's next (maybe speculative) attempt. */
interface WorkItem {
  task: Task;
  speculative: boolean;
  requestId: string | null;
  since: number;
}

interface Runner {
  grant: Grant;
  containerId: string;
  state: 'launching' | 'idle' | 'busy' | 'gone';
  channel: LineChannel<ToRunner, FromRunner> | null;
  attempt: Attempt | null;
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
const idleRunnerKeepMs = 3_000;
const speculationCheckMs = 1_000;
const speculationMinRunMs = 2_000;
const mapStarvedKillReduceMs = 10_000;
const disconnectedWhy = 'task runner disconnected (its process died)';
/** Failed attempts (of different tasks) on one node before this job stops using it. */
const nodeFailuresBlacklist = 3;

export class JobTracker {
  private readonly tasks: Task[] = [];
  private readonly maps: Task[] = [];
  private readonly reduces: Task[] = [];
  private readonly queue: WorkItem[] = [];
  private readonly requests = new Map<string, WorkItem | null>();
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
  private readonly nodesSeen = new Set<string>();
  private finishing: Promise<void> | null = null;
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
    for (const done of o.recovery?.done ?? []) this.restoreTask(done);
  }

  /** A task an earlier JT attempt finished: succeeded, with its output and counters. */
  private restoreTask(c: TaskCheckpoint): void {
    const t = this.tasks.find((x) => x.id === c.taskId);
    if (!t || (t.kind === 'map' && this.o.reducers > 0 && !c.output)) return;
    const a: Attempt = { id: c.attemptId, taskId: t.id, node: c.node, containerId: '', shuffleAddress: c.shuffleAddress, startMs: c.startMs, endMs: c.endMs, state: 'succeeded', speculative: false, diagnostics: 'finished by an earlier job tracker attempt', runner: null, counters: c.counters };
    t.attempts.push(a);
    this.attempts.set(a.id, a);
    t.state = 'succeeded';
    t.succeededAttempt = a;
    t.output = c.output;
    this.counters.merge(c.counters);
  }

  private newTask(kind: TaskKind, index: number, split: InputSplit | null): Task {
    const t: Task = { id: kind === 'map' ? mapTaskId(index) : reduceTaskId(index), kind, index, split, state: 'pending', attempts: [], failures: 0, excluded: new Set(), output: null, succeededAttempt: null };
    this.tasks.push(t);
    return t;
  }

  /** Runs the job to the end; resolves with its final status (never rejects). */
  async run(): Promise<JobStatus> {
    try {
      await this.startUmbilical();
      writeFileSync(join(this.o.stagingDir, 'task-env.json'), JSON.stringify({ jobId: this.o.jobId, jobFile: this.o.builtin ? this.o.jobFile : undefined, outputUri: this.o.output, config: this.o.config, sortBufferBytes: this.o.settings.sortBufferMb ? this.o.settings.sortBufferMb << 20 : undefined, fetchConcurrency: this.o.settings.fetchConcurrency }));
      for (const m of this.maps) if (m.state === 'pending') this.enqueue(m, false);
      this.maybeReleaseReduces();
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
              this.log.debug('task runner connected', { node: runner.grant.node, startMs: Date.now() - runner.launchedAt });
              runner.state = 'idle';
              runner.idleSince = Date.now();
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
    if (!a || a.runner !== runner || a.state !== 'running') return;
    switch (m.t) {
      case 'done':
        void this.attemptSucceeded(a, m.counters, m.mapOutput !== null || a.taskId.startsWith('m-'));
        break;
      case 'failed':
        this.attemptFailed(a, m.error, m.stack, true);
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
        const item = this.requests.get(ev.grant.requestId);
        this.requests.delete(ev.grant.requestId);
        if (item) item.requestId = null;
        const probe: Runner = { grant: ev.grant, containerId: '', state: 'launching', channel: null, attempt: null, launchedAt: 0, idleSince: 0 };
        if (!this.queue.some((w) => this.canServe(probe, w))) {
          await this.o.driver.release([ev.grant.grantId]).catch(() => undefined);
          return;
        }
        await this.launchRunner(ev.grant);
        break;
      }
      case 'container':
        this.onContainer(ev.status);
        break;
      case 'node-lost':
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
    for (const r of this.runners.values()) {
      if (r.containerId === s.containerId && r.state !== 'gone') {
        const why = s.state === 'OVER_LIMIT' ? s.diagnostics : s.state === 'EXITED' ? `task runner exited with code ${s.exitCode}${s.diagnostics ? ': ' + s.diagnostics : ''}` : `task runner ${s.state.toLowerCase()}${s.diagnostics ? ': ' + s.diagnostics : ''}`;
        this.runnerGone(r, why, true);
        void this.o.driver.release([r.grant.grantId]).catch(() => undefined);
        return;
      }
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
    const runner: Runner = { grant, containerId: '', state: 'launching', channel: null, attempt: null, launchedAt: Date.now(), idleSince: 0 };
    this.runners.set(grant.grantId, runner);
    try {
      runner.containerId = await this.o.driver.launch(grant, {
        command: process.execPath,
        args: [this.o.taskRunnerPath],
        env: { CORONET_JT_UMBILICAL: this.umbilicalAddress, CORONET_JOB_ID: this.o.jobId },
        files: [...(this.o.builtin ? [] : [{ source: this.o.jobFile, name: 'job.mjs' }]), { source: join(this.o.stagingDir, 'task-env.json'), name: 'task-env.json' }],
      });
    } catch (err) {
      this.log.warn('could not start a task runner', { node: grant.node, error: errorMessage(err) });
      runner.state = 'gone';
      this.runners.delete(grant.grantId);
      await this.o.driver.release([grant.grantId]).catch(() => undefined);
    }
  }

  private runnerGone(r: Runner, why: string, countsAsFailure = true): void {
    if (r.state === 'gone') return;
    r.state = 'gone';
    this.runners.delete(r.grant.grantId);
    r.channel?.close();
    const a = r.attempt;
    r.attempt = null;
    if (a && a.state === 'running') {
      if (countsAsFailure) this.attemptFailed(a, why, '', false);
      else this.attemptKilled(a, why);
    }
    this.pump();
  }

  // ------------------------------------------------------------------ attempts

  private enqueue(task: Task, speculative: boolean): void {
    if (this.queue.some((w) => w.task === task)) return;
    this.queue.push({ task, speculative, requestId: null, since: Date.now() });
  }

  private assign(r: Runner, item: WorkItem): void {
    const t = item.task;
    const n = t.attempts.length + ((this.o.recovery?.attempt ?? 1) - 1) * 1000;
    const a: Attempt = { id: `${t.id}_${n}`, taskId: t.id, node: r.grant.node, containerId: r.containerId, shuffleAddress: r.grant.shuffleAddress, startMs: Date.now(), endMs: 0, state: 'running', speculative: item.speculative, diagnostics: '', runner: r, counters: null };
    t.attempts.push(a);
    this.attempts.set(a.id, a);
    t.state = 'running';
    r.state = 'busy';
    r.attempt = a;
    if (t.kind === 'map') {
      r.channel!.send({ t: 'map', attemptId: a.id, taskId: t.id, split: t.split!, partitions: this.o.reducers });
    } else {
      const sources = this.maps.filter((m) => m.output).map((m) => m.output!);
      r.channel!.send({ t: 'reduce', attemptId: a.id, taskId: t.id, partition: t.index, partitions: this.o.reducers, sources, complete: this.maps.every((m) => m.state === 'succeeded') });
    }
  }

  private async attemptSucceeded(a: Attempt, counters: CountersJson, isMap: boolean): Promise<void> {
    const t = this.taskOf(a);
    a.endMs = Date.now();
    const r = a.runner;
    const freeRunner = () => {
      if (r && r.state === 'busy' && r.attempt === a) {
        r.attempt = null;
        r.state = 'idle';
        r.idleSince = Date.now();
      }
    };
    if (t.state === 'succeeded' || t.state === 'committing') {
      a.state = 'killed';
      a.diagnostics = 'another attempt of this task finished first';
      freeRunner();
      this.pump();
      return;
    }
    const needsCommit = t.kind === 'reduce' || this.o.reducers === 0;
    if (needsCommit) {
      t.state = 'committing';
      try {
        await this.committer.commitTask(t.id, a.id);
      } catch (err) {
        a.state = 'killed';
        a.diagnostics = `commit refused: ${errorMessage(err)}`;
        t.state = t.succeededAttempt ? 'succeeded' : 'running';
        freeRunner();
        this.pump();
        return;
      }
    }
    a.state = 'succeeded';
    a.counters = counters;
    this.o.onAttemptEnd?.(t.kind, 'succeeded', (a.endMs - a.startMs) / 1000);
    t.state = 'succeeded';
    t.succeededAttempt = a;
    this.counters.merge(counters);
    freeRunner();
    // Other attempts of this task lost the race.
    for (const other of t.attempts) if (other !== a && other.state === 'running') this.abandonAttempt(other, 'another attempt of this task finished first');
    this.removeQueued(t);
    if (isMap && this.o.reducers > 0) t.output = { mapId: a.id, taskId: t.id, shuffleUrl: `http://${a.shuffleAddress}` };
    this.o.recovery?.checkpoint.taskDone({ taskId: t.id, attemptId: a.id, node: a.node, shuffleAddress: a.shuffleAddress, startMs: a.startMs, endMs: a.endMs, counters, output: t.output });
    if (isMap && this.o.reducers > 0 && t.output) {
      const complete = this.maps.every((m) => m.state === 'succeeded');
      for (const ra of this.attempts.values()) {
        if (ra.state === 'running' && ra.taskId.startsWith('r-') && ra.runner?.channel) ra.runner.channel.send({ t: 'sources', attemptId: ra.id, sources: [t.output], complete });
      }
      this.maybeReleaseReduces();
    }
    this.o.onProgress?.(this.status());
    await this.finishIfDone();
    this.pump();
  }

  private attemptFailed(a: Attempt, error: string, stack: string, runnerSurvives: boolean): void {
    const t = this.taskOf(a);
    a.state = 'failed';
    a.endMs = Date.now();
    this.o.onAttemptEnd?.(t.kind, 'failed', (a.endMs - a.startMs) / 1000);
    a.diagnostics = stack && !stack.includes(error) ? `${error}\n${stack}` : stack || error;
    const r = a.runner;
    if (runnerSurvives && r && r.attempt === a && r.state === 'busy') {
      r.attempt = null;
      r.state = 'idle';
      r.idleSince = Date.now();
    }
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

  /** Stops an attempt we no longer want: its runner is stopped and its grant given back. */
  private abandonAttempt(a: Attempt, why: string): void {
    a.state = 'killed';
    a.endMs = Date.now();
    a.diagnostics = why;
    const r = a.runner;
    if (r && r.attempt === a) {
      r.attempt = null;
      r.state = 'gone';
      this.runners.delete(r.grant.grantId);
      r.channel?.close();
      void this.o.driver.release([r.grant.grantId]).catch(() => undefined);
    }
  }

  private mapOutputLost(taskId: string, why: string): void {
    const t = this.maps.find((m) => m.id === taskId);
    if (!t || t.state !== 'succeeded') return;
    if (this.reduces.every((r) => r.state === 'succeeded')) return;
    this.log.warn('map output lost; re-running the map', { task: taskId, why });
    this.o.recovery?.checkpoint.mapOutputLost(t.id);
    t.state = 'pending';
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
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].task !== t) continue;
      const [w] = this.queue.splice(i, 1);
      if (w.requestId) this.cancelRequest(w.requestId);
    }
  }

  private taskOf(a: Attempt): Task {
    return this.tasks.find((t) => t.id === a.taskId)!;
  }

  private maybeReleaseReduces(): void {
    if (this.reducesReleased || this.reduces.length === 0) return;
    const done = this.maps.filter((m) => m.state === 'succeeded').length;
    if (this.maps.length === 0 || done / this.maps.length >= this.o.settings.reduceSlowstart) {
      this.reducesReleased = true;
      for (const r of this.reduces) if (r.state === 'pending') this.enqueue(r, false);
    }
  }

  // ------------------------------------------------------------------ matching work and runners

  /** Matches idle runners with queued work, and keeps the CM requests in line with demand. */
  private pump(): void {
    if (this.state !== 'running') return;
    const now = Date.now();
    for (const r of this.runners.values()) {
      if (r.state !== 'idle' || !r.channel) continue;
      const item = this.pickFor(r);
      if (item) {
        this.queue.splice(this.queue.indexOf(item), 1);
        if (item.requestId) this.cancelRequest(item.requestId);
        this.assign(r, item);
      }
    }
    // Idle runners with nothing they may do for a while give their grants back.
    const reducesToCome = this.reduces.length > 0 && !this.reducesReleased;
    const useful = (r: Runner) => this.queue.some((w) => this.canServe(r, w));
    for (const r of [...this.runners.values()]) {
      if (r.state === 'idle' && !useful(r) && !reducesToCome && now - r.idleSince >= idleRunnerKeepMs) {
        r.state = 'gone';
        this.runners.delete(r.grant.grantId);
        r.channel?.send({ t: 'exit' });
        void this.o.driver.release([r.grant.grantId]).catch(() => undefined);
      }
    }
    // Requests: one outstanding CM request per queued item, less the runners about to be free.
    const supply = [...this.runners.values()].filter((r) => r.state === 'launching' || (r.state === 'idle' && useful(r))).length;
    let outstanding = [...this.requests.values()].length;
    const demand = this.queue.length;
    const toRequest: WorkItem[] = [];
    for (const w of this.queue) {
      if (supply + outstanding + toRequest.length >= demand) break;
      if (!w.requestId) toRequest.push(w);
    }
    if (toRequest.length) void this.requestFor(toRequest);
    // Too much asked for (work went to reused runners): cancel the surplus.
    while (outstanding > 0 && supply + outstanding > demand) {
      const id = [...this.requests.keys()].pop()!;
      this.cancelRequest(id);
      outstanding--;
    }
  }

  /** A runner may take an item unless the task failed on its node, or it already runs the task. */
  /** The resources a task of this kind asks for. */
  private taskMemoryMb(kind: TaskKind): number {
    return kind === 'map' ? this.o.settings.mapMemoryMb : this.o.settings.reduceMemoryMb;
  }

  private canServe(r: Runner, w: WorkItem): boolean {
    // A runner is reused only for tasks its grant is big enough for.
    if (r.grant.resources.memoryMb < this.taskMemoryMb(w.task.kind) || r.grant.resources.vcores < this.o.settings.taskVcores) return false;
    return !this.blacklist.has(r.grant.node) && !w.task.excluded.has(r.grant.node) && !(w.speculative && w.task.attempts.some((a) => a.state === 'running' && a.node === r.grant.node));
  }

  private pickFor(r: Runner): WorkItem | undefined {
    const usable = (w: WorkItem) => this.canServe(r, w);
    const maps = this.queue.filter((w) => w.task.kind === 'map' && usable(w));
    const local = maps.find((w) => w.task.split?.hosts.includes(r.grant.node));
    if (local) return local;
    if (maps.length) return maps[0];
    // Reduces take runners only while no map waits, so reduces cannot starve the maps.
    const mapsWaiting = this.queue.some((w) => w.task.kind === 'map');
    if (mapsWaiting) return undefined;
    return this.queue.find((w) => w.task.kind === 'reduce' && usable(w));
  }

  private async requestFor(items: WorkItem[]): Promise<void> {
    const s = this.o.settings;
    const specs = items.map((w) => {
      const id = `${w.task.id}.${++this.requestSeq}`;
      w.requestId = id;
      this.requests.set(id, w);
      const hosts = w.task.split ? w.task.split.hosts.filter((h) => h !== 'localhost') : [];
      return {
        requestId: id,
        resources: { memoryMb: this.taskMemoryMb(w.task.kind), vcores: s.taskVcores, gpus: 0, custom: {} },
        count: 1,
        hosts,
        excludedHosts: [...new Set([...w.task.excluded, ...this.blacklist])],
        relaxLocality: true,
      };
    });
    try {
      await this.o.driver.request(specs);
    } catch (err) {
      await this.fail(`the cluster manager refused the job's resource request: ${errorMessage(err)}`);
    }
  }

  private cancelRequest(id: string): void {
    const w = this.requests.get(id);
    if (w) w.requestId = null;
    this.requests.delete(id);
    void this.o.driver.cancel([id]).catch(() => undefined);
  }

  // ------------------------------------------------------------------ timers: speculation, stuck runners

  private periodic(): void {
    if (this.state !== 'running') return;
    const now = Date.now();
    for (const r of this.runners.values()) {
      if (r.state === 'launching' && now - r.launchedAt > runnerHelloTimeoutMs) {
        this.runnerGone(r, `task runner did not connect within ${runnerHelloTimeoutMs} ms`, false);
        void this.o.driver.release([r.grant.grantId]).catch(() => undefined);
      }
    }
    if (this.o.settings.speculative) this.speculate(now);
    // A map waiting long while reduces hold every runner: take a reduce's runner back.
    const starved = this.queue.find((w) => w.task.kind === 'map' && now - w.since > mapStarvedKillReduceMs);
    if (starved) {
      const victim = [...this.attempts.values()].filter((a) => a.state === 'running' && a.taskId.startsWith('r-')).sort((x, y) => y.startMs - x.startMs)[0];
      if (victim) {
        this.log.info('maps are starved by waiting reduces; stopping a reduce', { reduce: victim.id });
        const r = victim.runner;
        this.attemptKilled(victim, 'stopped to let a waiting map run');
        if (r && r.attempt === victim) {
          r.attempt = null;
          r.state = 'gone';
          this.runners.delete(r.grant.grantId);
          r.channel?.close();
          void this.o.driver.release([r.grant.grantId]).catch(() => undefined);
        }
        starved.since = now;
      }
    }
    this.pump();
  }

  private speculate(now: number): void {
    for (const kind of ['map', 'reduce'] as const) {
      const list = kind === 'map' ? this.maps : this.reduces;
      if (this.queue.some((w) => w.task.kind === kind && !w.speculative)) continue;
      const durations = list.filter((t) => t.state === 'succeeded' && t.succeededAttempt).map((t) => t.succeededAttempt!.endMs - t.succeededAttempt!.startMs).sort((a, b) => a - b);
      if (durations.length === 0 || durations.length < list.length * 0.25) continue;
      if (kind === 'reduce' && !this.maps.every((m) => m.state === 'succeeded')) continue;
      const median = durations[Math.floor(durations.length / 2)];
      const limit = Math.max(speculationMinRunMs, median * this.o.settings.speculativeSlowdown);
      for (const t of list) {
        if (t.state !== 'running') continue;
        const running = t.attempts.filter((a) => a.state === 'running');
        if (running.length !== 1 || t.attempts.some((a) => a.speculative)) continue;
        if (now - running[0].startMs > limit) {
          this.log.info('straggler: starting a speculative attempt', { task: t.id, runningMs: now - running[0].startMs, medianMs: median });
          this.queue.push({ task: t, speculative: true, requestId: null, since: now });
        }
      }
    }
  }

  // ------------------------------------------------------------------ the end

  private async finishIfDone(): Promise<void> {
    if (this.state !== 'running') return;
    const last = this.o.reducers > 0 ? this.reduces : this.maps;
    if (!last.every((t) => t.state === 'succeeded')) return;
    try {
      await this.o.recovery?.beforeJobCommit();
      await this.committer.commitJob(last.map((t) => t.id));
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
  return { id: a.id, taskId: a.taskId, node: a.node, containerId: a.containerId, shuffleAddress: a.shuffleAddress, startMs: a.startMs, endMs: a.endMs, state: a.state, speculative: a.speculative, diagnostics: a.diagnostics };
}

function negate(c: CountersJson): CountersJson {
  const out: CountersJson = {};
  for (const [g, names] of Object.entries(c)) {
    out[g] = {};
    for (const [n, v] of Object.entries(names)) out[g][n] = -v;
  }
  return out;
}
