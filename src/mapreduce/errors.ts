// Operating errors of the MapReduce data path: one class per condition, each with a
// stable `code` so a job tracker can decide what to do (re-run a map, fail the job,
// report bad input) without parsing messages. Programmer errors are assertions instead.

export abstract class MapReduceError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The job module could not be bundled (syntax error, missing import, ...). */
export class JobBundleError extends MapReduceError {
  readonly code = 'JOB_BUNDLE_FAILED';
  constructor(readonly modulePath: string, detail: string, options?: { cause?: unknown }) {
    super(`job module ${modulePath} does not bundle: ${detail}`, options);
  }
}

/** The job module (or its bundle) could not be imported. */
export class JobLoadError extends MapReduceError {
  readonly code = 'JOB_LOAD_FAILED';
  constructor(readonly modulePath: string, detail: string, options?: { cause?: unknown }) {
    super(`job module ${modulePath} does not load: ${detail}`, options);
  }
}

/** The job module loaded but its default export is not a job. */
export class JobExportError extends MapReduceError {
  readonly code = 'JOB_NOT_EXPORTED';
  constructor(readonly modulePath: string, detail: string) {
    super(`job module ${modulePath} exports no job: ${detail}`);
  }
}

/** The job definition is unusable (e.g. reducers requested but no codecs). */
export class JobDefinitionError extends MapReduceError {
  readonly code = 'JOB_INVALID';
}

/** An input path does not exist or holds no readable files. */
export class InputNotFoundError extends MapReduceError {
  readonly code = 'INPUT_NOT_FOUND';
  constructor(readonly path: string, detail = 'does not exist') {
    super(`input ${path} ${detail}`);
  }
}

/** A record of the input cannot be decoded (bad JSON, truncated fixed-length record). */
export class InputRecordError extends MapReduceError {
  readonly code = 'INPUT_RECORD_INVALID';
  constructor(readonly file: string, readonly offset: number, detail: string, options?: { cause?: unknown }) {
    super(`bad input record in ${file} at byte offset ${offset}: ${detail}`, options);
  }
}

/** Unknown or malformed input/output format name. */
export class FormatError extends MapReduceError {
  readonly code = 'FORMAT_INVALID';
}

/** Only file:// (and plain paths) are supported by the built-in file system. */
export class UnsupportedUriError extends MapReduceError {
  readonly code = 'URI_UNSUPPORTED';
  constructor(readonly uri: string) {
    super(`unsupported URI ${uri}: only file:// URIs and local paths are supported`);
  }
}

/** The output directory exists and is not empty: refused before the job starts. */
export class OutputExistsError extends MapReduceError {
  readonly code = 'OUTPUT_EXISTS';
  constructor(readonly path: string) {
    super(`output directory ${path} already exists and is not empty; remove it or choose another output`);
  }
}

/** Another attempt of the same task has already committed; this attempt's output is discarded. */
export class TaskCommitRefusedError extends MapReduceError {
  readonly code = 'TASK_COMMIT_REFUSED';
  constructor(readonly taskId: string, readonly attemptId: string, detail: string) {
    super(`commit of task ${taskId} by attempt ${attemptId} refused: ${detail}`);
  }
}

/** Job commit found tasks without committed output. */
export class JobCommitError extends MapReduceError {
  readonly code = 'JOB_COMMIT_FAILED';
}

/** A map output segment (or spill) does not match its checksum / record count. */
export class ChecksumError extends MapReduceError {
  readonly code = 'CHECKSUM_MISMATCH';
  constructor(readonly mapId: string, readonly partition: number, detail: string) {
    super(`map output of ${mapId} partition ${partition} is corrupt: ${detail}; re-run map ${mapId}`);
  }
}

/** Map output is gone (404, missing file): the job tracker should re-run the map. */
export class MapOutputMissingError extends MapReduceError {
  readonly code = 'MAP_OUTPUT_MISSING';
  constructor(readonly mapId: string, readonly partition: number, detail: string) {
    super(`map output of ${mapId} partition ${partition} is missing: ${detail}`);
  }
}

/** Fetching a map output failed after all retries. */
export class ShuffleFetchError extends MapReduceError {
  readonly code = 'SHUFFLE_FETCH_FAILED';
  constructor(readonly mapId: string, readonly partition: number, readonly attempts: number, detail: string, options?: { cause?: unknown }) {
    super(`fetching map output of ${mapId} partition ${partition} failed after ${attempts} attempts: ${detail}`, options);
  }
}

/** A user map/combine/reduce function threw. */
export class UserCodeError extends MapReduceError {
  readonly code = 'USER_CODE_FAILED';
  constructor(readonly phase: string, readonly taskId: string, options: { cause: unknown }) {
    super(`${phase} function of task ${taskId} threw: ${errorText(options.cause)}`, options);
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A task error as plain JSON, for sending from a task runner (worker thread or process)
 *  to the job tracker: name, code, message and the error's context fields (mapId,
 *  partition, file, offset, ...). */
export interface TaskErrorInfo {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly details: Readonly<Record<string, string | number>>;
  readonly stack?: string;
}

export function taskErrorInfo(e: unknown): TaskErrorInfo {
  if (!(e instanceof Error)) return { name: 'Error', code: 'TASK_FAILED', message: String(e), details: {} };
  const details: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(e)) if (k !== 'code' && (typeof v === 'string' || typeof v === 'number')) details[k] = v;
  const code = (e as { code?: unknown }).code;
  return { name: e.name, code: typeof code === 'string' ? code : 'TASK_FAILED', message: e.message, details, stack: e.stack };
}

/** A task that ran elsewhere (worker thread, task runner process) failed; `code` and
 *  `details` are the original error's (see taskErrorInfo). */
export class RemoteTaskError extends MapReduceError {
  readonly code: string;
  readonly originalName: string;
  readonly details: Readonly<Record<string, string | number>>;
  constructor(info: TaskErrorInfo) {
    super(info.message);
    this.code = info.code;
    this.originalName = info.name;
    this.details = info.details;
  }
}

/** A streaming job's mapper/reducer command failed (non-zero exit, signal, or did not start). */
export class StreamingCommandError extends MapReduceError {
  readonly code = 'STREAMING_COMMAND_FAILED';
  constructor(
    readonly command: string,
    detail: string,
  ) {
    super(`streaming command ${JSON.stringify(command)} failed: ${detail}`);
  }
}
