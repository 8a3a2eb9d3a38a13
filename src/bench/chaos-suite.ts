// The multi-host chaos suite (npm run chaos; the CI version is chaos.it.test.ts).
//
// A lab of network namespaces (src/testing/netns.ts) holds one host for the cluster
// manager, three for node agents and one for the client, joined by a bridge in a switch
// namespace. Each trial starts fresh daemons there, runs one wordcount or terasort job
// with `coronet run` from the client host, injects ONE fault when the job is in the
// chosen phase, and then checks:
//   - the job succeeded and its output equals an independent reference byte for byte
//     (wordcount: counted here; terasort: `LC_ALL=C sort` of the input);
//   - no half-committed output was ever visible: while the job ran, part files appeared
//     in the output directory only during the job commit (after every task committed),
//     never `_temporary` next to `_SUCCESS`, and at the end exactly the expected part
//     files and `_SUCCESS`.
// Daemon logs, the client's log and the agents' work dirs (container logs) stay under
// the run directory for failed trials; a trial that passed is removed.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, watch, writeFileSync, writeSync, type FSWatcher } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { NetLab, removeStaleLabs } from '../testing/netns.js';
import { reduceTaskId } from '../mapreduce/index.js';
import { writeTeraRecord, teraRecordBytes } from '../mapreduce/examples/tera.js';
import type { JobStatus } from '../jobtracker/jobtracker.js';
import type { LiveJob } from '../history/index.js';
import { errorMessage } from '../common/errors.js';
import { fastExpiry } from '../testing/fixtures.js';
import { generateText, rng } from './mr-util.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliPath = join(dist, 'cli', 'main.js');
const forwarderPath = join(dist, 'testing', 'socket-forward.js');

export const faultKinds = ['agent-map', 'agent-reduce', 'cm-restart', 'jobtracker', 'link-cut'] as const;
export type FaultKind = (typeof faultKinds)[number];
type Phase = 'map' | 'reduce';
type JobKind = 'wordcount' | 'terasort';

export interface TrialResult {
  trial: number;
  job: string;
  fault: FaultKind;
  /** The job's progress when the fault was injected ('' if it never was). */
  injectedAt: string;
  outcome: 'pass' | 'fail' | 'missed';
  seconds: number;
  detail: string;
}

export interface ChaosOptions {
  trials: number;
  /** Fault kinds to cycle through (default: all). */
  kinds?: readonly FaultKind[];
  seed?: number;
  onTrial?: (r: TrialResult) => void;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

// ---- sizes and timeouts ------------------------------------------------------------

const agentHosts = ['node-1', 'node-2', 'node-3'];
const cmRpcPort = 7070;
const cmHttpPort = 7080;
const agentMemoryMb = 4096;
const agentVcores = 2;
const reducers = 3;
const wordcountBytes = 64 << 20;
const terasortRecords = 600_000;
const splitBytes = 4_000_000;
/** Cluster timeouts for a test: the fixtures' short expiries; sessions get a little longer
 *  so a busy job tracker on 2 loaded cores is not ended for a slow heartbeat. */
const cmConfig = { ...fastExpiry, sessionExpiryMs: 6_000, recoveryTimeoutMs: 10_000 };
/** Hang guards, not expectations: a trial normally takes well under a minute. */
const daemonStartTimeoutMs = 60_000;
const jobTimeoutMs = 240_000;
const nodeLostTimeoutMs = 60_000;
const pollMs = 200;
const watchMs = 20;

// ---- small helpers -------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(p: ChildProcess): boolean {
  return p.exitCode !== null || p.signalCode !== null;
}

function killGroup(p: ChildProcess): Promise<void> {
  if (exited(p)) return Promise.resolve();
  const done = new Promise<void>((r) => p.once('exit', () => r()));
  try {
    process.kill(-p.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  return done;
}

/** Waits for the {"event":"ready"} line a daemon (or the forwarder) prints on stdout. */
function whenReady(p: ChildProcess, what: string, log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${daemonStartTimeoutMs} ms (log: ${log})`)), daemonStartTimeoutMs);
    createInterface({ input: p.stdout! }).on('line', (line) => {
      if (line.includes('"event":"ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    p.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited during start-up (${signal ?? `code ${code}`}); log: ${log}`));
    });
  });
}

// ---- the cluster of one trial ----------------------------------------------------------

/** CM, agents and the REST forwarder of one trial, each a real process in its lab host. */
class LabCluster {
  readonly cmAddress: string;
  private cm: ChildProcess | null = null;
  private forwarder: ChildProcess | null = null;
  private readonly agents = new Map<string, ChildProcess>();
  private readonly socketPath: string;

  constructor(
    private readonly lab: NetLab,
    readonly dir: string,
    private readonly configFile: string,
  ) {
    this.cmAddress = `${lab.address('cm')}:${cmRpcPort}`;
    this.socketPath = join(dir, 'cm-http.sock');
    mkdirSync(this.logDir, { recursive: true });
  }

  get logDir(): string {
    return join(this.dir, 'logs');
  }

  private start(host: string, logName: string, args: string[]): { child: ChildProcess; ready: Promise<void> } {
    const log = join(this.logDir, `${logName}.log`);
    const fd = openSync(log, 'a');
    const child = this.lab.spawn(host, process.execPath, args, { stdio: ['pipe', 'pipe', fd] });
    closeSync(fd);
    return { child, ready: whenReady(child, logName, log) };
  }

  async startCm(): Promise<void> {
    const a = this.lab.address('cm');
    const { child, ready } = this.start('cm', 'cluster-manager', [cliPath, 'cluster-manager', '--rpc-host', a, '--http-host', a, '--rpc-port', String(cmRpcPort), '--http-port', String(cmHttpPort), '--state-dir', join(this.dir, 'cm-state'), '--config', this.configFile]);
    this.cm = child;
    await ready;
    if (!this.forwarder || exited(this.forwarder)) {
      const f = this.start('cm', 'forwarder', [forwarderPath, this.socketPath, `${a}:${cmHttpPort}`]);
      this.forwarder = f.child;
      await f.ready;
    }
  }

  async killCm(): Promise<void> {
    if (this.cm) await killGroup(this.cm);
  }

  async startAgent(name: string): Promise<void> {
    const a = this.lab.address(name);
    const { child, ready } = this.start(name, name, [cliPath, 'node-agent', '--cm', this.cmAddress, '--name', name, '--rack', '/rack-1', '--host', a, '--rpc-port', '7071', '--shuffle-port', '7072', '--memory-mb', String(agentMemoryMb), '--vcores', String(agentVcores), '--work-dir', join(this.dir, name)]);
    this.agents.set(name, child);
    await ready;
  }

  /** SIGKILLs the agent daemon only: its containers (own process groups) keep running, as after a daemon crash. */
  async killAgent(name: string): Promise<void> {
    const p = this.agents.get(name);
    if (p) await killGroup(p);
  }

  async startAll(): Promise<void> {
    await this.startCm();
    await Promise.all(agentHosts.map((h) => this.startAgent(h)));
    await this.until('every agent to register', async () => (await this.nodeStates()).filter(([, s]) => s === 'alive').length === agentHosts.length, daemonStartTimeoutMs);
  }

  /** GET on the CM's REST API through the forwarder; null when the CM does not answer. */
  api<T>(path: string): Promise<T | null> {
    return new Promise((resolve) => {
      const req = request({ socketPath: this.socketPath, path, timeout: 5_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(res.statusCode === 200 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as T) : null);
          } catch {
            resolve(null);
          }
        });
        res.on('error', () => resolve(null));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(null));
      req.end();
    });
  }

  async nodeStates(): Promise<Array<[string, string]>> {
    const r = await this.api<{ nodes: Array<{ name: string; state: string }> }>('/api/v1/nodes');
    return r ? r.nodes.map((n) => [n.name, n.state]) : [];
  }

  async nodeState(name: string): Promise<string> {
    return (await this.nodeStates()).find(([n]) => n === name)?.[1] ?? 'unknown';
  }

  async until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (logs: ${this.logDir})`);
      await sleep(pollMs);
    }
  }

  /** Kills every process of the trial in every host (daemons, orphaned containers, clients). */
  stop(): void {
    for (const h of ['cm', 'client', ...agentHosts]) this.lab.killAll(h);
  }
}

// ---- output checks -------------------------------------------------------------------

/** Watches a job's output directory for half-committed output while the job runs.
 *  Part files may appear before `_SUCCESS` only during the job commit, i.e. once every
 *  task has committed (renamed its attempt dir into `_temporary/_committed/<task>`). Task
 *  commits are seen through inotify, so none is missed between two looks, and a part
 *  file seen without `_SUCCESS` is judged one loop later, after pending events arrived. */
class OutputWatch {
  private readonly violations: string[] = [];
  private readonly committed = new Set<string>();
  private readonly committedDir: string;
  private watcher: FSWatcher | null = null;
  private suspect = '';
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly dir: string,
    private readonly parts: string[],
    private readonly tasks: string[],
  ) {
    this.committedDir = join(dir, '_temporary', '_committed');
    this.loop = this.run();
  }

  private list(dir: string): string[] | null {
    try {
      return readdirSync(dir);
    } catch {
      return null;
    }
  }

  private note(v: string): void {
    if (!this.violations.includes(v) && this.violations.length < 5) this.violations.push(v);
  }

  private sawCommitted(names: Iterable<string>): void {
    for (const n of names) if (this.tasks.includes(n)) this.committed.add(n);
  }

  private look(): void {
    if (this.suspect && !this.tasks.every((t) => this.committed.has(t))) this.note(this.suspect);
    this.suspect = '';
    if (!this.watcher) {
      try {
        this.watcher = watch(this.committedDir, (_event, name) => name && this.sawCommitted([String(name)]));
        this.watcher.on('error', () => undefined);
      } catch {
        // not created yet
      }
    }
    this.sawCommitted(this.list(this.committedDir) ?? []);
    const names = this.list(this.dir) ?? [];
    for (const n of names) if (n !== '_SUCCESS' && n !== '_temporary' && !this.parts.includes(n)) this.note(`unexpected file ${n} in the output dir`);
    const success = names.includes('_SUCCESS');
    if (success && names.includes('_temporary')) this.note('_temporary next to _SUCCESS');
    const visible = names.filter((n) => n.startsWith('part-'));
    if (visible.length && !success) this.suspect = `${visible.join(',')} visible before _SUCCESS while only ${this.committed.size}/${this.tasks.length} tasks had committed`;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.look();
      await sleep(watchMs);
    }
  }

  /** Stops watching; returns what was wrong while the job ran. */
  async stop(): Promise<string[]> {
    this.stopped = true;
    await this.loop;
    this.look();
    this.look();
    this.watcher?.close();
    return this.violations;
  }

  /** For a succeeded job: the directory holds exactly the part files and `_SUCCESS`. */
  finalProblem(): string {
    const names = (this.list(this.dir) ?? []).sort();
    const want = [...this.parts, '_SUCCESS'].sort();
    return names.join(',') === want.join(',') ? '' : `the output dir holds [${names.join(', ')}], expected [${want.join(', ')}]`;
  }
}

function partNames(): string[] {
  return Array.from({ length: reducers }, (_, i) => `part-r-${String(i).padStart(5, '0')}`);
}

/** Where `got` and `want` first differ, for a failure message. */
function firstDifference(got: Buffer, want: Buffer): string {
  const n = Math.min(got.length, want.length);
  let i = 0;
  while (i < n && got[i] === want[i]) i++;
  const lineStart = want.lastIndexOf(10, i - 1) + 1;
  const show = (b: Buffer) => JSON.stringify(b.subarray(lineStart, Math.min(b.length, lineStart + 60)).toString('latin1'));
  return `${got.length} bytes vs ${want.length} expected; first difference at byte ${i}: got ${show(got)}, expected ${show(want)}`;
}

function sortedLines(buf: Buffer): Buffer {
  const lines: Buffer[] = [];
  for (let i = 0; i < buf.length; ) {
    let nl = buf.indexOf(10, i);
    if (nl < 0) nl = buf.length - 1;
    lines.push(buf.subarray(i, nl + 1));
    i = nl + 1;
  }
  return Buffer.concat(lines.sort(Buffer.compare));
}

/** wordcount's reference, computed here: tokens split by ASCII whitespace, `token\tcount` lines, sorted by bytes. */
function countWords(file: string): Buffer {
  const buf = readFileSync(file);
  const counts = new Map<string, number>();
  let start = -1;
  for (let i = 0; i <= buf.length; i++) {
    const c = i < buf.length ? buf[i] : 32;
    const space = c === 32 || (c >= 9 && c <= 13);
    if (space && start >= 0) {
      const w = buf.toString('latin1', start, i);
      counts.set(w, (counts.get(w) ?? 0) + 1);
      start = -1;
    } else if (!space && start < 0) start = i;
  }
  return sortedLines(Buffer.from([...counts].map(([w, n]) => `${w}\t${n}\n`).join(''), 'latin1'));
}

function sortWithGnuSort(input: string, output: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('sort', ['-S', '256M', '-o', output, input], { env: { ...process.env, LC_ALL: 'C' }, stdio: 'ignore' });
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`LC_ALL=C sort exited with ${code}`))));
  });
}

function writeTeraInput(file: string, records: number): void {
  const fd = openSync(file, 'w');
  const perChunk = 10_000;
  const chunk = Buffer.allocUnsafe(perChunk * teraRecordBytes);
  for (let row = 0; row < records; row += perChunk) {
    const n = Math.min(perChunk, records - row);
    for (let i = 0; i < n; i++) writeTeraRecord(row + i, true, chunk, i * teraRecordBytes);
    writeSync(fd, chunk, 0, n * teraRecordBytes);
  }
  closeSync(fd);
}

/** Checks a succeeded job's output against the reference; '' when equal. */
function checkOutput(job: JobKind, out: string, reference: Buffer): string {
  const parts = partNames().map((p) => readFileSync(join(out, p)));
  if (job === 'terasort') {
    const got = Buffer.concat(parts);
    return got.equals(reference) ? '' : `terasort output (parts concatenated) differs from LC_ALL=C sort of the input: ${firstDifference(got, reference)}`;
  }
  for (const [i, p] of parts.entries()) {
    if (!sortedLines(p).equals(p)) return `wordcount part-r-0000${i} is not sorted by key`;
  }
  const got = sortedLines(Buffer.concat(parts));
  return got.equals(reference) ? '' : `wordcount output differs from the harness's own count: ${firstDifference(got, reference)}`;
}

// ---- trials -----------------------------------------------------------------------------

interface TrialSpec {
  index: number;
  job: JobKind;
  remote: boolean;
  fault: FaultKind;
  phase: Phase;
}

/** Trial i: the fault kinds in turn. Round r of a kind runs its job tracker in-process
 *  (even r) or remotely (odd r; always for the jobtracker fault), and alternates the job
 *  every two rounds and the phase of the CM, JT and link faults, so four rounds cover
 *  every pair of those choices. */
function trialSpec(index: number, kinds: readonly FaultKind[]): TrialSpec {
  const k = index % kinds.length;
  const fault = kinds[k];
  const round = Math.floor(index / kinds.length);
  const flip = Math.floor(round / 2);
  const phase: Phase = fault === 'agent-map' ? 'map' : fault === 'agent-reduce' ? 'reduce' : (flip + round) % 2 === 0 ? 'map' : 'reduce';
  return { index, job: (k + flip) % 2 === 0 ? 'wordcount' : 'terasort', remote: fault === 'jobtracker' || round % 2 === 1, fault, phase };
}

function progressText(st: JobStatus): string {
  return `maps ${st.maps.succeeded}/${st.maps.total} (${st.maps.running} running), reduces ${st.reduces.succeeded}/${st.reduces.total} (${st.reduces.running} running)`;
}

/** The job is in `phase` and, for faults that hit a node, some node runs a task of it. */
function inPhase(st: JobStatus, phase: Phase): boolean {
  if (!st.maps || !st.reduces || st.state !== 'running') return false;
  if (phase === 'map') return st.maps.succeeded >= 1 && st.maps.running > 0 && st.maps.succeeded < st.maps.total;
  return st.reduces.running > 0 && st.reduces.succeeded === 0;
}

function nodesRunning(st: JobStatus, phase: Phase): string[] {
  const nodes = new Set<string>();
  for (const t of st.tasks ?? []) if (t.kind === phase) for (const a of t.attempts) if (a.state === 'running') nodes.add(a.node);
  return [...nodes].filter((n) => agentHosts.includes(n)).sort();
}

interface Inputs {
  wordcount: { file: string; reference: Buffer };
  terasort: { file: string; reference: Buffer };
}

class Trial {
  private readonly started = Date.now();
  private injectedAt = '';
  private faultNote = '';
  /** Why the fault could not be delivered though the job was in its phase ('' if it was). */
  private notInjected = '';
  /** Recovery work started by the fault (restarting an agent, healing a link). */
  private aftermath: Promise<void> = Promise.resolve();
  private readonly stagingDir: string;
  private readonly out: string;

  constructor(
    private readonly lab: NetLab,
    private readonly cluster: LabCluster,
    private readonly spec: TrialSpec,
    private readonly inputs: Inputs,
    private readonly random: () => number,
  ) {
    this.stagingDir = join(cluster.dir, 'staging');
    this.out = join(cluster.dir, 'out');
  }

  private get label(): string {
    return `${this.spec.job}${this.spec.remote ? ' --remote' : ''}`;
  }

  private result(outcome: TrialResult['outcome'], detail: string): TrialResult {
    return { trial: this.spec.index + 1, job: this.label, fault: this.spec.fault, injectedAt: this.injectedAt, outcome, seconds: (Date.now() - this.started) / 1000, detail };
  }

  async run(): Promise<TrialResult> {
    await this.cluster.startAll();
    const s = this.spec;
    const clientLog = join(this.cluster.logDir, 'client.log');
    const fd = openSync(clientLog, 'a');
    const jobArgs = s.job === 'wordcount' ? ['wordcount', '--input', this.inputs.wordcount.file, '--output', this.out] : ['terasort', this.inputs.terasort.file, this.out];
    const client = this.lab.spawn('client', process.execPath, [cliPath, 'run', ...jobArgs, '--reducers', String(reducers), '--cluster', this.cluster.cmAddress, '--json', ...(s.remote ? ['--remote'] : []), '-D', `coronet.staging.dir=${this.stagingDir}`, '-D', `coronet.split.maxsize=${splitBytes}`], { env: { ...process.env, CORONET_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', fd] });
    closeSync(fd);
    let stdout = '';
    client.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const clientExit = new Promise<number | null>((r) => client.once('exit', (code) => r(code)));
    const outputWatch = new OutputWatch(this.out, partNames(), Array.from({ length: reducers }, (_, i) => reduceTaskId(i)));
    let hung = false;
    try {
      await this.injectWhenInPhase(client);
      const timer = setTimeout(() => {
        hung = true;
        void killGroup(client);
      }, jobTimeoutMs);
      await clientExit;
      clearTimeout(timer);
      await this.aftermath;
    } finally {
      await killGroup(client);
    }
    const violations = await outputWatch.stop();
    const logs = `logs: ${this.cluster.logDir} (agents' container logs under ${this.cluster.dir}/node-*/logs)`;
    const problems: string[] = [];
    const final = (() => {
      try {
        return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Partial<JobStatus>;
      } catch {
        return null;
      }
    })();
    if (hung) problems.push(`the job did not end within ${jobTimeoutMs / 1000} s (client killed)`);
    else if (client.exitCode !== 0 || final?.state !== 'succeeded') problems.push(`the job did not succeed: client exit ${client.exitCode}, state ${final?.state ?? '(no status)'}${final?.diagnostics ? `: ${String(final.diagnostics).slice(0, 300)}` : ''}${final ? '' : `; client said: ${readFileSync(clientLog, 'utf8').trim().split('\n').pop()?.slice(0, 300)}`}`);
    problems.push(...violations.map((v) => `half-committed output: ${v}`));
    // The cluster heals too: every agent (restarted, or its link back) is alive again.
    await this.cluster.until('every agent to be alive again', async () => (await this.cluster.nodeStates()).filter(([, st]) => st === 'alive').length === agentHosts.length, nodeLostTimeoutMs).catch(async () => {
      problems.push(`the cluster did not heal: nodes ${(await this.cluster.nodeStates()).map(([n, st]) => `${n} ${st}`).join(', ')}`);
    });
    if (!problems.length) {
      const diff = outputWatch.finalProblem() || checkOutput(s.job, this.out, this.inputs[s.job].reference);
      if (diff) problems.push(diff);
    }
    if (!this.injectedAt || this.notInjected) {
      const why = this.notInjected ? `no fault injected: ${this.notInjected}` : `no fault injected: the job was never seen in its ${s.phase} phase`;
      return problems.length ? this.result('fail', `${problems.join('; ')}; ${why}; ${logs}`) : this.result('missed', `${why}; ${logs}`);
    }
    const note = [this.faultNote, final?.maps ? `${final.maps.total} maps, ${final.reduces?.total} reduces` : ''].filter(Boolean).join('; ');
    return problems.length ? this.result('fail', `${problems.join('; ')}; ${note}; ${logs}`) : this.result('pass', note);
  }

  /** Polls the job through the CM until it is in the trial's phase, then injects the fault. */
  private async injectWhenInPhase(client: ChildProcess): Promise<void> {
    let jobId = '';
    while (!exited(client)) {
      await sleep(pollMs);
      const jobs = await this.cluster.api<{ jobs: LiveJob[] }>('/api/v1/jobs');
      jobId ||= jobs?.jobs[0]?.jobId ?? '';
      if (!jobId) continue;
      const st = await this.cluster.api<JobStatus>(`/api/v1/jobs/${jobId}`);
      if (!st || !inPhase(st, this.spec.phase)) continue;
      const trackerHost = this.lab.hostOf(jobs?.jobs.find((j) => j.jobId === jobId)?.trackerHttp ?? '') ?? '';
      // Node faults spare the remote job tracker's host: one fault per trial.
      const candidates = nodesRunning(st, this.spec.phase).filter((n) => n !== trackerHost);
      if ((this.spec.fault === 'agent-map' || this.spec.fault === 'agent-reduce' || this.spec.fault === 'link-cut') && !candidates.length) continue;
      const target = candidates[Math.floor(this.random() * candidates.length)];
      this.injectedAt = progressText(st);
      await this.inject(jobId, trackerHost, target);
      return;
    }
  }

  private async inject(jobId: string, trackerHost: string, target: string): Promise<void> {
    const c = this.cluster;
    const t0 = Date.now();
    const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    switch (this.spec.fault) {
      case 'agent-map':
      case 'agent-reduce':
        await c.killAgent(target);
        this.faultNote = `${target} SIGKILLed`;
        // Restarted (same name, same work dir) once the CM has declared it lost.
        this.aftermath = (async () => {
          await c.until(`${target} to be declared lost`, async () => (await c.nodeState(target)) === 'lost', nodeLostTimeoutMs);
          this.faultNote += `, lost after ${since()}`;
          await c.startAgent(target);
          this.faultNote += ', restarted';
        })().catch((err: unknown) => void (this.faultNote += `; ${errorMessage(err)}`));
        break;
      case 'cm-restart':
        await c.killCm();
        await c.startCm();
        this.faultNote = `CM SIGKILLed and restarted in ${since()}`;
        break;
      case 'jobtracker': {
        // Job tracker recovery: the CM starts a new attempt (the session's driverAttempt tag).
        const attempt = async () => (await c.api<{ sessions: Array<{ tags: Record<string, string> }> }>('/api/v1/sessions'))?.sessions.find((x) => x.tags.jobId === jobId)?.tags.driverAttempt ?? '';
        const killed = await attempt();
        const submission = join(this.stagingDir, jobId, 'submission.json');
        const pids = trackerHost ? this.lab.pidsMatching(trackerHost, ['jobtracker', submission]) : [];
        if (!pids.length) {
          this.notInjected = `no job tracker process found (tracker host "${trackerHost}")`;
          break;
        }
        for (const pid of pids) process.kill(pid, 'SIGKILL');
        this.faultNote = `job tracker attempt ${killed} (pid ${pids.join(',')} on ${trackerHost}) SIGKILLed`;
        this.aftermath = c
          .until('a new job tracker attempt', async () => !['', killed].includes(await attempt()), nodeLostTimeoutMs)
          .then(async () => void (this.faultNote += `; attempt ${await attempt()} took over after ${since()}`))
          .catch(() => void (this.faultNote += '; no new job tracker attempt seen'));
        break;
      }
      case 'link-cut':
        this.lab.cutLink(target);
        this.faultNote = `${target}'s link cut`;
        this.aftermath = (async () => {
          try {
            await c.until(`${target} to be declared lost`, async () => (await c.nodeState(target)) === 'lost', nodeLostTimeoutMs);
            this.faultNote += `, lost after ${since()}`;
          } finally {
            this.lab.healLink(target);
            this.faultNote += `, healed after ${since()}`;
          }
        })().catch((err: unknown) => void (this.faultNote += `; ${errorMessage(err)}`));
        break;
    }
  }
}

// ---- the suite ---------------------------------------------------------------------------

export interface ChaosRun {
  runDir: string;
  seed: number;
  results: TrialResult[];
}

/** Runs `trials` trials in a fresh lab; always removes the lab (namespaces and processes). */
export async function runChaos(o: ChaosOptions): Promise<ChaosRun> {
  const log = o.log ?? (() => undefined);
  const kinds = o.kinds ?? faultKinds;
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  const next = rng(seed);
  const random = () => next() / 2 ** 32;
  const runDir = join('/tmp', `coronet-chaos-${process.pid}`);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const stale = removeStaleLabs();
  if (stale.length) log(`removed ${stale.length} stale namespaces of crashed runs`);
  const configFile = join(runDir, 'cm.json');
  writeFileSync(configFile, JSON.stringify(cmConfig));

  const inputDir = join(runDir, 'input');
  mkdirSync(inputDir);
  const wantJobs = new Set(Array.from({ length: o.trials }, (_, i) => trialSpec(i, kinds).job));
  const inputs: Inputs = { wordcount: { file: join(inputDir, 'words.txt'), reference: Buffer.alloc(0) }, terasort: { file: join(inputDir, 'tera.txt'), reference: Buffer.alloc(0) } };
  if (wantJobs.has('wordcount')) {
    generateText(inputs.wordcount.file, wordcountBytes, 50_000, seed);
    inputs.wordcount.reference = countWords(inputs.wordcount.file);
  }
  if (wantJobs.has('terasort')) {
    writeTeraInput(inputs.terasort.file, terasortRecords);
    await sortWithGnuSort(inputs.terasort.file, join(inputDir, 'tera.sorted'));
    inputs.terasort.reference = readFileSync(join(inputDir, 'tera.sorted'));
    rmSync(join(inputDir, 'tera.sorted'));
  }
  log(`inputs ready in ${inputDir}; seed ${seed}`);

  const lab = new NetLab(['cm', ...agentHosts, 'client']);
  // Interrupted or crashing: the namespaces and every process in them go too.
  const onSignal = (signal: NodeJS.Signals) => {
    lab.destroy();
    rmSync(inputDir, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  const onExit = () => lab.destroy();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  const results: TrialResult[] = [];
  try {
    for (let i = 0; i < o.trials; i++) {
      const spec = trialSpec(i, kinds);
      const dir = join(runDir, `trial-${String(i + 1).padStart(2, '0')}`);
      const cluster = new LabCluster(lab, dir, configFile);
      log(`trial ${i + 1}/${o.trials}: ${spec.job}${spec.remote ? ' --remote' : ''}, ${spec.fault} (${spec.phase} phase)`);
      let r: TrialResult;
      const t0 = Date.now();
      try {
        r = await new Trial(lab, cluster, spec, inputs, random).run();
      } catch (err) {
        r = { trial: i + 1, job: spec.job, fault: spec.fault, injectedAt: '', outcome: 'fail', seconds: (Date.now() - t0) / 1000, detail: `${errorMessage(err)}; logs: ${cluster.logDir}` };
      } finally {
        cluster.stop();
        for (const h of agentHosts) lab.healLink(h);
      }
      if (r.outcome === 'pass') rmSync(dir, { recursive: true, force: true });
      else {
        // Keep the logs; the job's output and staged files are only bulk.
        rmSync(join(dir, 'out'), { recursive: true, force: true });
        rmSync(join(dir, 'staging'), { recursive: true, force: true });
      }
      results.push(r);
      o.onTrial?.(r);
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', onExit);
    lab.destroy();
    rmSync(inputDir, { recursive: true, force: true });
    if (results.every((r) => r.outcome === 'pass')) rmSync(runDir, { recursive: true, force: true });
  }
  return { runDir, seed, results };
}
