// Worker thread for runJobLocally's parallel mode: runs task specs (task.ts) sent by the
// parent and answers with the result or the error's name, code and message.

import { parentPort } from 'node:worker_threads';
import { runTask, type TaskSpec } from './task.js';

export interface WorkerReply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: { readonly name: string; readonly code?: string; readonly message: string; readonly stack?: string };
}

const port = parentPort;
if (port === null) throw new Error('mapreduce/worker.js must run in a worker thread');
port.on('message', (msg: { id: number; spec: TaskSpec }) => {
  runTask(msg.spec).then(
    (result) => port.postMessage({ id: msg.id, result } satisfies WorkerReply),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      port.postMessage({ id: msg.id, error: { name: err.name, code: (err as { code?: string }).code, message: err.message, stack: err.stack } } satisfies WorkerReply);
    },
  );
});
