// The job API: `defineJob({...})` turns a user's map/combine/reduce functions, formats
// and codecs into a Job value that runMapTask / runReduceTask / runJobLocally execute.
// Types flow end to end: the input spec fixes the map's (key, value) types, the codecs
// fix the map output (and reduce input) types, the output codecs the reduce output types.

import { codecByName, type Codec } from './codecs.js';
import type { Counter } from './counters.js';
import { JobDefinitionError } from './errors.js';
import { parseInputSpec, parseOutputSpec, type InputKey, type InputSpec, type InputValue, type OutputFormat, type OutputSpec } from './formats.js';
import type { InputSplit } from './splits.js';

/** Job configuration: job defaults overlaid with `-D key=value` and `prepare()` results. */
export type JobConfig = Readonly<Record<string, string>>;

export interface TaskContext {
  readonly config: JobConfig;
  readonly jobId: string;
  readonly taskId: string;
  readonly attemptId: string;
  /** Number of reduce partitions (0 for a map-only job). */
  readonly partitions: number;
  /** A user counter; `ctx.counter('my group', 'lines').increment()`. */
  counter(group: string, name: string): Counter;
}

export interface EmitContext<K, V> extends TaskContext {
  /** Emits one record. Synchronous: the record is encoded (copied) before it returns. */
  emit(key: K, value: V): void;
}
export interface MapContext<K, V> extends EmitContext<K, V> {
  readonly split: InputSplit;
}
export type CombineContext<K, V> = EmitContext<K, V>;
export interface ReduceContext<K, V> extends EmitContext<K, V> {
  readonly partition: number;
}

/** Given to `prepare`, which runs once before any map (in the job tracker / local runner). */
export interface PrepareContext<I extends InputSpec> {
  readonly config: JobConfig;
  readonly partitions: number;
  readonly splits: readonly InputSplit[];
  readonly input: I;
  /** Reads records of one split in order; stop early by returning false from `onRecord`. */
  readRecords(split: InputSplit, onRecord: (key: InputKey<I>, value: InputValue<I>) => boolean | void): Promise<void>;
}

/** Builds the partition function of a task (once per task, so it can pre-compute from config). */
export type PartitionerFactory<K> = (ctx: { readonly config: JobConfig; readonly partitions: number }) => (key: K) => number;

type MaybePromise<T> = T | Promise<T>;

export interface JobSpec<I extends InputSpec, K2, V2, K3, V3, MS, RS> {
  /** Shown in logs and history. */
  readonly name?: string;
  /** Input format; a function of the config when it depends on `-D` values (e.g. teragen rows). */
  readonly input: I | string | ((config: JobConfig) => I);
  readonly output?: OutputFormat | OutputSpec;
  readonly codecs: {
    /** Map output / reduce input key. The sort compares its encoded bytes unless `compare` is given. */
    readonly key: Codec<K2>;
    readonly value: Codec<V2>;
    /** Reduce (or map-only) output rendering; default: strings as UTF-8, numbers in decimal, Buffers raw. */
    readonly outputKey?: Codec<K3>;
    readonly outputValue?: Codec<V3>;
  };
  /** Default configuration, overridden by `-D key=value`. */
  readonly config?: Readonly<Record<string, string>>;
  /** Default number of reducers when the submitter does not say. */
  readonly reducers?: number;

  prepare?(ctx: PrepareContext<I>): MaybePromise<Record<string, string> | void>;

  mapSetup?(ctx: MapContext<K2, V2>): MaybePromise<MS>;
  map(key: InputKey<I>, value: InputValue<I>, ctx: MapContext<K2, V2>, state: MS): MaybePromise<void>;
  mapCleanup?(ctx: MapContext<K2, V2>, state: MS): MaybePromise<void>;

  /** Runs on sorted map output before it is spilled / merged. Must be synchronous and emit
   *  records of the map output types; it may run zero, one or several times per key. */
  combine?(key: K2, values: Iterable<V2>, ctx: CombineContext<K2, V2>): void;

  reduceSetup?(ctx: ReduceContext<K3, V3>): MaybePromise<RS>;
  /** `values` is consumed lazily from the merge; iterate it at most once. Omitted: identity. */
  reduce?(key: K2, values: Iterable<V2>, ctx: ReduceContext<K3, V3>, state: RS): MaybePromise<void>;
  reduceCleanup?(ctx: ReduceContext<K3, V3>, state: RS): MaybePromise<void>;

  partition?: PartitionerFactory<K2>;
  /** Key order for sort and grouping on decoded keys; slower than the default memcmp of encoded keys. */
  compare?(a: K2, b: K2): number;
}

export const JOB_BRAND: unique symbol = Symbol.for('coronet.mapreduce.job') as never;

export interface Job<I extends InputSpec = InputSpec, K2 = unknown, V2 = unknown, K3 = unknown, V3 = unknown, MS = unknown, RS = unknown>
  extends JobSpec<I, K2, V2, K3, V3, MS, RS> {
  readonly [JOB_BRAND]: true;
}

/** A job of any types, as the runners see it. */
export type AnyJob = Job<any, any, any, any, any, any, any>;

export function defineJob<I extends InputSpec, K2, V2, K3 = K2, V3 = V2, MS = undefined, RS = undefined>(
  spec: JobSpec<I, K2, V2, K3, V3, MS, RS>,
): Job<I, K2, V2, K3, V3, MS, RS> {
  validateJobSpec(spec as unknown as Record<string, unknown>);
  const codecs = spec.codecs as unknown as Record<string, Codec<unknown> | string | undefined>;
  const resolved: Record<string, Codec<unknown>> = {};
  for (const [k, c] of Object.entries(codecs)) if (c !== undefined) resolved[k] = typeof c === 'string' ? codecByName(c) : c;
  return Object.freeze({ ...spec, codecs: Object.freeze(resolved), [JOB_BRAND]: true as const }) as unknown as Job<I, K2, V2, K3, V3, MS, RS>;
}

export function isJob(x: unknown): x is AnyJob {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[JOB_BRAND] === true;
}

function validateJobSpec(spec: Record<string, unknown>): void {
  if (typeof spec !== 'object' || spec === null) throw new JobDefinitionError('job definition must be an object');
  if (typeof spec.map !== 'function') throw new JobDefinitionError('job has no map function');
  for (const f of ['combine', 'reduce', 'partition', 'compare', 'prepare', 'mapSetup', 'mapCleanup', 'reduceSetup', 'reduceCleanup']) {
    if (spec[f] !== undefined && typeof spec[f] !== 'function') throw new JobDefinitionError(`job field ${f} must be a function`);
  }
  const codecs = spec.codecs as Record<string, unknown> | undefined;
  if (typeof codecs !== 'object' || codecs === null || codecs.key === undefined || codecs.value === undefined) {
    throw new JobDefinitionError('job needs codecs: { key, value } for its map output');
  }
  if (spec.input === undefined) throw new JobDefinitionError('job has no input format');
  if (typeof spec.input !== 'function') parseInputSpec(spec.input as InputSpec | string);
  parseOutputSpec(spec.output as OutputSpec | undefined);
  if (spec.reducers !== undefined && !(Number.isInteger(spec.reducers) && (spec.reducers as number) >= 0)) {
    throw new JobDefinitionError(`job reducers must be a non-negative integer, got ${String(spec.reducers)}`);
  }
}

/** The input spec of a job under a configuration. */
export function jobInput(job: AnyJob, config: JobConfig): InputSpec {
  const input = typeof job.input === 'function' ? (job.input as (c: JobConfig) => InputSpec)(config) : job.input;
  return parseInputSpec(input as InputSpec | string);
}

export function jobOutput(job: AnyJob): OutputSpec {
  return parseOutputSpec(job.output);
}

/** Job defaults overlaid with the given values (`-D`). */
export function jobConfig(job: AnyJob, overrides: Readonly<Record<string, string>> = {}): JobConfig {
  return Object.freeze({ ...(job.config ?? {}), ...overrides });
}

/** Parses `key=value` strings as given to `-D`. */
export function parseConfigArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0) throw new JobDefinitionError(`bad -D argument ${JSON.stringify(a)}: expected key=value`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

export function assertPartition(p: number, partitions: number): void {
  // The job's own partition function: its mistake, said as such (not an assertion of ours).
  if (!(Number.isInteger(p) && p >= 0 && p < partitions)) throw new Error(`partitioner returned ${p}, expected an integer in [0, ${partitions})`);
}

/** The id of map task `index` ("m-00003") and of the reduce of `partition` ("r-00000"). */
export function mapTaskId(index: number): string {
  return `m-${String(index).padStart(5, '0')}`;
}
export function reduceTaskId(partition: number): string {
  return `r-${String(partition).padStart(5, '0')}`;
}
