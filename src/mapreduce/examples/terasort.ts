// terasort: total-order sort of 100-byte TeraSort records by their 10-byte key.
// `prepare` samples keys from the beginning of evenly spaced splits and picks
// reducers-1 cut points; the partitioner sends a key to the range it falls in, so the
// concatenated part-r files are globally sorted.
//   -D terasort.samples=N (default 100000)  -D terasort.sampleSplits=M (default 10)

import { raw } from '../codecs.js';
import { fixedInput } from '../formats.js';
import { defineJob } from '../job.js';
import { teraKeyBytes, teraRecordBytes } from './tera.js';

export const cutsConfigKey = 'terasort.cuts';

/** Byte order of two short keys (a JS loop beats a native call for 10 bytes). */
function compareKeys(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export default defineJob({
  name: 'terasort',
  input: fixedInput(teraRecordBytes, teraKeyBytes),
  output: 'raw',
  codecs: { key: raw, value: raw, outputKey: raw, outputValue: raw },
  async prepare(ctx) {
    if (ctx.partitions <= 1 || ctx.splits.length === 0) return { [cutsConfigKey]: '' };
    const wanted = Number(ctx.config['terasort.samples'] ?? 100_000);
    const splitCount = Math.min(ctx.splits.length, Number(ctx.config['terasort.sampleSplits'] ?? 10));
    const step = ctx.splits.length / splitCount;
    const perSplit = Math.max(1, Math.ceil(wanted / splitCount));
    // Keys as latin1 strings: their default sort (UTF-16 code units, one per byte) is byte
    // order, at less than half the cost of sorting Buffers with Buffer.compare.
    const samples: string[] = [];
    for (let i = 0; i < splitCount; i++) {
      let n = 0;
      await ctx.readRecords(ctx.splits[Math.floor(i * step)], (key) => {
        samples.push(key.toString('latin1'));
        return ++n < perSplit;
      });
    }
    samples.sort();
    const cuts: string[] = [];
    for (let r = 1; r < ctx.partitions; r++) {
      const s = samples[Math.min(samples.length - 1, Math.floor((r * samples.length) / ctx.partitions))];
      cuts.push(s === undefined ? '' : Buffer.from(s, 'latin1').toString('hex'));
    }
    return { [cutsConfigKey]: cuts.join(',') };
  },
  partition({ config, partitions }) {
    const text = config[cutsConfigKey] ?? '';
    const cuts = text === '' ? [] : text.split(',').map((h) => Buffer.from(h, 'hex'));
    if (cuts.length !== partitions - 1) return () => 0;
    // Partition = number of cut points <= key.
    return (key) => {
      let lo = 0;
      let hi = cuts.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareKeys(cuts[mid], key) <= 0) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
  },
  map(key, value, ctx) {
    ctx.emit(key, value);
  },
});
