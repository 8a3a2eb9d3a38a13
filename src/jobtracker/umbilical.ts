// The umbilical between a job tracker and its task runners: newline-delimited JSON
// over TCP. The JT listens; each runner connects once, says hello, and is then pushed
// one task at a time. It is internal to the MapReduce framework (not a daemon API).

import { createConnection, type Socket } from 'node:net';
import type { CountersJson, InputSplit, MapOutputIndex } from '../mapreduce/index.js';

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
  | { t: 'done'; attemptId: string; counters: CountersJson; mapOutput: MapOutputIndex | null }
  | { t: 'failed'; attemptId: string; error: string; stack: string }
  /** A reduce could not fetch these maps' outputs (lost node, corrupt file): re-run them. */
  | { t: 'fetch-failed'; attemptId: string; mapIds: string[]; error: string };

/** Framing: one JSON object per line, both ways. */
export class LineChannel<Out, In> {
  private carry = '';
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

  send(m: Out): void {
    if (!this.socket.destroyed) this.socket.write(JSON.stringify(m) + '\n');
  }

  close(): void {
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
