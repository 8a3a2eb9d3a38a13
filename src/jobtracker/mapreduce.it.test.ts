// MapReduce on real processes: a cluster manager and node agents as separate daemons,
// jobs submitted through the coronet CLI, output checked against independent answers.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { eventually, getJson, runCli, testCluster, type CliRun } from '../testing/fixtures.js';
import type { LocalCluster } from '../local/local-cluster.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(dist, 'cli', 'main.js');
const mapreduceModule = join(dist, "mapreduce", "index.js");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function coronet(cluster: LocalCluster, args: string[]): Run {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, CORONET_CLUSTER: cluster.cmAddress }, encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const coronetAsync = runCli;

/** Reads every part file of an output directory; checks _SUCCESS and that nothing else is there. */
function readOutput(dir: string): string {
  const names = readdirSync(dir).sort();
  assert.ok(names.includes('_SUCCESS'), `no _SUCCESS in ${dir}: ${names.join(',')}`);
  for (const n of names) assert.match(n, /^(_SUCCESS|part-[mr]-\d{5})$/, `unexpected file ${n} in ${dir}`);
  return names.filter((n) => n.startsWith('part-')).map((n) => readFileSync(join(dir, n), 'latin1')).join('');
}

function countTokens(texts: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) for (const tok of t.split(/[ \t\n\v\f\r]+/)) if (tok) counts.set(tok, (counts.get(tok) ?? 0) + 1);
  return counts;
}

function parseCounts(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [k, v] = line.split('\t');
    assert.ok(!m.has(k), `key ${k} appears twice in the output`);
    m.set(k, Number(v));
  }
  return m;
}

/** Writes a job module that imports the job API from the built package. */
function jobModule(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `import { defineJob, utf8, number, textInput } from ${JSON.stringify(mapreduceModule)};\n${body}\n`);
  return path;
}

/** A job whose maps fail on one node, the first to run one of its maps (named in the
 *  file `marker`; each task failing there leaves `marker.failed-TASK`); `more` is
 *  mapSetup code run after that on the other nodes. */
function brokenNodeJob(dir: string, name: string, marker: string, more = ''): string {
  return jobModule(
    dir,
    name,
    `import { writeFileSync, readFileSync, readdirSync } from 'node:fs';
const marker = ${JSON.stringify(marker)};
export default defineJob({ input: textInput(), codecs: { key: utf8, value: number }, reducers: 1,
  async mapSetup(ctx) {
    try { writeFileSync(marker, process.env.CORONET_NODE_NAME, { flag: 'wx' }); } catch {}
    if (readFileSync(marker, 'utf8') === process.env.CORONET_NODE_NAME) {
      writeFileSync(marker + '.failed-' + ctx.taskId, '');
      throw new Error('this node is broken');
    }
    ${more}
  },
  map(_k, line, ctx) { ctx.emit(line, 1); },
  reduce(k, vs, ctx) { let n = 0; for (const v of vs) n += v; ctx.emit(k, n); } });`,
  );
}

/** SIGKILLs a node agent and waits until the CM has declared its node lost. */
async function killAgent(cluster: LocalCluster, agent: LocalCluster['agents'][number]): Promise<void> {
  agent.process.kill('SIGKILL');
  await eventually('the node declared lost', async () => {
    const { nodes } = await getJson<{ nodes: Array<{ name: string; state: string }> }>(`http://${cluster.httpAddress}/api/v1/nodes`);
    return nodes.find((n) => n.name === agent.name)?.state === 'lost';
  });
}

function corpus(dir: string): { files: string[]; texts: string[] } {
  mkdirSync(join(dir, 'in', 'sub'), { recursive: true });
  const words = ['alpha', 'beta', 'gamma', 'Ωmega', 'naïve', 'café', '数据', 'data', 'Data', 'x'];
  const texts: string[] = [];
  const files: string[] = [];
  for (let f = 0; f < 4; f++) {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(Array.from({ length: 1 + ((i * 7 + f) % 9) }, (_, j) => words[(i * 13 + j * 3 + f) % words.length]).join(j(i)));
    // A very long line (300 KB) in one file.
    if (f === 2) lines.push(Array.from({ length: 40_000 }, (_, i) => words[i % words.length]).join(' '));
    const text = lines.join('\n') + '\n';
    const path = join(dir, 'in', f === 3 ? 'sub' : '', `part${f}.txt`);
    writeFileSync(path, text, 'utf8');
    texts.push(Buffer.from(text, 'utf8').toString('latin1'));
    files.push(path);
  }
  return { files, texts };
  function j(i: number): string {
    return i % 5 === 0 ? '\t' : i % 7 === 0 ? '  ' : ' ';
  }
}

/** Starts a test cluster and makes a scratch dir (prefix `dirPrefix`) before the suite's
 *  tests, handing both to `use`; stops the cluster after them. */
function clusterPerSuite(o: Parameters<typeof testCluster>[0], dirPrefix: string, use: (cluster: LocalCluster, dir: string) => void): void {
  let cluster: LocalCluster | undefined;
  before(async () => {
    cluster = await testCluster(o);
    use(cluster, mkdtempSync(join(tmpdir(), dirPrefix)));
  });
  after(async () => {
    await cluster?.stop();
  });
}

const smallSplits = ['-D', 'coronet.split.minsize=16384', '-D', 'coronet.split.maxsize=65536', '-D', 'coronet.map.memory.mb=256', '-D', 'coronet.reduce.memory.mb=256'];

describe('MapReduce on a 2-node cluster', () => {
  let cluster: LocalCluster;
  let dir: string;
  clusterPerSuite({ nodes: 2, memoryMbPerNode: 4096, vcoresPerNode: 3 }, 'coronet-mr-', (c, d) => ((cluster = c), (dir = d)));

  test('wordcount over a multi-file UTF-8 corpus with very long lines matches an independent count', () => {
    const { texts } = corpus(dir);
    const out = join(dir, 'wc-out');
    const r = coronet(cluster, ['run', 'wordcount', '--input', join(dir, 'in'), '--output', out, '--reducers', '3', ...smallSplits]);
    assert.equal(r.status, 0, r.stderr);
    const got = parseCounts(Buffer.from(readOutput(out), 'latin1').toString('latin1'));
    const want = countTokens(texts);
    assert.equal(got.size, want.size);
    for (const [k, v] of want) assert.equal(got.get(k), v, `count of ${Buffer.from(k, 'latin1').toString('utf8')}`);
    assert.equal(readdirSync(out).filter((n) => n.startsWith('part-r-')).length, 3);
    assert.match(r.stderr, /MAP_INPUT_RECORDS\s+12001/);
  });

  test('terasort output is sorted and a permutation of its input (teravalidate)', () => {
    const gen = join(dir, 'tera-in');
    const sorted = join(dir, 'tera-out');
    assert.equal(coronet(cluster, ['run', 'teragen', '20000', gen, '-D', 'teragen.maps=3']).status, 0);
    const r = coronet(cluster, ['run', 'terasort', gen, sorted, '--reducers', '3', ...smallSplits]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(coronet(cluster, ['run', 'teravalidate', sorted, join(dir, 'tv-out')]).status, 0);
    assert.equal(coronet(cluster, ['run', 'teravalidate', gen, join(dir, 'tv-in')]).status, 0);
    const report = (d: string) => Object.fromEntries(readOutput(d).trim().split('\n').map((l) => l.split('\t')));
    const out = report(join(dir, 'tv-out'));
    const input = report(join(dir, 'tv-in'));
    assert.equal(input.records, '20000', 'teragen wrote every record');
    assert.equal(out.status, 'OK');
    assert.equal(out.records, '20000');
    assert.equal(out.checksum, input.checksum);
  });

  test('streaming with cat, sort and awk', () => {
    const input = join(dir, 'lines.txt');
    const lines = Array.from({ length: 500 }, (_, i) => `line-${i % 37}`);
    writeFileSync(input, lines.join('\n') + '\n');
    const out = join(dir, 'stream-out');
    const r = coronet(cluster, ['streaming', '--mapper', 'cat', '--combiner', "awk -F'\\t' '{c[$1]++} END {for (k in c) print k\"\\t\"c[k]}'", '--reducer', "awk -F'\\t' '{c[$1]+=$2} END {for (k in c) print k\"\\t\"c[k]}' | sort", '--input', input, '--output', out, '--reducers', '2']);
    assert.equal(r.status, 0, r.stderr);
    const got = parseCounts(readOutput(out));
    assert.equal(got.size, 37);
    for (let i = 0; i < 37; i++) assert.equal(got.get(`line-${i}`), lines.filter((l) => l === `line-${i}`).length);
  });

  test('a map-only job writes part-m files; empty input gives empty output', () => {
    const input = join(dir, 'lines.txt');
    const out = join(dir, 'maponly-out');
    const mod = jobModule(dir, 'upper.mjs', `export default defineJob({ input: textInput(), codecs: { key: utf8, value: utf8 }, map(_k, line, ctx) { ctx.emit(line.toUpperCase(), ''); } });`);
    const r = coronet(cluster, ['run', mod, '--input', input, '--output', out, '--reducers', '0']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readdirSync(out).some((n) => n.startsWith('part-m-')));
    assert.equal(readOutput(out).split('\n').filter(Boolean).length, 500);
    writeFileSync(join(dir, 'empty.txt'), '');
    const empty = join(dir, 'empty-out');
    const e = coronet(cluster, ['run', 'wordcount', '--input', join(dir, 'empty.txt'), '--output', empty]);
    assert.equal(e.status, 0, e.stderr);
    assert.equal(readOutput(empty), '');
  });

  test('a throwing map is retried, then fails the job with the error and stack; no output is visible', () => {
    const input = join(dir, 'lines.txt');
    const out = join(dir, 'throw-out');
    const mod = jobModule(dir, 'thrower.mjs', `export default defineJob({ input: textInput(), codecs: { key: utf8, value: number }, map(_k, line) { if (line === 'line-5') throw new Error('user map exploded on ' + line); } });`);
    const r = coronet(cluster, ['run', mod, '--input', input, '--output', out, '-D', 'coronet.task.maxattempts=2']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /failed 2 times/);
    assert.match(r.stderr, /user map exploded on line-5/);
    assert.match(r.stderr, /thrower\.mjs|job\.mjs/, 'the stack names the job module');
    assert.ok(!existsSync(join(out, '_SUCCESS')));
    assert.deepEqual(existsSync(out) ? readdirSync(out).filter((n) => n.startsWith('part-')) : [], []);
  });

  test('a task runner SIGKILLed mid-task is retried and the job succeeds', async () => {
    const input = join(dir, 'lines.txt');
    const out = join(dir, 'killed-runner-out');
    const pidFile = join(dir, 'runner.pid');
    const mod = jobModule(
      dir,
      'slowfirst.mjs',
      `import { writeFileSync } from 'node:fs';
export default defineJob({ input: textInput(), codecs: { key: utf8, value: number }, reducers: 1,
  async mapSetup(ctx) { if (ctx.attemptId.endsWith('_0')) { writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); await new Promise((r) => setTimeout(r, 60000)); } },
  map(_k, line, ctx) { ctx.emit(line, 1); },
  reduce(k, vs, ctx) { let n = 0; for (const v of vs) n += v; ctx.emit(k, n); } });`,
    );
    const run = coronetAsync(cluster, ['run', mod, '--input', input, '--output', out]);
    const pid = await eventually('the first attempt to start', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0), 60_000);
    process.kill(pid, 'SIGKILL');
    const r = await run;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(parseCounts(readOutput(out)).get('line-0'), 14);
    const jobId = r.stderr.match(/job (job_\S+) succeeded/)![1];
    const h = await getJson<{ tasks: Array<{ attempts: Array<{ id: string; state: string; diagnostics: string }> }> }>(`http://${cluster.httpAddress}/api/v1/history/${jobId}`);
    const attempts = h.tasks.flatMap((t) => t.attempts);
    const failed = attempts.find((a) => a.id === 'm-00000_0')!;
    assert.equal(failed.state, 'failed');
    assert.match(failed.diagnostics, /SIGKILL|killed|exited|disconnected/);
    assert.ok(attempts.some((a) => a.id === 'm-00000_1' && a.state === 'succeeded'));
  });

  test('a straggler gets a speculative copy and the output is still exactly once', () => {
    const input = join(dir, 'lines.txt');
    const out = join(dir, 'spec-out');
    const mod = jobModule(
      dir,
      'straggler.mjs',
      `export default defineJob({ input: textInput(), codecs: { key: utf8, value: number }, reducers: 2,
  async mapSetup(ctx) { if (ctx.taskId === 'm-00001' && ctx.attemptId.endsWith('_0')) await new Promise((r) => setTimeout(r, 45000)); },
  map(_k, line, ctx) { ctx.emit(line, 1); },
  reduce(k, vs, ctx) { let n = 0; for (const v of vs) n += v; ctx.emit(k, n); } });`,
    );
    // Four small splits of the 500-line file; m-00001's first attempt stalls.
    const t0 = Date.now();
    const r = coronet(cluster, ['run', mod, '--input', input, '--output', out, '-D', 'coronet.split.minsize=1024', '-D', 'coronet.split.maxsize=1500', '-D', 'coronet.map.memory.mb=256', '-D', 'coronet.reduce.memory.mb=256']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Date.now() - t0 < 45_000, 'finished before the straggler would have');
    const counts = parseCounts(readOutput(out));
    let total = 0;
    for (const v of counts.values()) total += v;
    assert.equal(total, 500);
  });

  test('a node that keeps failing the job\'s tasks is blacklisted for the job; the job succeeds', async () => {
    const input = join(dir, 'lines.txt');
    const out = join(dir, 'blacklist-out');
    // Maps take 300 ms on the good node, so the broken one (failing at once) takes more
    // than the three tasks that blacklist it, however the grants fall.
    const mod = brokenNodeJob(dir, 'badnode.mjs', join(dir, 'broken-node'), 'await new Promise((r) => setTimeout(r, 300));');
    const r = coronet(cluster, ['run', mod, '--input', input, '--output', out, '--json', '-D', 'coronet.split.minsize=256', '-D', 'coronet.split.maxsize=400', '-D', 'coronet.map.memory.mb=256', '-D', 'coronet.reduce.memory.mb=256']);
    assert.equal(r.status, 0, r.stderr);
    const st = JSON.parse(r.stdout.trim().split('\n').pop()!) as { blacklistedNodes: string[]; tasks: Array<{ attempts: Array<{ node: string; state: string }> }> };
    const broken = readFileSync(join(dir, 'broken-node'), 'utf8');
    const failedThere = new Set(st.tasks.flatMap((t) => t.attempts.filter((a) => a.node === broken && a.state === 'failed').map(() => t)));
    assert.ok(failedThere.size >= 3, `${broken} failed ${failedThere.size} tasks`);
    assert.deepEqual(st.blacklistedNodes, [broken]);
    assert.equal(parseCounts(readOutput(out)).get('line-0'), 14);
  });

  test('a task that fails on the one node left off the blacklist is retried there (its request never excludes every node)', async () => {
    const input = join(dir, 'lines.txt');
    const out = join(dir, 'lastnode-out');
    // The broken node is blacklisted after three tasks. Once it has failed three, two tasks
    // fail their first attempt on the good node (two: three would blacklist it instead), so
    // their retries may only run on the node they failed on. Maps take 300 ms on the good
    // node, so the broken one fails its three early.
    const more = `await new Promise((r) => setTimeout(r, 300));
    const dir = marker.slice(0, marker.lastIndexOf('/'));
    const failedPrefix = marker.slice(dir.length + 1) + '.failed-';
    if (readdirSync(dir).filter((f) => f.startsWith(failedPrefix)).length < 3) return;
    try { writeFileSync(marker + '.good-' + ctx.taskId, '', { flag: 'wx' }); } catch { return; }
    for (const slot of [1, 2]) {
      try { writeFileSync(marker + '.slot-' + slot, ctx.taskId, { flag: 'wx' }); } catch { continue; }
      throw new Error('first attempt on the good node fails');
    }`;
    const mod = brokenNodeJob(dir, 'lastnode.mjs', join(dir, 'lastnode-broken'), more);
    const r = coronet(cluster, ['run', mod, '--input', input, '--output', out, '--json', '-D', 'coronet.split.minsize=256', '-D', 'coronet.split.maxsize=400', '-D', 'coronet.map.memory.mb=256', '-D', 'coronet.reduce.memory.mb=256']);
    assert.equal(r.status, 0, r.stderr);
    const st = JSON.parse(r.stdout.trim().split('\n').pop()!) as { blacklistedNodes: string[]; tasks: Array<{ id: string; attempts: Array<{ node: string; state: string }> }> };
    const broken = readFileSync(join(dir, 'lastnode-broken'), 'utf8');
    assert.deepEqual(st.blacklistedNodes, [broken]);
    const good = (t: (typeof st.tasks)[number]) => t.attempts.filter((a) => a.node !== broken);
    const retriedOnLastNode = st.tasks.filter((t) => t.id.startsWith('m-') && good(t).length >= 2 && good(t)[0].state === 'failed' && good(t).at(-1)!.state === 'succeeded');
    assert.ok(retriedOnLastNode.length > 0, 'some task failed on the good node and succeeded there on a later attempt');
    assert.equal(parseCounts(readOutput(out)).get('line-0'), 14);
  });

  test('remote job tracker: --detach prints the job id, job attach follows it to the end', async () => {
    const out = join(dir, 'remote-out');
    const d = coronet(cluster, ['run', 'wordcount', '--input', join(dir, 'in'), '--output', out, '--detach', ...smallSplits]);
    assert.equal(d.status, 0, d.stderr);
    const jobId = d.stdout.trim();
    assert.match(jobId, /^job_\d{14}_[0-9a-f]{6}$/);
    const sessions = await getJson<{ sessions: Array<{ tags: Record<string, string>; state: string }> }>(`http://${cluster.httpAddress}/api/v1/sessions`);
    assert.equal(sessions.sessions.find((s) => s.tags.jobId === jobId)?.tags.mode, 'remote');
    const a = coronet(cluster, ['job', 'attach', jobId]);
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stderr, /succeeded/);
    assert.ok(parseCounts(readOutput(out)).size > 5);
    const s = coronet(cluster, ['job', 'status', jobId, '--json']);
    assert.equal(JSON.parse(s.stdout).state, 'succeeded');
    const h = coronet(cluster, ['history', '--json']);
    assert.ok((JSON.parse(h.stdout) as Array<{ jobId: string }>).some((j) => j.jobId === jobId));
    // Container logs of the job's attempts, fetched from the agents.
    const logs = coronet(cluster, ['job', 'logs', jobId, '--task', 'm-00000']);
    assert.equal(logs.status, 0, logs.stderr);
    assert.match(logs.stdout, /^==> node-\d c-\S+ \(m-00000_\d\) stderr <==/m);
    const counters = coronet(cluster, ['job', 'counters', jobId, '--json']);
    assert.ok(JSON.parse(counters.stdout).mapreduce.MAP_INPUT_RECORDS > 0);
  });

  test('a corrupted map output is caught by its checksum at the fetch; the map runs again and the job is right', async () => {
    const input = join(dir, 'corrupt-in.txt');
    writeFileSync(input, Array.from({ length: 4000 }, (_, i) => `k${i % 30} z${i % 4}`).join('\n') + '\n');
    const release = join(dir, 'corrupt-release');
    const mod = jobModule(
      dir,
      'held-last-map.mjs',
      `import { existsSync } from 'node:fs';
export default defineJob({ input: textInput(), codecs: { key: utf8, value: number }, reducers: 1,
  map(_k, line, ctx) { for (const t of line.split(' ')) ctx.emit(t, 1); },
  // Map 0 waits for the test; the others finish (and are corrupted meanwhile).
  async mapCleanup(ctx) { if (ctx.taskId === 'm-00000') while (!existsSync(ctx.config.release)) await new Promise((r) => setTimeout(r, 100)); },
  reduce(k, vs, ctx) { let n = 0; for (const v of vs) n += v; ctx.emit(k, n); } });`,
    );
    const out = join(dir, 'corrupt-out');
    const job = coronetAsync(cluster, ['run', mod, '--input', input, '--output', out, '-D', `release=${release}`, '-D', 'coronet.reduce.slowstart=1', '-D', 'coronet.speculative=false', '-D', 'coronet.split.minsize=4096', '-D', 'coronet.split.maxsize=12000', '-D', 'coronet.map.memory.mb=256', '-D', 'coronet.reduce.memory.mb=256']);
    // Flip bytes in the middle of every finished map's output file on the nodes.
    const jobId = await eventually('the job to run', async () => (await getJson<{ jobs: Array<{ jobId: string; name: string }> }>(`http://${cluster.httpAddress}/api/v1/jobs`)).jobs.find((j) => j.name === 'held-last-map.mjs')?.jobId, 60_000);
    const corrupted = await eventually('finished map outputs', async () => {
      const st = await getJson<{ tasks?: Array<{ id: string; state: string; attempts: Array<{ id: string; state: string; node: string }> }> }>(`http://${cluster.httpAddress}/api/v1/jobs/${jobId}`);
      const done = (st.tasks ?? []).filter((t) => t.id !== 'm-00000' && t.id.startsWith('m-') && t.state === 'succeeded').map((t) => t.attempts.find((a) => a.state === 'succeeded')!);
      if (done.length < 2) return null;
      return done.map((a) => join(cluster.baseDir, a.node, 'mapoutput', jobId, a.id, 'file.out'));
    }, 60_000);
    for (const f of corrupted) {
      const b = readFileSync(f);
      for (let i = Math.floor(b.length / 3); i < Math.floor(b.length / 3) + 64 && i < b.length; i++) b[i] ^= 0xa5;
      writeFileSync(f, b);
    }
    writeFileSync(release, '');
    const r = await job;
    assert.equal(r.status, 0, r.stderr);
    const counts = parseCounts(readOutput(out));
    assert.equal(counts.get('k0'), Math.ceil(4000 / 30));
    assert.equal(counts.get('z0'), 1000);
    const h = await getJson<{ tasks: Array<{ id: string; attempts: Array<{ state: string; diagnostics: string }> }> }>(`http://${cluster.httpAddress}/api/v1/history/${jobId}`);
    const rerun = h.tasks.filter((t) => t.attempts.some((a) => /output lost/.test(a.diagnostics)));
    assert.ok(rerun.length >= 1, JSON.stringify(h.tasks.map((t) => [t.id, t.attempts.map((a) => a.state + ' ' + a.diagnostics.slice(0, 80))])));
    assert.match(JSON.stringify(rerun[0].attempts), /checksum|CRC|corrupt/i);
  });

  test('binary junk as input: text jobs count its tokens, a jsonl job fails naming the file and offset, no output appears', async () => {
    const junk = join(dir, 'junk.bin');
    const bytes = Buffer.alloc(200_000);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    writeFileSync(junk, bytes);
    const wc = await coronetAsync(cluster, ['run', 'wordcount', '--input', junk, '--output', join(dir, 'junk-wc'), ...smallSplits]);
    assert.equal(wc.status, 0, wc.stderr);
    const total = [...parseCounts(readOutput(join(dir, 'junk-wc'))).values()].reduce((a, b) => a + b, 0);
    assert.ok(total > 100, `tokens counted: ${total}`);
    const mod = join(dir, 'jsonl-job.mjs');
    writeFileSync(mod, `import { defineJob, utf8, number, jsonlInput } from ${JSON.stringify(mapreduceModule)};
export default defineJob({ input: jsonlInput(), codecs: { key: utf8, value: number }, reducers: 1,
  map(_k, v, ctx) { ctx.emit(String(v), 1); }, reduce(k, vs, ctx) { ctx.emit(k, 1); } });\n`);
    const out = join(dir, 'junk-jsonl');
    const bad = await coronetAsync(cluster, ['run', mod, '--input', junk, '--output', out, '-D', 'coronet.task.maxattempts=1', ...smallSplits]);
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stderr, /junk\.bin at byte offset \d+/);
    assert.ok(!existsSync(out) || readdirSync(out).every((n) => !n.startsWith('part-') && n !== '_SUCCESS'), `output appeared: ${existsSync(out) ? readdirSync(out).join(',') : ''}`);
  });

  test('bad submissions end with one clear line and exit 2; the cluster keeps running', () => {
    const missing = coronet(cluster, ['run', 'wordcount', '--input', join(dir, 'nope'), '--output', join(dir, 'x1')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope.*(does not exist|not found)/);
    const exists = coronet(cluster, ['run', 'wordcount', '--input', join(dir, 'lines.txt'), '--output', join(dir, 'wc-out')]);
    assert.equal(exists.status, 2);
    assert.match(exists.stderr, /wc-out.*exists/);
    writeFileSync(join(dir, 'broken.mjs'), 'export default {{{');
    const broken = coronet(cluster, ['run', join(dir, 'broken.mjs'), '--input', join(dir, 'lines.txt'), '--output', join(dir, 'x2')]);
    assert.equal(broken.status, 2);
    writeFileSync(join(dir, 'nojob.mjs'), 'export const x = 1;');
    const nojob = coronet(cluster, ['run', join(dir, 'nojob.mjs'), '--input', join(dir, 'lines.txt'), '--output', join(dir, 'x3')]);
    assert.equal(nojob.status, 2);
    assert.match(nojob.stderr, /no job|default export/);
    for (const r of [missing, exists, broken, nojob]) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    const nodes = coronet(cluster, ['nodes', '--json']);
    assert.equal((JSON.parse(nodes.stdout) as unknown[]).length, 2);
  });
});

describe('MapReduce with a node lost mid-job', () => {
  let cluster: LocalCluster;
  let dir: string;
  clusterPerSuite({ nodes: 3, memoryMbPerNode: 4096, vcoresPerNode: 2 }, 'coronet-mr-lost-', (c, d) => ((cluster = c), (dir = d)));

  /** A wordcount whose maps linger `mapMs` after their input, so the job is still running when a node dies. */
  const slowCount = (name: string, mapMs: number): string =>
    jobModule(
      dir,
      name,
      `export default defineJob({ input: textInput({ decode: 'latin1' }), codecs: { key: utf8, value: number }, reducers: 2,
  map(_k, line, ctx) { for (const t of line.split(/[ \\t\\n\\v\\f\\r]+/)) if (t) ctx.emit(Buffer.from(t, 'latin1').toString('utf8'), 1); },
  async mapCleanup() { await new Promise((r) => setTimeout(r, ${mapMs})); },
  reduce(k, vs, ctx) { let n = 0; for (const v of vs) n += v; ctx.emit(k, n); } });`,
    );

  /** The id of the cluster's running job once `maps` of its maps succeeded; throws if `run` ends first. */
  const mapsDone = async (run: Promise<CliRun>, maps: number): Promise<string> => {
    let exited = '';
    void run.then((x) => (exited = `the job ended early: exit ${x.status}: ${x.stderr}`));
    return eventually('some maps done', async (): Promise<string | null> => {
      if (exited) throw new Error(exited);
      const jobs = await getJson<{ jobs: Array<{ jobId: string }> }>(`http://${cluster.httpAddress}/api/v1/jobs`);
      if (!jobs.jobs.length) return null;
      const st = await getJson<{ maps: { succeeded: number } }>(`http://${cluster.httpAddress}/api/v1/jobs/${jobs.jobs[0].jobId}`);
      return st.maps && st.maps.succeeded >= maps ? jobs.jobs[0].jobId : null;
    }, 60_000);
  };

  const assertCounts = (out: string, texts: string[]): void => {
    const got = parseCounts(readOutput(out));
    const want = countTokens(texts);
    assert.equal(got.size, want.size);
    for (const [k, v] of want) assert.equal(got.get(k), v, `count of ${k}`);
  };

  test('a node agent SIGKILLed mid-job: the job still finishes with correct output', async () => {
    const { texts } = corpus(dir);
    const out = join(dir, 'out');
    const run = coronetAsync(cluster, ['run', slowCount('slowcount.mjs', 400), '--input', join(dir, 'in'), '--output', out, ...smallSplits]);
    await mapsDone(run, 3);
    cluster.agents[2].process.kill('SIGKILL');
    const r = await run;
    assert.equal(r.status, 0, r.stderr);
    assertCounts(out, texts);
  });

  // The job tracker's channel to the dead agent is still backing off from refused
  // connections when the agent comes back on the same address and the CM grants there
  // at once: launches must wait for the channel, not fail the job.
  test('a node agent SIGKILLed and restarted on the same ports mid-job: new runners start on it, output correct', async () => {
    const { texts } = corpus(dir);
    const out = join(dir, 'out-restarted');
    const splits = [...smallSplits, '-D', 'coronet.split.minsize=8192', '-D', 'coronet.split.maxsize=16384'];
    const run = coronetAsync(cluster, ['run', slowCount('slowercount.mjs', 1500), '--input', join(dir, 'in'), '--output', out, ...splits]);
    const victim = cluster.agents[1];
    const jobId = await mapsDone(run, 2);
    await killAgent(cluster, victim);
    const restartedAt = Date.now();
    await cluster.addAgent(victim.name, { samePorts: true });
    const r = await run;
    assert.equal(r.status, 0, r.stderr);
    assertCounts(out, texts);
    const h = await getJson<{ tasks: Array<{ attempts: Array<{ node: string; state: string; startMs: number }> }> }>(`http://${cluster.httpAddress}/api/v1/history/${jobId}`);
    const onRestarted = h.tasks.flatMap((t) => t.attempts).filter((a) => a.node === victim.name && a.startMs >= restartedAt && a.state === 'succeeded');
    assert.ok(onRestarted.length > 0, 'some attempt ran on the restarted agent');
  });
});

describe('MapReduce on a 1-node cluster', () => {
  let cluster: LocalCluster;
  let dir: string;
  clusterPerSuite({ nodes: 1, memoryMbPerNode: 2048, vcoresPerNode: 2 }, 'coronet-mr1-', (c, d) => ((cluster = c), (dir = d)));

  test('a failed attempt is retried on the only node (its request does not exclude it)', () => {
    const input = join(dir, 'lines.txt');
    writeFileSync(input, Array.from({ length: 200 }, (_, i) => `line-${i % 10}`).join('\n') + '\n');
    const mod = jobModule(
      dir,
      'fails-once.mjs',
      `import { writeFileSync } from 'node:fs';
export default defineJob({ input: textInput(), codecs: { key: utf8, value: number }, reducers: 1,
  mapSetup(ctx) {
    try { writeFileSync(${JSON.stringify(join(dir, 'failed-'))} + ctx.taskId, '', { flag: 'wx' }); } catch { return; }
    throw new Error('first attempt fails');
  },
  map(_k, line, ctx) { ctx.emit(line, 1); },
  reduce(k, vs, ctx) { let n = 0; for (const v of vs) n += v; ctx.emit(k, n); } });`,
    );
    const out = join(dir, 'out');
    const r = coronet(cluster, ['run', mod, '--input', input, '--output', out, '--json', '-D', 'coronet.map.memory.mb=256', '-D', 'coronet.reduce.memory.mb=256']);
    assert.equal(r.status, 0, r.stderr);
    const st = JSON.parse(r.stdout.trim().split('\n').pop()!) as { tasks: Array<{ id: string; attempts: Array<{ state: string }> }> };
    const map = st.tasks.find((t) => t.id === 'm-00000')!;
    assert.deepEqual(map.attempts.map((a) => a.state), ['failed', 'succeeded']);
    assert.equal(parseCounts(readOutput(out)).get('line-0'), 20);
  });
});

describe('MapReduce on a 2-node cluster that loses a node for good', () => {
  let cluster: LocalCluster;
  let dir: string;
  clusterPerSuite({ nodes: 2, memoryMbPerNode: 4096, vcoresPerNode: 3 }, 'coronet-mr-lost-', (c, d) => ((cluster = c), (dir = d)));

  test('a task failing on the last node alive is retried there (the lost node is not a place to go)', { timeout: 180_000 }, async () => {
    const input = join(dir, 'lines.txt');
    writeFileSync(input, Array.from({ length: 500 }, (_, i) => `line-${i % 37}`).join('\n') + '\n');
    const lost = join(dir, 'lost');
    // Before the node is lost maps linger, so the job is still running then; after, each
    // task fails its first attempt on the surviving node once.
    const mod = jobModule(
      dir,
      'after-loss.mjs',
      `import { existsSync, writeFileSync } from 'node:fs';
const lost = ${JSON.stringify(lost)};
export default defineJob({ input: textInput(), codecs: { key: utf8, value: number }, reducers: 1,
  async mapSetup(ctx) {
    if (!existsSync(lost)) { await new Promise((r) => setTimeout(r, 1500)); return; }
    try { writeFileSync(lost + '-' + ctx.taskId, '', { flag: 'wx' }); } catch { return; }
    throw new Error('first attempt after the loss fails');
  },
  map(_k, line, ctx) { ctx.emit(line, 1); },
  reduce(k, vs, ctx) { let n = 0; for (const v of vs) n += v; ctx.emit(k, n); } });`,
    );
    const out = join(dir, 'out');
    const run = coronetAsync(cluster, ['run', mod, '--input', input, '--output', out, '-D', 'coronet.split.minsize=256', '-D', 'coronet.split.maxsize=400', '-D', 'coronet.map.memory.mb=256', '-D', 'coronet.reduce.memory.mb=256', '-D', 'coronet.speculative=false']);
    const victim = cluster.agents[1];
    await eventually('the job running on both nodes', async () => {
      const { nodes } = await getJson<{ nodes: Array<{ runningContainers: number }> }>(`http://${cluster.httpAddress}/api/v1/nodes`);
      return nodes.length === 2 && nodes.every((n) => n.runningContainers > 0);
    });
    await killAgent(cluster, victim);
    writeFileSync(lost, '');
    const r = await run;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(parseCounts(readOutput(out)).get('line-0'), 14);
  });
});
