// wordcount: counts tokens separated by ASCII whitespace (space, \t, \n, \v, \f, \r),
// case-sensitive and byte-exact (lines are read as latin1 strings, one char per byte, and
// written back the same way), output `token\tcount`.
//
// The map aggregates counts in a Map (in-mapper combining) and emits them when the
// Map holds `wordcount.mapEntries` tokens or at the end of the split; the combiner and
// the reducer sum.

import { latin1, number } from '../codecs.js';
import { textInput } from '../formats.js';
import { defineJob } from '../job.js';

const separators = /[ \t\n\v\f\r]+/;
const defaultMapEntries = 200_000;

function flush(counts: Map<string, number>, emit: (k: string, v: number) => void): void {
  for (const [token, n] of counts) emit(token, n);
  counts.clear();
}

export default defineJob({
  name: 'wordcount',
  input: textInput({ decode: 'latin1' }),
  codecs: { key: latin1, value: number, outputKey: latin1, outputValue: number },
  mapSetup(ctx) {
    return { counts: new Map<string, number>(), limit: Number(ctx.config['wordcount.mapEntries'] ?? defaultMapEntries) };
  },
  map(_offset, line, ctx, state) {
    const counts = state.counts;
    for (const token of line.split(separators)) {
      if (token.length === 0) continue;
      counts.set(token, (counts.get(token) ?? 0) + 1);
    }
    if (counts.size >= state.limit) flush(counts, ctx.emit);
  },
  mapCleanup(ctx, state) {
    flush(state.counts, ctx.emit);
  },
  combine(token, counts, ctx) {
    let sum = 0;
    for (const n of counts) sum += n;
    ctx.emit(token, sum);
  },
  reduce(token, counts, ctx) {
    let sum = 0;
    for (const n of counts) sum += n;
    ctx.emit(token, sum);
  },
});
