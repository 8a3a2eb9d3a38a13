// The pools' recent past, for the web UI's live charts: a ring buffer of samples taken
// in the CM process every few seconds (granted, fair share, min share and demand per
// pool, as vcores and memory). Bounded in samples and in pools per sample.

import type { PoolInfo } from '../scheduler/types.js';

export interface PoolPoint {
  vcores: number;
  memoryMb: number;
}

export interface PoolSampleEntry {
  granted: PoolPoint;
  fairShare: PoolPoint;
  minShare: PoolPoint;
  demand: PoolPoint;
  starving: boolean;
}

export interface PoolSample {
  /** Wall-clock ms when the sample was taken. */
  t: number;
  /** Sequence number, strictly increasing; clients use it to append without duplicates. */
  seq: number;
  pools: Record<string, PoolSampleEntry>;
}

export interface PoolHistoryOptions {
  /** Where the samples come from (the CM's pool views). */
  pools: () => PoolInfo[];
  now?: () => number;
  sampleIntervalMs?: number;
  /** How far back the buffer reaches. */
  windowMs?: number;
  /** Pools kept per sample: the busiest (by demand, then granted) when there are more. */
  poolsPerSampleMax?: number;
}

export const poolSampleIntervalMsDefault = 3_000;
export const poolHistoryWindowMsDefault = 15 * 60_000;
export const poolsPerSampleMaxDefault = 200;

const point = (r: { vcores: number; memoryMb: number }): PoolPoint => ({ vcores: r.vcores, memoryMb: r.memoryMb });

export class PoolHistory {
  readonly sampleIntervalMs: number;
  readonly windowMs: number;
  private readonly capacity: number;
  private readonly ring: Array<PoolSample | undefined>;
  /** Index the next sample goes to. */
  private head = 0;
  private size = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly poolsPerSampleMax: number;

  constructor(private readonly o: PoolHistoryOptions) {
    this.sampleIntervalMs = o.sampleIntervalMs ?? poolSampleIntervalMsDefault;
    this.windowMs = o.windowMs ?? poolHistoryWindowMsDefault;
    this.capacity = Math.max(1, Math.ceil(this.windowMs / this.sampleIntervalMs));
    this.ring = new Array<PoolSample | undefined>(this.capacity);
    this.now = o.now ?? Date.now;
    this.poolsPerSampleMax = o.poolsPerSampleMax ?? poolsPerSampleMaxDefault;
  }

  start(): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.sampleIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample now (the timer calls this; tests may too). */
  sample(): PoolSample {
    let infos = this.o.pools();
    if (infos.length > this.poolsPerSampleMax) {
      infos = [...infos].sort((a, b) => b.demand.vcores - a.demand.vcores || b.granted.vcores - a.granted.vcores || a.name.localeCompare(b.name)).slice(0, this.poolsPerSampleMax);
    }
    const pools: Record<string, PoolSampleEntry> = {};
    for (const p of infos) {
      pools[p.name] = { granted: point(p.granted), fairShare: point(p.fairShare), minShare: point(p.minShare), demand: point(p.demand), starving: p.starvingSinceMs !== null };
    }
    const s: PoolSample = { t: this.now(), seq: ++this.seq, pools };
    this.ring[this.head] = s;
    this.head = (this.head + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
    return s;
  }

  /** Samples oldest first, optionally only those after sequence number `afterSeq`. */
  samples(afterSeq = 0): PoolSample[] {
    const out: PoolSample[] = [];
    for (let i = 0; i < this.size; i++) {
      const s = this.ring[(this.head - this.size + i + this.capacity) % this.capacity]!;
      if (s.seq > afterSeq) out.push(s);
    }
    return out;
  }

  latest(): PoolSample | undefined {
    return this.size === 0 ? undefined : this.ring[(this.head - 1 + this.capacity) % this.capacity];
  }
}
