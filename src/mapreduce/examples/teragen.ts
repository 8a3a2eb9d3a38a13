// teragen: a map-only job generating TeraSort input (see tera.ts for the layout).
//   -D teragen.rows=N (required)  -D teragen.maps=M (default 2)  -D teragen.ascii=true
// `coronet run teragen --output OUT -D teragen.rows=N` writes part-m-NNNNN files;
// `coronet teragen N OUT [--ascii]` is the same job.

import { raw } from '../codecs.js';
import { JobDefinitionError } from '../errors.js';
import { rangeInput } from '../formats.js';
import { defineJob, type JobConfig } from '../job.js';
import { teraKeyBytes, teraRecordBytes, writeTeraRecord } from './tera.js';

function rows(config: JobConfig): number {
  const n = Number(config['teragen.rows']);
  if (!Number.isSafeInteger(n) || n < 0) throw new JobDefinitionError(`teragen needs -D teragen.rows=N (a non-negative integer), got ${JSON.stringify(config['teragen.rows'])}`);
  return n;
}

export default defineJob({
  name: 'teragen',
  input: (config: JobConfig) => rangeInput(rows(config), Math.max(1, Number(config['teragen.maps'] ?? 2))),
  output: 'raw',
  reducers: 0,
  codecs: { key: raw, value: raw },
  mapSetup(ctx) {
    return { record: Buffer.allocUnsafe(teraRecordBytes), ascii: ctx.config['teragen.ascii'] === 'true' };
  },
  map(row, _value, ctx, state) {
    writeTeraRecord(row, state.ascii, state.record, 0);
    ctx.emit(state.record.subarray(0, teraKeyBytes), state.record.subarray(teraKeyBytes));
  },
});
