// Shared by the web UI's integration tests: a cluster with configured pools, jobs run
// through the real CLI (a finished one, a failed one, one that stays running), and
// helpers to find things on the CM's REST API.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, getJson, testCluster } from '../testing/fixtures.js';
import type { LocalCluster } from '../local/local-cluster.js';

export const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
/** Debian's Chromium; CORONET_TEST_CHROMIUM points elsewhere (never downloaded). */
export const chromiumPath = process.env.CORONET_TEST_CHROMIUM || '/usr/bin/chromium';
export const artifactsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');

export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Two pool groups, so the pools page has configured shares to draw. */
export const poolsYaml = `
# Starvation must stay visible while the test looks at it: no preemption.
preemptionEnabled: false
groups:
  prod:
    weight: 2
    minShare: 2048MB,2vc
    pools:
      etl:
        weight: 2
        minShare: 2048MB,2vc
  research:
    pools:
      adhoc: {}
`;

/** A map that throws on a "boom" line: every attempt of that task fails with this message. */
export const failingJobSource = `
export default {
  name: 'boom-job',
  input: 'text',
  codecs: { key: 'utf8', value: 'number' },
  map(_offset, line, ctx) {
    if (line.includes('boom')) {
      console.error('about to fail on a boom line');
      throw new Error('bad record: the line says ' + JSON.stringify(line));
    }
    ctx.emit(line, 1);
  },
  reduce(key, values, ctx) {
    let n = 0;
    for (const v of values) n += v;
    ctx.emit(key, n);
  },
};
`;

/** A map that sleeps for ten minutes on a "slow" line: the job stays running until killed. */
export const sleepyJobSource = `
export default {
  name: 'sleepy-job',
  input: 'text',
  codecs: { key: 'utf8', value: 'number' },
  async map(_offset, line, ctx) {
    if (line.includes('slow')) await new Promise((r) => setTimeout(r, 600000));
    ctx.counter('sleepy', 'lines seen').increment();
    ctx.emit(line, 1);
  },
  reduce(key, values, ctx) {
    let n = 0;
    for (const v of values) n += v;
    ctx.emit(key, n);
  },
};
`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cluster: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, CORONET_CLUSTER: cluster }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export function startCli(args: string[], cluster: string): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, CORONET_CLUSTER: cluster }, stdio: ['ignore', 'ignore', 'ignore'] });
}

export interface LiveJobRow {
  jobId: string;
  name: string;
  user: string;
  pool: string;
  state: string;
}

export interface JobStatusJson {
  jobId: string;
  name: string;
  user: string;
  state: string;
  maps: { total: number; succeeded: number; running: number };
  reduces: { total: number; succeeded: number; running: number };
  counters: Record<string, Record<string, number>>;
  tasks: Array<{ id: string; kind: string; state: string; attempts: Array<{ id: string; node: string; containerId: string; shuffleAddress: string; state: string; diagnostics: string }> }>;
}

export interface WebCluster {
  cluster: LocalCluster;
  dir: string;
  http: string;
  finished: JobStatusJson;
  failed: JobStatusJson;
  running: { jobId: string; process: ChildProcess };
  /** Starts another sleepy job over `files` one-line inputs (each map sleeps); returns its job id once it is listed. */
  startSleepy(name: string, pool: string, files: number): Promise<string>;
  /** Kills every job client this fixture started (their sessions then expire and the CM kills their containers). */
  killJobs(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the cluster and the three jobs; resolves once the running job has some maps done and one still running. */
export async function startWebCluster(): Promise<WebCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'coronet-web-'));
  const poolsFile = join(dir, 'pools.yaml');
  writeFileSync(poolsFile, poolsYaml);
  const cluster = await testCluster({ cmArgs: ['--pools', poolsFile] });
  let running: ChildProcess | undefined;
  try {
    await cluster.waitForNodes(2);
    const http = `http://${cluster.httpAddress}`;
    const inputs = join(dir, 'in');
    mkdirSync(inputs);
    writeFileSync(join(inputs, 'words.txt'), 'the quick brown fox\njumps over the lazy dog\nthe end\n');
    const boomIn = join(dir, 'boom-in');
    mkdirSync(boomIn);
    writeFileSync(join(boomIn, 'a.txt'), 'fine line\n');
    writeFileSync(join(boomIn, 'b.txt'), 'this line goes boom\n');
    const sleepyIn = join(dir, 'sleepy-in');
    mkdirSync(sleepyIn);
    writeFileSync(join(sleepyIn, 'a.txt'), 'alpha\n');
    writeFileSync(join(sleepyIn, 'b.txt'), 'beta\n');
    writeFileSync(join(sleepyIn, 'c.txt'), 'slow\n');
    writeFileSync(join(dir, 'boom.mjs'), failingJobSource);
    writeFileSync(join(dir, 'sleepy.mjs'), sleepyJobSource);

    const wc = await runCli(['run', 'wordcount', '--input', join(inputs, 'words.txt'), '--output', join(dir, 'wc-out'), '--pool', 'prod.etl', '--json'], cluster.cmAddress);
    if (wc.code !== 0) throw new Error(`wordcount exited ${wc.code}: ${wc.stderr}`);
    const finished = JSON.parse(wc.stdout.trim().split('\n').pop()!) as JobStatusJson;

    const boom = await runCli(['run', join(dir, 'boom.mjs'), '--input', join(boomIn, 'a.txt'), '--input', join(boomIn, 'b.txt'), '--output', join(dir, 'boom-out'), '--pool', 'research.adhoc', '-D', 'coronet.task.maxattempts=1', '-D', 'coronet.speculative=false', '--json'], cluster.cmAddress);
    if (boom.code !== 1) throw new Error(`the failing job exited ${boom.code} (expected 1): ${boom.stderr}`);
    const failed = JSON.parse(boom.stdout.trim().split('\n').pop()!) as JobStatusJson;

    running = startCli(['run', join(dir, 'sleepy.mjs'), '--input', join(sleepyIn, 'a.txt'), '--input', join(sleepyIn, 'b.txt'), '--input', join(sleepyIn, 'c.txt'), '--output', join(dir, 'sleepy-out'), '--pool', 'prod.etl', '-D', 'coronet.speculative=false'], cluster.cmAddress);
    const proc = running;
    const live = await eventually('the sleepy job to be listed as running', async () => (await getJson<{ jobs: LiveJobRow[] }>(`${http}/api/v1/jobs`)).jobs.find((j) => j.name === 'sleepy-job'), 60_000, 200);
    await eventually(
      'the sleepy job to finish two maps and keep one running',
      async () => {
        const st = await getJson<JobStatusJson>(`${http}/api/v1/jobs/${live.jobId}`);
        return st.maps?.succeeded === 2 && st.maps.running === 1;
      },
      60_000,
      200,
    );
    const clients = [proc];
    const known = new Set([live.jobId]);
    const startSleepy = async (name: string, pool: string, files: number): Promise<string> => {
      const inDir = join(dir, `${name}-in`);
      mkdirSync(inDir);
      const args = ['run', join(dir, 'sleepy.mjs'), '--name', name, '--output', join(dir, `${name}-out`), '--pool', pool, '-D', 'coronet.speculative=false'];
      for (let i = 0; i < files; i++) {
        writeFileSync(join(inDir, `${i}.txt`), 'slow\n');
        args.push('--input', join(inDir, `${i}.txt`));
      }
      clients.push(startCli(args, cluster.cmAddress));
      const row = await eventually(`job ${name} to be listed as running`, async () => (await getJson<{ jobs: LiveJobRow[] }>(`${http}/api/v1/jobs`)).jobs.find((j) => !known.has(j.jobId) && j.pool === pool), 60_000, 200);
      known.add(row.jobId);
      return row.jobId;
    };
    const killJobs = async (): Promise<void> => {
      await Promise.all(
        clients.map((c) => {
          if (c.exitCode !== null || c.signalCode !== null) return undefined;
          const exited = new Promise((r) => c.once('exit', r));
          c.kill('SIGKILL');
          return exited;
        }),
      );
    };
    return {
      cluster,
      dir,
      http,
      finished,
      failed,
      running: { jobId: live.jobId, process: proc },
      startSleepy,
      killJobs,
      stop: async () => {
        await killJobs();
        await cluster.stop();
      },
    };
  } catch (err) {
    running?.kill('SIGKILL');
    await cluster.stop();
    throw err;
  }
}

export function ensureArtifactsDir(): string {
  if (!existsSync(artifactsDir)) mkdirSync(artifactsDir, { recursive: true });
  return artifactsDir;
}
