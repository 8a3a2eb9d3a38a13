// Job modules: a user's .ts/.js file is bundled with esbuild into ONE self-contained .mjs
// that can be shipped to nodes and imported there by the task runner.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/** Bundles the job module at `entry` (and everything it imports) into `outFile` (ESM). */
export async function bundleJobModule(entry: string, outFile: string): Promise<void> {
  const esbuild = await import('esbuild');
  try {
    await esbuild.build({
      entryPoints: [entry],
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
    });
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
