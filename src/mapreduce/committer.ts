// Output committer (file output, Hadoop FileOutputCommitter algorithm v1 shape):
//
//   OUT/_temporary/<attemptId>/            an attempt writes here (holds a `.attempt` marker)
//   OUT/_temporary/_committed/<taskId>/     task commit = rename of the attempt directory;
//                                          rename onto an existing non-empty directory fails,
//                                          so the first attempt to commit wins
//   OUT/part-*                              job commit moves committed files up,
//   OUT/_SUCCESS                            removes _temporary, then writes _SUCCESS last.
//
// Exactly one attempt's output per task can ever become visible in OUT, and it stays so
// through a crash of the machine: part files are on disk before their task commits
// (OutputSink.close), and each rename and _SUCCESS are made durable (FileSystem.sync)
// before the next step, so a _SUCCESS that survives a crash lies over complete output.

import { assert } from '../common/errors.js';
import { join } from 'node:path';
import { JobCommitError, OutputExistsError, TaskCommitRefusedError } from './errors.js';
import type { FileSystem, OutputSink } from './fs.js';

export const temporaryDirName = '_temporary';
export const committedDirName = '_committed';
export const successFileName = '_SUCCESS';
const attemptMarkerName = '.attempt';

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `part-r-00003` / `part-m-00012`. */
export function partFileName(kind: 'm' | 'r', index: number): string {
  assert(Number.isInteger(index) && index >= 0, `bad task index ${index}`);
  return `part-${kind}-${String(index).padStart(5, '0')}`;
}

export class FileOutputCommitter {
  readonly tempDir: string;
  readonly committedDir: string;

  constructor(
    readonly fs: FileSystem,
    readonly outputDir: string,
  ) {
    this.tempDir = join(outputDir, temporaryDirName);
    this.committedDir = join(this.tempDir, committedDirName);
  }

  /** Before the job starts: refuses an output directory that exists with content. */
  async setupJob(): Promise<void> {
    const st = await this.fs.stat(this.outputDir);
    if (st !== null) {
      if (!st.isDirectory) throw new OutputExistsError(this.outputDir);
      const entries = await this.fs.list(this.outputDir);
      if (entries.some((e) => e.name !== temporaryDirName)) throw new OutputExistsError(this.outputDir);
    }
    await this.fs.mkdirs(this.committedDir);
  }

  attemptDir(attemptId: string): string {
    assert(idPattern.test(attemptId), `bad attempt id ${attemptId}`);
    return join(this.tempDir, attemptId);
  }

  /** Creates the attempt directory (idempotent). */
  async setupTask(attemptId: string): Promise<string> {
    const dir = this.attemptDir(attemptId);
    await this.fs.mkdirs(dir);
    const marker = join(dir, attemptMarkerName);
    if ((await this.fs.stat(marker)) === null) await this.fs.writeFile(marker, attemptId);
    return dir;
  }

  /** Opens an output file of an attempt (e.g. `part-r-00000`). */
  async createTaskFile(attemptId: string, fileName: string): Promise<OutputSink> {
    const dir = await this.setupTask(attemptId);
    return this.fs.create(join(dir, fileName));
  }

  /** Makes the attempt's output the task's output. Throws TaskCommitRefusedError when another
   *  attempt of the task already committed (or the job was committed). */
  async commitTask(taskId: string, attemptId: string): Promise<void> {
    assert(idPattern.test(taskId), `bad task id ${taskId}`);
    const src = this.attemptDir(attemptId);
    if ((await this.fs.stat(join(src, attemptMarkerName))) === null) {
      throw new TaskCommitRefusedError(taskId, attemptId, 'the attempt directory does not exist (never set up, aborted, or job already committed)');
    }
    if ((await this.fs.stat(join(this.outputDir, successFileName))) !== null) {
      throw new TaskCommitRefusedError(taskId, attemptId, 'the job is already committed');
    }
    const ok = await this.fs.rename(src, join(this.committedDir, taskId));
    if (!ok) throw new TaskCommitRefusedError(taskId, attemptId, 'another attempt of this task already committed');
    await this.fs.sync(this.committedDir);
  }

  /** Discards an attempt's output (failed, killed or losing speculative attempt). */
  async abortTask(attemptId: string): Promise<void> {
    await this.fs.delete(this.attemptDir(attemptId), true);
  }

  /** Tasks that have committed so far. */
  async committedTasks(): Promise<string[]> {
    if ((await this.fs.stat(this.committedDir)) === null) return [];
    return (await this.fs.list(this.committedDir)).filter((e) => e.isDirectory).map((e) => e.name);
  }

  /** Publishes committed tasks' files in the output directory, removes `_temporary`, then
   *  writes `_SUCCESS`. With `expectedTasks` (recommended), refuses unless each of them
   *  committed and publishes exactly those; without, publishes every committed task. */
  async commitJob(expectedTasks?: readonly string[]): Promise<void> {
    const committed = await this.committedTasks();
    if (expectedTasks !== undefined) {
      const have = new Set(committed);
      const missing = expectedTasks.filter((t) => !have.has(t));
      if (missing.length > 0) throw new JobCommitError(`job commit refused: tasks without committed output: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`);
    }
    // Only the expected tasks are published: committed output left by an earlier, crashed
    // run of a job into the same directory must not leak into this one.
    const publish = expectedTasks ?? committed;
    for (const task of publish) {
      const dir = join(this.committedDir, task);
      for (const f of await this.fs.list(dir)) {
        if (f.name === attemptMarkerName) continue;
        const ok = await this.fs.rename(f.path, join(this.outputDir, f.name));
        if (!ok) throw new JobCommitError(`job commit: ${f.name} of task ${task} collides with an existing file in ${this.outputDir}`);
      }
    }
    await this.fs.sync(this.outputDir);
    await this.fs.delete(this.tempDir, true);
    const success = join(this.outputDir, successFileName);
    await this.fs.writeFile(success, '');
    await this.fs.sync(success);
    await this.fs.sync(this.outputDir);
  }

  /** Removes all temporary output (failed or killed job); published files are left alone. */
  async abortJob(): Promise<void> {
    await this.fs.delete(this.tempDir, true);
  }
}
