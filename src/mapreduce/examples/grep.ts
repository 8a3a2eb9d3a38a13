// grep: counts the matches of a regular expression, output `match\tcount`.
//   -D grep.pattern=REGEX   (required)   -D grep.flags=i   (optional regex flags)

import { number, utf8 } from '../codecs.js';
import { JobDefinitionError } from '../errors.js';
import { textInput } from '../formats.js';
import { defineJob } from '../job.js';

function sum(values: Iterable<number>): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

export default defineJob({
  name: 'grep',
  input: textInput(),
  codecs: { key: utf8, value: number, outputKey: utf8, outputValue: number },
  mapSetup(ctx) {
    const pattern = ctx.config['grep.pattern'];
    if (pattern === undefined || pattern === '') throw new JobDefinitionError('grep needs -D grep.pattern=REGEX');
    const flags = (ctx.config['grep.flags'] ?? '').replace(/g/g, '');
    let re: RegExp;
    try {
      re = new RegExp(pattern, `${flags}g`);
    } catch (e) {
      throw new JobDefinitionError(`grep.pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(e as Error).message}`);
    }
    return { re, counts: new Map<string, number>() };
  },
  map(_offset, line, _ctx, state) {
    for (const m of line.matchAll(state.re)) {
      if (m[0].length === 0) continue;
      state.counts.set(m[0], (state.counts.get(m[0]) ?? 0) + 1);
    }
  },
  mapCleanup(ctx, state) {
    for (const [match, n] of state.counts) ctx.emit(match, n);
    ctx.counter('grep', 'distinct matches in maps').increment(state.counts.size);
  },
  combine(match, counts, ctx) {
    ctx.emit(match, sum(counts));
  },
  reduce(match, counts, ctx) {
    const n = sum(counts);
    ctx.counter('grep', 'matches').increment(n);
    ctx.emit(match, n);
  },
});
