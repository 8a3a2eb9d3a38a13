// The MapReduce data path: job API, input splits and readers, map-side sort/spill/merge,
// shuffle serving and fetching, reduce-side merge, output committer, local runner.
// This barrel is the module's public surface for the job tracker, the task runner and
// the node agent (which mounts serveMapOutput).

export * from './errors.js';
export { Counters, TaskCounter, TASK_COUNTER_GROUP, type Counter, type CountersJson, type TaskCounterName } from './counters.js';
export { codecs, codecByName, utf8, latin1, number, bigint, json, raw, writeDefaultText, type Codec, type CodecName, type CodecValue, type TextSink } from './codecs.js';
export {
  textInput,
  jsonlInput,
  fixedInput,
  rangeInput,
  parseInputSpec,
  parseOutputSpec,
  type InputSpec,
  type TextInput,
  type JsonlInput,
  type FixedInput,
  type RangeInput,
  type InputKey,
  type InputValue,
  type OutputFormat,
  type OutputSpec,
} from './formats.js';
export {
  defineJob,
  isJob,
  jobConfig,
  jobInput,
  jobOutput,
  parseConfigArgs,
  JOB_BRAND,
  type Job,
  type AnyJob,
  type JobSpec,
  type JobConfig,
  type TaskContext,
  type EmitContext,
  type MapContext,
  type CombineContext,
  type ReduceContext,
  type PrepareContext,
  type PartitionerFactory,
} from './job.js';
export { bundleJobModule, loadJob, jobModulePath, exampleJobPath, exampleJobNames, resolveJobModule, type ExampleJobName } from './bundle.js';
export { computeSplits, listInputFiles, defaultMinSplitBytes, defaultMaxSplitBytes, type InputSplit, type SplitOptions } from './splits.js';
export { readSplit, type ReadStats, type RecordHandler, type ReadOptions, type ProgressHandler } from './input.js';
export { localFileSystem, localPath, resolveUri, setDirtyMapOutputLimit, type FileSystem, type FileStatus, type OutputSink } from './fs.js';
export { FileOutputCommitter, partFileName, successFileName, temporaryDirName } from './committer.js';
export { mapTaskId, reduceTaskId } from './job.js';
export { runMapTask, defaultSortBufferBytes, defaultMergeFactor, type MapTaskOptions, type MapTaskResult, type TaskOutput } from './maptask.js';
export { hashBytes, mapOutputFileName, mapOutputIndexName, type MapOutputFiles, type MapOutputIndex } from './sortbuffer.js';
export { SegmentReader, SegmentWriter, MergeStream, type SegmentIndexEntry, type RecordStream } from './segment.js';
export { runReduceTask, type ReduceSegment, type ReduceTaskOptions, type ReduceTaskResult } from './reducetask.js';
export {
  serveMapOutput,
  fetchMapOutputs,
  ShuffleFetcher,
  ShuffleMemory,
  mapOutputDir,
  mapOutputUrl,
  lostMapOutput,
  mapOutputUrlPrefix,
  type MapOutputSource,
  type LocalShuffle,
  type FetchOptions,
  type FetchResult,
} from './shuffle.js';
export { ByteCountTable } from './bytecount.js';
export { setKernelMemoryPoolBytes } from './kernels.js';
export { runTask, loadJobCached, outputCommitter, type TaskSpec, type MapTaskSpec, type ReduceTaskSpec, type TaskResult, type MapOutputLocation } from './task.js';
export { runJobLocally, prepareJob, localSegments, type LocalJobOptions, type LocalJobResult } from './local.js';
