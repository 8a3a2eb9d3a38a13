// The umbilical between a job tracker and its task runners: newline-delimited JSON
// over TCP. The JT listens; each runner connects once, says hello, and is then pushed
// tasks: one at a time, or (short maps) a few ahead so that it never waits for the next
// one; it runs them in the order sent. It is internal to the MapReduce framework (not a
// daemon API).
//
// Messages sent in the same event-loop turn go out in one write (and arrive in one
// read), so a burst of tasks or of task reports costs one system call, not one each.

import { createConnection, type Socket } from 'node:net';
import type { CountersJson, InputSplit } from '../mapreduce/index.js';

export interface MapSource {
  /** Map attempt id, which names its output on the node (`m-00003_1`). */
  mapId: string;
  taskId: string;
  shuffleUrl: string;
}

export type ToRunner =
  | { t: 'map'; attemptId: string; taskId: string; split: InputSplit; partitions: number }
  | { t: 'reduce'; attemptId: string; taskId: string; partition: number; partitions: number; sources: MapSource[]; complete: boolean }
  /** More map outputs for a running reduce; `complete` = every map is done. */
  | { t: 'sources'; attemptId: string; sources: MapSource[]; complete: boolean }
  | { t: 'exit' };

export type FromRunner =
  | { t: 'hello'; grantId: string; containerId: string; node: string; pid: number }
  | { t: 'progress'; attemptId: string; progress: number }
  /** `output`: the attempt wrote job output into its attempt directory, to be committed.
   *  `runMs`: how long the task ran in the runner; `shuffleMs` (reduces): how much of it
   *  went by before every map output was fetched. */
  | { t: 'done'; attemptId: string; counters: CountersJson; output: boolean; runMs: number; shuffleMs?: number }
  | { t: 'failed'; attemptId: string; error: string; stack: string }
  /** A reduce could not fetch these maps' outputs (lost node, corrupt file): re-run them. */
  | { t: 'fetch-failed'; attemptId: string; mapIds: string[]; error: string };

/** Framing: one JSON object per line, both ways. */
export class LineChannel<Out, In> {
  private carry = '';
  private outgoing = '';
  private flushScheduled = false;
  constructor(
    readonly socket: Socket,
    onMessage: (m: In) => void,
    onClose: (err?: Error) => void,
  ) {
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const text = this.carry + chunk;
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        const line = text.slice(start, nl);
        start = nl + 1;
        if (!line) continue;
        let msg: In;
        try {
          msg = JSON.parse(line) as In;
        } catch {
          socket.destroy(new Error('umbilical: a line that is not JSON'));
          return;
        }
        onMessage(msg);
      }
      this.carry = text.slice(start);
      if (this.carry.length > 64 << 20) socket.destroy(new Error('umbilical: line longer than 64 MiB'));
    });
    let closed = false;
    const close = (err?: Error) => {
      if (closed) return;
      closed = true;
      onClose(err);
    };
    socket.on('error', (err) => close(err));
    socket.on('close', () => close());
  }

  /** Queues a message; it is written with the others of this event-loop turn. */
  send(m: Out): void {
    this.outgoing += JSON.stringify(m) + '\n';
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes the queued messages now. */
  flush(): void {
    this.flushScheduled = false;
    if (!this.outgoing) return;
    if (!this.socket.destroyed) this.socket.write(this.outgoing);
    this.outgoing = '';
  }

  close(): void {
    this.flush();
    this.socket.end();
  }
}

export function connectUmbilical(address: string): Promise<Socket> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(i + 1));
  return new Promise((resolve, reject) => {
    const s = createConnection({ host, port }, () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}
