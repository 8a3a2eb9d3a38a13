import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { bundleJobModule, exampleJobNames, exampleJobPath, loadJob } from './bundle.js';
import { cachedBundle } from './bundle-cache.js';
import { JobBundleError, JobExportError, JobLoadError } from './errors.js';
import { runJobLocally } from './local.js';
import { tempDir } from './test-helpers.js';

const jobApi = fileURLToPath(new URL('./index.js', import.meta.url));

void test('a TypeScript job module bundles into one .mjs that loads and runs', async () => {
  const t = await tempDir();
  try {
    const src = join(t.path, 'upper.ts');
    await writeFile(
      src,
      `import { defineJob, textInput, utf8, number } from ${JSON.stringify(jobApi)};
       const suffix: string = '!';
       export default defineJob({
         input: textInput(),
         codecs: { key: utf8, value: number },
         map(_k: number, line: string, ctx) { ctx.emit(line.toUpperCase() + (ctx.config['suffix'] ?? suffix), 1); },
         reduce(k, vs, ctx) { let s = 0; for (const v of vs) s += v; ctx.emit(k, s); },
       });`,
    );
    const out = join(t.path, 'job.mjs');
    await bundleJobModule(src, out);
    const bundled = await readFile(out, 'utf8');
    // The job's own code is in the bundle; Coronet's API is not copied in but taken from
    // the Coronet that loads it (the runner's warmed-up modules).
    assert.ok(bundled.includes('toUpperCase'), 'the job code is bundled');
    assert.ok(!bundled.includes('function defineJob'), 'the job API is not copied into the bundle');
    assert.ok(bundled.includes('"mapreduce/index"'), 'the bundle takes the job API from the loading Coronet');
    const job = await loadJob(out);
    await writeFile(join(t.path, 'in.txt'), 'a\nb\na\n');
    await runJobLocally(job, { inputs: [join(t.path, 'in.txt')], output: join(t.path, 'o'), config: { suffix: '?' } });
    assert.equal(await readFile(join(t.path, 'o', 'part-r-00000'), 'utf8'), 'A?\t2\nB?\t1\n');
  } finally {
    await t.cleanup();
  }
});

void test('a plain object default export with codec names is accepted', async () => {
  const t = await tempDir();
  try {
    const p = join(t.path, 'plain.mjs');
    await writeFile(p, `export default { input: 'text', codecs: { key: 'utf8', value: 'number' }, map(k, line, ctx) { ctx.emit(line, 1); } };`);
    const job = await loadJob(p);
    await writeFile(join(t.path, 'in.txt'), 'x\n');
    await runJobLocally(job, { inputs: [join(t.path, 'in.txt')], output: join(t.path, 'o') });
    assert.equal(await readFile(join(t.path, 'o', 'part-r-00000'), 'utf8'), 'x\t1\n');
  } finally {
    await t.cleanup();
  }
});

void test('clear errors: does not bundle, does not load, exports no job', async () => {
  const t = await tempDir();
  try {
    const bad = join(t.path, 'bad.ts');
    await writeFile(bad, 'export default {{{;');
    await assert.rejects(bundleJobModule(bad, join(t.path, 'bad.mjs')), (e: unknown) => e instanceof JobBundleError && e.code === 'JOB_BUNDLE_FAILED' && e.message.includes('bad.ts'));
    const throws = join(t.path, 'throws.mjs');
    await writeFile(throws, 'throw new Error("cannot start");');
    await assert.rejects(loadJob(throws), (e: unknown) => e instanceof JobLoadError && /does not load: cannot start/.test(e.message));
    await assert.rejects(loadJob(join(t.path, 'missing.mjs')), JobLoadError);
    const none = join(t.path, 'none.mjs');
    await writeFile(none, 'export const x = 1;');
    await assert.rejects(loadJob(none), (e: unknown) => e instanceof JobExportError && /exports no job/.test(e.message));
    const half = join(t.path, 'half.mjs');
    await writeFile(half, 'export default { map() {} };');
    await assert.rejects(loadJob(half), (e: unknown) => e instanceof JobExportError && /codecs/.test(e.message));
  } finally {
    await t.cleanup();
  }
});

void test('every example loads from the compiled tree and bundles', async () => {
  const t = await tempDir();
  try {
    for (const name of exampleJobNames) {
      const job = await loadJob(exampleJobPath(name));
      assert.equal(job.name, name);
      const out = join(t.path, `${name}.mjs`);
      await bundleJobModule(exampleJobPath(name), out);
      assert.equal((await loadJob(out)).name, name);
    }
  } finally {
    await t.cleanup();
  }
});

void test('bundle shims: CommonJS requiring the API is bundled whole; the runtime names what a node lacks', async () => {
  const t = await tempDir();
  try {
    const src = join(t.path, 'cjs-job.cjs');
    await writeFile(src, `const { defineJob, textInput, utf8, number } = require(${JSON.stringify(jobApi)});
      module.exports = defineJob({ input: textInput(), codecs: { key: utf8, value: number }, map(_k, line, ctx) { ctx.emit(line, 1); } });`);
    const out = join(t.path, 'cjs-job.mjs');
    await bundleJobModule(src, out);
    assert.ok((await readFile(out, 'utf8')).includes('function defineJob'), 'a CommonJS job carries its own copy of the API');
    await loadJob(out);
    const coronetImport = (globalThis as Record<symbol, unknown>)[Symbol.for('coronet.runtime')] as (name: unknown, names: unknown) => Promise<unknown>;
    assert.equal(typeof coronetImport, 'function', 'loadJob registered the runtime');
    await assert.rejects(coronetImport('mapreduce/no-such-module', []), /Coronet module mapreduce\/no-such-module.*does not load/);
    await assert.rejects(coronetImport('mapreduce/codecs', ['utf8', 'noSuchCodec']), /noSuchCodec from Coronet module mapreduce\/codecs.*different Coronet versions/);
    await assert.rejects(coronetImport('../../etc/passwd', []), /not a module name/);
  } finally {
    await t.cleanup();
  }
});

void test('a bundle is reused from the cache while its files are unchanged, and made again when one changes', async () => {
  const t = await tempDir();
  const before = process.env.CORONET_CACHE_DIR;
  process.env.CORONET_CACHE_DIR = join(t.path, 'cache');
  try {
    const helper = join(t.path, 'helper.ts');
    const src = join(t.path, 'job.ts');
    await writeFile(helper, `export const word: string = 'one';`);
    await writeFile(src, `import { defineJob, textInput, utf8 } from ${JSON.stringify(jobApi)};
       import { word } from './helper.js';
       export default defineJob({ input: textInput(), codecs: { key: utf8, value: utf8 }, map(_k: number, _l: string, ctx) { ctx.emit(word, word); } });`);
    await mkdir(join(t.path, 'a'));
    await mkdir(join(t.path, 'b'));
    await mkdir(join(t.path, 'c'));
    assert.equal(cachedBundle(src, join(t.path, 'a', 'job.mjs')), false, 'nothing cached yet');
    await bundleJobModule(src, join(t.path, 'a', 'job.mjs'));
    assert.equal(cachedBundle(src, join(t.path, 'b', 'job.mjs')), true, 'cached, with every input unchanged');
    assert.equal(await readFile(join(t.path, 'b', 'job.mjs'), 'utf8'), await readFile(join(t.path, 'a', 'job.mjs'), 'utf8'));
    assert.equal(cachedBundle(src, join(t.path, 'job.mjs')), false, 'not for a bundle elsewhere (its source map paths differ)');
    // An imported file changes: a miss, and the next bundle has the change.
    await writeFile(helper, `export const word: string = 'two';`);
    assert.equal(cachedBundle(src, join(t.path, 'c', 'job.mjs')), false, 'an input changed');
    await bundleJobModule(src, join(t.path, 'c', 'job.mjs'));
    assert.match(await readFile(join(t.path, 'c', 'job.mjs'), 'utf8'), /"two"/);
    // A corrupt entry is a miss, and bundling rewrites it.
    for (const f of await readdir(join(t.path, 'cache', 'bundles'))) if (f.endsWith('.json')) await writeFile(join(t.path, 'cache', 'bundles', f), '{not json');
    assert.equal(cachedBundle(src, join(t.path, 'c', 'job.mjs')), false);
    await bundleJobModule(src, join(t.path, 'c', 'job.mjs'));
    assert.equal(cachedBundle(src, join(t.path, 'b', 'job.mjs')), true);
    process.env.CORONET_CACHE_DIR = 'off';
    assert.equal(cachedBundle(src, join(t.path, 'b', 'job.mjs')), false, 'CORONET_CACHE_DIR=off: no cache');
  } finally {
    if (before === undefined) delete process.env.CORONET_CACHE_DIR;
    else process.env.CORONET_CACHE_DIR = before;
    await t.cleanup();
  }
});
