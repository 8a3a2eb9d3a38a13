// Job settings: defaults, overridable per job with -D key=value. Each is checked; a bad
// value is a UsageError naming the key.

import { UsageError } from '../common/errors.js';

export interface JobSettings {
  mapMemoryMb: number;
  reduceMemoryMb: number;
  taskVcores: number;
  jobTrackerMemoryMb: number;
  /** Attempts of a remote job tracker (the CM starts a new one when it dies). */
  jobTrackerMaxAttempts: number;
  /** Attempts per task before the job fails. */
  maxAttempts: number;
  /** Fraction of maps done before reduce containers are requested. */
  reduceSlowstart: number;
  speculative: boolean;
  /** A running attempt slower than this multiple of the median gets a speculative copy. */
  speculativeSlowdown: number;
  sortBufferMb: number | undefined;
  minSplitBytes: number | undefined;
  maxSplitBytes: number | undefined;
  /** Jobs with more maps than this run their JT in a container on the cluster. */
  remoteThreshold: number;
  fetchConcurrency: number;
  stagingDir: string;
  /** Tiny jobs run their tasks inside an in-process job tracker (YARN's "uber" jobs). */
  uber: boolean;
  uberMaxMaps: number;
  uberMaxBytes: number;
}

interface Key {
  name: string;
  field: keyof JobSettings;
  kind: 'int' | 'fraction' | 'bool' | 'string' | 'float';
  min?: number;
}

const keys: Key[] = [
  { name: 'coronet.map.memory.mb', field: 'mapMemoryMb', kind: 'int', min: 32 },
  { name: 'coronet.reduce.memory.mb', field: 'reduceMemoryMb', kind: 'int', min: 32 },
  { name: 'coronet.task.vcores', field: 'taskVcores', kind: 'int', min: 1 },
  { name: 'coronet.jobtracker.memory.mb', field: 'jobTrackerMemoryMb', kind: 'int', min: 64 },
  { name: 'coronet.jobtracker.maxattempts', field: 'jobTrackerMaxAttempts', kind: 'int', min: 1 },
  { name: 'coronet.task.maxattempts', field: 'maxAttempts', kind: 'int', min: 1 },
  { name: 'coronet.reduce.slowstart', field: 'reduceSlowstart', kind: 'fraction' },
  { name: 'coronet.speculative', field: 'speculative', kind: 'bool' },
  { name: 'coronet.speculative.slowdown', field: 'speculativeSlowdown', kind: 'float', min: 1 },
  { name: 'coronet.sort.buffer.mb', field: 'sortBufferMb', kind: 'int', min: 1 },
  { name: 'coronet.split.minsize', field: 'minSplitBytes', kind: 'int', min: 1 },
  { name: 'coronet.split.maxsize', field: 'maxSplitBytes', kind: 'int', min: 1 },
  { name: 'jobtracker.remote.threshold', field: 'remoteThreshold', kind: 'int', min: 0 },
  { name: 'coronet.shuffle.parallelcopies', field: 'fetchConcurrency', kind: 'int', min: 1 },
  { name: 'coronet.staging.dir', field: 'stagingDir', kind: 'string' },
  { name: 'coronet.uber.enable', field: 'uber', kind: 'bool' },
  { name: 'coronet.uber.maxmaps', field: 'uberMaxMaps', kind: 'int', min: 1 },
  { name: 'coronet.uber.maxbytes', field: 'uberMaxBytes', kind: 'int', min: 0 },
];

export function defaultJobSettings(): JobSettings {
  return {
    mapMemoryMb: 1024,
    reduceMemoryMb: 1024,
    taskVcores: 1,
    jobTrackerMemoryMb: 512,
    jobTrackerMaxAttempts: 2,
    maxAttempts: 4,
    reduceSlowstart: 0.5,
    speculative: true,
    speculativeSlowdown: 3,
    sortBufferMb: undefined,
    minSplitBytes: undefined,
    maxSplitBytes: undefined,
    remoteThreshold: 1000,
    fetchConcurrency: 5,
    stagingDir: '',
    uber: false,
    uberMaxMaps: 4,
    uberMaxBytes: 64 << 20,
  };
}

/** Applies the coronet.* / jobtracker.* keys of a -D map; other keys are the job's own. */
export function jobSettings(config: Record<string, string>): JobSettings {
  const s = defaultJobSettings();
  const out = s as unknown as Record<string, number | boolean | string | undefined>;
  for (const k of keys) {
    const v = config[k.name];
    if (v === undefined) continue;
    switch (k.kind) {
      case 'int': {
        const n = Number(v);
        if (!/^\d+$/.test(v) || (k.min !== undefined && n < k.min)) throw new UsageError(`-D ${k.name} must be a whole number${k.min !== undefined ? ` >= ${k.min}` : ''}, got "${v}"`);
        out[k.field] = n;
        break;
      }
      case 'float': {
        const n = Number(v);
        if (!Number.isFinite(n) || (k.min !== undefined && n < k.min)) throw new UsageError(`-D ${k.name} must be a number >= ${k.min}, got "${v}"`);
        out[k.field] = n;
        break;
      }
      case 'fraction': {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`-D ${k.name} must be a fraction from 0 to 1, got "${v}"`);
        out[k.field] = n;
        break;
      }
      case 'bool':
        if (v !== 'true' && v !== 'false') throw new UsageError(`-D ${k.name} must be true or false, got "${v}"`);
        out[k.field] = v === 'true';
        break;
      case 'string':
        out[k.field] = v;
        break;
    }
  }
  return s;
}
