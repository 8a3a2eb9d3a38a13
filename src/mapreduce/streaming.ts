// Streaming: a built-in job whose mapper, reducer and combiner are any executables
// reading and writing `key\tvalue` lines (as Hadoop Streaming). Run with
//   coronet streaming --mapper CMD --reducer CMD [--combiner CMD] --input ... --output ...
//
// The mapper gets each input line on stdin; the reducer gets `key\tvalue` lines sorted
// by key (all values of a key together). A line without a tab is a key with an empty
// value. Bytes pass through unchanged (lines are carried as latin1, one char per byte).
// The combiner runs on the mapper's sorted output inside the map task
// (`mapper | sort | combiner`), which is what a combiner may do: run on any subset of a
// key's values, any number of times.

import { spawn, type ChildProcess } from 'node:child_process';
import { latin1 } from './codecs.js';
import { textInput } from './formats.js';
import { defineJob, type EmitContext } from './job.js';

interface Child {
  proc: ChildProcess;
  done: Promise<void>;
  stderrTail: string[];
}

const stderrTailLines = 20;

function startCommand(role: string, command: string, emit: (k: string, v: string) => void): Child {
  const proc = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  const stderrTail: string[] = [];
  let carry = '';
  proc.stdout!.setEncoding('latin1');
  proc.stdout!.on('data', (chunk: string) => {
    const text = carry + chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      emitLine(text.slice(start, nl), emit);
      start = nl + 1;
    }
    carry = text.slice(start);
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => {
    stderrTail.push(...chunk.split('\n').filter(Boolean));
    if (stderrTail.length > stderrTailLines) stderrTail.splice(0, stderrTail.length - stderrTailLines);
    process.stderr.write(chunk);
  });
  // A child that exits early closes stdin: writes then fail with EPIPE, reported on exit.
  proc.stdin!.on('error', () => undefined);
  const done = new Promise<void>((resolve, reject) => {
    proc.once('error', (err) => reject(new Error(`streaming ${role} "${command}" could not start: ${err.message}`)));
    proc.once('close', (code, signal) => {
      if (carry) emitLine(carry, emit);
      carry = '';
      if (code === 0) resolve();
      else reject(new Error(`streaming ${role} "${command}" ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${stderrTail.length ? `; its stderr ended with:\n${stderrTail.join('\n')}` : ''}`));
    });
  });
  done.catch(() => undefined);
  return { proc, done, stderrTail };
}

function emitLine(line: string, emit: (k: string, v: string) => void): void {
  if (line.endsWith('\r')) line = line.slice(0, -1);
  const tab = line.indexOf('\t');
  if (tab < 0) emit(line, '');
  else emit(line.slice(0, tab), line.slice(tab + 1));
}

async function write(child: Child, text: string): Promise<void> {
  const stdin = child.proc.stdin!;
  if (stdin.destroyed) return;
  if (!stdin.write(text, 'latin1')) await new Promise<void>((resolve) => {
    stdin.once('drain', resolve);
    stdin.once('close', resolve);
  });
}

async function finish(child: Child): Promise<void> {
  child.proc.stdin!.end();
  await child.done;
}

function command(config: Readonly<Record<string, string>>, key: string, role: string): string {
  const c = config[key];
  if (!c) throw new Error(`streaming job needs -D ${key}=COMMAND (the ${role})`);
  return c;
}

/** Writes the reducer's input: `key\tvalue` per value. */
async function feedGroup(child: Child, key: string, values: Iterable<string>): Promise<void> {
  let batch = '';
  for (const v of values) {
    batch += `${key}\t${v}\n`;
    if (batch.length > 1 << 16) {
      await write(child, batch);
      batch = '';
    }
  }
  if (batch) await write(child, batch);
}

export default defineJob({
  name: 'streaming',
  input: textInput({ decode: 'latin1' }),
  codecs: { key: latin1, value: latin1, outputKey: latin1, outputValue: latin1 },
  mapSetup(ctx) {
    const mapper = command(ctx.config, 'streaming.mapper', 'mapper');
    const combiner = ctx.partitions > 0 ? ctx.config['streaming.combiner'] : undefined;
    const pipeline = combiner ? `${mapper} | sort | ${combiner}` : mapper;
    return { child: startCommand('mapper', pipeline, (k, v) => ctx.emit(k, v)), pending: '' };
  },
  async map(_offset, line, _ctx, state) {
    state.pending += line + '\n';
    if (state.pending.length >= 1 << 16) {
      const text = state.pending;
      state.pending = '';
      await write(state.child, text);
    }
  },
  async mapCleanup(_ctx, state) {
    if (state.pending) await write(state.child, state.pending);
    await finish(state.child);
  },
  reduceSetup(ctx: EmitContext<string, string>) {
    const reducer = ctx.config['streaming.reducer'];
    return reducer ? startCommand('reducer', reducer, (k, v) => ctx.emit(k, v)) : null;
  },
  async reduce(key, values, ctx, child) {
    if (child === null) {
      for (const v of values) ctx.emit(key, v);
      return;
    }
    await feedGroup(child, key, values);
  },
  async reduceCleanup(_ctx, child) {
    if (child) await finish(child);
  },
});
