// Counters: built-in task counters and user counters, grouped, mergeable, JSON-able so
// task runners can ship them to the job tracker.

export interface Counter {
  increment(n?: number): void;
  readonly value: number;
}

export type CountersJson = Record<string, Record<string, number>>;

/** Group of the built-in counters. */
export const TASK_COUNTER_GROUP = 'mapreduce';

/** Names of the built-in counters (group `mapreduce`). */
export const TaskCounter = {
  MAP_INPUT_RECORDS: 'MAP_INPUT_RECORDS',
  MAP_INPUT_BYTES: 'MAP_INPUT_BYTES',
  MAP_OUTPUT_RECORDS: 'MAP_OUTPUT_RECORDS',
  MAP_OUTPUT_BYTES: 'MAP_OUTPUT_BYTES',
  MAP_OUTPUT_MATERIALIZED_BYTES: 'MAP_OUTPUT_MATERIALIZED_BYTES',
  SPILLED_RECORDS: 'SPILLED_RECORDS',
  SPILLS: 'SPILLS',
  COMBINE_INPUT_RECORDS: 'COMBINE_INPUT_RECORDS',
  COMBINE_OUTPUT_RECORDS: 'COMBINE_OUTPUT_RECORDS',
  MERGE_PASSES: 'MERGE_PASSES',
  REDUCE_SHUFFLE_BYTES: 'REDUCE_SHUFFLE_BYTES',
  REDUCE_INPUT_GROUPS: 'REDUCE_INPUT_GROUPS',
  REDUCE_INPUT_RECORDS: 'REDUCE_INPUT_RECORDS',
  REDUCE_OUTPUT_RECORDS: 'REDUCE_OUTPUT_RECORDS',
  OUTPUT_RECORDS: 'OUTPUT_RECORDS',
  OUTPUT_BYTES: 'OUTPUT_BYTES',
  CPU_MILLISECONDS: 'CPU_MILLISECONDS',
  GC_TIME_MILLIS: 'GC_TIME_MILLIS',
} as const;
export type TaskCounterName = (typeof TaskCounter)[keyof typeof TaskCounter];

class CounterCell implements Counter {
  value = 0;
  increment(n = 1): void {
    this.value += n;
  }
}

export class Counters {
  private readonly groups = new Map<string, Map<string, CounterCell>>();

  counter(group: string, name: string): Counter {
    let g = this.groups.get(group);
    if (g === undefined) {
      g = new Map();
      this.groups.set(group, g);
    }
    let c = g.get(name);
    if (c === undefined) {
      c = new CounterCell();
      g.set(name, c);
    }
    return c;
  }

  add(group: string, name: string, n: number): void {
    this.counter(group, name).increment(n);
  }

  /** Adds to a built-in counter. */
  task(name: TaskCounterName, n: number): void {
    this.add(TASK_COUNTER_GROUP, name, n);
  }

  get(group: string, name: string): number {
    return this.groups.get(group)?.get(name)?.value ?? 0;
  }

  /** Value of a built-in counter. */
  taskValue(name: TaskCounterName): number {
    return this.get(TASK_COUNTER_GROUP, name);
  }

  merge(other: Counters | CountersJson): this {
    if (other instanceof Counters) {
      for (const [group, names] of other.groups) for (const [name, c] of names) this.add(group, name, c.value);
      return this;
    }
    for (const group in other) {
      if (!Object.hasOwn(other, group)) continue;
      const names = other[group];
      for (const name in names) if (Object.hasOwn(names, name)) this.add(group, name, names[name]);
    }
    return this;
  }

  toJSON(): CountersJson {
    const out: CountersJson = {};
    for (const [group, names] of [...this.groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const g: Record<string, number> = {};
      for (const [name, c] of [...names].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) g[name] = c.value;
      out[group] = g;
    }
    return out;
  }

  static fromJSON(json: CountersJson): Counters {
    return new Counters().merge(json);
  }
}
