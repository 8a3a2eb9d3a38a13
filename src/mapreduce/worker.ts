// Worker thread for runJobLocally's parallel mode: runs task specs (task.ts) sent by the
// parent and answers with the result or the error's name, code and message.

import { parentPort } from 'node:worker_threads';
import { taskErrorInfo, type TaskErrorInfo } from './errors.js';
import { runTask, type TaskSpec } from './task.js';

export interface WorkerReply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: TaskErrorInfo;
}

const port = parentPort;
if (port === null) throw new Error('mapreduce/worker.js must run in a worker thread');
port.on('message', (msg: { id: number; spec: TaskSpec }) => {
  runTask(msg.spec).then(
    (result) => port.postMessage({ id: msg.id, result } satisfies WorkerReply),
    (e: unknown) => port.postMessage({ id: msg.id, error: taskErrorInfo(e) } satisfies WorkerReply),
  );
});
