// The coronet package's public API for programs: the session-driver library (any
// framework) and the MapReduce job API. Job modules should import from
// 'coronet/mapreduce' so their bundle stays small.
export * from './session-driver/index.js';
export { defineJob, codecs, textInput, jsonlInput, fixedInput, type Job, type JobSpec, type MapContext, type ReduceContext, type CombineContext, type Codec } from './mapreduce/index.js';
export type { Resources } from './common/resources.js';
