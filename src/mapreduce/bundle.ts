// Job modules: a user's .ts/.js file is bundled with esbuild into ONE .mjs that can be
// shipped to nodes and imported there by the task runner.
//
// Coronet's own modules are not copied into the bundle (as Hadoop's jars stay on the
// cluster's classpath, out of the job jar): an import of a file of Coronet's compiled
// tree (or of a `coronet` package under node_modules) becomes a small shim that takes
// the module from the Coronet that loads the job (`loadJob` registers it). A task
// runner thus runs the job's input format, codecs and helpers with the code it already
// has loaded and warmed up (src/jobtracker/runner-warmup.ts); a copy in every bundle
// started cold in every job (a 1 MiB wordcount map: 43-70 ms instead of 26). Nodes
// must run the Coronet version the client bundled against (a missing module or export
// fails the load with a message naming it). A job the shims cannot serve (CommonJS
// that require()s Coronet: a shim needs top-level await) is bundled whole, as before.
//
// Bundles are cached (bundle-cache.ts): a job module whose files are unchanged since its
// last bundle is copied from the cache, without starting esbuild (its service process
// costs a `coronet run` 30-40 ms).

import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Metafile, Plugin } from 'esbuild';
import { cachedBundle, cacheBundle } from './bundle-cache.js';
import { JobBundleError, JobDefinitionError, JobExportError, JobLoadError, errorText } from './errors.js';
import { defineJob, isJob, type AnyJob, type JobSpec } from './job.js';

/** Module path each job was loaded from (lets runners hand the job to other threads/processes). */
const modulePaths = new WeakMap<object, string>();

/** The file `loadJob` loaded this job from, if it was loaded that way. */
export function jobModulePath(job: AnyJob): string | undefined {
  return modulePaths.get(job);
}

export const exampleJobNames = ['wordcount', 'grep', 'teragen', 'terasort', 'teravalidate', 'streaming'] as const;
export type ExampleJobName = (typeof exampleJobNames)[number];

/** Path of a built-in example job module (`wordcount` → …/mapreduce/examples/wordcount.js). */
export function exampleJobPath(name: ExampleJobName | string): string {
  if (!(exampleJobNames as readonly string[]).includes(name)) throw new JobLoadError(name, `no such example; examples: ${exampleJobNames.join(', ')}`);
  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./examples/${name}${ext}`, import.meta.url));
}

/** An example name or a path to a job module → the module's absolute path. */
export function resolveJobModule(nameOrPath: string): string {
  if ((exampleJobNames as readonly string[]).includes(nameOrPath) && !existsSync(nameOrPath)) return exampleJobPath(nameOrPath);
  const p = resolve(nameOrPath);
  if (!existsSync(p)) throw new JobLoadError(nameOrPath, 'file not found');
  return p;
}

/** Root of this Coronet's module tree (dist/ when compiled, src/ under a TS loader). */
const libRoot = dirname(dirname(fileURLToPath(import.meta.url)));
/** The extension of this tree's modules. */
const libExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
/** Where a shim finds the loading Coronet's `import(module)`: set by loadJob. */
const runtimeKey = 'coronet.runtime';
/** A module name a shim may ask for: a path inside the tree, no extension, no `..`. */
const libModuleName = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_.-]+)*$/;

/** `file` → its module name ("mapreduce/bytecount") if it is a module of a Coronet tree. */
function coronetModuleName(file: string): string | null {
  let rel: string | null = null;
  if (file.startsWith(libRoot + sep)) rel = relative(libRoot, file);
  else {
    const m = /[\\/]node_modules[\\/]coronet[\\/](?:dist|src)[\\/](.+)$/.exec(file);
    if (m) rel = m[1];
  }
  if (rel === null) return null;
  const name = rel.split(sep).join('/').replace(/\.(?:js|mjs|ts|mts)$/, '');
  return libModuleName.test(name) ? name : null;
}

/** The esbuild plugin that turns imports of Coronet's modules into shims (see the top). */
function coronetShims(entry: string): Plugin {
  return {
    name: 'coronet-runtime',
    setup(build) {
      build.onLoad({ filter: /\.(?:js|mjs|ts|mts)$/ }, async (args) => {
        if (args.path === entry) return undefined;
        const name = coronetModuleName(args.path);
        if (name === null) return undefined;
        // The export names, from the same module of the Coronet doing the bundling.
        const names = Object.keys((await import(pathToFileURL(args.path).href)) as object);
        const named = names.filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
        const lines = [
          `const coronet = globalThis[Symbol.for(${JSON.stringify(runtimeKey)})];`,
          `if (typeof coronet !== 'function') throw new Error('this job bundle takes Coronet\\'s modules from the Coronet that loads it: load it with loadJob()');`,
          `const m = await coronet(${JSON.stringify(name)}, ${JSON.stringify(names)});`,
          named.length ? `export const { ${named.join(', ')} } = m;` : '',
          names.includes('default') ? 'export default m.default;' : '',
        ];
        return { contents: lines.join('\n'), loader: 'js' };
      });
    },
  };
}

/** Registers, once per thread, how a bundle's shims import this Coronet's modules. */
function registerRuntime(): void {
  const g = globalThis as Record<symbol, unknown>;
  const key = Symbol.for(runtimeKey);
  if (g[key] !== undefined) return;
  g[key] = async (name: unknown, names: unknown): Promise<Record<string, unknown>> => {
    if (typeof name !== 'string' || !libModuleName.test(name)) throw new Error(`the job bundle asks for Coronet module ${String(name)}, which is not a module name`);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(join(libRoot, name + libExt)).href)) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`the job bundle imports Coronet module ${name}, which this node's Coronet (${libRoot}) does not load: ${errorText(e)}`, { cause: e });
    }
    const missing = Array.isArray(names) ? names.filter((n) => typeof n === 'string' && !(n in mod)) : [];
    if (missing.length) throw new Error(`the job bundle imports ${missing.join(', ')} from Coronet module ${name}, which this node's Coronet (${libRoot}) does not export: client and nodes run different Coronet versions`);
    return mod;
  };
}

/** Bundles the job module at `entry` (and everything it imports but Coronet's own
 *  modules) into `outFile` (ESM). */
export async function bundleJobModule(entry: string, outFile: string): Promise<void> {
  const absEntry = resolve(entry);
  if (cachedBundle(absEntry, outFile)) return;
  const esbuild = await import('esbuild');
  const build = (plugins: Plugin[]) =>
    esbuild.build({
      metafile: true,
      entryPoints: [absEntry],
      outfile: outFile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      sourcemap: 'inline',
      // The bundler itself never runs inside a task.
      external: ['esbuild'],
      // Lets bundled CommonJS dependencies call require() inside an ES module.
      banner: { js: "import { createRequire as __coronetCreateRequire } from 'node:module'; const require = __coronetCreateRequire(import.meta.url);" },
      plugins,
    });
  let metafile: Metafile | undefined;
  try {
    try {
      metafile = (await build([coronetShims(absEntry)])).metafile;
    } catch {
      // E.g. CommonJS that require()s Coronet; a job that does not compile fails again.
      metafile = (await build([])).metafile;
    }
    // (Input paths are relative to the working directory esbuild ran in.)
    if (metafile) cacheBundle(absEntry, outFile, Object.keys(metafile.inputs).map((f) => resolve(f)), esbuild.version);
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
    const detail =
      errors !== undefined && errors.length > 0
        ? errors
            .slice(0, 5)
            .map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text))
            .join('; ')
        : errorText(e);
    throw new JobBundleError(entry, detail, { cause: e });
  }
}

/** Imports a job module (a bundle, or a plain module) and returns its job: the default
 *  export, or a named export `job`. A plain object with a `map` function is accepted and
 *  validated as if passed to defineJob (codecs may then be given by name). */
export async function loadJob(modulePath: string): Promise<AnyJob> {
  const abs = resolve(modulePath);
  if (!existsSync(abs)) throw new JobLoadError(modulePath, 'file not found');
  registerRuntime();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    throw new JobLoadError(modulePath, errorText(e), { cause: e });
  }
  const candidate = mod.default !== undefined ? mod.default : mod.job;
  if (isJob(candidate)) {
    modulePaths.set(candidate, abs);
    return candidate;
  }
  if (typeof candidate === 'object' && candidate !== null && typeof (candidate as { map?: unknown }).map === 'function') {
    try {
      const job = defineJob(candidate as JobSpec<never, unknown, unknown, unknown, unknown, unknown, unknown>) as unknown as AnyJob;
      modulePaths.set(job, abs);
      return job;
    } catch (e) {
      if (e instanceof JobDefinitionError) throw new JobExportError(modulePath, e.message);
      throw e;
    }
  }
  const what = candidate === undefined ? 'no default export and no export named `job`' : `the default export is a ${typeof candidate}, not defineJob({...})`;
  throw new JobExportError(modulePath, what);
}
