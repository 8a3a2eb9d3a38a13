// streaming: Hadoop Streaming. The mapper and reducer are any shell commands reading
// and writing `key\tvalue` lines (a line without a tab is a key with an empty value).
//   -D stream.mapper='CMD'   (required)   -D stream.reducer='CMD'   (optional: identity)
//   -D stream.combiner='CMD' (optional: runs as `mapper | sort | combiner` in each map task)
// The mapper gets the input lines on stdin; its output lines are partitioned and sorted
// by key; the reducer gets `key\tvalue` lines sorted by key on stdin, one process per
// reduce task, and its output lines are the job output. Bytes pass through unchanged
// (latin1 strings inside). Commands run with `sh -c` in the task's working directory.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { latin1 } from '../codecs.js';
import { JobDefinitionError, StreamingCommandError } from '../errors.js';
import { textInput } from '../formats.js';
import { defineJob, type JobConfig } from '../job.js';

/** Lines are batched into writes of about this many chars. */
const writeBatchChars = 64 << 10;

class StreamProcess {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly exited: Promise<void>;
  private pending = '';

  constructor(
    readonly command: string,
    onLine: (line: string) => void,
  ) {
    this.child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'inherit'] });
    let carry = '';
    this.child.stdout.setEncoding('latin1');
    this.child.stdout.on('data', (chunk: string) => {
      const lines = (carry + chunk).split('\n');
      carry = lines.pop() as string;
      for (const l of lines) onLine(l.endsWith('\r') ? l.slice(0, -1) : l);
    });
    // EPIPE when the command exits without reading all input: its exit status reports it.
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise<void>((resolve, reject) => {
      this.child.on('error', (e) => reject(new StreamingCommandError(command, e.message)));
      this.child.on('close', (code, signal) => {
        if (carry !== '') onLine(carry);
        if (code === 0) resolve();
        else reject(new StreamingCommandError(command, signal !== null ? `killed by ${signal}` : `exit status ${code}`));
      });
    });
    this.exited.catch(() => undefined);
  }

  /** Queues a line; returns a promise when the pipe is full (wait for it). */
  writeLine(line: string): Promise<void> | undefined {
    this.pending += line + '\n';
    return this.pending.length >= writeBatchChars ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    const data = this.pending;
    this.pending = '';
    if (data === '' || this.child.stdin.destroyed) return;
    // A command may stop reading early (e.g. `head`): the write fails with EPIPE, and the
    // exit status decides whether the task failed.
    if (!this.child.stdin.write(data, 'latin1')) await Promise.race([once(this.child.stdin, 'drain').catch(() => undefined), this.exited.catch(() => undefined)]);
  }

  async finish(): Promise<void> {
    await this.flush();
    this.child.stdin.end();
    await this.exited;
  }
}

function splitLine(line: string): [string, string] {
  const tab = line.indexOf('\t');
  return tab < 0 ? [line, ''] : [line.slice(0, tab), line.slice(tab + 1)];
}

function command(config: JobConfig, key: string): string | undefined {
  const c = config[key];
  return c === undefined || c.trim() === '' ? undefined : c;
}

export default defineJob({
  name: 'streaming',
  input: textInput({ decode: 'latin1' }),
  codecs: { key: latin1, value: latin1, outputKey: latin1, outputValue: latin1 },
  mapSetup(ctx) {
    const mapper = command(ctx.config, 'stream.mapper');
    if (mapper === undefined) throw new JobDefinitionError('streaming needs -D stream.mapper=COMMAND');
    // A combiner runs on the mapper's sorted output inside the map task — what a
    // combiner may do: run on any subset of a key's values, any number of times.
    const combiner = ctx.partitions > 0 ? command(ctx.config, 'stream.combiner') : undefined;
    const cmd = combiner === undefined ? mapper : `${mapper} | LC_ALL=C sort | ${combiner}`;
    return new StreamProcess(cmd, (line) => {
      const [k, v] = splitLine(line);
      ctx.emit(k, v);
    });
  },
  map(_offset, line, _ctx, mapper) {
    return mapper.writeLine(line);
  },
  async mapCleanup(_ctx, mapper) {
    await mapper.finish();
  },
  reduceSetup(ctx) {
    const cmd = command(ctx.config, 'stream.reducer');
    if (cmd === undefined) return null;
    return new StreamProcess(cmd, (line) => {
      const tab = line.indexOf('\t');
      if (tab < 0) ctx.emit(line, null as unknown as string);
      else ctx.emit(line.slice(0, tab), line.slice(tab + 1));
    });
  },
  async reduce(key, values, ctx, reducer) {
    for (const v of values) {
      if (reducer === null) {
        ctx.emit(key, v);
        continue;
      }
      const wait = reducer.writeLine(`${key}\t${v}`);
      if (wait !== undefined) await wait;
    }
  },
  async reduceCleanup(_ctx, reducer) {
    if (reducer !== null) await reducer.finish();
  },
});
