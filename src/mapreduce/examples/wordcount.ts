// wordcount: counts tokens separated by ASCII whitespace (space, \t, \n, \v, \f, \r),
// case-sensitive and byte-exact; output `token\tcount`.
//
// Lines arrive as Buffers; the map counts their tokens in a ByteCountTable (in-mapper
// combining without a string per token) and emits (token, count) when the table holds
// `wordcount.mapEntries` distinct tokens and at the end of the split. Tokens travel as
// latin1 strings (one char per byte) so any bytes, valid UTF-8 or not, come out exactly
// as they went in. The combiner and the reducer sum.

import { ByteCountTable } from '../bytecount.js';
import { latin1, number } from '../codecs.js';
import { textInput } from '../formats.js';
import { defineJob } from '../job.js';

const defaultMapEntries = 500_000;

function sum(counts: Iterable<number>): number {
  let s = 0;
  for (const n of counts) s += n;
  return s;
}

export default defineJob({
  name: 'wordcount',
  input: textInput({ decode: 'buffer' }),
  codecs: { key: latin1, value: number, outputKey: latin1, outputValue: number },
  mapSetup(ctx) {
    return { table: new ByteCountTable(1 << 16), limit: Number(ctx.config['wordcount.mapEntries'] ?? defaultMapEntries) };
  },
  map(_offset, line, ctx, state) {
    state.table.addTokens(line);
    if (state.table.size >= state.limit) {
      state.table.forEachLatin1(ctx.emit);
      state.table.clear();
    }
  },
  mapCleanup(ctx, state) {
    state.table.forEachLatin1(ctx.emit);
    state.table.clear();
  },
  combine(token, counts, ctx) {
    ctx.emit(token, sum(counts));
  },
  reduce(token, counts, ctx) {
    ctx.emit(token, sum(counts));
  },
});
