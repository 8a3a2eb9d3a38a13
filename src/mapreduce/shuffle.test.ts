import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { number, utf8 } from './codecs.js';
import { ChecksumError, MapOutputMissingError, ShuffleFetchError, taskErrorInfo } from './errors.js';
import { textInput } from './formats.js';
import { defineJob } from './job.js';
import { runMapTask } from './maptask.js';
import { runReduceTask, type ReduceSegment } from './reducetask.js';
import { ShuffleMemory, fetchMapOutputs, lostMapOutput, mapOutputDir, serveMapOutput } from './shuffle.js';
import { mapOutputFileName } from './sortbuffer.js';
import { computeSplits } from './splits.js';
import { tempDir } from './test-helpers.js';

const job = defineJob({
  input: textInput(),
  codecs: { key: utf8, value: number },
  map(_k, line, ctx) {
    for (const w of line.split(' ')) if (w !== '') ctx.emit(w, 1);
  },
  reduce(k, vs, ctx) {
    let s = 0;
    for (const v of vs) s += v;
    ctx.emit(k, s);
  },
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

/** Runs two maps of the job into baseDir/job1/<mapId>. */
async function makeMapOutputs(base: string, input: string, partitions: number): Promise<string[]> {
  await writeFile(input, 'a b c a\nb c d e\n'.repeat(200));
  const splits = await computeSplits([input], 'text', { maxSplitBytes: 1600, minSplitBytes: 1 });
  const ids: string[] = [];
  for (const split of splits) {
    const r = await runMapTask({ job, split, partitions, workDir: mapOutputDir(base, 'job1', `m-${split.index}`), taskId: `m-${split.index}` });
    ids.push(r.taskId);
  }
  return ids;
}

function rawGet(url: string, path: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

void test('serve + fetch map outputs: reduce over fetched segments gives the right counts', async () => {
  const t = await tempDir();
  const base = join(t.path, 'mapout');
  const { server, url } = await listen((req, res) => void serveMapOutput(req, res, base));
  try {
    const maps = await makeMapOutputs(base, join(t.path, 'in.txt'), 2);
    assert.ok(maps.length >= 2);
    const lines: string[] = [];
    for (let p = 0; p < 2; p++) {
      const f = await fetchMapOutputs({ sources: maps.map((mapId) => ({ mapId, jobId: 'job1', shuffleUrl: url })), partition: p, concurrency: 2 });
      assert.equal(f.segments.length, maps.length);
      const r = await runReduceTask({ job, partition: p, partitions: 2, segments: f.segments, workDir: join(t.path, 'work'), output: { outputUri: join(t.path, 'out'), attemptId: `r-${p}_0` } });
      assert.equal(r.counters.taskValue('REDUCE_SHUFFLE_BYTES'), f.bytes);
      lines.push(...(await readFile(r.outputFile, 'utf8')).trim().split('\n'));
    }
    assert.deepEqual(lines.sort(), ['a\t400', 'b\t400', 'c\t400', 'd\t200', 'e\t200']);
  } finally {
    await close(server);
    await t.cleanup();
  }
});

void test('path traversal and malformed requests are rejected; unknown map is 404 → MapOutputMissingError', async () => {
  const t = await tempDir();
  const base = join(t.path, 'mapout');
  const { server, url } = await listen((req, res) => void serveMapOutput(req, res, base));
  try {
    await makeMapOutputs(base, join(t.path, 'in.txt'), 1);
    assert.equal(await rawGet(url, '/mapoutput/job1/m-0/0'), 200);
    assert.equal(await rawGet(url, '/mapoutput/../../etc/0'), 400);
    assert.equal(await rawGet(url, '/mapoutput/job1/..%2F..%2Fetc/0'), 400);
    assert.equal(await rawGet(url, '/mapoutput/%2E%2E/m-0/0'), 400);
    assert.equal(await rawGet(url, '/mapoutput/job1/m-0/x'), 400);
    assert.equal(await rawGet(url, '/mapoutput/job1/m-0'), 400);
    assert.equal(await rawGet(url, '/mapoutput/job1/m-0/5'), 404);
    await assert.rejects(
      fetchMapOutputs({ sources: [{ mapId: 'm-9', jobId: 'job1', shuffleUrl: url }], partition: 0, backoffMs: 1 }),
      (e: unknown) => e instanceof MapOutputMissingError && e.mapId === 'm-9',
    );
  } finally {
    await close(server);
    await t.cleanup();
  }
});

void test('a corrupted map output is reported as ChecksumError naming the map (fetch and local read)', async () => {
  const t = await tempDir();
  const base = join(t.path, 'mapout');
  const { server, url } = await listen((req, res) => void serveMapOutput(req, res, base));
  try {
    const maps = await makeMapOutputs(base, join(t.path, 'in.txt'), 1);
    const victim = maps[1];
    const file = join(mapOutputDir(base, 'job1', victim), mapOutputFileName);
    const data = await readFile(file);
    data[data.length - 3] ^= 0x5a;
    await writeFile(file, data);
    await assert.rejects(
      fetchMapOutputs({ sources: maps.map((mapId) => ({ mapId, jobId: 'job1', shuffleUrl: url })), partition: 0, retries: 1, backoffMs: 1 }),
      (e: unknown) => e instanceof ChecksumError && e.mapId === victim && e.code === 'CHECKSUM_MISMATCH' && lostMapOutput(e) === victim && lostMapOutput(taskErrorInfo(e)) === victim,
    );
    // Reading the local file directly detects it too.
    const index = JSON.parse(await readFile(file + '.index', 'utf8')) as { partitions: { offset: number; length: number; records: number; crc32: number }[] };
    const e0 = index.partitions[0];
    await assert.rejects(
      runReduceTask({ job, partition: 0, partitions: 1, segments: [{ mapId: victim, path: file, ...e0 }], workDir: join(t.path, 'w'), output: { outputUri: join(t.path, 'out'), attemptId: 'r-0_0' } }),
      (e: unknown) => e instanceof ChecksumError && e.mapId === victim,
    );
  } finally {
    await close(server);
    await t.cleanup();
  }
});

void test('fetch retries transient failures with backoff, then gives up with ShuffleFetchError', async () => {
  const t = await tempDir();
  const base = join(t.path, 'mapout');
  let failuresLeft = 2;
  let requests = 0;
  const { server, url } = await listen((req, res) => {
    requests++;
    if (failuresLeft > 0) {
      failuresLeft--;
      res.writeHead(503).end('busy');
      return;
    }
    void serveMapOutput(req, res, base);
  });
  try {
    const maps = await makeMapOutputs(base, join(t.path, 'in.txt'), 1);
    const f = await fetchMapOutputs({ sources: [{ mapId: maps[0], jobId: 'job1', shuffleUrl: url }], partition: 0, retries: 3, backoffMs: 1 });
    assert.equal(f.segments.length, 1);
    assert.equal(requests, 3);
    failuresLeft = 100;
    await assert.rejects(
      fetchMapOutputs({ sources: [{ mapId: maps[0], jobId: 'job1', shuffleUrl: url }], partition: 0, retries: 2, backoffMs: 1 }),
      (e: unknown) => e instanceof ShuffleFetchError && e.attempts === 3 && e.mapId === maps[0],
    );
  } finally {
    await close(server);
    await t.cleanup();
  }
});

void test('fetched segments beyond the memory budget go to disk', async () => {
  const t = await tempDir();
  const base = join(t.path, 'mapout');
  const { server, url } = await listen((req, res) => void serveMapOutput(req, res, base));
  try {
    const maps = await makeMapOutputs(base, join(t.path, 'in.txt'), 1);
    const f = await fetchMapOutputs({ sources: maps.map((mapId) => ({ mapId, jobId: 'job1', shuffleUrl: url })), partition: 0, memoryBytes: 1, spillDir: t.path, concurrency: 1 });
    assert.ok(f.segments.every((s) => 'path' in s));
    const r = await runReduceTask({ job, partition: 0, partitions: 1, segments: f.segments, workDir: join(t.path, 'w'), output: { outputUri: join(t.path, 'out'), attemptId: 'r-0_0' } });
    assert.equal((await readFile(r.outputFile, 'utf8')).trim().split('\n').length, 5);
  } finally {
    await close(server);
    await t.cleanup();
  }
});

void test('ShuffleFetcher: outputs added as maps finish (slowstart) are all fetched', async () => {
  const t = await tempDir();
  const base = join(t.path, 'mapout');
  const { server, url } = await listen((req, res) => void serveMapOutput(req, res, base));
  try {
    const maps = await makeMapOutputs(base, join(t.path, 'in.txt'), 1);
    const { ShuffleFetcher } = await import('./shuffle.js');
    const f = new ShuffleFetcher({ partition: 0, concurrency: 2 });
    f.add(maps.slice(0, 1).map((mapId) => ({ mapId, jobId: 'job1', shuffleUrl: url })));
    assert.equal((await f.drained()).segments.length, 1);
    f.add(maps.slice(1).map((mapId) => ({ mapId, jobId: 'job1', shuffleUrl: url })));
    const all = await f.drained();
    f.close();
    assert.deepEqual(all.segments.map((s) => s.mapId).sort(), [...maps].sort());
    const r = await runReduceTask({ job, partition: 0, partitions: 1, segments: all.segments, workDir: join(t.path, 'w'), output: { outputUri: join(t.path, 'out'), attemptId: 'r-0_0' } });
    assert.deepEqual((await readFile(r.outputFile, 'utf8')).trim().split('\n'), ['a\t400', 'b\t400', 'c\t400', 'd\t200', 'e\t200']);
  } finally {
    await close(server);
    await t.cleanup();
  }
});

/** Two maps' outputs (1 partition) under a shuffle server that counts its requests. */
async function withServedMapOutputs(body: (f: { dir: string; base: string; url: string; maps: string[]; requests: () => number }) => Promise<void>): Promise<void> {
  const t = await tempDir();
  const base = join(t.path, 'mapout');
  let requests = 0;
  const { server, url } = await listen((req, res) => {
    requests++;
    void serveMapOutput(req, res, base);
  });
  try {
    const maps = await makeMapOutputs(base, join(t.path, 'in.txt'), 1);
    await body({ dir: t.path, base, url, maps, requests: () => requests });
  } finally {
    await close(server);
    await t.cleanup();
  }
}

async function reduceOutput(segments: ReduceSegment[], dir: string, name: string): Promise<string[]> {
  const r = await runReduceTask({ job, partition: 0, partitions: 1, segments, workDir: join(dir, 'w'), output: { outputUri: join(dir, name), attemptId: 'r-0_0' } });
  return (await readFile(r.outputFile, 'utf8')).trim().split('\n');
}

async function corrupt(base: string, mapId: string, at: (length: number) => number): Promise<void> {
  const file = join(mapOutputDir(base, 'job1', mapId), mapOutputFileName);
  const data = await readFile(file);
  data[at(data.length)] ^= 0x5a;
  await writeFile(file, data);
}

const wordCounts = ['a\t400', 'b\t400', 'c\t400', 'd\t200', 'e\t200'];

void test('map outputs on the fetching node are read from their files, not over HTTP; over the budget they are merged in place', () =>
  withServedMapOutputs(async ({ dir, base, url, maps, requests }) => {
    const sources = maps.map((mapId) => ({ mapId, jobId: 'job1', shuffleUrl: url }));
    const local = { shuffleUrl: `${url}/`, baseDir: base };
    const inMemory = await fetchMapOutputs({ sources, partition: 0, local, spillDir: join(dir, 'spill') });
    assert.ok(inMemory.segments.every((s) => 'data' in s));
    const inPlace = await fetchMapOutputs({ sources, partition: 0, local, memoryBytes: 1, spillDir: join(dir, 'spill') });
    assert.ok(inPlace.segments.every((s) => 'path' in s && s.path === join(mapOutputDir(base, 'job1', s.mapId), mapOutputFileName)));
    assert.equal(requests(), 0);
    assert.deepEqual(await reduceOutput(inMemory.segments, dir, 'out-mem'), wordCounts);
    assert.deepEqual(await reduceOutput(inPlace.segments, dir, 'out-file'), wordCounts);
    // A map output that is not there (or not on this node's disk any more) is missing: re-run the map.
    await assert.rejects(
      fetchMapOutputs({ sources: [{ mapId: 'm-9', jobId: 'job1', shuffleUrl: url }], partition: 0, local }),
      (e: unknown) => e instanceof MapOutputMissingError && e.mapId === 'm-9',
    );
    assert.equal(requests(), 0);
  }));

void test('a corrupted local map output is a ChecksumError naming the map, whether loaded or merged in place', () =>
  withServedMapOutputs(async ({ dir, base, url, maps }) => {
    const victim = maps[0];
    await corrupt(base, victim, (n) => Math.floor(n / 2));
    const local = { shuffleUrl: url, baseDir: base };
    for (const memoryBytes of [1 << 20, 1]) {
      await assert.rejects(
        fetchMapOutputs({ sources: maps.map((mapId) => ({ mapId, jobId: 'job1', shuffleUrl: url })), partition: 0, local, memoryBytes, spillDir: dir }),
        (e: unknown) => e instanceof ChecksumError && e.mapId === victim && lostMapOutput(e) === victim,
      );
    }
  }));

void test('fetchers sharing one ShuffleMemory stay within it together; a failed fetch gives its share back', () =>
  withServedMapOutputs(async ({ dir, base, url, maps }) => {
    const sizes = await Promise.all(maps.map(async (m) => (JSON.parse(await readFile(join(mapOutputDir(base, 'job1', m), 'file.out.index'), 'utf8')) as { partitions: { length: number }[] }).partitions[0].length));
    const memory = new ShuffleMemory(sizes[0]);
    const first = await fetchMapOutputs({ sources: [{ mapId: maps[0], jobId: 'job1', shuffleUrl: url }], partition: 0, memory, spillDir: dir });
    assert.ok('data' in first.segments[0]);
    assert.equal(memory.usedBytes, sizes[0]);
    const second = await fetchMapOutputs({ sources: [{ mapId: maps[1], jobId: 'job1', shuffleUrl: url }], partition: 0, memory, spillDir: dir });
    assert.ok('path' in second.segments[0], 'the budget is used up by the first fetcher');
    // A segment that arrives corrupt (every retry) had its share reserved: it is given back.
    const roomy = new ShuffleMemory(1 << 20);
    await corrupt(base, maps[1], () => 1);
    await assert.rejects(fetchMapOutputs({ sources: [{ mapId: maps[1], jobId: 'job1', shuffleUrl: url }], partition: 0, memory: roomy, spillDir: dir, retries: 1, backoffMs: 1 }), ChecksumError);
    assert.equal(roomy.usedBytes, 0);
    memory.release(sizes[0]);
    assert.equal(memory.usedBytes, 0);
  }));
